"""A reading of a typed query word: a word it may be a form of, and what
the index must show for that (bases.py finds them, expand.py expands them)."""

from __future__ import annotations

from typing import NamedTuple

# A base has at least this many letters: two-letter "bases" are mostly
# the radicals of another word (سنين is not سن + ين).
SHORTEST_BASE = 3

# The commonest article groups: each is one more word to check per noun.
ARTICLE_CLITICS = ("وال", "بال", "لل")


class Reading(NamedTuple):
    """A word the typed one may be a form of, and what the index must show
    for that: at least one written word of each `present` group, and no
    `absent` group whole (written words, as the `exact` column holds them;
    a group of two needs both, so that one misspelling decides nothing);
    for each (more, than, share) of `outnumber`, the written word `more` in
    at least `share` times as many paragraphs as `than`."""

    base: str
    present: tuple[frozenset[str], ...] = ()
    absent: tuple[frozenset[str], ...] = ()
    outnumber: tuple[tuple[str, str, float], ...] = ()
    # Taken where the index's counts are not known (no index, or a look-up
    # that gives none): what the reading was before counts decided it.
    presumed: bool = False
    # Not for a word typed with ة: its final ه is then that ة, not a
    # pronoun (خبرة is experience, not خبر + ه).
    not_if_ta: bool = False
    # Which of the base's forms it stands for (expand.reading_expansion):
    # "" all; "bare" a name's or verb's, with a conjunction or preposition
    # only; "pronouns" a noun in ى's, written ا before a pronoun.
    forms: str = ""

    @property
    def certain(self) -> bool:
        """Taken whatever the index holds."""
        return not self.present and not self.absent and not self.outnumber

    def holds(self, indexed: set[str], counts: dict[str, int] | None = None) -> bool:
        """Whether an index holding these written words (in so many
        paragraphs: counts, needed by `outnumber`) shows this reading."""
        if self.outnumber and counts is None and not self.presumed:
            return False
        return (
            all(group & indexed for group in self.present)
            and not any(group <= indexed for group in self.absent)
            and (counts is None or all(
                counts.get(more, 0) >= share * counts.get(than, 0) for more, than, share in self.outnumber
            ))
        )

    def joined(self, other: Reading) -> Reading:
        """This reading's conditions and another's, for the other's base."""
        return other._replace(
            present=self.present + other.present,
            absent=self.absent + other.absent,
            outnumber=self.outnumber + other.outnumber,
        )

    def evidence(self) -> frozenset[str]:
        """The written words this reading is decided by."""
        return frozenset().union(*self.present, *self.absent)

    def counted(self) -> frozenset[str]:
        """The written words whose paragraphs it counts."""
        return frozenset(word for more, than, _ in self.outnumber for word in (more, than))
