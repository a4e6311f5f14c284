"""Datasette on an archive: the plugin's search agrees with `archive search`.

Requests go through Datasette's own test client, in process.
"""

from __future__ import annotations

import asyncio
import html
import inspect
import re
import sqlite3
from urllib.parse import quote

import pytest
import sqlite_utils
from datasette.app import Datasette
from datasette.plugins import pm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import analyze, datasette_plugin
from archive.highlight import Highlighter
from archive.query import parse
from archive.search import search
from conftest import SEEDS, SHARED_SEEDS

# Arabic queries with affixes, diacritics, tatweel, hamza and letter variants,
# and the query syntax (phrase, OR, exclusion, prefix).
QUERIES = [
    "القوات",
    "قوات",
    "للقوات",
    "الأمن",
    "الامن",
    "قوات الأمن",
    '"قوات الأمن"',
    "مَدْرَسَة",
    "المدرسه",
    "الأمطـــار",
    "أمطار",
    "مسؤول",
    "مسئول",
    "المواطنين",
    "الوزير",
    "وزير OR مدرسة",
    "القوات -الملعب",
    "ترجم*",
    "translations",
]
# Hits on a page of the search page.
SEARCH_PAGE_SIZE = 20
NO_WORDS = ["", " ", "،", "-", '"', '""', "*", "NOT", "OR", "-قوات", "()"]


@pytest.fixture
def archive_db(tmp_path, run):
    """An archive of the team's seeds and, when present, the shared article."""
    db = tmp_path / "archive.db"
    for folder in (SEEDS, SHARED_SEEDS):
        if folder.is_dir():
            result = run("import", folder, "--db", db)
            assert result.exit_code == 0, result.output
    return db


def fetch(db_paths, *urls):
    """GET each url from a fresh Datasette over db_paths; the responses."""
    datasette = Datasette([str(p) for p in db_paths])

    async def get_all():
        # Datasette 1.0 redirects /db?sql= to /db/-/query?sql=.
        return [await datasette.client.get(url, follow_redirects=True) for url in urls]

    return asyncio.run(get_all())


def fetch_one(db_path, url):
    return fetch([db_path], url)[0]


def cli_search(db_path, text):
    db = sqlite_utils.Database(db_path)
    return search(db, parse(text), limit=100_000)


def table_search_ids(db_path, text, extra=""):
    url = f"/archive/paragraphs.json?_search={quote(text)}&_col=id&_shape=array&_size=max{extra}"
    response = fetch_one(db_path, url)
    assert response.status_code == 200, response.text
    return {row["id"] for row in response.json()}


def search_page_rows(db_path, text):
    """The first page of hits of the search page's JSON ([] for a refused query)."""
    response = fetch_one(db_path, f"/archive/search.json?q={quote(text)}")
    assert response.status_code in (200, 400), response.text
    return response.json()["hits"]


# --- the plugin is there, and what it relies on in Datasette is still there -----


def test_plugin_is_loaded_from_the_entry_point(archive_db):
    plugins = fetch_one(archive_db, "/-/plugins.json").json()
    archive = [p for p in plugins if p["name"] == "archive"]
    assert archive, plugins
    assert {"prepare_connection", "register_routes", "render_cell"} <= set(archive[0]["hooks"])


def test_datasette_still_routes_table_search_through_escape_fts():
    # The table search box works because Datasette wraps ?_search= in the SQL
    # function escape_fts(), which the plugin replaces on archive connections.
    import datasette.filters
    import datasette.sql_functions

    assert "escape_fts(:search)" in inspect.getsource(datasette.filters)
    assert 'create_function("escape_fts", 1' in inspect.getsource(datasette.sql_functions)
    ours = pm.parse_hookimpl_opts(datasette_plugin, "prepare_connection")
    assert ours["trylast"] is True


# --- same matches as `archive search` --------------------------------------------


@pytest.mark.parametrize("text", QUERIES)
def test_table_search_finds_what_archive_search_finds(archive_db, text):
    expected = {hit.paragraph_id for hit in cli_search(archive_db, text)}
    assert table_search_ids(archive_db, text) == expected


def test_the_queries_are_not_all_empty(archive_db):
    # Agreement on empty results would prove nothing.
    assert [text for text in QUERIES if not cli_search(archive_db, text)] == []


@pytest.mark.parametrize("text", QUERIES)
def test_search_page_lists_archive_search_results_in_rank_order(archive_db, text):
    expected = [
        (hit.path, hit.title, hit.paragraph)
        for hit in cli_search(archive_db, text)[:SEARCH_PAGE_SIZE]
    ]
    rows = search_page_rows(archive_db, text)
    assert [(r["title"], r["paragraph"]) for r in rows] == [(title, n) for _, title, n in expected]
    # Paths are shown relative to the folder all documents lie in.
    assert all(path.endswith("/" + r["path"]) for (path, _, _), r in zip(expected, rows))


