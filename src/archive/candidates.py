"""What the cells a search has read say of each paragraph met: the sum of
its words' values seen, a lower bound of its score, and which words it was
met for; what the words not met may still add; and the paragraphs that can
no longer reach the page, dropped (rank.py reads the cells).

An OR of very common words meets hundreds of thousands of paragraphs, but
what is known of them takes few values: a value is a sum of the words' levels
times their weights.  So the paragraphs are also kept in groups, one per
value and set of words met, and the passes over them (the k-th best score,
which may still reach it, the best) go group by group, the paragraphs of a
group moved or dropped together with set operations in C."""

from __future__ import annotations

from itertools import chain, repeat
from typing import Callable

# Scores are rounded to this many decimals (see rank._settled).
SCORE_DIGITS = 9
# Below any difference of two scores that are not the same.
EPSILON = 10 ** -(SCORE_DIGITS - 1)


# What moving a cell's rows costs, in about the same unit: a probe of a set
# operation in C, a group visited, a row looked up in Python (Candidates._shares).
_PROBE = 1
_PER_GROUP = 10
_PER_ROW = 8


def rank_key(item: tuple[int, float]) -> tuple[float, int]:
    """The order of (id, score) pairs: best first, ties lower id first.
    Rounded: sums of the same values in another order may differ in their
    last bits, and must not order two paragraphs differently."""
    return -round(item[1], SCORE_DIGITS), item[0]


