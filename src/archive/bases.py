"""The words a typed query word is a form of: its bases.

A reader types a word as they read it, inflected (الشركات, وزارته,
المسؤولين, موظفي), and expects what its base (شركة, وزارة, مسؤول, موظف)
finds.  readings() undoes the affixes the query expansion adds (expand.py),
keeping every reading that survives, each with what the index must show for
it to be taken:

* suffixes the stemmer removes itself (plural, dual, ات, a pronoun after ت)
  are undone only where the stemmer, given the word with the article in
  front, reduces both to one stem: its length and exception rules are what
  keep شركات from شرك, عمران from عمر and دولة from دول;
* letters that are as often part of the word (a ك or ي at the end, a و ف ب
  ل ك in front) are undone only where the index agrees: the base is written
  with the article somewhere, the typed word never is (لجنة takes the
  article, so it is not ل + جنة; موظفي never does, so it is a construct).

Words are normalized (analyze.normalize) Arabic.
"""

from __future__ import annotations

from functools import lru_cache

from .endings import accusative_readings, construct_readings
from .lexicon import is_function_word, is_name, is_place_adjective, number_lookalike, number_words
from .reading import ARTICLE_CLITICS, SHORTEST_BASE, Reading
from .stemmer import ARTICLES, CLITICS, FEMININE_KEPT, PRONOUNS, UNSTEMMED, stem_whole, whole_split

@lru_cache(maxsize=4096)
def readings(word: str) -> tuple[Reading, ...]:
    """The bases of a typed word, the word itself first.

    >>> [r.base for r in readings("الشركات")]
    ['شركات', 'شركه']
    >>> [r.base for r in readings("وزارته") if r.certain]
    ['وزارته', 'وزاره']
    >>> [r.base for r in readings("المسئولين")]
    ['مسئولين', 'مسئول']
    >>> [(r.base, [sorted(g) for g in r.absent]) for r in readings("موظفي") if r.absent][0]
    ('موظف', [['الموظفي', 'الموظفيه']])
    >>> [r.base for r in readings("مسئوليه")]
    ['مسئوليه', 'مسئولي']
    >>> [[r.base for r in readings(w) if r.certain] for w in ("دوله", "بلديه")]
    [['دوله'], ['بلديه']]
    """
    if word in UNSTEMMED:
        return (Reading(word),)
    number = _number(word)
    if number:
        return number
    whole = whole_split(word)
    if whole is not None and whole[0]:
        # A clitic before a word the index reads whole is certain, as the
        # article is (ووفق is و + وفق, بألوان ب + ألوان).
        return _unique([Reading(word)] + _own_readings(whole[1]))
    for article in ARTICLES:
        # Not where the index reads the word whole (والده, وكالات).
        if word.startswith(article) and len(word) - len(article) >= 2 and whole is None:
            return _after_article(word[len(article):], article)
    own = _own_readings(word)
    found = list(own)
    # A conjunction or preposition in front, if the word is not one of its
    # own: one the article never comes before, on any of its own readings.
    absent = tuple(frozenset(["ال" + reading.base]) for reading in own if not reading.absent)
    for clitic in _clitics(word):
        core = word[len(clitic):]
        if len(core) >= SHORTEST_BASE:
            for reading in _own_readings(core):
                # The base takes the article: unless the reading's own
                # evidence is already a word with it (مستواها: المستوى).
                shown = any(written.startswith("ال") for group in reading.present for written in group)
                found.append(reading._replace(
                    present=reading.present + (() if shown else (frozenset(["ال" + reading.base]),)),
                    absent=reading.absent + absent,
                ))
    found += _before_name_or_verb(word, own)
    return _unique(found)


def _clitics(word: str) -> list[str]:
    """The conjunctions and prepositions the word may begin with: none where
    the index reads it whole (stemmer.whole_split: وسائل is not و + سائل).

    >>> _clitics("وسائل"), _clitics("وبسائل")
    ([], ['و', 'وب'])
    """
    if whole_split(word) is not None:
        return []
    return [clitic for clitic in CLITICS[1:] if word.startswith(clitic)]


# How often the word without the conjunction or preposition must be written,
# at least, against the word typed, for the word typed to be read as it with
# one in front (_before_name_or_verb): و begins far more words than it is
# part of, and a sentence's first verb is written with it (وأكد outnumbers
# أكد); ب ل ف are as often the word's own letter (فتحت is not ف + تحت).
_BARE_SHARE = {"و": 0.25}
_BARE_SHARE_OTHERWISE = 1.0
# A word "never" written with the article: at least this many times more
# often without it (a name or a typo with the article decides nothing).
_BARE_OVER_ARTICLE = 20.0


