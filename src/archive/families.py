"""A word's derivational family, on request (the query operator ``~word``):
the verbal noun, the verb in the past and the present, and the participle
of one derived verb form (استهداف, استهدف, يستهدف, مستهدف).

Families come from rules, not a table: the written patterns of the derived
forms III, V, VI, VII, VIII and X of sound roots.  A word belongs to the
family of (form, root) when it is one of the written forms the rules give
that family, so the relation is the same both ways.  Query side only; the
query checks the forms against the index (query.word_lookups).

Precision first (docs/query-grammar.md says what is left out and why):

* Forms II and IV are left out: without vowels their patterns are those of
  Form I words and of broken plurals (توقيع موقع وقع, أعمال يعمل).
* Weak and hamzated roots are left out (their forms are irregular), but for
  و first in forms III, V, VI, X and و or ي second in III, V, VI, where the
  letter behaves as a sound one (توقع, تعاون, استورد).
* Form III's bare participle and past (مطالب, طالب) are written as broken
  plurals and Form I participles: only their forms with an ending of the
  verb or of a sound plural are members (طالبت, يطالب, مطالبون).
* The contracted forms of doubled roots in forms VII and VIII (احتل, محتل)
  are members but never the word a family is found from: their patterns
  are those of common words (يكتب, مكتب).
* STOP lists stems whose sense has left their family (مستقبل the future is
  not استقبال reception); they neither find nor are found.
* A family counts only where the index holds two of its stems at least
  (indexed_family): a word of a derived form's shape alone (تبوك) finds
  nothing more.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Iterable, NamedTuple

from .stemmer import ARTICLES, CLITICS

# Letters that are always a root's consonant.  ه is one too, but last in a
# root only in _LAST_H: a final ه is mostly ة folded (منطقة is not من+طقه).
_SOUND = "بتثجحخدذرزسشصضطظعغفقكلمن"
_SOUND_OR_H = _SOUND + "ه"
_LAST_H = frozenset(["وجه", "نبه", "شبه"])

# Stems (verbal nouns, participles, verbs) whose sense has left their family
# or that are mostly another word, reviewed on the corpus
# (benchmarks/audit_families.py): none of their forms finds the family or
# is found by it.
STOP = frozenset(
    [
        "مستقبل",  # the future, not استقبال (reception)
        "مجتمع",  # society, not اجتماع (meeting)
        "منتخب",  # the national team, not انتخاب (election)
        "متوسط",  # average, Mediterranean, not توسط (mediation)
        "مختبر",  # laboratory, not اختبار (test)
        "مباشره", "مباشر",  # directly, direct, not باشر (began)
        "مناسبه", "مناسب",  # occasion, suitable, not ناسب (suited)
        "محافظه", "محافظ",  # governorate, governor, not حافظ (kept)
        "منتصف",  # the middle, not انتصف (reached the middle)
        # Mostly a Form I or IV present, not Form V's verb and verbal noun
        # (its يتفعل and متفعل stay in the family):
        "تكون",  # she is, not تكوّن (was formed)
        "تعود",  # she returns, not تعوّد (got used to)
        "تعيش", "تقول", "تقوم", "تزيد", "تريد", "توجد",
        "تصدر",  # she issues, not تصدّر (topped)
        "تنفذ",  # she carries out, not تنفّذ
    ]
)


class Form(NamedTuple):
    """One derived verb form's written patterns: 1, 2, 3 are the root's
    consonants, T the infix ت (ط, د after some first consonants)."""

    name: str
    masdar: str
    past: str
    present: str  # after the person prefix ي ت ن ا
    participle: str
    first: str  # letters allowed first in the root, besides _SOUND_OR_H
    second: str  # letters allowed second
    contracts: bool  # a doubled root writes 2 for 23 (استمر, احتل)


FORMS = (
    Form("III", "م1ا23ه", "1ا23", "1ا23", "م1ا23", "و", "وي", False),
    Form("V", "ت123", "ت123", "ت123", "مت123", "و", "وي", False),
    Form("VI", "ت1ا23", "ت1ا23", "ت1ا23", "مت1ا23", "و", "وي", False),
    Form("VII", "ان12ا3", "ان123", "ن123", "من123", "", "", True),
    Form("VIII", "ا1T2ا3", "ا1T23", "1T23", "م1T23", "", "", True),
    Form("X", "است12ا3", "است123", "ست123", "مست123", "و", "", True),
)

# The 1st person's ا is left out: ا+stem is written as Form IV (وأشارت is
# not و+أُشارت) and, before ل, as the article (الاول).
_PERSONS = ("ي", "ت", "ن")
_VERB_CLITICS = ("", "و", "ف")
_PRESENT_CLITICS = ("", "و", "ف", "س", "وس", "فس", "ل", "ول", "فل")
# A verb's object pronouns (يشاركنا, يشاركك, ويشاركهما): what a member typed
# alone is looked up with, every member has, so that any member finds the same.
_OBJECTS = ("ه", "ها", "هم", "هما", "هن", "نا", "ك", "كم")
_PAST_ENDINGS = ("", "ت", "تا", "وا", "ا", "نا", "تم", "ن") + _OBJECTS + tuple(
    ending + obj for ending in ("ت", "و") for obj in _OBJECTS
)
# Form III's past bare, in the dual and with a pronoun is a Form I
# participle (طالب, سابقا, طالبه): only these endings.
_PAST_III_ENDINGS = ("ت", "وا", "نا", "تم")
_PRESENT_ENDINGS = ("", "ون", "ان", "ين", "وا", "ا", "ن") + _OBJECTS + tuple(
    ending + obj for ending in ("ون", "و") for obj in _OBJECTS
)
_PRONOUNS = ("ه", "ها", "هم", "هما", "هن", "نا", "كم")
# With the accusative's ا (استهدافا, مستهدفا), as the nouns typed alone are.
_NOUN_ENDINGS = ("", "ات", "ا")
_FEMININE_ENDINGS = ("ه", "ات", "تين", "تان")
_FEMININE_PRONOUNS = tuple("ت" + p for p in _PRONOUNS)
# With the accusative's ا and the construct plural's ي (مستهدفا, معتقلي).
_PARTICIPLE_ENDINGS = ("", "ه", "ون", "ين", "ات", "ان", "تين", "تان", "ا", "ي")
# Form III's bare participle is a broken plural (مطالب, مصالح).
_PARTICIPLE_III_ENDINGS = ("ون", "ين")


def _infix(first: str) -> str:
    """Form VIII's ت after the root's first consonant: ط after the
    emphatics (اصطدام), د after د ذ ز (ازدحام)."""
    return "ط" if first in "صضطظ" else "د" if first in "دذز" else "ت"


def fill(pattern: str, root: str) -> str:
    """A pattern written with a root's consonants: fill("است12ا3", "هدف") is استهداف."""
    first, second, third = root
    return (pattern.replace("T", _infix(first)).replace("1", first)
            .replace("2", second).replace("3", third))


