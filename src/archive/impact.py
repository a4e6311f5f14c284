"""Impacts: how much one stem weighs in one paragraph, as a level, the unit
of ranking (see rank.py and docs/ranking.md).

A stem's weight in a paragraph grows with how often the paragraph holds it
and shrinks with the paragraph's length, as in BM25; here it is rounded to
one of LEVELS levels when the paragraph is indexed.  A stem found once is
at the level of the paragraph's length alone, the same for all of them: the
index's `impact` column holds that level's letter once per paragraph, and
a token (the level's letter, then the stem) only for each stem found more
than once.  So a search can read a stem's paragraphs level by level, best
first, and stop once the rest cannot matter, rather than score every
paragraph that holds it.

A level depends on the paragraph alone, never on the rest of the archive,
so writing a paragraph never rewrites another.
"""

from __future__ import annotations

import math
from collections import Counter

# BM25's usual constants: how fast repeats saturate, and how much length
# counts.  LENGTH is the length (in words) whose paragraphs are neither
# weighed up nor down: fixed, not the archive's average, so that a level
# never changes once written.
K1 = 1.2
B = 0.75
LENGTH = 40.0
LEVELS = 24
# A level's letter: a..x.  ASCII, so the index's `ascii` tokenizer keeps the
# letter and the stem in one token.
_FIRST = ord("a")


def level(frequency: int, length: int) -> int:
    """The level (1..LEVELS) of a stem found `frequency` times in a paragraph
    of `length` words: BM25's term-frequency part, scaled to 0..1.

    >>> level(1, 40), level(1, 10), level(3, 40), level(1, 400)
    (11, 16, 18, 3)
    """
    saturation = frequency / (frequency + K1 * (1 - B + B * length / LENGTH))
    return min(LEVELS, max(1, math.ceil(saturation * LEVELS)))


# The highest level of a stem found once (in the shortest paragraph): the
# levels above it are reached by repeats alone.
ONCE_HIGHEST = level(1, 0)


def letter(value: int) -> str:
    return chr(_FIRST + value - 1)


# A token the column never holds: past the last level's letter.
NEVER = letter(LEVELS + 1)
# The token of the first copy of each text (holders.py): no level's letter.
HOLDER = letter(LEVELS + 2)


def token(value: int, stem: str) -> str:
    """The impact index's token for a stem at a level.

    >>> token(11, "مملك")
    'kمملك'
    """
    return letter(value) + stem


_LEVEL_CACHE: dict[tuple[int, int], str] = {}


def _letter_for(frequency: int, length: int) -> str:
    key = (frequency, length)
    found = _LEVEL_CACHE.get(key)
    if found is None:
        found = _LEVEL_CACHE[key] = letter(level(frequency, length))
    return found


def impact_text(terms: str) -> str:
    """A paragraph's `impact` column, from its analyzed `terms` (see
    analyze.analyze_text): the letter of a stem's level when found once,
    then a token for each stem found more often.

    >>> impact_text("مملك عرب مملك")
    'r uمملك'
    """
    stems = terms.split()
    length = len(stems)
    once = _letter_for(1, length)
    repeated = [
        _letter_for(frequency, length) + stem for stem, frequency in Counter(stems).items() if frequency > 1
    ]
    return " ".join([once, *repeated])
