"""What the README and docs/ promise, checked: short, every example a real
command that runs on seeds/, the set-up and test commands fit for a new shell,
links that lead somewhere, and a performance table the benchmark writes."""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil

import pytest

from archive.cli import cli
from conftest import REPO, SEEDS

README = REPO / "README.md"
DOCS = REPO / "docs"
# An example that needs the SaudiNewsNet corpus says so in a shell comment.
ON_THE_CORPUS = "# on the corpus"


def fenced_lines(text: str) -> list[str]:
    """The lines inside the fenced code blocks of a Markdown text."""
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside:
            lines.append(line)
    return lines


def readme_command(name: str) -> str:
    """The one-line command after `<!-- NAME command -->` (as .ci/run reads it)."""
    text = README.read_text(encoding="utf-8")
    after = text.split(f"<!-- {name} command -->\n", 1)[1]
    block = fenced_lines(after.split("\n\n", 1)[0])
    assert len(block) == 1, block
    return block[0]


def examples() -> list[str]:
    """Every `archive ...` line the README shows, in order (the set-up
    command's first)."""
    lines = [part.strip() for part in readme_command("setup").split("&&")]
    lines += [line.removeprefix("$ ") for line in fenced_lines(README.read_text(encoding="utf-8"))]
    return [line for line in lines if line.startswith("archive ")]


def test_readme_is_for_users_and_short():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert 200 <= len(lines) < 300


def test_every_readme_example_runs_on_the_seeds(run, tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shown = examples()
    assert {line.split()[1] for line in shown} == set(cli.commands), "a command is not shown by example"
    for line in shown:
        args = shlex.split(line, comments=True)[1:]
        if args[0] == "serve":
            # It would serve until stopped: its options are parsed only.
            cli.commands["serve"].make_context("serve", args[1:])
            continue
        result = run(*args)
        allowed = (0, 1) if ON_THE_CORPUS in line else (0,)
        assert result.exit_code in allowed, f"{line}\n{result.output}"


def test_setup_and_test_commands_need_no_active_environment():
    setup, tests = readme_command("setup"), readme_command("test")
    # The set-up installs what archive needs; the test tools come with the tests.
    assert setup.startswith("python3 -m venv .venv && ") and "[test]" not in setup
    # Typed in a new shell, the test command must not rely on an activated
    # environment: each of its programs is the environment's own.
    for part in tests.split("&&"):
        assert part.strip().startswith(".venv/bin/"), part
    assert "pytest" in tests and "[test]" in tests


def test_ci_runs_the_readme_commands():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "readme_command setup" in ci and "readme_command test" in ci


def github_anchor(heading: str) -> str:
    """The fragment GitHub gives a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_links_in_readme_and_docs_lead_somewhere():
    pages = [README, *sorted(DOCS.glob("*.md"))]
    assert len(pages) > 4
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            assert linked.is_file(), f"{page.name}: {target}"
            if anchor:
                headings = re.findall(r"^#+ (.+)$", linked.read_text(encoding="utf-8"), re.M)
                assert anchor in {github_anchor(h) for h in headings}, f"{page.name}: {target}"


@pytest.fixture
def bench():
    spec = importlib.util.spec_from_file_location("bench", REPO / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_writes_the_latest_run_into_the_performance_page(bench, tmp_path):
    page = tmp_path / "performance.md"
    shutil.copy(bench.PERFORMANCE_PAGE, page)
    before = page.read_text(encoding="utf-8")
    table = bench.Table()
    table.add("import 1x: archive", "9.9 s = 1.10x naive", "<= 1.5x naive", True)

    assert bench.write_latest_run(page, "`python benchmarks/bench.py`, a test run.", table)

    after = page.read_text(encoding="utf-8")
    start, end = after.index(bench.SECTION_START), after.index(bench.SECTION_END)
    assert "a test run." in after[start:end] and "| 9.9 s = 1.10x naive " in after[start:end]
    assert "25.5 s" not in after[start:end]
    assert after[:start] == before[: before.index(bench.SECTION_START)]
    assert after[end:] == before[before.index(bench.SECTION_END):]


def test_the_benchmark_leaves_a_page_without_markers_alone(bench, tmp_path):
    page = tmp_path / "performance.md"
    page.write_text("# Performance\n", encoding="utf-8")
    assert not bench.write_latest_run(page, "heading", bench.Table())
    assert page.read_text(encoding="utf-8") == "# Performance\n"


def test_the_benchmark_says_which_runs_are_over_a_target(bench):
    """What keeps a p99 over its target: a query's first runs, counted,
    and the queries whose later runs are over it too, slowest first."""
    topk = bench.topk
    runs = topk.Latencies("archive")
    slow_or, slow_and, quick = topk.SHAPES["OR"][2], topk.SHAPES["AND"][2], topk.SHAPES["prefix"][0]
    for text, seconds in [(slow_or, [0.2, 0.1, 0.09, 0.1, 0.1]), (slow_and, [0.04, 0.02, 0.01, 0.02, 0.01]),
                          (quick, [0.03, 0.002, 0.002, 0.002, 0.002])]:
        for one in seconds:
            runs.add(text, one)

    assert topk.over(runs, 0.015) == f"9 of 15: 3 first runs; later runs of {slow_or} (4), {slow_and} (2)"
    assert topk.first_and_later(runs) == "40.0 ms / 15.0 ms"


def test_the_benchmark_marks_hits_as_archive_search_does(bench, run, tmp_path):
    """وشركته matches الشركة through a reading the index decides (و + شركة
    + ه): the benchmark times the marking that `archive search` does,
    which marks it, not one made without the index."""
    import json

    from archive.db import open_reader
    from archive.query import parse
    from archive.search import search

    folder, db_path = tmp_path / "texts", tmp_path / "archive.db"
    folder.mkdir()
    (folder / "a.txt").write_text("أعلنت الشركة عن أرباح كبيرة هذا العام\n", encoding="utf-8")
    assert run("import", folder, "--db", db_path).exit_code == 0
    printed = [json.loads(line) for line in run("search", "--db", db_path, "--json", "وشركته").stdout.splitlines()]
    db = open_reader(str(db_path))
    parsed = parse("وشركته")
    hits = search(db, parsed, limit=20)
    assert [[list(span) for span in spans] for spans in bench.topk.marks(db, parsed, hits)] == [
        hit["matches"] for hit in printed
    ] == [[[6, 12]]]
    db.conn.close()