def _contracted(pattern: str) -> str:
    return pattern.replace("23", "2")


def _nouns(stem: str, endings: tuple[str, ...], owned: tuple[str, ...] = ()) -> set[str]:
    """Written forms of a noun: an ending (`owned` ones hold a pronoun and
    take no article), then a clitic or the article."""
    forms = set()
    for ending in endings + owned:
        word = stem + ending
        forms.update(clitic + word for clitic in CLITICS)
        if ending not in owned:
            forms.update(article + word for article in ARTICLES)
    return forms


class Family(NamedTuple):
    """The written forms of one (form, root) family, by role (masdar, past,
    present, participle)."""

    roles: dict[str, frozenset[str]]
    stems: tuple[frozenset[str], ...]  # the forms of each distinct stem

    @property
    def forms(self) -> frozenset[str]:
        return frozenset().union(*self.roles.values())


# A family holds about a thousand forms: a few hundred families are kept.
@lru_cache(maxsize=512)
def family(form: Form, root: str) -> Family:
    """The written forms of a root's family in one derived form.

    >>> f = family(FORMS[-1], "هدف")
    >>> {"استهداف", "استهدفت", "تستهدف", "والمستهدفين"} <= f.forms
    True
    """
    doubled = form.contracts and root[1] == root[2]
    patterns = [form.masdar] + [_contracted(p) if doubled else p for p in (form.past, form.present, form.participle)]
    masdar, past, present, participle = (fill(p, root) for p in patterns)
    third = form.name == "III"
    roles = {
        "masdar": _nouns(masdar[:-1], _FEMININE_ENDINGS, _FEMININE_PRONOUNS) if masdar.endswith("ه")
        else _nouns(masdar, *_masdar_endings(form, root)),
        "past": {c + past + e for c in _VERB_CLITICS for e in _past_endings(form, root, doubled)},
        "present": {c + p + present + e for c in _PRESENT_CLITICS for p in _PERSONS
                    for e in _PRESENT_ENDINGS if not (doubled and e == "ن")},
        "participle": _nouns(participle, _PARTICIPLE_III_ENDINGS if third else _PARTICIPLE_ENDINGS),
    }
    # The present's stem as written in the 3rd person: Form V's يتقدم is
    # not its verbal noun تقدم.
    stems = {"masdar": masdar, "past": past, "present": "ي" + present, "participle": participle}
    roles = {role: frozenset() if stems[role] in STOP else frozenset(forms) for role, forms in roles.items()}
    # Roles written with one stem (Form V's verbal noun and past) are one.
    by_stem: dict[str, frozenset[str]] = {}
    for role, forms in roles.items():
        by_stem[stems[role]] = by_stem.get(stems[role], frozenset()) | forms
    return Family(roles, tuple(by_stem.values()))


