"""No query text, however odd, may reach SQLite as a syntax error or crash."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.highlight import Highlighter
from archive.query import QueryError, parse, to_fts
from archive.search import search
from archive.sqlite import sqlite3
from archive.db import open_archive

HOSTILE = [
    '"',
    '""',
    '"قوات',
    'قوات"',
    '"قوات الأمن',
    "(",
    ")",
    "(قوات",
    "[قوات]",
    "{terms}: قوات",
    "terms:قوات",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(قوات الأمن)",
    "قوات AND",
    "OR قوات",
    "قوات OR",
    "قوات NOT",
    "*",
    "قوات*",
    "**",
    "-",
    "--",
    "-قوات",
    "^",
    "^قوات",
    "قوات\x00الأمن",
    "\x00",
    "قوات " * 2000,
    "ق" * 10000,
    "😀",
    "قوات 😀 forces",
    "قواتforces١٢٣",
    "مُحَمَّد",
    "ـــــ",
    "\u200f\u200e",
    "'; drop table paragraphs; --",
    "a\"b",
    "+",
    ":",
    "قوات:",
    "\\",
    "%",
    "_",
]


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory):
    from archive.files import scan_folder
    from archive.importer import import_scanned
    from conftest import SEEDS

    path = tmp_path_factory.mktemp("hostile") / "a.db"
    db = open_archive(str(path), create=True)
    import_scanned(db, scan_folder(SEEDS))
    return db


def run_query(db, text, exact=False):
    """Search; a QueryError (a message for the user) is an accepted outcome."""
    try:
        query = parse(text, exact=exact)
        hits = search(db, query, limit=5)
    except QueryError as error:
        assert str(error) and "\n" not in str(error)
        return None
    for hit in hits:
        for start, end in Highlighter(query).spans(hit.text):
            assert 0 <= start < end <= len(hit.text)
    return hits


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("exact", [False, True])
def test_hostile_query_never_raises_sqlite_errors(archive_db, text, exact):
    run_query(archive_db, text, exact)


def test_hostile_words_are_searched_as_words(archive_db):
    """Operators typed in odd places are not lost: the words around them count."""
    assert run_query(archive_db, "NOT") is None  # nothing to search for
    hits = run_query(archive_db, "(قوات")
    assert hits and all("قوات" in h.text for h in hits)
    assert run_query(archive_db, "قوات OR") == run_query(archive_db, "قوات")
    assert run_query(archive_db, '"قوات الأمن') == run_query(archive_db, '"قوات الأمن"')


def test_only_excluded_words_is_a_clear_error(archive_db):
    with pytest.raises(QueryError, match="only excludes"):
        to_fts(parse("-قوات"))


def test_long_queries_are_refused_before_they_are_read():
    """A phrase's words count one by one, and a pile of brackets is refused
    before the brackets' check, which reads what each pair holds."""
    with pytest.raises(QueryError, match="more than 64 words"):
        parse('"' + " ".join(["قوات", "الأمن"] * 33) + '"')
    assert len(parse('"' + " ".join(["قوات", "الأمن"] * 32) + '"').clauses[0][0].words) == 64
    with pytest.raises(QueryError, match="more than 64 words"):
        parse("a OR ( " * 70 + "b" + " )" * 70)
    with pytest.raises(QueryError, match="too long"):
        parse("( " * 1000 + "a OR b" + " )" * 1000)


def test_expression_is_built_from_quoted_terms_only():
    expression = to_fts(parse('قوات OR "حقل العمر" -جيش forces* NEAR'))
    # Strip the quoted terms: only operators, column names and brackets remain.
    import re

    bare = re.sub(r'"(?:[^"]|"")*"', "", expression)
    assert set(re.findall(r"[^\s()*:]+", bare)) <= {"terms", "exact", "OR", "AND", "NOT", "+"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200), st.booleans())
def test_any_text_as_query_never_raises(archive_db, text, exact):
    run_query(archive_db, text, exact)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(['"', "OR", "AND", "NOT", "-", "*", "(", ")", "^", ":", "قوات", "الأمن", "x", " "]),
        max_size=12,
    )
)
def test_operator_soup_never_raises(archive_db, pieces):
    run_query(archive_db, "".join(pieces))
    run_query(archive_db, " ".join(pieces))


def test_sqlite_error_would_surface(archive_db):
    """Guard for the tests above: an unescaped expression really does fail."""
    with pytest.raises(sqlite3.OperationalError):
        archive_db.execute("select * from paragraphs_fts where paragraphs_fts match ?", ['"قوات']).fetchall()
