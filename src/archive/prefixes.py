"""Short or common prefixes (ا*, الم*), tested on the paragraphs' words
rather than merged by FTS5.

FTS5 merges every index term a prefix covers before it gives the first
match: for a letter or two (ا*) that is most of the index, and for a few
(الم*) much of it.  A query of such prefixes alone scores nothing, so its
best are its first matches by id: when a sample of the archive shows it
common, the paragraphs are read in id order and their words tested instead
(short_prefixes).  Beside words (وزير الم*, قوات -ا*), where a prefix still
scores nothing, the words are ranked alone and the prefix tested on the
best of them, as a filter (prefix_filter).  As an alternative to words
(قوات OR الم*), the words are ranked alone, and the paragraphs that only
hold the prefix, which score nothing, follow in id order (prefix_fill).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import heapq
import json
from typing import Callable, Iterator

from .analyze import plain_words_starting, raw_words, word_parts, written_words
from .db import copies_per_text
from .documents import REPRINTED, first_texts, reprints_of, texts
from .filters import paragraph_ranges
from .index import INDEX, MATCHED_BETWEEN_SQL, prefix_pages
from .lookup import index_lookup
from .query import PREFIX_LEADS, Query, to_fts

SHORT_PREFIX = 2  # letters
# A longer prefix costs FTS5 a merge worth avoiding when its terms begin
# this many of the index's leaf pages or more (index.prefix_pages; the
# measurements that chose it are in docs/ranking.md).
MANY_PAGES = 800
# Beside words, each cell the ranking reads is a statement that merges the
# prefix again: worth a test on the text from fewer pages.
RANKED_PAGES = 100
SAMPLE = 400  # paragraphs
# Past this many matches, the count of such a query says "more than".
SCANNED_CAP = 1_000
# The paragraphs in id order, each document looked up by id (cross join):
# else, with an indexed field among the filters, SQLite takes every
# paragraph of the documents that pass and sorts them, at every batch.
_SCAN_SQL = """
select paragraphs.id, paragraphs.text from paragraphs
cross join documents on documents.id = paragraphs.document_id
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
_MATCHED_AMONG_SQL = f"""
select rowid from {INDEX} where {INDEX} match :expression and rowid in (select value from json_each(:ids))
"""
# Filters that leave at most this many paragraphs are read through their
# documents' id ranges: scanning every paragraph for those that pass would
# read most of the archive for a few documents (or none).
NARROW = 50_000
_RANGE_ROWS_SQL = "select id, text from paragraphs where id between ? and ? order by id limit ?"
_DOCUMENTS_TEXTS_SQL = """
select id, document_id, text from paragraphs
where document_id in (select value from json_each(:documents)) order by id
"""


def merges_much(db, prefix: str, leads: tuple[str, ...] = PREFIX_LEADS, many: int | None = None) -> bool:
    """Whether FTS5 would merge much of the index for this prefix (behind
    its leads): a letter or two, or terms that begin `many` of its pages
    or more (MANY_PAGES if not given).  Worked out once a connection
    until the archive changes."""
    if len(prefix) <= SHORT_PREFIX:
        return True
    written = tuple(lead + prefix for lead in leads)
    pages = index_lookup(db).remember(("prefix pages", *written), lambda: prefix_pages(db, written))
    return pages >= (MANY_PAGES if many is None else many)


def short_prefixes(db, query: Query, where: str, params: dict):
    """For a query of prefixes alone, one of them short or common
    (merges_much), and what it excludes: a function giving its matches'
    ids in id order, by reading the paragraphs, if a sample shows them
    common; else None.  Within one snapshot (search.one_snapshot) the ids
    read are kept: a search page counts the matches, then lists the first
    of them (as does `archive search`, the other way round)."""
    atoms = query.positive_atoms()
    if not atoms or not all(atom.prefix for atom in atoms):
        return None  # (most queries: asked of every search)
    # The filters' parameters (a search's also hold its FTS5 expression).
    filters = sorted(item for item in params.items() if item[0] != "expression")
    # The sample that chose the scan is not read again either.
    scan, read = index_lookup(db).in_snapshot(
        ("prefixes read", repr(query), where, *filters),
        lambda: (_short_prefixes(db, query, where, params), {"ids": (), "all": False}),
    )
    return None if scan is None else functools.partial(_reading_on, read, scan)


