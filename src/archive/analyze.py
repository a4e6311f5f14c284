"""Text analysis: normalize → tokenize → stem, shared by import, search and Datasette.

Everything that turns text into index terms lives here, so the words stored at
import time and the words looked up at query time always go through the same
steps.  A written word's analysis is analyze_word(): its normalized form(s)
and their stems.  Each paragraph is indexed in two analyzed forms, both plain
space-separated words that SQLite's stock FTS5 tokenizers keep whole, which
analyze_text() gives as (terms, exact):

* ``exact``: every word normalized (marks, tatweel, letter variants folded)
* ``terms``: every word normalized and light-stemmed

>>> analyze_text("وَالقُوّاتُ الأمريكيـــة")
('قوه امريكي', 'والقوات الامريكيه')

Query words are expanded into all their ordinary written forms (prefixes and
suffixes), and each form is stemmed, so a word whose stem the stemmer cannot
guess consistently (وزير against الوزير) is still found in all its forms.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from functools import lru_cache
from typing import Iterator, NamedTuple

import Stemmer

# Bump whenever a change below alters the terms produced for some text:
# databases built by another version need `archive rebuild`.
ANALYZER_VERSION = "3"


def environment() -> dict[str, str]:
    """What decides the terms besides this module's code: the Unicode tables
    (what is a letter, what NFKC folds) and the Snowball stemmers, which a new
    Python or PyStemmer may change.

    >>> sorted(environment())
    ['stemmer_version', 'unicode_version']
    """
    return {"unicode_version": unicodedata.unidata_version, "stemmer_version": Stemmer.version()}


# --- normalize --------------------------------------------------------------

# Arabic marks that writers add or omit freely: harakat, superscript alef and
# Quranic annotation signs.  Tatweel (U+0640) only stretches a word.
_ARABIC_MARKS = "\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
# Zero-width and bidirectional controls, invisible in text and never meaningful
# inside a word.
_INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_REMOVE = re.compile(f"[{_ARABIC_MARKS}{_INVISIBLE}]")

_LETTER_MAP = str.maketrans(
    {
        # alef with hamza above/below, madda, wasla: all written as bare alef by many
        "\u0623": "\u0627",
        "\u0625": "\u0627",
        "\u0622": "\u0627",
        "\u0671": "\u0627",
        # alef maqsura is written as yeh and the other way round
        "\u0649": "\u064a",
        # teh marbuta is often written as heh
        "\u0629": "\u0647",
        # hamza on waw and on yeh spell the same word in different house styles
        # (مسؤول / مسئول): both fold to the bare hamza
        "\u0624": "\u0621",
        "\u0626": "\u0621",
        # Persian letters used in Arabic text
        "\u06cc": "\u064a",
        "\u06a9": "\u0643",
        "\u06c0": "\u0647",
        "\u06c1": "\u0647",
        "\u06d5": "\u0647",
        # Arabic-Indic and Persian digits
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)


# The Arabic letters hamza to yeh, without tatweel (U+0640): NFKC, NFD and
# casefold leave them as they are, and only the letter map changes some.
_PLAIN_ARABIC = re.compile("[\u0621-\u063f\u0641-\u064a]+")
# Those of them that the letter map leaves alone too: a word of these is
# already normalized (أ إ آ ؤ ئ ة ى are folded).
_NORMALIZED_ARABIC = re.compile("[\u0621\u0627\u0628\u062a-\u063f\u0641-\u0648\u064a]+")


def normalize(text: str) -> str:
    """Fold the ways of writing the same word into one.

    >>> normalize("مُحَمَّد")
    'محمد'
    >>> normalize("إسلامـــيّة")
    'اسلاميه'
    >>> normalize("مسؤولية مسئولية")
    'مسءوليه مسءوليه'
    >>> normalize("٢٠١٥ ﻻ Café")
    '2015 لا cafe'
    """
    if _PLAIN_ARABIC.fullmatch(text):
        # Most words: letters that no step below changes but the letter map
        # (a shortcut for the import, which normalizes every distinct word).
        return text.translate(_LETTER_MAP)
    # NFKC folds presentation forms and ligatures (ﻻ → لا) before anything else.
    text = unicodedata.normalize("NFKC", text)
    text = _REMOVE.sub("", text)
    text = text.translate(_LETTER_MAP)
    if not text.isascii():
        # Remaining combining marks (Latin accents, stray marks) go too: a
        # word is the same with or without them.
        decomposed = unicodedata.normalize("NFD", text)
        text = unicodedata.normalize(
            "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
        )
    return text.casefold()


# --- tokenize ---------------------------------------------------------------

# A word is a run of letters and digits (what FTS5's tokenizers keep together), with
# the marks and invisible characters that normalize() deletes allowed inside it,
# so that a vocalized word stays one word.
WORD_CHARACTER = rf"[^\W_]|[{_ARABIC_MARKS}{_INVISIBLE}\u0300-\u036f]"
_WORD = re.compile(rf"(?:{WORD_CHARACTER})+")
_NORMALIZED_WORD = re.compile(r"[^\W_]+")


class Token(NamedTuple):
    """A word of the original text: its normalized form and where it stands."""

    text: str
    start: int
    end: int


# The same runs as _WORD, found several times faster: one character class,
# then a cut at each underscore (a word character to \w, a separator to
# FTS5).
_RUN = re.compile(rf"[\w{_ARABIC_MARKS}{_INVISIBLE}\u0300-\u036f]+")


def written_words(text: str) -> Iterator[tuple[str, int]]:
    """The runs that _WORD finds, with their start offsets."""
    for match in _RUN.finditer(text):
        word = match.group()
        if "_" not in word:
            yield word, match.start()
            continue
        start = match.start()
        for piece in word.split("_"):
            if piece:
                yield piece, start
            start += len(piece) + 1


def raw_words(text: str) -> list[str]:
    """The words of written_words(), without their offsets.

    >>> raw_words("قال_الناطق: ١٢ x")
    ['قال', 'الناطق', '١٢', 'x']
    """
    found = _RUN.findall(text)
    if "_" in text:
        found = [piece for run in found for piece in run.split("_") if piece]
    return found


@lru_cache(maxsize=100_000)
def word_parts(word: str) -> tuple[str, ...]:
    """The normalized words that one written word stands for: usually one,
    none for marks alone, several for a ligature such as ﷺ.

    >>> word_parts("وَالقُوّاتُ"), word_parts("ـــ"), len(word_parts("ﷺ"))
    (('والقوات',), (), 4)
    """
    return _word_parts(word)


def _word_parts(word: str) -> tuple[str, ...]:
    if _PLAIN_ARABIC.fullmatch(word):
        # Most written words: letters only, which stay one word.
        return (word.translate(_LETTER_MAP),)
    if not _REMOVE.sub("", word):
        return ()
    return tuple(_NORMALIZED_WORD.findall(normalize(word)))


def tokenize(text: str) -> Iterator[Token]:
    """Split original text into normalized words, with their character spans.

    >>> [tuple(t) for t in tokenize("قالَ: «القُوّات»")]
    [('قال', 0, 4), ('القوات', 7, 15)]
    """
    for word, start in written_words(text):
        end = start + len(word)
        for part in word_parts(word):
            yield Token(part, start, end)


def words(text: str) -> list[str]:
    """Normalized words of a text.

    >>> words("وَقالَ الرئيسُ")
    ['وقال', 'الرءيس']
    """
    return [token.text for token in tokenize(text)]


# --- stem -------------------------------------------------------------------

_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_LATIN_LETTER = re.compile("[a-z]")
_english = Stemmer.Stemmer("english")

# Article groups, longest first: conjunction و/ف, preposition ب/ك/ل, then ال
# (ل + ال is written لل).  Only one group is removed.
_ARTICLE_PREFIXES = (
    "وبال", "وكال", "فبال", "فكال", "ولل", "فلل",
    "وال", "فال", "بال", "كال", "لل", "ال",
)
# Attached pronouns, longest first.  Single ك (your) and ي (my) are left alone:
# too many words end in those letters (ملك, شريك, كرسي).
_PRONOUNS = ("هما", "كما", "هم", "هن", "ها", "كم", "كن", "نا", "ه")
# Words the rules would damage: the name of God would become له (for him), and
# على + pronoun would meet the name علي.
_UNSTEMMED = frozenset(
    ["الله", "لله", "والله", "بالله", "فالله", "تالله"]
    + ["علي" + p for p in ("ه", "ها", "هم", "هما", "هن", "ك", "كم", "كما", "كن", "نا")]
)


# Stems that are a common word of their own, different from the ة-noun that
# would otherwise be stemmed to them: الرياض (Riyadh) is not رياضة (sport),
# جامع (mosque) not جامعة (university).  Their ة stays, as ه.  Taken from the
# most frequent such pairs in two months of Saudi news.
_FEMININE_KEPT = frozenset(
    ["رياض", "جامع", "منطق", "مدين", "طريق", "سلام", "مساعد", "قاعد", "عاصم",
     "مكتب", "مدرس", "امان", "محكم", "مءسس", "مجموع", "ادار", "عملي"]
)


def stem_arabic(word: str) -> str:
    """Light-stem a normalized Arabic word: one article group, one pronoun,
    one number suffix.

    >>> [stem_arabic(w) for w in ["والحسن", "بالحسن", "وحسن", "للاخر", "زوجها"]]
    ['حسن', 'حسن', 'حسن', 'اخر', 'زوج']
    >>> [stem_arabic(normalize(w)) for w in ["حكومة", "حكومتها", "دولة", "دولتهم", "دولية"]]
    ['حكوم', 'حكوم', 'دوله', 'دوله', 'دولي']
    >>> [stem_arabic(normalize(w)) for w in ["الرياض", "الرياضة", "رياضتها"]]
    ['رياض', 'رياضه', 'رياضه']
    """
    if word in _UNSTEMMED:
        return word
    bare = _strip_article(word)
    word, had_pronoun = _strip_pronoun(bare)
    word = _strip_number(word, had_pronoun)
    kept = word in _FEMININE_KEPT or (word[:1] in ("ب", "ك", "ل", "ف") and word[1:] in _FEMININE_KEPT)
    if kept and bare.startswith(word):
        removed = bare[len(word):]
        if removed == "ه" or removed.startswith(("ت", "ات")):
            return word + "ه"
    return word


def _by_length(affixes: tuple[str, ...]) -> tuple[tuple[int, frozenset[str]], ...]:
    """Affixes grouped by length, longest first: at most one of each length
    starts (or ends) a word, so a set look-up per length finds it."""
    lengths = sorted({len(a) for a in affixes}, reverse=True)
    return tuple((n, frozenset(a for a in affixes if len(a) == n)) for n in lengths)


# The stemmer runs once per distinct word of an import (hundreds of
# thousands): set look-ups, not a startswith() per affix.
_ARTICLES_BY_LENGTH = _by_length(_ARTICLE_PREFIXES)
_PRONOUNS_BY_LENGTH = _by_length(_PRONOUNS)


def _strip_article(word: str) -> str:
    for length, prefixes in _ARTICLES_BY_LENGTH:
        if word[:length] in prefixes and len(word) - length >= 2:
            return word[length:]
    # Bare و (and): only on longer words, as و starts many words itself.
    if word.startswith("و") and len(word) >= 4:
        return word[1:]
    return word


def _core_length(word: str) -> int:
    """Length without a leading ب ك ل ف, which may be an attached preposition
    or conjunction that is never removed: length rules must decide the same for
    دولتها and بدولتها.

    >>> _core_length("بدولته"), _core_length("دولته")
    (5, 5)
    """
    return len(word) - 1 if word[:1] in ("ب", "ك", "ل", "ف") and len(word) > 3 else len(word)


def _strip_pronoun(word: str) -> tuple[str, bool]:
    for length, pronouns in _PRONOUNS_BY_LENGTH:
        if word[-length:] in pronouns:
            # A lone ه is also the folded ة: on a short word it is kept, so
            # that دولة (state) does not become دول (states, countries).
            least = 4 if word[-length:] == "ه" else 2
            if _core_length(word) - length >= least:
                return _feminine(word[:-length]), True
    return word, False


def _feminine(word: str) -> str:
    """Before a suffix, ة is written ت: مدينتها is مدينة + ها.  Turn that ت
    back into what the bare word stems to; two-letter words keep it (بيت)."""
    if not word.endswith("ت") or word.endswith("ات"):
        return word
    if _core_length(word) >= 5:
        return word[:-1]
    if _core_length(word) == 4:
        return word[:-1] + "ه"
    return word


def _strip_number(word: str, had_pronoun: bool) -> str:
    if word.endswith("ات") and len(word) >= 4:
        # Feminine plural: like ة, short words keep a ه in its place (قوات as قوة).
        return word[:-2] if _core_length(word) >= 6 else word[:-2] + "ه"
    if had_pronoun:
        # A pronoun drops the ن of ون/ين/ان (مواطنوها): nothing more to remove.
        return word
    for suffix in ("ون", "ين", "ان"):
        # At least four letters must stay: عشرين is not عشر, بيان not بي.
        if word.endswith(suffix) and _core_length(word) - len(suffix) >= 4:
            rest = word[:-2]
            # The dual of a ة-noun: دولتين, دولتان.
            return _feminine(rest) if suffix != "ون" else rest
    return word


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one normalized word: Arabic light stemming, English Snowball for
    Latin script, anything else as it is.

    >>> [stem(w) for w in ["الحسن", "running", "2015"]]
    ['حسن', 'run', '2015']
    """
    return _stem(word)


