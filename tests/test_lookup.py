"""Which terms the index holds is remembered per connection (lookup.py):
never past a change to the archive, by another connection or its own."""

from pathlib import Path

from click.testing import CliRunner

from archive.analyze import stem
from archive.cli import cli
from archive.db import open_archive
from archive.lookup import index_lookup
from archive.query import parse
from archive.search import search


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def paths(db, text):
    return [Path(hit.path).name for hit in search(db, parse(text), limit=10)]


def test_a_search_on_an_open_connection_sees_what_was_imported_since(tmp_path):
    tree, db_path = tmp_path / "tree", tmp_path / "archive.db"
    tree.mkdir()
    (tree / "a.txt").write_text("وزارة الصحة تعلن نتائج المسح\n", encoding="utf-8")
    run("import", tree, "--db", db_path)
    db = open_archive(str(db_path))  # kept open, as Datasette keeps its connections
    assert paths(db, "الزعفران") == []
    assert paths(db, "بالزعفران") == []
    # Another connection imports the word, in forms the query looks up.
    (tree / "b.txt").write_text("ارتفعت أسعار الزعفران في الأسواق\n", encoding="utf-8")
    (tree / "a.txt").write_text("وزارة الصحة تعلن نتائج المسح عن الزعفران\n", encoding="utf-8")
    run("import", tree, "--db", db_path)
    assert sorted(paths(db, "الزعفران")) == ["a.txt", "b.txt"]
    assert sorted(paths(db, "بالزعفران")) == ["a.txt", "b.txt"]
    (tree / "b.txt").unlink()
    run("import", tree, "--db", db_path, "--prune")
    assert paths(db, "الزعفران") == ["a.txt"]
    db.conn.close()


def test_the_answers_follow_the_connections_own_writes(tmp_path):
    tree, db_path = tmp_path / "tree", tmp_path / "archive.db"
    tree.mkdir()
    (tree / "a.txt").write_text("وزارة الصحة\n", encoding="utf-8")
    run("import", tree, "--db", db_path)
    db = open_archive(str(db_path))
    assert index_lookup(db)("terms", ["زعفران", "صحه"]) == {"صحه"}
    with db.conn:
        db.conn.execute("insert into paragraphs_fts (rowid, terms, exact, impact) values (1000, 'زعفران', '', 'a')")
    assert index_lookup(db)("terms", ["زعفران", "صحه"]) == {"زعفران", "صحه"}
    db.conn.close()


def test_a_lookup_kept_across_a_change_answers_for_the_archive_as_it_is(tmp_path):
    """The Datasette plugin keeps one lookup for each connection's search
    box: what it answered before an import must not hide what came since."""
    tree, db_path = tmp_path / "tree", tmp_path / "archive.db"
    tree.mkdir()
    (tree / "a.txt").write_text("وزارة الصحة\n", encoding="utf-8")
    run("import", tree, "--db", db_path)
    db = open_archive(str(db_path))
    saffron = stem("الزعفران")
    kept = index_lookup(db)
    assert kept("terms", [saffron]) == set()
    assert kept.remember(("words",), lambda: 1) == 1
    (tree / "b.txt").write_text("أسعار الزعفران\n", encoding="utf-8")
    run("import", tree, "--db", db_path)
    assert kept("terms", [saffron]) == {saffron}
    assert kept.remember(("words",), lambda: 2) == 2  # worked out again
    db.conn.close()
