"""Running searches: the paragraphs (or documents) that match a parsed query,
best first or by path, with reprints folded, and the SQL that finds them."""

from __future__ import annotations

import contextlib
import dataclasses
import heapq
import itertools
import json
import math
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator, NamedTuple

from .db import REPRINT_KEY
from .documents import REPRINTED, around, paragraphs_of, texts
from .filters import Filters, connect_functions, filter_of, first_passing, paragraph_ranges
from . import holders, lookup, rank, slots
from .candidates import rank_key
from .complete import score_text
from .lookup import index_lookup, remember
from .prefixes import prefix_fill, prefix_filter, short_prefixes
from .query import Query, to_fts

if TYPE_CHECKING:  # searches take any object with sqlite_utils.Database's execute/conn
    import sqlite_utils


@dataclass
class Duplicate:
    """Another place where a hit's paragraph stands, word for word."""

    path: str
    paragraph: int


@dataclass
class Hit:
    path: str
    title: str
    paragraph: int
    text: str
    score: float
    document_id: int
    paragraph_id: int
    reprint: str = ""  # what its reprints share: the paragraph's fingerprint
    # Other matching paragraphs with the same normalized words (reprints),
    # folded into this hit; filled in by `fill_duplicates`.
    copies: int = 0
    duplicates: list[Duplicate] = field(default_factory=list)


class _Row(NamedTuple):
    """A matching paragraph, as the statements below select it (in this order)."""

    paragraph_id: int
    paragraph: int
    text: str
    document_id: int
    path: str
    title: str
    score: float | None
    reprint: str
    copies: int = 1


# Every matching paragraph of the filtered documents, numbered among its
# reprints (same fingerprint): copy 1, the one shown, is the first imported,
# as in a ranked page (their words are the same; FTS5's rank is not, by the
# first copy's mark in the impact column, holders.py).
_MATCHES_SQL = f"""
with matches as (
  select
    paragraphs.id as paragraph_id,
    paragraphs.number as paragraph,
    {REPRINT_KEY} as reprint,
    documents.id as document_id,
    documents.path as path,
    paragraphs_fts.rank as score
  from paragraphs_fts
  join paragraphs on paragraphs.id = paragraphs_fts.rowid
  join documents on documents.id = paragraphs.document_id
  where paragraphs_fts match :expression {{filters}}
),
numbered as (
  select matches.*,
    row_number() over (partition by reprint order by paragraph_id) as copy,
    count(*) over (partition by reprint) as copies
  from matches
)
"""

_ORDER = {
    "rank": "order by numbered.score, numbered.path, numbered.paragraph",
    "path": "order by numbered.path, numbered.paragraph",
}

_HITS_SQL = """
select numbered.paragraph_id, numbered.paragraph, paragraphs.text, numbered.document_id,
       numbered.path, documents.title, numbered.score, numbered.reprint, numbered.copies
from numbered
join paragraphs on paragraphs.id = numbered.paragraph_id
join documents on documents.id = numbered.document_id
where {shown}
{order}
limit :limit offset :offset
"""


def matches_sql(query: Query, filters: Filters | None, db: sqlite_utils.Database) -> tuple[str, dict]:
    """The `matches` and `numbered` SQL for this query and filters, with parameters."""
    where, params = (filters or Filters()).sql(os.getcwd())
    expression = to_fts(query, index_lookup(db))
    return _MATCHES_SQL.format(filters=where), {"expression": expression, **params}


# The rows of the best-ranked matches (rank.py finds them).
_SHOWN_SQL = f"""
select paragraphs.id, paragraphs.number, paragraphs.text, documents.id, documents.path,
       documents.title, {REPRINT_KEY}
from paragraphs join documents on documents.id = paragraphs.document_id
where paragraphs.id in (select value from json_each(:ids))
"""
# An index made before the impact column (schema 3 and older, until `archive
# rebuild`): every match ranked by FTS5's bm25, as archive did then.
_BM25_SQL = """
select paragraphs.id, bm25(paragraphs_fts) as score from paragraphs_fts
join paragraphs on paragraphs.id = paragraphs_fts.rowid
join documents on documents.id = paragraphs.document_id
where paragraphs_fts match :expression {filters}
order by score, paragraphs.id
limit :limit
"""
# Matches in id order, for those that score nothing (a prefix alone, say).
_UNSCORED_SQL = """
select paragraphs.id from paragraphs_fts
join paragraphs on paragraphs.id = paragraphs_fts.rowid
join documents on documents.id = paragraphs.document_id
where paragraphs_fts match :expression {filters}
order by paragraphs_fts.rowid
limit :limit
"""

