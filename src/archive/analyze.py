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

What a query word is looked up by, its forms and their stems through these
same steps, is expand.py's.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from functools import lru_cache
from typing import Iterator, NamedTuple

import Stemmer

from .stemmer import stem_arabic, stem_arabic_all

# Bump whenever a change here or in stemmer.py alters the terms produced for
# some text: databases built by another version need `archive rebuild`.
ANALYZER_VERSION = "6"


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
# inside a word (a line of these and spaces is blank, paragraphs.py); as
# characters, and as the body of a regular expression's class.
INVISIBLE_CHARACTERS = "".join(map(chr, [
    0x00AD, 0x061C, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
    *range(0x2060, 0x2065), *range(0x2066, 0x206A), 0xFEFF,
]))
INVISIBLE = INVISIBLE_CHARACTERS
_REMOVE = re.compile(f"[{_ARABIC_MARKS}{INVISIBLE}]")

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
WORD_CHARACTER = rf"[^\W_]|[{_ARABIC_MARKS}{INVISIBLE}\u0300-\u036f]"
_NORMALIZED_WORD = re.compile(r"[^\W_]+")


class Token(NamedTuple):
    """A word of the original text: its normalized form and where it stands."""

    text: str
    start: int
    end: int


# The runs of WORD_CHARACTER, found faster: one character class, then a cut
# at each underscore (a word character to \w, a separator to FTS5).
_RUN = re.compile(rf"[\w{_ARABIC_MARKS}{INVISIBLE}\u0300-\u036f]+")


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


