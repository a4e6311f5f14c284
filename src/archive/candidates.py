"""What the cells a search has read say of each paragraph met: the sum of
its words' values seen, a lower bound of its score, and which words it was
met for; what the words not met may still add; and the paragraphs that can
no longer reach the page, dropped (rank.py reads the cells)."""

from __future__ import annotations

import heapq
from typing import Callable

# Scores are rounded to this many decimals (see rank._settled).
SCORE_DIGITS = 9
# Below any difference of two scores that are not the same.
EPSILON = 10 ** -(SCORE_DIGITS - 1)


class Candidates:
    """What the cells read so far say of each paragraph met."""

    def __init__(self, weights: list[float]):
        self.weights = weights
        self.low: dict[int, float] = {}
        self.met: dict[int, int] = {}  # bit n: met for slot n
        self.passed: dict[int, bool] = {}  # whether each asked about passes the filters
        # Those the filters refused: dropped, and never met again.
        self.refused: set[int] = set()
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
            if self.refused:
                new -= self.refused
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
        met so far, stop adding paragraphs, and drop those met that cannot
        reach it either, so that every later pass is over fewer of them (an
        OR of very common words meets most of the archive).  kth:
        kth_best() of the paragraphs met (of those that pass the filters,
        with filters)."""
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

    def ask(self, ids: list[int], passed: Callable[[list[int]], set[int]]) -> None:
        """Ask the filters about these paragraphs met; drop those refused."""
        found = passed(ids)
        self.passed.update((rowid, rowid in found) for rowid in ids)
        refused = [rowid for rowid in ids if rowid not in found]
        self.refused.update(refused)
        for rowid in refused:
            self.low.pop(rowid, None)
            self.met.pop(rowid, None)
            self.floor.pop(rowid, None)

    def seen(self) -> set[int]:
        """Every paragraph met: those that score, the rest scoring 0."""
        return set(self.low).union(*self.dropped)

    def high(self, rowid: int, extra: Callable[..., float]) -> float:
        """The most the paragraph may still score (extra: headroom())."""
        return self.low[rowid] + extra(self.met[rowid], self.floor.get(rowid, 0.0))


def kth_best(low: dict[int, float], wanted: int) -> float | None:
    """The `wanted`-th best score met (None if fewer were met)."""
    return heapq.nlargest(wanted, low.values())[-1] if len(low) >= wanted else None


def open_gains(candidates: Candidates, upcoming: list[list[float]]) -> list[float]:
    """What each word may still add to a paragraph not met for it: its next cell's value."""
    return [w * (values[-1] if values else 0.0) for w, values in zip(candidates.weights, upcoming)]