# How many matching paragraphs share each of these fingerprints, found by the
# fingerprint index alone.  Paragraphs with the same fingerprint have the same
# normalized words, so the same index entries: when one matches, all do
# (checking each against the query would list every match).  The documents
# are read for filters only: every paragraph has its document (as counts.py
# has it), and without filters the index alone answers, where each copy's
# row would be a page read (docs/ranking.md).  CROSS JOIN keeps SQLite to
# that order: with no statistics it would read every paragraph of the
# documents a filter passes instead, most of the archive for one source.
_COPIES_SQL = """
select paragraphs.fingerprint, count(*)
from paragraphs cross join documents on documents.id = paragraphs.document_id
where paragraphs.fingerprint in (select value from json_each(:reprints)) {filters}
group by paragraphs.fingerprint
"""
_ALL_COPIES_SQL = """
select fingerprint, count(*) from paragraphs
where fingerprint in (select value from json_each(:reprints))
group by fingerprint
"""


def search(
    db: sqlite_utils.Database,
    query: Query,
    limit: int = 20,
    offset: int = 0,
    filters: Filters | None = None,
    sort: str = "rank",
    fold_duplicates: bool = True,
    scored: bool = True,
) -> list[Hit]:
    """Paragraphs matching the query, best first (rank.py) or by path.

    With fold_duplicates, paragraphs whose normalized words are the same (a
    reprint) count once: only the best-ranked copy is returned, with `copies`
    saying how many there are; limit and offset count what is returned.
    scored: by path, whether the hits' scores are worked out (else SQL's).
    """
    connect_functions(db)
    if sort != "rank":
        return _search_all(db, query, limit, offset, filters, sort, fold_duplicates, scored)
    return ranked_page(db, query, limit, offset, filters, fold_duplicates)[0]


def ranked_page(
    db: sqlite_utils.Database,
    query: Query,
    limit: int,
    offset: int = 0,
    filters: Filters | None = None,
    fold_duplicates: bool = True,
) -> tuple[list[Hit], int | None]:
    """search()'s hits best first, and how many results there are in all
    (reprints folded where fold_duplicates) when the ranking ran out of
    them before offset + limit: past a capped count (counts.py), where the
    last page is otherwise not known.  None when it did not run out."""
    connect_functions(db)
    wanted = offset + limit
    # Rows are ranked in some statements and read in others: all of them must
    # see the same archive, or an import committing in between could give a
    # ranked paragraph's id to a new one.
    with one_snapshot(db.conn):
        ranking = ranking_of(db, query, filters)
        where, params = ranking.where, ranking.params
        kept = _best_rows(db, ranking, wanted, fold_duplicates)
        hits = [_hit(row, copies=1) for row in kept[offset:wanted]]
        if fold_duplicates and hits:
            params["reprints"] = json.dumps([hit.reprint for hit in hits])
            copies_sql = _COPIES_SQL.format(filters=where) if where else _ALL_COPIES_SQL
            copies = dict(db.execute(copies_sql, params).fetchall())
            for hit in hits:
                hit.copies = copies.get(hit.reprint, 1)
    return hits, len(kept) if len(kept) < wanted else None


