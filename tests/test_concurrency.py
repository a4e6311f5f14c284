"""Searching while an import writes, and two imports started together."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import time

from test_crash import archive, assert_sound, finish, generate_tree, start_import

FILES = 1500


def wait_for_archive(db_path, process):
    """Until the importer has committed its schema (or ended)."""
    while process.poll() is None:
        try:
            conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
            try:
                if conn.execute("select count(*) from sqlite_master where name = 'paragraphs_fts'").fetchone()[0]:
                    return
            finally:
                conn.close()
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)


def import_new_tree(tmp_path, seed):
    """Starts importing FILES generated files; returns (tree, database, process)
    once the archive exists."""
    tree = tmp_path / "tree"
    generate_tree(tree, random.Random(seed), FILES)
    db_path = tmp_path / "archive.db"
    process = start_import(tree, db_path)
    wait_for_archive(db_path, process)
    return tree, db_path, process


def test_searches_never_fail_while_an_import_writes(tmp_path):
    _, db_path, importer = import_new_tree(tmp_path, 7)

    errors, searches, commands = [], 0, 0
    while importer.poll() is None:
        # Our own connection, as Datasette or a script would hold one.
        try:
            conn = sqlite3.connect(db_path)
            conn.execute("select count(*) from paragraphs_fts where paragraphs_fts match 'قو'").fetchone()
            conn.execute("select count(*) from documents").fetchone()
            conn.close()
            searches += 1
        except Exception as error:  # any failure at all is what this test looks for
            errors.append(repr(error))
        if searches % 25 == 0:
            command = subprocess.run(
                [sys.executable, "-m", "archive", "search", "--db", str(db_path), "القوات"],
                capture_output=True, text=True,
            )
            commands += 1
            if command.returncode not in (0, 1) or "error" in command.stderr:
                errors.append(command.stderr)
    _, stderr = importer.communicate()
    assert importer.returncode == 0, stderr
    assert errors == []
    assert searches > 0 and commands > 0
    assert assert_sound(db_path) == FILES


def first_to_end(processes, timeout=20):
    """The first of processes to end (the others still running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                return process
        time.sleep(0.01)
    raise AssertionError(f"none of {len(processes)} processes ended in {timeout} s")


def test_of_two_imports_started_together_one_is_refused_and_one_imports_all(tmp_path):
    """The second import of an archive that another is writing is refused at
    once, in one line (it does not wait, nor write as well); the other
    imports every file, once."""
    tree = tmp_path / "tree"
    generate_tree(tree, random.Random(8), 300)
    db_path = tmp_path / "archive.db"
    assert archive("import", tree / "folder00", "--db", db_path).exit_code == 0
    # A write transaction open here, as a batch of another writer's: the
    # import that takes the archive waits for it, so it is still at work,
    # holding the archive, however soon or late the other one starts.
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("begin immediate")
    imports = [start_import(tree, db_path) for _ in range(2)]
    try:
        refused = first_to_end(imports)
        [importing] = [process for process in imports if process is not refused]
        assert importing.poll() is None
    except BaseException:
        for process in imports:
            process.kill()
        raise
    finally:
        blocker.execute("rollback")
        blocker.close()

    _, refusal = refused.communicate()
    assert refused.returncode == 2, refusal
    assert refusal.startswith("archive: error: ") and "busy" in refusal
    assert len(refusal.splitlines()) == 1
    summary = finish(importing)
    assert "290 added, 0 updated, 10 unchanged" in summary
    assert assert_sound(db_path) == 300
    conn = sqlite3.connect(db_path)
    assert conn.execute("select count(*) from paragraphs").fetchone()[0] == conn.execute(
        "select sum(paragraphs) from documents"
    ).fetchone()[0]
    conn.close()


def test_a_search_reads_one_state_of_the_archive(tmp_path, run):
    """Search ranks in one statement and reads the rows in others: an import
    that commits in between (here, replacing the document that holds the
    highest paragraph ids, which its new paragraphs take again) must not
    put its rows under the ranked ones."""
    import os

    from archive import search as q
    from archive.db import open_archive
    from archive.query import parse

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("وصلت قوات الأمن إلى المدينة\n\nوقال شاهد إن الشوارع هادئة\n", encoding="utf-8")
    (docs / "z.txt").write_text("قوات الأمن قوات\n\nانتشرت القوات في الميناء\n", encoding="utf-8")
    db_path = tmp_path / "a.db"
    assert run("import", docs, "--db", db_path).exit_code == 0
    db = open_archive(str(db_path))
    query = parse("قوات")
    before = [(h.path, h.paragraph, h.text) for h in q.search(db, query)]
    assert len(before) == 3 and before[0][0].endswith("z.txt")

    class ImportBetweenStatements:
        """The archive's connection, with an import run before rows are read."""

        def __init__(self):
            self.conn = db.conn
            self.imported = False

        def execute(self, sql, parameters=()):
            if sql == q._SHOWN_SQL and not self.imported:
                self.imported = True
                (docs / "z.txt").write_text("نص آخر لا ذكر فيه لشيء\n\nوفقرة ثانية\n", encoding="utf-8")
                later = time.time() + 5
                os.utime(docs / "z.txt", (later, later))
                assert run("import", docs, "--db", db_path).exit_code == 0
            return db.execute(sql, parameters)

    searching = ImportBetweenStatements()
    assert [(h.path, h.paragraph, h.text) for h in q.search(searching, query)] == before
    assert searching.imported
    # The import did land: a new search sees it.
    after = [(h.path, h.paragraph, h.text) for h in q.search(db, query)]
    assert [path.rsplit("/", 1)[1] for path, _, _ in after] == ["a.txt"]


def test_archive_search_shows_hits_and_their_reprints_from_one_state(tmp_path, run, monkeypatch):
    """`archive search` finds the hits, then lists their reprints and reads
    their context in other statements: an import committing in between
    (here, rewriting two of three copies) must not make the listing
    disagree with the hits."""
    import json
    import os

    from archive import search as q

    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a", "b", "c"):
        (docs / f"{name}.txt").write_text(
            f"عنوان {name}\n\nانتشرت قوات الأمن في المدينة\n", encoding="utf-8"
        )
    db_path = tmp_path / "a.db"
    assert run("import", docs, "--db", db_path).exit_code == 0
    listed = run("search", "قوات", "--json", "-C", "1", "--db", db_path)
    before = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(before) == 1 and len(before[0]["duplicates"]) == 2

    original = q.fill_duplicates
    imported = []

    def import_first(*args, **kwargs):
        if not imported:
            imported.append(True)
            later = time.time() + 5
            for name in ("b", "c"):
                (docs / f"{name}.txt").write_text(f"عنوان {name}\n\nنص آخر\n", encoding="utf-8")
                os.utime(docs / f"{name}.txt", (later, later))
            assert run("import", docs, "--db", db_path).exit_code == 0
        return original(*args, **kwargs)

    monkeypatch.setattr(q, "fill_duplicates", import_first)
    during = run("search", "قوات", "--json", "-C", "1", "--db", db_path)
    assert imported
    assert [json.loads(line) for line in during.stdout.splitlines()] == before
    # The import did land: a new search sees one copy left.
    after = run("search", "قوات", "--json", "--db", db_path)
    assert [json.loads(line)["duplicates"] for line in after.stdout.splitlines()] == [[]]


def test_a_rebuild_waits_for_another_connection_s_write_instead_of_failing(tmp_path):
    """A write transaction another connection holds as a rebuild starts (an
    `archive check`, a tool) makes it wait, then rebuild, never fail with
    "database is locked": a transaction begun by a read could not take the
    write lock later without failing at once."""
    tree = tmp_path / "tree"
    generate_tree(tree, random.Random(14), 40)
    db_path = tmp_path / "archive.db"
    assert archive("import", tree, "--db", db_path).exit_code == 0
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("begin immediate")
    try:
        rebuild = subprocess.Popen(
            [sys.executable, "-m", "archive", "rebuild", "--db", str(db_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        # Long enough for the rebuild to have started and met the lock.
        time.sleep(2)
    finally:
        blocker.execute("rollback")
        blocker.close()
    _, stderr = rebuild.communicate(timeout=120)
    assert rebuild.returncode == 0, stderr
    assert assert_sound(db_path) == 40