def test_search_page_marks_the_words_archive_search_marks(archive_db):
    text = "القوات"
    hits = cli_search(archive_db, text)
    rows = search_page_rows(archive_db, text)
    assert len(rows) == len(hits) > 3
    for hit, row in zip(hits, rows):
        expected = [hit.text[s:e] for s, e in Highlighter(parse(text)).spans(hit.text)]
        marked = [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", row["marked_text"])]
        assert marked == expected
        assert html.unescape(re.sub(r"</?mark>", "", row["marked_text"])) == hit.text


def test_search_page_html_marks_words_and_links_articles(archive_db):
    page, = fetch([archive_db], f"/archive/search?q={quote('للقوات')}")
    assert page.status_code == 200
    assert '<div class="archive-paragraph" dir="auto">' in page.text
    marked = set(re.findall(r"<mark>(.*?)</mark>", page.text))
    assert {"القوات", "للقوات"} <= marked
    article_links = set(re.findall(r'href="(/archive/article/\d+)[?"]', page.text))
    assert article_links
    for response in fetch([archive_db], *sorted(article_links)):
        assert response.status_code == 200
        assert "07-forces-security.txt" in response.text or "seeds" in response.text


def test_search_page_without_q_shows_the_form(archive_db):
    page = fetch_one(archive_db, "/archive/search")
    assert page.status_code == 200
    assert 'name="q"' in page.text


def test_search_page_warns_when_another_analyzer_built_the_archive(archive_db):
    from archive.db import set_meta

    assert "Warning" not in fetch_one(archive_db, "/archive/search").text
    set_meta(sqlite_utils.Database(archive_db), analyzer_version="0")
    page = fetch_one(archive_db, "/archive/search")
    assert "built by analyzer version 0" in page.text and "archive rebuild" in page.text


# --- input that has no words, or raw FTS5 mode ------------------------------------


@pytest.mark.parametrize("text", NO_WORDS)
def test_input_without_words_matches_nothing(archive_db, text):
    assert table_search_ids(archive_db, text) == set()
    assert search_page_rows(archive_db, text) == []


@pytest.mark.parametrize("text", ['"قوات', "قوات الأمن", "قوات -الملعب", "NEAR(قوات"])
def test_raw_search_mode_gives_the_archive_search(archive_db, text):
    raw = table_search_ids(archive_db, text, extra="&_searchmode=raw")
    assert raw == table_search_ids(archive_db, text)
    page = fetch_one(archive_db, f"/archive/paragraphs?_search={quote(text)}&_searchmode=raw")
    assert page.status_code == 200


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list('قواتالأمنـَُ "*-()ORNT:^\\،.')), max_size=30) | st.text(max_size=30))
def test_any_search_text_is_a_valid_fts5_expression(text):
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table t using fts5(terms, exact)")
    conn.execute("insert into t values ('قو امن', 'قوات الامن')")
    conn.execute("select count(*) from t where t match ?", [datasette_plugin.search_expression(text)]).fetchone()


@given(st.text(max_size=40), st.text(max_size=10))
def test_marked_html_only_adds_mark_tags(text, query):
    marked = datasette_plugin.marked_html(text, query)
    assert html.unescape(re.sub("</?mark>", "", marked)) == text
    assert "<" not in re.sub("</?mark>", "", marked)


def test_cells_named_marked_text_cannot_inject_html(archive_db):
    sql = "select '<script>alert(1)</script><mark>x</mark>' as marked_text"
    page = fetch_one(archive_db, f"/archive?sql={quote(sql)}")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>x</mark>" in page.text


# --- presentation -------------------------------------------------------------------


def test_titles_descriptions_and_document_links(archive_db):
    database, paragraphs, css = fetch(
        [archive_db], "/archive", "/archive/paragraphs?_size=5", "/-/archive.css"
    )
    assert "Archive: archive" in database.text
    assert 'href="/archive/search"' in database.text
    assert "One row per paragraph" in paragraphs.text
    # The foreign key shows as a link to the document, labelled with its title
    # (Datasette 1.0 picks the label itself: the path).
    labels = re.findall(r'<a href="/archive/documents/\d+">([^<]+)</a>', paragraphs.text)
    assert labels
    if datasette_plugin._has_hook("get_metadata"):
        assert all(re.search("[\u0600-\u06ff]", label) for label in labels)
    assert 'href="/-/archive.css"' in paragraphs.text
    assert "unicode-bidi: plaintext" in css.text