def _stem(word: str) -> str:
    if _ARABIC_LETTER.search(word):
        return stem_arabic(word)
    if _LATIN_LETTER.search(word):
        return _english.stemWord(word)
    return word


# --- a word's and a text's analysis, cached --------------------------------
#
# The import analyzes every paragraph, and a news corpus repeats a few hundred
# thousand written words millions of times: each distinct written word is
# analyzed once, and its (exact, terms) kept in a cache of two generations.
# When the young one is full it becomes the old one, the old one is dropped,
# and a word met again is moved from the old to the young one (a copy, not an
# analysis), so the words in use stay, and memory stays bounded.  The cache
# holds results of the uncached _word_parts and _stem: one copy of the
# vocabulary in memory, not two.

# Distinct written words kept analyzed, at most (the two generations together).
CACHE_WORDS = 50_000
# Written word → (exact, terms): its normalized form(s) and their stems, each
# joined by spaces ("" for a word that normalizes to nothing).  Most words are
# already normalized and their own stem: the three are then one string
# object.  One look-up gives both, as a look-up mostly waits for memory.
_young: dict[str, tuple[str, str]] = {}
_old: dict[str, tuple[str, str]] = {}


def analyze_word(raw: str) -> tuple[str, str]:
    """(exact, terms) of one written word: its normalized form(s) and their
    stems, each joined by spaces.

    >>> analyze_word("وَالقُوّاتُ"), analyze_word("Running")
    (('والقوات', 'قوه'), ('running', 'run'))
    """
    pair = _young.get(raw)
    return pair if pair is not None else _learn([raw])[0]


