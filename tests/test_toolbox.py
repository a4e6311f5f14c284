"""The sqlite-utils toolbox and FTS5's own commands on an archive: each one
either keeps the search index whole or fails and changes nothing; and
`archive search` says so when the index is out of step with the paragraphs."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

WORDS = ("قوات", "الأمن", "المياه", "ميناء")


def sqlite_utils_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sqlite_utils", *map(str, args)], capture_output=True, text=True, timeout=60
    )


def snapshot(db_path) -> tuple:
    """The schema and the index's every term, row and size, read as any
    SQLite client reads them (no archive functions)."""
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("create virtual table temp.vocab using fts5vocab(main, paragraphs_fts, col)")
        return (
            conn.execute("select type, name, sql from sqlite_master order by name").fetchall(),
            conn.execute("select * from temp.vocab").fetchall(),
            conn.execute("select * from paragraphs_fts_docsize order by id").fetchall(),
            conn.execute("select block from paragraphs_fts_data where id = 1").fetchall(),
        )
    finally:
        conn.close()


def searches(run, db) -> list[str]:
    found = []
    for word in WORDS:
        result = run("search", "--db", db, "--limit", "1000", word)
        assert "warning" not in result.stderr and result.exit_code in (0, 1), result.stderr
        found.append(result.stdout)
    return found


def fts5_rebuild(db_path) -> int:
    """FTS5's own rebuild, from any SQLite client: 0 done, 1 failed."""
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            conn.execute("insert into paragraphs_fts(paragraphs_fts) values('rebuild')")
        return 0
    except sqlite3.Error:
        return 1
    finally:
        conn.close()


@pytest.mark.parametrize(
    "command",
    [
        ["rebuild-fts", "paragraphs"],
        ["rebuild-fts"],
        ["rebuild-fts", "paragraphs_fts"],
        ["populate-fts", "paragraphs", "terms", "exact"],
        ["enable-fts", "paragraphs", "text", "--replace"],
        ["enable-fts", "paragraphs", "text", "--fts4", "--replace", "--create-triggers"],
        ["disable-fts", "paragraphs"],
        ["fts5 rebuild"],
    ],
    ids=lambda command: " ".join(command),
)
def test_toolbox_keeps_the_index_or_changes_nothing(seeds_db, run, command):
    found, before = searches(run, seeds_db), snapshot(seeds_db)
    if command == ["fts5 rebuild"]:
        status = fts5_rebuild(seeds_db)
    else:
        status = sqlite_utils_cli(command[0], seeds_db, *command[1:]).returncode
    if status:
        assert snapshot(seeds_db) == before
    checked = run("check", "--db", seeds_db)
    assert checked.exit_code == 0, checked.stderr
    assert searches(run, seeds_db) == found


def test_fts5_integrity_check_passes_and_its_rebuild_is_refused(seeds_db, run):
    """FTS5's own checks on the whole index pass (with rank 1 they compared
    it with always-NULL columns: "database disk image is malformed"); its
    rebuild is refused with a reason, from any connection, archive's too."""
    from archive.sqlite import sqlite3 as archive_sqlite3
    from archive.db import open_archive

    found = searches(run, seeds_db)
    db = open_archive(str(seeds_db))
    db.execute("insert into paragraphs_fts(paragraphs_fts, rank) values('integrity-check', 1)")
    with pytest.raises(archive_sqlite3.DatabaseError, match="'rebuild' may not be used with a contentless fts5 table"):
        db.execute("insert into paragraphs_fts(paragraphs_fts) values('rebuild')")
    db.conn.close()
    assert run("check", "--db", seeds_db).exit_code == 0
    assert searches(run, seeds_db) == found


