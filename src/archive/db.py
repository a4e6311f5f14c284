"""The archive database: opening and locking it, its schema and its meta.

Tables:
  documents   one row per file (path, title, size, hash, encoding)
  paragraphs  one row per paragraph: its text and the fingerprint of its words
  paragraphs_fts  the search index, contentless (see index.py)
  archive_meta    key/value facts about the archive, such as the analyzer version
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import time
from typing import TYPE_CHECKING, Iterator
from urllib.parse import quote

from . import analyze, holders
from .sqlite import sqlite3

if TYPE_CHECKING:
    import sqlite_utils

# 2: the analyzed forms are no longer stored in `paragraphs` (1 stored them,
# and kept the index in step by triggers).  3: the index is contentless, no
# longer over `paragraphs` (whose always-NULL columns 2 kept for it let
# other tools "rebuild" it empty).  4: the impact index ranks searches.
# `archive rebuild` converts.
SCHEMA_VERSION = "4"
DEFAULT_DB = "archive.db"
BUSY_TIMEOUT_MS = 30_000
# A search reads much of the index: through a memory map, a page read costs
# no system call and no copy (docs/performance.md).  SQLite caps the map at
# its own maximum (2 GB in most builds).
READ_MAP_BYTES = 1 << 40
# The search index is not among them: an archive whose index another tool
# dropped is still one, which says so, and which `archive rebuild` repairs.
ARCHIVE_TABLES = frozenset({"documents", "paragraphs", "archive_meta"})
# archive_meta's key for how many paragraphs the archive holds per distinct
# text (1.0: no reprints), which search sizes its first ranking by.
COPIES_PER_TEXT = "copies_per_text"


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


def open_archive(path: str, create: bool = False, writing: bool = True) -> sqlite_utils.Database:
    """Open an archive database; with create, make it (and its schema) if
    needed.  Not writing, an archive on read-only storage opens read-only."""
    exists = check_db_path(path)
    if not exists and not create:
        raise ArchiveError(f"no archive at {path}: run 'archive import DIR' first")
    import sqlite_utils

    try:
        conn = connect(path)
    except sqlite3.DatabaseError as error:
        raise ArchiveError(f"{path} is not an SQLite database ({error})") from None
    if writing and is_read_only(conn):
        conn.close()
        raise ArchiveError(f"cannot write {path}: its folder {_folder(path)} is {_unwritable(_folder(path))}")
    db = sqlite_utils.Database(conn)
    if create:
        ensure_schema(db)
    elif not is_archive(db):
        raise ArchiveError(f"{path} is not an archive database")
    return db


class _ReadOnly(sqlite3.Connection):
    """A connection opened read-only because the archive's storage is."""


def is_read_only(conn) -> bool:
    return isinstance(conn, _ReadOnly)


def connect(path: str) -> sqlite3.Connection:
    """A connection to the database at path that has read its schema.

    In WAL mode (an archive's) SQLite opens a file only where it can make
    the -shm and -wal files beside it (beside the file a symlink leads to).
    In a folder it cannot write that fails, and the archive opens read-only:
    mode=ro, which reads an existing -wal and -shm, else, on read-only
    storage alone, immutable=1, which ignores a -wal, so only when there is
    none to ignore.  Immutable also assumes no one changes the file
    meanwhile and takes no locks (SQLite's uri.html): only read-only storage
    promises that; a folder merely not ours is refused."""
    conn = sqlite3.connect(path)
    try:
        return _probed(conn)
    except sqlite3.OperationalError:
        conn.close()
        if os.access(_folder(path), os.W_OK):
            raise
    uri = "file:" + quote(os.path.realpath(path))
    try:
        return _probed(sqlite3.connect(uri + "?mode=ro", uri=True, factory=_ReadOnly))
    except sqlite3.OperationalError:
        pass
    if not _read_only_storage(_folder(path)):
        raise ArchiveError(
            f"cannot open {path}: its folder {_folder(path)} is not writable by this user, "
            "and SQLite needs to write its -shm file there"
        )
    wal = os.path.realpath(path) + "-wal"
    if os.path.exists(wal) and os.path.getsize(wal):
        raise ArchiveError(
            f"{path} is in a read-only folder ({_folder(path)}) with a write-ahead log SQLite cannot read there "
            "without its -shm file: copy the archive with both to writable storage"
        )
    return _probed(sqlite3.connect(uri + "?immutable=1", uri=True, factory=_ReadOnly))


def _probed(conn: sqlite3.Connection) -> sqlite3.Connection:
    # Wait for a moment another connection holds a lock (an import's
    # commit, a WAL checkpoint) instead of failing with "database is locked".
    conn.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("select count(*) from sqlite_master").fetchone()
    return conn


def _folder(path: str) -> str:
    # The real one: SQLite puts -wal and -shm beside the file a symlink leads to.
    return os.path.dirname(os.path.realpath(path))


