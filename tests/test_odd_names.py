"""Odd trees and names: folders thousands deep, paths past the system's
limit, names that are not UTF-8 or hold control characters, and paths as
NUL-terminated bytes for xargs -0."""

from __future__ import annotations

import os

import sqlite_utils
from archive.files import find_files

TEXT = "زرافة في الحديقة\n"


def summary(result):
    return result.stderr.strip().splitlines()[-1].split(": ", 1)[1]


def write_named(folder: bytes, names: list[bytes]) -> None:
    """Files of these names (bytes, as on disk) in folder, made if need be."""
    os.makedirs(folder, exist_ok=True)
    for name in names:
        with open(folder + b"/" + name, "w", encoding="utf-8") as f:
            f.write(TEXT)


def stored_paths(db):
    return sorted(row["path"] for row in sqlite_utils.Database(db).query("select path from documents"))


def deep_chain(top, depth, files_at, folder="d"):
    """top/d/d/.../d, depth folders deep, with f<level>.txt at the levels
    files_at names.  Made by relative steps: its paths may outgrow PATH_MAX."""
    here = os.getcwd()
    os.mkdir(top)
    os.chdir(top)
    try:
        for level in range(depth):
            if level in files_at:
                with open(f"f{level}.txt", "w", encoding="utf-8") as f:
                    f.write(f"زرافة المستوى {level}\n")
            os.mkdir(folder)
            os.chdir(folder)
    finally:
        os.chdir(here)


def remove_chain(top, folder="d"):
    """Remove a deep_chain without recursion (shutil.rmtree recurses)."""
    here = os.getcwd()
    os.chdir(top)
    depth = 0
    while os.path.isdir(folder):
        os.chdir(folder)
        depth += 1
    for level in range(depth, -1, -1):
        for name in os.listdir("."):
            os.unlink(name)
        os.chdir("..")
        os.rmdir(folder if level else top)
    os.chdir(here)


def test_a_tree_a_thousand_folders_deep_is_imported(run, tmp_path):
    top = tmp_path / "deep"
    deep_chain(top, 1000, {0, 500, 999})
    try:
        result = run("import", top, "--db", tmp_path / "a.db")
        assert result.exit_code == 0, result.stderr
        assert summary(result) == "3 added, 0 updated, 0 unchanged, 0 removed, 0 skipped, 0 failed; 3 paragraphs written"
        listed = run("search", "--db", tmp_path / "a.db", "--files", "--sort", "path", "زرافة").stdout.splitlines()
        assert [path.rsplit("/", 1)[1] for path in listed] == ["f999.txt", "f500.txt", "f0.txt"]
        assert listed[0] == "deep/" + "d/" * 999 + "f999.txt"
    finally:
        remove_chain(top)


def test_paths_past_the_system_limit_fail_with_a_reason(run, tmp_path):
    """Folders of long names, 30 deep: what the system can open is imported;
    the first folder past PATH_MAX, and a file whose name takes its path
    past it, fail, saying why."""
    top, folder = tmp_path / "deep", "d" * 199
    deep_chain(top, 30, {0, 5, 29}, folder)
    try:
        base = len(os.fsencode(top))
        level = (4095 - base) // 200  # the deepest folder the system can list
        inside = top.joinpath(*[folder] * level)
        long_name = "g" * (4100 - len(os.fsencode(inside)) - 1 - len(".txt")) + ".txt"
        fd = os.open(inside, os.O_RDONLY)
        try:
            os.close(os.open(long_name, os.O_WRONLY | os.O_CREAT, dir_fd=fd))
        finally:
            os.close(fd)
        result = run("import", top, "--db", tmp_path / "a.db")
        assert result.exit_code == 1
        failures = [line for line in result.stderr.splitlines() if line.startswith("archive: cannot import ")]
        assert len(failures) == 2, failures
        assert any(line.endswith(f"/{long_name}: path too long (4100 bytes; the system takes at most 4095)")
                   for line in failures)
        assert any("cannot list folder: path too long" in line for line in failures)
        fits = [n for n in (0, 5, 29) if base + 200 * n + len(f"/f{n}.txt") < 4096]
        assert fits == [0, 5]
        assert summary(result) == "2 added, 0 updated, 0 unchanged, 0 removed, 0 skipped, 2 failed; 2 paragraphs written"
    finally:
        remove_chain(top, folder)


def test_the_walk_keeps_its_order_and_rules(tmp_path):
    for name in ["b/z.txt", "a.txt", "b/a/y.txt", "c.txt", ".h/x.txt", "b/.x.txt", "a/q.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "b" / "link").symlink_to(tmp_path / "a")
    (tmp_path / "b" / "file-link.txt").symlink_to(tmp_path / "c.txt")
    found = [p.relative_to(tmp_path).as_posix() for p in find_files(tmp_path)]
    assert found == ["a.txt", "c.txt", "a/q.txt", "b/file-link.txt", "b/z.txt", "b/a/y.txt"]
