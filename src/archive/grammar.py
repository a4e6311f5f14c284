"""Counts in messages, in agreement with their number: "1 document",
"2 documents", "1 entry is", "3 entries are"."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """
    >>> counted(1, "document"), counted(3, "document"), counted(2, "entry", "entries")
    ('1 document', '3 documents', '2 entries')
    """
    return f"{number} {noun}" if number == 1 else f"{number} {plural or noun + 's'}"


def agreeing(number: int, singular: str, plural: str) -> str:
    """The words after a count that agree with it: `singular` for 1.

    >>> agreeing(1, "is", "are"), agreeing(0, "is", "are")
    ('is', 'are')
    """
    return singular if number == 1 else plural
