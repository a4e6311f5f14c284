"""The search index: every rule of the FTS5 table `paragraphs_fts`.

It is a contentless FTS5 table, whose two columns, `terms` (stems) and
`exact` (normalized words), are stored nowhere else: they are computed
from the paragraph's text at import, and again from the same text when a
paragraph is removed (FTS5 must be told the words it indexed).  So the archive keeps the text once; the index is written by
archive alone, and `archive check` compares it with a fresh analysis of
every paragraph (index_problems); every search compares its count and ends
with the paragraphs' (index_mismatch).  A document's rows and index
entries are written in the same transaction, so a kill -9 at any moment
leaves a sound archive.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Iterable, Iterator

from .analyze import analyze_text
from .db import SCHEMA_VERSION, get_meta, is_read_only, set_meta, write_transaction
from .grammar import agreeing, counted
from .holders import LEVELLED, MARKED, Texts, marked, marking, with_mark
from .impact import HOLDER, impact_text
from .sqlite import sqlite3

if TYPE_CHECKING:
    from .pipeline import Analyzed
    import sqlite_utils

INDEX = "paragraphs_fts"
# The ids of the paragraphs between two ids that an FTS5 expression matches
# (expression, first, last): FTS5 seeks to the first.
MATCHED_BETWEEN_SQL = f"select rowid from {INDEX} where {INDEX} match ? and rowid between ? and ?"
FINGERPRINT_INDEX = "idx_paragraphs_fingerprint"
# Each paragraph's document and fingerprint by its id, apart from its text:
# what a count reads of every match (counts.py).  Ids grow as rows come in,
# so it is written at its end, never on a random page.
REPRINT_INDEX = "idx_paragraphs_reprint"
# The index's columns: the stems, the normalized written words, and the
# levels of the stems (impact.py), which ranking reads.
INDEX_COLUMNS = "terms, exact, impact"
# The stock FTS5 tokenizer the index uses.  The analyzed forms are words
# already normalized and case-folded, joined by single spaces: ascii cuts
# them into exactly those words (tests/test_analyze.py pins it), where
# unicode61 would split at letters its tables predate, and it is faster.
INDEX_TOKENIZER = "ascii"
# FTS5 keeps this many bytes of new index entries in memory before it writes
# a segment: large enough that an import batch is a segment or two rather
# than many to merge, small enough for the import's memory target (its hash
# table's own overhead grows with the distinct tokens, which the impact
# column multiplies; docs/ranking.md).
INDEX_HASHSIZE = 8 * 1024 * 1024
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
_INDEX_ROW = (
    f"insert into {INDEX} (rowid, terms, exact, impact) values (?, cast(? as text), cast(? as text), cast(? as text))"
)
_UNINDEX_ROW = f"insert into {INDEX} ({INDEX}, rowid, terms, exact, impact) values ('delete', ?, ?, ?, ?)"
_INSERT = "insert into paragraphs (document_id, number, text, fingerprint) values (?, ?, cast(? as text), ?)"


# --- making it ----------------------------------------------------------------


def create_fingerprint_index(db: sqlite_utils.Database) -> None:
    """The indexes that find a paragraph's reprints, by fingerprint, and
    each paragraph's own (if they are not there)."""
    db["paragraphs"].create_index(["fingerprint"], index_name=FINGERPRINT_INDEX, if_not_exists=True)
    db["paragraphs"].create_index(["id", "document_id", "fingerprint"], index_name=REPRINT_INDEX, if_not_exists=True)


def has_index(db, name: str) -> bool:
    """Whether the archive has this index (one made before it, opened
    read-only since, may not)."""
    found = db.execute("select 1 from sqlite_master where type = 'index' and name = ?", [name])
    return found.fetchone() is not None


def drop_fingerprint_index(db: sqlite_utils.Database) -> None:
    db.execute(f"drop index if exists {FINGERPRINT_INDEX}")


