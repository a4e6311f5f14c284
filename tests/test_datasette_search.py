"""The search front end in Datasette (/DB/search, its JSON and CSV, and the
article page): what `archive search` finds, folded and paged, with facets.

Requests go through Datasette's own test client, in process, on a small
newsroom written here: three sources over two months, each article with a
paragraph of its own about الرياض, and a wire paragraph reprinted in every
fourth article.
"""

from __future__ import annotations

import asyncio
import csv
import html
import io
import json
import math
import re
import sqlite3
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from datasette.app import Datasette

from archive import counts as archive_counts

SOURCES = ("okaz", "sabq", "aawsat")
ARTICLES = 40
WIRE = "وكالة الأنباء: أمطار غزيرة على الرياض اليوم وتحذيرات من السيول في الأودية."
FIELDS = "{date}_{source}_{n}.txt"
WORD = "الرياض"
PAGE_SIZE = 20  # hits on a page
FILLER = 30


def write_newsroom(folder) -> None:
    """ARTICLES articles named date_source_n.txt: a title, a paragraph of
    their own about الرياض, one that does not name it, and every fourth one
    the WIRE paragraph (the first one after FILLER more)."""
    folder.mkdir()
    for n in range(ARTICLES):
        source = SOURCES[n % len(SOURCES)]
        date = f"2015-0{7 + n % 2}-{10 + n % 15:02d}"
        paragraphs = [
            f"الخبر {n + 1}: مشروع جديد في {source}",
            f"قال مسؤول في الرياض إن المشروع {n + 1} يكتمل بعد {n + 2} أشهر بتكلفة {100 + n} مليون.",
            "فقرة أخرى لا تذكر المدينة.",
        ]
        if n == 0:  # a long article: its hit is far down the page
            paragraphs += [f"فقرة تمهيدية {i + 1} عن موضوع آخر." for i in range(FILLER)]
        if n % 4 == 0:
            paragraphs.append(WIRE)
        (folder / f"{date}_{source}_{n:05d}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")


@pytest.fixture
def newsroom(tmp_path, run):
    write_newsroom(tmp_path / "news")
    db = tmp_path / "newsroom.db"
    result = run("import", tmp_path / "news", "--db", db, "--fields", FIELDS)
    assert result.exit_code == 0, result.output
    return db


def get(db_path, *urls, **settings):
    """GET each url (redirects followed) from a fresh Datasette over db_path."""
    datasette = Datasette([str(db_path)], settings=settings or None)

    async def get_all():
        return [await datasette.client.get(url, follow_redirects=True) for url in urls]

    return asyncio.run(get_all())


def get_one(db_path, url, **settings):
    return get(db_path, url, **settings)[0]


def api(db_path, query="", **params):
    """The JSON API's answer for q=query and params (lists repeat)."""
    pairs = [("q", query)] + [(k, v) for k, vs in params.items() for v in (vs if isinstance(vs, list) else [vs])]
    url = "/newsroom/search.json?" + "&".join(f"{k}={quote(str(v))}" for k, v in pairs)
    response = get_one(db_path, url)
    return response.status_code, response.json()


def cli(run, db, *args):
    result = run("search", "--db", db, *args)
    return result


