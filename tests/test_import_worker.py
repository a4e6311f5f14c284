"""The import's machinery: the read-ahead worker, the batches, and the
merging of the index's segments at the end.  Each way of importing stores
the same archive as a plain import."""

from __future__ import annotations

import shutil

import pytest

from archive import analyze, importer, index, pipeline
from conftest import SEEDS


# --- the import's machinery: the worker and the batches ----------------------


def _contents(db_path):
    """Everything stored, the index's health and one search's count."""
    import sqlite3

    import sqlite_utils

    from archive.index import index_problems

    conn = sqlite3.connect(db_path)
    try:
        assert index_problems(sqlite_utils.Database(conn)) == []
        rows = conn.execute(
            """select d.path, d.sha256, p.number, p.text, p.fingerprint
               from paragraphs p join documents d on d.id = p.document_id order by d.path, p.number"""
        ).fetchall()
        term = analyze.stem(analyze.normalize("القوات"))
        hits = conn.execute(
            "select count(*) from paragraphs_fts where paragraphs_fts match ?", [f'terms : "{term}"']
        ).fetchone()[0]
        return rows, hits
    finally:
        conn.close()


@pytest.fixture
def always_worker(monkeypatch):
    """Worker process and small batches even for the few seed files."""
    monkeypatch.setattr(pipeline, "PREFETCH_MIN_FILES", 1)
    monkeypatch.setattr(pipeline, "PREFETCH_WINDOW", 2)
    monkeypatch.setattr(importer, "BATCH_DOCUMENTS", 2)


def test_worker_and_batches_store_the_same_archive(tmp_path, run, monkeypatch):
    plain = tmp_path / "plain.db"
    assert run("import", SEEDS, "--db", plain).exit_code == 0
    monkeypatch.setattr(pipeline, "PREFETCH_MIN_FILES", 1)
    monkeypatch.setattr(pipeline, "PREFETCH_WINDOW", 2)
    monkeypatch.setattr(importer, "BATCH_DOCUMENTS", 2)
    taken = []
    original = pipeline.Ahead.take
    monkeypatch.setattr(pipeline.Ahead, "take", lambda self: taken.append(original(self)) or taken[-1])
    worked = tmp_path / "worked.db"
    assert run("import", SEEDS, "--db", worked).exit_code == 0
    # The worker read and analyzed every document but the first, which the
    # importer reached at once and read itself.
    assert len(taken) == len(list(SEEDS.glob("*.txt")))
    assert taken[0] is None and all(isinstance(t, tuple) for t in taken[1:])
    assert _contents(worked) == _contents(plain)
    assert _contents(plain)[1] > 0


