"""Ranking: a query's matches scored word by word, and the best of them found
without scoring every match (docs/ranking.md).

A query word (a slot) stands for several stems (its forms, bases, places,
spellings; see query.word_lookups).  In a paragraph it is worth the best
level (impact.py) of any of its stems there, half a level more for the stem
of the word as typed, times one weight for the word: its BM25 idf, from the
paragraphs any of its stems is in.  A paragraph's score is the sum over the
query's words; ties go to the paragraph imported first.

The best k are found a level at a time (score-at-a-time): the impact index
lists, for each stem and level, the paragraphs holding it there; those lists
are read best first across the query's words, and reading stops once no
paragraph not yet seen, and no paragraph partly seen, can reach the k-th
best.  FTS5 only decides what matches (phrases, NOT, prefixes); filters are
decided on the candidates.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Callable

from . import analyze
from .impact import LEVELS, letter, token
from .index import INDEX, TERM_COUNTS, paragraph_total, term_counts
from .query import Known, Query, quote, word_lookups

# The typed word's own stem beats another of its stems by this much of a level.
OWN_BONUS = 0.5


@dataclass
class Slot:
    """One query word: its stems (those the match expression looks up) and
    the stems of written forms it also looks up, whose paragraphs may hold
    the stem through another form (so must be checked against the match)."""

    stems: frozenset[str]
    form_stems: frozenset[str]
    own: str
    weight: float = 0.0


@dataclass
class Plan:
    slots: list[Slot]
    # Per clause (AND), its atoms (OR), each the numbers of its slots.
    clauses: list[list[list[int]]]
    # Whether every candidate must be checked against the FTS5 expression:
    # phrases, exclusions, prefixes, written forms.
    check_match: bool
    total: int = 0  # paragraphs in the archive
    # (score, slot, value, FTS5 expression) per cell, best first.
    cells: list[tuple[float, int, float, str]] = field(default_factory=list)


def ready(db) -> bool:
    """Whether the index has what ranking reads (`archive rebuild` adds it
    to an archive made before)."""
    columns = {row[1] for row in db.execute(f"pragma table_info({INDEX})")}
    return "impact" in columns and db.execute(
        f"select 1 from sqlite_master where name = '{TERM_COUNTS}'"
    ).fetchone() is not None


def plan(db, query: Query, known: Known | None) -> Plan:
    """The slots of a query and the cells of the impact index to read."""
    slots: list[Slot] = []
    numbers: dict[tuple[str, bool], int] = {}  # a word typed twice is one slot
    clauses: list[list[list[int]]] = []
    check = bool(query.excluded)
    for clause in query.clauses:
        clauses.append([])
        for atom in clause:
            check = check or atom.is_phrase or atom.prefix  # a prefix is matched, not scored
            clauses[-1].append([])
            for word in [] if atom.prefix else atom.words:
                key = (word, atom.family)  # ~word is another slot (families.py)
                if key not in numbers:
                    numbers[key] = len(slots)
                    slots.append(_slot(word, query, known, atom.family))
                    check = check or query.exact or bool(slots[-1].form_stems)
                clauses[-1][-1].append(numbers[key])
    result = Plan(slots, clauses, check)
    _weigh(db, result)
    return result


def _slot(word: str, query: Query, known: Known | None, family: bool = False) -> Slot:
    own = analyze.stem(word)
    if query.exact:
        return Slot(frozenset([own]), frozenset(), own)
    terms, forms = word_lookups(word, known, query.lexicon, family)
    return Slot(frozenset(terms), frozenset(analyze.stem(form) for form in forms) - set(terms), own)


def _weigh(db, plan: Plan) -> None:
    """Each slot's weight (idf, from how many paragraphs hold its stems,
    index.term_counts) and the cells to read: per slot and level, the
    paragraphs where one of its stems is at that level (the stem typed
    apart, half a level up)."""
    plan.total = paragraph_total(db)
    counts = term_counts(db, set().union(*(slot.stems | slot.form_stems for slot in plan.slots)))
    cells = []
    for number, slot in enumerate(plan.slots):
        stems = slot.stems | slot.form_stems
        slot.weight = idf(min(sum(counts.get(stem, 0) for stem in stems), plan.total), plan.total)
        groups = [(OWN_BONUS, [slot.own] if slot.own in stems else []), (0.0, sorted(stems - {slot.own}))]
        for bonus, group in groups:
            if group:
                cells += [
                    (slot.weight * (level + bonus), number, level + bonus, _cell_expression(level, group))
                    for level in range(LEVELS, 0, -1)
                ]
    plan.cells = sorted(cells, key=lambda cell: (-cell[0], cell[1], -cell[2]))


def _cell_expression(level: int, stems: list[str]) -> str:
    """Paragraphs holding one of the stems at the level: once in a paragraph
    whose length puts one mention at that level, or more often (a token of
    its own)."""
    once = " OR ".join(quote(stem) for stem in stems)
    more = " OR ".join(quote(token(level, stem)) for stem in stems)
    return f"(terms : ({once}) AND impact : {quote(letter(level))}) OR impact : ({more})"


def idf(paragraphs: int, total: int) -> float:
    """BM25's idf (never negative), for a word in `paragraphs` of `total`."""
    return math.log(1 + (total - paragraphs + 0.5) / (paragraphs + 0.5))


_CELL_SQL = f"select rowid from {INDEX} where {INDEX} match ?"