class Candidates:
    """What the cells read so far say of each paragraph met."""

    def __init__(self, weights: list[float], texts: bool = False):
        self.weights = weights
        # Texts: every paragraph met is the first copy of its text
        # (holders.py), so none has a copy met to complete with it.
        self.texts = texts
        # Each paragraph met: (low, met), the sum of its words' values seen
        # and which words it was met for (bit n: slot n); and the same
        # paragraphs grouped by it, the unit of every pass.
        self.known: dict[int, tuple[float, int]] = {}
        self.groups: dict[tuple[float, int], set[int]] = {}
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
        self.dropped: list[set[int]] = []  # the paragraphs close() dropped, in sets
        # The words whose every paragraph has been met (read at once): a
        # paragraph met for the first time from now on holds none of them,
        # so their values in it are known (0).
        self.exhausted = 0
        # The `wanted`-th best score met at the last close(): once the words'
        # open gains sum below it, reading on cannot add a paragraph.
        self.bar = float("inf")
        # Bumped at each change to the groups: kth() and head() are asked
        # again between changes (settling, closing, completing), each a
        # pass over every group.
        self._version = 0
        self._kth: tuple[int, int, float | None] | None = None
        self._head: tuple[int, int, list[tuple[int, float]]] | None = None

    def __len__(self) -> int:
        return len(self.known)

    def __contains__(self, rowid: int) -> bool:
        return rowid in self.known

    def words(self, rowid: int) -> int | None:
        """Which words the paragraph was met for (None: not met, or dropped)."""
        key = self.known.get(rowid)
        return None if key is None else key[1]

    def _put(self, rowids: set[int], value: float, words: int) -> None:
        """Paragraphs not in any group now, into (value, words)."""
        self._version += 1
        key = (value, words)
        group = self.groups.get(key)
        if group is None:
            self.groups[key] = rowids
        else:
            group |= rowids
        self.known.update(dict.fromkeys(rowids, key))

    def _take(self, rowid: int) -> None:
        """A paragraph out of its group (still known)."""
        self._version += 1
        key = self.known[rowid]
        group = self.groups[key]
        group.discard(rowid)
        if not group:
            del self.groups[key]

    def add(self, rows: list[int], number: int, value: float, fresh: bool = True) -> None:
        """A cell's paragraphs; fresh: whether those not met before are kept
        (not once closed, nor when they cannot reach the page, _fresh())."""
        gain, bit = self.weights[number] * value, 1 << number
        rows = set(rows)
        # Those met before, not yet for this word (the first cell met is the
        # word's best) move on, each group's share at once.
        keys = [key for key in self.groups if not key[1] & bit]
        for key, moved in self._shares(rows, keys, bit):
            if moved:
                group = self.groups[key]
                if len(moved) == len(group):
                    del self.groups[key]
                else:
                    group -= moved
                self._put(moved, key[0] + gain, key[1] | bit)
        if fresh and not self.closed:
            new = rows.difference(self.known)
            if self.refused:
                new -= self.refused
            if new:
                self._put(new, gain, bit | self.exhausted)

    def _shares(self, rows: set[int], keys: list[tuple[float, int]], bit: int):
        """Each of these groups' paragraphs among rows: found group by
        group (a set operation in C each, whose cost is the smaller of the
        two), or, where the groups are many and large beside the rows, row
        by row (a look-up each, in Python)."""
        groups = self.groups
        size = len(rows)
        # The groups alone may cost more than the rows (an OR of many common
        # words keeps thousands): then their sizes need no summing.
        if size * _PER_ROW >= len(keys) * _PER_GROUP and size * _PER_ROW >= (
                sum(min(len(groups[key]), size) for key in keys) * _PROBE + len(keys) * _PER_GROUP):
            return ((key, groups[key] & rows) for key in keys)
        shares: dict[tuple[float, int], set[int]] = {}
        for rowid, key in zip(rows, map(self.known.get, rows)):
            if key is not None and not key[1] & bit:
                share = shares.get(key)
                if share is None:
                    shares[key] = {rowid}
                else:
                    share.add(rowid)
        return shares.items()

    def scored(self, rowids: list[int], score: float) -> None:
        """Paragraphs not met before, scored from their text: every word known."""
        self._put(set(rowids), score, (1 << len(self.weights)) - 1)

    def complete(self, rowid: int, score: float, words: int) -> None:
        """A paragraph's exact score, from its text (every word known)."""
        self._take(rowid)
        self._put({rowid}, score, words)

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
        kth() of the paragraphs met (of those that pass the filters, with
        filters)."""
        if kth is None:
            return
        threshold = kth - EPSILON
        self.bar = threshold
        if sum(open_gain) >= threshold:
            return
        self.closed = True
        extra, known = self.headroom(open_gain), self.known
        kept = {key: group for key, group in self.groups.items() if key[0] + extra(key[1]) >= threshold}
        # A paragraph whose floor is known may be bounded below its group's.
        below = {
            rowid for rowid, floor in self.floor.items()
            if rowid in known and known[rowid] in kept and known[rowid][0] + extra(known[rowid][1], floor) < threshold
        }
        if len(kept) == len(self.groups) and not below:
            return
        # The groups dropped whole, as they are (not joined in one set: most
        # searches never ask which were dropped).
        dropped = [group for key, group in self.groups.items() if key not in kept]
        if below:
            dropped.append(below)
        for rowid in below:
            self._take(rowid)  # out of the set its group in `kept` shares
        self._version += 1
        self.groups = {key: group for key, group in kept.items() if group}
        self.dropped += dropped
        # Whichever is fewer: the paragraphs dropped forgotten, or those kept
        # known anew.
        if sum(map(len, dropped)) < len(known) // 2:
            for rowid in chain.from_iterable(dropped):
                del known[rowid]
        else:
            self.known = known = {}
            for key, group in self.groups.items():
                known.update(dict.fromkeys(group, key))
        self.floor = {rowid: floor for rowid, floor in self.floor.items() if rowid in known}

    def kth(self, wanted: int) -> float | None:
        """The `wanted`-th best score met (None if fewer were met)."""
        if self._kth is not None and self._kth[:2] == (self._version, wanted):
            return self._kth[2]
        found = self._kth_of(wanted)
        self._kth = (self._version, wanted, found)
        return found

    def _kth_of(self, wanted: int) -> float | None:
        if len(self.known) < max(wanted, 1):
            return None
        sizes: dict[float, int] = {}
        for (value, _), group in self.groups.items():
            sizes[value] = sizes.get(value, 0) + len(group)
        count = 0
        for value in sorted(sizes, reverse=True):
            count += sizes[value]
            if count >= wanted:
                return value
        return None

    def head(self, take: int) -> list[tuple[int, float]]:
        """The first `take` met by rank_key: (id, score), best first, those
        that tie once rounded lower id first."""
        if self._head is not None and self._head[:2] == (self._version, take):
            return list(self._head[2])
        head = self._head_of(take)
        self._head = (self._version, take, head)
        return list(head)

    def _head_of(self, take: int) -> list[tuple[int, float]]:
        # Only the groups as high as the take-th score (and those that tie
        # it once rounded) can be in the head: a few of thousands.
        kth = self.kth(take)
        keys = self.groups if kth is None else [key for key in self.groups if key[0] >= kth - EPSILON]
        ties: dict[float, list[tuple[float, int]]] = {}
        for key in keys:
            ties.setdefault(round(key[0], SCORE_DIGITS), []).append(key)
        head: list[tuple[int, float]] = []
        for rounded in sorted(ties, reverse=True):
            need = take - len(head)
            keys = ties[rounded]
            if len(keys) == 1:
                value = keys[0][0]
                head += zip(sorted(self.groups[keys[0]])[:need], repeat(value))
            else:
                head += sorted((rowid, value) for value, words in keys for rowid in self.groups[(value, words)])[:need]
            if len(head) >= take:
                break
        return head

    def ask(self, ids: list[int], passed: Callable[[list[int]], set[int]]) -> None:
        """Ask the filters about these paragraphs met; drop those refused."""
        found = passed(ids)
        self.passed.update((rowid, rowid in found) for rowid in ids)
        refused = [rowid for rowid in ids if rowid not in found]
        self.refused.update(refused)
        for rowid in refused:
            if rowid in self.known:
                self._take(rowid)
                del self.known[rowid]
            self.floor.pop(rowid, None)

    def seen(self) -> set[int]:
        """Every paragraph met: those that score, the rest scoring 0, and
        those the filters refused (no match of the query so filtered)."""
        return set(self.known).union(*self.dropped, self.refused)

    def high(self, rowid: int, extra: Callable[..., float]) -> float:
        """The most the paragraph may still score (extra: headroom())."""
        value, words = self.known[rowid]
        return value + extra(words, self.floor.get(rowid, 0.0))


def open_gains(candidates: Candidates, upcoming: list[list[float]]) -> list[float]:
    """What each word may still add to a paragraph not met for it: its next cell's value."""
    return [w * (values[-1] if values else 0.0) for w, values in zip(candidates.weights, upcoming)]
