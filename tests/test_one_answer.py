"""One answer everywhere: `archive search`, the search page and the
paragraphs table's search box find the same paragraphs for every query.

The archive is written here: articles of clitic-heavy words (the forms whose
readings the index decides, and phrases whose variants multiply), several
documents, and paragraphs reprinted in other articles.  Queries of every
shape are generated from the same words, with a fixed seed.
"""

from __future__ import annotations

import asyncio
import random
from urllib.parse import quote

import pytest
from datasette.app import Datasette

from archive.db import open_reader
from archive.query import parse
from archive.counts import count
from archive.search import search

# Forms of the same few words: with clitics, pronouns, plurals, duals and
# construct plurals, so that the index decides many of their readings.
FORMS = (
    "شركة الشركة الشركات وشركته بشركاتها شركتك لشركته "
    "موظف الموظفين موظفي موظفو لموظفيها والموظفون "
    "مسؤول المسؤولين مسؤولي مسؤولو لمسؤوليها "
    "لاعب للاعبين لاعبي للاعبي واللاعبون "
    "مجلس المجلس لمجلس ومجلس بمجلسه "
    "وزراء الوزراء للوزراء وزارة وزارته بوزارتها "
    "شخص الشخصين أشخاص يوم يومين اليومين "
    "قوات القوات بقواتها الأمن وأمنه "
    "مدرسة المدارس مدارسهم كتاب كتابه بكتابها"
).split()
FILLER = "قال في إن على من عن بعد أن هذا".split()
DOCUMENTS = 12
PARAGRAPHS = 8
QUERIES_PER_SHAPE = 40
SEED = 15
# Queries seen to differ once: a phrase over the variant cap, forms whose
# readings the index decides.
CHOSEN = ('"مجلس الوزراء"', '"لمجلس وزراء"', "مسؤولي", "لموظفيها", "وشركته", "الشخصين")


def write_articles(folder, rng: random.Random) -> None:
    """DOCUMENTS articles of PARAGRAPHS paragraphs of random forms; every
    third article reprints a paragraph of the first."""
    folder.mkdir()
    first: list[str] = []
    for n in range(DOCUMENTS):
        paragraphs = []
        for _ in range(PARAGRAPHS):
            words = rng.choices(FORMS, k=rng.randint(4, 9)) + rng.choices(FILLER, k=3)
            rng.shuffle(words)
            paragraphs.append(" ".join(words) + ".")
        # Phrases as papers write them, kept whole.
        paragraphs.append(f"اجتمع {rng.choice(['مجلس الوزراء', 'لمجلس وزراء', 'ومجلس الوزراء'])} اليوم.")
        if n == 0:
            first = paragraphs
        elif n % 3 == 0:
            paragraphs.append(rng.choice(first))
        (folder / f"article_{n:02d}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")


def generated_queries(rng: random.Random) -> list[str]:
    """Queries of every shape, QUERIES_PER_SHAPE each."""
    def word():
        return rng.choice(FORMS)

    def phrase():
        return '"' + " ".join(word() for _ in range(rng.randint(2, 3))) + '"'

    shapes = [
        word,
        lambda: " ".join(word() for _ in range(rng.randint(2, 3))),
        phrase,
        lambda: f"{word()} OR {rng.choice([word(), phrase()])}",
        lambda: f"{word()} {rng.choice(['-', 'NOT '])}{rng.choice([word(), phrase()])}",
        lambda: word()[: rng.randint(2, 4)] + "*",
    ]
    return list(CHOSEN) + [shape() for shape in shapes for _ in range(QUERIES_PER_SHAPE)]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    from click.testing import CliRunner

    from archive.cli import cli

    folder = tmp_path_factory.mktemp("one_answer")
    rng = random.Random(SEED)
    write_articles(folder / "news", rng)
    db_path = folder / "archive.db"
    result = CliRunner().invoke(cli, ["import", str(folder / "news"), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    return db_path, generated_queries(rng)


def cli_ids(reader, text: str) -> set[int]:
    hits = search(reader, parse(text), limit=10_000, fold_duplicates=False)
    return {hit.paragraph_id for hit in hits}


def web_answers(db_path, queries: list[str]) -> list[tuple[set[int], int]]:
    """For each query: the paragraph ids the table box finds, and the total
    the search page's JSON gives; from one Datasette."""
    datasette = Datasette([str(db_path)])

    async def answers():
        found = []
        for text in queries:
            table = await datasette.client.get(
                f"/archive/paragraphs.json?_search={quote(text)}&_col=id&_shape=array&_size=max"
            )
            page = await datasette.client.get(f"/archive/search.json?q={quote(text)}")
            assert table.status_code == 200 and page.status_code == 200, (text, table.text, page.text)
            found.append(({row["id"] for row in table.json()}, page.json()["total"]))
        return found

    return asyncio.run(answers())


def test_table_box_search_page_and_cli_find_the_same_paragraphs(archive):
    db_path, queries = archive
    reader = open_reader(str(db_path))
    expected = {text: cli_ids(reader, text) for text in queries}
    totals = {text: count(reader, parse(text)).paragraphs for text in queries}
    differ = []
    for text, (table_ids, page_total) in zip(queries, web_answers(db_path, queries)):
        if not (table_ids == expected[text] and page_total == totals[text] == len(expected[text])):
            differ.append((text, len(expected[text]), len(table_ids), page_total))
    assert differ == []


def test_the_generated_queries_are_many_and_mostly_find_something(archive):
    # Agreement on empty answers would prove nothing.
    db_path, queries = archive
    reader = open_reader(str(db_path))
    assert len(set(queries)) >= 200
    finding = [text for text in queries if cli_ids(reader, text)]
    assert len(finding) >= 0.6 * len(queries)