def create_search_index(db: sqlite_utils.Database) -> None:
    """The (empty) FTS5 index of the paragraphs' analyzed forms.

    Contentless (content=""): FTS5 refuses to rebuild it ("'rebuild' may not
    be used with a contentless fts5 table"), so no other tool can remake it
    from something else, and lists its rows with empty columns, at no cost.
    Not content="paragraphs": sqlite-utils and Datasette take an index by
    that name for one of `paragraphs` they may rebuild, fill, drop and remake
    (rebuild-fts, populate-fts, enable-fts --replace) from the table's
    columns, which have no analyzed forms; archive's Datasette plugin names
    the index for the table search box instead (fts_table)."""
    db.execute(f'create virtual table {INDEX} using fts5({INDEX_COLUMNS}, tokenize="{INDEX_TOKENIZER}", content="")')
    # FTS5 takes a row for a paragraph it already indexed, replacing its
    # sizes and keeping its words: what `sqlite-utils populate-fts
    # paragraphs terms exact` does (to SQLite, its "terms" and "exact", no
    # columns of `paragraphs`, are strings).  archive never does (it deletes
    # a row first): such a row rolls the transaction back, changing nothing.
    # Not raise(abort): that needs a statement journal, at whose savepoint
    # FTS5 writes out its pending entries, a segment per statement.
    db.execute(
        f"create trigger {INDEX}_once before insert on {INDEX}_docsize "
        f"when exists (select 1 from {INDEX}_docsize where id = new.id) "
        "begin select raise(rollback, 'this paragraph is indexed already: archive alone writes the index'); end"
    )
    index_command(db, "hashsize", INDEX_HASHSIZE)
    configure_index_merging(db)
    db.execute(f"create table {TERM_COUNTS} (term text primary key, paragraphs integer not null) without rowid")
    watch_deletions(db)


# A paragraph deleted while the index still holds it: archive takes a
# paragraph out of the index before it deletes the row, so only another
# tool does that.  The trigger notes it in archive_meta, where the check
# every search makes finds it without counting the paragraphs
# (index_mismatch); the index made anew forgets it.
GONE_TRIGGER = "paragraphs_gone_while_indexed"
GONE_KEY = "paragraphs_gone_while_indexed"


def watch_deletions(db) -> None:
    """The trigger that notes a paragraph deleted while indexed (GONE_TRIGGER),
    made with an index that holds no such paragraph."""
    db.execute(
        f"create trigger if not exists {GONE_TRIGGER} after delete on paragraphs "
        f"when exists (select 1 from {INDEX}_docsize where id = old.id) "
        f"begin insert or replace into archive_meta (key, value) values ('{GONE_KEY}', '1'); end"
    )
    db.execute("delete from archive_meta where key = ?", [GONE_KEY])


def watches_deletions(db) -> bool:
    """Whether the archive has the trigger (GONE_TRIGGER): without it, every
    search counts the paragraphs (index_mismatch)."""
    found = db.execute("select 1 from sqlite_master where type = 'trigger' and name = ?", [GONE_TRIGGER])
    return found.fetchone() is not None


def drop_search_index(db: sqlite_utils.Database) -> bool:
    """Drop the index (if another tool has not), with what earlier schemas
    kept for it: the triggers and stored analyzed columns of schema 1, the
    always-NULL columns of schema 2 (its content="paragraphs" read them).
    Whether that was schema 1, whose columns were most of the file."""
    db["paragraphs"].disable_fts()  # schema 1's triggers, and its index
    db.execute(f"drop trigger if exists {GONE_TRIGGER}")  # it reads the index
    db.execute(f"drop table if exists {INDEX}")
    db.execute(f"drop table if exists {TERM_COUNTS}")
    stored = "terms" in db["paragraphs"].columns_dict
    # SQLite drops a column in place; sqlite-utils' transform would copy the table.
    for column in ("terms", "exact"):
        if column in {row[1] for row in db.execute("pragma table_xinfo(paragraphs)")}:
            db.execute(f'alter table paragraphs drop column "{column}"')
    return stored


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
        with write_transaction(db):
            before = db.conn.total_changes
            index_command(db, "merge", pages)
            # The command itself counts as one change: a 'merge' that found
            # nothing left to merge counts no other.
            if db.conn.total_changes - before < 2:
                set_meta(db, index_merge="done")
                break
    count_terms_if_stale(db, written)


# --- counting its terms ----------------------------------------------------------

