"""Short or common prefixes (ا*, الم*), tested on the paragraphs' words
rather than merged by FTS5.

FTS5 merges every index term a prefix covers before it gives the first
match: for a letter or two (ا*) that is most of the index, and for a few
(الم*) much of it.  A query of such prefixes alone scores nothing, so its
best are its first matches by id: when a sample of the archive shows it
common, the paragraphs are read in id order and their words tested instead
(short_prefixes).  Beside words (وزير الم*, قوات -ا*), where a prefix still
scores nothing, the words are ranked alone and the prefix tested on the
best of them, as a filter (prefix_filter).
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from .analyze import raw_words, word_parts
from .documents import texts
from .index import INDEX, prefix_pages
from .lookup import index_lookup
from .query import PREFIX_LEADS, Query, to_fts

SHORT_PREFIX = 2  # letters
# A longer prefix costs FTS5 a merge worth avoiding when its terms begin
# this many of the index's leaf pages or more (index.prefix_pages; the
# measurements that chose it are in docs/ranking.md).
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

    def matches(text: str) -> bool:
        return _holds(text, clauses)

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
            if all(merging) or not any(_common(texts, [starts]) for starts, m in zip(clauses, merging) if m):
                return None
            rest = dataclasses.replace(query, clauses=[c for c, m in zip(query.clauses, merging) if not m])
            matched = {**params, "expression": to_fts(rest, index_lookup(db))}
            return _reader(db, _MATCHED_SCAN_SQL.format(filters=where), matched, matches, [])
    return _reader(db, _SCAN_SQL.format(filters=where), params, matches, read)


@dataclasses.dataclass
class PrefixFilter:
    """A query's words without its prefixes that FTS5 would merge much for
    (`rest`), and the test of those prefixes on a paragraph's text."""

    rest: Query
    needed: list[tuple[str, ...]]  # each a prefix with its leads: one must start a word
    barred: list[tuple[str, ...]]  # none of these may

    def holds(self, text: str) -> bool:
        return _holds(text, self.needed) and not any(_holds(text, [starts]) for starts in self.barred)

    def kept(self, db) -> Callable[[list[int]], set[int]]:
        """The test as rank.Passed: of these ids, those whose text holds."""
        def passed(ids: list[int]) -> set[int]:
            return {rowid for rowid, text in texts(db, ids) if self.holds(text)}

        return passed

    def scan(self, db, where: str, params: dict, expression: str):
        """The ids of the query's matches in id order: the rest's, tested."""
        return _reader(db, _MATCHED_SCAN_SQL.format(filters=where), {**params, "expression": expression},
                       self.holds, [])


def prefix_filter(db, query: Query, where: str, params: dict) -> PrefixFilter | None:
    """For words beside prefixes FTS5 would merge much for (merges_much),
    each a clause (AND) of its own or excluded: the words to rank, and the
    prefixes as a test of the best of them.  A prefix scores nothing, so
    the best of the query are the best of its words that pass.  None
    without such a prefix, or if one that must be held is rare in a sample
    of the archive (FTS5 finds it cheaply)."""
    leads = ("",) if query.exact else PREFIX_LEADS

    def costly(atom) -> bool:
        return atom.prefix and merges_much(db, atom.words[0], leads)

    needed = [clause[0] for clause in query.clauses if len(clause) == 1 and costly(clause[0])]
    barred = [atom for atom in query.excluded if costly(atom)]
    rest = dataclasses.replace(
        query,
        clauses=[clause for clause in query.clauses if not (len(clause) == 1 and costly(clause[0]))],
        excluded=[atom for atom in query.excluded if not costly(atom)],
    )
    words = rest.positive_atoms()
    if not (needed or barred) or not words or all(atom.prefix for atom in words):
        return None  # nothing to spare, or prefixes alone (short_prefixes)
    written = [tuple(lead + atom.words[0] for lead in leads) for atom in needed]
    if written:
        # A search page asks this of its count and of its hits: sampled once
        # for the archive as it is.
        def held_often() -> bool:
            sample = [text for _, text in db.execute(_SCAN_SQL.format(filters=where), {**params, "after": 0, "limit": SAMPLE})]
            return all(_common(sample, [starts]) for starts in written)

        key = ("prefixes held often", *written, where, *sorted(params.items()))
        if not index_lookup(db).remember(key, held_often):
            return None
    return PrefixFilter(rest, written, [tuple(lead + atom.words[0] for lead in leads) for atom in barred])


def _holds(text: str, clauses) -> bool:
    """Whether, for each clause, a word of the text starts with one of its
    prefixes: the words of the index's exact column (analyze_text's),
    without stemming them, up to the first that matches."""
    raws = raw_words(text)
    return all(any(part.startswith(starts) for raw in raws for part in word_parts(raw)) for starts in clauses)


def _common(texts: list[str], clauses) -> bool:
    """Whether a tenth of a sample holds the clauses, decided as soon as it does."""
    found = 0
    for text in texts:
        found += _holds(text, clauses)
        if found >= SAMPLE // 10:
            return True
    return found >= -(-len(texts) // 10)


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