def ranking_of(db: sqlite_utils.Database, query: Query, filters: Filters | None) -> Ranking:
    """The ranking of a query's matches within filters (in a snapshot)."""
    where, params = (filters or Filters()).sql(os.getcwd())
    known = index_lookup(db)
    # Prefixes FTS5 would merge much for, beside words: the words ranked
    # alone, the prefixes tested on the best of them (prefixes.py).
    ready = remember(known, ("ready",), lambda: slots.ready(db))  # else ranked by FTS5's bm25, as it is
    tested = prefix_filter(db, query, where, params, ranked=True) if ready else None
    # Or beside words as an alternative: the words ranked, then the
    # paragraphs that hold the prefixes alone.
    filled = prefix_fill(db, query, where, params) if ready and tested is None else None
    ranked = query if tested is None and filled is None else (tested or filled).rest
    # Whether each statement of the expression merges a prefix's terms.
    merged = any(atom.prefix for atom in ranked.positive_atoms())
    if filled is not None:
        held = filled.held(db, where, params)  # of the filters' parameters alone, as its sample was
        plan = _plan(db, filled.rest, known)
        loose = _loose_stems(filled.rest, plan)
        if loose:  # a paragraph of the prefix alone may hold one word and not another
            plan = dataclasses.replace(plan, conjunctive=False)
        plan.narrowings = {}  # its expression is not the words' alone
        params["expression"], kept = filled.ranked(db, slots.stems_expression(loose) if loose else None)
        return Ranking(db, plan, where, params, query, kept, held, filled, merged)
    params["expression"] = to_fts(ranked, known)
    kept = None if tested is None else tested.kept(db)
    plan = _plan(db, ranked, known)
    ranking = Ranking(db, plan, where, params, query, kept, merged=merged)
    counted = known.kept_in_snapshot(_counted_key(query, where, params))
    if counted is not None and plan is not None:
        ids, texts = counted
        if texts <= FROM_COUNT and rank.from_text(plan, texts, FROM_COUNT_FACTOR):
            ranking.every = tuple(sorted(ids()))
        elif plan.narrowed:
            ranking.among = frozenset(ids())
    return ranking


# A folded page within filters whose last place is not decided by the texts
# met (Ranking._through_the_mark) meets this many times as many once more.
WIDER = 4


# A search page counts its query before it ranks it.  Where the count met
# every match the filters pass, and they are at most this many texts, the
# ranking in the same snapshot scores those from their text (rank.among)
# rather than read the cells, which give the matches the filters refuse too
# and, for a phrase, cost FTS5 the phrase again each (docs/ranking.md).
# More texts, a phrase's, an AND's or a NOT's cells are read without the
# query and kept to those matches (rank.top's `among`).
FROM_COUNT = 1_000
FROM_COUNT_FACTOR = 100


def keep_counted(db, query: Query, filters: Filters | None, texts: int, ids: Callable[[], list[int]]) -> None:
    """What a count (counts.py) read: the ids of every match the filters
    pass, of so many distinct texts, kept for the ranking of the same
    snapshot (ranking_of), which lists them only if it uses them."""
    where, params = (filters or Filters()).sql(os.getcwd())
    index_lookup(db).keep_in_snapshot(_counted_key(query, where, params), lambda: (ids, texts))


def _counted_key(query: Query, where: str, params: dict) -> tuple:
    filters = sorted(item for item in params.items() if item[0] != "expression")
    return ("counted", repr(query), where, *filters)


def _loose_stems(query: Query, plan: slots.Plan) -> list[str]:
    """The stems the plan scores that a paragraph may hold without matching
    the query's words: any with --exact or in a phrase, else those reached
    through written forms alone (slots.Slot.form_stems)."""
    if query.exact or any(atom.is_phrase for atom in query.positive_atoms()):
        return sorted(plan.all_stems)
    return sorted(frozenset().union(*(slot.form_stems for slot in plan.slots)))


def _plan(db: sqlite_utils.Database, query: Query, known) -> slots.Plan | None:
    """How the ranking reads the query; None for an archive ranked by FTS5's
    bm25 (made before the ranking)."""
    ready = remember(known, ("ready",), lambda: slots.ready(db))
    return slots.plan(db, query, known) if ready else None


_UNKNOWN = object()


