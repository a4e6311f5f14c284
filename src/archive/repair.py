"""Making `documents` and `paragraphs` agree again after another tool
(sqlite3, sqlite-utils) deleted or added rows: what `archive check`'s counts
find, and `archive rebuild` repairs before it makes the index anew."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .files import UnreadableDocument, read_document
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

    def line(self) -> str:
        parts = []
        if self.orphans:
            parts.append(f"{counted(self.orphans, 'paragraph')} of no document removed")
        if self.reread:
            parts.append(f"{counted(self.reread, 'document')} read again from {agreeing(self.reread, 'its file', 'their files')}")
        if self.renumbered:
            parts.append(f"{counted(self.renumbered, 'document')} without a readable file renumbered to the paragraphs kept")
        return "; ".join(parts)


def repair_rows(db: sqlite_utils.Database) -> Repairs:
    """Remove the paragraphs of no document; give each document whose
    recorded paragraphs are not its rows those of its file, read again as an
    import reads a changed file, or, its file gone or unreadable, the rows it
    has, numbered 1 to n.  Only while the search index is dropped: the rows
    written here are not indexed (the rebuild indexes every row after)."""
    repairs = Repairs()
    repairs.orphans = db.conn.execute(f"delete from paragraphs where {ORPHANS_WHERE}").rowcount
    miscounted = db.conn.execute(f"select id, path from documents where {MISCOUNTED_WHERE}").fetchall()
    for document_id, path in miscounted:
        if _read_again(db, document_id, path):
            repairs.reread += 1
        else:
            _renumber(db, document_id)
            repairs.renumbered += 1
    return repairs


def _read_again(db: sqlite_utils.Database, document_id: int, path: str) -> bool:
    """Replace a document's rows with its file's paragraphs; False (nothing
    changed) when the file cannot be read as text."""
    try:
        doc = read_document(from_printable(path))
    except UnreadableDocument:
        return False
    paragraphs = split_paragraphs(doc.text)
    db.conn.execute("delete from paragraphs where document_id = ?", [document_id])
    db.conn.executemany(
        "insert into paragraphs (document_id, number, text) values (?, ?, ?)",
        [(document_id, number, text) for number, text in enumerate(paragraphs, 1)],
    )
    record = document_record(doc, paragraphs)
    del record["path"]  # the document stays where it was recorded (a symlink's, say)
    update_document(db.conn, document_id, record)
    return True


def _renumber(db: sqlite_utils.Database, document_id: int) -> None:
    """Number a document's rows 1 to n in their order, and record n."""
    ids = [row[0] for row in db.conn.execute(
        "select id from paragraphs where document_id = ? order by number, id", [document_id]
    )]
    # Out of the way first: (document_id, number) is unique at every row written.
    db.conn.execute("update paragraphs set number = -number - 1 where document_id = ?", [document_id])
    db.conn.executemany("update paragraphs set number = ? where id = ?", [(n, pid) for n, pid in enumerate(ids, 1)])
    db.conn.execute("update documents set paragraphs = ? where id = ?", [len(ids), document_id])
