"""Every row of the table in docs/query-grammar.md, read from the doc itself:
what each typed query parses to, or the message that refuses it."""

from __future__ import annotations

import re

import pytest

from archive.query import Atom, Query, QueryError, parse, to_fts
from conftest import REPO

GRAMMAR = REPO / "docs" / "query-grammar.md"


def _section() -> str:
    """The 'Every case' section, up to the next heading."""
    return GRAMMAR.read_text(encoding="utf-8").split("## Every case", 1)[1].split("\n## ", 1)[0]


def _rows() -> list[tuple[str, str, str]]:
    """(typed, expected, row) for each query of the 'Every case' table."""
    text = _section()
    cases = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not line.startswith("|") or cells[0] in ("Typed", "---"):
            continue
        typed, searches, _ = cells
        queries = re.findall(r"`([^`]*)`", typed) or [" ".join(["a"] * int(typed.split()[0]))]
        if searches.startswith("refused: "):
            expected = [searches] * len(queries)
        else:
            expected = re.findall(r"`([^`]*)`", searches)
            expected = expected * len(queries) if len(expected) == 1 else expected
        assert len(expected) == len(queries), line
        cases.extend((query, result, typed) for query, result in zip(queries, expected))
    return cases


ROWS = _rows()


def _atom(atom: Atom) -> str:
    if atom.prefix:
        return atom.words[0] + "*"
    if atom.family:
        return "~" + atom.words[0]
    return f'"{" ".join(atom.words)}"' if atom.is_phrase else atom.words[0]


def render(query: Query) -> str:
    """The parsed query with its precedence explicit, as the table writes it."""
    grouped = len(query.clauses) > 1 or bool(query.excluded)
    clauses = [
        f"({' OR '.join(map(_atom, clause))})" if len(clause) > 1 and grouped
        else " OR ".join(map(_atom, clause))
        for clause in query.clauses
    ]
    searched = " AND ".join(clauses)
    if not query.excluded:
        return searched
    if len(clauses) > 1:
        searched = f"({searched})"
    excluded = " OR ".join(map(_atom, query.excluded))
    return f"{searched} NOT ({excluded})" if len(query.excluded) > 1 else f"{searched} NOT {excluded}"


def test_every_row_of_the_table_is_read():
    section = _section()
    table_rows = [line for line in section.splitlines() if line.startswith("|")][2:]
    assert len({row for _, _, row in ROWS}) == len(table_rows) > 25
    assert sum(expected.startswith("refused") for _, expected, _ in ROWS) > 15


@pytest.mark.parametrize("typed, expected, row", ROWS, ids=[f"{typed!r}" for typed, _, _ in ROWS])
def test_each_row_of_the_grammar_table(typed, expected, row):
    if expected.startswith("refused: "):
        with pytest.raises(QueryError) as refused:
            to_fts(parse(typed))  # a query with nothing to search for fails here
        message = str(refused.value)
        assert message.startswith(expected.removeprefix("refused: ")) and "\n" not in message
    else:
        assert render(parse(typed)) == expected


@pytest.mark.parametrize("typed", ["a -b OR c", "(a b) OR c", "-(a b)"])
def test_a_refused_query_is_one_line_on_the_command_line(run, seeds_db, typed):
    result = run("search", "--db", seeds_db, *typed.split())
    assert result.exit_code == 2
    assert result.stderr.startswith("archive: error: ") and result.stderr.count("\n") == 1
