"""One SQLite library for the archive, sqlite-utils and Datasette."""

from __future__ import annotations

import ast
import asyncio
import contextlib
from pathlib import Path

import sqlite_utils.utils
from datasette.app import Datasette
from datasette.utils import sqlite as datasette_sqlite

from archive.sqlite import sqlite3
from archive import ahead
from archive.db import open_archive, open_reader
from archive.search import one_snapshot

from conftest import SEEDS


def test_archive_uses_the_sqlite_of_sqlite_utils_and_datasette():
    assert sqlite3 is sqlite_utils.utils.sqlite3
    assert sqlite3 is datasette_sqlite.sqlite3


def test_no_module_but_archive_sqlite_imports_a_sqlite_library():
    """Where pysqlite3 is not installed the two modules are one, so only
    the source tells whether a module bypasses archive.sqlite."""
    package = Path(__file__).resolve().parent.parent / "src" / "archive"
    bypassing = []
    for module in sorted(package.glob("*.py")):
        if module.name == "sqlite.py":
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            bypassing += [f"{module.name}: {name}" for name in names if name.split(".")[0] in ("sqlite3", "pysqlite3")]
    assert len(list(package.glob("*.py"))) > 5
    assert bypassing == []


def test_readers_and_writers_connect_through_it(seeds_db):
    # An error raised through one module's connection is not the other's
    # sqlite3.Error: the CLI's one-line error for a database fault depends
    # on every connection coming from the module it catches.
    assert isinstance(open_archive(str(seeds_db)).conn, sqlite3.Connection)
    assert isinstance(open_reader(str(seeds_db)).conn, sqlite3.Connection)


def test_readers_that_search_many_times_read_through_a_memory_map(seeds_db):
    # A reader that searches many times, and Datasette's connections, read
    # through a map; a command, which searches once, does not (each page a
    # new map meets costs a fault); the connection that reads cells ahead
    # beside either does as it does.
    from archive.clibase import open_for_reading

    for reader, mapped in ((open_reader(str(seeds_db)), True), (open_for_reading(str(seeds_db)), False)):
        assert (reader.execute("pragma mmap_size").fetchone()[0] > 0) == mapped
        with one_snapshot(reader.conn):
            second = ahead._second_connection(reader)
            assert (second.execute("pragma mmap_size").fetchone()[0] > 0) == mapped
            second.execute("rollback")
    datasette = Datasette([str(seeds_db)])

    async def mapped():
        await datasette.invoke_startup()
        database = datasette.get_database(seeds_db.stem)
        return await database.execute_fn(lambda conn: conn.execute("pragma mmap_size").fetchone()[0])

    assert asyncio.run(mapped()) > 0


def test_a_damaged_archive_is_one_line_through_either_connection(tmp_path, run, seeds_db):
    damaged = tmp_path / "damaged.db"
    with contextlib.closing(sqlite3.connect(seeds_db)) as conn:
        conn.execute("pragma wal_checkpoint(truncate)")  # all pages in the file
    data = bytearray(seeds_db.read_bytes())
    assert len(data) > 8 * 4096
    # Keep the header, so it opens as SQLite, and ruin every page after it.
    data[4096:] = b"\xff" * (len(data) - 4096)
    damaged.write_bytes(bytes(data))
    for args in (["search", "قوات", "--db", damaged], ["import", SEEDS, "--db", damaged]):
        result = run(*args)
        assert result.exit_code != 0, args
        assert result.output.startswith("archive: error: "), result.output
        assert result.output.strip().count("\n") == 0, result.output
    checked = run("check", "--db", damaged)
    assert checked.exit_code != 0
    assert "NOT ok" in checked.output
