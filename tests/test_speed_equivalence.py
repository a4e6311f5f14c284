"""The fast analysis (pipeline.py for import, the cached tokenize() for
queries and highlighting) gives exactly what the straightforward path gives:
_WORD's runs, each normalized and stemmed on its own."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import analyze, pipeline, store
from archive.files import split_paragraphs
from conftest import SEEDS, SHARED_SEEDS


def _reference_tokenize(text: str) -> list[tuple[str, int, int]]:
    """tokenize() as first written: _WORD's runs, each normalized on its own."""
    tokens = []
    for match in analyze._WORD.finditer(text):
        word = match.group()
        if not analyze._REMOVE.sub("", word):
            continue
        for part in analyze._NORMALIZED_WORD.findall(analyze.normalize(word)):
            tokens.append((part, match.start(), match.end()))
    return tokens


def _straightforward(text: str) -> tuple[str, str]:
    words = [token[0] for token in _reference_tokenize(text)]
    return " ".join(analyze.stem(w) for w in words), " ".join(words)


def _seed_paragraphs(folder) -> list[str]:
    paragraphs = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        paragraphs += split_paragraphs(text)
        # Whole text too: newlines, titles and all.
        paragraphs.append(text)
    return paragraphs


def _assert_same(paragraphs: list[str]) -> None:
    assert paragraphs
    for text in paragraphs:
        expected = _straightforward(text)
        assert pipeline.analyze_paragraph(text) == expected, text[:80]
        assert (analyze.stemmed_form(text), analyze.exact_form(text)) == expected, text[:80]
        assert [tuple(token) for token in analyze.tokenize(text)] == _reference_tokenize(text), text[:80]


def test_team_seeds_analyze_the_same():
    _assert_same(_seed_paragraphs(SEEDS))


def test_shared_article_analyzes_the_same():
    if not SHARED_SEEDS.is_dir():
        pytest.skip("../shared/seeds is not here")
    _assert_same(_seed_paragraphs(SHARED_SEEDS))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "وَالقُوّاتُ الأمريكيـــة",
        "snake_case و_القوات __x__ _",
        "ـــ \u0651\u064e ـ",  # only tatweel and marks: no word at all
        "ﷺ ﻻ ٢٠١٥ Café naïve",  # one character, several words; ligature; digits; accents
        "a\u200bb\u200fc مسؤولية\u200c",  # zero-width and bidi controls inside words
        "ﬁnance ＡＢＣ x²",  # NFKC folding of Latin forms
        "لـ\"الرياض\" (الرياض)، الرياض.",
    ],
)
def test_awkward_text_analyzes_the_same(text):
    _assert_same([text])


