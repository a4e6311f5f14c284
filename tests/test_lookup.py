"""Which terms the index holds is remembered per connection (lookup.py):
never past a change to the archive, by another connection or its own."""

from pathlib import Path

import pytest
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


def test_a_phrases_variants_written_nowhere_are_left_out_until_written(tmp_path):
    """A phrase's expression keeps the combinations of its words' variants
    that the index shows: لمجلس and الوزراء are both written, but not one
    after the other.  Written so since, on the same open connection, they
    are found."""
    from archive.query import to_fts

    tree, db_path = tmp_path / "tree", tmp_path / "archive.db"
    tree.mkdir()
    (tree / "a.txt").write_text("اجتمع مجلس الوزراء اليوم\n", encoding="utf-8")
    (tree / "b.txt").write_text("قدم لمجلس الشورى تقرير الوزراء\n", encoding="utf-8")
    run("import", tree, "--db", db_path)
    db = open_archive(str(db_path))
    phrase = parse('"مجلس الوزراء"')
    narrow = to_fts(phrase, index_lookup(db))
    assert stem("لمجلس") not in narrow
    assert paths(db, '"مجلس الوزراء"') == ["a.txt"]
    (tree / "b.txt").write_text("قدم لمجلس الوزراء تقريرا\n", encoding="utf-8")
    run("import", tree, "--db", db_path)
    assert stem("لمجلس") in to_fts(phrase, index_lookup(db))
    assert sorted(paths(db, '"مجلس الوزراء"')) == ["a.txt", "b.txt"]
    db.conn.close()


def test_a_phrase_left_without_its_unwritten_variants_matches_the_same(tmp_path):
    from archive.query import to_fts

    tree, db_path = tmp_path / "tree", tmp_path / "archive.db"
    tree.mkdir()
    texts = ["اجتمع مجلس الوزراء اليوم", "قدم لمجلس الشورى تقرير الوزراء", "مجالس الوزراء في الدول",
             "وزارة الصحة ووزارات الصحة", "قالت الوزارة إن الصحة أولا", "بمجلس الوزراء وبمجالس الإدارة"]
    for number, text in enumerate(texts):
        (tree / f"{number}.txt").write_text(text + "\n", encoding="utf-8")
    run("import", tree, "--db", db_path)
    db = open_archive(str(db_path))
    known = index_lookup(db)

    def without_probing(column, terms):  # a Known that cannot ask about whole phrases
        return known(column, terms)

    def matches(expression):
        return {row[0] for row in db.execute("select rowid from paragraphs_fts where paragraphs_fts match ?",
                                             [expression])}

    pruned = 0
    for text in ['"مجلس الوزراء"', '"وزارة الصحة"', '"مجالس الإدارة"', '"الوزراء اليوم"', '"الصحة أولا"']:
        phrase = parse(text)
        narrow, every = to_fts(phrase, known), to_fts(phrase, without_probing)
        pruned += len(narrow) < len(every)
        assert matches(narrow) == matches(every) != set(), text
    assert pruned >= 2  # مجلس الوزراء and مجالس الإدارة
    db.conn.close()


def test_a_search_asks_the_archives_state_once(tmp_path):
    """A search reads one state of the archive (a read transaction): its
    look-ups need not ask again whether it changed, each a statement."""
    tree, db_path = tmp_path / "tree", tmp_path / "archive.db"
    tree.mkdir()
    (tree / "a.txt").write_text("وزارة الصحة تعلن نتائج المسح\n\nقال وزير الصحة\n", encoding="utf-8")
    run("import", tree, "--db", db_path)
    db = open_archive(str(db_path))
    for query in ["الصحة", "وزارة الصحة", '"وزير الصحة"', "الصحة OR المسح"]:
        search(db, parse(query), limit=10)  # its look-ups, kept after
        statements = _statements_of_a_search(db, query)
        assert statements.count("pragma data_version") == 1, query  # (FTS5 asks too, as comments)
    db.conn.close()


def _statements_of_a_search(db, query: str) -> list[str]:
    """The SQL a search that finds something runs, as traced."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        assert search(db, parse(query), limit=10)
    finally:
        db.conn.set_trace_callback(None)
    return statements


@pytest.mark.parametrize("copies", [1, 2])
def test_a_search_reads_the_archives_reprint_figures_once_per_state(tmp_path, copies):
    """How many copies a text has in the archive, and (where texts are
    reprinted) whether its first copies are marked, decide how a folded
    page reads its cells: read once per state of the archive, not at each
    search, and again once an import changed it."""
    tree, db_path = tmp_path / "tree", tmp_path / "archive.db"
    tree.mkdir()
    for number in range(copies):  # the same text in each: a reprint
        (tree / f"{number}.txt").write_text("وزارة الصحة تعلن نتائج المسح\n\nقال وزير الصحة\n", encoding="utf-8")
    run("import", tree, "--db", db_path)
    db = open_archive(str(db_path))
    keys = ("copies_per_text", "text_holders") if copies > 1 else ("copies_per_text",)

    def reads(query: str) -> list[int]:
        statements = _statements_of_a_search(db, query)
        return [sum(key in statement for statement in statements) for key in keys]

    assert reads("الصحة") == [1] * len(keys)
    assert [reads(query) for query in ["الصحة", "وزير", "الصحة OR المسح"]] == [[0] * len(keys)] * 3
    (tree / "b.txt").write_text("قال وزير الصحة\n", encoding="utf-8")
    run("import", tree, "--db", db_path)
    assert reads("الصحة") == [1] * len(keys)
    db.conn.close()
