"""A query of short or common prefixes alone (ا*, الم*), read in id order.

FTS5 merges every index term a prefix covers before it gives the first
match: for a letter or two (ا*) that is most of the index, and for a few
(الم*) much of it.  Such a query scores nothing, so its best are its first
matches by id: when a sample of the archive shows the prefix common, the
paragraphs are read in id order and their words tested instead.
"""

from __future__ import annotations

import dataclasses

from .analyze import raw_words, word_parts
from .index import INDEX, prefix_pages
from .lookup import index_lookup
from .query import PREFIX_LEADS, Query, to_fts

SHORT_PREFIX = 2  # letters
# A longer prefix costs FTS5 a merge worth avoiding when its terms begin
# this many of the index's leaf pages or more (index.prefix_pages):
# about 80 ms at the least (docs/ranking.md).
MANY_PAGES = 800
SAMPLE = 400  # paragraphs
# Past this many matches, the count of such a query says "more than".
SCANNED_CAP = 1_000
_SCAN_SQL = """
select paragraphs.id, paragraphs.text from paragraphs
join documents on documents.id = paragraphs.document_id
where paragraphs.id > :after {filters}
order by paragraphs.id limit :limit
"""
# The same, of the paragraphs an FTS5 expression matches.
_MATCHED_SCAN_SQL = f"""
select paragraphs.id, paragraphs.text from {INDEX}
join paragraphs on paragraphs.id = {INDEX}.rowid
join documents on documents.id = paragraphs.document_id
where {INDEX} match :expression and {INDEX}.rowid > :after {{filters}}
order by {INDEX}.rowid limit :limit
"""


def merges_much(db, prefix: str, leads: tuple[str, ...] = PREFIX_LEADS) -> bool:
    """Whether FTS5 would merge much of the index for this prefix (behind
    its leads): a letter or two, or terms that begin many of its pages.
    Worked out once a connection until the archive changes."""
    if len(prefix) <= SHORT_PREFIX:
        return True
    written = tuple(lead + prefix for lead in leads)
    pages = index_lookup(db).remember(("prefix pages", *written), lambda: prefix_pages(db, written))
    return pages >= MANY_PAGES


def short_prefixes(db, query: Query, where: str, params: dict):
    """For a query of prefixes alone, one of them short or common
    (merges_much): a function giving its matches' ids in id order, by
    reading the paragraphs, if a sample shows them common; else None."""
    atoms = query.positive_atoms()
    if query.excluded or not atoms or not all(atom.prefix for atom in atoms):
        return None
    # With --exact a prefix is the start of a word as written, clitics and all.
    leads = ("",) if query.exact else PREFIX_LEADS
    # One such prefix makes FTS5 merge much: the sample below then says
    # whether the query as a whole is common.
    merging = [any(merges_much(db, atom.words[0], leads) for atom in clause) for clause in query.clauses]
    if not any(merging):
        return None
    # Each clause (AND) holds prefixes (OR): a word of the text starts with one.
    clauses = [tuple(lead + atom.words[0] for atom in clause for lead in leads) for clause in query.clauses]

    def matches(text: str, clauses=clauses) -> bool:
        # The words of the index's exact column (analyze_text's), without
        # stemming them, up to the first that matches: deep pages read many.
        raws = raw_words(text)
        return all(any(part.startswith(starts) for raw in raws for part in word_parts(raw)) for starts in clauses)

    def common(texts: list[str], clauses) -> bool:
        # In a tenth of the sample at least, decided as soon as it is.
        found = 0
        for text in texts:
            found += matches(text, clauses)
            if found >= SAMPLE // 10:
                return True
        return found >= -(-len(texts) // 10)

    # Common when a tenth of a sample of the first paragraphs matches:
    # decided as soon as it does, and those read are not read again.
    read: list[tuple[int, bool]] = []  # (id, matches), in id order
    texts: list[str] = []
    found = 0
    for rowid, text in db.execute(_SCAN_SQL.format(filters=where), {**params, "after": 0, "limit": SAMPLE}):
        read.append((rowid, matches(text)))
        texts.append(text)
        found += read[-1][1]
        if found >= SAMPLE // 10:
            break
    else:
        if found < -(-len(read) // 10) or not read:
            # Uncommon: FTS5 finds it cheaply, unless a clause of it (AND) is
            # common and merges much (ا* زلز*).  Then the other clauses'
            # matches are read in id order instead, each tested on the query.
            if all(merging) or not any(common(texts, [starts]) for starts, m in zip(clauses, merging) if m):
                return None
            rest = dataclasses.replace(query, clauses=[c for c, m in zip(query.clauses, merging) if not m])
            matched = {**params, "expression": to_fts(rest, index_lookup(db))}
            return _reader(db, _MATCHED_SCAN_SQL.format(filters=where), matched, matches, [])
    return _reader(db, _SCAN_SQL.format(filters=where), params, matches, read)


def _reader(db, sql: str, params: dict, matches, read: list[tuple[int, bool]]):
    """A function giving the ids of the paragraphs that `sql` reads in id
    order (after those already `read`) whose text matches."""

    def scan():
        yield from (rowid for rowid, matched in read if matched)
        after, batch = (read[-1][0] if read else 0), 32  # a page's worth first: most pages need no more
        while True:
            rows = db.execute(sql, {**params, "after": after, "limit": batch}).fetchall()
            for rowid, text in rows:
                if matches(text):
                    yield rowid
            if len(rows) < batch:
                return
            after, batch = rows[-1][0], 256

    return scan