class Ranking:
    """The best matches of one query, as many as asked for: rank.top() for
    those that score, then the matches that score nothing, in id order."""

    def __init__(self, db: sqlite_utils.Database, plan: slots.Plan | None, where: str, params: dict, query=None,
                 kept: rank.Passed | None = None, held=None, fill=None, merged: bool = False):
        self.db, self.plan, self.where, self.params = db, plan, where, params
        # What the expression's matches must also pass (prefixes.prefix_filter).
        self.kept = kept
        # The matches the expression leaves out, which score nothing, in id
        # order (prefixes.prefix_fill: `held`, from `fill`).
        self.held, self.fill = held, fill
        # Whether each statement of the expression merges a prefix's terms.
        self.merged = merged
        self.scan = short_prefixes(db, query, where, params) if query is not None else None
        # The paragraph id ranges of narrow filters (filters.paragraph_ranges).
        self.ranges: list[tuple[int, int]] | None | object = _UNKNOWN
        # Every match that passes, in id order, where a count in this
        # snapshot read them all and they are few texts (keep_counted).
        self.every: tuple[int, ...] | None = None
        # What rank.top keeps for the next call (more rows for a folded page).
        self.scored: dict = {}
        # Every match that passes, where a count in this snapshot read them
        # all and the query narrows its cells (rank.top's `among`).
        self.among: frozenset[int] | None = None
        # Whether the page folds reprints, in an archive that marks each
        # text's first copy: the cells are then read a paragraph a text.
        self.texts = False

    def best(self, wanted: int) -> list[tuple[int, float]]:
        """(id, score) of the `wanted` best, best first; the score is the
        rank's negative, so that ascending is best first."""
        if self.plan is None:
            return self.db.execute(_BM25_SQL.format(filters=self.where), {**self.params, "limit": wanted}).fetchall()
        if self.scan is not None:
            return [(rowid, 0.0) for rowid in itertools.islice(self.scan(), wanted)]
        ranked = self._ranked(wanted)
        if self.held is None or (len(ranked) == wanted and ranked[-1][1] != 0):
            return ranked
        # Every match of the expression that scores is ranked: those that
        # score nothing, its own and the held, follow in id order.
        scoring = [pair for pair in ranked if pair[1] != 0]
        met = {rowid for rowid, _ in ranked}
        unscored = heapq.merge(sorted(rowid for rowid, score in ranked if score == 0),
                               (rowid for rowid in self.held() if rowid not in met))
        return scoring + [(rowid, 0.0) for rowid in itertools.islice(unscored, wanted - len(scoring))]

    def _ranked(self, wanted: int) -> list[tuple[int, float]]:
        """best(), of the expression's matches."""
        # A count's matches (every, among) spare a page within filters the
        # asking of its filters, and a phrase its cells narrowed.  Without
        # filters, a folded page read through the mark needs neither: they
        # are every copy of every match, and its cells read a text once.
        counted = not (self.texts and not self.where and self.kept is None)
        if self.every is not None and counted:
            return [(rowid, -score if score else 0.0) for rowid, score in rank.among(self.db, self.plan, list(self.every), wanted, self.texts)]
        filtered = filter_of(self.db, self.where, self.params)
        passed = self._passed(filtered)
        if filtered is not None and self.ranges is _UNKNOWN:  # looked for once, however many calls
            most = rank.filtered_at_once(self.plan, by_texts=self._by_texts())
            self.ranges = paragraph_ranges(self.db, self.where, self.params, most)
        if filtered is not None and self.ranges is not None:  # every match known, those that score nothing too
            # Ranges that hold the passing documents' paragraphs alone need no filters asked.
            inside = self.kept if self.ranges.exact else passed
            within = rank.within(self.db, self.plan, self.params["expression"], self.ranges, inside, wanted,
                                 merged=self.merged, folded=self.texts)
            return [(rowid, -score if score else 0.0) for rowid, score in within]
        if wanted > rank.EVERY_MATCH_FROM:
            # So many that they may be all: then every match scored costs less.
            rows = self.db.execute(self.unscored_sql, {**self.params, "limit": wanted + 1}).fetchall()
            if len(rows) <= wanted:
                every = rank.exhaustive(self.db, self.plan, self._kept([rowid for (rowid,) in rows]))
                return [(rowid, -score if score else 0.0) for rowid, score in every]
        through = self._through_the_mark(wanted) if filtered is not None and self._by_texts() else None
        if through is not None:
            scored, seen = through
        else:
            scored, seen = rank.top(self.db, self.plan, self.params["expression"], wanted, passed, self.scored,
                                    self.among if counted else None, self._tested_by_texts(filtered))
        ranked = [(rowid, -score) for rowid, score in scored]
        if len(ranked) < wanted:
            ranked += self._unscored(wanted - len(ranked), seen())
        return ranked

    def a_text_a_row(self) -> bool:
        """Whether best() gives one row a text (a folded page read through
        the mark), not every copy: filters (but _by_texts) and a count's
        matches read every copy, save those rank.within() scores."""
        if not self.texts:
            return False
        return self._by_texts() if self.where else self.kept is None or (self.among is None and self.fill is None)

    def _tested_by_texts(self, filtered: rank.Passed | None) -> bool:
        """Whether rank.top reads through the mark: without filters, where a
        prefix's test alone is asked (prefix_filter) it tests a text, whose
        copies pass or fail together, so the first copies stand for them.
        Not beside a prefix's own matches (prefix_fill), which are tested
        apart, and a page of fewer texts scanned them for nothing."""
        return self.texts and filtered is None and (self.kept is None or self.fill is None)

    def _by_texts(self) -> bool:
        """Whether a page within filters is ranked a text at a time
        (_through_the_mark): not one word alone, whose best cells settle a
        page with few rows read, while asking the filters of a text asks
        them of each of its copies; nor beside a prefix's own matches
        (_tested_by_texts)."""
        return (self.texts and self.plan is not None and self.among is None and self.fill is None
                and (len(self.plan.slots) > 1 or self.plan.narrowed))

    def _through_the_mark(self, wanted: int) -> tuple[list[tuple[int, float]], Callable[[], set[int]]] | None:
        """rank.top() within filters, its cells read a paragraph a text
        (holders.py): a text passes if one of its copies does, and stands
        on the page as the first that does, its place among the texts that
        tie with it that copy's.  The texts met are ranked by their first
        copies: the page is decided once its last copy shown comes before
        the first copy of the last text met, or scores above it; else more
        texts are met, and then None, for a page read from every copy."""
        firsts = first_passing(self.db, self.where, self.params)
        # Kept for the next call (more rows for a folded page), as what
        # rank.top keeps, whose paragraphs the filters were asked of once.
        shown: dict[int, int] = self.scored.setdefault("shown", {})

        def passed(ids: list[int]) -> set[int]:
            found = firsts(ids)
            if self.kept is not None and found:  # a prefix's test: copies hold the same text
                kept = self.kept(sorted(found))
                found = {first: copy for first, copy in found.items() if first in kept}
            shown.update(found)
            return set(found)

        for asked in (wanted, wanted * WIDER):
            scored, seen = rank.top(self.db, self.plan, self.params["expression"], asked, passed,
                                    self.scored.setdefault("texts", {}), None, True)
            unasked = [first for first, _ in scored if first not in shown]
            if unasked:
                passed(unasked)
            best = sorted(((shown[first], score) for first, score in scored if first in shown), key=rank_key)[:wanted]
            # A text not met scores below the last met, or ties it with a
            # later first copy, so a later copy shown.
            last, score = scored[-1] if scored else (0, 0.0)
            if len(scored) < asked or not best or best[-1][1] != score or best[-1][0] <= last:
                return best, lambda: seen() | set(shown.values())
        return None

    def _passed(self, filtered: rank.Passed | None) -> rank.Passed | None:
        """The filters, then what the matches must also pass."""
        if self.kept is None or filtered is None:
            return filtered or self.kept
        kept = self.kept
        return lambda ids: kept(sorted(filtered(ids)))

    def _kept(self, ids: list[int]) -> list[int]:
        """Of these matches of the expression (in id order), those of the query."""
        if self.kept is None or not ids:
            return ids
        passing = self.kept(ids)
        return [rowid for rowid in ids if rowid in passing]

    def _unscored(self, wanted: int, seen: set[int]) -> list[tuple[int, float]]:
        fetch, read, found = wanted + len(seen), 0, []
        while True:
            rows = self.db.execute(self.unscored_sql, {**self.params, "limit": fetch}).fetchall()
            # Each statement reads the first rows again: only the new ones are
            # asked about (a prefix's test reads their texts).
            found += [(rowid, 0.0) for rowid in self._kept([rowid for (rowid,) in rows[read:] if rowid not in seen])]
            if len(found) >= wanted or len(rows) < fetch:
                return found[:wanted]
            read, fetch = len(rows), fetch * 4

    @property
    def unscored_sql(self) -> str:
        return _UNSCORED_SQL.format(filters=self.where)