def _cell_rows(db, expression: str) -> list[int]:
    return [row[0] for row in db.execute(_CELL_SQL, [expression])]


# Check = a function taking candidate ids and giving back those that match
# the query and pass its filters.
Check = Callable[[list[int]], set[int]]


def top(db, plan: Plan, wanted: int, check: Check, filtered: bool) -> tuple[list[tuple[int, float]], set[int]]:
    """The `wanted` best matches as (id, score), best first (ties: lower id
    first): read the cells best first, and stop when nothing unread can
    reach the last place.  `check` is asked only about candidates that may
    be among them; with `filtered` or the plan's check_match it decides,
    otherwise a paragraph seen in every word's cells matches by itself.
    Also the ids of every paragraph seen: a match not among them scores 0."""
    slots = plan.slots
    if not slots:
        return [], set()
    weights = [slot.weight for slot in slots]
    frontier = [0.0] * len(slots)
    for _, number, value, _ in reversed(plan.cells):
        frontier[number] = value  # ends as each slot's best value
    seen: dict[int, list[float]] = {}
    decided: dict[int, bool] = {}
    must_check = filtered or plan.check_match
    for position, (_, number, value, expression) in enumerate(plan.cells):
        for rowid in _cell_rows(db, expression):
            values = seen.get(rowid)
            if values is None:
                values = seen[rowid] = [0.0] * len(slots)
            if not values[number]:
                values[number] = value
        frontier[number] = _next_value(plan.cells, position, number)
        unseen = sum(w * f for w, f in zip(weights, frontier))
        result = _settled(seen, weights, frontier, unseen, wanted, decided, check, must_check, plan.clauses)
        if result is not None:
            return result, set(seen)
    return _final(seen, weights, wanted, decided, check, must_check, plan.clauses), set(seen)


def _next_value(cells, position: int, number: int) -> float:
    for _, other, value, _ in cells[position + 1:]:
        if other == number:
            return value
    return 0.0


def _settled(seen, weights, frontier, unseen, wanted, decided, check, must_check, slots) -> list | None:
    """The best `wanted` if the cells read so far decide them, else None."""
    if len(seen) < wanted and unseen > 0:
        return None
    scored = []
    for rowid, values in seen.items():
        low = sum(w * v for w, v in zip(weights, values))
        high = low + sum(w * f for w, v, f in zip(weights, values, frontier) if not v)
        scored.append((low, high, rowid, values))
    scored.sort(key=lambda item: (-item[0], item[2]))
    best: list[tuple[int, float]] = []
    for low, high, rowid, values in scored:
        if len(best) == wanted:
            break
        # A paragraph still missing words may gain: not settled yet.
        if high > low:
            return None
        if not _matches(rowid, values, decided, check, must_check, scored, slots):
            continue
        best.append((rowid, low))
    if len(best) < wanted:
        return None if unseen > 0 else best
    last = best[-1][1]
    if unseen >= last and unseen > 0:
        return None
    # Nothing outside may still reach the last place.
    chosen = {rowid for rowid, _ in best}
    for low, high, rowid, _ in scored:
        if rowid not in chosen and (high > last or (high == last and rowid < best[-1][0])):
            if high == low and not _matches(rowid, seen[rowid], decided, check, must_check, scored, slots):
                continue
            return None
    return best


def _matches(rowid, values, decided, check, must_check, scored, slots) -> bool:
    if not must_check:
        # Each clause has an atom whose words were all seen: it matches.
        return all(any(all(values[n] for n in atom) for atom in clause) for clause in slots)
    if rowid not in decided:
        # Ask about the next few best undecided at once: one statement.
        batch = [item[2] for item in scored if item[2] not in decided][:64]
        if rowid not in batch:
            batch.append(rowid)
        passed = check(batch)
        for other in batch:
            decided[other] = other in passed
    return decided[rowid]


def _final(seen, weights, wanted, decided, check, must_check, slots) -> list[tuple[int, float]]:
    """Every cell read: the best of what was seen."""
    frontier = [0.0] * len(weights)
    return _settled(seen, weights, frontier, 0.0, wanted, decided, check, must_check, slots) or []


def exhaustive(db, plan: Plan, matching: list[int]) -> list[tuple[int, float]]:
    """Every match scored, best first: what top() must agree with."""
    values = {rowid: [0.0] * len(plan.slots) for rowid in matching}
    for _, number, value, expression in plan.cells:
        for rowid in _cell_rows(db, expression):
            row = values.get(rowid)
            if row is not None and not row[number]:
                row[number] = value
    weights = [slot.weight for slot in plan.slots]
    scored = [(sum(w * v for w, v in zip(weights, row)), rowid) for rowid, row in values.items()]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(rowid, score) for score, rowid in scored]


def check_sql(expression: str, filters: str) -> str:
    """The statement that keeps, of candidate ids (:ids, a JSON list), those
    that match the expression and pass the filters."""
    return f"""
select paragraphs.id from paragraphs join documents on documents.id = paragraphs.document_id
where paragraphs.id in (select value from json_each(:ids)) {filters}
  and exists (select 1 from paragraphs_fts where paragraphs_fts match :expression
              and paragraphs_fts.rowid = paragraphs.id)
"""


def checker(db, expression: str, filters: str, params: dict) -> Check:
    sql = check_sql(expression, filters)

    def check(ids: list[int]) -> set[int]:
        return {row[0] for row in db.execute(sql, {**params, "expression": expression, "ids": json.dumps(ids)})}

    return check