def _learn(raws: list[str]) -> list[tuple[str, str]]:
    """Every word's (exact, terms), analyzing those not seen yet.  The words
    in hand are looked up one by one, once: collecting the missing ones and
    looking them all up again costs as much as analyzing a new word."""
    global _young, _old
    if len(_young) >= CACHE_WORDS // 2:
        _old, _young = _young, {}
    young, known, old = _young, _young.get, _old.get
    found = []
    for raw in raws:
        pair = known(raw)
        if pair is None:
            pair = old(raw) or _analyze_word(raw)
            young[raw] = pair
        found.append(pair)
    return found


def _analyze_word(raw: str) -> tuple[str, str]:
    """(exact, terms) of one written word, uncached."""
    if _NORMALIZED_ARABIC.fullmatch(raw):
        # Most new words: Arabic letters that normalization leaves alone.
        terms = stem_arabic(raw)
        return raw, raw if terms == raw else terms
    parts = _word_parts(raw)
    if len(parts) == 1:  # nearly always
        exact = parts[0]
        terms = _stem(exact)
    else:
        exact = " ".join(parts)
        terms = " ".join([_stem(part) for part in parts])
    exact = raw if exact == raw else exact
    return exact, exact if terms == exact else terms


def analyze_text(text: str) -> tuple[str, str]:
    """(terms, exact) of a text: its words, normalized and stemmed, and
    normalized only, each joined by spaces (the index's two columns).

    >>> analyze_text("قال_الناطق ﷺ")
    ('قال ناطق صلي الله عليه سلم', 'قال الناطق صلي الله عليه وسلم')
    """
    raws = raw_words(text)
    if not raws:
        return "", ""
    # Every word's analysis in one call made in C: a tuple of (exact, terms),
    # or the one pair itself for a single word.
    look_up = operator.itemgetter(*raws)
    try:
        found = look_up(_young)
    except KeyError:
        found = _learn(raws)
        if len(raws) == 1:
            found = found[0]
    if len(raws) == 1:
        exact, terms = found
    else:
        exacts, stems = zip(*found)
        exact, terms = " ".join(exacts), " ".join(stems)
    # A word that normalizes to nothing (marks alone) left a space too many.
    if "  " in exact or exact[:1] == " " or exact[-1:] == " ":
        exact, terms = " ".join(filter(None, exact.split(" "))), " ".join(filter(None, terms.split(" ")))
    return terms, exact