# How many paragraphs hold each common stem: the weight (idf) of a query
# word.  FTS5 would count them by reading each stem's whole list, at every
# search; this table keeps the counts of the stems in at least COUNTED_MIN
# paragraphs, counted again once the paragraphs written since the last count
# reach OPTIMIZE_SHARE of the archive (as a weight, not a match, a count a
# little behind changes an order a little, never what is found).  Rarer
# stems are counted at search time, cheaply.
TERM_COUNTS = "archive_term_counts"
COUNTED_MIN = 64


# What the archive held at the last count: "paragraphs:last id" (archive_meta).
TERMS_COUNTED_AT = "terms_counted_at"


def count_terms_if_stale(db: sqlite_utils.Database, written: int = 0) -> None:
    """Count again once the paragraphs written (`written` more now) or
    removed since the last count reach OPTIMIZE_SHARE of the archive, or
    if the counts are missing.  What changed is also worked out from the
    archive as it is against what it held at the count, so that the
    paragraphs a run cut short wrote, and those removed, count too: the
    tally only holds what runs that ended wrote, and no removal."""
    meta = get_meta(db)
    since = int(meta.get("terms_written_since_count", -1))
    paragraphs = db.execute("select count(*) from paragraphs").fetchone()[0]
    try:
        counted, last_id = map(int, meta[TERMS_COUNTED_AT].split(":"))
    except (KeyError, ValueError):
        counted = last_id = -1
    empty = paragraphs >= COUNTED_MIN and db.execute(f"select 1 from {TERM_COUNTS} limit 1").fetchone() is None
    if since < 0 or counted < 0 or empty:
        count_terms(db)
        return
    # Paragraph ids only grow, but for those of the last ones removed,
    # which new ones may take again: the tally covers that case.
    new = db.execute("select count(*) from paragraphs where id > ?", [last_id]).fetchone()[0]
    changed = max(since + written, new + max(0, counted - (paragraphs - new)))
    if changed >= OPTIMIZE_SHARE * max(paragraphs, counted):
        count_terms(db)
    elif written:
        with write_transaction(db):
            set_meta(db, terms_written_since_count=str(since + written))


def count_terms(db: sqlite_utils.Database) -> None:
    """Count again the paragraphs that hold each common stem."""
    vocabulary(db)
    with write_transaction(db):
        db.execute(f"delete from {TERM_COUNTS}")
        db.execute(
            f"insert into {TERM_COUNTS} (term, paragraphs) select term, doc from {_VOCABULARY}"
            " where col = 'terms' and doc >= ?",
            [COUNTED_MIN],
        )
        paragraphs, last_id = db.execute("select count(*), coalesce(max(id), 0) from paragraphs").fetchone()
        set_meta(db, terms_written_since_count="0", **{TERMS_COUNTED_AT: f"{paragraphs}:{last_id}"})


def prefix_pages(db, prefixes: Iterable[str]) -> int:
    """How many of the index's leaf pages begin with a term under one of
    these prefixes: about what FTS5 reads to merge a prefix's terms, which
    it does before it gives the first match.  FTS5's `_idx` table names
    each leaf page's first term, per segment, behind a byte for the index
    ('0', the main one).  0 where that table cannot be read as such."""
    table = f"{INDEX}_idx"
    try:
        segments, segment = [], -1
        while row := db.execute(f"select segid from {table} where segid > ? order by segid limit 1", [segment]).fetchone():
            segment = row[0]
            segments.append(segment)
        pages, count = 0, (
            f"select count(*) from json_each(?) as segment join {table} on segid = segment.value"
            " where term >= ? and term < ?"
        )
        for prefix in prefixes:
            # No UTF-8 byte is 0xff: every term that starts with the prefix sorts below it.
            low = b"0" + prefix.encode()
            pages += db.execute(count, [json.dumps(segments), low, low + b"\xff"]).fetchone()[0]
        return pages
    except sqlite3.DatabaseError:
        return 0


_VOCABULARY = "temp.archive_index_terms"


def vocabulary(db) -> str:
    """The name of the index's vocabulary (FTS5's fts5vocab, per column: term,
    col, doc, cnt), made in this connection's temp schema if not yet."""
    db.execute(f"create virtual table if not exists {_VOCABULARY} using fts5vocab(main, '{INDEX}', 'col')")
    return _VOCABULARY


_INSTANCES = "temp.archive_index_instances"