@contextlib.contextmanager
def one_snapshot(conn) -> Iterator[None]:
    """The statements inside read one state of the archive: a read
    transaction (in WAL mode an import goes on writing meanwhile)."""
    if conn.in_transaction:  # the caller's transaction holds it already
        yield
        return
    conn.execute("begin")
    try:
        with lookup.snapshot(conn):
            yield
    finally:
        # An error may have ended the transaction already: then there is
        # nothing to end, and the error is what the caller must see.
        if conn.in_transaction:
            conn.execute("commit")


def _best_rows(db: sqlite_utils.Database, ranking: Ranking, wanted: int, fold_duplicates: bool) -> list[_Row]:
    """The `wanted` best matches' rows, in order; folded, the best copy of
    each of the `wanted` best texts.  Reprints have the same words, so the
    same score: the first copy met is the one imported first.  The ranking
    takes the page's worth of texts and some more (_folded_fetch), and more
    only when that was too few."""
    # Only where reprints are many: elsewhere the first copies are most
    # paragraphs, and keeping a statement to them only costs FTS5 more.
    known = index_lookup(db)
    ranking.texts = fold_duplicates and remember(
        known, ("texts read once",),
        lambda: slots.copies_of(db, known) >= REPRINTED and slots.marking_of(db, known) in holders.MARKED,
    )
    fetch = _folded_fetch(db, wanted, ranking.a_text_a_row()) if fold_duplicates else wanted
    while True:
        ranked = ranking.best(fetch)
        # Folded first by fingerprint alone: the texts read are the page's.
        kept = _first_copies(ranked, _reprints(db, [rowid for rowid, _ in ranked]), wanted, fold_duplicates)
        if len(kept) >= wanted or len(ranked) < fetch:
            return _read_shown(db, kept)
        # As many rows a text as the rows taken held, twice over.
        fetch = max(fetch * 2, math.ceil(2 * fetch * wanted / max(len(kept), 1)))


