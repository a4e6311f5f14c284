"""`archive check` and `archive rebuild` on archives the tests damage on purpose."""

from __future__ import annotations

import json

import pytest
import sqlite_utils

from archive import analyze
from archive.sqlite import sqlite3  # the module whose errors check() catches
from conftest import SEEDS


def test_healthy_archive_checks_ok(seeds_db, run):
    result = run("check", "--db", seeds_db)
    assert result.exit_code == 0, result.stderr
    db = sqlite_utils.Database(seeds_db)
    expected = f"ok: {db['documents'].count} documents, {db['paragraphs'].count} paragraphs"
    assert expected in result.stderr


def test_rebuild_makes_the_index_of_reprints(seeds_db, run):
    """A first import cut short before its end leaves the archive without
    the index that finds reprints (searches count them slowly, until the
    next import makes it): so does rebuild."""
    db = sqlite_utils.Database(seeds_db)
    db.execute("drop index idx_paragraphs_fingerprint")
    assert run("rebuild", "--db", seeds_db).exit_code == 0
    assert "idx_paragraphs_fingerprint" in {index.name for index in db["paragraphs"].indexes}


def _reindex(db, analysis):
    """Index every paragraph as analysis(text) says, as another analyzer would have."""
    for pid, text in db.execute("select id, text from paragraphs").fetchall():
        db.execute(
            "insert into paragraphs_fts (paragraphs_fts, rowid, terms, exact) values ('delete', ?, ?, ?)",
            [pid, *analyze.analyze_text(text)],
        )
        db.execute("insert into paragraphs_fts (rowid, terms, exact) values (?, ?, ?)", [pid, *analysis(text)])


def test_old_analyzer_version_is_a_problem_until_rebuild(seeds_db, run, tmp_path):
    db = sqlite_utils.Database(seeds_db)
    # As if an older analyzer had indexed the paragraphs: other terms.
    _reindex(db, lambda text: ("stale " * len(text.split()), "stale"))
    db["archive_meta"].upsert({"key": "analyzer_version", "value": "0"}, pk="key")
    db.conn.commit()

    result = run("check", "--db", seeds_db)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("archive: problem: ")
    assert "analyzer version 0" in result.stderr and "archive rebuild" in result.stderr
    assert "terms are not indexed as the paragraphs' text says" in result.stderr
    searched = run("search", "--db", seeds_db, "قوات")
    assert "archive rebuild" in searched.stderr and searched.exit_code == 1
    # Taking paragraphs out of the index needs the analyzer that put them in.
    new = tmp_path / "new"
    new.mkdir()
    (new / "a.txt").write_text("زرافة في الحديقة", encoding="utf-8")
    imported = run("import", "--db", seeds_db, new)
    assert imported.exit_code == 2 and "run 'archive rebuild' first" in imported.stderr

    assert run("rebuild", "--db", seeds_db).exit_code == 0
    assert run("check", "--db", seeds_db).exit_code == 0
    searched = run("search", "--db", seeds_db, "قوات")
    assert searched.exit_code == 0 and "warning" not in searched.stderr
    assert run("import", "--db", seeds_db, new).exit_code == 0


def test_archive_of_schema_1_is_converted_by_rebuild(seeds_db, run, tmp_path):
    """Schema 1 stored the analyzed forms in paragraphs, indexed through triggers."""
    db = sqlite_utils.Database(seeds_db)
    db.execute("drop table paragraphs_fts")
    for column in ("terms", "exact"):
        db["paragraphs"].add_column(column, str)
    for pid, text in db.execute("select id, text from paragraphs").fetchall():
        db["paragraphs"].update(pid, dict(zip(("terms", "exact"), analyze.analyze_text(text))))
    db["paragraphs"].enable_fts(["terms", "exact"], fts_version="FTS5", create_triggers=True)
    db["archive_meta"].upsert({"key": "schema_version", "value": "1"}, pk="key")
    db.conn.commit()
    size_before = db["paragraphs"].count
    searched = run("search", "--db", seeds_db, "قوات")
    assert searched.exit_code == 0  # still searchable as it is
    # Its document list counts each document's matches, a short prefix's too.
    for query in ("قوات", "ا*"):
        listed = run("search", "--db", seeds_db, "-l", "--json", "-n", "2", query).stdout.splitlines()
        listed = [json.loads(line) for line in listed]
        assert listed, query
        for document in listed:
            counted = run("search", "--db", seeds_db, "--count", "--json", "--doc", document["path"], query)
            assert json.loads(counted.stdout)["paragraphs"] == document["paragraphs"], (query, document["path"])

    new = tmp_path / "new"
    new.mkdir()
    (new / "a.txt").write_text("زرافة في الحديقة", encoding="utf-8")
    imported = run("import", "--db", seeds_db, new)
    assert imported.exit_code == 2 and "run 'archive rebuild' first" in imported.stderr
    assert "another version of archive" in run("check", "--db", seeds_db).stderr

    pages_then = db.execute("pragma page_count").fetchone()[0]
    assert run("rebuild", "--db", seeds_db).exit_code == 0
    db = sqlite_utils.Database(seeds_db)
    # Compacted: the stored forms' pages are not left behind as free pages.
    assert db.execute("pragma freelist_count").fetchone()[0] == 0
    assert db.execute("pragma page_count").fetchone()[0] < pages_then
    assert set(db["paragraphs"].columns_dict) == {"id", "document_id", "number", "text", "fingerprint"}
    # The index's columns are gone from the table: the index is contentless.
    assert [row[1] for row in db.execute("pragma table_xinfo(paragraphs)")] == list(db["paragraphs"].columns_dict)
    # Schema 1's triggers are gone; the index's guards (see index.create_search_index) are there.
    assert sorted(row[0] for row in db.execute("select name from sqlite_master where type = 'trigger'")) == [
        "paragraphs_fts_once", "paragraphs_gone_while_indexed"
    ]
    assert db["paragraphs"].count == size_before
    assert run("check", "--db", seeds_db).exit_code == 0
    # The same paragraphs, ranked now by the impact column the rebuild added.
    assert sorted(run("search", "--db", seeds_db, "قوات").stdout.split("\n\n")) == sorted(
        searched.stdout.split("\n\n")
    )
    assert run("import", "--db", seeds_db, new).exit_code == 0


