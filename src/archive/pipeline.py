"""The import hot path: paragraph analysis with a per-word cache.

`analyze.exact_form` and `analyze.stemmed_form` define what the `exact` and
`terms` columns hold; this module computes the same two strings faster, for
the import of many documents:

* each distinct written word is normalized and stemmed once: a news corpus
  repeats a few hundred thousand written words millions of times.

tests/test_speed_equivalence.py pins that the output is identical to the
straightforward path on real text.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from typing import Iterable, Iterator

from . import analyze


# Distinct written words kept analyzed; cleared when full, so memory stays
# bounded on any corpus (a news archive reuses its vocabulary heavily).
CACHE_WORDS = 150_000


# Distinct written word → its normalized form(s) and its stem(s), each
# followed by a space ("" for a word that normalizes to nothing), so that a
# paragraph's column is one join over its words.
_exact: dict[str, str] = {}
_terms: dict[str, str] = {}


def _learn(raws: list[str]) -> None:
    """Analyze the written words not seen yet, as tokenize() and stem() would."""
    if len(_exact) >= CACHE_WORDS:
        _exact.clear()
        _terms.clear()
    for raw in raws:
        if raw in _exact:
            continue
        # The functions behind analyze's own caches: this cache holds their
        # results already, and one copy of the vocabulary is enough memory.
        parts = analyze.word_parts.__wrapped__(raw)
        _exact[raw] = "".join(part + " " for part in parts)
        _terms[raw] = "".join(analyze.stem.__wrapped__(part) + " " for part in parts)


def _raw_words(text: str) -> list[str]:
    """What analyze.written_words() gives, without the offsets."""
    found = analyze._RUN.findall(text)
    if "_" in text:
        found = [piece for run in found for piece in run.split("_") if piece]
    return found


def analyze_paragraph(text: str) -> tuple[str, str]:
    """(terms, exact) of a paragraph: stemmed_form(text), exact_form(text)."""
    raws = _raw_words(text)
    try:
        exact = "".join(map(_exact.__getitem__, raws))
        terms = "".join(map(_terms.__getitem__, raws))
    except KeyError:
        _learn(raws)
        exact = "".join(map(_exact.__getitem__, raws))
        terms = "".join(map(_terms.__getitem__, raws))
    return terms[:-1], exact[:-1]


def fingerprint(exact: str) -> str:
    """Same normalized words, same paragraph: a reprint (wire copy)."""
    return hashlib.sha1(exact.encode("utf-8")).hexdigest()[:16]


def paragraph_rows(document_id: int, paragraphs: Iterable[str]) -> list[dict]:
    """The paragraphs table's rows for one document's paragraphs."""
    paragraphs = list(paragraphs)
    analyzed = _prefetcher.take(paragraphs) if _prefetcher and paragraphs else None
    if analyzed is None:
        analyzed = [analyze_paragraph(text) for text in paragraphs]
    rows = []
    for number, (text, (terms, exact)) in enumerate(zip(paragraphs, analyzed), start=1):
        rows.append(
            {
                "document_id": document_id,
                "number": number,
                "text": text,
                "terms": terms,
                "exact": exact,
                "fingerprint": fingerprint(exact),
            }
        )
    return rows


# --- the second core: analysis ahead of the writer ---------------------------
#
# While the importing process writes to SQLite, a worker process reads,
# splits and analyzes the files that come next, in the same order.  It is only
# a head start: the importer still reads and decides everything itself, and
# takes the worker's analysis of a document only when its paragraphs are the
# very ones it split (same key); anything else is analyzed on the spot.  The
# worker is a plain child process talking pickles over its stdin/stdout: it
# inherits no file descriptor (the writer lock stays ours alone) and it exits
# as soon as its stdin closes, that is when the importer ends in any way,
# kill -9 included.

# Files worth a worker: below this, starting one costs more than it saves.
PREFETCH_MIN_FILES = 64
# Documents asked for ahead of the writer: bounds the worker's lead, and so
# the memory the two hold between them.
PREFETCH_WINDOW = 32

_prefetcher: "_Prefetcher | None" = None


def _key(paragraphs: list[str]) -> bytes:
    return hashlib.blake2b("\x00".join(paragraphs).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _prepare(path: str, encoding: str | None, unchanged_if: tuple[int, int] | None):
    """The worker's part for one file: None when the importer will not need it."""
    from .files import read_document, split_paragraphs

    try:
        if unchanged_if is not None:
            info = os.stat(path)
            if (info.st_size, info.st_mtime_ns) == unchanged_if:
                return None
        paragraphs = split_paragraphs(read_document(path, encoding).text)
    except Exception:  # the importer meets the same problem and reports it
        return None
    return _key(paragraphs), [analyze_paragraph(text) for text in paragraphs]


