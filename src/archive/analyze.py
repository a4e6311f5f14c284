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

from .bases import Reading, accusative, accusative_forms, construct, construct_forms, readings, verb_reading
from .lexicon import is_name, is_particle, lexicon_words, short_noun_forms, singulars
from .stemmer import ARTICLES, CLITICS, FEMININE_KEPT, PRONOUNS, UNSTEMMED, stem_arabic

# Bump whenever a change here or in stemmer.py alters the terms produced for
# some text: databases built by another version need `archive rebuild`.
ANALYZER_VERSION = "5"


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
        # (مسؤول / مسئول): they fold to each other, not to the bare hamza,
        # which would make مائة (hundred) the word ماء (water)
        "\u0624": "\u0626",
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
# already normalized (أ إ آ ؤ ة ى are folded).
_NORMALIZED_ARABIC = re.compile("[\u0621\u0626-\u0628\u062a-\u063f\u0641-\u0648\u064a]+")


def normalize(text: str) -> str:
    """Fold the ways of writing the same word into one.

    >>> normalize("مُحَمَّد")
    'محمد'
    >>> normalize("إسلامـــيّة")
    'اسلاميه'
    >>> normalize("مسؤولية مسئولية")
    'مسئوليه مسئوليه'
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
        # word is the same with or without them.  Not the hamza that NFD
        # takes off ئ, which is a letter.
        decomposed = unicodedata.normalize("NFD", text)
        text = unicodedata.normalize(
            "NFC", "".join(c for c in decomposed if not unicodedata.combining(c) or c == "\u0654")
        )
    return text.casefold()


# --- tokenize ---------------------------------------------------------------

# A word is a run of letters and digits (what FTS5's tokenizers keep together), with
# the marks and invisible characters that normalize() deletes allowed inside it,
# so that a vocalized word stays one word.
WORD_CHARACTER = rf"[^\W_]|[{_ARABIC_MARKS}{_INVISIBLE}\u0300-\u036f]"
_NORMALIZED_WORD = re.compile(r"[^\W_]+")


class Token(NamedTuple):
    """A word of the original text: its normalized form and where it stands."""

    text: str
    start: int
    end: int


# The runs of WORD_CHARACTER, found faster: one character class, then a cut
# at each underscore (a word character to \w, a separator to FTS5).
_RUN = re.compile(rf"[\w{_ARABIC_MARKS}{_INVISIBLE}\u0300-\u036f]+")


def written_words(text: str) -> Iterator[tuple[str, int]]:
    """The runs of WORD_CHARACTER (the written words), with their start offsets."""
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
    ['وقال', 'الرئيس']
    """
    return [token.text for token in tokenize(text)]


# --- stem -------------------------------------------------------------------