@pytest.mark.parametrize(
    "changes, problem",
    [
        (
            ["update paragraphs set text = 'زرافة في الحديقة' where id = 2"],
            "terms are not indexed as the paragraphs' text says",
        ),
        (
            [
                "update documents set paragraphs = paragraphs - 1"
                " where id = (select document_id from paragraphs where id = 3)",
                "delete from paragraphs where id = 3",
            ],
            "1 entry is for paragraphs that are gone",
        ),
    ],
    ids=["text changed", "paragraph deleted"],
)
def test_paragraphs_changed_behind_the_archive_are_found(seeds_db, run, changes, problem):
    db = sqlite_utils.Database(seeds_db)
    for sql in changes:
        db.execute(sql)
    db.conn.commit()
    result = run("check", "--db", seeds_db)
    assert result.exit_code == 1 and problem in result.stderr
    assert run("rebuild", "--db", seeds_db).exit_code == 0
    assert run("check", "--db", seeds_db).exit_code == 0
    assert ("زرافة" in run("search", "--db", seeds_db, "زرافة").stdout) == ("زرافة" in changes[0])


def test_damaged_search_index_is_found_and_rebuilt(seeds_db, run):
    db = sqlite_utils.Database(seeds_db)
    db.execute("insert into paragraphs_fts(paragraphs_fts) values('delete-all')")
    db.conn.commit()
    assert run("search", "--db", seeds_db, "قوات").exit_code == 1

    result = run("check", "--db", seeds_db)
    assert result.exit_code == 1 and "search index" in result.stderr
    assert run("rebuild", "--db", seeds_db).exit_code == 0
    assert run("check", "--db", seeds_db).exit_code == 0
    assert run("search", "--db", seeds_db, "قوات").exit_code == 0


def test_paragraph_counts_that_disagree_are_problems(seeds_db, run):
    db = sqlite_utils.Database(seeds_db)
    db.execute("update documents set paragraphs = paragraphs + 1 where id = 1")
    db.execute("pragma foreign_keys = off")
    db.execute("update paragraphs set document_id = 999 where id = 1")
    db.conn.commit()
    result = run("check", "--db", seeds_db)
    assert result.exit_code == 1
    problems = [line for line in result.stderr.splitlines() if line.startswith("archive: problem:")]
    assert len(problems) == 2
    assert "1 paragraph belongs to no document" in problems[0]
    assert "1 document does not have the paragraphs it records" in problems[1]


def test_check_and_rebuild_refuse_what_is_not_an_archive(tmp_path, run):
    missing = tmp_path / "none.db"
    for command in ("check", "rebuild"):
        result = run(command, "--db", missing)
        assert result.exit_code == 2 and result.stderr.startswith("archive: error: no archive")
    assert list(tmp_path.iterdir()) == []


def test_rebuild_is_refused_while_an_import_writes(seeds_db, run):
    from archive.db import writer_lock

    with writer_lock(str(seeds_db)):
        result = run("rebuild", "--db", seeds_db)
    assert result.exit_code == 2 and "busy" in result.stderr
    assert run("import", SEEDS, "--db", seeds_db).exit_code == 0


