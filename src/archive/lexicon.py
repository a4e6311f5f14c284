"""The lexicon tables the query expansion adds to a word: a country's name
and its adjective (places_data.py), the spellings of one loanword or name
(variants_data.py), a singular and its broken plural (plurals_data.py); and
the words whose forms it narrows: names and particles (no noun endings).
Query side only: the index does not depend on them."""

from __future__ import annotations

from .places_data import ADJECTIVES
from .plurals_data import HAND as HAND_PLURALS
from .plurals_data import PAIRS as PLURAL_PAIRS
from .variants_data import GROUPS as VARIANT_GROUPS

# A country's name and its adjective stand for each other (places_data.py,
# built and reviewed by benchmarks/build_places.py): إيران, الإيرانية.
_PLACES: dict[str, list[str]] = {}
for _name, _adjective in ADJECTIVES.items():
    _PLACES.setdefault(_name, []).append(_adjective)
    _PLACES.setdefault(_adjective, []).append(_name)


def places(*words: str) -> list[str]:
    """The country names and adjectives that some of these words stand for.

    >>> places("ايران"), places("سوري")
    (['ايراني'], ['سوريا', 'سوريه'])
    """
    return [other for word in words for other in _PLACES.get(word, ())]


# Spellings of one loanword or name stand for each other (variants_data.py,
# mined and reviewed by benchmarks/build_variants.py): امريكا, اميركا.
_VARIANTS: dict[str, list[str]] = {}
for _group in VARIANT_GROUPS:
    for _spelling in _group:
        _VARIANTS.setdefault(_spelling, []).extend(s for s in _group if s != _spelling)


def variants(*words: str) -> list[str]:
    """The other spellings of the loanwords and names these words are.

    >>> variants("امريكا"), variants("مليشيات")
    (['اميركا'], ['ميلشيات', 'ميليشيات'])
    """
    return [other for word in words for other in _VARIANTS.get(word, ())]


# A loanword in ا and its plural in ات, when the spellings table holds both
# (ميليشيا, ميليشيات): the expansion adds ات to no word in ا, as most are
# names (روسيا) or other words.
_LOAN_PLURALS: dict[str, str] = {}
for _spelling in _VARIANTS:
    if _spelling.endswith("ا") and _spelling + "ت" in _VARIANTS:
        _LOAN_PLURALS[_spelling] = _spelling + "ت"
        _LOAN_PLURALS[_spelling + "ت"] = _spelling


def loan_plurals(*words: str) -> list[str]:
    """The plural in ات of these loanwords in ا, or the singular of these plurals.

    >>> loan_plurals("ميليشيا"), loan_plurals("مليشيات"), loan_plurals("امريكا")
    (['ميليشيات'], ['مليشيا'], [])
    """
    return [_LOAN_PLURALS[word] for word in words if word in _LOAN_PLURALS]


# A singular and its broken plural stand for each other (plurals_data.py,
# mined and reviewed by benchmarks/build_plurals.py): مدرسه, مدارس.  One
# step only: a plural with two singulars (طرق: طريق, طريقه) does not make
# the singulars one word.
_PLURALS: dict[str, list[str]] = {}
_SINGULARS: dict[str, list[str]] = {}  # of the plurals only
for _singular, _plural in PLURAL_PAIRS + HAND_PLURALS:
    _PLURALS.setdefault(_singular, []).append(_plural)
    _PLURALS.setdefault(_plural, []).append(_singular)
    _SINGULARS.setdefault(_plural, []).append(_singular)


def singulars(*words: str) -> list[str]:
    """The singulars of those of these words that are broken plurals.

    >>> singulars("مشاريع"), singulars("مشروع")
    (['مشروع'], [])
    """
    return [other for word in words for other in _SINGULARS.get(word, ())]


def plurals(*words: str) -> list[str]:
    """The broken plurals of these words, and the singulars of those that
    are broken plurals.

    >>> plurals("مدرسه"), plurals("مشاريع")
    (['مدارس'], ['مشروع'])
    """
    return [other for word in words for other in _PLURALS.get(word, ())]


def lexicon_words(*words: str) -> list[str]:
    """What the lexicon tables (places, spellings, broken plurals) add to
    these words, each spelling with its place's or adjective's spellings,
    its loanword plural's and its singular's or plural's; `archive search --no-lexicon` leaves them out.

    >>> sorted(lexicon_words("امريكا"))
    ['امريكي', 'اميركا', 'اميركي']
    >>> lexicon_words("قاعده")
    ['قواعد']
    """
    spelled = list(words) + variants(*words)
    related = places(*spelled) + loan_plurals(*spelled)
    return list(dict.fromkeys(variants(*words) + related + variants(*related) + plurals(*spelled)))


# Country names whose adjective places_data.py leaves out (its stop list:
# تركي is a given name): still names.
_MORE_NAMES = ("تركيا", "كندا", "كوبا", "غانا", "جورجيا", "بيرو", "عمان")
_NAMES = frozenset(ADJECTIVES) | frozenset(_MORE_NAMES)


def is_name(word: str) -> bool:
    """Whether a word is a country's name, which takes no feminine or plural
    ending: مصرة, قطرات, مصراتة are other words, not forms of مصر, قطر.

    >>> is_name("مصر"), is_name("تركيا"), is_name("مدرسه")
    (True, True, False)
    """
    return word in _NAMES


_ADJECTIVES = frozenset(ADJECTIVES.values())


def is_place_adjective(word: str) -> bool:
    """Whether a word is a country's adjective (its masculine singular).

    >>> is_place_adjective("ليبي"), is_place_adjective("دولي")
    (True, False)
    """
    return word in _ADJECTIVES


