"""Arabic-aware search, end to end, on a real news article (../shared/seeds)
and on the team's seeds."""

import json
import re

import pytest

from conftest import SEEDS, SHARED_SEEDS

from archive.analyze import written_words
from archive.paragraphs import split_paragraphs

PREFIX = "(?:[وف]?[بكل]?ال|[وف]?لل|[وف]?[بكل]?)"
PRONOUN = "(?:ه|ها|هم|هما|هن|ك|كم|كن|نا)"


def fold(text):
    """Spelling folds a reader ignores (independent of the analyzer)."""
    text = re.sub("[\u064b-\u065f\u0670\u0640]", "", text)
    return text.translate(str.maketrans("أإآٱىةؤئ", "ااااي" + "ه" + "ءء"))


def paragraphs_with(paragraphs, pattern):
    """Numbers of the paragraphs in which some word matches the pattern."""
    regex = re.compile(f"^{pattern}$")
    return {
        number
        for number, text in enumerate(paragraphs, start=1)
        if any(regex.match(w) for w in re.findall("[\u0621-\u064a]+", fold(text)))
    }


def searched(run, db, *query):
    result = run("search", "--db", db, "--json", "--limit", "1000", *query)
    assert result.exit_code in (0, 1), result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture
def shared_paragraphs():
    (path,) = sorted(SHARED_SEEDS.glob("*.txt"))
    return split_paragraphs(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "query, pattern",
    [
        ("قوات", f"{PREFIX}قوات{PRONOUN}?"),
        # and its broken plural (plurals_data.py): القواعد
        ("قاعدة", f"{PREFIX}(?:قاعد(?:ه|ت{PRONOUN}|ات|تين|تان)|قواعد{PRONOUN}?)"),
        ("هجوم", f"{PREFIX}هجوم(?:{PRONOUN}|ين|ان|ات)?"),
        ("مسؤول", f"{PREFIX}مسءول(?:{PRONOUN}|ين|ون|ان|ه|ات)?"),
    ],
)
def test_plain_word_finds_every_paragraph_with_its_forms(run, shared_seeds_db, shared_paragraphs, query, pattern):
    expected = paragraphs_with(shared_paragraphs, pattern)
    assert expected, "the article should contain the word"
    found = {hit["paragraph"] for hit in searched(run, shared_seeds_db, query)}
    assert found == expected


def test_prefixed_forms_are_found_and_marked(run, shared_seeds_db):
    hits = searched(run, shared_seeds_db, "قوات")
    marked = {fold(h["text"][s:e]) for h in hits for s, e in h["matches"]}
    assert {"القوات", "للقوات", "قوات"} <= marked


@pytest.mark.parametrize(
    "plain, variants",
    [
        ("قوات", ["قُوّات", "قُوَّاتٌ", "قـــوات"]),
        ("قاعدة", ["قاعده", "قَاعِدَة", "قاعـدة"]),
        ("سورية", ["سوريه", "سُورِيَة"]),
        ("مسؤول", ["مسئول"]),  # not مسءول: ء is not folded with ؤ, ئ (ماء, مائة)
        ("الأميركية", ["الاميركيه", "الأمـيركية"]),
    ],
)
def test_spelling_variants_give_the_same_results(run, shared_seeds_db, plain, variants):
    expected = searched(run, shared_seeds_db, plain)
    assert expected
    for variant in variants:
        assert searched(run, shared_seeds_db, variant) == expected, variant


def test_matches_are_highlighted_in_the_original_text(run, shared_seeds_db):
    for hit in searched(run, shared_seeds_db, "الاستهداف"):
        for start, end in hit["matches"]:
            # spans cover whole original words, marks and all
            assert fold(hit["text"][start:end]).endswith(("استهداف", "استهدافات"))


def test_exact_finds_the_written_form_only(run, seeds_db):
    stemmed = {(h["path"], h["paragraph"]) for h in searched(run, seeds_db, "قوات")}
    exact = searched(run, seeds_db, "--exact", "قوات")
    assert exact and {(h["path"], h["paragraph"]) for h in exact} < stemmed
    for hit in exact:
        assert all(fold(hit["text"][s:e]) == "قوات" for s, e in hit["matches"])


def test_vocalized_seed_is_found_by_plain_words(run, seeds_db):
    hits = searched(run, seeds_db, "وزير التربية")
    assert any(h["path"].endswith("02-vocalized-school.txt") for h in hits)
    marked = {h["text"][s:e] for h in hits for s, e in h["matches"]}
    assert "وَزِيرُ" in marked