_REPRINTS_SQL = f"""
select paragraphs.id, {REPRINT_KEY}
from paragraphs join documents on documents.id = paragraphs.document_id
where paragraphs.id in (select value from json_each(:ids))
"""


def _reprints(db: sqlite_utils.Database, ids: list[int]) -> dict[int, str]:
    """What each paragraph's reprints share, by id (those that exist, in a
    document: _read_shown drops the others, which would leave a page short)."""
    return dict(db.execute(_REPRINTS_SQL, {"ids": json.dumps(ids)}).fetchall())


def _folded_fetch(db: sqlite_utils.Database, wanted: int, texts: bool = False) -> int:
    """How many ranked rows to take first for `wanted` folded hits: the
    page's texts with their copies (the archive's copies per text, or one
    where the cells give a text's first copy alone), a quarter more, and
    most of a page more, for the best texts, often reprinted more than most."""
    return round(max(wanted, 10) * (1.25 * (1.0 if texts else slots.copies_of(db, index_lookup(db))) + 0.75))


def _read_shown(db: sqlite_utils.Database, ranked: list[tuple]) -> list[_Row]:
    """The rows of ranked (rowid, score) pairs, in the ranking's order."""
    place = {rowid: number for number, (rowid, _) in enumerate(ranked)}
    scores = dict(ranked)
    cursor = db.execute(_SHOWN_SQL, {"ids": json.dumps(list(scores))})
    rows = [
        _Row(paragraph_id, number, text, document_id, path, title, scores[paragraph_id], reprint)
        for paragraph_id, number, text, document_id, path, title, reprint in cursor
    ]
    rows.sort(key=lambda row: place[row.paragraph_id])
    return rows


def _first_copies(ranked: list[tuple], reprints: dict[int, str], wanted: int, fold: bool) -> list[tuple]:
    """The first `wanted` of the ranked (id, score) pairs that have a row,
    folded: only the first of each reprint's copies."""
    seen: set[str] = set()
    kept = []
    for rowid, score in ranked:
        reprint = reprints.get(rowid)
        if reprint is None or (fold and reprint in seen):
            continue  # no row: an index out of step (see index_mismatch)
        seen.add(reprint)
        kept.append((rowid, score))
        if len(kept) == wanted:
            break
    return kept


