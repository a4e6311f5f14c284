"""The import: files under a folder into the archive, each decided from its
metadata, read (mostly by the worker, see pipeline.py), analyzed and written
in batches of bounded size."""

from __future__ import annotations

import datetime as dt
import enum
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from . import pipeline
from .db import COPIES_PER_TEXT, check_writable, get_meta, record_copies_per_text, set_meta
from .files import (
    Document,
    FileScan,
    NotText,
    UnreadableDocument,
    codec_name,
    read_document,
)
from .gone import documents_under, surely_gone
from .grammar import counted
from .holders import Texts
from .paragraphs import MAX_PARAGRAPH_CHARS, split_paragraphs
from .index import (
    FINGERPRINT_INDEX,
    configure_index_merging,
    count_terms_if_stale,
    create_fingerprint_index,
    delete_document_paragraphs,
    drop_fingerprint_index,
    has_index,
    insert_paragraphs,
    merge_index,
)
from .paths import describe_os_error, from_printable, printable

if TYPE_CHECKING:
    import sqlite_utils

# A commit every so many documents or paragraphs, whichever comes first: each
# commit writes a segment of the search index, which is merged later, so
# fewer, larger ones make a faster import; a crash loses at most one batch,
# which the next import redoes.
BATCH_DOCUMENTS = 2_000
BATCH_PARAGRAPHS = 20_000
# SQLite's page cache for an import, in KiB: the index's merges read their
# segments in order, so a bigger one gains nothing.
IMPORT_CACHE_KIB = 8_000
# So many documents alike, none gone, are not checked again (_first_gone).
MANY_ALIKE = 8
# Finds the documents of a file's size and content, for a file that may be
# one of them moved (see _ImportRun._moved).
CONTENT_INDEX = "idx_documents_size_sha256"


@dataclass
class ImportSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    removed: int = 0
    skipped: int = 0
    failed: int = 0
    paragraphs: int = 0
    moves: list = field(default_factory=list, repr=False, compare=False)  # (old, new path): see moved_fields.py

    def line(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.moved} moved, {self.removed} removed, {self.skipped} skipped, {self.failed} failed; "
            f"{counted(self.paragraphs, 'paragraph')} written"
        )

    def files(self) -> int:
        """How many files the import looked at (removed documents had none)."""
        return self.added + self.updated + self.unchanged + self.moved + self.skipped + self.failed


# What the importer tells about a file as it goes: "failed" (not imported, an
# error), "skipped" (not text) or "warning" (imported, but worth knowing).
Report = Callable[[str, str, str], None]


def document_record(doc: Document, paragraphs: list[str]) -> dict:
    """A document's row in `documents`, as read now."""
    return {
        "path": printable(doc.path),  # lossless and one line, whatever the name's bytes (files.py)
        "title": doc.title,
        "size": doc.size,
        "mtime_ns": doc.mtime_ns,
        "sha256": doc.sha256,
        "encoding": doc.encoding,
        "paragraphs": len(paragraphs),
        "imported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def _store(
    db: sqlite_utils.Database,
    doc: Document,
    paragraphs: list[str],
    analyzed: list | None,
    existing: dict | None,
    texts: Texts | None = None,
) -> int:
    record = document_record(doc, paragraphs)
    if existing:
        document_id = existing["id"]
        delete_document_paragraphs(db.conn, document_id, texts)
        update_document(db.conn, document_id, record)
    else:
        document_id = _insert_row(db, "documents", record)
    insert_paragraphs(db.conn, document_id, paragraphs, analyzed, texts)
    return len(paragraphs)


def update_document(conn, document_id: int, record: dict) -> None:
    conn.execute(
        f"update documents set {', '.join(f'{column} = :{column}' for column in record)} where id = :id",
        {**record, "id": document_id},
    )