def _reading_on(read: dict, scan: Callable[[], Iterator[int]]) -> Iterator[int]:
    """The ids read before (`read`), then those of `scan` after them; what
    this reading reaches is kept in `read` if it is further, as a whole
    (another reading of the same may be under way)."""
    ids, every = read["ids"], read["all"]
    yield from ids
    if every:
        return
    got, ended = list(ids), False
    last = ids[-1] if ids else -1
    try:
        for rowid in scan():
            if rowid > last:
                got.append(rowid)
                yield rowid
        ended = True
    finally:
        if ended or len(got) > len(read["ids"]):
            read["ids"], read["all"] = tuple(got), ended


def _short_prefixes(db, query: Query, where: str, params: dict):
    """short_prefixes() of a query of prefixes, without keeping what it reads."""
    leads = _leads(query)
    # One such prefix makes FTS5 merge much: the sample below then says
    # whether the query as a whole is common.
    merging = [any(merges_much(db, atom.words[0], leads) for atom in clause) for clause in query.clauses]
    # Each clause (AND) holds prefixes (OR): a word of the text starts with one.
    clauses = [tuple(lead + atom.words[0] for atom in clause for lead in leads) for clause in query.clauses]
    # Excluded prefixes that FTS5 would merge much for are tested on the
    # text too; the other excluded words are FTS5's, a batch of ids at a time.
    barred = [tuple(lead + atom.words[0] for lead in leads) for atom in query.excluded if _costly(db, atom, leads)]
    words = [atom for atom in query.excluded if not _costly(db, atom, leads)]
    allowed = _barring(barred)
    shut = to_fts(dataclasses.replace(query, clauses=[words], excluded=[]), index_lookup(db)) if words else None

    def matches(text: str) -> bool:
        return allowed(text) and _holds(text, clauses)

    def unshut(ids: list[int]) -> list[int]:
        return PrefixFill._unshut(db, shut, ids)

    def tested(clauses_left) -> Callable[[], Iterator[int]]:
        """The matches of these clauses and the excluded words (FTS5's),
        in id order, tested on the query."""
        rest = dataclasses.replace(query, clauses=clauses_left, excluded=words)
        return _matched(db, where, {**params, "expression": to_fts(rest, index_lookup(db))}, matches)

    if not any(merging):
        # FTS5 finds the prefixes cheaply, but for those excluded.
        return tested(query.clauses) if barred else None
    # Common when a tenth of a sample of the first paragraphs matches:
    # decided as soon as it does, and those read are not read again.
    read: list[tuple[int, bool]] = []  # (id, matches), in id order
    texts: list[str] = []
    found = 0
    rows = _paragraphs(db, where, params)
    for rowid, text in rows(0, SAMPLE):
        read.append((rowid, matches(text)))
        texts.append(text)
        found += read[-1][1]
        if found >= SAMPLE // 10:
            break
    else:  # (none read: no paragraph passes the filters, nor matches)
        if found < -(-len(read) // 10):
            # Uncommon: FTS5 finds it cheaply, unless a clause of it (AND) is
            # common and merges much (ا* زلز*), or an excluded prefix is
            # merged: then the other clauses' matches are read in id order
            # instead, each tested on the query.  Or every paragraph, if
            # every clause merges much (م* -ال*): FTS5 would merge it all.
            cheap = [clause for clause, merges in zip(query.clauses, merging) if not merges]
            if cheap and (barred or any(_common(texts, [starts]) for starts, m in zip(clauses, merging) if m)):
                return tested(cheap)
            if not barred:
                return None
    if shut is not None:
        kept = set(unshut([rowid for rowid, matched in read if matched]))
        read = [(rowid, rowid in kept) for rowid, _ in read]
    return _reader(rows, matches, read, unshut if shut else None)


@dataclasses.dataclass
class PrefixFilter:
    """A query's words without its prefixes that FTS5 would merge much for
    (`rest`), and the test of those prefixes on a paragraph's text."""

    rest: Query
    needed: list[tuple[str, ...]]  # each a prefix with its leads: one must start a word
    barred: list[tuple[str, ...]]  # none of these may

    def __post_init__(self):
        self._allowed = _barring(self.barred)

    def holds(self, text: str) -> bool:
        # The excluded first: they refuse most texts at once (_barring).
        return self._allowed(text) and (not self.needed or _holds(text, self.needed))

    def kept(self, db) -> Callable[[list[int]], set[int]]:
        """The test as rank.Passed: of these ids, those whose text holds."""
        return _passing(db, self.holds)

    def scan(self, db, where: str, params: dict, expression: str):
        """The ids of the query's matches in id order: the rest's, tested."""
        return _matched(db, where, {**params, "expression": expression}, self.holds)


def prefix_filter(db, query: Query, where: str, params: dict, ranked: bool = False) -> PrefixFilter | None:
    """For words beside prefixes FTS5 would merge much for (merges_much;
    from RANKED_PAGES if `ranked`, for the ranking's many statements), each
    a clause (AND) of its own or excluded: the words to rank, and the
    prefixes as a test of the best of them.  A prefix scores nothing, so
    the best of the query are the best of its words that pass.  None
    without such a prefix, or if one that must be held is rare in a sample
    of the archive (FTS5 finds it cheaply)."""
    leads, many = _leads(query), (RANKED_PAGES if ranked else MANY_PAGES)

    def costly(atom) -> bool:
        return _costly(db, atom, leads, many)

    if len(query.clauses) == 1 and any(costly(atom) for atom in query.clauses[0]):
        return None  # alone (short_prefixes) or an alternative to words (prefix_fill)
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
            sample = [text for _, text in _paragraphs(db, where, params)(0, SAMPLE)]
            return all(_common(sample, [starts]) for starts in written)

        key = ("prefixes held often", *written, where, *sorted(params.items()))
        if not index_lookup(db).remember(key, held_often):
            return None
    return PrefixFilter(rest, written, [tuple(lead + atom.words[0] for lead in leads) for atom in barred])


@dataclasses.dataclass
class PrefixFill:
    """An alternative (OR) of words and prefixes that FTS5 would merge much
    for: the words without those prefixes (`rest`), to rank, and the test
    of the paragraphs that hold such a prefix, which score nothing."""

    rest: Query
    optional: tuple[str, ...]  # prefixes with their leads: one starting a word makes a match
    barred: list[tuple[str, ...]]  # excluded prefixes: none of these may start a word
    shut: Query | None  # the excluded words, as a query of their own

    def allowed(self, text: str) -> bool:
        return not any(_starts_a_word(text, starts) for starts in self.barred)

    def kept(self, db) -> Callable[[list[int]], set[int]] | None:
        """The excluded prefixes as rank.Passed, for the rest's matches."""
        if not self.barred:
            return None
        return _passing(db, self.allowed)

    def ranked(self, db, loose: str | None) -> tuple[str, Callable[[list[int]], set[int]] | None]:
        """The FTS5 expression to rank, and what its matches must pass (as
        rank.Passed).  A paragraph matched by a prefix alone scores the
        stems of the words it holds: those it may hold without matching
        them are `loose` (an expression of them), ranked too where they
        stand beside a prefix."""
        rest = to_fts(self.rest, index_lookup(db))
        if loose is None:
            return rest, self.kept(db)
        shut = "" if self.shut is None else f" NOT ({to_fts(self.shut, index_lookup(db))})"

        def passed(ids: list[int]) -> set[int]:
            found, unsure = set(), []
            for rowid, text in texts(db, ids):
                if self.allowed(text):
                    if _holds(text, [self.optional]):
                        found.add(rowid)
                    else:
                        unsure.append(rowid)
            if unsure:  # then it must match the words
                found.update(rowid for (rowid,) in db.execute(_MATCHED_AMONG_SQL, {"expression": rest, "ids": json.dumps(unsure)}))
            return found

        return f"({rest}) OR (({loose}){shut})", passed

    def held(self, db, where: str, params: dict) -> Callable[[], Iterator[int]]:
        """The ids, in id order, of the filtered paragraphs that hold one of
        the prefixes, none of the excluded ones and no excluded word: with
        the rest's matches, the query's."""
        shut = None if self.shut is None else to_fts(self.shut, index_lookup(db))
        return _reader(_paragraphs(db, where, params), self._matches, [], lambda ids: self._unshut(db, shut, ids))

    def matches(self, db, where: str, params: dict, expression: str) -> Callable[[], Iterator[int]]:
        """The ids of the query's matches in id order: the rest's (FTS5's
        `expression`) and the paragraphs that hold a prefix, merged."""
        rest = _matched(db, where, {**params, "expression": expression}, self.allowed)
        held = self.held(db, where, params)
        return lambda: _distinct(heapq.merge(rest(), held()))

    def held_in(self, db, documents: list[int]) -> dict[int, set[int]]:
        """Of these documents, by id: their paragraphs that hold a prefix
        (and nothing excluded)."""
        shut = None if self.shut is None else to_fts(self.shut, index_lookup(db))
        found: dict[int, list[int]] = {}
        for rowid, document, text in db.execute(_DOCUMENTS_TEXTS_SQL, {"documents": json.dumps(documents)}):
            if self._matches(text):
                found.setdefault(document, []).append(rowid)
        return {document: set(self._unshut(db, shut, ids)) for document, ids in found.items()}

    def _matches(self, text: str) -> bool:
        return _holds(text, [self.optional]) and self.allowed(text)

    @staticmethod
    def _unshut(db, shut: str | None, ids: list[int]) -> list[int]:
        """Of these ids (in order), those that match no excluded word."""
        if shut is None or not ids:
            return ids
        out = {rowid for (rowid,) in db.execute(MATCHED_BETWEEN_SQL, [shut, ids[0], ids[-1]])}
        return [rowid for rowid in ids if rowid not in out]


def prefix_fill(db, query: Query, where: str, params: dict) -> PrefixFill | None:
    """For a query of one alternative (OR) of words and prefixes that FTS5
    would merge much for (merges_much), the prefixes often held in a sample
    of the archive: the words to rank, and the prefixes to test the
    paragraphs read in id order on.  A prefix scores nothing, so every
    paragraph with a word ranks above those with the prefix alone, which
    follow in id order, as ties do.  None for any other query."""
    if len(query.clauses) != 1:
        return None
    leads = _leads(query)
    (clause,) = query.clauses
    optional = [atom for atom in clause if _costly(db, atom, leads)]
    others = [atom for atom in clause if atom not in optional]
    if not optional or not others:
        return None  # no such prefix, or prefixes alone (short_prefixes)
    written = tuple(lead + atom.words[0] for atom in optional for lead in leads)

    def held_often() -> bool:
        sample = [text for _, text in _paragraphs(db, where, params)(0, SAMPLE)]
        return _common(sample, [written])

    key = ("a prefix held often", written, where, *sorted(params.items()))
    if not index_lookup(db).remember(key, held_often):
        return None  # FTS5 merges a rare prefix cheaply
    barred = [atom for atom in query.excluded if _costly(db, atom, leads)]
    words = [atom for atom in query.excluded if atom not in barred]
    return PrefixFill(
        rest=dataclasses.replace(query, clauses=[others], excluded=words),
        optional=written,
        barred=[tuple(lead + atom.words[0] for lead in leads) for atom in barred],
        shut=dataclasses.replace(query, clauses=[words], excluded=[]) if words else None,
    )


def _leads(query: Query) -> tuple[str, ...]:
    # With --exact a prefix is the start of a word as written, clitics and all.
    return ("",) if query.exact else PREFIX_LEADS


def _costly(db, atom, leads: tuple[str, ...], many: int | None = None) -> bool:
    return atom.prefix and merges_much(db, atom.words[0], leads, many)


def _distinct(ids: Iterator[int]) -> Iterator[int]:
    """Ids in order, each once."""
    last = None
    for rowid in ids:
        if rowid != last:
            yield rowid
            last = rowid


def _holds(text: str, clauses) -> bool:
    """Whether, for each clause, a word of the text starts with one of its
    prefixes: the words of the index's exact column (analyze_text's),
    without stemming them, up to the first that matches."""
    raws = None
    for starts in clauses:
        # A prefix is tested on texts because it is common: most holders
        # are found at once, by a word of plain letters (as _barring).
        plainly = plain_words_starting(starts)
        if plainly is not None and plainly.search(text):
            continue
        if raws is None:
            raws = raw_words(text)
        if not any(part.startswith(starts) for raw in raws for part in word_parts(raw)):
            return False
    return True


def _passing(db, test: Callable[[str], bool]) -> Callable[[list[int]], set[int]]:
    """A test of a paragraph's text as rank.Passed: of these ids, those
    whose text passes.  Where texts are reprinted, a text is read and
    tested once a search for all its copies asked about: they have the
    same words (copies tie, and are asked about in turn)."""
    if copies_per_text(db) < REPRINTED:
        return lambda ids: {rowid for rowid, text in texts(db, ids) if test(text)}
    answers: dict[str, bool] = {}

    def passed(ids: list[int]) -> set[int]:
        reprints = reprints_of(db, ids)
        new = {rowid: reprint for rowid, reprint in reprints.items() if reprint not in answers}
        for reprint, (_, text) in first_texts(db, new).items():
            answers[reprint] = test(text)
        return {rowid for rowid, reprint in reprints.items() if answers[reprint]}

    return passed


def _barring(barred: list[tuple[str, ...]]) -> Callable[[str], bool]:
    """A test of a text: whether no word of it starts with any of these
    prefixes (each with its leads).  Such a prefix is tested because it is
    common: most texts are refused at once, by a word of plain letters
    starting with it (analyze.plain_words_starting)."""
    plainly = plain_words_starting(tuple(start for starts in barred for start in starts))

    def allowed(text: str) -> bool:
        if plainly is not None and plainly.search(text):
            return False
        return not any(_walks_to(text, starts) for starts in barred)

    return allowed


def _starts_a_word(text: str, starts: tuple[str, ...]) -> bool:
    """_holds() for one prefix, reading the words one at a time up to the
    first that starts with it: for an excluded prefix, which is tested
    this way because it is common, most texts hold one early.  Most hold
    one written in plain letters, which a pattern finds at C speed."""
    plainly = plain_words_starting(starts)
    if plainly is not None and plainly.search(text):
        return True
    return _walks_to(text, starts)


def _walks_to(text: str, starts: tuple[str, ...]) -> bool:
    """_starts_a_word() without the pattern: the words read one at a time."""
    return any(part.startswith(starts) for raw, _ in written_words(text) for part in word_parts(raw))


def _common(texts: list[str], clauses) -> bool:
    """Whether a tenth of a sample holds the clauses, decided as soon as it does."""
    found = 0
    for text in texts:
        found += _holds(text, clauses)
        if found >= SAMPLE // 10:
            return True
    return found >= -(-len(texts) // 10)


Rows = Callable[[int, int], Iterator[tuple[int, str]]]
# The most paragraphs _reader() reads in one statement.
LARGEST_BATCH = 8_192


def _paragraphs(db, where: str, params: dict) -> Rows:
    """A function giving (id, text) of the filtered paragraphs after an id,
    in id order, at most so many, as they are read (a sample may stop
    early): through the id ranges of the documents that pass, if they hold
    at most NARROW paragraphs, else scanned."""
    ranges = paragraph_ranges(db, where, params, NARROW) if where else None
    if ranges is None:
        sql = _SCAN_SQL.format(filters=where)
        return lambda after, limit: db.execute(sql, {**params, "after": after, "limit": limit})
    lasts = [last for _, last in ranges]

    def rows(after: int, limit: int) -> Iterator[tuple[int, str]]:
        for first, last in ranges[bisect.bisect_right(lasts, after):]:
            for row in db.execute(_RANGE_ROWS_SQL, [max(first, after + 1), last, limit]):
                yield row
                limit -= 1
            if limit <= 0:
                return

    return rows


def _matched(db, where: str, params: dict, test: Callable[[str], bool]) -> Callable[[], Iterator[int]]:
    """_reader() of the paragraphs an FTS5 expression (in params) matches,
    those whose text passes the test."""
    sql = _MATCHED_SCAN_SQL.format(filters=where)
    return _reader(lambda after, limit: db.execute(sql, {**params, "after": after, "limit": limit}), test, [])


def _reader(rows: Rows, matches, read: list[tuple[int, bool]],
            kept: Callable[[list[int]], list[int]] | None = None):
    """A function giving the ids of the paragraphs that `rows` gives in id
    order (after those already `read`) whose text matches, and of each
    batch read, those `kept` keeps."""

    def scan():
        yield from (rowid for rowid, matched in read if matched)
        after, batch = (read[-1][0] if read else 0), 32  # a page's worth first: most pages need no more
        while True:
            found = list(rows(after, batch))
            ids = [rowid for rowid, text in found if matches(text)]
            yield from (ids if kept is None else kept(ids))
            if len(found) < batch:
                return
            # Each statement costs FTS5 the expression's set-up again (a
            # prefix beside the words merges its terms): fewer, larger ones.
            after, batch = found[-1][0], min(batch * 8 if batch < 256 else batch * 4, LARGEST_BATCH)

    return scan
