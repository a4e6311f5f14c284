"""An archive in a folder nothing may write (read-only storage): searches,
show, stats and check read it; the commands that write say why they cannot."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import pytest

from conftest import SEEDS


@pytest.fixture
def read_only(tmp_path):
    """A function that copies files into a folder, then makes it read-only
    storage: a tmpfs remounted read-only, as root (a folder chmod made
    unwritable is not: its owner may write it, see test below)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("only root can mount a read-only tmpfs")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", folder]).returncode:
        pytest.skip("cannot mount a tmpfs to make read-only")

    def make(*files):
        for file in files:
            shutil.copy(file, folder / file.name)
        subprocess.run(["mount", "-o", "remount,ro", folder], check=True)
        return folder

    try:
        yield make
    finally:  # lazily: the tests' own connections may hold its files open still
        subprocess.run(["umount", "--lazy", folder], check=True)


def _checkpointed(db):
    """db, its write-ahead log written into it: a copy of the file alone is whole."""
    conn = sqlite3.connect(db)
    conn.execute("pragma wal_checkpoint(truncate)")
    conn.close()
    return db


def test_an_archive_on_read_only_storage_is_read(read_only, seeds_db, run):
    folder = read_only(_checkpointed(seeds_db))
    db = folder / "seeds.db"
    found = run("search", "--db", db, "--files", "القوات")
    assert found.exit_code == 0 and "07-forces-security.txt" in found.stdout, found.stderr
    assert run("search", "--db", db, "--count", "القوات").exit_code == 0
    shown = run("show", "--db", db, SEEDS / "07-forces-security.txt", "-p", "1")
    assert shown.exit_code == 0 and shown.stdout.strip(), shown.stderr
    assert run("stats", "--db", db).exit_code == 0
    assert run("forget", "--dry-run", "--db", db).exit_code == 0
    checked = run("check", "--db", db)
    assert checked.exit_code == 0, checked.stderr
    assert "read-only folder: FTS5's own check" in checked.stderr
    assert sorted(os.listdir(folder)) == ["seeds.db"]


@pytest.mark.parametrize("command", [["rebuild"], ["forget"], ["import", SEEDS]])
def test_writing_on_read_only_storage_says_why_not(read_only, seeds_db, run, command):
    result = run(*command, "--db", read_only(_checkpointed(seeds_db)) / "seeds.db")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("archive: error: "), lines
    assert "read-only" in lines[0].lower() or "permission denied" in lines[0].lower()


def test_a_write_ahead_log_without_its_shm_file_is_not_ignored(read_only, seeds_db, run):
    """Immutable would read the archive without the commits the log holds."""
    conn = sqlite3.connect(seeds_db)
    conn.execute("pragma wal_autocheckpoint = 0")
    conn.execute("update documents set title = 'في السجل' where id = 1")
    conn.commit()
    folder = read_only(seeds_db, seeds_db.parent / "seeds.db-wal")
    conn.close()
    result = run("stats", "--db", folder / "seeds.db")
    assert result.exit_code == 2 and "write-ahead log" in result.stderr, result.stderr


# Opens the archive as another user than its folder's owner (nobody, when
# run as root: modules imported first, as nobody may not read them).
_AS_ANOTHER_USER = """
import os, sys
from archive import db
if os.geteuid() == 0:
    os.setgid(65534)
    os.setuid(65534)
try:
    db.open_reader(sys.argv[1])
    print("opened")
except db.ArchiveError as error:
    print(error)
"""


@pytest.fixture
def not_ours(seeds_db):
    """A folder holding a copy of the seeds' archive (no -wal, no -shm) that
    the user opening it cannot write, on writable storage; and a folder
    that user can write, with a symlink to the archive."""
    top = tempfile.mkdtemp()  # not under pytest's, which only its owner may enter
    try:
        os.chmod(top, 0o755)
        shared, link = os.path.join(top, "shared"), os.path.join(top, "link")
        os.mkdir(shared)
        os.mkdir(link)
        os.chmod(link, 0o777)
        shutil.copy(_checkpointed(seeds_db), shared)
        os.symlink(os.path.join(shared, "seeds.db"), os.path.join(link, "seeds.db"))
        os.chmod(shared, 0o755 if os.geteuid() == 0 else 0o555)
        yield shared, link
    finally:
        os.chmod(os.path.join(top, "shared"), 0o755)
        shutil.rmtree(top)


def _opened_by_another_user(path) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", _AS_ANOTHER_USER, path], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("through", ["shared", "link"])
def test_an_archive_in_a_folder_not_ours_is_refused_not_read_unlocked(not_ours, through):
    """Its owner may import meanwhile: immutable=1 takes no locks and would
    read pages half written.  Through a symlink, the folder that counts is
    the real file's, where SQLite puts -wal and -shm."""
    shared, link = not_ours
    said = _opened_by_another_user(os.path.join(shared if through == "shared" else link, "seeds.db"))
    assert said.endswith(f"its folder {shared} is not writable by this user, "
                         "and SQLite needs to write its -shm file there"), said
    assert sorted(os.listdir(shared)) == ["seeds.db"]