def cli_counts(run, db, *args):
    result = cli(run, db, "--count", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def cli_hits(run, db, *args):
    """(path, paragraph, text) of every hit of `archive search --json`, in order."""
    result = cli(run, db, "--json", "--limit", "1000", *args)
    assert result.exit_code == 0, result.output
    return [(h["path"], h["paragraph"], h["text"]) for h in map(json.loads, result.stdout.splitlines())]


def all_pages(db_path, query, **params):
    """Every page's hits, following `next` from the first page."""
    status, page = api(db_path, query, **params)
    assert status == 200, page
    hits, seen = list(page["hits"]), 1
    while page["next"]:
        url = page["next"].removeprefix("http://localhost")
        page = get_one(db_path, url).json()
        hits += page["hits"]
        seen += 1
        assert seen < 50
    return hits


# --- totals, folding and pages -------------------------------------------------------


def test_totals_are_those_of_archive_search_count(newsroom, run):
    counts = cli_counts(run, newsroom, WORD)
    status, page = api(newsroom, WORD)
    assert status == 200
    assert (page["total"], page["distinct"]) == (counts["paragraphs"], counts["distinct_paragraphs"])
    # The newsroom has reprints: the two totals differ, and the page says both.
    assert page["total"] == ARTICLES + ARTICLES // 4 and page["distinct"] == ARTICLES + 1
    html_page = get_one(newsroom, f"/newsroom/search?q={quote(WORD)}").text
    assert f"{page['total']} paragraphs ({page['distinct']} without reprints)" in html_page


def test_first_page_holds_no_two_identical_texts(newsroom):
    status, page = api(newsroom, WORD)
    texts = [hit["text"] for hit in page["hits"]]
    assert len(texts) == PAGE_SIZE
    assert len(set(texts)) == len(texts)
    wire = [hit for hit in page["hits"] if hit["text"] == WIRE]
    assert len(wire) == 1 and len(wire[0]["also_in"]) == ARTICLES // 4 - 1
    assert wire[0]["also_in_note"] == f"also in {ARTICLES // 4 - 1} other documents"


def test_next_pages_continue_where_the_first_stopped(newsroom, run):
    hits = all_pages(newsroom, WORD)
    expected = cli_hits(run, newsroom, WORD)
    assert len(hits) == len(expected) == ARTICLES + 1 > 2 * PAGE_SIZE
    assert [(h["paragraph"], h["text"]) for h in hits] == [(n, text) for _, n, text in expected]
    assert all(path.endswith("/news/" + h["path"]) for h, (path, _, _) in zip(hits, expected))
    second = api(newsroom, WORD, page=2)[1]
    assert second["hits"] == hits[PAGE_SIZE:2 * PAGE_SIZE]


def test_pages_go_on_past_the_count_s_cap(newsroom, run, monkeypatch):
    """Past the cap the totals say "more than" and the pages are not
    counted, but next links still go through every hit."""
    monkeypatch.setattr(archive_counts, "COUNT_CAP", PAGE_SIZE)
    status, first = api(newsroom, WORD)
    assert status == 200 and first["more"] and first["pages"] is None
    assert first["counts"] == f"more than {PAGE_SIZE} paragraphs"
    assert first["distinct"] is None and first["documents"] is None  # not known past the cap
    hits = all_pages(newsroom, WORD)
    expected = cli_hits(run, newsroom, WORD)
    assert [(h["paragraph"], h["text"]) for h in hits] == [(n, text) for _, n, text in expected]
    assert len(hits) > 2 * PAGE_SIZE
    html_page = get_one(newsroom, f"/newsroom/search?q={quote(WORD)}&page=2").text
    assert "Page 2;" in html_page and 'rel="next"' in html_page


def narrow_window(monkeypatch, pages: int) -> None:
    """Pages as deep as `pages` pages of the newsroom (present.WINDOW)."""
    from archive import datasette_search, present

    monkeypatch.setattr(present, "WINDOW", pages * PAGE_SIZE)
    monkeypatch.setattr(datasette_search, "WINDOW", pages * PAGE_SIZE)
    monkeypatch.setattr(datasette_search, "LAST_PAGE", pages)


def test_pages_stop_at_the_window_with_a_message_not_a_timeout(newsroom, monkeypatch):
    """Ranking page N costs every hit before it: past the window a page is
    refused at once, saying why, in every format; the last page in it
    links no further, and a page past the end still says that."""
    narrow_window(monkeypatch, 2)  # the newsroom's 41 hits without reprints make 3 pages
    status, last = api(newsroom, WORD, page=2)
    assert status == 200 and len(last["hits"]) == PAGE_SIZE and last["next"] is None and last["pages"] == 2
    message = (f"page 3 is past the first 40 results, as deep as pages go (page 2 is the last): the search "
               f"found {ARTICLES + ARTICLES // 4} paragraphs ({ARTICLES + 1} without reprints) in {ARTICLES} "
               "documents; add words or filters to narrow it")
    status, deeper = api(newsroom, WORD, page=3)
    assert status == 400 and deeper["error"] == message and deeper["hits"] == []
    assert deeper["previous"].endswith("page=2") and deeper["total"] == ARTICLES + ARTICLES // 4
    page = get_one(newsroom, f"/newsroom/search?q={quote(WORD)}&page=3")
    assert page.status_code == 400 and html.escape(message) in page.text
    assert re.search(r'<a rel="prev" href="/newsroom/search\?q=[^"]*&amp;page=2"', page.text)
    csv_page = get_one(newsroom, f"/newsroom/search.csv?q={quote(WORD)}&page=3")
    assert csv_page.status_code == 400 and csv_page.text == f"archive: error: {message}\n"
    status, past = api(newsroom, WORD, page=999999999)
    assert status == 200 and past["error"].startswith("page 999999999 is past the end")


def test_a_huge_page_past_the_count_s_cap_is_refused_at_once(newsroom, monkeypatch):
    """Past the cap the end is not known: a huge page is past the window,
    said without ranking a hit."""
    narrow_window(monkeypatch, 1)
    monkeypatch.setattr(archive_counts, "COUNT_CAP", PAGE_SIZE)
    from archive import datasette_search

    monkeypatch.setattr(datasette_search, "ranked_page", lambda *args: pytest.fail("ranked past the window"))
    status, page = api(newsroom, WORD, page=999999999)
    assert status == 400 and page["hits"] == [] and page["error"] == (
        f"page 999999999 is past the first 20 results, as deep as pages go (page 1 is the last): the search "
        f"found more than {PAGE_SIZE} paragraphs; add words or filters to narrow it")


def test_a_page_past_the_end_says_so(newsroom):
    status, page = api(newsroom, WORD, page=9)
    assert page["hits"] == [] and page["next"] is None
    # The page before it is the last one, not page 8, past the end too; on
    # the HTML page as in the JSON.
    assert page["previous"].endswith(f"page={page['pages']}")
    text = get_one(newsroom, f"/newsroom/search?q={quote(WORD)}&page=9").text
    assert re.search(rf'<a rel="prev" href="/newsroom/search\?q=[^"]*&amp;page={page["pages"]}"', text)
    assert page["error"] == (
        f"page 9 is past the end: the search found {ARTICLES + ARTICLES // 4} paragraphs "
        f"({ARTICLES + 1} without reprints) in {ARTICLES} documents"
    )


def test_a_page_past_the_end_of_a_capped_count_links_the_last_page(newsroom, monkeypatch):
    """Past the count's cap the number of pages is not counted; a page past
    the end has run out of results, so it knows the last page and links
    it, not the page before it, which would be past the end too."""
    monkeypatch.setattr(archive_counts, "COUNT_CAP", PAGE_SIZE)
    status, first = api(newsroom, WORD)
    assert status == 200 and first["more"] and first["pages"] is None and first["next"].endswith("page=2")
    status, past = api(newsroom, WORD, page=9)
    last = math.ceil((ARTICLES + 1) / PAGE_SIZE)  # the results without reprints
    assert past["hits"] == [] and past["next"] is None and past["pages"] == last
    assert past["previous"].endswith(f"page={last}")
    assert past["error"] == f"page 9 is past the end: the search found more than {PAGE_SIZE} paragraphs (page {last} is the last)"
    text = get_one(newsroom, f"/newsroom/search?q={quote(WORD)}&page=9").text
    assert re.search(rf'<a rel="prev" href="/newsroom/search\?q=[^"]*&amp;page={last}"', text)
    status, end = api(newsroom, WORD, page=last)
    assert len(end["hits"]) == (ARTICLES + 1) % PAGE_SIZE and end["next"] is None and end["pages"] == last


def test_html_page_folds_reprints_and_links_the_next_page(newsroom):
    text = get_one(newsroom, f"/newsroom/search?q={quote(WORD)}").text
    assert text.count('<li class="archive-hit">') == PAGE_SIZE
    assert f"<summary>also in {ARTICLES // 4 - 1} other documents</summary>" in text
    assert re.search(r'<a rel="next" href="/newsroom/search\?q=[^"]*page=2"', text)
    # Paths relative to the imported folder, scores nowhere.
    assert "/news/" not in text and "score" not in text


# --- the JSON API and the CSV ------------------------------------------------------------


def test_json_api_shape(newsroom):
    status, page = api(newsroom, WORD)
    assert status == 200
    assert {"total", "distinct", "hits", "next", "facets"} <= set(page)
    hit = page["hits"][0]
    assert {"path", "paragraph", "text", "marked_text", "matches", "also_in", "fields", "document_url"} <= set(hit)
    assert hit["fields"]["source"] in SOURCES and re.fullmatch(r"2015-0[78]-\d\d", hit["fields"]["date"])
    assert [hit["text"][s:e] for s, e in hit["matches"]] == [WORD]
    assert hit["marked_text"] == html.escape(hit["text"]).replace(WORD, f"<mark>{WORD}</mark>")
    n = hit["paragraph"]
    assert re.fullmatch(rf"http://localhost/newsroom/article/\d+\?q=[^#]+&p={n}#p-{n}", hit["document_url"])
    assert page["next"].startswith("http://localhost/newsroom/search.json?q=") and page["next"].endswith("&page=2")


def test_csv_has_plain_text_and_the_fields(newsroom):
    response = get_one(newsroom, f"/newsroom/search.csv?q={quote(WORD)}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "<mark>" not in response.text and not re.search(r"&\w+;|&#\d+;", response.text)
    rows = list(csv.DictReader(io.StringIO(response.text)))
    hits = api(newsroom, WORD)[1]["hits"]
    assert [row["text"] for row in rows] == [hit["text"] for hit in hits]
    assert [(row["source"], row["date"]) for row in rows] == [
        (hit["fields"]["source"], hit["fields"]["date"]) for hit in hits
    ]
    # Its links are whole URLs (the file is read away from the page), and a
    # page with no hits has the same columns.
    assert all(row["document_url"].startswith("http://localhost/newsroom/article/") for row in rows)
    past = get_one(newsroom, f"/newsroom/search.csv?q={quote(WORD)}&page=999")
    assert past.text.splitlines()[0] == response.text.splitlines()[0]
    # The page links to it.
    page = get_one(newsroom, f"/newsroom/search?q={quote(WORD)}").text
    assert f'href="/newsroom/search.csv?q={quote(WORD)}"' in page


def test_fields_named_as_the_csv_s_own_columns_have_columns_of_their_own(tmp_path, run):
    """A field called text (or paragraph, ...) is fields.text in the CSV; in
    the JSON it is apart already, under the hit's fields."""
    folder = tmp_path / "news"
    (folder / "okaz").mkdir(parents=True)
    (folder / "okaz" / "wire.txt").write_text(f"عنوان\n\nخبر عن {WORD}\n", encoding="utf-8")
    db = tmp_path / "named.db"
    result = run("import", folder, "--db", db, "--fields", "{source}/{text}.txt")
    assert result.exit_code == 0, result.output
    table = get_one(db, f"/named/search.csv?q={quote(WORD)}").text
    rows = list(csv.reader(io.StringIO(table)))
    assert rows[0] == ["path", "paragraph", "title", "source", "fields.text", "text", "also_in", "document_url"]
    row = dict(zip(rows[0], rows[1]))
    assert (row["source"], row["fields.text"], row["text"]) == ("okaz", "wire", f"خبر عن {WORD}")
    hit = get_one(db, f"/named/search.json?q={quote(WORD)}").json()["hits"][0]
    assert hit["fields"] == {"source": "okaz", "text": "wire"} and hit["text"] == f"خبر عن {WORD}"


# --- messages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "the query has no words to search for"),
        ("،", "the query has no words to search for"),
        (f"-{WORD}", "the query only excludes words: add a word to search for"),
        ("قوات OR -أمن", "OR cannot join an excluded word (قوات OR -أمن): an excluded word is left out of the whole query"),
    ],
)
def test_refused_queries_say_what_the_cli_says(newsroom, run, query, message):
    result = cli(run, newsroom, query)
    assert result.stderr.strip() == f"archive: error: {message}"
    status, page = api(newsroom, query)
    assert status == 400 and page["error"] == message and page["hits"] == []
    response = get_one(newsroom, f"/newsroom/search?q={quote(query)}")
    assert response.status_code == 400
    assert f'<p class="message-error archive-error">{html.escape(message)}</p>' in response.text


