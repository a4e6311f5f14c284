"""The analyzer: normalization, tokenization, stemming and query expansion."""

import sqlite3

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from archive import analyze, stemmer
from archive.index import INDEX_TOKENIZER
from archive.analyze import (
    analyze_text,
    normalize,
    stem,
    tokenize,
    words,
)
from archive.expand import expand, expansion


def exact_form(text: str) -> str:
    return analyze_text(text)[1]


def stemmed_form(text: str) -> str:
    return analyze_text(text)[0]


def analyzed(word: str) -> str:
    return stem(normalize(word))


# --- normalization ----------------------------------------------------------


@pytest.mark.parametrize(
    "written, normalized",
    [
        ("مُحَمَّدٌ", "محمد"),  # harakat
        ("القرآنِ", "القران"),  # madda, kasra
        ("هٰذا", "هذا"),  # superscript alef U+0670
        ("روبرـــــت", "روبرت"),  # tatweel
        ("أحمد إبراهيم آمنة ٱلله", "احمد ابراهيم امنه الله"),  # alef forms
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("مدرسة", "مدرسه"),  # teh marbuta
        ("مسؤول مسئول", "مسئول مسئول"),  # hamza carriers fold together
        ("ماء مائة", "ماء مائه"),  # but not onto the bare hamza
        ("\ufefb", "لا"),  # lam-alef ligature (presentation form)
        ("\ufe8e\ufe91", "اب"),  # isolated/initial presentation forms
        ("٢٠١٥ ۲۰۱۵", "2015 2015"),  # Arabic-Indic and Persian digits
        ("ی ک", "ي ك"),  # Persian yeh and kaf
        ("سل\u200cام\u200f", "سلام"),  # zero-width non-joiner, RLM
        ("\u202bنص\u202c", "نص"),  # bidi embedding controls
        ("Café ÉTÉ", "cafe ete"),  # Latin: casefold, accents
        ("ﷺ", "صلي الله عليه وسلم"),  # a ligature that is a whole phrase
    ],
)
def test_normalize(written, normalized):
    assert normalize(written) == normalized


def test_quranic_marks_removed():
    marks = "".join(chr(c) for c in range(0x06D6, 0x06EE))
    assert normalize("كتاب" + marks) == "كتاب"


# --- tokenization -----------------------------------------------------------


def test_vocalized_word_stays_whole():
    """Stock FTS5 splits مُحَمَّد into four letters; our tokenizer must not."""
    assert words("قالَ مُحَمَّدٌ") == ["قال", "محمد"]


def test_stock_fts5_would_split_vocalized_words():
    """Why we normalize first: pin the behaviour of the tokenizer we rely on."""
    db = sqlite3.connect(":memory:")
    db.execute("create virtual table t using fts5(x)")
    db.execute("insert into t values (?)", ["مُحَمَّد"])
    db.execute("insert into t values (?)", [exact_form("مُحَمَّد")])
    assert db.execute("select count(*) from t where t match '\"محمد\"'").fetchone()[0] == 1


def test_token_spans_point_into_original_text():
    text = "وَالقُوّاتُ، Forces!"
    spans = [(t.text, text[t.start:t.end]) for t in tokenize(text)]
    assert spans == [("والقوات", "وَالقُوّاتُ"), ("forces", "Forces")]


def test_tatweel_joined_prefix_is_a_separate_word():
    # لـ"الجزيرة": the quote mark splits, the tatweel stays in the first word
    assert words('لـ"الجزيرة"') == ["ل", "الجزيره"]


def _fts5_tokens(tokenizer: str, column: str) -> list[str]:
    db = sqlite3.connect(":memory:")
    db.execute(f"create virtual table t using fts5(x, tokenize='{tokenizer}')")
    db.execute("insert into t values (?)", [column])
    db.execute("create virtual table v using fts5vocab(t, 'instance')")
    return [row[0] for row in db.execute("select term from v order by offset")]


