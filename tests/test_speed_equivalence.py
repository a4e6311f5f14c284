"""The import's fast analysis (pipeline.py) gives exactly the columns of the
straightforward path (analyze.exact_form / analyze.stemmed_form)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import analyze, pipeline, store
from archive.files import split_paragraphs
from conftest import SEEDS, SHARED_SEEDS


def _straightforward(text: str) -> tuple[str, str]:
    return analyze.stemmed_form(text), analyze.exact_form(text)


def _seed_paragraphs(folder) -> list[str]:
    paragraphs = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        paragraphs += split_paragraphs(text)
        # Whole text too: newlines, titles and all.
        paragraphs.append(text)
    return paragraphs


def _assert_same(paragraphs: list[str]) -> None:
    assert paragraphs
    for text in paragraphs:
        assert pipeline.analyze_paragraph(text) == _straightforward(text), text[:80]


def test_team_seeds_analyze_the_same():
    _assert_same(_seed_paragraphs(SEEDS))


def test_shared_article_analyzes_the_same():
    if not SHARED_SEEDS.is_dir():
        pytest.skip("../shared/seeds is not here")
    _assert_same(_seed_paragraphs(SHARED_SEEDS))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "وَالقُوّاتُ الأمريكيـــة",
        "snake_case و_القوات __x__ _",
        "ـــ \u0651\u064e ـ",  # only tatweel and marks: no word at all
        "ﷺ ﻻ ٢٠١٥ Café naïve",  # one character, several words; ligature; digits; accents
        "a\u200bb\u200fc مسؤولية\u200c",  # zero-width and bidi controls inside words
        "ﬁnance ＡＢＣ x²",  # NFKC folding of Latin forms
        "لـ\"الرياض\" (الرياض)، الرياض.",
    ],
)
def test_awkward_text_analyzes_the_same(text):
    _assert_same([text])


_ALPHABET = st.sampled_from(
    list("قوات الرياض مدينة") + ["\u064e", "\u0651", "\u0640", "_", "\u200b", "ﷺ", "ﻻ", "é", "٣", "A", "\n", "-"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_any_text_analyzes_the_same(text):
    _assert_same([text])


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_unicode_analyzes_the_same(text):
    _assert_same([text])


def test_full_cache_is_cleared_and_still_right(monkeypatch):
    monkeypatch.setattr(pipeline, "CACHE_WORDS", 5)
    pipeline._exact.clear()
    pipeline._terms.clear()
    paragraphs = _seed_paragraphs(SEEDS)
    _assert_same(paragraphs)
    assert len(pipeline._exact) <= 5 + max(len(analyze.words(p)) for p in paragraphs)


def test_stored_rows_match_the_straightforward_path(seeds_db):
    import sqlite_utils

    db = sqlite_utils.Database(seeds_db)
    rows = list(db.query("select text, terms, exact from paragraphs"))
    assert rows
    for row in rows:
        assert (row["terms"], row["exact"]) == _straightforward(row["text"])


def test_paragraph_rows_columns():
    rows = store.paragraph_rows(7, ["وَالقُوّاتُ الأمريكيـــة", "twitter users"])
    assert [r["number"] for r in rows] == [1, 2]
    assert rows[0]["exact"] == "والقوات الامريكيه"
    assert rows[0]["terms"] == analyze.stemmed_form("وَالقُوّاتُ الأمريكيـــة")
    assert rows[1]["terms"] == "twitter user"
    assert rows[0]["fingerprint"] != rows[1]["fingerprint"]
