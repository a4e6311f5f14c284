"""Words joined by OR, ranked through the paragraphs that hold two of them
(docs/ranking.md).

Reading the words' cells level by level (rank.top) can stop only once no
paragraph not met can reach the page, and such a paragraph might hold every
word: with words of like weight, that sum falls below the page's last score
only deep in every word's cells.  But few paragraphs hold two of the words
where the words are not function words: FTS5 finds them, a statement a
pair, and they are scored at once.  Every other match holds one word alone,
which scores its weight times its best cell: so each word's cells are read
only as far as one word alone can still reach the page.
"""

from __future__ import annotations

import heapq
import itertools
import json

from . import slots
from .candidates import SCORE_DIGITS
from .holders import LEVELLED
from .slots import Plan

# The paragraphs holding two of the words are scored at once when they are
# at most this many, times the paragraphs a text, times the words beyond
# two from four words on: a paragraph not met may hold more of them, and
# their cells must be read the deeper (at most WORDS words: a statement a
# pair).
PAIRED_TEXTS = 2_000
WORDS = 8
# Skipped without a statement where independent words would already share
# this many times too many paragraphs (في OR من OR على).
EXPECTED_SHARE = 1.0


def eligible(plan: Plan) -> bool:
    """Words joined by OR alone, at least two of them too common to read at
    once (rank.top reads a rare word's paragraphs whole, and completes them)."""
    return (not plan.conjunctive and not plan.narrowed and not plan.costly
            and 2 <= len(plan.slots) <= WORDS
            and sum(not slots.read_at_once(plan, slot) for slot in plan.slots) >= 2
            and all(slot.stems | slot.form_stems for slot in plan.slots))


Paired = tuple[dict[int, int], dict[int, float]]


def paired(db, plan: Plan, expression: str, in_time, texts: bool = False) -> Paired | None:
    """The paragraphs that hold two of the words or more (eligible()), for
    top(); None where they are too many to score at once.  in_time: raises
    once the search's time is up; texts: the first copy of each text alone
    (rank.top)."""
    most = round(PAIRED_TEXTS * max(plan.copies, 1.0) * max(1, len(plan.slots) - 2))
    held = [min(slot.held, plan.total) for slot in plan.slots]
    expected = sum(a * b for a, b in itertools.combinations(held, 2)) / max(plan.total, 1)
    if expected > EXPECTED_SHARE * most:
        return None
    return _paired(db, plan, expression, most, in_time, texts)


def top(db, plan: Plan, expression: str, wanted: int, paired: Paired, in_time,
        passed=None, texts: bool = False) -> tuple[list[tuple[int, float]], set[int]]:
    """The `wanted` best matches of an OR of words that pass the filters
    (passed: rank.Passed, or None), as rank.top gives them, with the ids of
    every match met, from the paragraphs that hold two of the words
    (paired()); texts: each cell read a paragraph a text (rank.top)."""
    scores = _scores(db, plan, paired, texts)
    # Those that pass, by score; and the page's last score so far (a heap
    # of the `wanted` best of them).
    passing = scores if passed is None else _passing(scores, list(scores), passed)
    page = heapq.nlargest(wanted, passing.values())
    heapq.heapify(page)
    # A paragraph met in a cell holds its word alone: its first cell, the
    # best (cells in order of weight times value), gives its score.
    # With texts, through the mark's level where the archive's mark names it.
    levelled = texts and slots.marking_of(db, plan.known) == LEVELLED
    for weighted, number, value, (cell_level, stems, checked, once) in sorted(plan.cells, key=lambda cell: -cell[0]):
        score = round(weighted, SCORE_DIGITS)
        if len(page) >= wanted and score < page[0]:
            break
        cell = slots.cell_expression(cell_level, stems, plan.known, once, levelled, plan.unrepeated)
        if cell is None:
            continue
        if checked:
            cell = f"({cell}) AND ({expression})"  # the first copies' if texts
        elif texts and not levelled:
            cell = slots.first_copies(cell)
        in_time()
        new = [rowid for rowid in slots.cell_rows(db, cell) if rowid not in scores]
        scores.update(dict.fromkeys(new, score))
        if passed is not None and new:
            new = list(_passing(scores, new, passed))
            passing.update(dict.fromkeys(new, score))
        for _ in new:
            if len(page) < wanted:
                heapq.heappush(page, score)
            elif score > page[0]:
                heapq.heapreplace(page, score)
            else:
                break  # all of a cell's paragraphs score alike
    return heapq.nsmallest(wanted, passing.items(), key=lambda item: (-item[1], item[0])), set(scores)


def _passing(scores: dict[int, float], ids: list[int], passed) -> dict[int, float]:
    """Of these paragraphs, those that pass the filters, with their scores."""
    kept = passed(ids)
    return {rowid: scores[rowid] for rowid in ids if rowid in kept}


def _paired(db, plan: Plan, expression: str, most: int, in_time, texts: bool = False) -> Paired | None:
    """The paragraphs that hold two of the words or more: which words each
    holds (a bit a word), and its floor (slots.floor_of); None if more than
    `most`.  A statement a pair: a paragraph holds the words of the pairs
    that find it."""
    words = [slots.stems_expression(sorted(slot.stems | slot.form_stems)) for slot in plan.slots]
    holds: dict[int, int] = {}
    for first, second in itertools.combinations(range(len(words)), 2):
        in_time()
        both = f"{words[first]} AND {words[second]}"
        # A stem reached through a written form is held by paragraphs that
        # match through another word, or not at all (Plan.cells' checked
        # cells): a paragraph holding two such stems alone may not match.
        if plan.slots[first].form_stems and plan.slots[second].form_stems:
            both = f"({both}) AND ({expression})"
        elif texts:
            both = slots.first_copies(both)
        bits = (1 << first) | (1 << second)
        for rowid in slots.cell_rows(db, both, most + 1):
            holds[rowid] = holds.get(rowid, 0) | bits
        if len(holds) > most:
            return None
    # Their sizes in one statement: joined to each pair's, they were read
    # again for every pair that finds them.
    floors = slots.floors_of(db.execute(slots.SIZES_SQL, [json.dumps(sorted(holds))]))
    return holds, floors


def _scores(db, plan: Plan, paired: Paired, texts: bool = False) -> dict[int, float]:
    """The exact scores of the paragraphs that hold two words or more: each
    word's value in those that hold it, as rank.top's scoring at once reads
    them, summed in the words' order (texts: they are first copies)."""
    holds, floors = paired
    words = [slots.stems_expression(sorted(slot.stems | slot.form_stems)) for slot in plan.slots]
    sums: dict[int, float] = {}
    for number, slot in enumerate(plan.slots):
        bit = 1 << number
        holders = {rowid: floors[rowid] for rowid, bits in holds.items() if bits & bit}
        # The stem typed is looked up among the paragraphs that hold another
        # word too: FTS5 keeps them, rather than Python all of its own.
        others = " OR ".join(f"({word})" for other, word in enumerate(words) if other != number)
        if texts:
            others = slots.first_copies(others)
        weight = slot.weight
        for rowid, value in slots.word_values(db, plan, slot, holders, others, texts).items():
            sums[rowid] = sums.get(rowid, 0.0) + weight * value
    return {rowid: round(total, SCORE_DIGITS) for rowid, total in sums.items()}
