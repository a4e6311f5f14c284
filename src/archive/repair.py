"""Making `documents` and `paragraphs` agree again after another tool
(sqlite3, sqlite-utils) deleted or added rows: what `archive check`'s counts
find, and `archive rebuild` repairs before it makes the index anew."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .files import Document, NotText, UnreadableDocument, codec_name, read_document
from .grammar import agreeing, counted
from .importer import document_record, update_document
from .paragraphs import split_paragraphs
from .paths import from_printable

if TYPE_CHECKING:
    import sqlite_utils

# Paragraphs whose document is gone (NULL document ids too: they belong to none).
ORPHANS_WHERE = "not exists (select 1 from documents where documents.id = paragraphs.document_id)"
MISCOUNTED_WHERE = "documents.paragraphs is not (select count(*) from paragraphs where document_id = documents.id)"


@dataclass
class Repairs:
    orphans: int = 0  # paragraphs of no document, removed
    reread: int = 0  # documents whose rows disagreed, read again from their files
    renumbered: int = 0  # the same, their files gone: their record made to match their rows
    changed: int = 0  # of those read again, files whose bytes are not those imported

    def line(self) -> str:
        parts = []
        if self.orphans:
            parts.append(f"{counted(self.orphans, 'paragraph')} of no document removed")
        if self.reread:
            reread = f"{counted(self.reread, 'document')} read again from {agreeing(self.reread, 'its file', 'their files')}"
            # Their rows now hold the file's new text, not what was imported.
            if self.changed:
                which = "which" if self.reread == 1 else f"{self.changed} of which"
                reread += f", {which} changed since {agreeing(self.changed, 'it was', 'they were')} imported"
            parts.append(reread)
        if self.renumbered:
            parts.append(f"{counted(self.renumbered, 'document')} without a readable file renumbered to the paragraphs kept")
        return "; ".join(parts)


def repair_rows(db: sqlite_utils.Database) -> Repairs:
    """Remove the paragraphs of no document; give each document whose
    recorded paragraphs are not its rows those of its file, read again in
    the encoding it was imported with (read_as_imported), or, its file gone
    or unreadable, the rows it has, numbered 1 to n.  Only while the search index is dropped: the rows
    written here are not indexed (the rebuild indexes every row after)."""
    repairs = Repairs()
    repairs.orphans = db.conn.execute(f"delete from paragraphs where {ORPHANS_WHERE}").rowcount
    miscounted = db.conn.execute(
        f"select id, path, encoding, sha256 from documents where {MISCOUNTED_WHERE}"
    ).fetchall()
    for document_id, path, encoding, sha256 in miscounted:
        doc = read_as_imported(path, encoding)
        if doc is None:
            _renumber(db, document_id)
            repairs.renumbered += 1
            continue
        _read_again(db, document_id, doc)
        repairs.reread += 1
        repairs.changed += doc.sha256 != sha256
    return repairs


def read_as_imported(path: str, encoding: str | None) -> Document | None:
    """A document's file decoded in the encoding recorded at its import (one
    forced with --encoding is not guessed again), or as the import read it
    when that does not decode it strictly (UTF-8 with a bad byte, read with
    U+FFFD); None when it cannot be read so."""
    try:
        return read_document(from_printable(path), encoding or None)
    except NotText:
        return None
    except UnreadableDocument:
        pass
    try:
        doc = read_document(from_printable(path))
    except UnreadableDocument:
        return None
    return doc if not encoding or codec_name(doc.encoding) == codec_name(encoding) else None


def _read_again(db: sqlite_utils.Database, document_id: int, doc: Document) -> None:
    """Replace a document's rows with its file's paragraphs."""
    paragraphs = split_paragraphs(doc.text)
    db.conn.execute("delete from paragraphs where document_id = ?", [document_id])
    db.conn.executemany(
        "insert into paragraphs (document_id, number, text) values (?, ?, ?)",
        [(document_id, number, text) for number, text in enumerate(paragraphs, 1)],
    )
    record = document_record(doc, paragraphs)
    del record["path"]  # the document stays where it was recorded (a symlink's, say)
    update_document(db.conn, document_id, record)


def _renumber(db: sqlite_utils.Database, document_id: int) -> None:
    """Number a document's rows 1 to n in their order, and record n."""
    ids = [row[0] for row in db.conn.execute(
        "select id from paragraphs where document_id = ? order by number, id", [document_id]
    )]
    # Out of the way first: (document_id, number) is unique at every row written.
    db.conn.execute("update paragraphs set number = -number - 1 where document_id = ?", [document_id])
    db.conn.executemany("update paragraphs set number = ? where id = ?", [(n, pid) for n, pid in enumerate(ids, 1)])
    db.conn.execute("update documents set paragraphs = ? where id = ?", [len(ids), document_id])