def _before_name_or_verb(word: str, own: list[Reading]) -> list[Reading]:
    """A name or a verb never takes the article, so the evidence the other
    clitic readings need (the base written with it) never comes: بسوريا,
    لإيران, وأكد.  The base is taken where neither the word typed, nor
    what it may be without a suffix, nor any of its cores takes the article
    either, and the bare word is written about as often as the word typed
    or more.  Not after ك, which goes with nouns alone (كيري, كلها)."""
    splits = [(clitic, word[len(clitic):]) for clitic in _clitics(word) if len(word) - len(clitic) >= SHORTEST_BASE]
    own_words = [reading.base for reading in own] + ([word[:-1]] if word.endswith("ت") else [])
    bare = tuple((base, "ال" + base, _BARE_OVER_ARTICLE) for base in dict.fromkeys(own_words + [c for _, c in splits]))
    return [
        Reading(core, outnumber=((core, word, _BARE_SHARE.get(clitic, _BARE_SHARE_OTHERWISE)),) + bare
                + _not_reordered(clitic, core), forms="bare")
        # Nor where the rest is و and a particle (لولا is not ل + ولا), nor a
        # word of grammar (لذلك "therefore", وهذا ما are idioms of their own).
        for clitic, core in splits
        if "ك" not in clitic and not (core[:1] == "و" and len(core) == 3) and not is_function_word(core)
    ]


def _not_reordered(clitic: str, core: str) -> tuple[tuple[str, str, float], ...]:
    """و and ف never come after ب or ل: a rest that begins with one is its
    own word only where it outnumbers itself without it (فرنسا; not
    وروسيا, and Russia, in بوروسيا)."""
    if clitic[-1:] in "بل" and core[:1] in "وف":
        return ((core, core[1:], 1.0),)
    return ()


def _number(word: str) -> tuple[Reading, ...]:
    """A number written as a word, with a clitic or the article in front or
    not: the written words of that number alone (أربعين is not أربع's
    plural; خمسة is خمس)."""
    if number_lookalike(word):
        return ()  # لست is "I am not"
    for prefix in ("",) + ARTICLES + CLITICS[1:]:
        group = number_words(word[len(prefix):]) if word.startswith(prefix) else frozenset()
        if group:
            return tuple(Reading(written) for written in sorted(group))
    return ()


def _after_article(rest: str, article: str) -> tuple[Reading, ...]:
    """Readings of a word typed with its article: no construct, no clitic
    but the article group's own."""
    found = [Reading(base) for base in _suffix_bases(rest)] + _short_dual(rest) + _place_feminine(rest) + _manqus(rest, True)
    if article.endswith("لل"):
        # ل + ال + لجنة is written للجنة, ل + لاعبي للاعبي: the word may
        # begin with the second ل.
        for reading in _own_readings("ل" + rest):
            found.append(reading._replace(present=reading.present + (frozenset(["ال" + reading.base]),)))
    return _unique(found)


def _own_readings(word: str) -> list[Reading]:
    """Readings of a word without a clitic or article in front."""
    found = [_plural_reading(word, base) for base in _suffix_bases(word)] + _place_feminine(word) + _manqus(word)
    for pronoun in ("ك",):
        rest = word[: -len(pronoun)]
        if word.endswith(pronoun) and len(rest) >= SHORTEST_BASE:
            # Your X (شركتك), or a word ending in ك (شريك): the latter takes
            # the article, the former never does.
            for base in _before_pronoun(rest) + [rest]:
                if len(base) >= SHORTEST_BASE:
                    found.append(Reading(
                        base, present=(frozenset(["ال" + base]),), absent=(frozenset(["ال" + word]),)
                    ))
    found.extend(construct_readings(word))
    found.extend(_noun_in_at_before_pronoun(word))
    found.extend(_short_noun_before_pronoun(word))
    found.extend(_noun_before_his(word))
    found.extend(_maqsura_before_pronoun(word))
    found.extend(_maqsura_with_pronouns(word))
    found.extend(_short_dual(word))
    found.extend(accusative_readings(word))
    return found


