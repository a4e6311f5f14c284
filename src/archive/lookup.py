"""Which terms the index holds, and what a search works out from them:
asked of FTS5 once, and remembered for each connection until the archive
changes.

A query word is looked up by up to a thousand written forms and stems
(query.word_lookups), most of which no paragraph holds; asking the index
which ones it holds costs about a millisecond for a common word, on every
search.  The answers only change when the archive does, so a connection
keeps them, with what was worked out from them (IndexLookup.remember), until
`PRAGMA data_version` (a commit by another connection) or its own count of
changes says it changed.
"""

from __future__ import annotations

import contextlib
import json
import threading
from typing import Callable, Iterable, Iterator, TypeVar

from .index import vocabulary
from .query import quote

# The positions, in a JSON list of FTS5 expressions, of those that match.
_PROBE_SQL = """
select key from json_each(?)
where exists (select 1 from paragraphs_fts where paragraphs_fts match json_each.value)
"""

# Answers kept per connection, for this many connections at most (a
# Datasette has one per thread), and this many answers and facts each: a
# query asks a few hundred terms and keeps a few facts, and a long-running
# Datasette must not grow without end.
_CONNECTIONS = 8
_ANSWERS = 100_000
_FACTS = 1_000

T = TypeVar("T")


class _Answers:
    """One connection's answers, and the state of the archive they hold for."""

    def __init__(self, conn):
        # Held, so that no other connection can take its id while it is here.
        self.conn = conn
        self.state: tuple[int, int] | None = None
        self.held: dict[str, bool] = {}  # by FTS5 expression
        self.facts: dict[tuple, object] = {}
        # What the searches of one read transaction (search.one_snapshot)
        # share, dropped when it ends; None outside one.
        self.snapshot: dict[tuple, object] | None = None

    def current(self) -> tuple[dict[str, bool], dict[tuple, object]]:
        """The answers, emptied if the archive changed since they were given."""
        snapshot = self.snapshot
        if snapshot is not None and _CHECKED in snapshot:
            # A read transaction sees one state: asked once in it, not at
            # each of a search's dozen look-ups.
            return self.held, self.facts
        conn = self.conn
        state = (conn.execute("pragma data_version").fetchone()[0], conn.total_changes)
        if state != self.state or len(self.held) > _ANSWERS or len(self.facts) > _FACTS:
            self.state, self.held, self.facts = state, {}, {}
        if snapshot is not None:
            snapshot[_CHECKED] = True
        return self.held, self.facts


# The key under which a read transaction's answers note that the archive's
# state was asked in it.
_CHECKED = ("state checked",)


_BY_CONNECTION: dict[int, _Answers] = {}
_LOCK = threading.Lock()  # Datasette searches from several threads


def _answers(conn) -> _Answers:
    with _LOCK:
        found = _BY_CONNECTION.get(id(conn))
        if found is None or found.conn is not conn:
            if len(_BY_CONNECTION) >= _CONNECTIONS:
                del _BY_CONNECTION[next(iter(_BY_CONNECTION))]  # the oldest
            found = _BY_CONNECTION[id(conn)] = _Answers(conn)
        return found