def test_analyzed_columns_hidden_on_the_page_but_still_there(archive_db):
    page, chosen, api = fetch(
        [archive_db],
        "/archive/paragraphs",
        "/archive/paragraphs?_col=fingerprint",
        "/archive/paragraphs.json?_shape=array&_size=1",
    )
    assert 'class="col-text"' in page.text
    assert 'class="col-fingerprint"' not in page.text and 'class="col-terms"' not in page.text
    assert 'class="col-fingerprint"' in chosen.text
    row = api.json()[0]
    assert row["fingerprint"] and not {"terms", "exact"} & set(row)


def test_search_index_table_can_be_counted_and_listed(archive_db, capfd):
    """Datasette counts every table and lists the index like one: no error."""
    database, index = fetch([archive_db], "/archive", "/archive/paragraphs_fts.json?_shape=array&_size=2")
    assert database.status_code == 200 and index.status_code == 200
    assert [set(row) >= {"terms", "exact"} for row in index.json()] == [True, True]
    assert "ERROR" not in capfd.readouterr().err


# --- other databases, and the archive without the plugin ---------------------------


@pytest.fixture
def plain_db(tmp_path):
    """An ordinary database with its own FTS5 table over Arabic text."""
    path = tmp_path / "plain.db"
    db = sqlite_utils.Database(path)
    db["notes"].insert_all([{"id": 1, "body": "القوات"}, {"id": 2, "body": "قوات"}], pk="id")
    db["notes"].enable_fts(["body"], fts_version="FTS5", create_triggers=True)
    db.conn.close()
    return path


def test_other_databases_are_left_alone(archive_db, plain_db):
    unbalanced_quote = '"القوات'
    search_hits, unbalanced, queries, database = fetch(
        [archive_db, plain_db],
        f"/plain/notes.json?_search={quote('قوات')}&_shape=array",
        f"/plain/notes.json?_search={quote(unbalanced_quote)}&_shape=array",
        "/plain.json",
        "/plain",
    )
    # Stock Datasette: only the written form, no analyzer.
    assert [row["id"] for row in search_hits.json()] == [2]
    assert [row["id"] for row in unbalanced.json()] == [1]
    assert queries.json()["queries"] == []
    assert "Archive:" not in database.text and "archive.css" not in database.text


@pytest.fixture
def without_plugin():
    plugin = pm.get_plugin("archive")
    assert plugin is datasette_plugin
    pm.unregister(name="archive")
    try:
        yield
    finally:
        pm.register(plugin, name="archive")


def test_without_the_plugin_the_archive_is_an_ordinary_database(archive_db, without_plugin):
    plugins, normalized, as_typed, page, search_page = fetch(
        [archive_db],
        "/-/plugins.json",
        # Its index is contentless, not content="paragraphs": named.
        f"/archive/paragraphs.json?_search={quote('الامن')}&_shape=array&_size=max&_fts_table=paragraphs_fts",
        f"/archive/paragraphs.json?_search={quote('الأمن')}&_shape=array&_fts_table=paragraphs_fts",
        "/archive/paragraphs",
        "/archive/search",
    )
    assert "archive" not in {p["name"] for p in plugins.json()}
    assert page.status_code == 200 and 'class="col-fingerprint"' in page.text
    assert search_page.status_code == 404
    # Stock search matches the index's normalized words: the written form in
    # normalized spelling (bare alef) is found, the spelling with hamza is not.
    rows = normalized.json()
    assert rows and all("الامن" in analyze.analyze_text(row["text"])[1].split() for row in rows)
    assert as_typed.json() == []
    # ... and only that form: the plugin finds more (قوات الأمن with و, ل ...).
    stock = {row["id"] for row in rows}
    assert stock < {hit.paragraph_id for hit in cli_search(archive_db, "الأمن")}


# --- archive serve -------------------------------------------------------------------


def test_serve_refuses_a_database_that_is_not_an_archive(run, plain_db):
    result = run("serve", "--db", plain_db, "--port", "8001")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"archive: error: {plain_db} is not an archive database"


def test_serve_refuses_a_port_in_use(run, archive_db):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--db", archive_db, "--port", port)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"archive: error: cannot serve on 127.0.0.1:{port}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_sha256_column_is_described_as_the_hash_of_the_file_bytes(archive_db):
    import hashlib
    import sqlite_utils

    page = fetch_one(archive_db, "/archive/documents")
    assert "SHA-256 of the file&#39;s bytes as read" in page.text or "SHA-256 of the file's bytes as read" in page.text
    row = next(sqlite_utils.Database(archive_db).query("select path, sha256 from documents limit 1"))
    with open(row["path"], "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == row["sha256"]
