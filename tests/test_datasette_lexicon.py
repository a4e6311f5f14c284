"""The search page's lexicon switch and word families (issue 15 point 2):
`lexicon=0` on /DB/search and search.json does what `archive search
--no-lexicon` does, the page's box sets it and its links keep it; `~word`
finds a word's family there as on the command line.

Requests go through Datasette's own test client, on a small archive of
made-up sentences written here."""

from __future__ import annotations

import html
import json
from urllib.parse import quote

import pytest

from test_datasette_search import get, get_one

SENTENCES = [
    "زار الوفد أمريكا الأسبوع الماضي.",
    "وقالت الصحيفة إن أميركا ترفض الطلب.",
    "وصل المبعوث إلى إيران صباحا.",
    "رحبت الحكومة الإيرانية بالزيارة.",
    "أعلن الجيش استهداف مواقع المسلحين.",
    "قال إن القصف يستهدف المدنيين.",
] + [f"أمريكا في سطر آخر رقم {n}." for n in range(25)]  # past one page


@pytest.fixture
def words_db(tmp_path, run):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "news.txt").write_text("أخبار\n\n" + "\n\n".join(SENTENCES) + "\n", encoding="utf-8")
    db = tmp_path / "words.db"
    result = run("import", folder, "--db", db)
    assert result.exit_code == 0, result.output
    return db


def page_texts(db, query: str, *params: str) -> set[str]:
    url = "/words/search.json?q=" + quote(query) + "".join("&" + p for p in params)
    response = get_one(db, url)
    assert response.status_code == 200, response.text
    return {hit["text"] for hit in response.json()["hits"]}


def cli_texts(run, db, *args: str) -> set[str]:
    result = run("search", "--db", db, "--json", "--limit", "20", *args)
    return {json.loads(line)["text"] for line in result.stdout.splitlines()}


@pytest.mark.parametrize("query", ["أميركا", "إيران"])
def test_lexicon_0_is_no_lexicon(words_db, run, query):
    with_lexicon, without = page_texts(words_db, query), page_texts(words_db, query, "lexicon=0")
    assert without < with_lexicon
    assert with_lexicon == cli_texts(run, words_db, query)
    assert without == cli_texts(run, words_db, "--no-lexicon", query)


def test_other_values_keep_the_lexicon(words_db):
    assert page_texts(words_db, "أميركا", "lexicon=1") == page_texts(words_db, "أميركا")


def test_the_box_sets_it_and_the_links_keep_it(words_db):
    plain, switched = (html.unescape(r.text) for r in get(
        words_db, "/words/search?q=" + quote("أمريكا"), "/words/search?q=" + quote("أمريكا") + "&lexicon=0"))
    box = '<input type="checkbox" name="lexicon" value="0"'
    assert box + ">" in plain and box + " checked>" in switched
    assert "lexicon=0" not in plain
    # Next page and article links carry it; no hidden field doubles the box.
    assert "page=2" in switched and all("lexicon=0" in link for link in _links(switched, "page=2"))
    assert '<input type="hidden" name="lexicon"' not in switched
    article = next(link for link in _links(switched, "/article/"))
    assert "lexicon=0" in article


def test_next_pages_of_the_json_keep_it(words_db):
    response = get_one(words_db, "/words/search.json?q=" + quote("أمريكا") + "&lexicon=0")
    assert "lexicon=0" in response.json()["next"]


def test_a_family_on_the_page(words_db, run):
    texts = page_texts(words_db, "~استهداف")
    assert {SENTENCES[4], SENTENCES[5]} == texts == cli_texts(run, words_db, "~استهداف")
    assert page_texts(words_db, "استهداف") == {SENTENCES[4]}


def _links(page: str, containing: str) -> list[str]:
    return [link for link in (part.split('"', 1)[0] for part in page.split('href="')[1:]) if containing in link]