_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_LATIN_LETTER = re.compile("[a-z]")
_english = Stemmer.Stemmer("english")
# A number written with an attached conjunction or preposition before it and a
# short Arabic word after it (2016م, ١٤٣٦هـ, 100كم, و2015): the number is the
# word a reader looks for, so it is the stem.
_NUMBER_WORD = re.compile("[وف]?[بلك]?([0-9]+)[\u0621-\u064a]{0,4}")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one normalized word: Arabic light stemming (stemmer.py), English
    Snowball for Latin script, anything else as it is.

    >>> [stem(w) for w in ["الحسن", "running", "2015"]]
    ['حسن', 'run', '2015']
    """
    return _stem(word)


def _stem(word: str) -> str:
    if word[:1].isdigit() or word[1:2].isdigit() or word[2:3].isdigit():
        number = _NUMBER_WORD.fullmatch(word)
        if number:
            return number.group(1)
    if _ARABIC_LETTER.search(word):
        return stem_arabic(word)
    if _LATIN_LETTER.search(word):
        return _english.stemWord(word)
    return word


# --- a word's and a text's analysis, cached --------------------------------
#
# A corpus repeats its written words many times over: each distinct one is
# analyzed once and kept in a cache of two generations.  A full young one
# becomes the old one (the old one dropped), and a word met again moves back
# from the old to the young one, so the words in use stay and memory stays
# bounded.  It caches the uncached _word_parts and _stem: one copy of the
# vocabulary, not two.

# Distinct written words kept analyzed, at most (the two generations together).
CACHE_WORDS = 50_000
# Written word → (exact, terms), one look-up for both.  Most words are their
# own exact form and stem: the three are then one string object.
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

# A two-letter word or a particle takes a conjunction in front but not a
# preposition: كفى, لما, كلا are words of their own, not forms of في, ما, لا.
_SHORT_WORD_CLITICS = ("", "و", "ف")
_NUMBER_SUFFIXES = ("ون", "ين", "ان", "ات", "ه")
_FEMININE_SUFFIXES = ("ه", "ات", "تان", "تين")
# What only a noun is written with in front, besides the article.
_NOUN_CLITICS = tuple(c for c in CLITICS if c[-1:] in ("ب", "ل", "ك"))


def _forms(word: str) -> set[str]:
    """The ordinary written forms of a normalized Arabic word, without prefixes."""
    pronouns = PRONOUNS + ("ك",)
    if _pronouns_only(word):
        # فيه, عليها, لديهم; not فيت, فيان (ألفيت, وفيان), nor اليات (آليات).
        stems = (word,) + short_noun_forms(word)
        return set(stems) | {s + p for s in stems for p in pronouns}
    if is_name(word):
        return _name_forms(word, pronouns)
    forms = {word} | {word + p for p in pronouns}
    if word in FEMININE_KEPT:
        # رياضه reads as رياضة (sport), not as "his gardens"
        forms.discard(word + "ه")
    if word.endswith("ه") and len(word) >= 3:
        # Written with teh marbuta (folded to ه): مدينة → مدينته, مدينات.
        base = word[:-1]
        forms |= {base + s for s in _FEMININE_SUFFIXES}
        forms |= {base + infix + p for p in pronouns for infix in ("ت", "ات")}
    elif word in FEMININE_KEPT:
        # Its ة-form is another word (رياض, رياضة): only plurals of its own.
        forms |= {word + s for s in ("ون", "ين", "ان")}
    else:
        forms |= {word + s for s in _NUMBER_SUFFIXES}
        forms |= {word + infix + p for p in PRONOUNS for infix in ("ت", "ات")}
        # Plural construct before a pronoun: معلموها, معلميها.
        forms |= {word + "و" + p for p in PRONOUNS}
    return forms


def _pronouns_only(word: str) -> bool:
    """A two-letter word or a particle: it takes a pronoun, never a noun's
    ending, and a conjunction in front but no preposition (بلدي is not ب +
    لدى)."""
    return len(word) <= 2 or is_particle(word)


def _name_forms(word: str, pronouns: tuple[str, ...]) -> set[str]:
    """A country's name with a pronoun (مصرنا, سوريتها), without the
    feminine and plural endings of a noun: قطرات (drops), مصرة and مصراتة
    (Misrata) are other words, and a lone ه reads as their ة."""
    if word.endswith("ه"):
        return {word} | {word[:-1] + "ت" + p for p in pronouns}
    return {word} | {word + p for p in pronouns if p != "ه"}


class Expansion(NamedTuple):
    """What a query word stands for in the index."""

    terms: frozenset[str]  # stems, looked up in the `terms` column
    forms: frozenset[str]  # written forms, looked up in the `exact` column


@lru_cache(maxsize=4096)
def expansion(word: str, lexicon: bool = True) -> Expansion:
    """The ordinary written forms of a query word, as index look-ups: those
    of every word it is certainly a form of (bases.readings), itself first.

    A word typed inflected stands for its base: الوزير and الوزيرين find
    what وزير finds, الشركات what شركة finds.

    >>> expansion("الوزير") == expansion("وزير")
    True
    >>> expansion("الشركات").terms >= expansion("شركه").terms
    True
    """
    if not _ARABIC_LETTER.search(word):
        return Expansion(frozenset([stem(word)]), frozenset())
    number = _NUMBER_WORD.fullmatch(word)
    if number:
        # 2016م stands for the number, whatever is attached to it.
        return expansion(number.group(1), lexicon)
    bases = [reading.base for reading in readings(word) if reading.certain]
    return _merged([base_expansion(base) for base in bases] + _lexicon_expansions([word] + bases, lexicon)[0])


def _lexicon_expansions(words: list[str], lexicon: bool) -> tuple[list[Expansion], list[tuple[Reading, Expansion]]]:
    """What the lexicon adds to these words: each related word's expansion,
    except that the singular of a typed broken plural that is also a verb
    (طلاب: طالب "demanded") gets only its noun forms for certain (الطالب,
    لطالب), and its bare ones where the index shows no such verb."""
    if not lexicon:
        return [], []
    verbs = {s: r for s in singulars(*words) if s not in words for r in [verb_reading(s)] if r}
    certain = [_noun_expansion(w) if w in verbs else base_expansion(w) for w in lexicon_words(*words)]
    return certain, [(reading, base_expansion(s)) for s, reading in verbs.items()]


def _merged(expansions: list[Expansion]) -> Expansion:
    return Expansion(
        frozenset().union(*(e.terms for e in expansions)), frozenset().union(*(e.forms for e in expansions))
    )


def uncertain_expansions(word: str, lexicon: bool = True) -> tuple[tuple[Reading, Expansion], ...]:
    """The readings of a query word that the index decides (see
    bases.Reading.holds), each with its base's expansion."""
    if not _ARABIC_LETTER.search(word) or _NUMBER_WORD.fullmatch(word):
        return ()
    found = []
    for r in readings(word):
        if not r.certain:
            related, uncertain = _lexicon_expansions([r.base], lexicon)
            found.append((r, _merged([base_expansion(r.base)] + related)))
            found += [(both._replace(present=r.present, absent=r.absent + both.absent), e) for both, e in uncertain]
    if lexicon:
        found += _lexicon_expansions([word] + [r.base for r in readings(word) if r.certain], lexicon)[1]
    for reading in readings(word):
        forms = construct_forms(reading.base)
        if forms:
            # The construct of its plural (موظفي, مسؤولو): written forms, as
            # their stem (مسئولي) is also an adjective's or noun's in ية.
            plural = construct(reading.base)
            both = plural._replace(present=reading.present + plural.present, absent=reading.absent + plural.absent)
            found.append((both, Expansion(frozenset(), forms)))
    return tuple(found + _accusative_expansions(word, lexicon))


