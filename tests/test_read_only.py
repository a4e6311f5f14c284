"""An archive in a folder nothing may write (read-only storage): searches,
show, stats and check read it; the commands that write say why they cannot."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess

import pytest

from conftest import SEEDS


@pytest.fixture
def read_only(tmp_path):
    """A function that copies files into a folder, then makes it read-only:
    a tmpfs remounted read-only as root (chmod stops no root), else chmod."""
    folder = tmp_path / "ro"
    folder.mkdir()
    root = os.geteuid() == 0
    if root and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", folder]).returncode:
        pytest.skip("cannot mount a tmpfs to make read-only")

    def make(*files):
        for file in files:
            shutil.copy(file, folder / file.name)
        if root:
            subprocess.run(["mount", "-o", "remount,ro", folder], check=True)
        else:
            folder.chmod(0o555)
        return folder

    try:
        yield make
    finally:
        if root:  # lazily: the tests' own connections may hold its files open still
            subprocess.run(["umount", "--lazy", folder], check=True)
        else:
            folder.chmod(0o755)


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
