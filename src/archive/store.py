"""The database: schema, and loading documents into it.

Tables:
  documents   one row per file (path, title, size, hash, encoding)
  paragraphs  one row per paragraph: its text and the fingerprint of its words
  paragraphs_fts  FTS5 index (stock ascii tokenizer) over two analyzed
                  forms of each paragraph, `terms` (stems) and `exact`
                  (normalized words), computed from the text and not stored:
                  written by archive alone (see pipeline.py)
  archive_meta    key/value facts about the archive, such as the analyzer version
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from . import analyze, pipeline

if TYPE_CHECKING:
    import sqlite_utils
from .files import (
    MAX_PARAGRAPH_CHARS,
    Document,
    NotText,
    UnreadableDocument,
    describe_os_error,
    codec_name,
    find_files,
    printable,
    walked,
    read_document,
    split_paragraphs,
)
from .sqlite import sqlite3

# 2: the analyzed forms are no longer stored in `paragraphs` (1 stored them,
# and kept the index in step by triggers); `archive rebuild` converts.
SCHEMA_VERSION = "2"
DEFAULT_DB = "archive.db"
# A commit every so many documents or paragraphs, whichever comes first: each
# commit writes a segment of the search index, which FTS5 merges later, so
# fewer, larger ones make a faster import; a crash loses at most one batch,
# which the next import redoes.
BATCH_DOCUMENTS = 2_000
BATCH_PARAGRAPHS = 20_000
# FTS5 keeps up to this many bytes of new index entries in memory before it
# writes a segment (its default, 1 MB, means several segments per batch, and
# their merging).  A batch of 20,000 paragraphs holds about 13 MB: at 16 MB
# it is written as one segment, at commit.  On the 30k corpus, against 8 MB:
# archive.db 203 MB instead of 207, peak memory no higher (the page cache
# below shrank as much).
INDEX_HASHSIZE = 16 * 1024 * 1024
# The stock FTS5 tokenizer the index uses.  The analyzed forms are words
# already normalized and case-folded, joined by single spaces: ascii cuts
# them into exactly those words (tests/test_analyze.py pins it), where
# unicode61 splits at letters its tables predate, and, having no Unicode
# tables to consult, it indexes a quarter faster.
INDEX_TOKENIZER = "ascii"
# FTS5 merges the index's segments while it writes them (its automerge),
# rewriting each entry again at every level it climbs.  archive merges them
# itself instead, once, at the end of an import (see merge_index): writing,
# FTS5 only merges a level that reaches INDEX_CRISIS_SEGMENTS (its safeguard
# against a pile-up).  On the 30k corpus ten times over, this imported in
# 178 s instead of 193, the end's merge included, and searches ran 18%
# faster on the single segment it leaves.  The 10x import writes 150
# segments: at 64, two crisis merges took 28 s of its commits (278 s in
# all, against 247 s at 200).  At 256, a search during a long import looks
# a term up in at most that many segments.
INDEX_CRISIS_SEGMENTS = 256
# An import that wrote at least this share of the archive's paragraphs ends
# by merging the whole index into one segment (1.3 s for the 30k corpus); a
# smaller one merges only where FTS5's automerge would have, without
# rewriting the whole index for a few new files.
OPTIMIZE_SHARE = 0.25
# Index pages (4 KB) merged in one transaction.  The whole index in one
# ('optimize') took longer (1.7 s against 1.3 s on the 30k corpus).
MERGE_PAGES = 2_000
# SQLite's page cache for an import, in KiB: the index's merges read their
# segments in order, so a bigger one gained nothing measurable.
IMPORT_CACHE_KIB = 8_000
BUSY_TIMEOUT_MS = 30_000


class ArchiveError(Exception):
    """A problem the user can act on; the message is shown as it is."""


def default_db_path() -> str:
    return os.environ.get("ARCHIVE_DB") or DEFAULT_DB


def check_db_path(path: str) -> bool:
    """Whether a database file is at path; an error when path cannot be one
    (a folder, a device, a FIFO, a missing folder), before anything (a
    lock file, a journal) is created next to it."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        parent = os.path.dirname(path) or "."
        if not os.path.isdir(parent):
            raise ArchiveError(f"{path}: no such folder: {parent}") from None
        return False
    except OSError as error:
        raise ArchiveError(f"{path}: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ArchiveError(f"{path} is a folder, not an archive database")
    if not stat.S_ISREG(info.st_mode):
        raise ArchiveError(f"{path} is not a regular file, so not an archive database")
    return True


def open_archive(path: str, create: bool = False) -> sqlite_utils.Database:
    """Open an archive database; with create, make it (and its schema) if needed."""
    exists = check_db_path(path)
    if not exists and not create:
        raise ArchiveError(f"no archive at {path}: run 'archive import DIR' first")
    import sqlite_utils

    try:
        db = sqlite_utils.Database(path)
        # Wait for a moment another connection holds a lock (an import's
        # commit, a WAL checkpoint) instead of failing with "database is locked".
        db.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        raise ArchiveError(f"{path} is not an SQLite database ({error})") from None
    if create:
        ensure_schema(db)
    elif not is_archive(db):
        raise ArchiveError(f"{path} is not an archive database")
    return db


@contextlib.contextmanager
def writer_lock(db_path: str) -> Iterator[None]:
    """Held by an import or rebuild for its whole run, so two of them never
    write the same archive at once.  The kernel drops the lock when the
    process ends, however it ends (kill -9 included)."""
    check_db_path(db_path)
    lock_path = db_path + ".lock"
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise ArchiveError(f"cannot create lock file {lock_path}: {error.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ArchiveError(
                f"{db_path} is busy: another import or rebuild is writing it; try again when it has finished"
            ) from None
        yield
    finally:
        os.close(fd)


class Reader:
    """An archive opened for searching: the little of sqlite_utils.Database
    that queries use (`execute`, `conn`), without importing sqlite_utils,
    which costs every `archive search` a tenth of a second to start."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def execute(self, sql: str, parameters=None) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters if parameters is not None else ())


def open_reader(path: str) -> Reader:
    """Open an existing archive for searching (see open_archive)."""
    if not check_db_path(path):
        raise ArchiveError(f"no archive at {path}: run 'archive import DIR' first")
    try:
        conn = sqlite3.connect(path)
        conn.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise ArchiveError(f"{path} is not an SQLite database ({error})") from None
    if not ARCHIVE_TABLES <= tables:
        raise ArchiveError(f"{path} is not an archive database")
    return Reader(conn)


ARCHIVE_TABLES = frozenset({"documents", "paragraphs", "paragraphs_fts", "archive_meta"})


def is_archive(db: sqlite_utils.Database) -> bool:
    return ARCHIVE_TABLES <= set(db.table_names())


def ensure_schema(db: sqlite_utils.Database) -> None:
    # Decided before any pragma or table is written: an archive is made only
    # in an empty database or completed in one that already is an archive
    # (archive_meta), so someone else's database is never changed.
    empty = not db.execute("select count(*) from sqlite_master").fetchone()[0]
    if not empty and not db["archive_meta"].exists():
        raise ArchiveError(f"{db.conn.execute('pragma database_list').fetchone()[2]} is not an archive database")
    # WAL lets searches (and Datasette) read while an import writes.
    db.enable_wal()
    # In WAL mode NORMAL cannot corrupt the database, even if the machine dies;
    # it only may lose the last commits, which the next import redoes.
    db.execute("pragma synchronous = normal")
    if is_archive(db):
        # An import into an empty archive builds this index at its end (see
        # import_scanned): one cut short left it out.
        create_fingerprint_index(db)
        return
    # One transaction: an import killed while creating the archive leaves
    # either no tables or all of them, search index included.
    with db.atomic():
        db["documents"].create(
            {
                "id": int,
                "path": str,
                "title": str,
                "size": int,
                "mtime_ns": int,
                "sha256": str,
                "encoding": str,
                "paragraphs": int,
                "imported_at": str,
            },
            pk="id",
            not_null={"path"},
            if_not_exists=True,
        )
        db["documents"].create_index(["path"], unique=True, if_not_exists=True)
        db["paragraphs"].create(
            {
                "id": int,
                "document_id": int,
                "number": int,
                "text": str,
                "fingerprint": str,
            },
            pk="id",
            foreign_keys=[("document_id", "documents", "id")],
            if_not_exists=True,
        )
        add_index_columns(db)
        db["paragraphs"].create_index(["document_id", "number"], unique=True, if_not_exists=True)
        create_fingerprint_index(db)
        db["archive_meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
        set_meta(db, analyzer_version=analyze.ANALYZER_VERSION, schema_version=SCHEMA_VERSION, **analyze.environment())
        create_search_index(db)


FINGERPRINT_INDEX = "idx_paragraphs_fingerprint"


def create_fingerprint_index(db: sqlite_utils.Database) -> None:
    """The index that finds a paragraph's reprints (if it is not there)."""
    db["paragraphs"].create_index(["fingerprint"], index_name=FINGERPRINT_INDEX, if_not_exists=True)


def add_index_columns(db: sqlite_utils.Database) -> None:
    """The index's column names in `paragraphs`, as generated columns that
    are always NULL and take no room (see create_search_index).  Not in
    `PRAGMA table_info`, so Datasette and sqlite-utils do not show them."""
    for column in ("terms", "exact"):
        db.execute(f"alter table paragraphs add column {column} text generated always as (null) virtual")


def create_search_index(db: sqlite_utils.Database) -> None:
    """The (empty) FTS5 index of the paragraphs' analyzed forms.

    External content: content="paragraphs" is how Datasette and sqlite-utils
    find a table's search index.  FTS5 reads the content table only for
    column values (which archive never asks of it: the analyzed forms exist
    in the index only) and for 'rebuild' (which archive never runs); it finds
    the two columns it would read there, always NULL, so that counting or
    listing the index's rows (as Datasette does) is no error.  sqlite-utils'
    enable_fts() would fill it from those columns, hence the SQL here."""
    db.execute(
        f"create virtual table {pipeline.INDEX} using fts5"
        f'(terms, exact, tokenize="{INDEX_TOKENIZER}", content="paragraphs", content_rowid="id")'
    )
    index_command(db, "hashsize", INDEX_HASHSIZE)
    configure_index_merging(db)


def index_command(db: sqlite_utils.Database, command: str, value: int) -> None:
    """One of FTS5's special commands on the search index: a setting
    ('automerge', 'hashsize'...) or an action ('merge', 'integrity-check')."""
    db.execute(f"insert into {pipeline.INDEX} ({pipeline.INDEX}, rank) values (?, ?)", [command, value])


def configure_index_merging(db: sqlite_utils.Database) -> None:
    """Leave the merging of index segments to merge_index (archives made
    before it merged as FTS5 does by default)."""
    index_command(db, "automerge", 0)
    index_command(db, "crisismerge", INDEX_CRISIS_SEGMENTS)


def merge_index(db: sqlite_utils.Database, written: int) -> None:
    """Merge the index segments that `written` new paragraphs (and any
    removals) left.  A large share of the archive: everything into one
    segment.  Otherwise the levels that hold four segments or more (FTS5's
    'usermerge'), which is what automerge would have done while writing.

    MERGE_PAGES at a time, each step its own transaction: the write-ahead
    log stays small (18 MB rather than 71 MB for the whole 30k corpus at
    once, and a whole index's worth on a larger archive), and one cut short
    leaves a sound index, merged less."""
    paragraphs = db.execute("select count(*) from paragraphs").fetchone()[0]
    # Negative: every segment counts as one level, to be merged into one.
    pages = -MERGE_PAGES if written >= OPTIMIZE_SHARE * paragraphs else MERGE_PAGES
    while True:
        with db.atomic():
            before = db.conn.total_changes
            index_command(db, "merge", pages)
            # The command itself counts as one change: a 'merge' that found
            # nothing left to merge counts no other.
            if db.conn.total_changes - before < 2:
                set_meta(db, index_merge="done")
                return


# archive_meta's key for how many paragraphs the archive holds per distinct
# text (1.0: no reprints): the share of reprints among ranked matches, which
# query.search sizes its first ranking by.
COPIES_PER_TEXT = "copies_per_text"


def record_copies_per_text(db: sqlite_utils.Database) -> None:
    """Count the archive's paragraphs and distinct texts (a paragraph without
    a fingerprint is a text of its own) into archive_meta; 0.1 s for the 30k
    corpus, read off the fingerprint index."""
    paragraphs, texts = db.execute(
        "select count(*), count(distinct fingerprint) + count(*) - count(fingerprint) from paragraphs"
    ).fetchone()
    set_meta(db, **{COPIES_PER_TEXT: f"{paragraphs / texts:.3f}" if texts else "1"})


def copies_per_text(db: sqlite_utils.Database | Reader) -> float:
    """How many paragraphs the archive holds per distinct text, as its last
    import counted them (1 for an archive not yet counted)."""
    row = db.execute("select value from archive_meta where key = ?", [COPIES_PER_TEXT]).fetchone()
    try:
        return max(1.0, float(row[0])) if row else 1.0
    except ValueError:
        return 1.0


def set_meta(db: sqlite_utils.Database, **values: str) -> None:
    db["archive_meta"].upsert_all(
        [{"key": k, "value": str(v)} for k, v in values.items()], pk="key"
    )


def get_meta(db: sqlite_utils.Database | Reader) -> dict[str, str]:
    return dict(db.execute("select key, value from archive_meta").fetchall())


def analyzer_mismatch(db: sqlite_utils.Database | Reader) -> str | None:
    """The analyzer version the archive was built with, if it is not ours."""
    built_with = get_meta(db).get("analyzer_version")
    return built_with if built_with != analyze.ANALYZER_VERSION else None


def check_writable(db: sqlite_utils.Database) -> None:
    """Refuse to change an archive built by another analyzer or schema: taking
    a paragraph out of the index means analyzing its text again exactly as
    when it went in."""
    meta = get_meta(db)
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise ArchiveError(
            f"archive made by another version of archive (schema {meta.get('schema_version')}): "
            "run 'archive rebuild' first"
        )
    differences = analysis_differences(meta)
    if differences and db["paragraphs"].count:
        raise ArchiveError(f"archive analyzed with {differences}: run 'archive rebuild' first")
    set_meta(db, analyzer_version=analyze.ANALYZER_VERSION, **analyze.environment())


def analysis_differences(meta: dict[str, str]) -> str:
    """How the analysis recorded in archive_meta differs from this one, in
    words ("" when it does not): the analyzer version, the Unicode tables
    and the stemmers.

    >>> analysis_differences({"analyzer_version": "0", **analyze.environment()})
    'analyzer version 0, this is version 3'
    """
    ours = {"analyzer_version": analyze.ANALYZER_VERSION, **analyze.environment()}
    names = {"analyzer_version": "analyzer version", "unicode_version": "Unicode", "stemmer_version": "PyStemmer"}
    return "; ".join(
        f"{names[key]} {meta.get(key, 'unknown')}, this is {'version ' if key == 'analyzer_version' else ''}{value}"
        for key, value in ours.items()
        if meta.get(key) != value
    )


# --- import -----------------------------------------------------------------


@dataclass
class ImportSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0
    failed: int = 0
    paragraphs: int = 0

    def line(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, {self.skipped} skipped, {self.failed} failed; "
            f"{self.paragraphs} paragraphs written"
        )


# What the importer tells about a file as it goes: "failed" (not imported, an
# error), "skipped" (not text) or "warning" (imported, but worth knowing).
Report = Callable[[str, str, str], None]


def _store(
    db: sqlite_utils.Database,
    doc: Document,
    paragraphs: list[str],
    analyzed: list | None,
    existing: dict | None,
) -> int:
    record = {
        "path": doc.path,
        "title": doc.title,
        "size": doc.size,
        "mtime_ns": doc.mtime_ns,
        "sha256": doc.sha256,
        "encoding": doc.encoding,
        "paragraphs": len(paragraphs),
        "imported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    if existing:
        document_id = existing["id"]
        pipeline.delete_document_paragraphs(db.conn, document_id)
        db.conn.execute(
            f"update documents set {', '.join(f'{column} = :{column}' for column in record)} where id = :id",
            {**record, "id": document_id},
        )
    else:
        document_id = _insert_row(db, "documents", record)
    pipeline.insert_paragraphs(db.conn, document_id, paragraphs, analyzed)
    return len(paragraphs)


def _insert_row(db, table: str, record: dict) -> int:
    """Insert one row; its rowid.  (sqlite-utils' insert() looks the table's
    schema up on every call: a tenth of an import's time.)"""
    columns = ", ".join(f'"{column}"' for column in record)
    values = ", ".join(f":{column}" for column in record)
    return db.conn.execute(f'insert into "{table}" ({columns}) values ({values})', record).lastrowid


@dataclass
class FileScan:
    """The candidate files under a folder, walked as they are imported: the
    list of paths is never held, whatever the tree's size."""

    root: Path  # resolved
    include_hidden: bool = False
    patterns: tuple[str, ...] = ()

    def files(self, on_error: Callable[[str, str], None] | None = None) -> Iterator[Path]:
        """The files, in the walk's order; on_error(folder, why) for a folder
        that cannot be listed."""
        return find_files(self.root, self.include_hidden, self.patterns, on_error=on_error)

    def count(self) -> int:
        """How many files there are (a walk of its own, for a progress bar)."""
        return sum(1 for _ in self.files())


def scan_folder(
    root: str | os.PathLike, include_hidden: bool = False, patterns: Iterable[str] = ()
) -> FileScan:
    try:
        resolved = Path(root).resolve(strict=True)
    except (OSError, RuntimeError):
        raise ArchiveError(f"{printable(root)}: no such folder") from None
    if not resolved.is_dir():
        raise ArchiveError(f"{printable(root)} is not a folder")
    return FileScan(resolved, include_hidden, tuple(patterns))


class _Batches:
    """Write transactions of bounded size.  A document's row and its
    paragraphs are always in the same transaction, so a crash can never leave
    a document whose size and mtime say "imported" without its paragraphs.
    Short transactions also keep other writers' waits short."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.documents = 0
        self.paragraphs = 0

    def begin(self) -> None:
        if not self.db.conn.in_transaction:
            self.db.conn.execute("begin immediate")

    def done(self, paragraphs: int) -> None:
        self.documents += 1
        self.paragraphs += paragraphs
        if self.documents >= BATCH_DOCUMENTS or self.paragraphs >= BATCH_PARAGRAPHS:
            self.commit()

    def commit(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.execute("commit")
        self.documents = self.paragraphs = 0

    def rollback(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.execute("rollback")


def import_folder(
    db: sqlite_utils.Database,
    root: str | os.PathLike,
    encoding: str | None = None,
    include_hidden: bool = False,
    patterns: Iterable[str] = (),
    prune: bool = False,
    report: Report | None = None,
) -> ImportSummary:
    """Load every text file under root (see import_scanned)."""
    scan = scan_folder(root, include_hidden, patterns)
    return import_scanned(db, scan, encoding=encoding, prune=prune, report=report)


def import_scanned(
    db: sqlite_utils.Database,
    scan: FileScan,
    encoding: str | None = None,
    prune: bool = False,
    report: Report | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Load the scanned files.  Unchanged files (same size and mtime, or else
    the same bytes) are skipped, changed ones have their paragraphs replaced;
    with prune, documents under the folder whose files are gone are removed.
    Commits in batches; each file is reported (failed/skipped/warning) once."""
    check_writable(db)
    run = _ImportRun(db, scan, encoding, report or (lambda kind, path, why: None))
    files = scan.files(on_error=lambda folder, why: run.fail(folder, f"cannot list folder: {why}"))
    cache_size = db.execute("pragma cache_size").fetchone()[0]
    db.execute(f"pragma cache_size = -{IMPORT_CACHE_KIB}")
    # Fingerprints are hashes: kept in an index while rows come in, each one
    # lands on a random page, and once the index outgrows the page cache that
    # cost grows faster than the archive (45x for 10x the paragraphs).  Into
    # an empty archive, the index is made once at the end instead, from
    # sorted keys.  (Searches meanwhile find reprints without it, slowly; an
    # import cut short leaves it to the next one: see ensure_schema.)
    if not db.execute("select exists (select 1 from paragraphs)").fetchone()[0]:
        db.execute(f"drop index if exists {FINGERPRINT_INDEX}")
    # An import or a merge cut short leaves the index's segments less merged
    # and this mark set: the next import merges them, changes or not.
    merge_pending = get_meta(db).get("index_merge") == "pending"
    try:
        run.batches.begin()
        configure_index_merging(db)
        set_meta(db, index_merge="pending")
        # Each file is decided a few files ahead, and a worker process reads
        # and analyzes those to be read meanwhile (pipeline.py).
        with pipeline.ahead(files, run.plan, run.to_read) as planned:
            for plan in planned:
                run.carry_out(plan, planned.take)
                if progress:
                    progress(1)
        if prune:
            run.prune(scan.root)
        summary = run.summary
        merge = merge_pending or bool(summary.added or summary.updated or summary.removed)
        run.batches.begin()
        create_fingerprint_index(db)
        if merge or COPIES_PER_TEXT not in get_meta(db):
            record_copies_per_text(db)
        set_meta(
            db,
            last_import=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            index_merge="pending" if merge else "done",
        )
        run.batches.commit()
        if merge:
            merge_index(db, summary.paragraphs)
    except BaseException:
        run.batches.rollback()
        raise
    finally:
        db.execute(f"pragma cache_size = {cache_size}")
    return run.summary


@dataclass
class _Plan:
    """What the importer does with one file, decided before it is read."""

    path: Path
    action: str  # "read", "unchanged", "fail", "skip" or "none" (a second link)
    why: str = ""
    resolved: str = ""
    existing: dict | None = None
    same_encoding: bool = False


class _ImportRun:
    def __init__(self, db: sqlite_utils.Database, scan: FileScan, encoding: str | None, report: Report):
        self.db = db
        self.scan = scan
        self.encoding = encoding
        self.report = report
        self.summary = ImportSummary()
        self.batches = _Batches(db)
        # Files taken through a symlink, by real path, so that a second link
        # to one is not taken again.  Only these: a file the walk reaches as
        # itself is taken then, never through a link (see _taken_as_itself).
        self.link_targets: set[str] = set()

    def known(self, paths: list[str]) -> dict[str, dict | None]:
        """The archive's records of the documents at these paths (None: none)."""
        found: dict[str, dict | None] = dict.fromkeys(paths)
        rows = self.db.conn.execute(
            "select id, path, size, mtime_ns, sha256, encoding from documents "
            f"where path in ({', '.join('?' * len(paths))})",
            paths,
        )
        for row in rows:
            found[row[1]] = dict(zip(("id", "path", "size", "mtime_ns", "sha256", "encoding"), row))
        return found

    def fail(self, path, why: str) -> None:
        self.summary.failed += 1
        self.report("failed", printable(path), why)

    def skip(self, path, why: str, existing: dict | None = None) -> None:
        """A file that is not text.  If it was imported before (it was text
        then), its document goes: the archive keeps in step with the folder,
        as for a file that was emptied."""
        if existing:
            self._remove(existing)
            why += "; its earlier text is removed from the archive"
        self.summary.skipped += 1
        self.report("skipped", printable(path), why)

    def _remove(self, row: dict) -> None:
        self.batches.begin()
        pipeline.delete_document_paragraphs(self.db.conn, row["id"])
        # Plain SQL, here and for updates: sqlite-utils' own opens a
        # savepoint, at which FTS5 writes out its pending index entries.
        self.db.conn.execute("delete from documents where id = ?", [row["id"]])
        self.summary.removed += 1
        self.batches.done(0)

    def _taken_as_itself(self, resolved: str) -> bool:
        """Whether the walk reaches this real path as a file of its own: one
        it lists, in folders it can list."""
        scan, path = self.scan, Path(resolved)
        if not walked(path, scan.root, scan.include_hidden, scan.patterns):
            return False
        for folder in [scan.root, *path.relative_to(scan.root).parents[-2::-1]]:
            try:
                os.scandir(scan.root / folder).close()
            except OSError:
                return False
        return True

    def plan(self, paths: list[Path]) -> list[_Plan]:
        """Decide about files from their metadata alone.  Changes nothing,
        and reports nothing: carry_out() does, in the files' order."""
        # (A name that is not UTF-8 cannot be looked up: _plan refuses it.)
        known = self.known([str(path) for path in paths if printable(path) == str(path)])
        return [self._plan(path, known) for path in paths]

    def _plan(self, path: Path, known: dict[str, dict | None]) -> _Plan:
        try:
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                resolved = str(path.resolve(strict=True))
                info = os.stat(resolved)
                if resolved in self.link_targets or self._taken_as_itself(resolved):
                    return _Plan(path, "none")  # the same file as another link, or as itself
                self.link_targets.add(resolved)
            else:
                # The scan starts from the resolved root and never enters a
                # symlinked folder: a file that is no link is its own real
                # path, and resolving it again (a stat per path component)
                # was most of the time a re-import takes.
                resolved = str(path)
        except (OSError, RuntimeError) as error:
            return _Plan(path, "fail", describe_os_error(error, path))
        if printable(resolved) != resolved:
            # Bytes that are not UTF-8 in its name: SQLite's text cannot hold
            # that path, and a path stored altered would never match the file.
            return _Plan(path, "fail", "file name is not valid UTF-8")
        existing = known[resolved] if resolved in known else self.known([resolved])[resolved]
        if not stat.S_ISREG(info.st_mode):
            return _Plan(path, "skip", "not a regular file", resolved, existing)
        # A forced encoding other than the one recorded means: decode again.
        same_encoding = existing is not None and (
            self.encoding is None or codec_name(self.encoding) == codec_name(existing["encoding"])
        )
        if same_encoding and (existing["size"], existing["mtime_ns"]) == (info.st_size, info.st_mtime_ns):
            return _Plan(path, "unchanged")
        return _Plan(path, "read", "", resolved, existing, same_encoding)

    def to_read(self, plan: _Plan) -> tuple[str, str | None] | None:
        """What the worker is asked to read for a plan, if anything."""
        return (plan.resolved, self.encoding) if plan.action == "read" else None

    def carry_out(self, plan: _Plan, take: Callable[[], object]) -> None:
        """Do what plan says; take() gives the worker's reading of the file,
        if it made one."""
        path, existing = plan.path, plan.existing
        if plan.action == "unchanged":
            self.summary.unchanged += 1
            return
        if plan.action == "fail":
            return self.fail(path, plan.why)
        if plan.action == "skip":
            return self.skip(path, plan.why, existing)
        if plan.action != "read":
            return
        prepared = take()
        if isinstance(prepared, tuple) and prepared[0].path == plan.resolved:
            doc, paragraphs, cut, analyzed = prepared
        else:
            try:
                if isinstance(prepared, UnreadableDocument):
                    raise prepared  # what reading it here would raise
                doc = read_document(plan.resolved, self.encoding, real_path=True)
            except NotText as error:
                return self.skip(path, str(error), existing)
            except UnreadableDocument as error:
                return self.fail(path, str(error))
            cut = []
            paragraphs = split_paragraphs(doc.text, cut)
            analyzed = None
        self.batches.begin()
        if plan.same_encoding and existing["sha256"] == doc.sha256:
            # Touched but not changed: remember the new mtime so the next run is cheap.
            self.db.conn.execute(
                "update documents set mtime_ns = ?, size = ? where id = ?", [doc.mtime_ns, doc.size, existing["id"]]
            )
            self.summary.unchanged += 1
            self.batches.done(0)
            return
        self._warn_about(path, paragraphs, cut)
        written = _store(self.db, doc, paragraphs, analyzed, existing)
        self.summary.paragraphs += written
        if existing:
            self.summary.updated += 1
        else:
            self.summary.added += 1
        self.batches.done(written)

    def _warn_about(self, path: Path, paragraphs: list[str], cut: list[int]) -> None:
        if not paragraphs:
            self.report("warning", str(path), "empty file: imported with no paragraphs")
        elif cut:
            self.report(
                "warning",
                str(path),
                f"{len(cut)} paragraph{'' if len(cut) == 1 else 's'} longer than {MAX_PARAGRAPH_CHARS} "
                f"characters (the longest {max(cut)}): cut into rows at sentence ends",
            )

    def prune(self, root: Path) -> None:
        """Remove the documents under root whose files no longer exist.  A file
        that exists but was not taken (another --glob, hidden, unreadable) stays."""
        prefix = str(root).rstrip(os.sep) + os.sep
        if printable(prefix) != prefix:
            return  # a folder name that is not UTF-8 holds no document (see _plan)
        # The paths that start with prefix, as a range the path index answers.
        after_prefix = prefix[:-1] + chr(ord(os.sep) + 1)
        gone = []
        for row in self.db.query(
            "select id, path from documents where path >= ? and path < ?", [prefix, after_prefix]
        ):
            try:
                os.lstat(row["path"])
            except (FileNotFoundError, NotADirectoryError):
                gone.append(row)
            except OSError:
                pass  # cannot tell: keep it
        for row in gone:
            self._remove(row)
