"""`archive show` (a document or part of it, numbered) and `archive stats`."""

import json
import os

import sqlite_utils

from archive import analyze
from archive.paragraphs import split_paragraphs
from conftest import SEEDS

FORCES = "news/07-forces-security.txt"


def seed_paragraphs(name):
    return split_paragraphs((SEEDS / name).read_text(encoding="utf-8"))


def numbers_of(result):
    return [int(line.split()[0]) for line in result.stdout.splitlines()]


def test_show_prints_every_paragraph_numbered(news_db, run):
    result = run("show", "--db", news_db, FORCES)
    assert result.exit_code == 0
    expected = [f"{n:>4}  {text}" for n, text in enumerate(seed_paragraphs("07-forces-security.txt"), 1)]
    assert result.stdout.splitlines() == expected


def test_show_accepts_absolute_and_relative_paths(news_db, run, tmp_path, monkeypatch):
    relative = run("show", "--db", news_db, FORCES).stdout
    assert run("show", "--db", news_db, tmp_path / FORCES).stdout == relative
    monkeypatch.chdir(tmp_path / "news")
    assert run("show", "--db", news_db, "./07-forces-security.txt").stdout == relative


def test_show_one_paragraph_and_its_context(news_db, run):
    assert numbers_of(run("show", "--db", news_db, FORCES, "--paragraph", "3")) == [3]
    assert numbers_of(run("show", "--db", news_db, FORCES, "-p", "3", "-C", "1")) == [2, 3, 4]
    assert numbers_of(run("show", "--db", news_db, FORCES, "-p", "1", "-C", "2")) == [1, 2, 3]


def test_show_with_more_context_than_the_document_holds_shows_all_of_it(news_db, run):
    # Not the numbers of a range as wide as the context asked for: a billion
    # of them ran out of memory.
    every = numbers_of(run("show", "--db", news_db, FORCES))
    for context in ("1000", "99999999999999999999"):
        assert numbers_of(run("show", "--db", news_db, FORCES, "-p", "2", "-C", context)) == every


def test_show_dims_the_context_in_colour(news_db, run):
    lines = run("show", "--db", news_db, FORCES, "-p", "3", "-C", "1", "--color", "always").stdout.splitlines()
    assert ["\x1b[2m" in line for line in lines] == [True, False, True]


def test_show_help_says_what_colour_does_there(run):
    """show prints no matches: its --color numbers paragraphs and dims context."""
    text = " ".join(run("show", "--help").stdout.split())
    assert "Colour the paragraph numbers, dim the --context paragraphs" in text
    assert "matches" not in text
    assert "Mark matches in colour" in " ".join(run("search", "--help").stdout.split())


def test_show_json(news_db, run, tmp_path):
    rows = [json.loads(line) for line in run("show", "--db", news_db, FORCES, "--json").stdout.splitlines()]
    assert [r["text"] for r in rows] == seed_paragraphs("07-forces-security.txt")
    assert {r["path"] for r in rows} == {str(tmp_path / FORCES)}
    assert [r["paragraph"] for r in rows] == list(range(1, len(rows) + 1))


def test_show_bad_input_is_a_one_line_error(news_db, run):
    count = len(seed_paragraphs("07-forces-security.txt"))
    cases = {
        ("news/missing.txt",): "news/missing.txt is not in the archive",
        (FORCES, "-p", str(count + 1)): f"{FORCES} has {count} paragraphs: there is no paragraph {count + 1}",
        (FORCES, "-C", "1"): "--context needs --paragraph N: the paragraphs around which one?",
    }
    for args, message in cases.items():
        result = run("show", "--db", news_db, *args)
        assert (result.exit_code, result.stderr) == (2, f"archive: error: {message}\n"), args


def test_stats_counts_documents_paragraphs_words_and_terms(news_db, run):
    result = run("stats", "--db", news_db, "--json")
    assert result.exit_code == 0
    stats = json.loads(result.stdout)
    seeds = sorted(SEEDS.glob("*.txt"))
    paragraphs = [p for path in seeds for p in seed_paragraphs(path.name)]
    words = [w for p in paragraphs for w in analyze.analyze_text(p)[1].split()]
    terms = {t for p in paragraphs for t in analyze.analyze_text(p)[0].split()}
    assert stats["documents"] == len(seeds)
    assert stats["paragraphs"] == len(paragraphs)
    assert stats["words"] == len(words)
    assert stats["distinct_words"] == len(set(words))
    assert stats["distinct_terms"] == len(terms)
    assert stats["bytes"] >= os.path.getsize(news_db) > 0
    assert stats["analyzer_version"] == int(analyze.ANALYZER_VERSION)
    assert stats["last_import"]


def test_stats_leaves_no_table_behind(news_db, run):
    before = sqlite_utils.Database(news_db).table_names()
    text = run("stats", "--db", news_db)
    assert text.exit_code == 0 and text.stdout.splitlines()[0].split() == ["documents", str(len(list(SEEDS.glob("*.txt"))))]
    assert sqlite_utils.Database(news_db).table_names() == before


def test_stats_without_archive_is_a_one_line_error(run, tmp_path):
    result = run("stats", "--db", tmp_path / "none.db")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert not (tmp_path / "none.db").exists()


def test_one_paragraph_and_one_document_are_singular(tmp_path, run):
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "note.txt").write_text("زرافة واحدة\n", encoding="utf-8")
    db = tmp_path / "one.db"
    assert run("import", tmp_path / "one", "--db", db).exit_code == 0
    counted = run("search", "--db", db, "--count", "زرافة")
    assert counted.stdout == "1 paragraph (1 without reprints) in 1 document\n"
    shown = run("show", "--db", db, "one/note.txt", "-p", "2")
    assert shown.stderr == "archive: error: one/note.txt has 1 paragraph: there is no paragraph 2\n"


def test_a_files_escape_sequences_never_reach_the_terminal(tmp_path, run):
    """Shown as pictures of themselves (one for one, so marks still fit):
    a file must not retitle the terminal or move its cursor."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("عنوان \x1b]0;PWNED\x07 وزير \x1b[31mالصحة\x1b[0m\n", encoding="utf-8")
    db = tmp_path / "a.db"
    assert run("import", folder, "--db", db).exit_code == 0
    for args in (["search", "--color", "never", "وزير"], ["search", "--color", "always", "وزير"],
                 ["search", "-C", "1", "--color", "never", "وزير"], ["show", "--color", "never", str(folder / "a.txt")]):
        shown = run(*args[:1], "--db", db, *args[1:]).stdout
        assert "PWNED" in shown and "\u241b]0;" in shown and "\x07" not in shown and "\x1b]" not in shown, args
        if "never" in args:
            assert "\x1b" not in shown, args