# How much more often the index must write a noun in اة with the article
# than the plural in ات (المباراة, المبارات) for a word in ات before a
# pronoun to be read as the noun; below it, as the plural (a misspelt
# السياراة decides nothing against السيارات).
_NOUN_OVER_PLURAL = 2.0


def _at_before_pronoun(word: str) -> str | None:
    """The word in ات before a pronoun (مباراته, سياراتهم: مبارات,
    سيارات), if it is one, longer than a base's shortest."""
    for pronoun in PRONOUNS:
        rest = word[: len(word) - len(pronoun)]
        if word.endswith(pronoun) and rest.endswith("ات") and len(rest) > SHORTEST_BASE:
            return rest
    return None


def _plural_reading(word: str, base: str) -> Reading:
    """A base the stemmer's own judgement gives (_suffix_bases): certain,
    but for the singulars of a plural in ات before a pronoun, which may be
    a noun in اة instead (مباراته: مبار + ات + ه, or مباراة + ه), taken
    unless the index writes that noun with the article twice as often as
    the plural or more (the bases' forms would otherwise find other
    words: مبارك, Mubarak, for مبار + ك)."""
    rest = _at_before_pronoun(word)
    if rest is None or base not in (rest[:-2] + "ه", rest[:-2]):
        return Reading(base)
    return Reading(base, outnumber=(("ال" + rest, "ال" + rest[:-1] + "ه", 1 / _NOUN_OVER_PLURAL),), presumed=True)


def _noun_in_at_before_pronoun(word: str) -> list[Reading]:
    """مباراته, وفاتها, قناتهم: a noun in اة before a pronoun, its ة written
    ت.  The stemmer reads ات + pronoun as a plural's (مبارات), apart from
    the noun (مباراة).  Taken where the index writes the noun with the
    article, twice as often as the 'plural' with it or more (السيارات:
    سياراته is a plural's; الحيات, snakes, is far rarer than الحياة), and
    never the typed word."""
    rest = _at_before_pronoun(word)
    if rest is None:
        return []
    noun = "ال" + rest[:-1] + "ه"
    return [Reading(
        rest[:-1] + "ه", present=(frozenset([noun]),), absent=(frozenset(["ال" + word]),),
        outnumber=((noun, "ال" + rest, _NOUN_OVER_PLURAL),),
    )]


# The share of their paragraphs that decides a short noun before a pronoun
# (_short_noun_before_pronoun): the noun with the article against the bare
# word in ت, and against the bare noun.
_NOUN_OVER_VERB = 2.0
_NOUN_OVER_OTHER_WORD = 0.1


def _short_noun_before_pronoun(word: str) -> list[Reading]:
    """خطته, صحتها, ثقتهم: a noun of two letters and ة before a pronoun,
    its ة written ت.  The stemmer keeps the ت of so short a word, as words
    in ت are as common (بيت, صوت, وقت), and so are verbs (شنت, قلت, دعت).
    Taken where the index shows the noun: written with the article, and
    in at least twice as many paragraphs as the bare word in ت (a verb's
    perfect), and in a tenth as many as the bare noun (منه "from him" and
    وله are other words); the word in ت never with the article (البيت),
    nor the typed word (التهم).  Not before هن (امتهن, يمتهن are verbs),
    nor after و, which is and (ويتهم: و + يتهم), nor the particle ايتها."""
    if word[:1] == "و" or word == "ايتها":
        return []
    for pronoun in PRONOUNS:
        rest = word[: len(word) - len(pronoun)]
        if word.endswith(pronoun) and pronoun != "هن" and len(rest) == 3 and rest.endswith("ت"):
            base = rest[:-1] + "ه"
            noun = "ال" + base
            return [Reading(
                base,
                present=(frozenset([noun]), frozenset(a + base for a in ARTICLE_CLITICS)),
                absent=(frozenset(["ال" + word]), frozenset(["ال" + rest, "وال" + rest])),
                outnumber=((noun, rest, _NOUN_OVER_VERB), (noun, base, _NOUN_OVER_OTHER_WORD)),
            )]
    return []


# How much more often the index must write a noun with the article than the
# word in ة (الاسم, الاسمة) for the noun + ه to be read as the noun.
_NOUN_OVER_FEMININE = 5.0


