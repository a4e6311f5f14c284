"""kill -9 during `archive import`: the database stays sound, and the next
import finishes the job with exact counts."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import sqlite_utils

from archive.index import index_problems

FILES = 3000
KILLS = 5
WORDS = "القوات الأمن المدينة الوزير الاقتصاد المدارس الصحة حملة مشروع السوق".split()


def generate_tree(root, rng, count=FILES):
    """count small articles in 30 folders; returns {file name: its paragraphs}."""
    expected = {}
    for i in range(count):
        paragraphs = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 30))) + f" {i}-{n}"
            for n in range(rng.randint(1, 5))
        ]
        path = root / f"folder{i % 30:02d}" / f"article{i:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(paragraphs) + "\n", encoding="utf-8")
        expected[path.name] = paragraphs
    return expected


def start_import(tree, db):
    return subprocess.Popen(
        [sys.executable, "-m", "archive", "import", str(tree), "--db", str(db)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def assert_sound(db_path):
    """SQLite's and archive's integrity checks pass, and every committed document has exactly
    the paragraphs it records (a document is never committed without them)."""
    conn = sqlite3.connect(db_path)
    try:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        if not tables:
            return 0  # killed before the schema was committed
        assert {"documents", "paragraphs", "paragraphs_fts", "archive_meta"} <= tables
        # The search index holds exactly the analysis of the committed paragraphs.
        assert index_problems(sqlite_utils.Database(conn)) == []
        torn = conn.execute(
            """select count(*) from documents d
               where d.paragraphs != (select count(*) from paragraphs p where p.document_id = d.id)"""
        ).fetchone()[0]
        assert torn == 0
        orphans = conn.execute(
            "select count(*) from paragraphs where document_id not in (select id from documents)"
        ).fetchone()[0]
        assert orphans == 0
        return conn.execute("select count(*) from documents").fetchone()[0]
    finally:
        conn.close()


def test_import_survives_kill_9_and_finishes_exactly(tmp_path):
    rng = random.Random(20150721)
    tree = tmp_path / "tree"
    expected = generate_tree(tree, rng)
    db = tmp_path / "archive.db"

    committed = []
    for _ in range(KILLS):
        process = start_import(tree, db)
        # A random moment: from before the schema exists to well into the run.
        time.sleep(rng.uniform(0.05, 3.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        committed.append(assert_sound(db))
    # Documents committed before a kill stay committed.
    assert committed == sorted(committed)

    process = start_import(tree, db)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    summary = stderr.strip().splitlines()[-1]
    assert f"{FILES - committed[-1]} added, 0 updated, {committed[-1]} unchanged" in summary

    assert assert_sound(db) == FILES
    conn = sqlite3.connect(db)
    stored = {}
    for path, text in conn.execute(
        "select d.path, p.text from paragraphs p join documents d on d.id = p.document_id order by d.path, p.number"
    ):
        stored.setdefault(os.path.basename(path), []).append(text)
    conn.close()
    assert stored == expected  # every paragraph once, in order, none lost