def _search_all(db, query, limit, offset, filters, sort, fold_duplicates, scored=True) -> list[Hit]:
    """Any order: every match is numbered among its reprints in SQL."""
    matches, params = matches_sql(query, filters, db)
    sql = matches + _HITS_SQL.format(
        shown="copy = 1" if fold_duplicates else "1", order=_ORDER[sort]
    )
    rows = [_Row(*values) for values in db.execute(sql, {**params, "limit": limit, "offset": offset})]
    hits = [_hit(row, copies=row.copies if fold_duplicates else 1) for row in rows]
    scores = scores_of(db, query, [hit.paragraph_id for hit in hits]) if scored else None
    if scores is not None:
        for hit in hits:
            hit.score = scores[hit.paragraph_id]
    return hits


# Past this many paragraphs, scores_of() reads every cell, whose cost is the
# archive's, rather than analyze each paragraph's text again, whose cost is
# theirs (docs/ranking.md).
_SCORED_FROM_TEXT = 20_000


def scores_of(db: sqlite_utils.Database, query: Query, ids: list[int]) -> dict[int, float] | None:
    """The scores the ranking gives these matching paragraphs, as Hit.score
    holds them (negative, lower is better), for orders other than the rank:
    a paragraph has one score whatever the order.  None for an archive
    ranked by FTS5's bm25 (made before the ranking: SQL's rank stays)."""
    plan = _plan(db, query, index_lookup(db)) if ids else None
    if plan is None:
        return None
    if len(ids) <= _SCORED_FROM_TEXT:
        scores = {rowid: round(score_text(plan, text), rank.SCORE_DIGITS) for rowid, text in texts(db, ids)}
    else:
        scores = dict(rank.exhaustive(db, plan, ids))
    return {rowid: -score if score else 0.0 for rowid, score in scores.items()}


def _hit(row: _Row, copies: int) -> Hit:
    return Hit(path=row.path, title=row.title, paragraph=row.paragraph, text=row.text,
               score=row.score, document_id=row.document_id, paragraph_id=row.paragraph_id,
               reprint=row.reprint, copies=copies)


# The other copies of the shown hits, found by fingerprint (indexed): they
# match as the shown one does (see _COPIES_SQL) and score alike, so path and
# number give the order folding used.  Fingerprints first (CROSS JOIN), as
# for _COPIES_SQL.
_DUPLICATES_SQL = """
select paragraphs.fingerprint, documents.path, paragraphs.number
from paragraphs cross join documents on documents.id = paragraphs.document_id
where paragraphs.fingerprint in (select value from json_each(:reprints))
  and paragraphs.id not in (select value from json_each(:shown)) {filters}
order by documents.path, paragraphs.number
"""


def fill_duplicates(db: sqlite_utils.Database, hits: list[Hit], filters: Filters | None = None) -> None:
    """Fill in each folded hit's `duplicates`: the reprints it stands for."""
    folded = {hit.reprint: hit for hit in hits if hit.copies > 1}
    if not folded:
        return
    connect_functions(db)
    where, params = (filters or Filters()).sql(os.getcwd())
    params.update(
        reprints=json.dumps(list(folded)),
        shown=json.dumps([hit.paragraph_id for hit in folded.values()]),
    )
    for reprint, path, paragraph in db.execute(_DUPLICATES_SQL.format(filters=where), params):
        folded[reprint].duplicates.append(Duplicate(path, paragraph))


def context_of(db: sqlite_utils.Database, hits: list[Hit], context: int) -> dict[int, dict[int, str]]:
    """For each document with hits, the texts of its hits' paragraphs and of
    the `context` paragraphs around each, by number: one query a document."""
    wanted: dict[int, set[int]] = {}
    for hit in hits:
        wanted.setdefault(hit.document_id, set()).update(around(hit.paragraph, context))
    return {document_id: paragraphs_of(db, document_id, numbers) for document_id, numbers in wanted.items()}


