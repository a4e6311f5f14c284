"""Arabic light stemming of a normalized word (see analyze.normalize): one
article group, one attached pronoun, one number suffix.  A change here that
alters a stem needs analyze.ANALYZER_VERSION bumped."""

from __future__ import annotations

from functools import lru_cache

from .whole_data import KEPT_WHOLE, SPLIT_ANYWAY

# Article groups, longest first: conjunction و/ف, preposition ب/ك/ل, then ال
# (ل + ال is written لل).  Only one group is removed.
ARTICLES = (
    "وبال", "وكال", "فبال", "فكال", "ولل", "فلل",
    "وال", "فال", "بال", "كال", "لل", "ال",
)
# What a query word may be written with in front: conjunctions and
# prepositions ("" for none); the article groups are ARTICLES.
CLITICS = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك")
# Attached pronouns, longest first.  Single ك (your) and ي (my) are left alone:
# too many words end in those letters (ملك, شريك, كرسي).
PRONOUNS = ("هما", "كما", "هم", "هن", "ها", "كم", "كن", "نا", "ه")
# Words the rules would damage: the name of God would become له (for him),
# على + pronoun would meet the name علي, and الآن (now) is not ال + ان (that).
UNSTEMMED = frozenset(
    ["الله", "لله", "والله", "بالله", "فالله", "تالله", "الان", "والان", "فالان"]
    + ["علي" + p for p in ("ه", "ها", "هم", "هما", "هن", "ك", "كم", "كما", "كن", "نا")]
)


# Stems that are a common word of their own, different from the ة-noun that
# would otherwise be stemmed to them: الرياض (Riyadh) is not رياضة (sport),
# جامع (mosque) not جامعة (university).  Their ة stays, as ه.  Taken from the
# most frequent such pairs in two months of Saudi news.
FEMININE_KEPT = frozenset(
    ["رياض", "جامع", "منطق", "مدين", "طريق", "سلام", "مساعد", "قاعد", "عاصم",
     "مكتب", "مدرس", "امان", "محكم", "مئسس", "مجموع", "ادار", "عملي"]
)


# A ب ك ل ف in front: an attached preposition or conjunction, which the
# length rules discount (_core_length).
_LEADING = frozenset("بكلف")


def stem_arabic(word: str) -> str:
    """Light-stem a normalized Arabic word: one article group, one pronoun,
    one number suffix.

    >>> [stem_arabic(w) for w in ["والحسن", "بالحسن", "وحسن", "للاخر", "زوجها"]]
    ['حسن', 'حسن', 'حسن', 'اخر', 'زوج']
    >>> from archive.analyze import normalize
    >>> [stem_arabic(normalize(w)) for w in ["حكومة", "حكومتها", "دولة", "دولتهم", "دولية"]]
    ['حكوم', 'حكوم', 'دوله', 'دوله', 'دولي']
    >>> [stem_arabic(normalize(w)) for w in ["الرياض", "الرياضة", "رياضتها"]]
    ['رياض', 'رياضه', 'رياضه']
    >>> [stem_arabic(normalize(w)) for w in ["ماء", "مائها", "أعضاؤها", "مائة", "المئة"]]
    ['ماء', 'ماء', 'اعضاء', 'مائه', 'مئه']
    """
    if word in UNSTEMMED:
        return word
    whole = _whole(word)
    if whole is not None:
        return whole[2]
    return _stem_rest(_strip_article(word))


def stem_arabic_all(words: list[str]) -> list[str]:
    """stem_arabic() of each word, the words that are one rest behind
    different article groups (والوزير, بالوزير, للوزير) stemmed once: a
    query's expansion stems a thousand such forms, an import's words rarely
    share a rest (docs/performance.md).

    >>> stem_arabic_all(["والحسن", "بالحسن", "وحسن"])
    ['حسن', 'حسن', 'حسن']
    """
    rests: dict[str, str] = {}
    # Whether a word may be kept whole is read from its first six letters,
    # and how much of it is an article group from its first four and its
    # length (at most six): both from its first six, which the forms of one
    # base share.  A cut of None: it may be kept whole.
    cuts: dict[str, int | None] = {}
    stems = []
    for word in words:
        if word in UNSTEMMED:
            stems.append(word)
            continue
        head = word[:6]
        cut = cuts.get(head, -1)
        if cut == -1:
            cut = cuts[head] = None if _may_be_whole(head) else len(head) - len(_strip_article(head))
        if cut is None:
            whole = _whole_by_clitic(word)
            if whole is not None:
                stems.append(whole[2])
                continue
            cut = len(word) - len(_strip_article(word))
        rest = word[cut:]
        found = rests.get(rest)
        if found is None:
            found = rests[rest] = _stem_rest_sharing(rest, rests)
        stems.append(found)
    return stems


