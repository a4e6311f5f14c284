"""Query expansion: what a typed word is looked up by in the index.

A typed word is reduced to the words it may be a form of (bases.py), and each
is expanded into its ordinary written forms (prefixes and suffixes) and what
the lexicon tables add (lexicon.py); each form is stemmed as the text was
(analyze.py), so a word whose stem the stemmer cannot guess consistently
(وزير against الوزير) is still found in all its forms.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Callable, Iterator, NamedTuple

from .analyze import ARABIC_LETTER, NUMBER_WORD, stem, stem_all
from .bases import readings
from .endings import accusative, accusative_forms, construct, construct_forms, verb_reading
from .reading import Reading
from .lexicon import (
    is_function_word, is_name, is_particle, lexicon_words, number_lookalike, number_words, short_noun_forms, singulars,
)
from .stemmer import ARTICLES, CLITICS, FEMININE_KEPT, KEPT_WHOLE, PRONOUNS, SPLIT_ANYWAY, UNSTEMMED, whole_split

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
def expansion(word: str, lexicon: bool = True, presumed: bool = False) -> Expansion:
    """The ordinary written forms of a query word, as index look-ups: those
    of every word it is certainly a form of (bases.readings), itself first.

    A word typed inflected stands for its base: الوزير and الوزيرين find
    what وزير finds, الشركات what شركة finds.

    >>> expansion("الوزير") == expansion("وزير")
    True
    >>> expansion("الشركات").terms >= expansion("شركه").terms
    True
    """
    if not ARABIC_LETTER.search(word):
        return Expansion(frozenset([stem(word)]), frozenset())
    number = NUMBER_WORD.fullmatch(word)
    if number:
        # 2016م stands for the number, whatever is attached to it.
        return expansion(number.group(1), lexicon, presumed)
    # presumed: with no index to decide by, the readings presumed taken too.
    bases = [r.base for r in readings(word) if r.certain or presumed and r.presumed and r.holds(set())]
    return _merged([base_expansion(base) for base in bases] + _lexicon_expansions([word] + bases, lexicon))


def clitic_words(word: str, lexicon: bool = True) -> tuple[tuple[str, str, str, str], ...]:
    """Where a preposition or conjunction on a base of a query word may spell
    another word: (what the base so begun starts its forms with, that
    spelling, the same with the article, the base).  كرة with ف is فكرة
    (idea), مال with ك كمال, أمل with ك كامل; the index decides which are
    words of their own (query.word_lookups)."""
    if not ARABIC_LETTER.search(word) or NUMBER_WORD.fullmatch(word):
        return ()
    bases = [r.base for r in readings(word) if r.certain or r.forms == "bare"]
    found = []
    for base in dict.fromkeys(bases + (lexicon_words(*bases) if lexicon else [])):
        if len(base) < 3 or is_function_word(base):  # فعلى سبيل: على stays whole
            continue
        head = base[:-1] if base.endswith("ه") else base
        found += [(clitic + head, clitic + base, "ال" + clitic + base, base) for clitic in "وفبلك"]
    return tuple(found)


def _lexicon_expansions(words: list[str], lexicon: bool) -> list[Expansion]:
    """What the lexicon adds to these words for certain: each related
    word's expansion, except that the singular of a typed broken plural
    that is also a verb (طلاب: طالب "demanded") gets only its noun forms
    (الطالب, لطالب): its bare ones wait for the index (_lexicon_readings)."""
    if not lexicon:
        return []
    verbs = _verbs(words)
    return [_noun_expansion(w) if w in verbs else base_expansion(w) for w in lexicon_words(*words)]


def _lexicon_readings(words: list[str], lexicon: bool) -> list[Uncertain]:
    """The singulars of these words that are also verbs (_lexicon_expansions),
    each with all its forms, bare ones included, taken where the index
    shows no such verb (endings.verb_reading)."""
    if not lexicon:
        return []
    return [Uncertain(reading, partial(base_expansion, s)) for s, reading in _verbs(words).items()]


def _verbs(words: list[str]) -> dict[str, Reading]:
    """The singulars of these words (broken plurals) that are also verbs,
    with the reading that tells them apart."""
    return {s: r for s in singulars(*words) if s not in words for r in [verb_reading(s)] if r}


def _merged(expansions: list[Expansion]) -> Expansion:
    return Expansion(
        frozenset().union(*(e.terms for e in expansions)), frozenset().union(*(e.forms for e in expansions))
    )


class Uncertain(NamedTuple):
    """A reading of a query word that the index decides, and its
    expansion, worked out when asked: only for a reading the index shows,
    as most are not (a base's forms are hundreds of words to stem)."""

    reading: Reading
    expansion: Callable[[], Expansion]


def uncertain_expansions(word: str, lexicon: bool = True, ta: bool = False) -> tuple[Uncertain, ...]:
    """The readings of a query word that the index decides (see
    reading.Reading.holds), each with its base's expansion; ta: the word was
    typed with a final ة (reading.Reading.not_if_ta)."""
    if not ARABIC_LETTER.search(word) or NUMBER_WORD.fullmatch(word):
        return ()
    found = []
    taken = [r for r in readings(word) if not (ta and r.not_if_ta)]
    for r in taken:
        if not r.certain:
            found.append(Uncertain(r, partial(_reading_and_related, r, lexicon)))
            found += [Uncertain(r.joined(verb.reading), verb.expansion) for verb in _lexicon_readings([r.base], lexicon)]
    # A name's, a verb's or a pronoun form's reading has no construct or
    # accusative of its own.
    taken = [r for r in taken if not r.forms]
    found += _lexicon_readings([word] + [r.base for r in readings(word) if r.certain], lexicon)
    for reading in taken:
        forms = construct_forms(reading.base)
        if forms:
            # The construct of its plural (موظفي, مسؤولو): written forms, as
            # their stem (مسئولي) is also an adjective's or noun's in ية.
            plural = construct(reading.base)
            both = reading.joined(plural)
            found.append(Uncertain(both, partial(Expansion, frozenset(), forms)))
    return tuple(found + _accusative_expansions(taken, lexicon))


def _reading_and_related(reading: Reading, lexicon: bool) -> Expansion:
    """A reading's expansion with what the lexicon relates to its base."""
    return _merged([reading_expansion(reading)] + _lexicon_expansions([reading.base], lexicon))


# The conjunctions and prepositions a name or a verb is written with (not ك,
# which goes with nouns: كانت is not ك + أنت).
_BARE_CLITICS = ("", "و", "ف", "ب", "ل", "وب", "ول", "فب", "فل")


def reading_expansion(reading: Reading) -> Expansion:
    """The look-ups of a reading's base: all its forms, or those the
    reading stands for (Reading.forms), as written: a name's or verb's
    with a conjunction or preposition (سوريا, بسوريا; not the noun forms
    that would spell other words: ليرا for يرى, الدعاة for دعا), a noun in
    ى's before a pronoun (مستواه, بمستواها; not معنا, "with us")."""
    base = reading.base
    if reading.forms == "bare":
        return Expansion(frozenset(), frozenset(clitic + base for clitic in _BARE_CLITICS))
    if reading.forms == "pronouns":
        return Expansion(frozenset(), frozenset(c + base + p for c in CLITICS for p in PRONOUNS))
    return base_expansion(base)


def _accusative_expansions(taken: list[Reading], lexicon: bool) -> list[Uncertain]:
    """The accusative in ا (شخصا, مواطنا, اطفالا) of each base of a query
    word (its readings taken) and of what the lexicon adds to it, where the
    index shows it (endings.accusative)."""
    found = []
    for reading in taken:
        related = lexicon_words(reading.base) if lexicon else []
        for base in [reading.base] + related:
            evidence = accusative(base)
            if evidence:
                both = reading.joined(evidence)
                found.append(Uncertain(both, partial(_by_stem, base, accusative_forms(base))))
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
    if number_words(word):
        # Its stem may be another number's (ثلاثين stems to ثلاث): as written,
        # but for the forms that are other words (لست "I am not").
        forms = {prefix + word for prefix in CLITICS + ARTICLES}
        return Expansion(frozenset(), frozenset(form for form in forms if not number_lookalike(form)))
    base = word[:-1] if word.endswith("ه") else word
    terms, forms = set(), set()
    # Not the forms written as another word is: الان (now) is not a form of ان.
    prefixed = [(prefix, written) for prefix, form in _prefixed_forms(word)
                if (written := prefix + form) not in UNSTEMMED or written == word]
    for (prefix, written), term in zip(prefixed, stem_all([written for _, written in prefixed])):
        whole = whole_split(written) if term in KEPT_WHOLE else None  # (most forms need no look)
        if whole is not None and len(whole[0]) < len(prefix):
            continue  # what is written before spells another word: و + زير is وزير, ال + وان ألوان
        if written in _SPLIT_WRITTEN and written != word:
            continue  # mostly another word: الآفة (the pest) for آلاف + ه
        if base in term:
            terms.add(term)
        else:
            forms.add(written)
    return Expansion(frozenset(terms), frozenset(forms))


# The words the stemmer leaves split though a kept stem would take them,
# with any clitic in front.
_SPLIT_WRITTEN = frozenset(clitic + word for clitic in CLITICS for word in SPLIT_ANYWAY)


@lru_cache(maxsize=1024)
def _noun_expansion(word: str) -> Expansion:
    """A word's forms that only a noun takes, as written: after the article
    or a preposition (الطالب, بطالب, للطالبات), and its feminine (طالبة,
    وطالبات), which the verb rarely writes."""
    feminine = {word + "ه", word + "ات"} & _forms(word)  # none where it is another word (جامع)
    forms = set(_written_forms(word, _NOUN_CLITICS)) | {a + f for a in ARTICLES for f in feminine}
    return Expansion(frozenset(), frozenset(forms | {c + f for c in ("", "و", "ف") for f in feminine}))


def _written_forms(word: str, clitics: tuple[str, ...] | None = None) -> Iterator[str]:
    return (prefix + form for prefix, form in _prefixed_forms(word, clitics))


def _prefixed_forms(word: str, clitics: tuple[str, ...] | None = None) -> Iterator[tuple[str, str]]:
    """The word's forms, each with what is written before it (a clitic, an
    article group or nothing)."""
    if clitics is None:
        clitics = _SHORT_WORD_CLITICS if _pronouns_only(word) else CLITICS
    for form in _forms(word):
        if form != word and is_name(form):
            continue  # a country named like a form: البحرين is not two seas
        for clitic in clitics:
            yield clitic, form
        if not form.endswith(PRONOUNS + ("ك",)) or form == word:
            for article in ARTICLES:
                yield article, form


@lru_cache(maxsize=4096)
def expand(word: str, lexicon: bool = True) -> frozenset[str]:
    """Every stem the ordinary forms of a query word take: what a word inside
    a phrase is looked up by, since a phrase can only hold stems.

    >>> "وزير" in expand("الوزير"), "وزير" in expand("زير")  # وزير is not و + زير
    (True, False)
    """
    terms, forms = expansion(word, lexicon)
    return terms | {stem(form) for form in forms}