def _serve() -> None:
    """Worker loop: (path, encoding, unchanged_if) in, _prepare's answer out."""
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            task = pickle.load(source)
        except EOFError:
            return
        pickle.dump(_prepare(*task), sink, protocol=pickle.HIGHEST_PROTOCOL)
        sink.flush()


class _Prefetcher:
    def __init__(self, tasks: Iterator[tuple]):
        import subprocess  # here: `archive search` imports this module and never needs it

        self.tasks = tasks
        self.process = subprocess.Popen(
            [sys.executable, "-m", "archive.pipeline"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        self.outstanding = 0
        self.ready: dict[bytes, list[tuple[str, str]]] = {}
        self.lost = False  # the worker died: the importer analyzes everything itself
        for _ in range(PREFETCH_WINDOW):
            self._send_next()

    def _send_next(self) -> None:
        task = next(self.tasks, None)
        if task is not None:
            pickle.dump(task, self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.process.stdin.flush()
            self.outstanding += 1

    def take(self, paragraphs: list[str]) -> list[tuple[str, str]] | None:
        """The worker's analysis of these paragraphs, if it made it."""
        key = _key(paragraphs)
        found = self.ready.pop(key, None)
        while found is None and self.outstanding and not self.lost:
            try:
                result = pickle.load(self.process.stdout)
                self.outstanding -= 1
                self._send_next()
            except (EOFError, pickle.UnpicklingError, OSError):
                # The worker died (killed, out of memory): carry on without it.
                self.lost = True
                self.process.kill()
                break
            if result is None:
                continue
            if result[0] == key:
                found = result[1]
            elif len(self.ready) < 2 * PREFETCH_WINDOW:
                # A document the importer skips (touched, same bytes) or has
                # not reached yet.
                self.ready[result[0]] = result[1]
        return found

    def close(self) -> None:
        try:
            self.process.stdin.close()
        except OSError:  # a dead worker: what was left to send has nowhere to go
            pass
        self.process.stdout.close()
        self.process.wait()


@contextlib.contextmanager
def prefetch(paths: list, encoding: str | None, known: dict) -> Iterator[None]:
    """Analyze the files ahead of the importer in a worker process, while the
    importer's paragraph_rows() calls are inside this block.  known: the
    archive's documents by path; files whose size and mtime are recorded
    there are skipped (the importer will skip them too)."""
    global _prefetcher
    if len(paths) < PREFETCH_MIN_FILES or _prefetcher is not None:
        yield
        return

    def tasks():
        for path in paths:
            row = known.get(str(path))
            same = row is not None and encoding in (None, row["encoding"])
            yield str(path), encoding, (row["size"], row["mtime_ns"]) if same else None

    try:
        _prefetcher = _Prefetcher(tasks())
    except OSError:
        yield  # no worker to be had: analyze here
        return
    try:
        yield
    finally:
        prefetcher, _prefetcher = _prefetcher, None
        prefetcher.close()


# --- the search index filled in bulk ------------------------------------------
#
# Indexing row by row through the insert trigger costs about twice what one
# FTS5 insert ... select over a whole batch does.  So a large import drops the
# index's insert trigger, and before each commit indexes the paragraphs of the
# documents written in that transaction in one statement; at its end it puts
# the trigger back.  Every commit holds paragraphs and index in step, so a
# kill -9 at any moment leaves a sound archive, searchable up to the last
# commit.  archive_meta holds DEFERRED_KEY from the moment the trigger is
# dropped: an import cut short leaves the key, and the next import, whatever
# its size, carries on in this mode and restores the trigger.  The key is only
# a flag: the trigger is made again from INSERT_TRIGGER_SQL, never from what an
# archive (perhaps received from someone else) holds.
# Deletes and updates still go through their triggers.

DEFERRED_KEY = "deferred_index_trigger"
# While a large import writes: FTS5 keeps up to this many bytes of new terms in
# memory before it writes a segment (default 1 MB: several segments, and their
# merging, per transaction), and SQLite this many KiB of pages in its cache.
BULK_HASHSIZE = 8 * 1024 * 1024
BULK_CACHE_KIB = 16_000
FTS5_HASHSIZE = 1024 * 1024
INSERT_TRIGGER = "paragraphs_ai"
# As sqlite-utils' enable_fts(create_triggers=True) writes it.
INSERT_TRIGGER_SQL = f"""CREATE TRIGGER "{INSERT_TRIGGER}" AFTER INSERT ON "paragraphs" BEGIN
  INSERT INTO "paragraphs_fts" (rowid, "terms", "exact") VALUES (new.rowid, new."terms", new."exact");
END"""
# Imports of fewer files index row by row.
BULK_MIN_FILES = 64

_bulk: list[int] | None = None  # documents written since the last commit, in bulk mode
_INSERT = (
    "insert into paragraphs (document_id, number, text, terms, exact, fingerprint) "
    "values (:document_id, :number, :text, :terms, :exact, :fingerprint)"
)


def insert_row(db, table: str, record: dict) -> int:
    """Insert one row; its rowid.  (sqlite-utils' insert() looks the table's
    schema up on every call: a tenth of an import's time.)"""
    columns = ", ".join(f'"{column}"' for column in record)
    values = ", ".join(f":{column}" for column in record)
    return db.conn.execute(f'insert into "{table}" ({columns}) values ({values})', record).lastrowid


def insert_paragraphs(db, document_id: int, paragraphs: list[str]) -> None:
    """Write one document's paragraphs (indexed now, or before the commit)."""
    db.conn.executemany(_INSERT, paragraph_rows(document_id, paragraphs))
    if _bulk is not None:
        _bulk.append(document_id)


def index_pending(db) -> None:
    """Index the paragraphs written in bulk mode since the last commit; the
    importer calls this inside the transaction, right before committing."""
    if not _bulk:
        return
    for start in range(0, len(_bulk), 500):
        chunk = _bulk[start : start + 500]
        db.conn.execute(
            "insert into paragraphs_fts (rowid, terms, exact) select id, terms, exact from paragraphs "
            f"where document_id in ({', '.join('?' * len(chunk))})",
            chunk,
        )
    _bulk.clear()


@contextlib.contextmanager
def bulk_index(db, paths: list) -> Iterator[None]:
    """Around an import's loop: index in bulk, commit by commit (see above).
    The end's writes join the importer's open transaction, if any."""
    global _bulk
    conn = db.conn
    row = conn.execute("select value from archive_meta where key = ?", [DEFERRED_KEY]).fetchone()
    if (row is None and len(paths) < BULK_MIN_FILES) or _bulk is not None:
        yield
        return
    began = not conn.in_transaction
    if began:
        conn.execute("begin immediate")
    trigger = conn.execute(
        "select sql from sqlite_master where type = 'trigger' and name = ?", [INSERT_TRIGGER]
    ).fetchone()
    if trigger:
        conn.execute(f'drop trigger "{INSERT_TRIGGER}"')
        conn.execute("insert or replace into archive_meta (key, value) values (?, '1')", [DEFERRED_KEY])
    conn.execute(f"insert into paragraphs_fts (paragraphs_fts, rank) values ('hashsize', {BULK_HASHSIZE})")
    if began:
        conn.execute("commit")
    cache_size = conn.execute("pragma cache_size").fetchone()[0]
    conn.execute(f"pragma cache_size = -{BULK_CACHE_KIB}")
    _bulk = []
    try:
        yield
        if not conn.in_transaction:
            conn.execute("begin immediate")
        index_pending(db)
        conn.execute(INSERT_TRIGGER_SQL)
        conn.execute("delete from archive_meta where key = ?", [DEFERRED_KEY])
        # Back to FTS5's default for the writes that come one by one.
        conn.execute(f"insert into paragraphs_fts (paragraphs_fts, rank) values ('hashsize', {FTS5_HASHSIZE})")
    finally:
        _bulk = None
        conn.execute(f"pragma cache_size = {cache_size}")

if __name__ == "__main__":
    _serve()
