"""Spellings of one loanword or name find each other (issue 15 point 2):
أمريكا finds أميركا, مليشيا ميليشيا, and back; the pairs the review
rejected stay apart; `archive search --no-lexicon` turns the lexicon (these
spellings and the place adjectives) off.

The pairs come from the data file, so the test follows the reviewed list;
the archive is written here, one word a paragraph, and searched through the
CLI."""

from __future__ import annotations

import itertools

import pytest

from test_word_forms import archive_of, found, found_hits

from archive.variants_data import GROUPS, REJECTED

SPELLINGS = [(a, b) for group in GROUPS for a, b in itertools.permutations(group, 2)]
# A country and its adjective (places_data.py), also part of the lexicon.
PLACES = [("إيران", "الإيرانية"), ("مصر", "المصري")]


def found_without_lexicon(db: str, query: str) -> set[str]:
    return {hit["text"] for hit in found_hits(db, "--no-lexicon", query)}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    words = {w for group in GROUPS for w in group} | {"ال" + w for group in GROUPS for w in group}
    words |= {w for pair in REJECTED for w in pair} | {w for pair in PLACES for w in pair}
    return archive_of(tmp_path_factory.mktemp("variants") / "docs", sorted(words))


def test_the_reviewed_list_is_not_small():
    assert len(GROUPS) >= 30
    assert not [pair for pair in REJECTED for group in GROUPS if set(pair) <= set(group)]


@pytest.mark.parametrize("typed, other", SPELLINGS)
def test_a_spelling_finds_the_other_spellings(db, typed, other):
    assert {other, "ال" + other} <= found(db, typed), f"{typed} does not find {other}"
    assert other in found(db, "ال" + typed), f"ال{typed} does not find {other}"


# A singular and its broken plural (شارع/شوارع) are not spellings of one
# word, but the plurals table (plurals_data.py) merges them.
NOT_PLURALS = sorted(pair for pair, reason in REJECTED.items() if "broken plural" not in reason)


@pytest.mark.parametrize("one, other", NOT_PLURALS)
def test_rejected_pairs_are_never_merged_by_the_lexicon(db, one, other):
    for typed, apart in ((one, other), (other, one)):
        added = found(db, typed) - found_without_lexicon(db, typed)
        assert apart not in added, f"the lexicon merges {typed} with {apart}"


@pytest.mark.parametrize("typed, other", SPELLINGS[::2] + PLACES)
def test_no_lexicon_turns_spellings_and_places_off(db, typed, other):
    assert other in found(db, typed)
    assert other not in found_without_lexicon(db, typed), f"--no-lexicon: {typed} finds {other}"


def test_no_lexicon_keeps_forms_and_affixes(db):
    assert {"امريكا", "الامريكا"} <= found_without_lexicon(db, "أمريكا")


def test_exact_is_unchanged(db):
    assert {hit["text"] for hit in found_hits(db, "--exact", "امريكا")} == {"امريكا"}


def test_a_spelling_finds_the_other_spelling_of_its_adjective(tmp_path):
    db = archive_of(tmp_path / "docs", ["الأميركية", "أمريكي"])
    assert found(db, "أمريكا") == {"الأميركية", "أمريكي"}
    assert found_without_lexicon(db, "أمريكا") == set()