def test_damaged_database_is_reported_as_problems(seeds_db, run):
    import random
    import sqlite3

    damaged = seeds_db.parent / "damaged.db"
    conn = sqlite3.connect(seeds_db)
    conn.execute("vacuum into ?", [str(damaged)])  # one file, WAL included
    conn.close()
    assert damaged.stat().st_size > 20480 + 4096
    with open(damaged, "r+b") as f:
        f.seek(20480)
        f.write(random.Random(0).randbytes(4096))
    result = run("check", "--db", damaged)
    assert result.exit_code == 1, result.stderr
    lines = result.stderr.splitlines()
    assert not [line for line in lines if line.startswith("archive: error")]
    problems = [line for line in lines if line.startswith(f"archive: problem: {damaged}: ")]
    assert problems and any("malformed" in line for line in problems)
    assert lines[-1].startswith(f"{damaged}: NOT ok: ")


def test_check_finds_a_healthy_archive_healthy_whatever_its_letters(tmp_path, run):
    """The fresh index check compares with uses the archive's own tokenizer:
    U+19B1 is a letter to Python and to it, a separator to unicode61."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.txt").write_text("نص \u19b1\u19b2 عربي", encoding="utf-8")
    db = tmp_path / "a.db"
    assert run("import", tree, "--db", db).exit_code == 0
    result = run("check", "--db", db)
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("key, shown", [("unicode_version", "Unicode 1.0.0"), ("stemmer_version", "PyStemmer 1.0.0")])
def test_other_unicode_or_stemmer_means_rebuild_before_writing(seeds_db, run, tmp_path, key, shown):
    """A new Python or PyStemmer may analyze the same text differently, and
    removing a paragraph from the index needs the analysis it went in with."""
    db = sqlite_utils.Database(seeds_db)
    db["archive_meta"].upsert({"key": key, "value": "1.0.0"}, pk="key")
    db.conn.commit()
    new = tmp_path / "new"
    new.mkdir()
    (new / "a.txt").write_text("زرافة في الحديقة", encoding="utf-8")
    imported = run("import", "--db", seeds_db, new)
    assert imported.exit_code == 2 and shown in imported.stderr and "archive rebuild" in imported.stderr
    checked = run("check", "--db", seeds_db)
    assert checked.exit_code == 1 and shown in checked.stderr
    assert run("rebuild", "--db", seeds_db).exit_code == 0
    assert run("check", "--db", seeds_db).exit_code == 0
    assert run("import", "--db", seeds_db, new).exit_code == 0


def test_counts_of_one_are_singular(tmp_path, run):
    """Every count check and rebuild print agrees with its number."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.txt").write_text("نص عربي قصير", encoding="utf-8")
    db = tmp_path / "a.db"
    assert run("import", tree, "--db", db).exit_code == 0
    assert "ok: 1 document, 1 paragraph," in run("check", "--db", db).stderr
    assert ": 1 paragraph analyzed again" in run("rebuild", "--db", db).stderr
    conn = sqlite_utils.Database(db)
    conn.execute("insert into paragraphs (document_id, number, text) values (1, 2, 'فقرة')")
    conn.conn.commit()
    stderr = run("check", "--db", db).stderr
    assert "1 paragraph is not indexed" in stderr
    assert "1 term is not indexed as" in stderr or "terms are not indexed as" in stderr
    assert "1 document does not have the paragraphs it records" in stderr
    warned = run("search", "--db", db, "نص").stderr
    assert "the search index holds 1 paragraph, the archive 2" in warned


def test_each_integrity_problem_is_one_line(monkeypatch):
    """SQLite can give several problems in one row of integrity_check, a
    line each, under a line naming the schema."""
    from archive import maintenance

    class Damaged:
        conn = None

        def execute(self, sql, *args):
            if sql == "pragma integrity_check":
                return sqlite3.connect(":memory:").execute(
                    "select ?", ["*** in database main ***\nPage 6: btreeInitPage() returns error code 11\n"
                                 "Page 2970 is never used"]
                )
            raise sqlite3.DatabaseError("database disk image is\nmalformed")

        def __getitem__(self, table):
            raise sqlite3.DatabaseError("database disk image is\nmalformed")

    problems = maintenance.check(Damaged()).problems
    assert problems[:2] == ["integrity check: Page 6: btreeInitPage() returns error code 11",
                            "integrity check: Page 2970 is never used"]
    assert problems[2:] and all("\n" not in problem for problem in problems)


