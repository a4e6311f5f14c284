"""The search index: every rule of the FTS5 table `paragraphs_fts`.

It is an external-content FTS5 table over `paragraphs`, whose two columns,
`terms` (stems) and `exact` (normalized words), are stored nowhere else:
they are computed from the paragraph's text at import, and again from the
same text when a paragraph is removed (FTS5 must be told the words it
indexed).  So the archive keeps the text once; the index is written by
archive alone (no triggers), and `archive check` compares it with a fresh
analysis of every paragraph (index_problems).  A document's rows and index
entries are written in the same transaction, so a kill -9 at any moment
leaves a sound archive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator

from .analyze import analyze_text
from .db import SCHEMA_VERSION, get_meta, set_meta
from .pipeline import Analyzed, analyze_paragraphs
from .sqlite import sqlite3

if TYPE_CHECKING:
    import sqlite_utils

INDEX = "paragraphs_fts"
FINGERPRINT_INDEX = "idx_paragraphs_fingerprint"
# The stock FTS5 tokenizer the index uses.  The analyzed forms are words
# already normalized and case-folded, joined by single spaces: ascii cuts
# them into exactly those words (tests/test_analyze.py pins it), where
# unicode61 would split at letters its tables predate, and it is faster.
INDEX_TOKENIZER = "ascii"
# FTS5 keeps this many bytes of new index entries in memory before it writes
# a segment: large enough that a whole import batch is one segment, written
# at commit, rather than several to merge.
INDEX_HASHSIZE = 16 * 1024 * 1024
# FTS5's automerge rewrites each entry again at every level it climbs, while
# the import writes.  archive merges once at the end instead (merge_index);
# meanwhile FTS5 only merges a level that reaches this many segments, its
# safeguard against a pile-up, which also bounds the segments a search
# during a long import must look a term up in.
INDEX_CRISIS_SEGMENTS = 256
# Writing at least this share of the archive's paragraphs ends in a merge of
# the whole index into one segment; a smaller import merges only where FTS5's
# automerge would have, rather than rewrite the whole index for a few files.
OPTIMIZE_SHARE = 0.25
# Index pages merged in one transaction: merging the whole index in one step
# ('optimize') is slower and grows the write-ahead log.
MERGE_PAGES = 2_000

# Texts come as str, or as UTF-8 bytes from the worker: cast() makes either
# TEXT (bytes are taken as the database's encoding, UTF-8), with no copy.
_INDEX_ROW = f"insert into {INDEX} (rowid, terms, exact) values (?, cast(? as text), cast(? as text))"
_UNINDEX_ROW = f"insert into {INDEX} ({INDEX}, rowid, terms, exact) values ('delete', ?, ?, ?)"
_INSERT = "insert into paragraphs (document_id, number, text, fingerprint) values (?, ?, cast(? as text), ?)"


# --- making it ----------------------------------------------------------------


def create_fingerprint_index(db: sqlite_utils.Database) -> None:
    """The index that finds a paragraph's reprints (if it is not there)."""
    db["paragraphs"].create_index(["fingerprint"], index_name=FINGERPRINT_INDEX, if_not_exists=True)


def drop_fingerprint_index(db: sqlite_utils.Database) -> None:
    db.execute(f"drop index if exists {FINGERPRINT_INDEX}")


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
        f"create virtual table {INDEX} using fts5"
        f'(terms, exact, tokenize="{INDEX_TOKENIZER}", content="paragraphs", content_rowid="id")'
    )
    index_command(db, "hashsize", INDEX_HASHSIZE)
    configure_index_merging(db)


def drop_search_index(db: sqlite_utils.Database) -> bool:
    """Drop the index, with the triggers and the stored analyzed columns of
    schema 1 (whose `paragraphs` held them); whether that was schema 1."""
    db["paragraphs"].disable_fts()
    if "terms" not in db["paragraphs"].columns_dict:
        return False
    # SQLite drops a column in place; sqlite-utils' transform would copy the table.
    for column in ("terms", "exact"):
        db.execute(f'alter table paragraphs drop column "{column}"')
    add_index_columns(db)
    return True


def index_command(db: sqlite_utils.Database, command: str, value: int) -> None:
    """One of FTS5's special commands on the search index: a setting
    ('automerge', 'hashsize'...) or an action ('merge', 'integrity-check')."""
    db.execute(f"insert into {INDEX} ({INDEX}, rank) values (?, ?)", [command, value])


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
    log stays small, and one cut short leaves a sound index, merged less."""
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


# --- writing it ---------------------------------------------------------------


def insert_paragraphs(
    conn, document_id: int, paragraphs: list[str] | list[bytes], analyzed: list[Analyzed] | None = None
) -> None:
    """Write one document's paragraphs, and index them."""
    if not paragraphs:
        return
    if analyzed is None:
        analyzed = analyze_paragraphs(paragraphs)
    conn.executemany(
        _INSERT,
        [(document_id, number, text, fp) for number, (text, (_, _, fp)) in enumerate(zip(paragraphs, analyzed), 1)],
    )
    # A rowid table gives each new row the largest rowid plus one: the
    # document's paragraphs hold the ids that end at the last one inserted.
    first = conn.execute("select last_insert_rowid()").fetchone()[0] - len(paragraphs) + 1
    index_paragraphs(conn, [(first + i, terms, exact) for i, (terms, exact, _) in enumerate(analyzed)])