def _past_endings(form: Form, root: str, doubled: bool) -> tuple[str, ...]:
    """The past's endings.  Form VIII's bare past of a root in ل is the
    article before a word in ت (التزم, but التمر is the dates).  A
    contracted past takes no ending that opens the doubled letter again
    (احتججنا): احتجنا is the hollow احتاج's (we needed)."""
    if form.name == "III":
        return _PAST_III_ENDINGS
    endings = _PAST_ENDINGS if form.name != "VIII" or root[0] != "ل" else _PAST_ENDINGS[1:]
    return tuple(e for e in endings if not (doubled and e in ("نا", "تم", "ن")))


def _masdar_endings(form: Form, root: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A masculine verbal noun's endings, plain and with a pronoun.  Form
    VIII's of a root in س is written as the hollow Form X one (استماع,
    استقال): not with ه or ات, that one's ة and plural (استقالة, استقالات)."""
    if form.name != "VIII" or root[0] != "س":
        return _NOUN_ENDINGS, _PRONOUNS
    return ("",), _PRONOUNS[1:]


def _pattern_regex(pattern: str, form: Form) -> re.Pattern:
    """A pattern as a regular expression whose groups are the root's consonants."""
    classes = {
        "1": f"([{_SOUND_OR_H}{form.first}])",
        "2": f"([{_SOUND_OR_H}{form.second}])",
        "3": f"([{_SOUND_OR_H}])",
        "T": "[تطد]",
    }
    return re.compile("".join(classes.get(c, c) for c in pattern))


@lru_cache(maxsize=1)
def _readings() -> tuple[tuple[Form, re.Pattern], ...]:
    """Each form's patterns as regular expressions.  Compiled on the first
    ~word rather than on import: every `archive` command imports this
    module, and compiling them was a visible share of its start
    (docs/performance.md).

    The contracted patterns of forms VII and VIII (احتل, محتل) are not read:
    they are those of common words (يكتب, مكتب)."""
    found = []
    for form in FORMS:
        patterns = {form.masdar, form.past, form.present, form.participle}
        if form.name == "X":
            patterns |= {_contracted(form.past), _contracted(form.present), _contracted(form.participle)}
        found += [(form, _pattern_regex(pattern, form)) for pattern in patterns]
    return tuple(found)


def _candidates(word: str) -> set[tuple[Form, str]]:
    """Every (form, root) whose pattern some part of the word is."""
    found = set()
    readings = _readings()
    for start in range(len(word)):
        for end in range(start + 3, len(word) + 1):
            part = word[start:end]
            for form, regex in readings:
                match = regex.fullmatch(part)
                if match:
                    radicals = match.groups()
                    root = "".join(radicals + (radicals[-1],) * (3 - len(radicals)))
                    if root[2] != "ه" or root in _LAST_H:
                        found.add((form, root))
    return found


@lru_cache(maxsize=256)
def family_forms(word: str) -> frozenset[str]:
    """The written forms of the families a normalized word belongs to, the
    word's own forms included; empty when it belongs to none.

    >>> forms = family_forms("استهداف")
    >>> sorted(w for w in forms if w in {"استهدف", "تستهدف", "مستهدف", "المستهدفه", "هدف"})
    ['استهدف', 'المستهدفه', 'تستهدف', 'مستهدف']
    >>> family_forms("مستقبل"), family_forms("كتاب")
    (frozenset(), frozenset())
    """
    return frozenset().union(*(family(form, root).forms for form, root in readings(word)))


def readings(word: str) -> list[tuple[Form, str]]:
    """The (form, root) families a normalized word is found in.

    >>> [(form.name, root) for form, root in readings("والانسحاب")]
    [('VII', 'سحب')]
    """
    found = [(form, root) for form, root in _candidates(word) if word in family(form, root).forms]
    return sorted(found, key=lambda reading: (FORMS.index(reading[0]), reading[1]))


def indexed_family(word: str, known: Callable[[str, Iterable[str]], set[str]] | None) -> set[str]:
    """The family's written forms the index holds, as looked up in its
    `exact` column (all of them, without an index to ask).

    A family counts only where the index holds forms of two of its stems
    at least: a word that merely looks like a derived form (تبوك, التجارة)
    has no verb or participle beside it."""
    found = readings(word)
    if not found or known is None:
        return set(family_forms(word))
    held = known("exact", sorted(family_forms(word)))
    kept: set[str] = set()
    for form, root in found:
        stems = [forms & held for forms in family(form, root).stems]
        if sum(1 for forms in stems if forms) >= 2:
            kept.update(*stems)
    return kept
