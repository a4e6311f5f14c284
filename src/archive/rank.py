"""Ranking: the best k matches of a query, found without scoring every match
(docs/ranking.md).  A paragraph's score is the sum of the query's words'
values in it (slots.py); ties go to the paragraph imported first.

The best k are found level by level: the impact index lists, for each stem
and level, the paragraphs holding it there; those lists are read best first,
a level of all the query's words at a time, and reading stops once no
paragraph not yet seen, and no paragraph partly seen, can reach the k-th
best.  FTS5 only decides what matches (phrases, NOT, prefixes); filters are
decided on the candidates.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import threading
import time
from collections import Counter
from operator import itemgetter
from typing import Callable, Iterator

from . import ahead, slots
from .analyze import analyze_text
from .db import REPRINT_KEY
from .impact import level
from .index import INDEX
from .slots import Plan
from .sqlite import sqlite3

# Scores are rounded to this many decimals (see _settled).
SCORE_DIGITS = 9


# Passed = a function taking candidate ids (matches of the query) and giving
# back those that pass the filters.
Passed = Callable[[list[int]], set[int]]


class _Candidates:
    """What the cells read so far say of each paragraph met: the sum of its
    words' values seen (a lower bound of its score) and which words it was
    met for."""

    def __init__(self, weights: list[float]):
        self.weights = weights
        self.low: dict[int, float] = {}
        self.met: dict[int, int] = {}  # bit n: met for slot n
        self.passed: dict[int, bool] = {}
        # The level of a stem found once in the paragraph (its length's):
        # no word it holds is below it.
        self.floor: dict[int, float] = {}
        # Closed: no paragraph not met yet can reach the page, so cells read
        # from then on only add to those met; dropped: those met that cannot
        # reach it either (see close()).
        self.closed = False
        self.dropped: list[dict[int, int]] = []  # `met` as it was at each close()
        # The `wanted`-th best score met at the last close(): once the words'
        # open gains sum below it, reading on cannot add a paragraph.
        self.bar = float("inf")

    def add(self, rows: list[int], number: int, value: float, fresh: bool = True) -> None:
        """A cell's paragraphs; fresh: whether those not met before are kept
        (not once closed, nor when they cannot reach the page, _fresh())."""
        gain, bit = self.weights[number] * value, 1 << number
        low, met = self.low, self.met
        # Set operations in C sort the rows: those met before (closed: the
        # only ones that count), and those new, added at once.
        again = met.keys() & rows
        if fresh and not self.closed:
            new = set(rows) - again
            met.update(dict.fromkeys(new, bit))
            low.update(dict.fromkeys(new, gain))
        for rowid in again:
            seen = met[rowid]
            if not seen & bit:  # the first cell met is the word's best
                met[rowid] = seen | bit
                low[rowid] += gain

    def headroom(self, open_gain: list[float]) -> Callable[..., float]:
        """What the words a paragraph was not met for may still add: their
        next cells' values, but none whose cells were read below the
        paragraph's floor (a word it held would have been met there).  One
        sum per set of words met and floor, so that passes over many
        paragraphs cost a look-up each (floor 0: a bound for any floor)."""
        sums: dict[tuple[int, float], float] = {}
        weights = self.weights

        def extra(met: int, floor: float = 0.0) -> float:
            value = sums.get((met, floor))
            if value is None:
                value = sums[(met, floor)] = sum(
                    gain for n, gain in enumerate(open_gain)
                    if gain and not met & (1 << n) and gain >= weights[n] * floor
                )
            return value

        return extra

    def close(self, open_gain: list[float], wanted: int, kth: float | None) -> None:
        """Once no paragraph not met can reach the `wanted`-th best score
        met so far (no filters: every paragraph met counts), stop adding
        paragraphs, and drop those met that cannot reach it either, so that
        every later pass is over fewer of them (an OR of very common words
        meets most of the archive).  kth: _kth() of the paragraphs met."""
        if kth is None:
            return
        threshold = kth - EPSILON
        self.bar = threshold
        if sum(open_gain) >= threshold:
            return
        self.closed = True
        extra, low, met, floor = self.headroom(open_gain), self.low, self.met, self.floor
        ceiling = {words: extra(words) for words in set(met.values())}
        # Those kept are made anew: far fewer than those dropped, at first.
        # Most are below what any set of words met may still reach: one
        # comparison each, before the look-ups.
        cut = threshold - max(ceiling.values())
        kept = [
            rowid for rowid, value in low.items()
            if value >= cut and value + ceiling[met[rowid]] >= threshold
            and (rowid not in floor or value + extra(met[rowid], floor[rowid]) >= threshold)
        ]
        if len(kept) == len(low):
            return
        self.dropped.append(met)
        self.low = {rowid: low[rowid] for rowid in kept}
        self.met = {rowid: met[rowid] for rowid in kept}
        self.floor = {rowid: floor[rowid] for rowid in kept if rowid in floor}

    def seen(self) -> set[int]:
        """Every paragraph met: those that score, the rest scoring 0."""
        return set(self.low).union(*self.dropped)

    def high(self, rowid: int, extra: Callable[..., float]) -> float:
        """The most the paragraph may still score (extra: headroom())."""
        return self.low[rowid] + extra(self.met[rowid], self.floor.get(rowid, 0.0))


def top(db, plan: Plan, expression: str, wanted: int, passed: Passed | None) -> tuple[list[tuple[int, float]], set[int]]:
    """The `wanted` best matches of `expression` as (id, score), best first
    (ties: lower id first), and the ids of every match met: a match not
    among them scores 0.

    The cells are read best first, narrowed to the query's matches where
    holding a word's stem is not matching (Plan.narrowed, a cell's checked
    flag), so every paragraph met matches; `passed` (the filters) is asked
    only about those that may be among the best.  Reading stops when no
    paragraph not met, nor any met that is missing a word, can reach the
    last place."""
    if not plan.slots:
        return [], set()
    candidates = _Candidates([slot.weight for slot in plan.slots])
    # One word is read best first however many its matches: its cells are
    # few and its best come first; several words are not.
    if len(plan.slots) > 1 and _all_at_once(db, plan, expression, candidates):
        return _settled(candidates, [[] for _ in plan.slots], wanted, passed) or [], candidates.seen()
    # A rare word's paragraphs are few: read at once, values and all, rather
    # than level by level.
    direct = {number for number, slot in enumerate(plan.slots) if slots.read_at_once(plan, slot)}
    for number in direct:
        for value, rows in slots.direct_values(db, plan, number, None if plan.plain else expression).items():
            candidates.add(rows, number, value)
    # Each slot's next value: the best of its cells not read yet.
    upcoming: list[list[float]] = [[] for _ in plan.slots]
    for _, number, value, _ in reversed(plan.cells):
        if number not in direct:
            upcoming[number].append(value)
    read_since, best = 0, None
    cells = [cell for cell in plan.cells if cell[1] not in direct]

    def cell_of(position: int) -> str | None:
        _, _, _, (cell_level, stems, checked) = cells[position]
        cell = slots.cell_expression(cell_level, stems, plan.known)
        if cell is not None and (checked or plan.narrowed):
            cell = f"({cell}) AND ({expression})"
        return cell

    # One word: a cell's paragraphs tie, the first ids first, so the page
    # needs no more of them than places left (plus those met already in a
    # better cell).  Otherwise the next cells are read ahead (ahead.py).
    one_word = passed is None and len(plan.slots) == 1
    reader = ahead.Cells(db, len(cells), cell_of, getattr(_LIMIT, "deadline", None))
    try:
        for position, (_, number, value, _) in enumerate(cells):
            if one_word:
                cell = reader.expression(position)
                rows = slots.cell_rows(db, cell, wanted + len(candidates.low)) if cell is not None else []
            else:
                rows = reader.rows(position)
            upcoming[number].pop()
            fresh = (passed is not None or len(plan.slots) == 1
                     or _fresh(db, plan, candidates, upcoming, number, value, len(rows), wanted))
            candidates.add(rows, number, value, fresh)
            read_since += len(rows)
            # Settling costs a pass over the candidates: worth it once as many
            # rows again were read, when the last cell is read, or once nothing
            # not met can reach the last k-th score known (time to close).
            if read_since * 2 < len(candidates.low) and any(upcoming) and (
                candidates.closed or sum(_open_gain(candidates, upcoming)) >= candidates.bar
            ):
                continue
            read_since = 0
            _in_time()
            # Once nothing not met can reach the last k-th score known (which
            # only grows), closing is certain: first, so that settling passes
            # over the paragraphs kept rather than all those met (with one word
            # they are few, and settle at once).
            closing = (passed is None and not candidates.closed and len(plan.slots) > 1
                       and sum(_open_gain(candidates, upcoming)) < candidates.bar)
            best = None if closing else _settled(candidates, upcoming, wanted, passed)
            kth = None
            if best is None and passed is None:
                if not candidates.closed:
                    _raise_the_bar(db, plan, candidates, wanted)
                kth = _kth(candidates.low, wanted)
                candidates.close(_open_gain(candidates, upcoming), wanted, kth)
                _in_time()
                if closing:
                    best = _settled(candidates, upcoming, wanted, passed)
            if best is None and _complete_the_best(db, plan, candidates, upcoming, wanted, kth):
                best = _settled(candidates, upcoming, wanted, passed)
            if best is not None:
                return best, candidates.seen()
    finally:
        reader.close()
    best = _settled(candidates, [[] for _ in plan.slots], wanted, passed)
    return best or [], candidates.seen()


_LIMIT = threading.local()


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Searches in this thread end with sqlite3's "interrupted" error once
    this long has gone by.  An SQL time limit (Datasette's) only stops a
    statement: between statements, a search of very common words spends
    long passes in Python, and would end up to a second late."""
    _LIMIT.deadline = time.perf_counter() + seconds
    try:
        yield
    finally:
        _LIMIT.deadline = None


