"""Numbers as Arabic news writes them: a letter or unit attached (2016م,
١٤٣٦هـ, 100كم) or a conjunction before (و2015); the number finds them all."""

import json

import pytest

TEXTS = {
    "a.txt": "افتتح المشروع في عام 2016م بحضور الوزير",
    "b.txt": "صدر القرار في ١٤٣٦هـ بعد الاجتماع",
    "c.txt": "قطع العداء مسافة 100كم في يومين",
    "d.txt": "بين عامي 2014 و2016 ارتفع الانتاج",
    "e.txt": "سجلت الشركة 2017 ارباحا قياسية",
}


@pytest.fixture
def numbers_db(tmp_path, run):
    folder = tmp_path / "numbers"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    result = run("import", folder, "--db", tmp_path / "n.db")
    assert result.exit_code == 0, result.output
    return tmp_path / "n.db"


def found(run, db, *query):
    result = run("search", "--db", db, "--json", *query)
    assert result.exit_code in (0, 1), result.output
    return sorted(json.loads(line)["path"].rsplit("/", 1)[-1] for line in result.stdout.splitlines())


@pytest.mark.parametrize(
    "query, files",
    [
        ("2016", ["a.txt", "d.txt"]),
        ("2016م", ["a.txt", "d.txt"]),
        ("1436", ["b.txt"]),
        ("١٤٣٦", ["b.txt"]),
        ("100", ["c.txt"]),
        ("2017", ["e.txt"]),
        ('"عام 2016"', ["a.txt"]),
    ],
)
def test_a_number_finds_its_written_forms(run, numbers_db, query, files):
    assert found(run, numbers_db, query) == files


def test_the_attached_form_is_marked(run, numbers_db):
    result = run("search", "--db", numbers_db, "--color", "always", "2016")
    assert "\x1b[1;31m2016م\x1b[0m" in result.stdout
    assert "\x1b[1;31mو2016\x1b[0m" in result.stdout


def test_a_number_inside_a_word_is_not_split_off(run, numbers_db, tmp_path):
    # Only letters after the number (and a conjunction or preposition before
    # it) make a number word: a name with digits stays a word of its own.
    from archive.analyze import stem

    assert stem("كوفيد19") != "19"
    assert stem("x2016") == "x2016"
