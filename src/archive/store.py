"""The database: schema, and loading documents into it.

Tables:
  documents   one row per file (path, title, size, hash, encoding)
  paragraphs  one row per paragraph, with the analyzed columns `terms` and `exact`
  paragraphs_fts  FTS5 index over terms and exact (stock unicode61 tokenizer),
                  kept in step by triggers
  archive_meta    key/value facts about the archive, such as the analyzer version
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import sqlite_utils

from . import analyze
from .files import Document, UnreadableDocument, find_files, read_document, split_paragraphs, title_of

SCHEMA_VERSION = "1"
DEFAULT_DB = "archive.db"
BATCH_DOCUMENTS = 200


class ArchiveError(Exception):
    """A problem the user can act on; the message is shown as it is."""


def default_db_path() -> str:
    return os.environ.get("ARCHIVE_DB") or DEFAULT_DB


def open_archive(path: str, create: bool = False) -> sqlite_utils.Database:
    """Open an archive database; with create, make it (and its schema) if needed."""
    exists = os.path.exists(path)
    if not exists and not create:
        raise ArchiveError(f"no archive at {path}: run 'archive import DIR' first")
    if exists and os.path.isdir(path):
        raise ArchiveError(f"{path} is a folder, not an archive database")
    try:
        db = sqlite_utils.Database(path)
        db.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        raise ArchiveError(f"{path} is not an SQLite database ({error})") from None
    if create:
        ensure_schema(db)
    elif not is_archive(db):
        raise ArchiveError(f"{path} is not an archive database")
    return db


def is_archive(db: sqlite_utils.Database) -> bool:
    return {"documents", "paragraphs", "paragraphs_fts", "archive_meta"} <= set(db.table_names())


def ensure_schema(db: sqlite_utils.Database) -> None:
    # WAL lets searches (and Datasette) read while an import writes.
    db.enable_wal()
    if is_archive(db):
        return
    if db.table_names() and not set(db.table_names()) & {"documents", "paragraphs"}:
        # Someone else's database: don't add our tables to it.
        raise ArchiveError(f"{db.conn.execute('pragma database_list').fetchone()[2]} is not an archive database")
    with db.conn:
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
                "terms": str,
                "exact": str,
                "fingerprint": str,
            },
            pk="id",
            foreign_keys=[("document_id", "documents", "id")],
            if_not_exists=True,
        )
        db["paragraphs"].create_index(["document_id", "number"], unique=True, if_not_exists=True)
        db["paragraphs"].create_index(["fingerprint"], if_not_exists=True)
        db["archive_meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
        set_meta(db, analyzer_version=analyze.ANALYZER_VERSION, schema_version=SCHEMA_VERSION)
    db["paragraphs"].enable_fts(
        ["terms", "exact"], fts_version="FTS5", create_triggers=True, tokenize="unicode61"
    )


def set_meta(db: sqlite_utils.Database, **values: str) -> None:
    db["archive_meta"].upsert_all(
        [{"key": k, "value": str(v)} for k, v in values.items()], pk="key"
    )


def get_meta(db: sqlite_utils.Database) -> dict[str, str]:
    return {row["key"]: row["value"] for row in db["archive_meta"].rows}


def analyzer_mismatch(db: sqlite_utils.Database) -> str | None:
    """The analyzer version the archive was built with, if it is not ours."""
    built_with = get_meta(db).get("analyzer_version")
    return built_with if built_with != analyze.ANALYZER_VERSION else None


# --- import -----------------------------------------------------------------


@dataclass
class ImportSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    paragraphs: int = 0

    def line(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed; {self.paragraphs} paragraphs written"
        )


def paragraph_rows(document_id: int, paragraphs: Iterable[str]) -> list[dict]:
    rows = []
    for number, text in enumerate(paragraphs, start=1):
        exact = analyze.exact_form(text)
        rows.append(
            {
                "document_id": document_id,
                "number": number,
                "text": text,
                "terms": analyze.stemmed_form(text),
                "exact": exact,
                # Same normalized words, same paragraph: a reprint (wire copy).
                "fingerprint": hashlib.sha1(exact.encode("utf-8")).hexdigest()[:16],
            }
        )
    return rows


def _store(db: sqlite_utils.Database, doc: Document, digest: str, existing: dict | None) -> int:
    paragraphs = split_paragraphs(doc.text)
    record = {
        "path": doc.path,
        "title": title_of(doc.text),
        "size": doc.size,
        "mtime_ns": doc.mtime_ns,
        "sha256": digest,
        "encoding": doc.encoding,
        "paragraphs": len(paragraphs),
        "imported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    if existing:
        document_id = existing["id"]
        db["paragraphs"].delete_where("document_id = ?", [document_id])
        db["documents"].update(document_id, record)
    else:
        document_id = db["documents"].insert(record).last_pk
    db["paragraphs"].insert_all(paragraph_rows(document_id, paragraphs), batch_size=500)
    return len(paragraphs)


def import_folder(
    db: sqlite_utils.Database,
    root: str | os.PathLike,
    encoding: str | None = None,
    on_failure: Callable[[str, str], None] | None = None,
) -> ImportSummary:
    """Load every text file under root; unchanged files are skipped, changed
    ones have their paragraphs replaced.  Commits every BATCH_DOCUMENTS files."""
    root = Path(root)
    if not root.is_dir():
        raise ArchiveError(f"{root} is not a folder")
    summary = ImportSummary()
    known = {
        row["path"]: row
        for row in db.query("select id, path, size, mtime_ns, sha256 from documents")
    }
    pending = 0
    db.conn.execute("begin")
    try:
        for path in find_files(root):
            try:
                outcome = _import_one(db, path, known, encoding, summary)
            except UnreadableDocument as error:
                summary.failed.append((str(path), str(error)))
                if on_failure:
                    on_failure(str(path), str(error))
                continue
            if outcome != "unchanged":
                pending += 1
            if pending >= BATCH_DOCUMENTS:
                db.conn.execute("commit")
                db.conn.execute("begin")
                pending = 0
        set_meta(db, last_import=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
        db.conn.execute("commit")
    except BaseException:
        db.conn.execute("rollback")
        raise
    return summary


def _import_one(db, path: Path, known: dict, encoding, summary: ImportSummary) -> str:
    try:
        resolved = str(path.resolve(strict=True))
        stat = os.stat(resolved)
    except (OSError, RuntimeError) as error:
        raise UnreadableDocument(getattr(error, "strerror", None) or str(error)) from None
    existing = known.get(resolved)
    if existing and existing["size"] == stat.st_size and existing["mtime_ns"] == stat.st_mtime_ns:
        summary.unchanged += 1
        return "unchanged"
    doc = read_document(resolved, encoding)
    digest = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
    if existing and existing["sha256"] == digest:
        # Touched but not changed: remember the new mtime so the next run is cheap.
        db["documents"].update(existing["id"], {"mtime_ns": doc.mtime_ns, "size": doc.size})
        summary.unchanged += 1
        return "unchanged"
    summary.paragraphs += _store(db, doc, digest, existing)
    if existing:
        summary.updated += 1
        return "updated"
    summary.added += 1
    return "added"