def _in_time() -> None:
    deadline = getattr(_LIMIT, "deadline", None)
    if deadline is not None and time.perf_counter() > deadline:
        raise sqlite3.OperationalError("interrupted")


# A query with at most this many matches a distinct text is scored at once (_all_at_once).
ALL_AT_ONCE = 10_000
# A query of two words whose cells are narrowed (AND, a phrase, NOT): at most
# this many matches, and this many more per paragraph a text.  Each of its
# cells is one more FTS5 statement of the whole query, a cost reprints do not
# multiply; with more words, more cells are read to more depth (the square of
# the words beyond one: a rough rule, docs/ranking.md).
NARROWED_AT_ONCE = 2_000
NARROWED_PER_COPY = 500


def _all_at_once(db, plan: Plan, expression: str, candidates: _Candidates) -> bool:
    """Score every match of a query, if they are few: one statement for the
    matches and their lengths, a few for each word (with OR, one more for
    the matches that hold it).  Whether it did."""
    # Reprints tie: what the cells would spare grows with the distinct texts.
    most = round(ALL_AT_ONCE * plan.copies)
    if plan.narrowed:
        words = (len(plan.slots) - 1) ** 2
        most = min(most, round((NARROWED_AT_ONCE + NARROWED_PER_COPY * plan.copies) * words))
    # Words joined by OR alone: a word's paragraphs all match, so a word in
    # more paragraphs than that settles it without a statement.
    if not plan.narrowed and any(slot.held > most and not slot.form_stems for slot in plan.slots):
        return False
    rows = db.execute(slots.LENGTHS_SQL + " limit ?", [expression, most + 1]).fetchall()
    if len(rows) > most:
        return False
    floors = slots.floors_of(rows)
    for number, slot in enumerate(plan.slots):
        held = floors
        if not plan.conjunctive:
            stems = sorted(slot.stems | slot.form_stems)
            if not stems:
                continue
            # Words joined by OR alone: the matches are known, so the word's
            # paragraphs need no narrowing by FTS5, only keeping the matches.
            words = slots.stems_expression(stems)
            look_up = f"({words}) AND ({expression})" if plan.narrowed else words
            held = {row[0]: floors[row[0]] for row in db.execute(slots.CELL_SQL, [look_up]) if row[0] in floors}
        # The stem typed is looked up as it is when its paragraphs are few
        # beside the matches: narrowing it costs FTS5 the whole query again.
        narrow = plan.narrowed and slot.own_held > _NARROWED_OWN * len(floors)
        grouped: dict[float, list[int]] = {}
        for rowid, value in slots.word_values(db, plan, slot, held, expression if narrow else None).items():
            grouped.setdefault(value, []).append(rowid)
        for value, group in grouped.items():
            candidates.add(group, number, value)
    return True