def _noun_before_his(word: str) -> list[Reading]:
    """اسمه, قلبه, لسانه: a noun and the pronoun ه, which the stemmer reads
    as the noun's own ة (اسمة), since as many words end in it.  Taken where
    the index writes the noun with the article, and far more often than the
    word in ة with it (not مدرسه, المدرسة outnumbering المدرس; nor a word
    whose ة-form is another, رياضه; nor a word of grammar, عليه)."""
    base = word[:-1]
    if (not word.endswith("ه") or len(base) < SHORTEST_BASE or base in FEMININE_KEPT
            or is_function_word(word) or is_function_word(base)
            or any(word.startswith(c) and is_function_word(word[len(c):]) for c in CLITICS[1:])
            or stem_whole(word) == stem_whole(base)):
        return []
    return [Reading(base, present=(frozenset(["ال" + base]),),
                    outnumber=(("ال" + base, "ال" + word, _NOUN_OVER_FEMININE),), not_if_ta=True)]


def _maqsura_before_pronoun(word: str) -> list[Reading]:
    """مستواه, معناها, قراهم: a noun in ى (مستوى, normalized مستوي) writes
    it ا before a pronoun, which the stemmer keeps (مستوا): the noun, and
    its other forms with a pronoun.  Taken where the index writes the noun
    with the article at least as often as the word typed (not حماه, Hama,
    for الحمى), and the word typed hardly ever (not فتاه, الفتاة "the
    girl", for الفتى)."""
    for pronoun in PRONOUNS:
        rest = word[: -len(pronoun) - 1]
        if word.endswith("ا" + pronoun) and len(rest) >= 2:
            base = rest + "ي"
            evidence = dict(present=(frozenset(["ال" + base]),),
                            outnumber=(("ال" + base, word, 1.0), (word, "ال" + word, _BARE_OVER_ARTICLE)))
            return [Reading(base, **evidence), Reading(rest + "ا", **evidence, forms="pronouns")]
    return []


def _maqsura_with_pronouns(word: str) -> list[Reading]:
    """مستوى (normalized مستوي) finds مستواه and مستواها, its ى written ا
    before a pronoun, where the index writes that form at least twice as
    often as the word in ي before one (مستويها; not محلي, whose pronoun
    forms keep their ي)."""
    rest = word[:-1]
    # Nouns of place and of the like (مستوى, ملتقى, مبنى); not the verbs in
    # ى, whose forms spell other words (ترى: تراكم, أدى: أداة).
    if not word.endswith("ي") or not word.startswith("م") or len(rest) < 3 or is_function_word(word):
        return []
    return [Reading(rest + "ا", present=(frozenset([rest + "اها"]),), outnumber=((rest + "اها", rest + "يها", 2.0),),
                    forms="pronouns")]


def _place_feminine(word: str) -> list[Reading]:
    """ليبية, سورية: a country's adjective in the feminine, which the stemmer
    keeps whole in so short a word (ليبيه), as it reduces الإيرانية."""
    return [Reading(word[:-1])] if word.endswith("ه") and is_place_adjective(word[:-1]) else []


# How much more often the index must write a noun in ي with the article
# than without its ي (القاضي against قاض) for the two to be one noun.
_DEFINITE_OVER_INDEFINITE = 5.0


def _manqus(word: str, definite: bool = False) -> list[Reading]:
    """قاض and القاضي, ناد and النادي: a noun in ي drops it where it has
    neither the article nor a pronoun (so a word typed with the article is
    never the short form: الدول is not الدولي's).  Either way, taken where
    the index writes the noun with the article and its ي five times as
    often as the short form, and the short form hardly ever with the
    article (not حال, الحال, for الحالي; not عرب for عربي)."""
    if word.endswith("ي") and len(word) >= 4 and not is_function_word(word):
        short, full = word[:-1], word
    elif definite:
        return []
    elif len(word) >= 3 and not word.endswith(("ي", "ه", "ا", "ى", "ء")) and not is_function_word(word):
        short, full = word, word + "ي"
    else:
        return []
    if full[-3] != "ا":
        # The nouns that drop their ي have an ا before its consonant (قاضي,
        # محامي, أراضي); a ى folded to ي does not drop (أدنى: no أدن).
        return []
    evidence = (("ال" + full, short, _DEFINITE_OVER_INDEFINITE), (short, "ال" + short, _BARE_OVER_ARTICLE))
    if short == word:
        return [Reading(full, present=(frozenset(["ال" + full]),), outnumber=evidence)]
    return [Reading(short, present=(frozenset([short]),), outnumber=evidence, forms="bare")]