@pytest.mark.parametrize("tokenizer", ["unicode61", INDEX_TOKENIZER])
def test_derived_columns_only_hold_tokens_fts5_keeps_whole(tokenizer):
    text = "قالَ المُتَحَدِّثُ: إنّ ٣ سفنٍ وصلت (machine-learning) ﷺ Straße İstanbul ǅ"
    for column in (exact_form(text), stemmed_form(text)):
        assert _fts5_tokens(tokenizer, column) == column.split()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_index_tokenizer_cuts_any_analyzed_text_into_its_words(text):
    """Whatever the text, the index holds exactly the analyzed words.  (Not so
    unicode61, whose tables predate letters such as U+19B0: it splits there.)"""
    for column in (exact_form(text), stemmed_form(text)):
        assert _fts5_tokens(INDEX_TOKENIZER, column) == column.split()


def test_unicode61_splits_letters_newer_than_its_tables():
    column = exact_form("\u19b0")
    assert column == "\u19b0" and _fts5_tokens("unicode61", column) == []
    assert _fts5_tokens(INDEX_TOKENIZER, column) == ["\u19b0"]


# --- stemming: the published Lucene test pairs ------------------------------


@pytest.mark.parametrize(
    "forms, expected",
    [
        (["الحسن", "والحسن", "بالحسن", "كالحسن", "فالحسن", "وحسن"], "حسن"),
        (["للاخر"], "اخر"),
        (["زوجها"], "زوج"),
        (["ساهدات", "ساهدون", "ساهدين", "ساهدة", "وساهدون"], "ساهد"),
    ],
)
def test_lucene_pairs(forms, expected):
    assert {analyzed(f) for f in forms} == {expected}


# --- stemming: where Lucene fails -------------------------------------------


@pytest.mark.parametrize(
    "noun, forms",
    [
        ("مدينة", ["مدينته", "مدينتها", "مدينتهم", "المدينة", "ومدينتنا", "مدينتين"]),
        ("دولة", ["دولته", "دولتهم", "الدولة", "والدولة", "للدولة", "دولتين"]),
        ("حكومة", ["حكومته", "الحكومات", "حكوماتها", "والحكومة"]),
    ],
)
def test_teh_marbuta_nouns_before_pronouns(noun, forms):
    assert {analyzed(f) for f in forms} == {analyzed(noun)}


@pytest.mark.parametrize(
    "noun, adjective",
    [("دولة", "دولية"), ("شخص", "شخصية"), ("دولة", "الدولي"), ("شخص", "شخصيات")],
)
def test_noun_and_nisba_adjective_stay_apart(noun, adjective):
    assert analyzed(noun) != analyzed(adjective)
    assert analyzed(adjective) not in expand(normalize(noun))


def test_nisba_forms_meet():
    assert {analyzed(w) for w in ["دولي", "دولية", "الدولية", "الدوليين", "دوليون"]} == {"دولي"}


def test_name_of_god_is_not_stemmed_into_a_preposition():
    assert analyzed("الله") != analyzed("له")
    assert analyzed("عليه") != analyzed("علي")


def test_short_words_keep_their_letters():
    # ال/و/ان removal needs enough letters left
    assert analyzed("الف") == "الف"
    assert analyzed("وقت") == "وقت"
    assert analyzed("بيان") == "بيان"
    assert analyzed("بيتها") == "بيت"


def test_english_words_get_snowball():
    assert stem("running") == stem("runs") == "run"
    assert stemmed_form("The Translations") == "the translat"


# --- query expansion --------------------------------------------------------


@pytest.mark.parametrize(
    "query, written",
    [
        ("قوات", ["القوات", "للقوات", "وقوات", "بقوات", "قواتها", "وللقوات", "قواتنا"]),
        ("وزير", ["الوزير", "ووزير", "للوزير", "وزيرها", "لوزير", "فالوزير"]),
        ("مواطن", ["المواطنين", "مواطنون", "للمواطنين", "بمواطن", "المواطنة"]),
        ("مدرسة", ["المدرسة", "مدرستها", "مدرستين", "بمدرسة", "ومدرستنا", "لمدرستنا"]),
    ],
)
def test_expansion_covers_ordinary_forms(query, written):
    terms, forms = expansion(normalize(query))
    for form in written:
        assert analyzed(form) in terms or normalize(form) in forms, form


