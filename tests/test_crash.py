"""kill -9 in the middle of `archive import` (adding files, and replacing
changed ones) and of `archive rebuild`: the database stays sound, and the
next run finishes the job with exact counts.

Each kill waits for the run to commit part of its work (read off the
database, as any reader would), so it lands mid-run on a slow machine as on
a fast one; each test asserts that it did."""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

from click.testing import CliRunner

from archive.cli import cli

WORDS = "القوات الأمن المدينة الوزير الاقتصاد المدارس الصحة حملة مشروع السوق".split()
# Finds every paragraph: each holds at least two of WORDS.
ANY_WORD = " OR ".join(WORDS)
# A kill lands up to this long after the commit it waits for: less than
# the time an import takes for its next batch of files, even on a fast machine.
JITTER = 0.05


def generate_tree(root, rng, count, paragraphs=(1, 3)):
    """count small articles in 30 folders; returns {file name: its paragraphs}.
    Each paragraph ends with its file's number and its own ("17-2"), so no two
    are the same, and is one sentence apart from the next by a blank line."""
    for folder in range(min(count, 30)):
        (root / f"folder{folder:02d}").mkdir(parents=True, exist_ok=True)
    expected = {}
    for i in range(count):
        texts = [
            " ".join(rng.choices(WORDS, k=rng.randint(2, 12))) + f" {i}-{n}."
            for n in range(rng.randint(*paragraphs))
        ]
        path = root / f"folder{i % 30:02d}" / f"article{i:05d}.txt"
        path.write_text("\n\n".join(texts) + "\n", encoding="utf-8")
        expected[path.name] = texts
    return expected