def test_typed_text_is_shown_escaped(newsroom):
    typed = '<script>alert(1)</script> OR -<b>x'
    response = get_one(newsroom, f"/newsroom/search?q={quote(typed)}&where={quote('<i>=1')}")
    assert response.status_code == 400
    assert "<script>alert" not in response.text and "<b>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


@pytest.mark.parametrize("page", ["", "1", "99999999", "999999999"])
def test_any_page_number_gives_a_page(newsroom, page):
    response = get_one(newsroom, f"/newsroom/search.json?q={quote(WORD)}&page={page}")
    assert response.status_code == 200
    assert response.json()["page"] == int(page or 1)


@pytest.mark.parametrize("page", ["0", "-1", "x", "1.5", "9" * 10, "9" * 5000, "\u00b2", "\u0662"])
def test_what_is_not_a_page_number_is_refused_in_every_format(newsroom, page):
    """Not page 1 in silence, which would pass for the page asked for."""
    url = f"/newsroom/search{{}}?q={quote(WORD)}&page={quote(page)}"
    shown = page if len(page) <= 20 else page[:20] + "…"
    message = f"page {shown}: not a page number (write a whole number from 1 to 999999999)"
    answer = get_one(newsroom, url.format(".json"))
    assert answer.status_code == 400 and answer.json()["error"] == message and answer.json()["hits"] == []
    page_html = get_one(newsroom, url.format(""))
    assert page_html.status_code == 400 and html.escape(message) in page_html.text
    assert 'class="archive-hit"' not in page_html.text
    table = get_one(newsroom, url.format(".csv"))
    assert table.status_code == 400 and table.text == f"archive: error: {message}\n"