def test_forms_whose_stem_is_another_words_are_looked_up_as_written():
    # للجنة (to the committee) is stemmed like للجنة (to paradise): جنه
    terms, forms = expansion(normalize("لجنة"))
    assert analyzed("الجنة") not in terms
    assert normalize("للجنة") in forms


def test_expansion_is_the_same_for_every_spelling_of_a_word():
    spellings = ["مدرسة", "مدرسه", "مَدْرَسَةٌ", "مدرســة"]
    assert len({expand(normalize(s)) for s in spellings}) == 1


def test_expansion_does_not_reach_nisba_adjectives():
    assert analyzed("الدولية") not in expand(normalize("دولة"))
    assert analyzed("شخصي") not in expand(normalize("شخص"))


@pytest.mark.parametrize(
    "place, other",
    [("الرياض", "الرياضة"), ("جامع", "جامعة"), ("منطق", "منطقة"), ("طريق", "طريقة")],
)
def test_feminine_nouns_that_are_other_words_stay_apart(place, other):
    assert analyzed(place) != analyzed(other)
    assert analyzed(other) not in expand(normalize(place))
    assert analyzed(place) not in expand(normalize(other))
    # and their own forms still meet
    assert analyzed(other) == analyzed(other[:-1] + "اتها")


# --- the stemmer's affix look-ups ---------------------------------------------


def _article_one_by_one(word: str) -> str:
    """_strip_article as the rule reads: each article group, longest first."""
    for prefix in stemmer.ARTICLES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix):]
    if word.startswith("و") and len(word) >= 4:
        return word[1:]
    return word


def _pronoun_one_by_one(word: str) -> tuple[str, bool]:
    """_strip_pronoun as the rule reads: each pronoun, longest first."""
    for pronoun in stemmer.PRONOUNS:
        least = 4 if pronoun == "ه" else 2
        if word.endswith(pronoun) and stemmer._core_length(word) - len(pronoun) >= least:
            return stemmer._feminine(word[: -len(pronoun)]), True
    return word, False


# Words made of the letters the affixes are made of, and a few others.
_AFFIX_LETTERS = st.text(alphabet="والبكفلهمانيتدر", max_size=9)


@settings(max_examples=2000, deadline=None)
@given(_AFFIX_LETTERS)
def test_affixes_are_found_as_the_rules_read(word):
    assert stemmer._strip_article(word) == _article_one_by_one(word)
    assert stemmer._strip_pronoun(word) == _pronoun_one_by_one(word)


# The written forms a query's expansion stems together: clitics and
# article groups before words kept whole (وزير, الوان), the name of God,
# على's pronoun forms, numbers with a letter attached, Latin.
_FORMS = st.lists(
    st.tuples(
        st.sampled_from(stemmer.CLITICS + stemmer.ARTICLES),
        st.sampled_from(["وزير", "الوان", "الله", "عليه", "2015م", "100", "running", "قوات", "ان", ""])
        | st.text(alphabet="والبكفلهمانيتدرةئءؤ1a", min_size=1, max_size=8),
    ).map("".join),
    max_size=40,
)