def test_phrase_or_not_and_prefix(run, seeds_db):
    phrase = searched(run, seeds_db, '"قوات الأمن"')
    assert phrase and all("قوات الأمن" in h["text"] for h in phrase)
    either = {h["paragraph"] for h in searched(run, seeds_db, "الميناء OR الملعب")}
    ports = {h["paragraph"] for h in searched(run, seeds_db, "الميناء")}
    stadiums = {h["paragraph"] for h in searched(run, seeds_db, "الملعب")}
    assert either == ports | stadiums
    without = searched(run, seeds_db, "المدينة", "-الميزانية")
    assert without and all("ميزاني" not in fold(h["text"]) for h in without)
    prefixed = searched(run, seeds_db, "تطبي*")
    assert prefixed and all(re.search("تطبي", fold(h["text"])) for h in prefixed)


def test_mixed_arabic_and_english(run, seeds_db):
    hits = searched(run, seeds_db, "translation")
    assert any("translation" in h["text"] for h in hits)
    both = searched(run, seeds_db, "التطبيق", "learning")
    assert both and all("learning" in h["text"] for h in both)


def test_results_are_ranked_best_first(run, seeds_db):
    hits = searched(run, seeds_db, "الميناء")
    scores = [h["score"] for h in hits]
    assert len(hits) > 1 and scores == sorted(scores)


def test_import_from_another_directory_does_not_duplicate(run, tmp_path, monkeypatch):
    from conftest import SEEDS

    db = tmp_path / "a.db"
    assert run("import", SEEDS, "--db", db).exit_code == 0
    monkeypatch.chdir(SEEDS)
    assert run("import", ".", "--db", db).exit_code == 0
    import sqlite_utils

    database = sqlite_utils.Database(db)
    assert database["documents"].count == len(list(SEEDS.glob("*.txt")))
    assert database["paragraphs"].count == sum(
        len(split_paragraphs(p.read_text(encoding="utf-8"))) for p in SEEDS.glob("*.txt")
    )


def test_a_phrase_needs_its_words_in_order_and_together(run, seeds_db):
    in_order = searched(run, seeds_db, '"قوات الأمن"')
    assert in_order
    assert searched(run, seeds_db, '"الأمن قوات"') == []
    # both words are in paragraph 1 of 07, but not next to each other
    assert searched(run, seeds_db, '"قوات انتشارها"') == []
    assert searched(run, seeds_db, "قوات", "انتشارها")


def test_minus_before_a_phrase_excludes_it(run, seeds_db):
    everything = {(h["path"], h["paragraph"]) for h in searched(run, seeds_db, "القوات")}
    without = searched(run, seeds_db, "القوات", '-"قوات الأمن"')
    assert without and all("قوات الأمن" not in h["text"] for h in without)
    assert {(h["path"], h["paragraph"]) for h in without} < everything


def test_word_typed_with_its_article_finds_the_bare_word(run, seeds_db):
    with_article = {(h["path"], h["paragraph"]) for h in searched(run, seeds_db, "الوزير")}
    bare = {(h["path"], h["paragraph"]) for h in searched(run, seeds_db, "وزير")}
    assert with_article == bare
    assert any("وزير" in fold(h["text"]).split() or "وَزِيرُ" in h["text"] for h in searched(run, seeds_db, "الوزير"))


def test_mistyped_option_is_an_error_not_an_excluded_word(run, seeds_db):
    result = run("search", "--db", seeds_db, "--limt", "5", "القوات")
    assert result.exit_code == 2
    assert result.stderr.startswith("archive: error: no such option: --limt")
    # A word after -- is never an option; --word of Arabic letters, never one.
    excluded = searched(run, seeds_db, "القوات", "NOT", "الأمن")
    for args in (["--", "--الأمن", "القوات"], ["--الأمن", "القوات"], ["--", "القوات", "--الأمن"]):
        assert searched(run, seeds_db, *args) == excluded, args