def _insert_row(db, table: str, record: dict) -> int:
    """Insert one row; its rowid.  (sqlite-utils' insert() looks the table's
    schema up on every call, which slows the import.)"""
    columns = ", ".join(f'"{column}"' for column in record)
    values = ", ".join(f":{column}" for column in record)
    return db.conn.execute(f'insert into "{table}" ({columns}) values ({values})', record).lastrowid


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
    # Fingerprints are hashes: indexed as rows come in, each lands on a random
    # page, which grows costly once the index outgrows the page cache.  Into an
    # empty archive the index is made once at the end, from sorted keys.
    if not db.execute("select exists (select 1 from paragraphs)").fetchone()[0]:
        drop_fingerprint_index(db)
    run.texts = Texts(db.conn, in_memory=not has_index(db, FINGERPRINT_INDEX))
    # An import or a merge cut short leaves the index's segments less merged
    # and this mark set: the next import merges them, changes or not.
    merge_pending = get_meta(db).get("index_merge") == "pending"
    try:
        run.batches.begin()
        db.execute(f"create index if not exists {CONTENT_INDEX} on documents (size, sha256)")
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
        _finish(run, merge_pending)
    except BaseException:
        run.batches.rollback()
        raise
    finally:
        db.execute(f"pragma cache_size = {cache_size}")
    return run.summary


class Action(enum.Enum):
    """What the importer does with a file, decided from its metadata."""

    READ = "read"  # new or changed: read, analyze and store it
    UNCHANGED = "unchanged"
    FAIL = "fail"  # cannot be imported: reported
    SKIP = "skip"  # not text: reported, and its earlier document removed
    NONE = "none"  # a file already taken through another link, or as itself


