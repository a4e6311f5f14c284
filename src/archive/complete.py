"""Completions: a paragraph's exact score worked out from its text,
analyzed again as the index was, for the paragraphs met that the cells read
leave unsure (a word not met may be below, or absent), and to raise the
last score of the page that every other paragraph must pass (rank.py)."""

from __future__ import annotations

import heapq
import json
from itertools import repeat

from . import slots
from .analyze import stem_counts
from .candidates import EPSILON, SCORE_DIGITS, Candidates, open_gains
from .documents import REPRINTED, first_texts, reprints_of, texts
from .impact import level
from .slots import Plan

# Paragraphs completed from their text at once (see complete_the_best).
COMPLETED_AT_ONCE = 128
COMPLETED_WITH_OR = 16
# Floors are looked up for at most this many times the paragraphs a round
# completes, those that may score most.
FLOORED = 4


def complete_the_best(db, plan: Plan, candidates: Candidates, upcoming, wanted: int, kth: float | None = None) -> bool:
    """Give the paragraphs met that may still reach the first places, but
    miss a word, their exact score from their text (analyzed again, as the
    index was): a word met in none of the cells read may be anywhere below,
    or absent, which only reading its cells to the end would show.  Whether
    any was completed (kth: Candidates.kth() of the paragraphs met, if known)."""
    open_gain = open_gains(candidates, upcoming)
    everything = (1 << len(plan.slots)) - 1
    threshold = candidates.kth(wanted) if kth is None else kth
    if threshold is None:
        return False
    # With OR, a paragraph may miss a word altogether, and many do: only once
    # nothing unmet can reach the page, and then all of them at once.
    at_once = COMPLETED_AT_ONCE
    if not plan.conjunctive:
        if sum(open_gain) >= threshold:
            return False
        at_once = COMPLETED_WITH_OR
    # Reprints share a completion (complete): as many texts a round.  Where
    # the paragraphs met are first copies (texts), an AND or a phrase
    # completes as many texts a round as without reprints; an OR, whose
    # rounds are small and come only once it is closed, still more
    # (measured, docs/ranking.md).
    if plan.copies >= REPRINTED and not (candidates.texts and plan.conjunctive):
        at_once = round(at_once * plan.copies)
    # The floors first (their lengths, one look-up each) of those that may
    # be chosen, the best bounds: a word whose cells were read below it is
    # absent.  The rest wait for a later round, if any is needed.
    missing = _missing(candidates, open_gain, threshold, everything, FLOORED * at_once)
    if not missing:
        return False
    unfloored = [rowid for _, rowid in missing if rowid not in candidates.floor]
    if unfloored:
        for rowid, sizes in db.execute(slots.SIZES_SQL, [json.dumps(unfloored)]):
            candidates.floor[rowid] = slots.floor_of(sizes)
        extra, bound = candidates.headroom(open_gain), threshold - EPSILON
        missing = [(high, rowid) for _, rowid in missing if (high := candidates.high(rowid, extra)) >= bound]
        if not missing:
            return True
    complete(db, plan, candidates, [rowid for _, rowid in heapq.nlargest(at_once, missing)])
    return True


def complete(db, plan: Plan, candidates: Candidates, chosen: list[int]) -> None:
    """Give these paragraphs their exact score, from their text, and the
    same score to their reprints met (the same words): each text once."""
    everything = (1 << len(plan.slots)) - 1
    if plan.copies < REPRINTED or candidates.texts:
        for rowid, text in texts(db, chosen):
            candidates.complete(rowid, score_text(plan, text), everything)
        return
    scores: dict[str, float] = {}
    for reprint, (rowid, text) in first_texts(db, reprints_of(db, chosen)).items():
        scores[reprint] = score_text(plan, text)
        candidates.complete(rowid, scores[reprint], everything)
    for rowid, reprint in db.execute(_COPIES_MET_SQL, [json.dumps(list(scores))]):
        if candidates.words(rowid) not in (None, everything):
            candidates.complete(rowid, scores[reprint], everything)


_COPIES_MET_SQL = """
select id, fingerprint from paragraphs where fingerprint in (select value from json_each(?))
"""


# A cell is large when it holds this share of the paragraphs met or more;
# before its new paragraphs are kept, the last k-th score known is made anew
# if they may score at most this much more than it.
LARGE_CELL = 0.25
NEAR_THE_BAR = 1.05