def test_the_worker_is_heard_however_many_files_the_process_has_open(tmp_path, run, always_worker):
    """A long-lived process (a test run, a server) may hold more than 1,024
    files, so that the worker's pipe gets a number select() refuses: the
    import must still hear it."""
    import os
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip("this system allows too few open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    held = []
    try:
        while not held or held[-1] < 1100:
            held.append(os.dup(0 if not held else held[0]))
        plain, worked = tmp_path / "plain.db", tmp_path / "worked.db"
        assert run("import", SEEDS, "--db", worked).exit_code == 0
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert run("import", SEEDS, "--db", plain).exit_code == 0
    assert _contents(worked) == _contents(plain)


def test_importer_reads_far_files_while_the_worker_has_the_near_one(tmp_path, run, monkeypatch):
    """When the file reached is still with the worker, the importer reads the
    farthest file nobody has instead of waiting: the archive is the same."""
    plain = tmp_path / "plain.db"
    assert run("import", SEEDS, "--db", plain).exit_code == 0
    monkeypatch.setattr(pipeline, "PREFETCH_MIN_FILES", 1)
    monkeypatch.setattr(pipeline, "PREFETCH_WINDOW", 4)
    monkeypatch.setattr(pipeline, "WORKER_QUEUE", 1)
    monkeypatch.setattr(importer, "BATCH_DOCUMENTS", 2)
    # The worker's answer never seems to be there yet: the importer reads
    # all it can before it waits.
    monkeypatch.setattr(pipeline._Worker, "answered", lambda self: False)
    stolen, original_steal = [], pipeline.Ahead._steal
    monkeypatch.setattr(
        pipeline.Ahead, "_steal", lambda self: stolen.append((self.current, self.unsent[-1][0])) or original_steal(self)
    )
    taken, original_take = [], pipeline.Ahead.take
    monkeypatch.setattr(pipeline.Ahead, "take", lambda self: taken.append((self.current, original_take(self))) or taken[-1][1])
    worked = tmp_path / "worked.db"
    assert run("import", SEEDS, "--db", worked).exit_code == 0
    assert _contents(worked) == _contents(plain)
    read_ahead = [number for number, reading in taken if isinstance(reading, tuple)]
    far = [number for _, number in stolen]
    assert far and set(far) < set(read_ahead)  # the worker read the others
    assert len(set(far)) == len(far) and all(number > reached for reached, number in stolen)


def test_import_cut_short_is_sound_and_finished_by_the_next(tmp_path, run, always_worker, monkeypatch):
    db = tmp_path / "archive.db"
    calls = []
    original = importer._ImportRun.carry_out

    def dies_on_fourth(self, plan, *args):
        calls.append(plan)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return original(self, plan, *args)

    monkeypatch.setattr(importer._ImportRun, "carry_out", dies_on_fourth)
    assert run("import", SEEDS, "--db", db).exit_code != 0
    rows, _ = _contents(db)  # the index is sound
    assert len({r[0] for r in rows}) == 2  # the first batch of two documents was committed
    # Into an empty archive, the fingerprint index is made at the end.
    assert index.FINGERPRINT_INDEX not in _index_names(db)

    monkeypatch.setattr(importer._ImportRun, "carry_out", original)
    assert run("import", SEEDS, "--db", db).exit_code == 0
    plain = tmp_path / "plain.db"
    assert run("import", SEEDS, "--db", plain).exit_code == 0
    assert _contents(db) == _contents(plain)
    assert index.FINGERPRINT_INDEX in _index_names(db) and index.FINGERPRINT_INDEX in _index_names(plain)


def _index_names(db_path) -> set[str]:
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        return {row[0] for row in conn.execute("select name from sqlite_master where type = 'index'")}
    finally:
        conn.close()


def test_changed_and_removed_documents_leave_the_index(tmp_path, run, always_worker):
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(4):
        (tree / f"{i}.txt").write_text(f"خبر رقم {i}\n\nالقوات في المدينة", encoding="utf-8")
    db = tmp_path / "archive.db"
    assert run("import", tree, "--db", db).exit_code == 0
    (tree / "2.txt").write_text("خبر رقم 2\n\nزرافة في الحديقة", encoding="utf-8")
    (tree / "3.txt").unlink()
    assert run("import", tree, "--db", db, "--prune").exit_code == 0
    _, hits = _contents(db)  # the index holds the current text only
    assert hits == 2  # القوات: in the two unchanged documents
    assert run("search", "--db", db, "زرافة").exit_code == 0


def test_worker_that_dies_leaves_the_reading_to_the_importer(tmp_path, run, monkeypatch):
    """A worker killed mid-import: the import goes on without it and stores
    what it would have stored anyway."""
    import subprocess
    import sys

    plain = tmp_path / "plain.db"
    assert run("import", SEEDS, "--db", plain).exit_code == 0
    monkeypatch.setattr(pipeline, "PREFETCH_MIN_FILES", 1)
    monkeypatch.setattr(pipeline, "PREFETCH_WINDOW", 3)
    # A worker that takes three tasks, answers one and dies.
    dying = (
        "import pickle, sys\n"
        "tasks = [pickle.load(sys.stdin.buffer) for _ in range(3)]\n"
        "pickle.dump((tasks[0][0], None), sys.stdout.buffer); sys.stdout.flush()\n"
        "sys.exit(9)"
    )
    real_popen = subprocess.Popen
    started = []

    def popen(args, **kwargs):
        if args[1] == "-c" and "archive.pipeline" in args[2]:
            started.append(args)
            args = [sys.executable, "-c", dying]
        return real_popen(args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    db = tmp_path / "a.db"
    result = run("import", SEEDS, "--db", db)
    assert started
    assert (result.exit_code, result.stderr.splitlines()[:-1]) == (0, [])
    assert _contents(db) == _contents(plain)


def test_worker_reports_unreadable_files_as_the_importer_would(tmp_path, run, monkeypatch):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "good.txt").write_text("القوات في المدينة", encoding="utf-8")
    (tree / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (tree / "latin.txt").write_bytes("مرحبا بكم".encode("cp1256"))
    plain = run("import", tree, "--db", tmp_path / "plain.db")
    monkeypatch.setattr(pipeline, "PREFETCH_MIN_FILES", 1)
    worked = run("import", tree, "--db", tmp_path / "worked.db")
    assert (worked.exit_code, worked.stderr.replace("worked.db", "plain.db")) == (plain.exit_code, plain.stderr)
    assert "image.txt: binary file, not text" in worked.stderr
    assert _contents(tmp_path / "worked.db")[0] == _contents(tmp_path / "plain.db")[0]


def test_worker_imports_our_modules_not_the_current_folders(tmp_path, run, monkeypatch):
    """A file named like a module, in the folder archive runs from, is not
    imported by the worker in place of the real one."""
    (tmp_path / "Stemmer.py").write_text("raise SystemExit('not this one')\n", encoding="utf-8")
    (tmp_path / "archive.py").write_text("raise SystemExit('not this one')\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(pipeline, "PREFETCH_MIN_FILES", 1)
    taken = []
    original = pipeline.Ahead.take
    monkeypatch.setattr(pipeline.Ahead, "take", lambda self: taken.append(original(self)) or taken[-1])
    result = run("import", SEEDS, "--db", tmp_path / "a.db")
    assert result.exit_code == 0 and "not this one" not in result.stderr
    assert taken[1:] and all(isinstance(t, tuple) for t in taken[1:])


# --- merging the index's segments at the end of an import ----------------------


def _index_structure(db_path) -> tuple[bytes, int]:
    """The search index's structure record, and how many segments it lists.

    FTS5 keeps it as row 10 of its data table: a 4-byte cookie, then varints
    (SQLite's, 7 bits a byte, high bit set on all but the last): the number
    of levels, the number of segments, ..."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        record = conn.execute("select block from paragraphs_fts_data where id = 10").fetchone()[0]
    finally:
        conn.close()
    values, value, position = [], 0, 4
    while len(values) < 2:
        byte = record[position]
        position += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            values.append(value)
            value = 0
    return record, values[1]


def _copy_seed(tree, number: int) -> None:
    text = (SEEDS / "07-forces-security.txt").read_text(encoding="utf-8")
    (tree / f"extra-{number}.txt").write_text(f"خبر إضافي رقم {number}\n\n{text}", encoding="utf-8")


def _many_words_tree(folder, documents: int = 40):
    """Documents of many distinct made-up words: an index of many pages."""
    import random

    rng = random.Random(7)
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    folder.mkdir()
    for number in range(documents):
        words = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 8))) for _ in range(400)]
        paragraphs = [" ".join(words[start:start + 40]) for start in range(0, 400, 40)]
        (folder / f"{number:03d}.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
    return folder


def test_an_import_of_many_batches_ends_with_the_index_in_one_segment(tmp_path, run, always_worker, monkeypatch):
    """Twenty commits of two documents, twenty segments: merged into one, in
    as many steps (transactions) as MERGE_PAGES makes it."""
    tree = _many_words_tree(tmp_path / "tree")
    steps = []
    transaction = index.write_transaction
    monkeypatch.setattr(index, "write_transaction", lambda db: steps.append(1) or transaction(db))
    taken, usual = {}, index.MERGE_PAGES
    for merge_pages in (usual, 1):
        monkeypatch.setattr(index, "MERGE_PAGES", merge_pages)
        steps.clear()
        db = tmp_path / f"archive-{merge_pages}.db"
        assert run("import", tree, "--db", db).exit_code == 0
        assert _index_structure(db)[1] == 1
        taken[merge_pages] = len(steps)
    assert taken[1] > taken[usual] + 10
    assert _contents(db) == _contents(tmp_path / f"archive-{usual}.db")
    monkeypatch.setattr(importer, "BATCH_DOCUMENTS", 1_000)
    plain = tmp_path / "plain.db"
    assert run("import", tree, "--db", plain).exit_code == 0
    assert _contents(db) == _contents(plain)


def test_segments_pile_up_unmerged_until_the_end_of_an_import(tmp_path, run, always_worker, monkeypatch):
    """Twenty commits, twenty segments, none merged while the import writes
    (FTS5 would have merged them by fours, and by sixteen at the latest)."""
    tree = _many_words_tree(tmp_path / "tree")
    monkeypatch.setattr(importer, "merge_index", lambda db, written: None)
    db = tmp_path / "archive.db"
    assert run("import", tree, "--db", db).exit_code == 0
    assert _index_structure(db)[1] == 20


def test_small_imports_merge_segments_only_where_fts5_would(tmp_path, run, monkeypatch):
    """A few new files into a larger archive: their segment is not merged
    into the rest (no rewrite of the whole index) until four pile up on a
    level, as FTS5's automerge would; an import that changes nothing leaves
    the index untouched."""
    tree = tmp_path / "tree"
    shutil.copytree(SEEDS, tree)
    db = tmp_path / "archive.db"
    assert run("import", tree, "--db", db).exit_code == 0
    assert _index_structure(db)[1] == 1
    segments = []
    for number in range(3):
        _copy_seed(tree, number)
        assert run("import", tree, "--db", db).exit_code == 0
        segments.append(_index_structure(db)[1])
    # In an archive this small, the first import's segment is on the new
    # ones' level: the third new one makes four there, merged into one.
    assert segments == [2, 3, 1]
    # (Past the cookie, which FTS5 counts up when its settings are written.)
    segments_listed = _index_structure(db)[0][4:]
    assert run("import", tree, "--db", db).exit_code == 0
    assert _index_structure(db)[0][4:] == segments_listed
    plain = tmp_path / "plain.db"
    assert run("import", tree, "--db", plain).exit_code == 0
    assert _contents(db) == _contents(plain)


def _merge_interrupted_at_third_step(monkeypatch):
    """Merges of one page a step, the third step stopped as by Ctrl-C:
    the list of steps taken, and index_command as it was."""
    monkeypatch.setattr(index, "MERGE_PAGES", 1)
    steps, original_command = [], index.index_command

    def interrupted_at_third_merge_step(database, command, value, *table):
        if command == "merge":
            steps.append(value)
            if len(steps) == 3:
                raise KeyboardInterrupt
        return original_command(database, command, value, *table)

    monkeypatch.setattr(index, "index_command", interrupted_at_third_merge_step)
    return steps, original_command


def test_a_merge_cut_short_is_finished_by_the_next_import(tmp_path, run, always_worker, monkeypatch):
    """Ctrl-C during the end's merge: the archive is sound, and the next
    import merges the rest although no file changed."""
    tree = _many_words_tree(tmp_path / "tree")
    db = tmp_path / "archive.db"
    steps, original_command = _merge_interrupted_at_third_step(monkeypatch)
    assert run("import", tree, "--db", db).exit_code != 0
    assert len(steps) == 3 and _index_structure(db)[1] > 1
    plain = tmp_path / "plain.db"
    monkeypatch.setattr(index, "index_command", original_command)
    assert run("import", tree, "--db", plain).exit_code == 0
    assert _contents(db) == _contents(plain)  # sound, though less merged

    result = run("import", tree, "--db", db)
    assert result.exit_code == 0 and ": 0 added, 0 updated, 40 unchanged" in result.output
    assert _index_structure(db)[1] == 1
    assert _contents(db) == _contents(plain)
    # Merged: a further import that changes nothing merges nothing.
    segments_listed = _index_structure(db)[0][4:]
    assert run("import", tree, "--db", db).exit_code == 0
    assert _index_structure(db)[0][4:] == segments_listed


def test_a_rebuild_whose_merge_is_cut_short_is_finished_by_the_next_import(tmp_path, run, monkeypatch):
    """As an import's: `archive rebuild` marks the merge pending until its
    last step, so a rebuild stopped in its merge is merged by the next
    import, which changes nothing."""
    tree = _many_words_tree(tmp_path / "tree")
    db = tmp_path / "archive.db"
    assert run("import", tree, "--db", db).exit_code == 0
    # A small FTS5 hash: the rebuild's one transaction writes many segments.
    monkeypatch.setattr(index, "INDEX_HASHSIZE", 4096)
    steps, original_command = _merge_interrupted_at_third_step(monkeypatch)
    assert run("rebuild", "--db", db).exit_code != 0
    assert len(steps) == 3 and _index_structure(db)[1] > 1
    monkeypatch.setattr(index, "index_command", original_command)

    result = run("import", tree, "--db", db)
    assert result.exit_code == 0 and ": 0 added, 0 updated, 40 unchanged" in result.output
    assert _index_structure(db)[1] == 1
