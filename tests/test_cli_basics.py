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


def test_bare_archive_prints_the_help(run):
    result = run()
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ") and "[OPTIONS] COMMAND [ARGS]..." in result.stdout
    assert "search" in result.stdout and result.stderr == ""


def test_an_error_is_a_click_exception_for_a_caller_of_the_group(tmp_path):
    """Embedded (standalone_mode=False), the error reaches the caller as
    click intends, with its message and exit status, not as sys.exit."""
    import click
    import pytest

    from archive.cli import cli

    with pytest.raises(click.ClickException) as raised:
        cli.main(["search", "--db", str(tmp_path / "none.db"), "x"], standalone_mode=False)
    assert raised.value.exit_code == 2
    assert raised.value.format_message().startswith("no archive at ")


def test_an_interrupted_command_says_so_in_one_line(run, seeds_db, monkeypatch):
    from archive import search

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(search, "search", interrupted)
    result = run("search", "--db", seeds_db, "قوات")
    assert (result.exit_code, result.stderr) == (2, "archive: error: interrupted\n")


def test_a_search_process_starts_without_what_it_does_not_use(seeds_db):
    # Every `archive search` is a process of its own: sqlite-utils (about
    # 80 ms to import) and the ~word patterns (about 7 ms to compile) are
    # left for the commands and queries that use them.
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from archive.cli import cli\n"
        f"try: cli(['search', '--db', {str(seeds_db)!r}, 'قوات'])\n"
        "except SystemExit: pass\n"
        "from archive import families\n"
        "print('sqlite_utils' in sys.modules, families._readings.cache_info().currsize, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert "قوات" in result.stdout
    assert result.stderr.splitlines()[-1].split() == ["False", "0"]