def worth_keeping(db, plan: Plan, candidates: Candidates, upcoming, number: int, value: float, count: int, wanted: int) -> bool:
    """Whether the paragraphs a cell meets first may reach the page: such a
    paragraph scores at most the cell's value and the other words' next
    values, against the last k-th score known (no filters: every paragraph
    met counts), which only grows.  Keeping a large cell's paragraphs costs
    more than making that score anew, if they are near it."""
    if candidates.closed:
        return False
    if candidates.bar == float("inf"):
        return True  # no k-th score known yet
    open_gain = open_gains(candidates, upcoming)
    most = candidates.weights[number] * value + sum(open_gain) - open_gain[number]
    if most < candidates.bar:
        return False
    if count < LARGE_CELL * len(candidates) or most >= NEAR_THE_BAR * candidates.bar:
        return True
    raise_the_bar(db, plan, candidates, wanted)
    kth = candidates.kth(wanted)
    if kth is not None:
        candidates.bar = max(candidates.bar, kth - EPSILON)
    return most >= candidates.bar


def raise_the_bar(db, plan: Plan, candidates: Candidates, wanted: int) -> None:
    """Complete the best met so far that miss a word: a paragraph's sum of
    the words met is far below its score when the rest of its words were
    not met yet, and the page's last score, the bar every other paragraph
    must pass, is only as high as the scores known."""
    everything = (1 << len(plan.slots)) - 1
    chosen = [rowid for rowid, _ in candidates.head(2 * wanted) if candidates.words(rowid) != everything]
    if chosen:
        complete(db, plan, candidates, chosen)


def _missing(candidates: Candidates, open_gain: list[float], threshold: float, everything: int, most: int) -> list:
    """(high, id) of at most `most` paragraphs met that miss a word and may
    still reach the threshold: those that may score most (ties: the higher
    id first)."""
    extra, floor = candidates.headroom(open_gain), candidates.floor
    bound = threshold - EPSILON
    # Each group's paragraphs share a bound (those whose floor is known may
    # have a lower one of their own): the best groups first, as far as
    # `most` paragraphs.
    groups = sorted(
        ((high, key) for key in candidates.groups if key[1] != everything and (high := key[0] + extra(key[1])) >= bound),
        reverse=True,
    )
    missing: list[tuple[float, int]] = []
    taken = 0
    for high, (low, words) in groups:
        if taken >= most:
            break
        group = candidates.groups[(low, words)]
        floored = group & floor.keys() if floor else ()
        rest = group - floored if floored else group
        # The highest ids of a large group: sorted in C, faster than a heap in Python.
        missing += zip(repeat(high), sorted(rest, reverse=True)[:most] if len(rest) > most else rest)
        missing += [(own, rowid) for rowid in floored if (own := low + extra(words, floor[rowid])) >= bound]
        taken += len(rest)
    return heapq.nlargest(most, missing) if len(missing) > most else missing


def text_scores(db, plan: Plan, ids: list[int], distinct: bool = False,
                folded: bool = False) -> dict[float, list[int]]:
    """These paragraphs by their score from their text, each text scored
    once (reprints have the same words: one text of each is read; with
    distinct, the paragraphs are of distinct texts already).  folded: of a
    text's paragraphs among them, only the first, which a page folding
    reprints shows (where reprints are many enough to be looked up)."""
    grouped: dict[float, list[int]] = {}
    if plan.copies >= REPRINTED and not distinct:
        reprints = reprints_of(db, ids)
        firsts = first_texts(db, reprints)
        by_reprint = {reprint: round(score_text(plan, text), SCORE_DIGITS) for reprint, (_, text) in firsts.items()}
        if folded:
            for reprint, (rowid, _) in firsts.items():
                grouped.setdefault(by_reprint[reprint], []).append(rowid)
            return grouped
        for rowid, reprint in reprints.items():
            if reprint in by_reprint:  # (its text read)
                grouped.setdefault(by_reprint[reprint], []).append(rowid)
        return grouped
    by_text: dict[str, float] = {}
    for rowid, text in texts(db, ids):
        score = by_text.get(text)
        if score is None:
            score = by_text[text] = round(score_text(plan, text), SCORE_DIGITS)
        grouped.setdefault(score, []).append(rowid)
    return grouped


def score_text(plan: Plan, text: str) -> float:
    """A paragraph's score from its text: what its cells give, summed in
    slot order."""
    counts, length = stem_counts(text, plan.all_stems)
    score = 0.0
    for slot in plan.slots:
        best = 0.0
        for stem in (slot.stems | slot.form_stems) & counts.keys():
            # A stem reached only through written forms counts once, but the
            # typed word's own (slots.Plan.cells).
            found = counts[stem] if stem in slot.stems or stem == slot.own else 1
            best = max(best, level(found, length) + (slots.OWN_BONUS if stem == slot.own else 0.0))
        score += slot.weight * best
    return score

