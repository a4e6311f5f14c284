"""A word's derivational family, on request (issue 15 point 2): `~استهداف`
finds استهدف, تستهدف and المستهدفة, a plain word never does, and look-alikes
(مستقبل and استقبال, مكتب and يكتب, مطالبة and مطالب) stay apart either way.

The archive is written here: made-up sentences, one a paragraph, each with
one word of interest; searched through the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from test_word_forms import archive_of

from archive.cli import cli
from archive.families import family_forms, indexed_family, readings
from archive.query import QueryError, parse

# Members of one family each, as a newspaper writes them.
FAMILIES = {
    # With the endings a member typed alone is looked up with: every member
    # finds them (the accusative, a construct plural, object pronouns).
    "X": ["استهداف", "واستهدفت", "يستهدفون", "المستهدفة", "استهدافا", "مستهدفا", "يستهدفنا"],
    "X, doubled": ["استمرار", "استمرت", "يستمر", "مستمرة"],
    "VIII": ["الاعتقال", "اعتقلت", "يعتقلون", "المعتقلين", "لمعتقلي", "اعتقلوهما"],
    "VIII, ط": ["اصطدام", "اصطدمت", "تصطدم"],
    "VII": ["الانسحاب", "انسحبت", "ينسحب", "المنسحبين"],
    "VI": ["التعاون", "تتعاون", "المتعاونين"],
    "V": ["التطور", "يتطور", "متطورة"],
    "III": ["مشاركة", "شاركت", "يشاركون", "المشاركين", "يشاركنا", "يشاركهن"],
}
# A doubled root's VIII: its contracted forms are found, but do not find.
CONTRACTED = ["الاحتلال", "احتلت", "يحتل", "المحتل"]
# (typed with ~, a word it must never find): words of a derived form's
# shape that readers keep apart, each kept apart by one of the rules.
LOOK_ALIKES = [
    ("مستقبل", "استقبال"),  # the stop list: the future, reception
    ("استقبال", "مستقبل"),
    ("اجتماع", "المجتمع"),  # meeting, society
    ("مكتب", "يكتب"),  # a contracted VIII participle's shape: office, writes
    ("يكتب", "مكتب"),
    ("مطالبون", "المطالب"),  # Form III's bare participle is a broken plural
    ("مطالبة", "طالب"),  # and its bare past a Form I participle
    ("مسابقة", "سابقا"),  # competition, previously
    ("استعادة", "مستعد"),  # Form X hollow, not VIII of سعد (recovery, ready)
    ("تكون", "يتكون"),  # she is (Form I), not Form V
    ("يتكون", "تكون"),
    ("توقيع", "موقع"),  # Form II is left out (signing, site)
    ("توقيع", "وقع"),  # (signing, happened)
    ("أعمال", "يعمل"),  # Form IV is left out (business, works)
    ("ماء", "المائة"),  # water, hundred
    ("في", "كفى"),
]
SENTENCE = "كتب المراسل أن كلمة {} وردت في التقرير."


def search(db: str, *args: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["search", "--db", db, "--json", "--limit", "1000", *args],
                                catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def found(db: str, query: str) -> set[str]:
    """The words of interest of the paragraphs a query finds."""
    return {WORD_OF.get(hit["text"], hit["text"]) for hit in search(db, "--", query)}


WORDS = sorted(
    {w for members in FAMILIES.values() for w in members} | set(CONTRACTED) | {w for pair in LOOK_ALIKES for w in pair}
)
WORD_OF = {SENTENCE.format(word): word for word in WORDS}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return archive_of(tmp_path_factory.mktemp("families") / "docs", list(WORD_OF))


@pytest.mark.parametrize("name", FAMILIES)
def test_any_member_typed_with_a_tilde_finds_the_whole_family(db, name):
    members = set(FAMILIES[name])
    for typed in members:
        assert found(db, "~" + typed) == members, f"~{typed}"


@pytest.mark.parametrize("name", FAMILIES)
def test_a_plain_word_does_not_find_its_family(db, name):
    noun, verb = FAMILIES[name][:2]
    assert noun in found(db, noun)
    assert verb not in found(db, noun), f"{noun} finds {verb} without ~"


def test_contracted_forms_are_found_but_do_not_find(db):
    assert found(db, "~الاحتلال") == set(CONTRACTED)
    assert "الاحتلال" not in found(db, "~يحتل")


@pytest.mark.parametrize("typed, apart", LOOK_ALIKES)
def test_look_alikes_are_never_found(db, typed, apart):
    # What ~ adds to the plain word's forms (the analyzer's own merges aside).
    added = found(db, "~" + typed) - found(db, typed)
    assert apart not in added, f"~{typed} finds {apart}"


def test_a_family_with_another_word(db):
    # Ranked word by word (rank.py): the family is one word of the query.
    assert found(db, "~استهداف التقرير") == set(FAMILIES["X"])
    assert found(db, "التقرير ~استهداف استهداف") == {"استهداف"}


def test_a_family_can_be_excluded_and_ored(db):
    assert found(db, "-~استهداف التقرير") == found(db, "التقرير") - set(FAMILIES["X"])
    assert found(db, "~انسحاب OR ~تطور") == set(FAMILIES["VII"]) | set(FAMILIES["V"])


def test_the_members_found_are_marked(db):
    hit = next(hit for hit in search(db, "~استهداف", "يستهدفون") if "يستهدفون" in hit["text"])
    start, end = hit["matches"][0]
    assert hit["text"][start:end] == "يستهدفون"


@pytest.mark.parametrize("typed", ['~"قوات الامن"', "~اقتصا*", "~قوات-الامن"])
def test_a_tilde_takes_one_word(run, db, typed):
    result = run("search", "--db", db, typed)
    assert result.exit_code == 2
    assert result.stderr.startswith("archive: error: ~ takes one word") and result.stderr.count("\n") == 1


def test_exact_refuses_a_family(run, db):
    result = run("search", "--db", db, "--exact", "~استهداف")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "--exact" in result.stderr


def test_a_tilde_alone_is_punctuation():
    assert [a.words for c in parse("استهداف ~ تطور").clauses for a in c] == [["استهداف"], ["تطور"]]
    assert not any(a.family for c in parse("استهداف ~ تطور").clauses for a in c)
    with pytest.raises(QueryError):
        parse("~استهداف", exact=True)


@pytest.mark.parametrize("name", FAMILIES)
def test_every_member_reads_as_the_family(name):
    members = [word.replace("ة", "ه") for word in FAMILIES[name]]
    shared = set.intersection(*(set(readings(word)) for word in members))
    assert shared and all(set(members) <= family_forms(word) for word in members)


def test_a_family_needs_two_stems_in_the_index():
    # التجارة (trade) has the shape of Form VIII's verbal noun of لجر, and
    # التجار (the merchants) is written as its bare form: one stem alone.
    def index_of(*held):
        return lambda column, forms: set(forms) & set(held)

    assert indexed_family("التجاره", index_of("التجاره", "التجار")) == set()
    assert indexed_family("التجاره", index_of("التجاره", "يلتجر")) == {"التجاره", "يلتجر"}


def test_the_forms_left_out_have_no_family():
    # Form II (تدريب) and Form IV (إعلان) and a weak root (استفادة).
    assert [readings(word) for word in ("تدريب", "اعلان", "استفاده")] == [[], [], []]