@pytest.mark.parametrize(
    "damage, said",
    [
        (["insert into paragraphs_fts(paragraphs_fts) values('delete-all')"], "holds 0 paragraphs, the archive"),
        (
            [
                "insert into paragraphs_fts(paragraphs_fts) values('delete-all')",
                "insert into paragraphs_fts(rowid, terms, exact) select id, '', '' from paragraphs",
            ],
            "the search index holds no words",
        ),
        (["delete from paragraphs where id = 3"], "paragraphs, the archive"),
        (
            ["insert into paragraphs (document_id, number, text) values (1, 999, 'زرافة في الحديقة')"],
            "paragraphs, the archive",
        ),
    ],
    ids=["emptied", "rows without words", "paragraph deleted", "paragraph added"],
)
def test_search_warns_when_the_index_is_out_of_step(seeds_db, run, tmp_path, damage, said):
    conn = sqlite3.connect(seeds_db)
    with conn:
        for sql in damage:
            conn.execute(sql)
    conn.close()
    result = run("search", "--db", seeds_db, "قوات")
    assert result.stderr.startswith("archive: warning: ") and said in result.stderr
    assert "run 'archive rebuild'" in result.stderr
    new = tmp_path / "new"
    new.mkdir()
    (new / "a.txt").write_text("زرافة في الحديقة", encoding="utf-8")
    imported = run("import", "--db", seeds_db, new)
    assert imported.exit_code == 2 and said in imported.stderr and "archive rebuild" in imported.stderr
    assert run("rebuild", "--db", seeds_db).exit_code == 0
    assert "warning" not in run("search", "--db", seeds_db, "قوات").stderr
    assert run("import", "--db", seeds_db, new).exit_code == 0


def test_index_dropped_by_disable_fts_is_an_error_until_rebuild(seeds_db, run):
    found = searches(run, seeds_db)
    assert sqlite_utils_cli("disable-fts", seeds_db, "paragraphs_fts").returncode == 0
    result = run("search", "--db", seeds_db, "قوات")
    assert result.exit_code == 2
    assert result.stderr == f"archive: error: {seeds_db}: the search index is missing: run 'archive rebuild'\n"
    assert run("rebuild", "--db", seeds_db).exit_code == 0
    assert searches(run, seeds_db) == found


def test_archive_of_schema_2_emptied_by_rebuild_fts_warns_and_is_converted(seeds_db, run):
    """Schema 2: the index's content was `paragraphs`, with always-NULL
    columns, which `sqlite-utils rebuild-fts` emptied the index from."""
    from archive.analyze import analyze_text

    found = searches(run, seeds_db)
    conn = sqlite3.connect(seeds_db)
    with conn:
        conn.execute("drop table paragraphs_fts")
        for column in ("terms", "exact"):
            conn.execute(f"alter table paragraphs add column {column} text generated always as (null) virtual")
        conn.execute(
            "create virtual table paragraphs_fts using fts5"
            '(terms, exact, tokenize="ascii", content="paragraphs", content_rowid="id")'
        )
        rows = conn.execute("select id, text from paragraphs").fetchall()
        conn.executemany(
            "insert into paragraphs_fts (rowid, terms, exact) values (?, ?, ?)",
            [(pid, *analyze_text(text)) for pid, text in rows],
        )
        conn.execute("update archive_meta set value = '2' where key = 'schema_version'")
    conn.close()
    # Searchable as it is (ranked as archive ranked then), the same paragraphs.
    assert [sorted(out.split("\n\n")) for out in searches(run, seeds_db)] == [
        sorted(out.split("\n\n")) for out in found
    ]
    assert sqlite_utils_cli("rebuild-fts", seeds_db, "paragraphs").returncode == 0
    result = run("search", "--db", seeds_db, "قوات")
    assert result.exit_code == 1 and "the search index holds no words" in result.stderr

    assert run("rebuild", "--db", seeds_db).exit_code == 0
    assert searches(run, seeds_db) == found
    assert sqlite_utils_cli("rebuild-fts", seeds_db, "paragraphs").returncode != 0
    assert searches(run, seeds_db) == found
