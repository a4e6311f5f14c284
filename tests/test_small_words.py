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