def test_bad_filters_say_what_the_cli_says(newsroom, run):
    result = cli(run, newsroom, WORD, "--where", "paper=okaz")
    status, page = api(newsroom, WORD, where="paper=okaz")
    assert status == 400 and f"archive: error: {page['error']}" == result.stderr.strip()
    status, page = api(newsroom, WORD, since="someday")
    assert status == 400 and "not a date" in page["error"]
    result = cli(run, newsroom, WORD, "--since", "2015-09", "--until", "2015-08")
    status, page = api(newsroom, WORD, since="2015-09", until="2015-08")
    assert status == 400 and f"archive: error: {page['error']}" == result.stderr.strip()
    assert page["error"] == "--since 2015-09 is after --until 2015-08: no date can be both"
    for month in ("2015-13", "2015-7", "July", "0000-01"):
        status, page = api(newsroom, WORD, month=month)
        assert status == 400 and page["error"] == f"month {month}: not a month (write YYYY-MM)"
    # A month outside the dates asked for names them, not an --until never given.
    status, page = api(newsroom, WORD, since="2015-09", month="2015-08")
    assert status == 400 and page["error"] == "month 2015-08 is not within since 2015-09: no date can be in both"
    status, page = api(newsroom, WORD, since="2015-07-10", until="2015-07-20", month="2015-08")
    assert status == 400 and page["error"] == (
        "month 2015-08 is not within since 2015-07-10 and until 2015-07-20: no date can be in both")