# --- query expansion --------------------------------------------------------

# What a query word may be written with in front: conjunctions and
# prepositions ("" for none), and the article groups.
CLITICS = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك")
ARTICLES = _ARTICLE_PREFIXES
_NUMBER_SUFFIXES = ("ون", "ين", "ان", "ات", "ه")
_FEMININE_SUFFIXES = ("ه", "ات", "تان", "تين")


def _forms(word: str) -> set[str]:
    """The ordinary written forms of a normalized Arabic word, without prefixes."""
    pronouns = _PRONOUNS + ("ك",)
    forms = {word} | {word + p for p in pronouns}
    if word in _FEMININE_KEPT:
        # رياضه reads as رياضة (sport), not as "his gardens"
        forms.discard(word + "ه")
    if word.endswith("ه") and len(word) >= 3:
        # Written with teh marbuta (folded to ه): مدينة → مدينته, مدينات.
        base = word[:-1]
        forms |= {base + s for s in _FEMININE_SUFFIXES}
        forms |= {base + "ت" + p for p in pronouns}
    elif word in _FEMININE_KEPT:
        # Its ة-form is another word (رياض, رياضة): only plurals of its own.
        forms |= {word + s for s in ("ون", "ين", "ان")}
    else:
        forms |= {word + s for s in _NUMBER_SUFFIXES}
        forms |= {word + "ت" + p for p in _PRONOUNS}
        # Plural construct before a pronoun: معلموها, معلميها.
        forms |= {word + "و" + p for p in _PRONOUNS}
    return forms