def _finish(run: _ImportRun, merge_pending: bool, imported: bool = True) -> None:
    """Record the import (if it was one, not a forget) in archive_meta and
    merge the index segments it wrote (or an earlier run left unmerged)."""
    db, summary = run.db, run.summary
    merge = merge_pending or bool(summary.added or summary.updated or summary.removed)
    run.batches.begin()
    create_fingerprint_index(db)
    if merge or COPIES_PER_TEXT not in get_meta(db):
        record_copies_per_text(db)
    if imported:
        set_meta(db, last_import=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    set_meta(db, index_merge="pending" if merge else "done")
    run.batches.commit()
    if merge:
        merge_index(db, summary.paragraphs)
    else:
        # A run cut short after its merge left the count it was due.
        count_terms_if_stale(db)


@dataclass
class _Plan:
    """What the importer does with one file, decided before it is read."""

    path: Path
    action: Action
    why: str = ""
    resolved: str = ""
    existing: dict | None = None
    same_encoding: bool = False
    moved: bool = False  # likely a gone document's file, moved: see _gone_twin


def _stored_raw_before(path: str) -> bool:
    """Whether archives made before paths were stored printable held this
    path as another string, which is no printable form of any path: a valid
    UTF-8 name with characters printable() escapes, and no escape of its own."""
    if printable(path) == path or from_printable(path) != path:
        return False
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
        # itself is taken then, never through a link (see FileScan.taken_as_itself).
        self.link_targets: set[str] = set()
        self.none_gone: set[tuple] = set()  # see _first_gone
        # The documents this run finds in the archive: only they can have lost
        # their file to a move (one it adds had its file a moment ago).
        self.last_earlier = db.execute("select coalesce(max(id), 0) from documents").fetchone()[0]
        # Which paragraphs written are a text's first copy (set once the
        # import has decided about the fingerprint index).
        self.texts: Texts | None = None

    def known(self, paths: list[str]) -> dict[str, dict | None]:
        """The archive's records of the documents at these real paths (None:
        none).  A record is found by its path's printable form, or else by
        the name itself as archives stored it before (control characters raw)."""
        found: dict[str, dict | None] = dict.fromkeys(paths)
        forms = {printable(path): path for path in paths}
        older = {path: path for path in paths if _stored_raw_before(path)}
        rows = self.db.conn.execute(
            "select id, path, size, mtime_ns, sha256, encoding from documents "
            f"where path in ({', '.join('?' * (len(forms) + len(older)))})",
            [*forms, *older],
        )
        for row in rows:
            path = forms.get(row[1]) or older[row[1]]
            if found[path] is None or row[1] in forms:
                found[path] = dict(zip(("id", "path", "size", "mtime_ns", "sha256", "encoding"), row))
        return found

    def fail(self, path, why: str) -> None:
        self.summary.failed += 1
        self.report("failed", printable(path), why)

    def skip(self, path, why: str, existing: dict | None = None) -> None:
        """A file that is not text.  If it was imported before (it was text
        then), its document goes: the archive keeps in step with the folder,
        as for a file that was emptied."""
        if existing:
            self.remove(existing)
            why += "; its earlier text is removed from the archive"
        self.summary.skipped += 1
        self.report("skipped", printable(path), why)

    def remove(self, row: dict) -> None:
        self.batches.begin()
        delete_document_paragraphs(self.db.conn, row["id"], self.texts)
        # Plain SQL, here and for updates: sqlite-utils' own opens a
        # savepoint, at which FTS5 writes out its pending index entries.
        self.db.conn.execute("delete from documents where id = ?", [row["id"]])
        self.summary.removed += 1
        self.batches.done(0)

    def plan(self, paths: list[Path]) -> list[_Plan]:
        """Decide about files from their metadata alone.  Changes nothing,
        and reports nothing: carry_out() does, in the files' order."""
        known = self.known([str(path) for path in paths])
        return [self._plan(path, known) for path in paths]

    def _plan(self, path: Path, known: dict[str, dict | None]) -> _Plan:
        try:
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                resolved = str(path.resolve(strict=True))
                info = os.stat(resolved)
                if resolved in self.link_targets or self.scan.taken_as_itself(resolved):
                    return _Plan(path, Action.NONE)  # the same file as another link, or as itself
                self.link_targets.add(resolved)
            else:
                # The scan starts from the resolved root and never enters a
                # symlinked folder: a file that is no link is its own real
                # path, with no stat per path component to resolve it again.
                resolved = str(path)
        except (OSError, RuntimeError) as error:
            return _Plan(path, Action.FAIL, describe_os_error(error, path))
        existing = known[resolved] if resolved in known else self.known([resolved])[resolved]
        if not stat.S_ISREG(info.st_mode):
            return _Plan(path, Action.SKIP, "not a regular file", resolved, existing)
        # A forced encoding other than the one recorded means: decode again.
        same_encoding = existing is not None and (
            self.encoding is None or codec_name(self.encoding) == codec_name(existing["encoding"])
        )
        if (
            same_encoding
            and (existing["size"], existing["mtime_ns"]) == (info.st_size, info.st_mtime_ns)
            and existing["path"] == printable(resolved)  # else stored as before: rewrite it
        ):
            return _Plan(path, Action.UNCHANGED)
        moved = existing is None and self._gone_twin(info)
        return _Plan(path, Action.READ, "", resolved, existing, same_encoding, moved)

    def _gone_twin(self, info: os.stat_result) -> bool:
        """Whether a document of this size and mtime has lost its file.  The
        file is then likely that document moved (mv keeps both): read here,
        not analyzed ahead for nothing.  _moved decides, from the content."""
        return self._first_gone(
            "select id, path, encoding from documents where size = ? and mtime_ns = ? and id <= ?",
            (info.st_size, info.st_mtime_ns, self.last_earlier),
        ) is not None

    def _first_gone(self, sql: str, key: tuple) -> int | None:
        """The first document sql finds (id, path, encoding) whose file is gone
        and that a forced encoding would not decode otherwise.  Many found and
        none gone (copies of a text) is remembered: no lstat of them all again."""
        if (sql, key) in self.none_gone or not self.last_earlier:
            return None
        rows = self.db.conn.execute(sql, key).fetchall()
        forced = codec_name(self.encoding) if self.encoding is not None else None
        for document_id, path, encoding in rows:
            if forced in (None, codec_name(encoding)) and surely_gone(path):
                return document_id
        if len(rows) >= MANY_ALIKE:
            self.none_gone.add((sql, key))
        return None

    def to_read(self, plan: _Plan) -> tuple[str, str | None] | None:
        """What the worker is asked to read for a plan, if anything."""
        return (plan.resolved, self.encoding) if plan.action is Action.READ and not plan.moved else None

    def carry_out(self, plan: _Plan, take: Callable[[], object]) -> None:
        """Do what plan says; take() gives the worker's reading of the file,
        if it made one."""
        path, existing = plan.path, plan.existing
        if plan.action is Action.UNCHANGED:
            self.summary.unchanged += 1
            return
        if plan.action is Action.FAIL:
            return self.fail(path, plan.why)
        if plan.action is Action.SKIP:
            return self.skip(path, plan.why, existing)
        if plan.action is not Action.READ:
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
        if existing is None and self._moved(doc):
            return
        if plan.same_encoding and existing["sha256"] == doc.sha256:
            # Touched but not changed: remember the new mtime so the next run is cheap.
            self.db.conn.execute(
                "update documents set mtime_ns = ?, size = ?, path = ? where id = ?",
                [doc.mtime_ns, doc.size, printable(doc.path), existing["id"]],
            )
            self.summary.unchanged += 1
            self.batches.done(0)
            return
        self._warn_about(path, doc, paragraphs, cut)
        written = _store(self.db, doc, paragraphs, analyzed, existing, self.texts)
        self.summary.paragraphs += written
        if existing:
            self.summary.updated += 1
        else:
            self.summary.added += 1
        self.batches.done(written)

    def _moved(self, doc: Document) -> bool:
        """Whether doc is a document whose file is gone, moved to doc.path: then
        only its path, size and mtime change; paragraphs and index stay.  One
        whose file exists is never taken (a copy is a document of its own);
        once moved, its file exists: several moved copies pair one to one."""
        document_id = self._first_gone(
            "select id, path, encoding from documents where size = ? and sha256 = ? and id <= ? order by id",
            (doc.size, doc.sha256, self.last_earlier),
        )
        if document_id is None:
            return False
        old, = self.db.conn.execute("select path from documents where id = ?", [document_id]).fetchone()
        self.db.conn.execute(
            "update documents set path = ?, size = ?, mtime_ns = ? where id = ?",
            [printable(doc.path), doc.size, doc.mtime_ns, document_id],
        )
        self.summary.moved += 1
        self.summary.moves.append((old, printable(doc.path)))
        self.batches.done(0)
        return True

    def _warn_about(self, path: Path, doc: Document, paragraphs: list[str], cut: list[int]) -> None:
        replaced = doc.replaced  # bytes a Unicode encoding could not decode (files.decode)
        if replaced:
            self.report(
                "warning", printable(path),
                f"{counted(replaced, 'byte sequence')} not {doc.encoding}: read as \ufffd",
            )
        if doc.doubt:
            self.report("warning", printable(path), doc.doubt)
        if not paragraphs:
            self.report("warning", printable(path), "empty file: imported with no paragraphs")
        elif cut:
            self.report(
                "warning",
                printable(path),
                f"{counted(len(cut), 'paragraph')} longer than {MAX_PARAGRAPH_CHARS} "
                f"characters (the longest {max(cut)}): cut into rows at sentence ends",
            )

    def prune(self, root: Path) -> None:
        """Remove the documents under root whose files no longer exist.  A file
        that exists but was not taken (another --glob, hidden, unreadable) stays."""
        for document_id, path in documents_under(self.db, str(root)):
            if surely_gone(path):
                self.remove({"id": document_id})


def remove_documents(db: sqlite_utils.Database, ids: Iterable[int]) -> int:
    """Remove these documents, their paragraphs and index entries, in
    batches as an import writes them, then merge the index as an import
    ends; how many were removed."""
    run = _ImportRun(db, None, None, lambda kind, path, why: None)
    try:
        run.batches.begin()
        set_meta(db, index_merge="pending")
        for document_id in ids:
            run.remove({"id": document_id})
        _finish(run, merge_pending=False, imported=False)
    except BaseException:
        run.batches.rollback()
        raise
    return run.summary.removed