def test_the_form_alone_without_a_query(newsroom):
    response = get_one(newsroom, "/newsroom/search")
    assert response.status_code == 200
    assert 'name="q"' in response.text and "archive-error" not in response.text
    assert get_one(newsroom, "/newsroom/search.json").status_code == 400


def test_a_search_over_the_time_limit_says_so(newsroom):
    response = get_one(newsroom, f"/newsroom/search.json?q={quote(WORD)}", sql_time_limit_ms=0)
    assert response.status_code == 400
    assert "took longer than Datasette's time limit" in response.json()["error"]
    assert "run 'archive serve', which allows more" in response.json()["error"]


def test_an_or_over_the_time_limit_is_told_to_join_fewer_words(newsroom):
    """Another word joined by OR makes a search wider and slower: the
    advice for one that took too long is fewer of them, not more words."""
    for query, advice in ((f"{WORD} OR مشروع", "join fewer words by OR, or add filters"),
                          (f"{WORD} مشروع", "add words or filters")):
        response = get_one(newsroom, f"/newsroom/search.json?q={quote(query)}", sql_time_limit_ms=0)
        assert response.status_code == 400
        assert f"time limit (0 ms): {advice}, or run 'archive serve'" in response.json()["error"], query


def test_under_archive_serve_the_time_limit_message_does_not_send_you_there(newsroom, monkeypatch):
    from archive import datasette_search
    from archive.datasette_plugin import SERVE_TIME_LIMIT_MS
    from archive.sqlite import sqlite3

    def interrupted(*args):
        raise sqlite3.OperationalError("interrupted")

    monkeypatch.setattr(datasette_search, "find", interrupted)
    response = get_one(newsroom, f"/newsroom/search.json?q={quote(WORD)}", sql_time_limit_ms=SERVE_TIME_LIMIT_MS)
    assert response.status_code == 400
    assert response.json()["error"] == (
        f"the search took longer than Datasette's time limit ({SERVE_TIME_LIMIT_MS} ms): add words or filters")


# --- filters and facets ----------------------------------------------------------------------


