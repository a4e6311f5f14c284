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


def test_python_dash_m_archive_runs_the_cli(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "archive", "search", "--db", str(tmp_path / "none.db"), "x"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no archive at" in result.stderr


def test_usage_errors_are_one_line(run):
    for args in (["search", "--limit", "0", "x"], ["nosuch"], ["search"]):
        result = run(*args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("archive: error: ") and result.stderr.count("\n") == 1, args


def test_closed_output_pipe_ends_quietly(seeds_db):
    """`archive search ... | head -1`: the reader is gone, so stop without an
    error line and without Python's "Exception ignored" at exit."""
    import subprocess
    import sys

    document = str(sorted(SEEDS.glob("*.txt"))[0])
    commands = (
        ["search", "-l", "المملكة"],
        ["search", "القوات"],
        ["search", "--json", "القوات"],
        ["show", document],
        ["stats"],
    )
    for command in commands:
        process = subprocess.Popen(
            [sys.executable, "-m", "archive", *command, "--db", str(seeds_db)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        process.stdout.close()  # before it writes anything: its first write meets a closed pipe
        _, stderr = process.communicate()
        assert (process.returncode, stderr.decode()) == (141, ""), command
