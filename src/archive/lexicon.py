"""The lexicon tables the query expansion adds to a word: a country's name
and its adjective (places_data.py), the spellings of one loanword or name
(variants_data.py), a singular and its broken plural (plurals_data.py).
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


# A singular and its broken plural stand for each other (plurals_data.py,
# mined and reviewed by benchmarks/build_plurals.py): مدرسه, مدارس.  One
# step only: a plural with two singulars (طرق: طريق, طريقه) does not make
# the singulars one word.
_PLURALS: dict[str, list[str]] = {}
for _singular, _plural in PLURAL_PAIRS + HAND_PLURALS:
    _PLURALS.setdefault(_singular, []).append(_plural)
    _PLURALS.setdefault(_plural, []).append(_singular)


def plurals(*words: str) -> list[str]:
    """The broken plurals of these words, and the singulars of those that
    are broken plurals.

    >>> plurals("مدرسه"), plurals("مشاريع")
    (['مدارس'], ['مشروع'])
    """
    return [other for word in words for other in _PLURALS.get(word, ())]


def lexicon_words(*words: str) -> list[str]:
    """What the lexicon tables (places, spellings, broken plurals) add to
    these words, each spelling with its place's or adjective's spellings and
    its singular's or plural's; `archive search --no-lexicon` leaves them out.

    >>> sorted(lexicon_words("امريكا"))
    ['امريكي', 'اميركا', 'اميركي']
    >>> lexicon_words("قاعده")
    ['قواعد']
    """
    spelled = list(words) + variants(*words)
    related = places(*spelled)
    return list(dict.fromkeys(variants(*words) + related + variants(*related) + plurals(*spelled)))