def _read_only_storage(folder: str) -> bool:
    """Whether the file system folder is on is mounted read-only."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _unwritable(folder: str) -> str:
    """Why an archive in folder opened read-only cannot be written."""
    return "read-only" if _read_only_storage(folder) else "not writable by this user"


@contextlib.contextmanager
def writer_lock(db_path: str) -> Iterator[None]:
    """Held by an import or rebuild for its whole run, so two of them never
    write the same archive at once.  The kernel drops the lock when the
    process ends, however it ends (kill -9 included)."""
    check_db_path(db_path)
    lock_path = _lock_path(db_path)
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


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """db.atomic(), but holding the write lock from its start.  A transaction
    begun by a read cannot take the lock later while another connection
    holds it: SQLite fails it at once, busy timeout or not, where this one
    waits for the lock as a first statement does."""
    if db.conn.in_transaction:
        with db.atomic():  # a savepoint within the open one
            yield
        return
    db.conn.execute("begin immediate")
    try:
        yield
        db.conn.execute("commit")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("rollback")
        raise


def _lock_path(db_path: str) -> str:
    # Beside the file itself: through a symlink to it (or to its folder) an
    # import must find the lock an import through its own path holds.
    return os.path.realpath(db_path) + ".lock"


class Reader:
    """An archive opened for searching: the little of sqlite_utils.Database
    that queries use (`execute`, `conn`), without importing sqlite_utils,
    which would slow the start of every `archive search`."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def execute(self, sql: str, parameters=None) -> sqlite3.Cursor:
        # Rows as plain tuples: Datasette's connections make a sqlite3.Row of
        # each, which a search of common words, reading hundreds of thousands,
        # pays for (docs/datasette.md).
        cursor = self.conn.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, parameters if parameters is not None else ())


# How long a reader waits for a first import to create the archive's tables.
CREATION_WAIT_S = 10.0


def open_reader(path: str, mapped: bool = True) -> Reader:
    """Open an existing archive for searching (see open_archive).  An archive
    that a first import is still creating is waited for, for a moment.
    mapped: read through a memory map (map_for_reading), for a reader that
    searches many times; a process that searches once reads faster without."""
    deadline = time.monotonic() + CREATION_WAIT_S
    while True:
        creating = writer_active(path)
        if check_db_path(path):
            try:
                conn = connect(path)
                archive = is_archive(conn)
                empty = not conn.execute("select count(*) from sqlite_master").fetchone()[0]
            except sqlite3.DatabaseError as error:
                raise ArchiveError(f"{path} is not an SQLite database ({error})") from None
            if archive:
                if mapped:
                    map_for_reading(conn)
                return Reader(conn)
            conn.close()
            if not (empty and creating):
                raise ArchiveError(f"{path} is not an archive database")
        elif not creating:
            raise ArchiveError(f"no archive at {path}: run 'archive import DIR' first")
        if time.monotonic() > deadline:
            raise ArchiveError(f"{path} is being created by an import; try again in a moment")
        time.sleep(0.05)


def map_for_reading(conn) -> None:
    """Let SQLite read the archive's file through a memory map: for the
    connections of searches that search many times (Datasette's), not of
    imports, whose memory is measured, nor of a command that searches once:
    each page a new map meets costs a page fault, more than reading it
    (docs/performance.md)."""
    conn.execute(f"pragma mmap_size = {READ_MAP_BYTES}")