def test_an_excluded_word_is_never_read_as_short_options(run, tmp_path):
    """-Iran is not -I -r -a -n, nor -la --files, nor -2015 --null; -n1 and
    -l0 are still options, and an option's value stays its own."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("talks with Iran in London 2015\n", encoding="utf-8")
    (folder / "b.txt").write_text("talks with Oman\n", encoding="utf-8")
    db = tmp_path / "t.db"
    assert run("import", folder, "--db", db).exit_code == 0

    def found(*args):
        result = run("search", "--db", db, "--json", "talks", *args)
        assert result.exit_code in (0, 1), result.output
        return sorted(json.loads(line)["path"].rsplit("/", 1)[1] for line in result.stdout.splitlines())

    for excluded in ("-Iran", "-london", "-2015", "-Clinton", "-la"):
        assert found(excluded) == (["a.txt", "b.txt"] if excluded in ("-Clinton", "-la") else ["b.txt"]), excluded
    assert len(found("-n1")) == 1 and len(found("-n", "1")) == 1
    assert found("--path", "-a*") == []
    # Help is an option; -n=5 is -n given '=5', refused as click refuses it.
    helped = run("search", "--help")
    assert helped.exit_code == 0 and helped.stdout.startswith("Usage: ")
    refused = run("search", "--db", db, "-n=5", "talks")
    assert refused.exit_code == 2 and "'=5' is not a valid integer" in refused.stderr
    listed = run("search", "--db", db, "-l0", "talks")
    assert listed.exit_code == 0 and listed.stdout.count("\0") == 2


def test_a_phrase_is_marked_where_it_stands_and_nowhere_else():
    from archive.highlight import Highlighter
    from archive.query import parse

    text = "قال في حالة الطوارئ إن قوات الأمن وصلت، في عهده وفي عهدته القوات"

    def marked(query, **options):
        return [text[start:end] for start, end in Highlighter(parse(query, **options)).spans(text)]

    assert marked('"في عهده"') == ["في", "عهده", "وفي", "عهدته"]
    assert marked('"قوات الأمن"') == ["قوات", "الأمن"]
    assert marked('"قوات الأمن" القوات') == ["قوات", "الأمن", "القوات"]
    assert marked('"في عهده"', exact=True) == ["في", "عهده"]


def test_a_phrase_is_marked_by_the_variants_its_search_kept(tmp_path, run, monkeypatch):
    """Past the cap on a phrase's variants, the search keeps the first
    word's only; the marks keep the same (query.phrase_places)."""
    from archive import query as q
    from archive.db import open_archive
    from archive.highlight import Highlighter
    from archive.search import index_lookup

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("زار وزير مدينة الرياض ثم التقى وزير المدن الصغيرة\n", encoding="utf-8")
    db = tmp_path / "a.db"
    assert run("import", folder, "--db", db).exit_code == 0
    archive = open_archive(str(db))
    text = "زار وزير مدينة الرياض ثم التقى وزير المدن الصغيرة"

    def marked():
        spans = Highlighter(q.parse('"وزير مدينة"'), index_lookup(archive)).spans(text)
        return [text[start:end] for start, end in spans]

    assert marked() == ["وزير", "مدينة", "وزير", "المدن"]  # المدن: a plural of مدينة
    monkeypatch.setattr(q, "_MAX_PHRASE_VARIANTS", 1)
    assert marked() == ["وزير", "مدينة"]


def test_a_highlighter_kept_for_many_texts_marks_each_as_a_fresh_one(monkeypatch):
    """Datasette keeps a Highlighter per recent query; its memory of decided
    words is capped, and past the cap it still marks what a new one would."""
    from archive import highlight as q
    from archive.query import parse

    monkeypatch.setattr(q, "_DECIDED_WORDS", 7)
    texts = [p for path in sorted(SEEDS.glob("*.txt")) for p in split_paragraphs(path.read_text(encoding="utf-8"))]
    for words in ["المياه", "قوات", "تحلي*", '"محطة لتحلية"']:
        kept = q.Highlighter(parse(words))
        marked = [kept.spans(text) for text in texts]
        assert marked == [q.Highlighter(parse(words)).spans(text) for text in texts]
        assert any(marked)
        # Decisions are forgotten whenever a text's words would pass the
        # cap: what is kept is at most the cap, or one text's words.
        words_of = [{word for word, _ in written_words(text)} for text in texts]
        kept_words = sum(map(len, kept._decisions))
        assert kept_words <= max(7, *map(len, words_of)) < len(set().union(*words_of))


def test_a_highlighter_forgetting_in_another_thread_leaves_marks_whole(monkeypatch):
    """Datasette's threads share a highlighter per query: one of them
    forgetting (past the cap) while another marks a text must not take
    the other's decisions away before it has read them."""
    from archive import highlight as q
    from archive.query import parse

    text = "وقالت القوات إن القوات انتشرت"
    expected = q.Highlighter(parse("قوات")).spans(text)
    assert expected == [(6, 12), (16, 22)]
    shared = q.Highlighter(parse("قوات"))
    decide = shared._decide

    def decide_while_another_thread_forgets(*args):
        decide(*args)
        shared._forget()

    monkeypatch.setattr(shared, "_decide", decide_while_another_thread_forgets)
    assert shared.spans(text) == expected