def _stem_rest_sharing(rest: str, rests: dict[str, str]) -> str:
    """_stem_rest() of a rest, through the rest one letter shorter where
    that letter is a ب ك ل ف not followed by another: the length rules
    discount it (_core_length), so the stem is that letter and the shorter
    rest's stem (بحكومتها, حكومتها), which the rest of a base's forms share.
    Not where the shorter rest is a letter then ات (بزات: its plural is read
    on the longer word alone).  No word kept with its ة begins with such a
    letter (FEMININE_KEPT), so the letter never makes one."""
    lead = rest[:1]
    if lead in _LEADING and len(rest) > 1 and rest[1] not in _LEADING and rest[2:4] != "ات":
        shorter = rest[1:]
        stem = rests.get(shorter)
        if stem is None:
            stem = rests[shorter] = _stem_rest(shorter)
        return lead + stem
    return _stem_rest(rest)


def whole_split(word: str) -> tuple[str, str] | None:
    """(clitic, rest) where the rest is a word whose first letters look like
    "and" or the article but are its own (KEPT_WHOLE: وزير is not و + زير,
    ألوان not ال + وان), the clitic what comes before it ("" for nothing);
    None for any other word.

    >>> whole_split("وزيرها"), whole_split("بالوان"), whole_split("وحكومتها"), whole_split("والدين")
    (('', 'وزيرها'), ('ب', 'الوان'), None, None)
    """
    whole = _whole(word)
    return None if whole is None else whole[:2]


def _whole(word: str) -> tuple[str, str, str] | None:
    """whole_split's (clitic, rest) and the rest's stem, or None."""
    # Set look-ups first, for most words: the stemmer runs once per distinct
    # word of an import, and a query's expansion looks at a thousand forms.
    if not _may_be_whole(word):
        return None
    return _whole_by_clitic(word)


def _may_be_whole(word: str) -> bool:
    """Whether the word begins as one KEPT_WHOLE holds may, with a clitic in
    front or not: read from its first six letters alone."""
    return (word[:4] in _HEADS_4 or word[:3] in _HEADS_3 or word[:1] in _CLITIC_SET and (
        word[1:5] in _HEADS_4 or word[1:4] in _HEADS_3
        or word[:2] in _CLITIC_SET and (word[2:6] in _HEADS_4 or word[2:5] in _HEADS_3)
    ))


# A query's expansion stems a word kept whole with each clitic and article
# group in front (وزير, ووزيرها, بالوزير...) and looks at each form twice:
# the same rests over and over, which these caches answer.
@lru_cache(maxsize=4096)
def _whole_by_clitic(word: str) -> tuple[str, str, str] | None:
    for clitic in CLITICS:
        rest = word[len(clitic):]
        if word.startswith(clitic) and rest not in SPLIT_ANYWAY:
            stem = _stem_rest_cached(rest)
            if stem in KEPT_WHOLE:
                return clitic, rest, stem
    return None


@lru_cache(maxsize=4096)
def _stem_rest_cached(rest: str) -> str:
    return _stem_rest(rest)


def _heads(stem: str) -> set[str]:
    """How a word that stems to `stem` begins: the stem, its last letter as
    the stemmer may have found it (a ة as ت or as the ا of ات, a hamza on
    its seat)."""
    last = {"ه": "تا", "ء": "ئ"}.get(stem[-1:], "")
    return {stem} | {stem[:-1] + letter for letter in last}


# How the words kept whole begin, by their first four letters (or three,
# for the shortest): a word that begins with none of these, with a clitic
# in front or not, is kept whole by no stem.
_HEADS = set().union(*map(_heads, KEPT_WHOLE))
_HEADS_4 = frozenset(head[:4] for head in _HEADS if len(head) >= 4)
_HEADS_3 = frozenset(head for head in _HEADS if len(head) == 3)
_CLITIC_SET = frozenset(CLITICS[1:])


def stem_whole(word: str) -> str:
    """The stem of a word read whole: its first letters its own, not "and"
    or the article, whether or not KEPT_WHOLE holds it.  Also what a word
    stems to behind the article (الوان is ال + ألوان as ال + وان).

    >>> stem_whole("وزيرها"), stem_arabic("وزيرها"), stem_arabic("وحكومتها"), stem_arabic("وكالات")
    ('وزير', 'وزير', 'حكوم', 'وكال')
    >>> stem_arabic("الوان"), stem_arabic("بالالوان"), stem_arabic("والوان"), stem_arabic("الوزير")
    ('الوان', 'الوان', 'الوان', 'وزير')
    """
    return _stem_rest(word)


def _stem_rest(bare: str) -> str:
    """The stem of a word whose article group (if any) is gone: one pronoun,
    one number suffix."""
    word, had_pronoun = _strip_pronoun(bare)
    word = _strip_number(word, had_pronoun)
    if word[-1:] == "\u0626":
        # A final hamza sits on yeh or waw before a suffix and on the line
        # alone (اعضائها, اعضاؤها, اعضاء): one stem.
        word = word[:-1] + "\u0621"
    kept = word in FEMININE_KEPT or (word[:1] in _LEADING and word[1:] in FEMININE_KEPT)
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
_ARTICLES_BY_LENGTH = _by_length(ARTICLES)
_PRONOUNS_BY_LENGTH = _by_length(PRONOUNS)


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
    return len(word) - 1 if word[:1] in _LEADING and len(word) > 3 else len(word)


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