@settings(max_examples=1500, deadline=None)
@given(_FORMS)
def test_words_stemmed_together_stem_as_each_alone(words):
    """stem_all() shares the work of words one rest behind different article
    groups (والوزير, بالوزير), and gives what stem() gives each."""
    words = [word for word in words if word]
    assert analyze.stem_all(words) == [analyze._stem(word) for word in words]


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=12) | st.text(st.characters(min_codepoint=0x600, max_codepoint=0x6FF), max_size=12))
def test_word_parts_of_plain_letters_take_the_short_way(word):
    expected = tuple(analyze._NORMALIZED_WORD.findall(normalize(word))) if analyze._REMOVE.sub("", word) else ()
    assert analyze.word_parts(word) == expected


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="والبكفلهمانيتدرةئءؤأإآى", min_size=1, max_size=10))
def test_a_plain_words_stem_is_inside_it_but_a_last_letter_the_stemmer_made(word):
    """What stem_counts() relies on to leave words unanalyzed: a last ه
    made from ت or ات follows the rest of the stem as ت or ا, a ء made from
    ئ as ئ."""
    if analyze._NORMALIZED_ARABIC.fullmatch(word):
        stem = stemmer.stem_arabic(word)
        assert any(held in word for held in analyze.holding(stem))


def test_a_word_is_analyzed_for_a_made_last_letter_only_where_it_could_be_made():
    """A stem ending in a ه the stemmer may have made (يه: اليه) is looked
    for as يه, يت or يا, not as every word holding ي; a stem holding
    another (ففي, في) adds nothing to look for."""
    pattern = analyze._holding(frozenset(["يه", "في", "ففي"]))
    assert analyze._words_holding(pattern, "كبير عليه بيت كيان سوريا ففيها") == ["عليه", "بيت", "كيان", "سوريا", "ففيها"]
    assert analyze._words_holding(pattern, "كبير ومدير") == []
    assert sorted(pattern.pattern.split("|")) == sorted(["في", "يه", "يت", "يا"])


# Texts of plain letters, letters normalization folds (the Persian ones and
# wasla too, which are not plain), marks, tatweel, digits, Latin, ligatures
# and punctuation.
_MIXED_TEXT = st.lists(
    st.text(alphabet="والبكفلهمانيتدرةئءؤأإآىیکٱَُِّـ١2aBﷺﻻ", min_size=1, max_size=8), max_size=25
).map(" ".join)


@settings(max_examples=500, deadline=None)
@given(_MIXED_TEXT, st.lists(st.text(alphabet="والبكفلهمانيتدرةئءؤأإى2aB", min_size=1, max_size=7), max_size=4),
       st.booleans())
def test_stem_counts_are_the_analyzed_texts_counts(text, others, cached):
    """The stems counted without analyzing every word, as a full analysis
    counts them, whether the text's words were analyzed before or not."""
    terms = analyze_text(text)[0].split()
    stems = frozenset(terms[::3]) | {analyze.stem(word) for word in others}
    if not cached:
        analyze._young.clear()
        analyze._old.clear()
    counts, length = analyze.stem_counts(text, stems)
    assert length == len(terms)
    assert counts == {stem: terms.count(stem) for stem in stems if stem in terms}


@settings(max_examples=5000, deadline=None)
@given(st.sampled_from("بكلف"), st.text(alphabet="والبكفلهمانيتدرةئءؤتا", min_size=1, max_size=9)
       | st.sampled_from(sorted(stemmer.FEMININE_KEPT)).flatmap(
           lambda kept: st.sampled_from(["", "ه", "ها", "تها", "ات", "اتهم", "ين"]).map(lambda end: kept + end)))
@example("ب", "زات")
@example("ل", "ماتهم")
@example("ف", "بدولته")
def test_a_rest_behind_one_more_letter_stems_as_that_letter_and_its_stem(lead, rest):
    """What stem_arabic_all shares between a base's forms: where it takes a
    rest's stem as a ب ك ل ف and the stem of the rest behind it, the stemmer
    alone gives the same."""
    rests: dict[str, str] = {}
    assert stemmer._stem_rest_sharing(lead + rest, rests) == stemmer._stem_rest(lead + rest)
    assert all(stemmer._stem_rest(shorter) == stem for shorter, stem in rests.items())


def test_no_word_kept_with_its_ta_begins_with_a_letter_the_length_rules_discount():
    """A ب ك ل ف in front and the stem behind it never spell a word kept
    with its ة, which stem_arabic_all's sharing relies on."""
    assert not [word for word in stemmer.FEMININE_KEPT if word[:1] in "بكلف"]