_ALPHABET = st.sampled_from(
    list("قوات الرياض مدينة") + ["\u064e", "\u0651", "\u0640", "_", "\u200b", "ﷺ", "ﻻ", "é", "٣", "A", "\n", "-"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_any_text_analyzes_the_same(text):
    _assert_same([text])


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_unicode_analyzes_the_same(text):
    _assert_same([text])


def test_full_cache_is_cleared_and_still_right(monkeypatch):
    monkeypatch.setattr(pipeline, "CACHE_WORDS", 5)
    pipeline._exact.clear()
    pipeline._terms.clear()
    paragraphs = _seed_paragraphs(SEEDS)
    _assert_same(paragraphs)
    assert len(pipeline._exact) <= 5 + max(len(analyze.words(p)) for p in paragraphs)


def test_stored_rows_match_the_straightforward_path(seeds_db):
    import sqlite_utils

    db = sqlite_utils.Database(seeds_db)
    rows = list(db.query("select text, terms, exact from paragraphs"))
    assert rows
    for row in rows:
        assert (row["terms"], row["exact"]) == _straightforward(row["text"])


def test_paragraph_rows_columns():
    rows = store.paragraph_rows(7, ["وَالقُوّاتُ الأمريكيـــة", "twitter users"])
    assert [r["number"] for r in rows] == [1, 2]
    assert rows[0]["exact"] == "والقوات الامريكيه"
    assert rows[0]["terms"] == analyze.stemmed_form("وَالقُوّاتُ الأمريكيـــة")
    assert rows[1]["terms"] == "twitter user"
    assert rows[0]["fingerprint"] != rows[1]["fingerprint"]


# --- the import's machinery: worker analysis and per-batch indexing ----------


def _contents(db_path):
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        conn.execute("insert into paragraphs_fts(paragraphs_fts, rank) values('integrity-check', 1)")
        rows = conn.execute(
            """select d.path, p.number, p.text, p.terms, p.exact, p.fingerprint
               from paragraphs p join documents d on d.id = p.document_id order by d.path, p.number"""
        ).fetchall()
        triggers = {r[0] for r in conn.execute("select name from sqlite_master where type = 'trigger'")}
        meta = {r[0] for r in conn.execute("select key from archive_meta")}
        term = analyze.stem(analyze.normalize("القوات"))
        hits = conn.execute(
            "select count(*) from paragraphs_fts where paragraphs_fts match ?", [f'terms : "{term}"']
        ).fetchone()[0]
        return rows, triggers, meta, hits
    finally:
        conn.close()


@pytest.fixture
def always_bulk(monkeypatch):
    """Worker process and per-batch indexing even for the few seed files."""
    monkeypatch.setattr(pipeline, "PREFETCH_MIN_FILES", 1)
    monkeypatch.setattr(pipeline, "BULK_MIN_FILES", 1)
    monkeypatch.setattr(store, "BATCH_DOCUMENTS", 2)


def test_worker_and_bulk_index_store_the_same_archive(tmp_path, run, monkeypatch):
    plain = tmp_path / "plain.db"
    assert run("import", SEEDS, "--db", plain).exit_code == 0
    monkeypatch.setattr(pipeline, "PREFETCH_MIN_FILES", 1)
    monkeypatch.setattr(pipeline, "BULK_MIN_FILES", 1)
    monkeypatch.setattr(store, "BATCH_DOCUMENTS", 2)
    taken = []
    original = pipeline._Prefetcher.take
    monkeypatch.setattr(pipeline._Prefetcher, "take", lambda self, p: taken.append(original(self, p)) or taken[-1])
    bulk = tmp_path / "bulk.db"
    assert run("import", SEEDS, "--db", bulk).exit_code == 0
    assert taken and all(result is not None for result in taken)  # the worker did the analysis
    rows, triggers, meta, hits = _contents(bulk)
    plain_rows, plain_triggers, _, plain_hits = _contents(plain)
    assert rows == plain_rows
    assert triggers == plain_triggers and "paragraphs_ai" in triggers
    assert pipeline.DEFERRED_KEY not in meta
    assert hits == plain_hits > 0


def test_bulk_import_cut_short_is_sound_and_finished_by_the_next(tmp_path, run, always_bulk, monkeypatch):
    db = tmp_path / "archive.db"
    calls = []
    original = store._ImportRun.import_file

    def dies_on_fourth(self, path):
        calls.append(path)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return original(self, path)

    monkeypatch.setattr(store._ImportRun, "import_file", dies_on_fourth)
    assert run("import", SEEDS, "--db", db).exit_code != 0
    rows, triggers, meta, _ = _contents(db)  # integrity-check passes
    assert len({r[0] for r in rows}) == 2  # the first batch of two documents was committed
    assert "paragraphs_ai" not in triggers and pipeline.DEFERRED_KEY in meta

    # The next import, even of one small file, finishes the job.
    monkeypatch.setattr(store._ImportRun, "import_file", original)
    monkeypatch.setattr(pipeline, "BULK_MIN_FILES", 10**6)
    assert run("import", SEEDS, "--db", db).exit_code == 0
    rows, triggers, meta, hits = _contents(db)
    assert len({r[0] for r in rows}) == len(list(SEEDS.glob("*.txt")))
    assert "paragraphs_ai" in triggers and pipeline.DEFERRED_KEY not in meta
    # Row by row again: a new file is indexed through the trigger.
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "new.txt").write_text("زرافة في الحديقة", encoding="utf-8")
    assert run("import", extra, "--db", db).exit_code == 0
    assert run("search", "--db", db, "زرافة").exit_code == 0


def test_bulk_import_replaces_changed_documents(tmp_path, run, always_bulk):
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(4):
        (tree / f"{i}.txt").write_text(f"خبر رقم {i}\n\nالقوات في المدينة", encoding="utf-8")
    db = tmp_path / "archive.db"
    assert run("import", tree, "--db", db).exit_code == 0
    (tree / "2.txt").write_text("خبر رقم 2\n\nزرافة في الحديقة", encoding="utf-8")
    assert run("import", tree, "--db", db).exit_code == 0
    rows, _, _, hits = _contents(db)  # integrity-check passes
    assert hits == 3  # القوات: in the three unchanged documents only
    assert run("search", "--db", db, "زرافة").exit_code == 0


def test_stored_deferred_trigger_value_is_never_run_as_sql(tmp_path, run):
    """An archive from elsewhere may hold anything under DEFERRED_KEY: the
    insert trigger is made from code, the stored value is only a flag."""
    db = tmp_path / "theirs.db"
    import sqlite3

    def trigger_sql(path):
        return sqlite3.connect(path).execute(
            "select sql from sqlite_master where type = 'trigger' order by name"
        ).fetchall()

    assert run("import", SEEDS, "--db", db).exit_code == 0
    conn = sqlite3.connect(db)
    conn.execute(f'drop trigger "{pipeline.INSERT_TRIGGER}"')
    conn.execute(
        "insert into archive_meta (key, value) values (?, ?)",
        [pipeline.DEFERRED_KEY, "create table planted (x)"],
    )
    conn.commit()
    conn.close()
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "new.txt").write_text("زرافة في الحديقة", encoding="utf-8")
    assert run("import", extra, "--db", db).exit_code == 0
    _, _, meta, _ = _contents(db)
    assert pipeline.DEFERRED_KEY not in meta
    assert not sqlite3.connect(db).execute("select name from sqlite_master where name = 'planted'").fetchall()
    plain = tmp_path / "plain.db"
    assert run("import", SEEDS, "--db", plain).exit_code == 0
    assert trigger_sql(db) == trigger_sql(plain)
    assert run("search", "--db", db, "زرافة").exit_code == 0


def test_worker_that_dies_leaves_the_analysis_to_the_importer(tmp_path, run, monkeypatch):
    """A worker killed mid-import: the import goes on without it and stores
    what it would have stored anyway."""
    import subprocess
    import sys

    plain = tmp_path / "plain.db"
    assert run("import", SEEDS, "--db", plain).exit_code == 0
    monkeypatch.setattr(pipeline, "PREFETCH_MIN_FILES", 1)
    tasks = len(list(SEEDS.iterdir()))
    # A worker that takes every task sent to it and dies before answering any.
    dying = f"import pickle, sys\nfor _ in range({tasks}): pickle.load(sys.stdin.buffer)\nsys.exit(9)"
    real_popen = subprocess.Popen
    started = []

    def popen(args, **kwargs):
        if args[1:] == ["-m", "archive.pipeline"]:
            started.append(args)
            args = [sys.executable, "-c", dying]
        return real_popen(args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    db = tmp_path / "a.db"
    result = run("import", SEEDS, "--db", db)
    assert started
    assert (result.exit_code, result.stderr.splitlines()[:-1]) == (0, [])
    assert _contents(db) == _contents(plain)