@lru_cache(maxsize=256)
def plain_words_starting(prefixes: tuple[str, ...]) -> re.Pattern | None:
    """A pattern that finds, in a text as written, a written word of plain
    Arabic letters beginning with one of these normalized prefixes, as
    written: such a word is one normalized word, its letters folded one by
    one (word_parts), so finding it shows that the text has a word starting
    with the prefix.  Not finding it shows nothing (ألوان begins with a
    letter that folds).  None if no prefix is of letters folding leaves
    alone.

    >>> bool(plain_words_starting(("ال",)).search("قال: الوزير")), plain_words_starting(("x",))
    (True, None)
    >>> [bool(plain_words_starting(("ال",)).search(t)) for t in ["مالك", "الأمن", "ألوان", "الوَزير", "x_الوزير"]]
    [False, True, False, False, True]
    """
    plain = sorted({re.escape(prefix) for prefix in prefixes if _NORMALIZED_ARABIC.fullmatch(prefix)},
                   key=len, reverse=True)
    if not plain:
        return None
    # Neither a word character before nor after: the whole written word.
    return re.compile(rf"(?<!{WORD_CHARACTER})(?:{'|'.join(plain)})[\u0621-\u063f\u0641-\u064a]*(?!{WORD_CHARACTER})")


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

ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_LATIN_LETTER = re.compile("[a-z]")
_english = Stemmer.Stemmer("english")
# A number written with an attached conjunction or preposition before it and a
# short Arabic word after it (2016م, ١٤٣٦هـ, 100كم, و2015): the number is the
# word a reader looks for, so it is the stem.
NUMBER_WORD = re.compile("[وف]?[بلك]?([0-9]+)[\u0621-\u064a]{0,4}")
_ASCII_DIGIT = re.compile("[0-9]")
# Words of Arabic letters alone, joined by single spaces.
_ARABIC_WORDS = re.compile("[\u0621-\u064a]+(?: [\u0621-\u064a]+)*")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one normalized word: Arabic light stemming (stemmer.py), English
    Snowball for Latin script, anything else as it is.

    >>> [stem(w) for w in ["الحسن", "running", "2015"]]
    ['حسن', 'run', '2015']
    """
    return _stem(word)


def stem_all(words: list[str]) -> list[str]:
    """stem() of each of these normalized words, the Arabic ones stemmed
    together (stemmer.stem_arabic_all): what a query's expansion stems.

    >>> stem_all(["بالحسن", "running", "2015", "والحسن"])
    ['حسن', 'run', '2015', 'حسن']
    """
    if _ARABIC_WORDS.fullmatch(" ".join(words)):
        return stem_arabic_all(words)  # a query's forms nearly always: no word to set apart
    stems = list(words)
    arabic, at = [], []
    numbers = _ASCII_DIGIT.search("".join(words)) is not None  # (a number word holds one)
    for position, word in enumerate(words):
        if not (numbers and _number(word) is not None) and ARABIC_LETTER.search(word):
            arabic.append(word)
            at.append(position)
        else:
            stems[position] = _stem(word)
    for position, found in zip(at, stem_arabic_all(arabic)):
        stems[position] = found
    return stems


def _number(word: str) -> str | None:
    """The number a word written with one stands for (NUMBER_WORD), or None."""
    if word[:1].isdigit() or word[1:2].isdigit() or word[2:3].isdigit():
        number = NUMBER_WORD.fullmatch(word)
        if number:
            return number.group(1)
    return None


def _stem(word: str) -> str:
    number = _number(word)
    if number is not None:
        return number
    if ARABIC_LETTER.search(word):
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


def analyze_words(raws: list[str]) -> list[tuple[str, str]]:
    """analyze_word() of each of these written words, looked up at once:
    what marking a text's words asks.

    >>> analyze_words(["القوات", "Running"])
    [('القوات', 'قوه'), ('running', 'run')]
    """
    if not raws:
        return []
    try:
        found = operator.itemgetter(*raws)(_young)  # every one analyzed already: in C
    except KeyError:
        return _learn(raws)
    return [found] if len(raws) == 1 else list(found)


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


def stem_counts(text: str, stems: frozenset[str]) -> tuple[dict[str, int], int]:
    """How often each of these stems is among the text's terms, and how many
    terms it has: what analyze_text() gives, counted, without analyzing the
    words that cannot stem to any of them.  A word of plain Arabic letters
    is one term, its letters folded (أ إ آ ؤ ة ى), and its stem is inside
    it so folded, all but a last ه or ء (the stemmer only strips affixes,
    and makes a last letter ه or ء): a word holding none of the stems so
    written need not be analyzed.

    >>> stem_counts("والشركات الكبرى وشركتها ١٢", frozenset(["شركه"]))
    ({'شركه': 2}, 4)
    """
    raws = raw_words(text)
    counts: dict[str, int] = {}
    try:
        found = operator.itemgetter(*raws)(_young) if raws else ()
    except KeyError:
        found = None
    if found is not None:  # every word analyzed already: at C speed
        words = (found[1] if len(raws) == 1 else " ".join([pair[1] for pair in found])).split()
        for stem in stems.intersection(words):
            counts[stem] = words.count(stem)
        return counts, len(words)
    holding = _holding(stems)
    joined = " ".join(raws)
    # The words of other letters (marks, digits, Latin...) are analyzed; of
    # the plain ones, folded, only those that hold a stem.  Folding changes
    # no other word's letters into plain ones: those stay odd.
    odd = _ODD_WORD.findall(joined) if _ODD_LETTER.search(joined) else []
    folded = joined
    for letter, folded_to in _PLAIN_FOLD:
        folded = folded.replace(letter, folded_to)
    plain = [word for word in _words_holding(holding, folded) if _NORMALIZED_ARABIC.fullmatch(word)] if holding else []
    length = len(raws) - len(odd)
    for terms in (_young.get(word) or _learn([word])[0] for word in odd):
        for term in terms[1].split():
            length += 1
            if term in stems:
                counts[term] = counts.get(term, 0) + 1
    for terms in (_young.get(word) or _learn([word])[0] for word in plain):
        if terms[1] in stems:
            counts[terms[1]] = counts.get(terms[1], 0) + 1
    return counts, length


# A word not all of plain Arabic letters (stem_counts), and the part of the
# letter map that plain letters take, as (letter, folded): over a whole text,
# a replace() each is many times faster than translate().
_ODD_WORD = re.compile("(?<![^ ])[^ ]*[^ \u0621-\u063f\u0641-\u064a][^ ]*")
# A letter of such a word: most texts have none, and finding that out costs
# a third of finding the words.
_ODD_LETTER = re.compile("[^ \u0621-\u063f\u0641-\u064a]")
_PLAIN_FOLD = [(chr(code), to) for code, to in _LETTER_MAP.items() if _PLAIN_ARABIC.fullmatch(chr(code))]


# The last letters the stemmer may write in place of another (ة written ت
# or ات, and ئ: stemmer._stem_rest), each with the letters a word so
# stemmed holds there.
_MADE_LAST = {"ه": "هتا", "ء": "ءئ"}


def holding(stem: str) -> set[str]:
    """What a plain word stemmed to this stem holds, folded: the stem, or
    one of: all but a last letter the stemmer may have made, then a letter
    it may have been made from (يه, the stem of اليه, is held by a word
    holding يه, يت or يا; not by every word holding ي)."""
    made = _MADE_LAST.get(stem[-1:])
    return {stem} if made is None else {stem[:-1] + letter for letter in made}


@lru_cache(maxsize=64)
def _holding(stems: frozenset[str]) -> re.Pattern | None:
    """What a word stemmed to one of these stems must hold (holding()), as
    a pattern to find in a text's words joined by spaces (_words_holding):
    None if nothing can.  A string that holds another of them is left out,
    as a word holding it holds the other: the pattern's alternatives, each
    tried at every letter, are a few (في, فيه, ففي, ... are في)."""
    held = set().union(*map(holding, stems)) if stems else set()
    least = sorted((one for one in held if not any(other in one for other in held if other != one)),
                   key=len, reverse=True)
    if not least:
        return None
    return re.compile("|".join(map(re.escape, least)))


def _words_holding(holding: re.Pattern, joined: str) -> list[str]:
    """The words (of words joined by single spaces) in which `holding` is
    found, each once, in order.  Found where it stands, then widened to its
    word: a pattern tried from each word's start, letter by letter, took
    twice as long."""
    found: list[str] = []
    end = -1  # where the last word taken ends
    for match in holding.finditer(joined):
        start = match.start()
        if start <= end:  # within the word taken, or the space after it
            continue
        end = joined.find(" ", match.end())
        if end < 0:
            end = len(joined)
        found.append(joined[joined.rfind(" ", 0, start) + 1:end])
    return found