# A stem in more paragraphs than this many times a query's matches is looked
# up narrowed to them (_all_at_once): reading its rows would cost more.
_NARROWED_OWN = 4


# Paragraphs completed from their text at once (see _complete_the_best).
COMPLETED_AT_ONCE = 128
COMPLETED_WITH_OR = 64
# Floors are looked up for at most this many times the paragraphs a round
# completes, those that may score most.
FLOORED = 4
# From this many paragraphs a text on average, a completion is shared by a
# text's reprints met: below it, the statements that find them cost more.
REPRINTED = 2.0


def _complete_the_best(db, plan: Plan, candidates: _Candidates, upcoming, wanted: int, kth: float | None = None) -> bool:
    """Give the paragraphs met that may still reach the first places, but
    miss a word, their exact score from their text (analyzed again, as the
    index was): a word met in none of the cells read may be anywhere below,
    or absent, which only reading its cells to the end would show.  Whether
    any was completed (kth: _kth() of the paragraphs met, if known)."""
    open_gain = _open_gain(candidates, upcoming)
    everything = (1 << len(plan.slots)) - 1
    threshold = _kth(candidates.low, wanted) if kth is None else kth
    if threshold is None:
        return False
    # With OR, a paragraph may miss a word altogether, and many do: only once
    # nothing unmet can reach the page, and then all of them at once.
    at_once = COMPLETED_AT_ONCE
    if not plan.conjunctive:
        if sum(open_gain) >= threshold:
            return False
        at_once = COMPLETED_WITH_OR
    missing = _missing(candidates, open_gain, threshold, everything)
    if not missing:
        return False
    if plan.copies >= REPRINTED:  # reprints share a completion (_complete): as many texts a round
        at_once = round(at_once * plan.copies)
    # The floors first (their lengths, one look-up each) of those that may
    # be chosen, the best bounds: a word whose cells were read below it is
    # absent.  The rest wait for a later round, if any is needed.
    if len(missing) > FLOORED * at_once:
        missing = heapq.nlargest(FLOORED * at_once, missing)
    unfloored = [rowid for _, rowid in missing if rowid not in candidates.floor]
    if unfloored:
        for rowid, sizes in db.execute(_SIZES_SQL, [json.dumps(unfloored)]):
            candidates.floor[rowid] = slots.floor_of(sizes)
        extra, bound = candidates.headroom(open_gain), threshold - EPSILON
        missing = [(high, rowid) for _, rowid in missing if (high := candidates.high(rowid, extra)) >= bound]
        if not missing:
            return True
    _complete(db, plan, candidates, [rowid for _, rowid in heapq.nlargest(at_once, missing)])
    return True