class IndexLookup:
    """A `known` for to_fts(): which of some terms a column of the index
    holds; and what else is worked out from the archive as it stands
    (remember()).  It answers for the archive as it is when asked: inside
    a read transaction, the state the transaction reads (the Datasette
    plugin keeps one for each connection's search box)."""

    def __init__(self, db):
        self.db = db
        self._answers = _answers(db.conn)

    def __call__(self, column: str, terms: Iterable[str]) -> set[str]:
        by_expression = {f"{column} : {quote(term)}": term for term in terms}
        return {by_expression[expression] for expression in self.matching(by_expression)}

    def matching(self, expressions: Iterable[str]) -> set[str]:
        """Which of these FTS5 expressions match a paragraph at least: a
        term (__call__), or a phrase's combination of forms (query.py).
        Matching is one seek for a term, however common, where FTS5's
        vocabulary would read every match of each term it holds to count
        them, which grows with the archive (docs/ranking.md); all those not
        asked yet in one statement, to spare a round trip each."""
        held = self._answers.current()[0]
        expressions = list(expressions)
        new = [expression for expression in dict.fromkeys(expressions) if expression not in held]
        if new:
            found = {new[key] for (key,) in self.db.execute(_PROBE_SQL, [json.dumps(new)])}
            held.update((expression, expression in found) for expression in new)
        return {expression for expression in expressions if held[expression]}

    def counts(self, column: str, terms: Iterable[str]) -> dict[str, int]:
        """How many paragraphs hold each of these terms in the column (0
        for those it does not hold)."""
        terms = sorted(set(terms))
        return self.remember(("counts", column, *terms), lambda: _counts(self.db, column, terms))

    def at_least(self, column: str, term: str, paragraphs: int) -> bool:
        """Whether at least this many paragraphs hold the term in the
        column: reads at most that many of them."""
        return self.remember(("at least", column, term, paragraphs),
                             lambda: _at_least(self.db, column, term, paragraphs))

    def in_snapshot(self, key: tuple, compute: Callable[[], T]) -> T:
        """compute(), kept under key for the searches of this read
        transaction (search.one_snapshot), which read one state of the
        archive: what one of them reads (a scan's ids) may serve the next,
        and may grow meanwhile.  Outside one, computed anew each time."""
        kept = self._answers.snapshot
        if kept is None:
            return compute()
        if key not in kept:
            kept[key] = compute()
        return kept[key]  # type: ignore[return-value]

    def keep_in_snapshot(self, key: tuple, compute: Callable[[], object]) -> None:
        """Keep compute() under key for the searches of this read
        transaction (in_snapshot); outside one, nothing is computed."""
        if self._answers.snapshot is not None:
            self._answers.snapshot[key] = compute()

    def kept_in_snapshot(self, key: tuple) -> object | None:
        """What this read transaction keeps under key; None if nothing."""
        kept = self._answers.snapshot
        return None if kept is None else kept.get(key)

    def remember(self, key: tuple, compute: Callable[[], T]) -> T:
        """compute(), kept under key until the archive changes: it must
        depend on nothing else (nor be changed by the caller)."""
        facts = self._answers.current()[1]
        if key not in facts:
            facts[key] = compute()
        return facts[key]  # type: ignore[return-value]


@contextlib.contextmanager
def snapshot(conn) -> Iterator[None]:
    """The read transaction search.one_snapshot holds on conn: what its
    searches keep with IndexLookup.in_snapshot lasts as long."""
    answers = _answers(conn)
    answers.snapshot = {}
    try:
        yield
    finally:
        answers.snapshot = None


def index_lookup(db) -> IndexLookup:
    """Which terms the index holds, for this search (see IndexLookup)."""
    return IndexLookup(db)


def remember(known, key: tuple, compute: Callable[[], T]) -> T:
    """compute(), kept with known's answers when known is an IndexLookup
    (any other Known, or none, keeps nothing)."""
    if isinstance(known, IndexLookup):
        return known.remember(key, compute)
    return compute()


def _counts(db, column: str, terms: list[str]) -> dict[str, int]:
    """The paragraphs holding each term in the column, from the vocabulary."""
    words = vocabulary(db)
    found = dict.fromkeys(terms, 0)
    marks = ", ".join("?" * len(terms))
    found.update(db.execute(f"select term, doc from {words} where col = ? and term in ({marks})", [column, *terms]))
    return found


_AT_LEAST_SQL = "select count(*) from (select 1 from paragraphs_fts where paragraphs_fts match ? limit ?)"


def _at_least(db, column: str, term: str, paragraphs: int) -> bool:
    found = db.execute(_AT_LEAST_SQL, [f"{column} : {quote(term)}", paragraphs]).fetchone()[0]
    return found >= paragraphs