def start(*args):
    """archive ARGS in a process of its own, to be killed."""
    return subprocess.Popen(
        [sys.executable, "-m", "archive", *map(str, args)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def start_import(tree, db):
    return start("import", tree, "--db", db)


def archive(*args):
    """archive ARGS, here (no process to start); the click Result."""
    return CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)


def finish(process):
    """Wait for a run to end well; its summary line."""
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    return stderr.strip().splitlines()[-1]


def read_value(db, sql):
    """One number from the database, as a reader sees it (0 before the
    archive has its tables)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    except sqlite3.OperationalError:
        return 0  # no file yet
    try:
        return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # no table yet
    finally:
        conn.close()


DOCUMENTS = "select count(*) from documents"


def kill_after(process, ready, rng):
    """SIGKILL process a random moment (up to JITTER) after ready() holds;
    fails if the process ends first."""
    while not ready():
        assert process.poll() is None, f"{process.args[3:]} ended before the moment to kill it came"
        time.sleep(0.01)
    time.sleep(rng.uniform(0, JITTER))
    process.kill()
    process.wait()
    # Killed, not ended of itself just before (a run that ended returns 0).
    assert process.returncode == -signal.SIGKILL, f"{process.args[3:]} ended before it was killed"


def kill_after_commit(process, db, sql, above, rng):
    """Kill process soon after the number sql reads in db rises above `above`
    (a batch of its work committed); the number after the kill."""
    kill_after(process, lambda: read_value(db, sql) > above, rng)
    return read_value(db, sql)


def assert_sound(db_path):
    """SQLite's and archive's checks pass, and every committed document has
    exactly the paragraphs it records (a document is never committed without
    them); the number of documents."""
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        torn = conn.execute(
            """select count(*) from documents d
               where d.paragraphs != (select count(*) from paragraphs p where p.document_id = d.id)"""
        ).fetchone()[0]
        assert torn == 0
        orphans = conn.execute(
            "select count(*) from paragraphs where document_id not in (select id from documents)"
        ).fetchone()[0]
        assert orphans == 0
        documents = conn.execute(DOCUMENTS).fetchone()[0]
    finally:
        conn.close()
    # The search index holds exactly the analysis of the committed paragraphs.
    check = archive("check", "--db", db_path)
    assert check.exit_code == 0, check.output
    return documents


def stored_paragraphs(db):
    """{file name: its paragraphs' text, in order} as the archive holds them."""
    conn = sqlite3.connect(db)
    stored = {}
    for path, text in conn.execute(
        "select d.path, p.text from paragraphs p join documents d on d.id = p.document_id order by d.path, p.number"
    ):
        stored.setdefault(path.rsplit("/", 1)[1], []).append(text)
    conn.close()
    return stored


def assert_complete(db, expected, rng):
    """The archive holds the files' paragraphs, every one once, and search
    finds each of them."""
    assert assert_sound(db) == len(expected)
    assert stored_paragraphs(db) == expected
    counted = archive("search", "--db", db, "--count", "--json", "--show-duplicates", ANY_WORD)
    assert json.loads(counted.stdout) == {
        "paragraphs": sum(map(len, expected.values())),
        "distinct_paragraphs": sum(map(len, expected.values())),
        "documents": len(expected),
        "more": False,
    }
    # A few files by their number, which only their own paragraphs hold
    # (from 100 on: no paragraph's own number is that high).
    for name in rng.sample(sorted(expected)[100:], 3):
        number = int(name[len("article"):-len(".txt")])
        found = archive("search", "--db", db, "--json", "--sort", "path", "-n", "100", str(number))
        hits = [json.loads(line) for line in found.stdout.splitlines()]
        assert [(hit["path"].rsplit("/", 1)[1], hit["text"]) for hit in hits] == [
            (name, text) for text in expected[name]
        ]


# An import commits every 2,000 files: 3 kills, each after a commit, and a
# whole batch still to go after the last.
FILES = 8000
KILLS = 3


def test_import_killed_mid_run_again_and_again_finishes_exactly(tmp_path):
    """Each import is killed after a commit of its own, before its last: the
    committed documents are whole and stay; the next import adds the rest."""
    rng = random.Random(20150721)
    tree = tmp_path / "tree"
    expected = generate_tree(tree, rng, FILES)
    db = tmp_path / "archive.db"

    committed = [0]
    for _ in range(KILLS):
        process = start_import(tree, db)
        # Each import takes up where the last one was killed: it commits more.
        committed.append(kill_after_commit(process, db, DOCUMENTS, committed[-1], rng))
        assert committed[-2] < committed[-1] < FILES, f"not killed mid-import: {committed}"
        assert assert_sound(db) == committed[-1]

    summary = finish(start_import(tree, db))
    assert f"{FILES - committed[-1]} added, 0 updated, {committed[-1]} unchanged" in summary
    assert_complete(db, expected, rng)


UPDATES = 4000


def kill_mid_update(tree, db, files, rng):
    """Every file of the tree changed, as its mtime (the same for all)
    says: an import of them killed after its first batch of updates, the
    archive sound.  How many were updated, and the mtime."""
    changed_at = time.time_ns() + 3600 * 10**9
    for path in tree.rglob("*.txt"):
        os.utime(path, ns=(changed_at, changed_at))
    updated_sql = f"select count(*) from documents where mtime_ns = {changed_at}"
    process = start_import(tree, db)
    updated = kill_after_commit(process, db, updated_sql, 0, rng)
    assert 0 < updated < files, f"not killed mid-update: {updated} of {files} updated"
    assert assert_sound(db) == files
    return updated, changed_at


def test_update_killed_between_deletes_and_inserts_leaves_old_or_new(tmp_path):
    """A changed file's old paragraphs are deleted and its new ones inserted
    in one transaction: killed in the middle (after a first batch of 2,000
    files, a whole batch still to go), each document is all old or all new,
    and the next import replaces the rest."""
    rng = random.Random(1436)
    tree = tmp_path / "tree"
    old = generate_tree(tree, rng, UPDATES)
    db = tmp_path / "archive.db"
    assert archive("import", tree, "--db", db).exit_code == 0
    new = generate_tree(tree, rng, UPDATES)
    updated, changed_at = kill_mid_update(tree, db, UPDATES, rng)
    conn = sqlite3.connect(db)
    replaced = {path.rsplit("/", 1)[1] for (path,) in conn.execute(
        f"select path from documents where mtime_ns = {changed_at}"
    )}
    conn.close()
    assert stored_paragraphs(db) == {name: (new if name in replaced else old)[name] for name in old}

    summary = finish(start_import(tree, db))
    assert f"0 added, {UPDATES - updated} updated, {updated} unchanged" in summary
    assert_complete(db, new, rng)


def holds_write_lock(db):
    """Whether a connection has a write transaction open on db."""
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        conn.execute("begin immediate")
        conn.execute("rollback")
        return False
    except sqlite3.OperationalError:  # database is locked
        return True
    finally:
        conn.close()


def analyzer_version(db):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("select value from archive_meta where key = 'analyzer_version'").fetchone()[0]
    finally:
        conn.close()


def test_rebuild_killed_in_its_transaction_leaves_the_archive_as_it_was(tmp_path):
    """Killed while it holds the archive's write lock, a rebuild has changed
    nothing; the next one rebuilds all."""
    rng = random.Random(1437)
    tree = tmp_path / "tree"
    expected = generate_tree(tree, rng, 1000, paragraphs=(10, 30))
    db = tmp_path / "archive.db"
    assert archive("import", tree, "--db", db).exit_code == 0
    # As if made by an earlier analyzer: what `archive rebuild` is for.
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("update archive_meta set value = '0' where key = 'analyzer_version'")
    conn.close()
    before = archive("check", "--db", db)
    assert before.exit_code == 1 and "analyzer version 0" in before.output

    process = start("rebuild", "--db", db)
    kill_after(process, lambda: holds_write_lock(db), rng)
    # Nothing of the rebuild committed (the new version is recorded in its
    # transaction): the same archive, with the same one problem.
    assert analyzer_version(db) == "0", "not killed inside rebuild's transaction"
    after = archive("check", "--db", db)
    assert (after.exit_code, after.output) == (before.exit_code, before.output)
    assert stored_paragraphs(db) == expected

    summary = finish(start("rebuild", "--db", db))
    assert f"{sum(map(len, expected.values()))} paragraphs analyzed again" in summary
    assert analyzer_version(db) != "0"
    assert_complete(db, expected, rng)


def generate_reprinted_tree(root, rng, count, texts):
    """count articles of one to four paragraphs each, drawn from `texts`
    shared ones: wire copy, each text reprinted in several files (and at
    times twice in one), so that most paragraphs are copies of another and
    the first copy of each text carries the mark (holders.py)."""
    for folder in range(min(count, 30)):
        (root / f"folder{folder:02d}").mkdir(parents=True, exist_ok=True)
    expected = {}
    for i in range(count):
        chosen = [texts[rng.randrange(len(texts))] for _ in range(rng.randint(1, 4))]
        path = root / f"folder{i % 30:02d}" / f"article{i:05d}.txt"
        path.write_text("\n\n".join(chosen) + "\n", encoding="utf-8")
        expected[path.name] = chosen
    return expected


def shared_texts(rng, count):
    """count distinct texts of WORDS, each told apart by its number."""
    return [" ".join(rng.choices(WORDS, k=rng.randint(2, 12))) + f" نص{n}." for n in range(count)]


def assert_reprints_folded(db, expected):
    """Folded, every text the files hold is found once, shown by its first
    copy and with all the others; `archive check` (assert_sound) has
    compared the mark with the first copy of each text, and its level with
    its length."""
    distinct = {text for texts in expected.values() for text in texts}
    counted = archive("search", "--db", db, "--count", "--json", ANY_WORD)
    assert json.loads(counted.stdout)["distinct_paragraphs"] == len(distinct)
    found = archive("search", "--db", db, "--json", "-n", str(len(distinct) + 10), ANY_WORD)
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert sorted(hit["text"] for hit in hits) == sorted(distinct)
    copies = collections.Counter(text for texts in expected.values() for text in texts)
    assert {hit["text"]: 1 + len(hit["duplicates"]) for hit in hits} == copies
    conn = sqlite3.connect(db)
    first = {text: (path, number) for text, path, number in conn.execute(
        """select p.text, d.path, p.number from paragraphs p join documents d on d.id = p.document_id
           where p.id in (select min(id) from paragraphs group by text)"""
    )}
    conn.close()
    assert {hit["text"]: (hit["path"], hit["paragraph"]) for hit in hits} == first


REPRINTED_FILES = 6000
SHARED_TEXTS = 1500


def test_import_and_update_of_reprints_killed_keep_the_mark_on_first_copies(tmp_path):
    """Where texts are reprinted, each text's first copy carries a mark that
    moves when that copy goes: killed after a commit, in a first import
    (which builds the fingerprint index only at its end) and in an update
    that replaces files holding first copies, the archive passes its check,
    mark and all, and the next import ends with every text folded once."""
    rng = random.Random(7212015)
    tree = tmp_path / "tree"
    texts = shared_texts(rng, SHARED_TEXTS)
    expected = generate_reprinted_tree(tree, rng, REPRINTED_FILES, texts)
    db = tmp_path / "archive.db"

    committed = [0]
    for _ in range(2):
        process = start_import(tree, db)
        committed.append(kill_after_commit(process, db, DOCUMENTS, committed[-1], rng))
        assert committed[-2] < committed[-1] < REPRINTED_FILES, f"not killed mid-import: {committed}"
        assert assert_sound(db) == committed[-1]
    finish(start_import(tree, db))
    assert assert_sound(db) == REPRINTED_FILES
    assert stored_paragraphs(db) == expected
    assert_reprints_folded(db, expected)

    # Every file changes: the first files, which hold most first copies, are
    # replaced first, so their marks move to copies in files not yet replaced.
    new = generate_reprinted_tree(tree, rng, REPRINTED_FILES, texts)
    kill_mid_update(tree, db, REPRINTED_FILES, rng)

    finish(start_import(tree, db))
    assert assert_sound(db) == REPRINTED_FILES
    assert stored_paragraphs(db) == new
    assert_reprints_folded(db, new)