def test_filters_in_the_url_are_those_of_the_cli(newsroom, run):
    counts = cli_counts(run, newsroom, WORD, "--where", "source=okaz", "--since", "2015-08-01")
    hits = all_pages(newsroom, WORD, where="source=okaz", since="2015-08-01")
    assert len(hits) == counts["distinct_paragraphs"] > 0
    assert all(h["fields"]["source"] == "okaz" and h["fields"]["date"] >= "2015-08-01" for h in hits)


def test_facets_count_by_source_and_month_and_filter_the_results(newsroom):
    status, page = api(newsroom, WORD)
    facets = page["facets"]
    assert {f["value"] for f in facets["source"]} == set(SOURCES)
    assert [f["value"] for f in facets["month"]] == ["2015-07", "2015-08"]
    for name in ("source", "month"):
        assert sum(f["count"] for f in facets[name]) == page["total"]
    for facet in facets["source"] + facets["month"]:
        url = facet["url"].removeprefix("http://localhost")
        chosen = get_one(newsroom, url.replace("/search.json?", "/search?")).text
        assert f'<p class="archive-counts">{facet["count"]} paragraphs' in chosen
        filtered = get_one(newsroom, url).json()
        assert filtered["total"] == facet["count"]
        assert [f["selected"] for f in filtered["facets"]["source" if facet in facets["source"] else "month"]] == [True]
        key = "source" if facet in facets["source"] else "date"
        assert all(h["fields"][key].startswith(facet["value"]) for h in filtered["hits"])


@pytest.mark.parametrize("dates", [
    {}, {"since": "2015-07-15"}, {"until": "2015-08-12"}, {"since": "2015-07-15", "until": "2015-08"},
    {"since": "2015-06-20", "until": "2015-08-20"}, {"since": "2015-07", "until": "2015-07"},
])
def test_a_month_chosen_keeps_the_dates_asked_for_and_dropped_gives_them_back(newsroom, dates):
    """A month's count is within the dates asked for, and so is the page its
    link opens; dropping the month again (its link there, or the filter's
    cross) comes back to the dates asked for, whether they are narrower than
    the month, wider, or the month's own."""
    status, page = api(newsroom, WORD, **dates)
    assert status == 200
    for facet in page["facets"]["month"]:
        url = facet["url"].removeprefix("http://localhost")
        chosen = get_one(newsroom, url).json()
        assert chosen["total"] == facet["count"], (dates, facet["value"])
        [again] = chosen["facets"]["month"]
        assert again["selected"] and again["value"] == facet["value"]
        back = parse_qs(urlsplit(again["url"]).query)
        assert back == {"q": [WORD], **{name: [value] for name, value in dates.items()}}
        html_page = get_one(newsroom, url.replace("/search.json?", "/search?")).text
        crosses = re.findall(r'<li>Only month (\S+) <a href="([^"]+)"', html_page)
        assert [(value, parse_qs(urlsplit(html.unescape(link)).query)) for value, link in crosses] == [
            (facet["value"], back)
        ]


def test_values_that_differ_in_case_only_are_one_facet(tmp_path, run):
    """As --where compares them (the column is collate nocase)."""
    folder = tmp_path / "news"
    folder.mkdir()
    for name in ("2015-07-01_okaz_1.txt", "2015-08-01_Okaz_2.txt", "2015-08-02_sabq_3.txt"):
        (folder / name).write_text("قال وزير الصحة\n", encoding="utf-8")
    db = tmp_path / "cased.db"
    assert run("import", folder, "--db", db, "--fields", FIELDS).exit_code == 0
    page = get_one(db, f"/cased/search.json?q={quote('وزير')}").json()
    assert {f["value"].lower(): f["count"] for f in page["facets"]["source"]} == {"okaz": 2, "sabq": 1}
    okaz = next(f for f in page["facets"]["source"] if f["value"].lower() == "okaz")
    chosen = get_one(db, okaz["url"].removeprefix("http://localhost")).json()
    assert chosen["total"] == 2
    assert [f["selected"] for f in chosen["facets"]["source"]] == [True]
    # A placeholder date at the calendar's end is a month like any other.
    (folder / "9999-12-31_sabq_4.txt").write_text("قال وزير الصحة\n", encoding="utf-8")
    assert run("import", folder, "--db", db).exit_code == 0
    dated = get_one(db, f"/cased/search.json?q={quote('وزير')}&since=2015")
    assert dated.status_code == 200 and "9999-12" in {f["value"] for f in dated.json()["facets"]["month"]}


