"""Archives whose rows another tool changed (the README points to
sqlite-utils and the sqlite3 shell): searches keep working, and `archive
rebuild` repairs what `archive check` finds."""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import SEEDS

# A word of seeds/02-vocalized-school.txt (document 2) alone, in its title too.
SCHOOL = "افتتاح"


def _sql(db, *statements):
    conn = sqlite3.connect(db)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.mark.parametrize("options", [[], ["--files"], ["--files", "--json"], ["--count"], ["--json"],
                                     ["--sort", "path"], ["--files", "--sort", "path"]])
@pytest.mark.parametrize("deleted", ["delete from documents where id = 2", "delete from paragraphs where id = 6"])
def test_search_leaves_out_matches_whose_rows_are_gone(seeds_db, run, options, deleted):
    _sql(seeds_db, deleted)
    result = run("search", "--db", seeds_db, *options, SCHOOL)
    assert result.exit_code in (0, 1), result.output
    if "documents" in deleted:  # its paragraphs stay, but belong to nothing shown
        assert "02-vocalized-school" not in result.stdout


def _check(run, db):
    result = run("check", "--db", db)
    return result.exit_code, [line for line in result.stderr.splitlines() if "problem" in line]


def _repaired(run, db, deleted, said):
    """Delete with another tool, see check complain, rebuild (saying `said`), see check pass."""
    _sql(db, deleted)
    assert _check(run, db)[0] == 1
    result = run("rebuild", "--db", db)
    assert result.exit_code == 0 and said in result.stderr, result.stderr
    assert _check(run, db) == (0, [])
    return result


def test_rebuild_removes_the_paragraphs_of_a_deleted_document(seeds_db, run):
    _repaired(run, seeds_db, "delete from documents where id = 2", "4 paragraphs of no document removed")
    conn = sqlite3.connect(seeds_db)
    assert conn.execute("select count(*) from paragraphs where document_id = 2").fetchone()[0] == 0
    # Gone from the index too: a match would now count, or warn of, a paragraph that is not there.
    result = run("search", "--db", seeds_db, "--count", SCHOOL)
    assert result.exit_code == 1 and "warning" not in result.stderr


def test_rebuild_reads_a_document_again_whose_paragraph_was_deleted(seeds_db, run):
    deleted = "delete from paragraphs where document_id = 2 and number = 2"
    _repaired(run, seeds_db, deleted, "1 document read again from its file")
    shown = run("show", "--db", seeds_db, "--json", SEEDS / "02-vocalized-school.txt").stdout.splitlines()
    assert [json.loads(line)["paragraph"] for line in shown] == [1, 2, 3, 4]


def test_rebuild_renumbers_a_document_whose_file_is_gone(news_db, run, tmp_path):
    _sql(news_db, "delete from paragraphs where number = 2 and document_id = 2",
         "insert into paragraphs (document_id, number, text) values (3, 99, 'فقرة أضيفت بيد')")
    (tmp_path / "news" / "02-vocalized-school.txt").unlink()
    result = run("rebuild", "--db", news_db)
    assert result.exit_code == 0, result.stderr
    assert "1 document without a readable file renumbered" in result.stderr
    assert "1 document read again from its file" in result.stderr  # 03's file is there: the added row goes
    assert _check(run, news_db) == (0, [])
    shown = run("show", "--db", news_db, "--json", "news/02-vocalized-school.txt", "-p", "3").stdout
    assert json.loads(shown)["text"].startswith("وَشَكَرَ")  # the 4th, now the 3rd and last
    assert run("search", "--db", news_db, "فقرة أضيفت بيد").exit_code == 1


def test_rebuild_reads_a_file_again_in_the_encoding_it_was_imported_with(tmp_path, run):
    """Latin-1 bytes imported with --encoding cp1256 (their ñ read as ٌ, as
    asked): read again by guess they would turn into Latin text."""
    folder = tmp_path / "legacy"
    folder.mkdir()
    text = "El niño de España comió en Øresund.\n\nSão Paulo é a maior cidade, não?\n"
    (folder / "f.txt").write_bytes(text.encode("latin-1"))
    db = tmp_path / "a.db"
    assert run("import", folder, "--encoding", "cp1256", "--db", db).exit_code == 0
    before = sqlite3.connect(db).execute("select text from paragraphs order by number").fetchall()
    result = _repaired(run, db, "delete from paragraphs where number = 2", "1 document read again from its file")
    assert "changed since" not in result.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("select text from paragraphs order by number").fetchall() == before
    assert conn.execute("select encoding from documents").fetchall() == [("cp1256",)]


def test_rebuild_says_a_file_read_again_changed_since_its_import(run, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "n.txt").write_text("الفقرة الأولى\n\nالفقرة الثانية\n")
    db = tmp_path / "n.db"
    assert run("import", folder, "--db", db).exit_code == 0
    (folder / "n.txt").write_text("نص آخر كتب بعد الاستيراد\n")
    said = "1 document read again from its file, which changed since it was imported"
    _repaired(run, db, "delete from paragraphs where number = 2", said)