def _complete(db, plan: Plan, candidates: _Candidates, chosen: list[int]) -> None:
    """Give these paragraphs their exact score, from their text, and the
    same score to their reprints met (the same words): each text once."""
    everything = (1 << len(plan.slots)) - 1
    low, met = candidates.low, candidates.met
    if plan.copies < REPRINTED:
        for rowid, text in db.execute(_TEXTS_SQL, [json.dumps(chosen)]):
            low[rowid], met[rowid] = score_text(plan, text), everything
        return
    scores: dict[str, float] = {}
    for rowid, text, reprint in db.execute(_FIRST_COPIES_SQL, [json.dumps(chosen)]):
        scores[reprint] = low[rowid] = score_text(plan, text)
        met[rowid] = everything
    for rowid, reprint in db.execute(_COPIES_MET_SQL, [json.dumps(list(scores))]):
        if rowid in low and met[rowid] != everything:
            low[rowid], met[rowid] = scores[reprint], everything


_TEXTS_SQL = "select id, text from paragraphs where id in (select value from json_each(?))"
# One paragraph of each text among those given (the others are its reprints).
_FIRST_COPIES_SQL = f"""
select min(id), text, {REPRINT_KEY} from paragraphs
where id in (select value from json_each(?)) group by 3
"""
_COPIES_MET_SQL = """
select id, fingerprint from paragraphs where fingerprint in (select value from json_each(?))
"""


