"""The analysis chain's fast path (analyze_text, with its cache of analyzed
words, which the import runs on every paragraph) gives exactly what the
straightforward path gives: each written word normalized and stemmed on its
own, on real and on arbitrary text, whichever generation of the cache the
words come from."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import analyze, pipeline
from archive.analyze import analyze_text, analyze_word
from archive.paragraphs import split_paragraphs
from conftest import SEEDS, SHARED_SEEDS

_WORD = re.compile(f"(?:{analyze.WORD_CHARACTER})+")


def _reference_tokenize(text: str) -> list[tuple[str, int, int]]:
    """tokenize() as first written: the runs of word characters, each
    normalized on its own and cut into words."""
    return [
        (part, match.start(), match.end())
        for match in _WORD.finditer(text)
        for part in re.findall(r"[^\W_]+", analyze.normalize(match.group()))
    ]


def _straightforward(text: str) -> tuple[str, str]:
    words = [token[0] for token in _reference_tokenize(text)]
    return " ".join(analyze.stem(w) for w in words), " ".join(words)


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
        expected = _straightforward(text)
        assert analyze_text(text) == expected, text[:80]
        assert [tuple(token) for token in analyze.tokenize(text)] == _reference_tokenize(text), text[:80]


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


@pytest.fixture
def small_cache(monkeypatch):
    """A cache of a few words, empty: its generations turn over all the time."""
    monkeypatch.setattr(analyze, "CACHE_WORDS", 6)
    monkeypatch.setattr(analyze, "_young", {})
    monkeypatch.setattr(analyze, "_old", {})


def test_a_small_cache_turning_over_analyzes_the_same(small_cache):
    paragraphs = _seed_paragraphs(SEEDS)
    _assert_same(paragraphs)
    _assert_same(paragraphs[::-1])
    # Bounded: a generation is cleared when full (the words of the paragraph
    # in hand may overfill it meanwhile).
    assert len(analyze._young) <= 3 + max(len(analyze.words(p)) for p in paragraphs)


def test_a_word_analyzes_the_same_from_every_generation(small_cache):
    """New, then from the young generation, then moved back from the old
    one, then analyzed again once dropped: the same (exact, terms)."""
    words = ["وَالقُوّاتُ", "Running", "ﷺ", "ـــ", "الرياض", "مسؤولية", "x²"]
    fresh = [analyze_word(word) for word in words]
    assert fresh == [analyze_word(word) for word in words]
    for word, pair in zip(words, fresh):
        assert pair == (
            " ".join(analyze.words(word)),
            " ".join(analyze.stem(w) for w in analyze.words(word)),
        )
    filler = [f"word{number}" for number in range(20)]
    for word in filler[:4]:  # words on their way to the old generation
        analyze_word(word)
    assert [analyze_word(word) for word in words] == fresh
    for word in filler:  # long enough for every word to be dropped
        analyze_word(word)
    assert [analyze_word(word) for word in words] == fresh
    assert [analyze_text(" ".join(words))] == [_straightforward(" ".join(words))]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_ALPHABET, max_size=12).map("".join), max_size=8))
def test_texts_analyze_the_same_whatever_the_cache_holds(texts):
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(analyze, "CACHE_WORDS", 4)
        _assert_same(texts + texts[::-1] or [""])


def test_index_holds_the_straightforward_analysis(seeds_db):
    """Term by term, the index is what the straightforward path gives."""
    import sqlite3
    from collections import Counter

    conn = sqlite3.connect(seeds_db)
    texts = [text for (text,) in conn.execute("select text from paragraphs")]
    assert texts
    expected = Counter()
    for text in texts:
        terms, exact = _straightforward(text)
        expected.update(("terms", term) for term in terms.split())
        expected.update(("exact", word) for word in exact.split())
    conn.execute("create virtual table temp.v using fts5vocab(main, paragraphs_fts, col)")
    indexed = Counter(
        {(col, term): count for term, col, count in conn.execute("select term, col, cnt from temp.v where col != 'impact'")}
    )
    assert indexed == expected


def test_analyzed_paragraphs():
    from archive.impact import impact_text

    analyzed = pipeline.analyze_paragraphs(["وَالقُوّاتُ الأمريكيـــة", "twitter users"])
    assert analyzed[0][:2] == ("قوه امريكي", "والقوات الامريكيه")
    assert analyzed[1][:2] == ("twitter user", "twitter users")
    assert analyzed[0][2] == impact_text("قوه امريكي")
    assert analyzed[0][3] != analyzed[1][3]  # fingerprints
    assert pipeline.analyze_paragraphs(["والقوات الأمريكية"])[0][3] == analyzed[0][3]


# Prefixes as a query writes them, behind their leads: normalized letters,
# and a few a written word only reaches through folding or marks.
_PREFIXES = [("ال",), ("ا",), ("و",), ("م", "وم", "بالم"), ("مدين", "المدين"), ("اقت",), ("ري", "الري")]
_PREFIX_ALPHABET = st.sampled_from(
    list("الم مدينة اقتري وزير") + ["أ", "إ", "آ", "ى", "ة", "\u064e", "\u0651", "\u0654", "\u0640", "_", "\u200b",
                               "ﻻ", "ﺍ", "٣", "A", "\n", "-"]
)


def _starting_a_word(text: str, starts: tuple[str, ...]) -> bool:
    """Whether a word of the text, normalized, starts with a prefix: each
    written word's normalized words, walked one by one."""
    return any(part.startswith(starts) for word, _ in analyze.written_words(text) for part in analyze.word_parts(word))


def _assert_prefix_test_is_the_walk(text: str) -> None:
    from archive.prefixes import PrefixFilter

    for starts in _PREFIXES:
        walked = _starting_a_word(text, starts)
        found = analyze.plain_words_starting(starts)
        # The pattern finds a word only where the walk does; the tests of a
        # prefix held or excluded (which try it first) decide as the walk does.
        assert not (found and found.search(text)) or walked
        assert PrefixFilter(rest=None, needed=[], barred=[starts]).holds(text) is not walked
        assert PrefixFilter(rest=None, needed=[starts], barred=[]).holds(text) is walked


@pytest.mark.parametrize("text", [
    "و\u0654زير",  # the hamza makes ؤ, which folds to ئ: no word starts with و
    "قال الوَزير", "أمير", "إلى المدينة", "x_الوزير", "٣الوزير", "ﺍﻟﻮﺯﻳﺮ", "\u200bالوزير", "مدينة_ري",
])
def test_a_prefix_is_tested_as_walking_the_words_of_odd_text(text):
    _assert_prefix_test_is_the_walk(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PREFIX_ALPHABET, max_size=40).map("".join))
def test_a_prefix_is_tested_as_walking_the_words(text):
    _assert_prefix_test_is_the_walk(text)


def test_a_prefix_is_tested_as_walking_the_words_of_real_text():
    for text in _seed_paragraphs(SEEDS):
        _assert_prefix_test_is_the_walk(text)
