"""The first copy of each text, marked in the index (docs/ranking.md).

Reprints share their words, so their score: a page of folded hits shows the
first copy of each text.  The `impact` column gives that copy alone one more
token, HOLDER, so that ranking can read a level's paragraphs one a text
(`impact : z`) where the page folds reprints (within filters, asking them
of each text's copies: filters.first_passing), a row a text rather than a
row a copy.  Every other use of the index is unchanged: the copies keep
their levels' tokens.

The mark also names the level of the copy's stems found once (its
length's letter after HOLDER: `zr`), so that a level's cell is read a row
a text without FTS5 checking each paragraph of the level, every copy,
against HOLDER's list (slots.cell_expression).

The mark must stay on the lowest id of each fingerprint among the
paragraphs there are: an import marks a paragraph whose text the archive
does not hold yet, and removing the marked copy moves the mark to the next
(index.py writes both).  Archives made before the mark (no `text_holders`
in archive_meta) are left without it, and those made before its level
(`text_holders` 1) without that, until `archive rebuild`.
"""

from __future__ import annotations

import bisect
import heapq
import json
from array import array

from .impact import HOLDER

# archive_meta's key saying every text's first copy carries HOLDER: with
# it, its level (LEVELLED), or not (an archive marked before the level).
META_KEY = "text_holders"
LEVELLED = "2"
MARKED = ("1", LEVELLED)

_HELD_SQL = "select distinct fingerprint from paragraphs where fingerprint in (select value from json_each(?))"
# New fingerprints kept in a set until this many, then merged into the
# sorted array: 8 bytes a text rather than a Python object each.
_PENDING = 16_000


def marked(conn) -> bool:
    """Whether the archive marks the first copy of each text."""
    return marking(conn) in MARKED


def levelled(conn) -> bool:
    """Whether the archive's mark names the level of the copy's stems found
    once (level_mark)."""
    return marking(conn) == LEVELLED


def marking(conn) -> str | None:
    """How the archive marks first copies: None (it does not), "1" (the
    mark alone) or LEVELLED."""
    row = conn.execute("select value from archive_meta where key = ?", [META_KEY]).fetchone()
    return None if row is None else row[0]


def level_mark(letter: str) -> str:
    """The token of the first copies whose stems found once are at the
    level of this letter."""
    return HOLDER + letter


def with_mark(impact: str | bytes, levels: bool) -> str | bytes:
    """An impact column's value (impact.impact_text: the letter of its stems
    found once comes first) with the mark; levels: and its level's."""
    if isinstance(impact, bytes):
        mark = HOLDER.encode()
        return impact + b" " + mark + (b" " + mark + impact[:1] if levels else b"")
    return impact + " " + HOLDER + (" " + level_mark(impact[:1]) if levels else "")


class Texts:
    """Which of the paragraphs being written are the first copy of their
    text: those whose fingerprint no paragraph there is holds.  Asked of
    the archive through its fingerprint index, or, in_memory, from the
    fingerprints written since: an import into an empty archive (which
    builds that index at its end) and an index made anew, where the
    archive holds no other."""

    def __init__(self, conn, in_memory: bool):
        self.conn = conn
        mark = marking(conn)
        self.marking = mark in MARKED
        self.levels = mark == LEVELLED  # whether with_mark adds the level
        self.in_memory = in_memory
        self._sorted = array("Q")
        self._pending: set[int] = set()

    def firsts(self, fingerprints: list[str | None]) -> list[bool]:
        """For each new paragraph, in order, whether it is its text's first
        copy; those that are count as written from then on."""
        if not self.marking:
            return [False] * len(fingerprints)
        if self.in_memory:
            return self._firsts_written(fingerprints)
        held = {fingerprint for (fingerprint,) in self.conn.execute(
            _HELD_SQL, [json.dumps([fingerprint for fingerprint in fingerprints if fingerprint])])}
        found = []
        for fingerprint in fingerprints:
            # None: a paragraph of an older archive, its own text.
            found.append(fingerprint is None or fingerprint not in held)
            held.add(fingerprint)
        return found

    def _firsts_written(self, fingerprints: list[str | None]) -> list[bool]:
        """firsts(), from the fingerprints written: one loop, as an import
        into an empty archive asks it of every paragraph."""
        pending, keys, find = self._pending, self._sorted, bisect.bisect_left
        found = []
        for fingerprint in fingerprints:
            if fingerprint is None:
                found.append(True)
                continue
            key = int(fingerprint, 16)
            if key in pending:
                found.append(False)
                continue
            place = find(keys, key)
            if place < len(keys) and keys[place] == key:
                found.append(False)
                continue
            pending.add(key)
            found.append(True)
        if len(pending) >= _PENDING:
            self._sorted = array("Q", heapq.merge(keys, sorted(pending)))
            self._pending = set()
        return found

    def indexed(self) -> None:
        """The fingerprint index exists now: ask the archive from now on."""
        self.in_memory = False
        self._sorted, self._pending = array("Q"), set()