# A cell is large when it holds this share of the paragraphs met or more;
# before its new paragraphs are kept, the last k-th score known is made anew
# if they may score at most this much more than it.
LARGE_CELL = 0.25
NEAR_THE_BAR = 1.05


def _fresh(db, plan: Plan, candidates: _Candidates, upcoming, number: int, value: float, count: int, wanted: int) -> bool:
    """Whether the paragraphs a cell meets first may reach the page: such a
    paragraph scores at most the cell's value and the other words' next
    values, against the last k-th score known (no filters: every paragraph
    met counts), which only grows.  Keeping a large cell's paragraphs costs
    more than making that score anew, if they are near it."""
    if candidates.closed:
        return False
    if candidates.bar == float("inf"):
        return True  # no k-th score known yet
    open_gain = _open_gain(candidates, upcoming)
    most = candidates.weights[number] * value + sum(open_gain) - open_gain[number]
    if most < candidates.bar:
        return False
    if count < LARGE_CELL * len(candidates.low) or most >= NEAR_THE_BAR * candidates.bar:
        return True
    _raise_the_bar(db, plan, candidates, wanted)
    kth = _kth(candidates.low, wanted)
    if kth is not None:
        candidates.bar = max(candidates.bar, kth - EPSILON)
    return most >= candidates.bar


def _raise_the_bar(db, plan: Plan, candidates: _Candidates, wanted: int) -> None:
    """Complete the best met so far that miss a word: a paragraph's sum of
    the words met is far below its score when the rest of its words were
    not met yet, and the page's last score, the bar every other paragraph
    must pass, is only as high as the scores known."""
    everything = (1 << len(plan.slots)) - 1
    met = candidates.met
    head = heapq.nlargest(2 * wanted, candidates.low.items(), key=itemgetter(1))
    chosen = [rowid for rowid, _ in head if met[rowid] != everything]
    if chosen:
        _complete(db, plan, candidates, chosen)


_SIZES_SQL = f"select id, sz from {INDEX}_docsize where id in (select value from json_each(?))"


def _missing(candidates: _Candidates, open_gain: list[float], threshold: float, everything: int) -> list:
    """(high, id) of the paragraphs met that miss a word and may still
    reach the threshold."""
    extra, met, floor = candidates.headroom(open_gain), candidates.met, candidates.floor
    bound = threshold - EPSILON
    # Each set of words met bounds its paragraphs at once; only those that
    # pass it are looked at with their floor.
    ceiling = {words: extra(words) for words in set(met.values()) if words != everything}
    cut = bound - max(ceiling.values(), default=0.0)
    return [
        (high, rowid)
        for rowid, low in candidates.low.items()
        if low >= cut and (words := met[rowid]) != everything and low + ceiling[words] >= bound
        and (high := low + extra(words, floor.get(rowid, 0.0))) >= bound
    ]


def score_text(plan: Plan, text: str) -> float:
    """A paragraph's score from its text: what its cells give, summed in
    slot order."""
    stems = analyze_text(text)[0].split()
    counts = Counter(stems)
    score = 0.0
    for slot in plan.slots:
        best = 0.0
        for stem in (slot.stems | slot.form_stems) & counts.keys():
            best = max(best, level(counts[stem], len(stems)) + (slots.OWN_BONUS if stem == slot.own else 0.0))
        score += slot.weight * best
    return score


def _open_gain(candidates: _Candidates, upcoming: list[list[float]]) -> list[float]:
    """What each word may still add to a paragraph not met for it: its next cell's value."""
    return [w * (values[-1] if values else 0.0) for w, values in zip(candidates.weights, upcoming)]