class Expansion(NamedTuple):
    """What a query word stands for in the index."""

    terms: frozenset[str]  # stems, looked up in the `terms` column
    forms: frozenset[str]  # written forms, looked up in the `exact` column


@lru_cache(maxsize=4096)
def expansion(word: str) -> Expansion:
    """The ordinary written forms of a query word, as index look-ups.

    The user types a word as they think of it; its forms with attached
    conjunctions, prepositions, article and pronouns are generated, then stemmed
    like the indexed text, so that every way a form can be stemmed is covered.
    A form whose stem is not recognizably the word's (للجنة is stemmed like
    للجنة "to paradise", to جنه) is looked up as written instead, so that its
    stem does not bring in the other word's forms (الجنة, جنات).

    >>> e = expansion("لجنه")
    >>> "لجنه" in e.terms, "جنه" in e.terms, "للجنه" in e.forms
    (True, False, True)

    A word typed with its article stands for the word: الوزير finds وزير too.

    >>> expansion("الوزير") == expansion("وزير")
    True
    """
    if not _ARABIC_LETTER.search(word):
        return Expansion(frozenset([stem(word)]), frozenset())
    for article in ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 2 and word not in _UNSTEMMED:
            return expansion(word[len(article):])
    base = word[:-1] if word.endswith("ه") else word
    terms, forms = set(), set()
    for written in _written_forms(word):
        term = stem(written)
        if base in term:
            terms.add(term)
        else:
            forms.add(written)
    return Expansion(frozenset(terms), frozenset(forms))


def _written_forms(word: str) -> Iterator[str]:
    for form in _forms(word):
        for clitic in CLITICS:
            yield clitic + form
        if not form.endswith(_PRONOUNS + ("ك",)) or form == word:
            for article in ARTICLES:
                yield article + form


@lru_cache(maxsize=4096)
def expand(word: str) -> frozenset[str]:
    """Every stem the ordinary forms of a query word take: what a word inside
    a phrase is looked up by, since a phrase can only hold stems.

    >>> {"زير", "وزير"} <= expand("وزير")  # وزير stems to زير, الوزير to وزير
    True
    """
    terms, forms = expansion(word)
    return terms | {stem(form) for form in forms}