def instances(db) -> str:
    """The name of the index's instances (FTS5's fts5vocab, per occurrence:
    term, doc, col, offset), made in this connection's temp schema if not
    yet: the paragraphs of several terms, each row saying which."""
    db.execute(f"create virtual table if not exists {_INSTANCES} using fts5vocab(main, '{INDEX}', 'instance')")
    return _INSTANCES


def term_counts(db, stems: Iterable[str]) -> tuple[dict[str, int], frozenset[str]]:
    """How many paragraphs hold each of these stems (those it holds); and
    which of the rarer ones, counted from the index as it is, no paragraph
    holds twice: no token of a stem found more than once (impact.py) names
    them, at any level."""
    stems = list(stems)
    counts: dict[str, int] = {}
    for start in range(0, len(stems), 500):
        chunk = stems[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        counts.update(db.execute(f"select term, paragraphs from {TERM_COUNTS} where term in ({marks})", chunk))
    rare = [stem for stem in stems if stem not in counts]
    once: set[str] = set()
    if rare:
        vocabulary(db)
        for start in range(0, len(rare), 500):
            chunk = rare[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            for term, paragraphs, occurrences in db.execute(
                f"select term, doc, cnt from {_VOCABULARY} where col = 'terms' and term in ({marks})", chunk
            ):
                counts[term] = paragraphs
                if occurrences == paragraphs:
                    once.add(term)
    return counts, frozenset(once)


def paragraph_total(db) -> int:
    """How many paragraphs the index holds (FTS5's own count)."""
    row = db.execute(f"select block from {INDEX}_data where id = 1").fetchone()
    return varints(row[0] if row and row[0] else b"")[0]


# --- trusting it ----------------------------------------------------------------

INDEX_MISSING = "the search index is missing"


# FTS5's count of rows and words (its 'averages' record), the first and
# last ids of the paragraphs and of the index's rows, and whether the
# trigger has seen a paragraph deleted while indexed (and is there to see
# one): each a seek, in one statement, so from one snapshot.
_ENDS_SQL = (
    "select (select min(id) from paragraphs), (select max(id) from paragraphs),"
    f" (select min(id) from {INDEX}_docsize), (select max(id) from {INDEX}_docsize),"
    f" (select block from {INDEX}_data where id = 1),"
    f" (select value from archive_meta where key = '{GONE_KEY}'),"
    f" (select 1 from sqlite_master where type = 'trigger' and name = '{GONE_TRIGGER}')"
)
# The paragraphs counted: a scan of an index as large as the archive.
_COUNT_SQL = f"select (select count(*) from paragraphs), (select block from {INDEX}_data where id = 1)"


def index_mismatch(db, counting: bool = False) -> str | None:
    """Why the search index cannot be trusted to find every paragraph, in
    words, or None; db is anything with .execute(sql, params).  Cheap enough
    for every search, whatever the archive's size (_ENDS_SQL): it sees an
    index dropped, emptied or filled by another tool, paragraphs added
    behind archive's back (after the last one), and paragraphs deleted
    (GONE_TRIGGER); only then, or in an archive made before that trigger,
    or with counting, are the paragraphs counted.  A paragraph's text
    edited in place is `archive check`'s to find."""
    try:
        first, last, indexed_first, indexed_last, averages, gone, watched = db.execute(_ENDS_SQL, []).fetchone()
    except sqlite3.OperationalError as error:
        if "no such table" not in str(error):
            raise
        return INDEX_MISSING
    words = varints(averages or b"")[1:]
    ends_differ = (first, last) != (indexed_first, indexed_last)
    if counting or gone or not watched or ends_differ:
        paragraphs, averages = db.execute(_COUNT_SQL, []).fetchone()
        rows, *words = varints(averages or b"")
        if rows != paragraphs:
            return f"the search index holds {counted(rows, 'paragraph')}, the archive {paragraphs}"
        if ends_differ:
            return "the search index holds other paragraphs than the archive"
    if last is not None and not any(words):
        return "the search index holds no words"
    return None


def varints(data: bytes) -> list[int]:
    """The SQLite varints in data, in order ([0] for none: an empty index).

    >>> varints(bytes([0x8b, 0xf3, 0x3d, 0x05]))
    [195005, 5]
    """
    numbers, value, length = [], 0, 0
    for byte in data:
        length += 1
        if length == 9:  # the ninth byte gives all its 8 bits
            numbers.append((value << 8) | byte)
            value = length = 0
        elif byte & 0x80:
            value = (value << 7) | (byte & 0x7F)
        else:
            numbers.append((value << 7) | byte)
            value = length = 0
    return numbers or [0]


# --- writing it ---------------------------------------------------------------


def analyzed_row(text: str) -> tuple[str, str, str]:
    """A paragraph's three indexed columns, from its text."""
    terms, exact = analyze_text(text)
    return terms, exact, impact_text(terms)


def insert_paragraphs(
    conn, document_id: int, paragraphs: list[str] | list[bytes], analyzed: list[Analyzed] | None = None,
    texts: Texts | None = None,
) -> None:
    """Write one document's paragraphs, and index them, the first copy of
    each text marked (texts: the import's, else asked of the archive)."""
    if not paragraphs:
        return
    if analyzed is None:
        # Here, not at the top: every `archive search` imports this module
        # (index_mismatch), and the worker's module costs its start-up time.
        from .pipeline import analyze_paragraphs

        analyzed = analyze_paragraphs(paragraphs)
    # Asked before the rows are written, which would hold their own texts.
    texts = texts or Texts(conn, in_memory=not has_index(conn, FINGERPRINT_INDEX))
    firsts = texts.firsts([row[3] for row in analyzed])
    conn.executemany(
        _INSERT,
        [(document_id, number, text, fp) for number, (text, (*_, fp)) in enumerate(zip(paragraphs, analyzed), 1)],
    )
    # A rowid table gives each new row the largest rowid plus one: the
    # document's paragraphs hold the ids that end at the last one inserted.
    first = conn.execute("select last_insert_rowid()").fetchone()[0] - len(paragraphs) + 1
    index_paragraphs(conn, [
        (first + i, terms, exact, with_mark(impact, texts.levels) if holds else impact)
        for i, ((terms, exact, impact, _), holds) in enumerate(zip(analyzed, firsts))
    ])


def index_paragraphs(conn, rows: list[tuple[int, str | bytes, str | bytes, str | bytes]]) -> None:
    """Index paragraphs: (id, terms, exact, impact) each (analyzed_row)."""
    conn.executemany(_INDEX_ROW, rows)


def delete_document_paragraphs(conn, document_id: int, texts: Texts | None = None) -> None:
    """Remove a document's paragraphs, from the indexes first; where one was
    the first copy of its text, the next copy is marked (holders.py)."""
    rows = conn.execute("select id, text, fingerprint from paragraphs where document_id = ?", [document_id]).fetchall()
    mark = marking(conn)
    if mark not in MARKED:
        conn.executemany(_UNINDEX_ROW, [(pid, *analyzed_row(text)) for pid, text, _ in rows])
        conn.execute("delete from paragraphs where document_id = ?", [document_id])
        return
    if not has_index(conn, FINGERPRINT_INDEX):  # an import into an empty archive makes it at its end
        conn.execute(f"create index if not exists {FINGERPRINT_INDEX} on paragraphs (fingerprint)")
        if texts is not None:
            texts.indexed()
    firsts = _first_copies(conn, {fingerprint for _, _, fingerprint in rows if fingerprint})
    levels = mark == LEVELLED
    moved: dict[str, tuple[str, str, str]] = {}
    unindexed = []
    for pid, text, fingerprint in rows:
        terms, exact, impact = analyzed_row(text)
        holds = fingerprint is None or firsts.get(fingerprint) == pid
        unindexed.append((pid, terms, exact, with_mark(impact, levels) if holds else impact))
        if holds and fingerprint:
            moved[fingerprint] = (terms, exact, impact)
    conn.executemany(_UNINDEX_ROW, unindexed)
    conn.execute("delete from paragraphs where document_id = ?", [document_id])
    # The mark moves to the next copy, if any: its row is indexed again.
    nexts = _first_copies(conn, set(moved))
    conn.executemany(_UNINDEX_ROW, [(pid, *moved[fingerprint]) for fingerprint, pid in nexts.items()])
    conn.executemany(_INDEX_ROW, [
        (pid, *moved[fingerprint][:2], with_mark(moved[fingerprint][2], levels)) for fingerprint, pid in nexts.items()
    ])


def _first_copies(conn, fingerprints: set[str]) -> dict[str, int]:
    """The lowest paragraph id of each of these fingerprints (those there are)."""
    if not fingerprints:
        return {}
    return dict(conn.execute(
        "select fingerprint, min(id) from paragraphs where fingerprint in (select value from json_each(?)) "
        "group by fingerprint", [json.dumps(sorted(fingerprints))]
    ))


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
        # A statement of its own: FTS5 runs it as a write, which an archive
        # on read-only storage refuses (check says it was left out).
        if not is_read_only(db.conn):
            index_command(db, "integrity-check", 0)
    except sqlite3.DatabaseError as error:
        return [f"damaged ({error})"]
    db.execute("begin")
    try:
        return _unindexed_rows(db) + _differing_terms(db) + _unmarked(db) + _uncounted(db)
    finally:
        db.execute("rollback")  # the temporary tables go with it


def _uncounted(db: sqlite_utils.Database) -> list[str]:
    """The term counts ranking weighs words by must be there (a count a
    little behind the index is by design: see TERM_COUNTS)."""
    return [] if db[TERM_COUNTS].exists() else ["the term counts are missing"]


def _unindexed_rows(db: sqlite_utils.Database) -> list[str]:
    problems = []
    unindexed = db.execute(
        f"select count(*) from paragraphs where id not in (select id from {INDEX}_docsize)"
    ).fetchone()[0]
    stale = db.execute(
        f"select count(*) from {INDEX}_docsize where id not in (select id from paragraphs)"
    ).fetchone()[0]
    if unindexed:
        problems.append(f"{counted(unindexed, 'paragraph')} {agreeing(unindexed, 'is', 'are')} not indexed")
    if stale:
        problems.append(f"{counted(stale, 'entry', 'entries')} {agreeing(stale, 'is', 'are')} for paragraphs that are gone")
    return problems


def _differing_terms(db: sqlite_utils.Database) -> list[str]:
    db.execute(
        f"create virtual table temp.archive_fresh using fts5({INDEX_COLUMNS}, tokenize='{INDEX_TOKENIZER}', content='')"
    )
    texts = Texts(db.conn, in_memory=True)
    for batch in paragraph_batches(db):
        analyzed = [analyzed_row(text) for _, text, _ in batch]
        firsts = texts.firsts([fingerprint for _, _, fingerprint in batch])
        db.conn.executemany(
            "insert into temp.archive_fresh (rowid, terms, exact, impact) values (?, ?, ?, ?)",
            [(pid, terms, exact, with_mark(impact, texts.levels) if holds else impact)
             for (pid, _, _), (terms, exact, impact), holds in zip(batch, analyzed, firsts)],
        )
    db.execute(f"create virtual table temp.archive_stored_vocab using fts5vocab(main, {INDEX}, col)")
    db.execute("create virtual table temp.archive_fresh_vocab using fts5vocab(temp, archive_fresh, col)")
    differing = _differing(
        db.execute("select term, col, doc, cnt from temp.archive_stored_vocab"),
        db.execute("select term, col, doc, cnt from temp.archive_fresh_vocab"),
    )
    are = agreeing(differing, "is", "are")
    return [f"{counted(differing, 'term')} {are} not indexed as the paragraphs' text says"] if differing else []


def _unmarked(db: sqlite_utils.Database) -> list[str]:
    """The mark of a text's first copy (holders.py) on those and no other:
    the counts above only show how many carry it."""
    if not marked(db.conn):
        return []
    stored = {rowid for (rowid,) in db.execute(f"select rowid from {INDEX} where {INDEX} match ?",
                                                [f"impact : {HOLDER}"])}
    firsts = {rowid for (rowid,) in db.execute(
        "select min(id) from paragraphs group by coalesce(fingerprint, 'paragraph ' || id)")}
    wrong = len(stored ^ firsts)
    if not wrong:
        return []
    return [f"{counted(wrong, 'paragraph')} {agreeing(wrong, 'is', 'are')} not marked as a text's first copy should be"]


_COLUMNS = {"terms": 0, "exact": 1, "impact": 2}


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