def _settled(candidates: _Candidates, upcoming: list[list[float]], wanted: int, passed: Passed | None):
    """The best `wanted` if the cells read decide them, else None."""
    open_gain = _open_gain(candidates, upcoming)
    unseen = sum(open_gain)
    low = candidates.low
    if unseen > 0 and (len(low) < wanted or unseen >= _kth(low, wanted) + EPSILON):
        return None  # a paragraph not met yet may reach the page (a cheap pass)
    best = _best_met(candidates, open_gain, wanted, passed)
    if best is None or len(best) < wanted:
        return None if best is None or unseen > 0 else best
    last_id, last_score = best[-1]
    if unseen > 0 and unseen >= last_score:
        return None  # a paragraph not met yet may reach the last place
    chosen = {rowid for rowid, _ in best}
    extra, met = candidates.headroom(open_gain), candidates.met
    # No word may still lift a paragraph (every cell read, or every paragraph
    # met complete): those met rank by their scores, and the best are chosen.
    ceiling = max(map(extra, set(met.values())), default=0.0)
    if ceiling == 0.0:
        return best
    cut = last_score - EPSILON - ceiling
    for rowid, score in [item for item in low.items() if item[1] >= cut]:
        if score + extra(met[rowid]) < last_score - EPSILON or rowid in chosen:
            continue
        high = round(candidates.high(rowid, extra), SCORE_DIGITS)
        if high > last_score or (high == last_score and rowid < last_id):
            if passed is None or _passes([rowid], candidates, passed):
                return None  # met, but missing a word that may lift it
    return best


def _kth(low: dict[int, float], wanted: int) -> float | None:
    """The `wanted`-th best score met (None if fewer were met)."""
    return heapq.nlargest(wanted, low.values())[-1] if len(low) >= wanted else None


# Below any difference of two scores that are not the same.
EPSILON = 10 ** -(SCORE_DIGITS - 1)


def _rank_key(item: tuple[int, float]) -> tuple[float, int]:
    # Rounded: sums of the same values in another order may differ in their
    # last bits, and must not order two paragraphs differently.
    return -round(item[1], SCORE_DIGITS), item[0]


def _best_met(candidates: _Candidates, open_gain: list[float], wanted: int, passed: Passed | None):
    """The best `wanted` met so far that pass the filters, each complete
    (no missing word may still lift it), else None."""
    take, extra = wanted, candidates.headroom(open_gain)
    while True:
        head = _head(candidates.low, take)
        best: list[tuple[int, float]] = []
        for rowid, score in head:
            if candidates.high(rowid, extra) > score:
                return None  # one of the best may still gain
            if passed is None or _passes([r for r, _ in head], candidates, passed, rowid):
                best.append((rowid, round(score, SCORE_DIGITS)))
                if len(best) == wanted:
                    return best
        if len(head) < take:
            return best
        take *= 4  # the filters left too few


def _head(low: dict[int, float], take: int) -> list[tuple[int, float]]:
    """The first `take` by _rank_key: the best raw scores (at C speed), and
    every paragraph that ties the last of them once rounded."""
    head = heapq.nlargest(take, low.items(), key=itemgetter(1))
    if len(low) > take and head:
        last = round(head[-1][1], SCORE_DIGITS)
        if round(heapq.nlargest(take + 1, low.values())[-1], SCORE_DIGITS) == last:
            bound = last - EPSILON  # a cheap bound first, rounding on the few left
            head = [item for item in low.items() if item[1] >= bound and round(item[1], SCORE_DIGITS) >= last]
    return sorted(head, key=_rank_key)[:take]


def _passes(batch: list[int], candidates: _Candidates, passed: Passed, rowid: int | None = None) -> bool:
    """Whether a paragraph passes the filters, asking about the batch it is
    in at once (rowid: the one meant, if not the batch's only)."""
    rowid = batch[0] if rowid is None else rowid
    if rowid not in candidates.passed:
        ask = [other for other in batch if other not in candidates.passed]
        found = passed(ask)
        candidates.passed.update((other, other in found) for other in ask)
    return candidates.passed[rowid]


def exhaustive(db, plan: Plan, matching: list[int]) -> list[tuple[int, float]]:
    """Every match scored, best first: what top() must agree with."""
    values = {rowid: [0.0] * len(plan.slots) for rowid in matching}
    for _, number, value, (cell_level, stems, _) in plan.cells:
        for rowid in slots.cell_rows(db, slots.cell_expression(cell_level, stems)):
            row = values.get(rowid)
            if row is not None and not row[number]:
                row[number] = value
    weights = [slot.weight for slot in plan.slots]
    scored = [(round(sum(w * v for w, v in zip(weights, row)), SCORE_DIGITS), rowid) for rowid, row in values.items()]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(rowid, score) for score, rowid in scored]