def _accusative_expansions(word: str, lexicon: bool) -> list[tuple[Reading, Expansion]]:
    """The accusative in ا (شخصا, مواطنا, اطفالا) of each base of a query
    word and of what the lexicon adds to it, where the index shows it
    (bases.accusative)."""
    found = []
    for reading in readings(word):
        related = lexicon_words(reading.base) if lexicon else []
        for base in [reading.base] + related:
            evidence = accusative(base)
            if evidence:
                both = evidence._replace(
                    present=reading.present + evidence.present, absent=reading.absent + evidence.absent
                )
                found.append((both, _by_stem(base, accusative_forms(base))))
    return found


def _by_stem(base: str, written: frozenset[str]) -> Expansion:
    """Written forms as look-ups: by their stem where it is recognizably the
    base's (شخصا), as written where it is not (مواطنا stems to مواط)."""
    stems = {form: stem(form) for form in written}
    return Expansion(
        frozenset(s for s in stems.values() if base in s), frozenset(f for f, s in stems.items() if base not in s)
    )


@lru_cache(maxsize=4096)
def base_expansion(word: str) -> Expansion:
    """The ordinary written forms of one base word (no article in front).

    Its forms with attached conjunctions, prepositions, article and pronouns
    are generated, then stemmed like the indexed text, so that every way a
    form can be stemmed is covered.  A form whose stem is not recognizably
    the word's (للجنة is stemmed like للجنة "to paradise", to جنه) is looked
    up as written instead, so that its stem does not bring in the other
    word's forms (الجنة, جنات).

    >>> e = base_expansion("لجنه")
    >>> "لجنه" in e.terms, "جنه" in e.terms, "للجنه" in e.forms
    (True, False, True)
    """
    base = word[:-1] if word.endswith("ه") else word
    terms, forms = set(), set()
    for written in _written_forms(word):
        if written in UNSTEMMED and written != word:
            continue  # another word: الان (now) is not a form of ان
        term = stem(written)
        if base in term:
            terms.add(term)
        else:
            forms.add(written)
    return Expansion(frozenset(terms), frozenset(forms))


@lru_cache(maxsize=1024)
def _noun_expansion(word: str) -> Expansion:
    """A word's forms that only a noun takes, as written: after the article
    or a preposition (الطالب, بطالب, للطالبات), and its feminine (طالبة,
    وطالبات), which the verb rarely writes."""
    feminine = {word + "ه", word + "ات"} & _forms(word)  # none where it is another word (جامع)
    forms = set(_written_forms(word, _NOUN_CLITICS)) | {a + f for a in ARTICLES for f in feminine}
    return Expansion(frozenset(), frozenset(forms | {c + f for c in ("", "و", "ف") for f in feminine}))


def _written_forms(word: str, clitics: tuple[str, ...] | None = None) -> Iterator[str]:
    if clitics is None:
        clitics = _SHORT_WORD_CLITICS if _pronouns_only(word) else CLITICS
    for form in _forms(word):
        for clitic in clitics:
            yield clitic + form
        if not form.endswith(PRONOUNS + ("ك",)) or form == word:
            for article in ARTICLES:
                yield article + form


@lru_cache(maxsize=4096)
def expand(word: str, lexicon: bool = True) -> frozenset[str]:
    """Every stem the ordinary forms of a query word take: what a word inside
    a phrase is looked up by, since a phrase can only hold stems.

    >>> {"زير", "وزير"} <= expand("وزير")  # وزير stems to زير, الوزير to وزير
    True
    """
    terms, forms = expansion(word, lexicon)
    return terms | {stem(form) for form in forms}
