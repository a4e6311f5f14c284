"""Reading an archive's documents: one by its path, its paragraphs (or
paragraphs' texts by id, and which are reprints of which), and the
archive's sizes."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, NamedTuple

from .db import REPRINT_KEY, ArchiveError, get_meta
from .index import REPRINT_INDEX, has_index
from .paths import from_printable, printable, printable_forms

if TYPE_CHECKING:  # any object with sqlite_utils.Database's execute
    import sqlite_utils


@dataclass
class StoredDocument:
    id: int
    path: str
    title: str
    paragraphs: int


def find_document(db: sqlite_utils.Database, path: str) -> StoredDocument:
    """The archived document at a path given as at import (resolved, so a
    relative path or one through a symlink finds it too), printed (escaped)
    as archive prints it or raw as on disk; the printed reading first."""
    forms = printable_forms(path)
    rows = {row[1]: row for row in db.execute(
        f"select id, path, title, paragraphs from documents where path in ({', '.join('?' * len(forms))})", forms
    )}
    found = [rows[form] for form in forms if form in rows]
    if not found:
        raise ArchiveError(f"{printable(from_printable(path))} is not in the archive")
    return StoredDocument(*found[0])


def paragraphs_of(
    db: sqlite_utils.Database, document_id: int, numbers: Iterable[int] | None = None
) -> dict[int, str]:
    """A document's paragraphs by number: all of them, or those numbered."""
    sql = "select number, text from paragraphs where document_id = :id"
    params: dict = {"id": document_id}
    if numbers is not None:
        sql += " and number in (select value from json_each(:numbers))"
        params["numbers"] = json.dumps(sorted(set(numbers)))
    return dict(db.execute(sql + " order by number", params).fetchall())


_TEXTS_SQL = "select id, text from paragraphs where id in (select value from json_each(?))"


def texts(db, ids: list[int]):
    """(id, text) of these paragraphs (those that exist)."""
    return db.execute(_TEXTS_SQL, [json.dumps(ids)])


# From this many paragraphs a text on average, a text is read once for
# all its reprints among the paragraphs asked about (reprints_of,
# first_texts): below it, the statement that finds them costs more.
REPRINTED = 2.0


def reprints_of(db, ids: list[int]) -> dict[int, str]:
    """What each of these paragraphs' reprints share (db.REPRINT_KEY), by id:
    read from the index that holds it beside each id where the archive has
    it, rather than from the rows, which hold the texts."""
    indexed = f" indexed by {REPRINT_INDEX}" if has_index(db, REPRINT_INDEX) else ""
    return dict(db.execute(_REPRINTS_SQL.format(indexed=indexed), [json.dumps(ids)]))


def first_texts(db, reprints: dict[int, str]) -> dict[str, tuple[int, str]]:
    """Of each text among these paragraphs (reprints_of()), its first
    paragraph's id and text: the others are its reprints, the same words."""
    first: dict[str, int] = {}
    for rowid, reprint in reprints.items():
        if rowid < first.get(reprint, rowid + 1):
            first[reprint] = rowid
    return {reprints[rowid]: (rowid, text) for rowid, text in texts(db, list(first.values()))}


_REPRINTS_SQL = f"""
select id, {REPRINT_KEY} from paragraphs{{indexed}}
where id in (select value from json_each(?))
"""


def longest_document(db, document_ids: Iterable[int]) -> int:
    """How many paragraphs the longest of these documents holds (0 for none)."""
    ids = json.dumps(sorted(document_ids))
    row = db.execute("select max(paragraphs) from documents where id in (select value from json_each(?))", [ids])
    return row.fetchone()[0] or 0


def around(number: int, context: int) -> range:
    """Paragraph numbers from `context` before to `context` after (from 1).

    >>> list(around(2, 3))
    [1, 2, 3, 4, 5]
    """
    return range(max(1, number - context), number + context + 1)


class _Vocabulary(NamedTuple):
    """One column of the search index: its distinct terms, and how often they stand."""

    terms: int = 0
    occurrences: int = 0


def stats(db: sqlite_utils.Database, db_path: str) -> dict:
    """Sizes and facts of the archive: documents, paragraphs, words, distinct
    words and terms, bytes on disk, last import and analyzer version.

    Words and terms come from the FTS index through an fts5vocab table made in
    the TEMP schema, so nothing is added to the archive itself.
    """
    meta = get_meta(db)
    documents = db.execute("select count(*) from documents").fetchone()[0]
    paragraphs = db.execute("select count(*) from paragraphs").fetchone()[0]
    db.execute("create virtual table if not exists temp.archive_vocab using fts5vocab(main, paragraphs_fts, col)")
    try:
        vocab = {
            column: _Vocabulary(terms, occurrences or 0)
            for column, terms, occurrences in db.execute(
                "select col, count(*), sum(cnt) from temp.archive_vocab group by col"
            )
        }
    finally:
        db.execute("drop table temp.archive_vocab")
    exact, stemmed = vocab.get("exact", _Vocabulary()), vocab.get("terms", _Vocabulary())
    return {
        "documents": documents,
        "paragraphs": paragraphs,
        "words": exact.occurrences,
        "distinct_words": exact.terms,
        "distinct_terms": stemmed.terms,
        # The write-ahead log holds recent writes not yet copied into the file.
        "bytes": sum(os.path.getsize(p) for p in (db_path, db_path + "-wal") if os.path.exists(p)),
        "last_import": meta.get("last_import"),
        "analyzer_version": _number(meta.get("analyzer_version")),
    }


def _number(value: str | None) -> int | str | None:
    """A version stored as text, as the number it is (JSON readers compare it)."""
    return int(value) if value and value.isdigit() else value