def test_an_archive_without_fields_has_no_facets(seeds_db):
    response = get_one(seeds_db, f"/seeds/search.json?q={quote('القوات')}")
    assert response.status_code == 200 and response.json()["facets"] == {}


# --- the article page ------------------------------------------------------------------------


def test_article_page_shows_every_paragraph_in_order_with_the_hit_marked(newsroom, tmp_path):
    hit = next(h for h in api(newsroom, WORD)[1]["hits"] if h["text"] == WIRE)
    response = get_one(newsroom, hit["document_url"].removeprefix("http://localhost"))
    assert response.status_code == 200
    file = tmp_path / "news" / hit["path"]
    expected = [p for p in file.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    shown = re.findall(r'<p id="p-(\d+)" class="archive-paragraph( archive-hit)?" dir="auto">(.*?)</p>', response.text)
    assert [int(n) for n, _, _ in shown] == list(range(1, len(expected) + 1))
    assert [html.unescape(re.sub("</?mark>", "", body)) for _, _, body in shown] == [p.strip() for p in expected]
    assert [int(n) for n, hit_class, _ in shown if hit_class] == [hit["paragraph"]]
    assert f"<mark>{WORD}</mark>" in shown[hit["paragraph"] - 1][2]
    # Its title, its fields, and the way back to the results.
    assert f'<h1 dir="auto">{html.escape(expected[0].strip())}</h1>' in response.text
    assert hit["fields"]["source"] in response.text and hit["fields"]["date"] in response.text
    assert f'href="/newsroom/search?q={quote(WORD)}"' in response.text


def test_article_page_of_a_document_without_a_title_is_titled_by_its_path(newsroom):
    """As its hit is on the search page (an empty file has no title, for one)."""
    hit = api(newsroom, WORD)[1]["hits"][0]
    with sqlite3.connect(newsroom) as conn:
        conn.execute("update documents set title = '' where path like ?", [f"%/{hit['path']}"])
    conn.close()
    text = get_one(newsroom, hit["document_url"].removeprefix("http://localhost")).text
    assert f'<h1 dir="auto">{hit["path"]}</h1>' in text
    assert re.search(rf"<title>\s*{re.escape(hit['path'])}\s*</title>", text)


def test_article_page_of_no_document_is_not_found(newsroom):
    for number in ("999999", "9" * 30, "x"):
        assert get_one(newsroom, f"/newsroom/article/{number}").status_code == 404


# --- the paragraphs table ----------------------------------------------------------------------


def test_paragraphs_table_sorted_by_rank_is_the_search_page(newsroom):
    page, data = get(
        newsroom,
        f"/newsroom/paragraphs?_search={quote(WORD)}&_sort=rank",
        f"/newsroom/paragraphs.json?_search={quote(WORD)}&_sort_desc=rank",
    )
    assert page.status_code == 200 and data.status_code == 200
    assert str(page.url).startswith("http://localhost/newsroom/search?q=")
    assert data.json()["hits"] == api(newsroom, WORD)[1]["hits"]


def test_paragraphs_table_suggests_no_facets(seeds_db):
    data, page, documents = get(
        seeds_db, "/seeds/paragraphs.json?_size=1", "/seeds/paragraphs?_size=1", "/seeds/documents.json?_size=1"
    )
    assert data.json()["suggested_facets"] == []
    assert page.status_code == 200 and 'class="suggested-facets"' not in page.text
    # The documents table still has its suggestions.
    assert documents.json()["suggested_facets"]


def test_other_databases_keep_their_own_search_table(tmp_path):
    # A guard: only archives' /DB/search is the search page.
    import sqlite_utils

    path = tmp_path / "plain.db"
    sqlite_utils.Database(path)["search"].insert({"id": 1, "word": "x"}, pk="id")
    response = get_one(path, "/plain/search.json?_shape=array")
    assert response.status_code == 200 and response.json() == [{"id": 1, "word": "x"}]


def test_hits_found_through_a_reading_the_index_decides_are_marked(tmp_path, run):
    """The page marks what the search matched, readings the index decides
    (وشركته: و + شركة + ه) included, as archive search does."""
    folder = tmp_path / "firms"
    folder.mkdir()
    (folder / "a.txt").write_text("أعلنت الشركة عن أرباح كبيرة هذا العام\n", encoding="utf-8")
    db = tmp_path / "firms.db"
    assert run("import", folder, "--db", db).exit_code == 0
    page = get_one(db, f"/firms/search.json?q={quote('وشركته')}").json()
    assert [hit["text"][start:end] for hit in page["hits"] for start, end in hit["matches"]] == ["الشركة"]
    # So do the article page a hit links to, and archive_mark() in SQL.
    article = get_one(db, page["hits"][0]["document_url"].removeprefix("http://localhost")).text
    assert "<mark>الشركة</mark>" in article
    sql = quote("select archive_mark(text, 'وشركته') as m from paragraphs")
    assert get_one(db, f"/firms.json?sql={sql}&_shape=array").json() == [{"m": "أعلنت <mark>الشركة</mark> عن أرباح كبيرة هذا العام"}]


def test_searches_run_one_at_a_time_each_with_its_own_time_limit(newsroom, monkeypatch):
    """Ranking is Python: two searches side by side under one interpreter
    lock would each take as long as both, and miss a limit either alone
    meets.  They queue instead: never two at once."""
    import threading
    import time

    from archive import datasette_search
    from archive.db import open_archive

    running, most = [0], [0]
    real_search = datasette_search.ranked_page

    def search(*args, **kwargs):
        running[0] += 1
        most[0] = max(most[0], running[0])
        time.sleep(0.05)  # long enough for the other to come in beside it
        running[0] -= 1
        return real_search(*args, **kwargs)

    monkeypatch.setattr(datasette_search, "ranked_page", search)
    start, errors = threading.Barrier(2), []

    def one():
        conn = open_archive(str(newsroom)).conn
        try:
            start.wait()
            datasette_search.find(conn, datasette_search.SearchForm(q=WORD), 1000)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            conn.close()

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and most[0] == 1


def test_documents_without_a_field_have_a_facet_of_their_own(tmp_path, run):
    """A document the --fields pattern does not fit has no source and no
    date: its paragraphs are counted under 'no source' and 'no date', so
    that each facet adds up to the total, and that facet chooses them
    (--where source= in the CLI)."""
    write_newsroom(tmp_path / "news")
    (tmp_path / "news" / "notes.txt").write_text(f"ملاحظة عن {WORD} بلا تاريخ\n", encoding="utf-8")
    db = tmp_path / "newsroom.db"
    assert run("import", tmp_path / "news", "--db", db, "--fields", FIELDS).exit_code == 0
    status, page = api(db, WORD)
    for name in ("source", "month"):
        assert sum(f["count"] for f in page["facets"][name]) == page["total"]
        none = page["facets"][name][-1]
        assert none["value"] is None and none["label"] == f"no {name}" and none["count"] == 1
        chosen = get_one(db, none["url"].removeprefix("http://localhost")).json()
        assert chosen["total"] == 1 and chosen["hits"][0]["path"].endswith("notes.txt")
        assert [f["selected"] for f in chosen["facets"][name]] == [True]
        shown = get_one(db, none["url"].removeprefix("http://localhost").replace(".json", "")).text
        assert f"<li>Only documents with no {'date' if name == 'month' else name} <a" in shown
    result = run("search", "--db", db, "--json", "--where", "source=", WORD)
    assert [json.loads(line)["path"].rsplit("/", 1)[1] for line in result.stdout.splitlines()] == ["notes.txt"]


def test_the_index_is_checked_again_only_once_the_archive_changed(newsroom, monkeypatch):
    """The warning of an index out of step counts the paragraphs (a scan of
    an index as large as the archive): a connection keeps its answer until
    another one writes, and then sees what was written."""
    from archive import datasette_search

    checks = []
    real_check = datasette_search.index_mismatch
    monkeypatch.setattr(datasette_search, "index_mismatch", lambda db: checks.append(1) or real_check(db))
    datasette = Datasette([str(newsroom)], settings={"num_sql_threads": 1})
    url = f"/newsroom/search.json?q={quote(WORD)}"

    async def warnings():
        return (await datasette.client.get(url)).json()["warnings"]

    async def scenario():
        before = [await warnings() for _ in range(3)]
        with sqlite3.connect(newsroom) as behind_its_back:
            behind_its_back.execute("delete from paragraphs where id = (select max(id) from paragraphs)")
        return before, await warnings()

    before, after = asyncio.run(scenario())
    assert before == [[], [], []]
    assert len(checks) == 2  # once for the three searches, once after the write
    assert len(after) == 1 and "the search index holds" in after[0] and "archive rebuild" in after[0]