def _short_dual(word: str) -> list[Reading]:
    """يومين, الشخصين: the dual (or plural) in ين of a three-letter noun,
    which the stemmer leaves whole so that تمرين is not تمر.  Taken when the
    index holds the noun with the article and both cases of the dual.  Not
    a word in ان: names (عمران, سلمان, عثمان) have both cases in news; nor
    a country's name (البحرين is not two seas).  The dual of a two-letter
    noun in ة (سنتين, سنتان) is its own reading."""
    base = word[:-2]
    if len(base) != SHORTEST_BASE or not word.endswith(("ين", "ان")) or is_name(word):
        return []
    found = []
    if base.endswith("ت"):
        # سنتين, مرتان: a two-letter noun in ة, whose dual writes it ت:
        # where the index writes the noun with the article at least as often.
        noun = base[:-1] + "ه"
        found.append(Reading(noun, present=(frozenset(["ال" + noun]),), outnumber=(("ال" + noun, word, 1.0),)))
    if word.endswith("ين"):
        both = tuple(frozenset([base + suffix, "ال" + base + suffix]) for suffix in ("ان", "ين"))
        found.append(Reading(base, present=both + (frozenset(["ال" + base]),)))
    return found


def _suffix_bases(word: str) -> list[str]:
    """The word and the bases it is a suffixed form of, by the stemmer's
    own judgement: both reduce to one stem behind the article."""
    bases = [word]
    for candidate, compared in _candidates(word):
        if len(candidate) >= SHORTEST_BASE and (compared is None or _one_stem(compared, candidate)):
            bases.append(candidate)
    return bases


def _one_stem(form: str, base: str) -> bool:
    """Whether the stemmer reduces form and base to one stem, behind the
    article.  A leading ب ك ل ف counts as a possible preposition in its
    length rules: a word that begins with one of them is also judged as if
    it began with another letter (لاعبون), unless it ends in ه, which may be
    its ة (بلدية is not بلدي + ه)."""
    if stem_whole(form) == stem_whole(base):
        return True
    return (
        form[:1] in "بكلف"
        and not form.endswith("ه")
        and stem_whole("م" + form[1:]) == stem_whole("م" + base[1:])
    )


def _candidates(word: str) -> list[tuple[str, str | None]]:
    """(base, form to compare its stem with; None: no need) for each suffix
    the expansion adds that the word may end in."""
    found = []
    for suffix in ("ون", "ين", "ان"):
        if word.endswith(suffix):
            rest = word[:-2]
            found.append((rest, word))
            if suffix != "ون" and rest.endswith("ت"):  # the dual of a ة-noun
                found.append((rest[:-1] + "ه", word))
    if word.endswith("ات"):
        found += [(word[:-2] + "ه", word), (word[:-2], word)]
    for pronoun in PRONOUNS:
        rest = word[: -len(pronoun)]
        if word.endswith(pronoun) and rest:
            # A lone ه may be the ة of the word itself: compare the word as
            # typed; any other pronoun as ها, which the stemmer removes.
            compared = word if pronoun == "ه" else rest + "ها"
            found += [(base, compared) for base in _before_pronoun(rest)]
            if rest.endswith("و") and len(rest) > SHORTEST_BASE:
                # The plural's construct before a pronoun: معلموها.
                found.append((rest[:-1], None))
            break
    return found


def _before_pronoun(rest: str) -> list[str]:
    """What a word is, seen before a pronoun: ة is written ت (مدينتها), the
    plural keeps its ات, a final hamza sits on ي or و (مائها, ماؤها)."""
    if rest.endswith("ئ"):
        return [rest[:-1] + "ء"]
    if rest.endswith("ات"):
        return [rest, rest[:-2] + "ه", rest[:-2]]
    if rest.endswith("ت"):
        return [rest, rest[:-1] + "ه"]
    return [rest]


def _unique(found: list[Reading]) -> tuple[Reading, ...]:
    """Readings in order, a base once where it is certain (its first
    certain reading); otherwise each way the index may show it, once."""
    chosen: dict[str, list[Reading]] = {}
    for reading in found:
        kept = chosen.setdefault(reading.base, [])
        if reading.certain:
            if not (kept and kept[0].certain):
                kept[:] = [reading]
        elif not (kept and kept[0].certain) and reading not in kept:
            kept.append(reading)
    return tuple(reading for kept in chosen.values() for reading in kept)