# Prepositions and particles of three letters or more that take an attached
# pronoun (عليها, لديهم, قبله) but neither a noun's endings nor a
# preposition: آلية, بلدية, قبلات, الكحول are other words.  Not دون and the
# demonstratives, which do take one (بدون, لذلك, بهذه).  Normalized.
_PARTICLES = frozenset(
    ["الي", "علي", "حتي", "لدي", "منذ", "عند", "بين", "خلال", "حول", "عبر", "قبل", "بعد",
     "تحت", "فوق", "لكن", "لكي", "اذا", "لقد"]
)


def is_particle(word: str) -> bool:
    """Whether a word is a particle that takes pronouns only.

    >>> is_particle("لدي"), is_particle("لجنه")
    (True, False)
    """
    return word in _PARTICLES


# Words of grammar (demonstratives, particles, the verb "to be") whose forms
# with a conjunction or preposition in front are idioms of their own (لذلك
# "therefore", وهذا ما "which is what"): never reduced to the bare word by
# the index's counts (bases.py).  Normalized.
_FUNCTION_WORDS = _PARTICLES | frozenset(
    ["هذا", "هذه", "هذان", "هاتان", "ذلك", "ذاك", "تلك", "هئلاء", "اولئك", "هنا", "هناك", "هنالك",
     "هكذا", "كذلك", "لذلك", "لكنه", "لكنها", "لكنهم", "ليس", "ليست", "ليسوا", "كان", "كانت",
     "كانوا", "يكون", "تكون", "كما", "كلما", "لما", "مما", "بما", "فيما", "عما", "ممن", "ماذا",
     "لماذا", "متي", "اين", "كيف", "انه", "انها", "انهم", "اننا", "انني", "انما", "لان", "لانه",
     "سوف", "ربما", "حيث", "بينما", "عندما", "ايضا", "فقط", "مثل", "غير", "دون", "الا", "لدي", "ذات"]
)


# Short prepositions and particles that take a pronoun (منها, فيه, له).
_SHORT_PARTICLES = frozenset(["من", "عن", "في", "مع", "ان", "ل", "ب", "ك"])


def is_function_word(word: str) -> bool:
    """Whether a word is a word of grammar (_FUNCTION_WORDS), or a particle
    with a pronoun (منها, عليهم; not كره, a ball, whose ة is written ه).

    >>> is_function_word("ذلك"), is_function_word("منها"), is_function_word("كره"), is_function_word("سوريا")
    (True, True, False, False)
    """
    if word in _FUNCTION_WORDS:
        return True
    for pronoun in ("هما", "هم", "هن", "ها", "كم", "نا", "ه"):
        rest = word[: -len(pronoun)]
        if word.endswith(pronoun) and (rest in _PARTICLES or rest in _SHORT_PARTICLES):
            return True
    return False


# Numbers written as words, each group one number (normalized): a unit's
# masculine and feminine, a ten's two cases, a hundred's two spellings.  The
# stemmer reads a ten as its unit's plural (ثلاثين, ثلاث) and keeps some
# feminines whole (خمسة), so these are looked up as written (expand.py).
# Not two: الاثنين is Monday, اثني also أثنى ("praised").
_NUMBER_GROUPS = [
    ("ثلاث", "ثلاثه"), ("اربع", "اربعه"),
    ("خمس", "خمسه"), ("سته", "ست"), ("سبع", "سبعه"), ("ثمان", "ثماني", "ثمانيه"), ("تسع", "تسعه"),
    ("عشر", "عشره"), ("عشرون", "عشرين"), ("ثلاثون", "ثلاثين"), ("اربعون", "اربعين"), ("خمسون", "خمسين"),
    ("ستون", "ستين"), ("سبعون", "سبعين"), ("ثمانون", "ثمانين"), ("تسعون", "تسعين"), ("مائه", "مئه", "مئات"),
    ("مائتان", "مائتين", "مائتي", "مئتان", "مئتين", "مئتي"), ("الفان", "الفين", "الفي"),
]
_NUMBERS = {word: frozenset(group) for group in _NUMBER_GROUPS for word in group}


# A number's forms that are mostly other words: لست "I am not", الست "the
# lady" (six with the article is الستة).
_NUMBER_LOOKALIKES = frozenset(["لست", "الست"])


def number_lookalike(form: str) -> bool:
    """Whether a number's written form is mostly another word, after و or ف too.

    >>> number_lookalike("ولست"), number_lookalike("بست")
    (True, False)
    """
    return form in _NUMBER_LOOKALIKES or form[:1] in "وف" and form[1:] in _NUMBER_LOOKALIKES


def number_words(word: str) -> frozenset[str]:
    """The written words of the number a word is (empty if none).

    >>> sorted(number_words("خمسه")), number_words("وزير")
    (['خمس', 'خمسه'], frozenset())
    """
    return _NUMBERS.get(word, frozenset())


# Two-letter nouns with longer forms, each taking a pronoun: the father and
# the brother lengthen (أبوه, أخيها; not أبي, whose stem is that of أبيات,
# verses), the brother has a feminine (أخته), the hand a dual (يدين, يداه).
# Other two-letter words take a pronoun only (analyze.py).
_SHORT_NOUNS = {
    "اب": ("ابو", "ابا"),
    "اخ": ("اخو", "اخي", "اخا", "اخت"),
    "يد": ("يدا", "يدي", "يدان", "يدين"),
}


def short_noun_forms(word: str) -> tuple[str, ...]:
    """The longer forms of a two-letter noun, each of which takes a pronoun.

    >>> short_noun_forms("اب"), short_noun_forms("في")
    (('ابو', 'ابا'), ())
    """
    return _SHORT_NOUNS.get(word, ())