def index_paragraphs(conn, rows: list[tuple[int, str | bytes, str | bytes]]) -> None:
    """Index paragraphs: (id, terms, exact) each."""
    conn.executemany(_INDEX_ROW, rows)


def delete_document_paragraphs(conn, document_id: int) -> None:
    """Remove a document's paragraphs, from the index first."""
    rows = conn.execute("select id, text from paragraphs where document_id = ?", [document_id]).fetchall()
    conn.executemany(_UNINDEX_ROW, [(pid, *analyze_text(text)) for pid, text in rows])
    conn.execute("delete from paragraphs where document_id = ?", [document_id])


def paragraph_batches(db: sqlite_utils.Database, size: int = 5000) -> Iterator[list[tuple]]:
    """(id, text, fingerprint) of every paragraph, a batch at a time: never
    the whole archive in memory, and no cursor left open over rows that are
    being changed."""
    last = 0
    while True:
        batch = db.execute(
            "select id, text, fingerprint from paragraphs where id > ? order by id limit ?", [last, size]
        ).fetchall()
        if not batch:
            return
        yield batch
        last = batch[-1][0]


# --- checking it --------------------------------------------------------------


def index_problems(db: sqlite_utils.Database) -> list[str]:
    """How the search index differs from the analysis of the paragraphs' text.

    FTS5's own check covers the index's structure (its content comparison
    needs stored columns); the rest is compared here: the rows indexed, and,
    for every term of each column, the paragraphs holding it and its
    occurrences, against an index of a fresh analysis made in a temporary
    table with the same tokenizer.  All of it reads one snapshot, so an
    import committing meanwhile changes nothing."""
    if SCHEMA_VERSION != get_meta(db).get("schema_version"):
        return ["made by another version of archive"]
    try:
        # A statement of its own: FTS5 runs it as a write.
        index_command(db, "integrity-check", 0)
    except sqlite3.DatabaseError as error:
        return [f"damaged ({error})"]
    db.execute("begin")
    try:
        return _unindexed_rows(db) + _differing_terms(db)
    finally:
        db.execute("rollback")  # the temporary tables go with it


def _unindexed_rows(db: sqlite_utils.Database) -> list[str]:
    problems = []
    unindexed = db.execute(
        f"select count(*) from paragraphs where id not in (select id from {INDEX}_docsize)"
    ).fetchone()[0]
    stale = db.execute(
        f"select count(*) from {INDEX}_docsize where id not in (select id from paragraphs)"
    ).fetchone()[0]
    if unindexed:
        problems.append(f"{unindexed} paragraphs are not indexed")
    if stale:
        problems.append(f"{stale} entries are for paragraphs that are gone")
    return problems


def _differing_terms(db: sqlite_utils.Database) -> list[str]:
    db.execute(
        f"create virtual table temp.archive_fresh using fts5(terms, exact, tokenize='{INDEX_TOKENIZER}', content='')"
    )
    for batch in paragraph_batches(db):
        db.conn.executemany(
            "insert into temp.archive_fresh (rowid, terms, exact) values (?, ?, ?)",
            [(pid, *analyze_text(text)) for pid, text, _ in batch],
        )
    db.execute(f"create virtual table temp.archive_stored_vocab using fts5vocab(main, {INDEX}, col)")
    db.execute("create virtual table temp.archive_fresh_vocab using fts5vocab(temp, archive_fresh, col)")
    differing = _differing(
        db.execute("select term, col, doc, cnt from temp.archive_stored_vocab"),
        db.execute("select term, col, doc, cnt from temp.archive_fresh_vocab"),
    )
    return [f"{differing} terms are not indexed as the paragraphs' text says"] if differing else []


_COLUMNS = {"terms": 0, "exact": 1}


def _differing(stored: Iterable[tuple], fresh: Iterable[tuple]) -> int:
    """How many (term, column) keys differ between two vocabularies, each
    row (term, column, documents, occurrences), both in FTS5's order (by
    term, then column terms before exact): merged as two streams.

    >>> _differing([("a", "terms", 1, 1), ("b", "terms", 2, 2)], [("b", "terms", 2, 3), ("c", "exact", 1, 1)])
    3
    """
    def key(row):
        return row[0], _COLUMNS[row[1]]

    stored, fresh = iter(stored), iter(fresh)
    a, b = next(stored, None), next(fresh, None)
    differing = 0
    while a is not None or b is not None:
        if b is None or (a is not None and key(a) < key(b)):
            differing, a = differing + 1, next(stored, None)
        elif a is None or key(b) < key(a):
            differing, b = differing + 1, next(fresh, None)
        else:
            differing += a != b
            a, b = next(stored, None), next(fresh, None)
    return differing
