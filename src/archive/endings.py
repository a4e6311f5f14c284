"""Case endings as readings: the construct of a sound plural (موظفي,
مسؤولو) and the indefinite accusative in ا (شخصا, شيئا), each taken where
the index shows it; and the verb a singular of the form فاعل also is."""

from __future__ import annotations

from .lexicon import is_name
from .reading import ARTICLE_CLITICS, SHORTEST_BASE, Reading
from .stemmer import PRONOUNS


def construct_readings(word: str) -> list[Reading]:
    """موظفي, مسؤولو (employees of, officials of), موظفيها: a noun with a
    sound plural, in construct.  Not before ه, which may be the ة of an
    adjective or noun in ية (مسؤولية)."""
    found = []
    for pronoun in ("",) + PRONOUNS[:-1]:
        rest = word[: len(word) - len(pronoun)]
        if word.endswith(pronoun) and rest[-1:] in ("ي", "و") and len(rest) > SHORTEST_BASE:
            reading = construct(rest[:-1], rest[-1])
            if pronoun:
                reading = reading._replace(absent=reading.absent + (frozenset(["ال" + word]),))
            found.append(reading)
    return found


def construct(base: str, ending: str = "ي") -> Reading:
    """What the index must show for base + ي (or و) to be the construct of
    base's plural: the plural in ون (ين is also the dual of any noun), and
    never the ي-word with the article in both genders (that is an
    adjective or a noun of its own: الدولي, الدولية; both, as one misspelt
    اللاعبي would otherwise decide)."""
    plurals = frozenset([base + "ون", "ال" + base + "ون"])
    nisba = frozenset(["ال" + base + ending, "ال" + base + ending + "ه"])
    return Reading(base, present=(plurals,), absent=(nisba,))


# The construct forms looked up, the common ones only: each is one more
# written form to check against the index for every masculine query word.
_CONSTRUCT_CLITICS = ("", "و", "ل", "ب", "ول", "وب")
_CONSTRUCT_ENDINGS = ("ي", "و", "يها", "يهم", "ينا")


def construct_forms(base: str) -> frozenset[str]:
    """The written construct forms of a base: موظفي, وموظفي, لموظفيها, مسؤولو."""
    if len(base) < SHORTEST_BASE or base.endswith("ه"):
        return frozenset()
    return frozenset(c + base + e for c in _CONSTRUCT_CLITICS for e in _CONSTRUCT_ENDINGS)


# Words in ا that the accusative rule would take for a noun's, but that are
# names, verbs or other words of their own (روما is not روم + ا, بدوا "they
# appeared" not بدو + ا); frequent ones kept out whatever the index holds;
# and adverbs in ا whose noun a reader takes for another word (مشيرا
# "pointing out" for مشير "marshal", ابدا "never" for ابد, طبعا "of course"
# for طبع), from benchmarks/build_accusative.py's list, reviewed.
NOT_ACCUSATIVE = frozenset(
    ["روما", "كوبا", "انجيلا", "وهنا", "بدوا", "سموا", "فروا", "وغدا", "ايضا", "فرنسا", "كلما", "وانا"]
    + ["مشيرا", "مئكدا", "خصوصا", "مبينا", "فضلا", "لافتا", "تماما", "بدلا", "تقريبا", "موضحا", "مشددا",
       "ابدا", "سائلا", "مسجلا", "سلبا", "طبعا", "مجانا", "ايجابا", "مثمنا", "معبرا", "مخاطبا", "عطفا", "مذكرا"]
)


def accusative_forms(base: str) -> frozenset[str]:
    """The indefinite accusative of a noun, written with a final ا (tanween:
    شخصاً, مواطناً, شيئاً), alone or after و ف; none for a base that does not
    take it or that the rule would merge with another word: one in ي (سوري:
    سوريا is the country, علي: عليا), ه (its ة: مدينةً), ا ى or اء; in هم or
    كم (وهما, لهما are و + هما, ل + هما); of two letters (جد: جدا); a
    country's name, which takes none (قطرا is a diameter)."""
    return frozenset(clitic + form for form in _accusative_written(base) for clitic in ("", "و", "ف"))


def _accusative_written(base: str, stop: bool = True) -> set[str]:
    if len(base) < SHORTEST_BASE or base.endswith(("ي", "ه", "ا", "ى", "اء", "هم", "كم")) or is_name(base):
        return set()
    # A final hamza sits on ي before the ا, or stays on the line (شيئا, جزءا).
    written = {base + "ا"} | ({base[:-1] + "ئا"} if base.endswith("ء") else set())
    return written - NOT_ACCUSATIVE if stop else written


def accusative(base: str, stop: bool = True) -> Reading | None:
    """What the index must show for base + ا to be base's accusative: the
    base with the article, twice over (الشخص and والشخص: one misspelling
    decides nothing); the ا-word never with it (العليا, البابا are words of
    their own); and for a base in ن, not a shorter word with the article
    (يومنا is يوم + نا, our day)."""
    own = _accusative_written(base, stop)
    if not own:
        return None
    present = (frozenset(["ال" + base]), frozenset(a + base for a in ARTICLE_CLITICS))
    absent = tuple(frozenset(["ال" + form, a + form]) for form in own for a in ARTICLE_CLITICS)
    if base.endswith("ن"):
        absent += (frozenset(["ال" + base[:-1]]),)
    return Reading(base, present=present, absent=absent)


def verb_reading(base: str) -> Reading | None:
    """A singular of the form فاعل (طالب, عامل, حاكم) is also the perfect
    of a verb (طالب "demanded", عامل "treated"); its bare forms are the
    noun's only where the index shows the verb is not in use: it is not
    written in the two forms only the verb takes, the perfect's plural and
    feminine (طالبوا and طالبت; one misspelling decides nothing: عاملت
    alone keeps عامل a noun).  None for other words.

    >>> verb_reading("طالب").absent == (frozenset({"طالبوا", "طالبت"}),), verb_reading("مدرسه")
    (True, None)
    """
    if len(base) != 4 or base[1] != "ا":
        return None
    return Reading(base, absent=(frozenset([base + "وا", base + "ت"]),))


def accusative_readings(word: str, stop: bool = True) -> list[Reading]:
    """شخصا, مواطنا, شيئا: the accusative of a noun, typed; its base
    (stop=False: NOT_ACCUSATIVE left aside, to list what it keeps out).

    >>> [r.base for r in accusative_readings("شيئا")], accusative_readings("مشيرا")
    (['شيء'], [])
    """
    if not word.endswith("ا"):
        return []
    stem = word[:-1]
    base = stem[:-1] + "ء" if stem.endswith("ئ") else stem
    reading = accusative(base, stop)
    return [reading] if reading and word in _accusative_written(base, stop) else []