def writer_active(db_path: str) -> bool:
    """Whether an import or rebuild holds the archive's writer lock now."""
    try:
        fd = os.open(_lock_path(db_path), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def is_archive(db) -> bool:
    """Whether a database (anything with .execute(sql, params)) holds an archive."""
    tables = {row[0] for row in db.execute("select name from sqlite_master where type = ?", ["table"])}
    return ARCHIVE_TABLES <= tables


def ensure_schema(db: sqlite_utils.Database) -> None:
    # index.py builds on this module (its meta); imported here so that the
    # modules still import one way.
    from .index import create_fingerprint_index, create_search_index

    # Decided before any pragma or table is written: an archive is made only
    # in an empty database or completed in one that already is an archive
    # (archive_meta), so someone else's database is never changed.
    empty = not db.execute("select count(*) from sqlite_master").fetchone()[0]
    if not empty and not db["archive_meta"].exists():
        raise ArchiveError(f"{db.conn.execute('pragma database_list').fetchone()[2]} is not an archive database")
    if not empty:  # a newer archive's is not completed as this version's
        refuse_newer_schema(get_meta(db))
    # WAL lets searches (and Datasette) read while an import writes.
    db.enable_wal()
    # In WAL mode NORMAL cannot corrupt the database, even if the machine dies;
    # it only may lose the last commits, which the next import redoes.
    db.execute("pragma synchronous = normal")
    if is_archive(db):
        # An import into an empty archive builds this index at its end (see
        # importer.import_scanned): one cut short left it out.
        create_fingerprint_index(db)
        return
    # One transaction: an import killed while creating the archive leaves
    # either no tables or all of them, search index included.
    with write_transaction(db):
        _create_tables(db)
        db["paragraphs"].create_index(["document_id", "number"], unique=True, if_not_exists=True)
        create_fingerprint_index(db)
        db["archive_meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
        # Every paragraph it will hold marks its text's first copy (holders.py).
        set_meta(db, analyzer_version=analyze.ANALYZER_VERSION, schema_version=SCHEMA_VERSION,
                 **analyze.environment(), **{holders.META_KEY: holders.LEVELLED})
        create_search_index(db)


def _create_tables(db: sqlite_utils.Database) -> None:
    """The documents and paragraphs tables (the index's columns aside)."""
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


def set_meta(db: sqlite_utils.Database, **values: str) -> None:
    db["archive_meta"].upsert_all(
        [{"key": k, "value": str(v)} for k, v in values.items()], pk="key"
    )


def get_meta(db) -> dict[str, str]:
    """archive_meta as a dict; db is anything with .execute(sql, params)."""
    return dict(db.execute("select key, value from archive_meta", []).fetchall())


def analyzer_mismatch(db) -> str | None:
    """The analyzer version the archive was built with, if it is not ours;
    db is anything with .execute(sql, params)."""
    row = db.execute("select value from archive_meta where key = ?", ["analyzer_version"]).fetchone()
    built_with = row[0] if row else None
    return built_with if built_with != analyze.ANALYZER_VERSION else None


def refuse_newer_schema(meta: dict) -> None:
    """Refuse to write an archive a newer archive made: rebuilding it here
    would turn it back into this version's, losing what the newer one keeps."""
    version = meta.get("schema_version") or ""
    if version.isdigit() and int(version) > int(SCHEMA_VERSION):
        raise ArchiveError(
            f"archive made by a newer version of archive (schema {version}, this one writes {SCHEMA_VERSION}): "
            "upgrade archive to change it"
        )


def check_writable(db: sqlite_utils.Database) -> None:
    """Refuse to change an archive built by another analyzer or schema: taking
    a paragraph out of the index means analyzing its text again exactly as
    when it went in."""
    meta = get_meta(db)
    refuse_newer_schema(meta)
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise ArchiveError(
            f"archive made by another version of archive (schema {meta.get('schema_version')}): "
            "run 'archive rebuild' first"
        )
    from .index import index_mismatch, watch_deletions  # (see ensure_schema)

    # Written on, an index out of step with the paragraphs would drift further.
    mismatch = index_mismatch(db, counting=True)
    if mismatch:
        raise ArchiveError(f"{mismatch}: run 'archive rebuild' first")
    # An archive made before the trigger gets it, its index in step.
    watch_deletions(db)
    differences = analysis_differences(meta)
    if differences and db["paragraphs"].count:
        raise ArchiveError(f"archive analyzed with {differences}: run 'archive rebuild' first")
    set_meta(db, analyzer_version=analyze.ANALYZER_VERSION, **analyze.environment())


def analysis_differences(meta: dict[str, str]) -> str:
    """How the analysis recorded in archive_meta differs from this one, in
    words ("" when it does not): the analyzer version, the Unicode tables
    and the stemmers.

    >>> analysis_differences({"analyzer_version": "0", **analyze.environment()})
    'analyzer version 0, this is version 6'
    """
    ours = {"analyzer_version": analyze.ANALYZER_VERSION, **analyze.environment()}
    names = {"analyzer_version": "analyzer version", "unicode_version": "Unicode", "stemmer_version": "PyStemmer"}
    return "; ".join(
        f"{names[key]} {meta.get(key, 'unknown')}, this is {'version ' if key == 'analyzer_version' else ''}{value}"
        for key, value in ours.items()
        if meta.get(key) != value
    )


# What a paragraph's reprints share (SQL over `paragraphs`): its fingerprint;
# a paragraph without one is a reprint of nothing.
REPRINT_KEY = "coalesce(paragraphs.fingerprint, 'paragraph ' || paragraphs.id)"


def record_copies_per_text(db: sqlite_utils.Database) -> None:
    """Count the archive's paragraphs and distinct texts (a paragraph without
    a fingerprint is a text of its own) into archive_meta; the fingerprint
    index answers it without reading the paragraphs."""
    paragraphs, texts = db.execute(
        "select count(*), count(distinct fingerprint) + count(*) - count(fingerprint) from paragraphs"
    ).fetchone()
    set_meta(db, **{COPIES_PER_TEXT: f"{paragraphs / texts:.3f}" if texts else "1"})


def copies_per_text(db) -> float:
    """How many paragraphs the archive holds per distinct text, as its last
    import counted them (1 for an archive not yet counted)."""
    row = db.execute("select value from archive_meta where key = ?", [COPIES_PER_TEXT]).fetchone()
    try:
        return max(1.0, float(row[0])) if row else 1.0
    except ValueError:
        return 1.0
