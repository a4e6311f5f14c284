"""What archive says in the corners: an --offset past the end, numbers in
--json, a lone paragraph."""

import json


def test_offset_past_the_end_gives_the_total(run, seeds_db):
    found = len(run("search", "--db", seeds_db, "القوات", "--json").stdout.splitlines())
    assert found > 1
    result = run("search", "--db", seeds_db, "القوات", "--offset", "500")
    assert result.exit_code == 1
    assert "--offset 500 is past the end" in result.stderr
    assert f"the search found {found} paragraph" in result.stderr


def test_offset_past_the_end_of_documents_gives_their_total(run, seeds_db):
    result = run("search", "--db", seeds_db, "القوات", "--files", "--offset", "500")
    assert result.exit_code == 1
    assert "the search found 1 document" in result.stderr


def test_stats_json_gives_the_analyzer_version_as_a_number(run, seeds_db):
    stats = json.loads(run("stats", "--db", seeds_db, "--json").stdout)
    assert isinstance(stats["analyzer_version"], int)


def test_one_paragraph_is_one_paragraph(run, tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "a.txt").write_text("سطر واحد\n", encoding="utf-8")
    result = run("import", tmp_path / "one", "--db", tmp_path / "a.db")
    assert result.stderr.rstrip().endswith("; 1 paragraph written")


def test_a_glob_that_matches_nothing_says_so(run, tmp_path):
    from conftest import SEEDS

    result = run("import", SEEDS, "--db", tmp_path / "a.db", "--glob", "*.nomatch")
    assert result.exit_code == 0
    assert "warning: no file under" in result.stderr and "--glob '*.nomatch'" in result.stderr
    matched = run("import", SEEDS, "--db", tmp_path / "a.db", "--glob", "*.txt")
    assert "warning" not in matched.stderr


def test_an_empty_folder_says_so(run, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run("import", tmp_path / "empty", "--db", tmp_path / "a.db")
    assert result.exit_code == 0 and "warning: no file under" in result.stderr
