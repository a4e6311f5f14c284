"""Reading cells ahead on a second connection (ahead.py): the same pages as
every match scored, and never from an archive other than the search's."""

import sqlite3
import time
from concurrent.futures import Future

import pytest

from archive import ahead, pairs, rank, slots
from archive.db import Reader, open_archive
from archive.search import one_snapshot

from test_top_k import compare, make_tree, queries, run


def test_reading_ahead_gives_every_match_ranked(tmp_path, monkeypatch):
    monkeypatch.setattr(slots, "DIRECT_MAX", 0)
    monkeypatch.setattr(rank, "ALL_AT_ONCE", 0)
    monkeypatch.setattr(ahead, "START_AFTER", 0.0)
    read_ahead = []
    original = slots.cell_json
    monkeypatch.setattr(slots, "cell_json", lambda second, expression: read_ahead.append(1) or original(second, expression))
    db = tmp_path / "archive.db"
    run("import", make_tree(tmp_path / "tree", seed=5), "--db", db)
    assert compare(db, queries(17, 40)) >= 120
    assert len(read_ahead) > 100


def test_cells_read_by_both_connections_give_every_match_ranked(tmp_path, monkeypatch):
    """While the second connection reads a cell, the first reads the next
    one not begun: the cells still count in order."""
    monkeypatch.setattr(slots, "DIRECT_MAX", 0)
    monkeypatch.setattr(rank, "ALL_AT_ONCE", 0)
    monkeypatch.setattr(ahead, "START_AFTER", 0.0)
    monkeypatch.setattr(pairs, "PAIRED_TEXTS", 0)  # words joined by OR read by their cells
    original = slots.cell_json
    taken = []

    def cell_json(conn, expression):
        if isinstance(conn, sqlite3.Connection):
            # The second connection slowed down, so that its cells are
            # often not read yet when asked for.
            time.sleep(0.002)
        else:
            taken.append(expression)  # read by the first connection while the second reads
        return original(conn, expression)

    monkeypatch.setattr(slots, "cell_json", cell_json)
    db = tmp_path / "archive.db"
    run("import", make_tree(tmp_path / "tree", seed=10), "--db", db)
    texts = queries(18, 60)
    assert compare(db, texts) >= 90
    assert len(taken) > 50
    # Words joined by OR too, whose cells are not narrowed to the query.
    taken.clear()
    words_joined = [text for text in texts if " OR " in text and all(
        part.strip().isalpha() for part in text.split(" OR "))]
    assert len(words_joined) >= 3
    compare(db, words_joined)
    assert taken


def test_the_second_connection_reads_the_same_index_or_none(tmp_path):
    tree = make_tree(tmp_path / "tree", seed=6, documents=10)
    db_path = tmp_path / "archive.db"
    run("import", tree, "--db", db_path)
    db = open_archive(str(db_path))
    with one_snapshot(db.conn):
        db.execute("select count(*) from paragraphs").fetchone()
        second = ahead._second_connection(db)
        assert second is not None and second.in_transaction
        second.execute("rollback")
        # Another process imports meanwhile: this search still reads the
        # archive as it was, and the second connection would not.
        make_tree(tree / "more", seed=7, documents=5)
        run("import", tree, "--db", db_path)
        assert ahead._second_connection(db) is None
    second = ahead._second_connection(db)
    assert second is not None
    second.execute("rollback")


def test_a_search_leaves_no_transaction_open_on_the_second_connection(tmp_path, monkeypatch):
    """A read transaction left open would keep the write-ahead log from
    being reused by the imports that follow."""
    monkeypatch.setattr(slots, "DIRECT_MAX", 0)
    monkeypatch.setattr(rank, "ALL_AT_ONCE", 0)
    monkeypatch.setattr(ahead, "START_AFTER", 0.0)
    monkeypatch.setattr(ahead, "_SECONDS", {})
    db_path = tmp_path / "archive.db"
    run("import", make_tree(tmp_path / "tree", seed=8), "--db", db_path)
    compare(db_path, ["المملكة OR الشركة OR في", "وزارة المياه"])
    seconds = [second for _, second in ahead._SECONDS.values()]
    assert seconds and not any(second.in_transaction for second in seconds)


def test_a_connection_of_datasette_reads_ahead_with_plain_rows(tmp_path):
    """Datasette's connections make a sqlite3.Row of each row: the search
    reads plain tuples (a Row for each of hundreds of thousands of rows was
    a quarter of a search's time), and the second connection is compared
    with the first by the structure record's value, not its row."""
    db_path = tmp_path / "archive.db"
    run("import", make_tree(tmp_path / "tree", seed=9, documents=5), "--db", db_path)
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    conn.text_factory = lambda value: str(value, "utf-8", "replace")
    reader = Reader(conn)
    assert type(reader.execute("select 1").fetchone()) is tuple
    with one_snapshot(conn):
        second = ahead._second_connection(reader)
        assert second is not None
        second.execute("rollback")


def test_no_second_connection_to_a_database_in_memory():
    assert ahead._second_connection(sqlite3.connect(":memory:")) is None


def test_waiting_for_a_cell_read_ahead_ends_at_the_time_limit():
    cells = ahead.Cells(None, 1, lambda number: None, deadline=time.perf_counter() - 1)
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        cells._result(Future())  # a statement that has not ended
