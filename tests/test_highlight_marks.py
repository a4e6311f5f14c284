"""Highlighter.spans, which finds the marked words of a text in one pass,
marks what deciding each written word one by one would."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import analyze

_ALPHABET = st.sampled_from(
    list("قوات الرياض مدينة") + ["\u064e", "\u0651", "\u0640", "_", "\u200b", "ﷺ", "ﻻ", "é", "٣", "A", "\n", "-"]
)


_HIGHLIGHTED = [("قوات", False), ("الرياض", False), ("رياض*", False), ('"مدينة الرياض"', False),
                ("الرياض", True), ("A", False), ("ﻻ", False),
                # one of the words a ligature stands for (ﷺ: four of them)
                ("سلم", False)]


def _assert_same_marks(text):
    """Highlighter.spans finds a text's words in one pass and the marked ones
    again by str.find, and decides the usual word by its own code: the same
    as deciding each word that written_words() walks to, one by one."""
    from archive.highlight import Highlighter
    from archive.query import parse

    for words, exact in _HIGHLIGHTED:
        query = parse(words, exact=exact)
        kept = Highlighter(query)
        walked = [(start, start + len(word)) for word, start in analyze.written_words(text) if kept._marked(word)]
        assert kept.spans(text) == walked == Highlighter(query).spans(text)


@pytest.mark.parametrize("text", [
    "وقالت القوّاتُ والقوات قواتٍ قوات_",
    "الرياض،الرياض الرياضي ـالرياض الرياض",
    # more distinct marked words (for رياض*) than are looked for one by one
    " و".join(f"رياض{letter} {letter}رياض" for letter in "بتثجحخدذرزسش_") + " الرياض",
])
def test_marks_are_the_words_walked_one_by_one(text):
    _assert_same_marks(text)
    _assert_same_marks(text.replace("_", " "))


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_any_text_is_marked_as_walking_it_word_by_word(text):
    _assert_same_marks(text)
    _assert_same_marks(text.replace("_", ""))