def test_an_archive_of_a_newer_schema_is_not_written(seeds_db, run):
    """Rebuild converts an older archive; a newer one (another archive's,
    upgraded since) it would turn back into this version's: rebuild and
    import refuse it, saying why, and leave it as it was."""
    db = sqlite_utils.Database(seeds_db)
    db.execute("update archive_meta set value = '99' where key = 'schema_version'")
    db.execute("drop index idx_paragraphs_fingerprint")  # which opening for an import would make again
    db.conn.commit()
    before = db.execute("select type, name, sql from sqlite_master order by name").fetchall()
    meta = db.execute("select * from archive_meta order by key").fetchall()
    # --fields too: its pattern and columns are not written before the refusal.
    for command in (["rebuild"], ["import", str(SEEDS)], ["import", str(SEEDS), "--fields", "{n}-{topic}.txt"]):
        result = run(*command, "--db", seeds_db)
        assert result.exit_code != 0 and "newer version of archive (schema 99" in result.stderr, command
        assert "Traceback" not in result.output
    assert db.execute("select type, name, sql from sqlite_master order by name").fetchall() == before
    assert db.execute("select * from archive_meta order by key").fetchall() == meta


def test_the_check_every_search_makes_seeks_whatever_the_archive_holds(seeds_db):
    """Every `archive search` checks the index against the paragraphs: its
    statements seek (the ends of each, FTS5's own count); counting the
    paragraphs would read an index as large as the archive, 30 MB of a
    2.4 GB one, at each search."""
    from archive.index import index_mismatch

    statements = []
    db = sqlite3.connect(seeds_db)
    db.set_trace_callback(statements.append)
    assert index_mismatch(db) is None
    db.set_trace_callback(None)
    plans = [row[3] for sql in statements if not sql.startswith("--")
             for row in db.execute(f"explain query plan {sql}")]
    # (sqlite_master, the schema's few rows, is read to find the trigger.)
    scans = [plan for plan in plans if plan.startswith("SCAN") and plan not in ("SCAN CONSTANT ROW", "SCAN sqlite_master")]
    assert plans and not scans, plans


@pytest.mark.parametrize("end", ["min", "max"])
def test_a_paragraph_gone_at_either_end_is_seen_by_every_search(seeds_db, run, end):
    db = sqlite_utils.Database(seeds_db)
    total = db["paragraphs"].count
    db.execute(f"delete from paragraphs where id = (select {end}(id) from paragraphs)")
    db.conn.commit()
    warned = run("search", "--db", seeds_db, "قوات").stderr
    assert f"the search index holds {total} paragraphs, the archive {total - 1}" in warned


def test_a_paragraph_gone_in_between_is_seen_by_searches_and_before_any_write(seeds_db, run, tmp_path):
    """Deleted behind archive's back while indexed, wherever it stood: the
    trigger notes it, the search warns, an import refuses to write, `archive
    check` finds it, and a rebuild mends it."""
    db = sqlite_utils.Database(seeds_db)
    total = db["paragraphs"].count
    db.execute("delete from paragraphs where id = (select min(id) + 1 from paragraphs)")
    db.conn.commit()
    warned = run("search", "--db", seeds_db, "قوات").stderr
    assert f"the search index holds {total} paragraphs, the archive {total - 1}" in warned
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "new.txt").write_text("نص عربي جديد", encoding="utf-8")
    result = run("import", "--db", seeds_db, tmp_path / "more")
    assert result.exit_code == 2
    assert f"the search index holds {total} paragraphs, the archive {total - 1}: run 'archive rebuild'" in result.stderr
    assert run("check", "--db", seeds_db).exit_code == 1
    assert run("rebuild", "--db", seeds_db).exit_code == 0
    assert "warning" not in run("search", "--db", seeds_db, "قوات").stderr
    assert run("import", "--db", seeds_db, tmp_path / "more").exit_code == 0


def test_an_archive_made_before_the_trigger_is_counted_until_it_is_written(seeds_db, run, tmp_path):
    """Without the trigger that notes deletions, a search counts the
    paragraphs as before; the next write, its index in step, adds it."""
    from archive.index import GONE_TRIGGER

    def triggers():
        with sqlite3.connect(seeds_db) as conn:
            return {row[0] for row in conn.execute("select name from sqlite_master where type = 'trigger'")}

    with sqlite3.connect(seeds_db) as conn:
        conn.execute(f"drop trigger {GONE_TRIGGER}")
    checked = run("check", "--db", seeds_db)
    assert checked.exit_code == 0 and "made before the trigger" in checked.stderr
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "new.txt").write_text("نص عربي جديد", encoding="utf-8")
    assert run("import", "--db", seeds_db, tmp_path / "more").exit_code == 0
    assert GONE_TRIGGER in triggers()
    assert "made before the trigger" not in run("check", "--db", seeds_db).stderr
    with sqlite3.connect(seeds_db) as conn:
        conn.execute(f"drop trigger {GONE_TRIGGER}")
        conn.execute("delete from paragraphs where id = (select min(id) + 1 from paragraphs)")
    assert "the search index holds" in run("search", "--db", seeds_db, "قوات").stderr
    assert GONE_TRIGGER not in triggers()
