"""End-to-end smoke tests of import and search on the team's seeds."""

import json

from conftest import SEEDS


def test_import_creates_documents_and_paragraphs(seeds_db):
    import sqlite_utils

    db = sqlite_utils.Database(seeds_db)
    files = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert db["documents"].count == len(files)
    assert db["paragraphs"].count > len(files)


def test_search_finds_forms_of_a_word(seeds_db, run):
    result = run("search", "--db", seeds_db, "--json", "قوات")
    assert result.exit_code == 0
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    words = {h["text"][s:e] for h in hits for s, e in h["matches"]}
    assert {"قوات", "القوات", "للقوات", "قواتنا"} <= words


def test_search_without_match_exits_1(seeds_db, run):
    result = run("search", "--db", seeds_db, "زرافة")
    assert result.exit_code == 1
    assert result.stdout == ""
