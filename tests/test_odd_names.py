"""Odd trees and names: folders thousands deep, paths past the system's
limit, names that are not UTF-8 or hold control characters, and paths as
NUL-terminated bytes for xargs -0."""

from __future__ import annotations

import os
import unicodedata

import sqlite_utils
from hypothesis import given
from hypothesis import strategies as st

from archive import paths
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
        assert summary(result) == "3 added, 0 updated, 0 unchanged, 0 moved, 0 removed, 0 skipped, 0 failed; 3 paragraphs written"
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
        assert summary(result) == "2 added, 0 updated, 0 unchanged, 0 moved, 0 removed, 0 skipped, 2 failed; 2 paragraphs written"
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


def test_a_name_not_utf8_is_imported_kept_shown_and_pruned(tmp_path, run):
    tree = os.fsencode(tmp_path / "tree")
    write_named(tree, [b"good.txt", b"bad\xff\xfe.txt"])
    db = tmp_path / "a.db"
    result = run("import", "tree", "--db", db)
    assert result.exit_code == 0, result.stderr
    assert summary(result) == "2 added, 0 updated, 0 unchanged, 0 moved, 0 removed, 0 skipped, 0 failed; 2 paragraphs written"
    assert stored_paths(db) == [f"{tmp_path}/tree/bad\\xff\\xfe.txt", f"{tmp_path}/tree/good.txt"]
    again = run("import", "tree", "--db", db)
    assert summary(again).startswith("0 added, 0 updated, 2 unchanged, 0 moved, 0 removed")
    listed = run("search", "--db", db, "--files", "--sort", "path", "زرافة").stdout
    assert listed == "tree/bad\\xff\\xfe.txt\ntree/good.txt\n"
    for typed in ("tree/bad\\xff\\xfe.txt", os.fsdecode(tree + b"/bad\xff\xfe.txt")):
        shown = run("show", "--db", db, typed)
        assert shown.exit_code == 0, shown.stderr
        assert shown.stdout == "   1  زرافة في الحديقة\n"
    os.unlink(tree + b"/bad\xff\xfe.txt")
    pruned = run("import", "tree", "--db", db, "--prune")
    assert summary(pruned).startswith("0 added, 0 updated, 1 unchanged, 0 moved, 1 removed")
    assert stored_paths(db) == [f"{tmp_path}/tree/good.txt"]


def test_a_folder_not_utf8_is_imported_and_pruned(tmp_path, run):
    folder = os.fsencode(tmp_path) + b"/bad\xff"
    write_named(folder, [b"a.txt", b"b.txt"])
    db = tmp_path / "a.db"
    assert run("import", os.fsdecode(folder), "--db", db).exit_code == 0
    os.unlink(folder + b"/b.txt")
    pruned = run("import", os.fsdecode(folder), "--db", db, "--prune")
    assert summary(pruned).startswith("0 added, 0 updated, 1 unchanged, 0 moved, 1 removed")
    assert stored_paths(db) == [f"{tmp_path}/bad\\xff/a.txt"]


CONTROL_NAMES = {
    "new\nline.txt": "new\\nline.txt",
    "tab\there.txt": "tab\\there.txt",
    "esc\x1b[31mred.txt": "esc\\x1b[31mred.txt",
    "del\x7f.txt": "del\\x7f.txt",
    "c1\x9b.txt": "c1\\xc2\\x9b.txt",
    "back\\slash.txt": "back\\\\slash.txt",
    "tab\\tlike.txt": "tab\\\\tlike.txt",  # a real backslash and t: not the tab above
}


def test_control_characters_print_escaped_and_show_takes_them_back(tmp_path, run):
    (tmp_path / "tree").mkdir()
    for number, name in enumerate(CONTROL_NAMES):
        (tmp_path / "tree" / name).write_text(f"زرافة رقم {number}\n", encoding="utf-8")
    db = tmp_path / "a.db"
    assert run("import", "tree", "--db", db).exit_code == 0
    hits = run("search", "--db", db, "--sort", "path", "--limit", "50", "زرافة").stdout
    assert "\x1b" not in hits and "\x7f" not in hits and "\x9b" not in hits and "\t" not in hits
    locations = sorted(line for line in hits.splitlines() if line.startswith("tree/"))
    assert locations == sorted(f"tree/{printed}:1" for printed in CONTROL_NAMES.values())
    listed = run("search", "--db", db, "--files", "--limit", "50", "زرافة").stdout.splitlines()
    assert sorted(listed) == sorted(f"tree/{printed}" for printed in CONTROL_NAMES.values())
    for number, (name, printed) in enumerate(CONTROL_NAMES.items()):
        for typed in (f"tree/{printed}", f"tree/{name}"):
            shown = run("show", "--db", db, typed)
            assert shown.stdout == f"   1  زرافة رقم {number}\n", (typed, shown.stderr)
    missing = run("show", "--db", db, "tree/nope\x1b.txt")
    assert missing.exit_code == 2 and "\x1b" not in missing.stderr
    assert "tree/nope\\x1b.txt is not in the archive" in missing.stderr


def test_files_null_prints_raw_names_each_ended_by_nul(tmp_path, run):
    tree = os.fsencode(tmp_path / "tree")
    names = [b"bad\xff.txt", b"new\nline.txt", b"back\\slash.txt", b"plain.txt"]
    write_named(tree, names)
    db = tmp_path / "a.db"
    assert run("import", "tree", "--db", db).exit_code == 0
    for option in ("-0", "--null"):
        result = run("search", "--db", db, "--files", option, "زرافة")
        assert result.exit_code == 0
        assert result.stdout_bytes.endswith(b"\0")
        assert sorted(result.stdout_bytes.split(b"\0")[:-1]) == sorted(b"tree/" + name for name in names)
    refused = run("search", "--db", db, "--null", "زرافة")
    assert refused.exit_code == 2 and "--null" in refused.stderr


def test_a_path_stored_raw_before_is_rewritten_not_doubled(tmp_path, run):
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "tab\there.txt").write_text(TEXT, encoding="utf-8")
    db = tmp_path / "a.db"
    assert run("import", "tree", "--db", db).exit_code == 0
    # As archives stored it before paths were stored printable.
    sqlite_utils.Database(db).execute("update documents set path = ?", [f"{tmp_path}/tree/tab\there.txt"]).connection.commit()
    result = run("import", "tree", "--db", db, "--prune")
    assert summary(result).startswith("0 added, 0 updated, 1 unchanged, 0 moved, 0 removed")
    assert stored_paths(db) == [f"{tmp_path}/tree/tab\\there.txt"]


@given(st.lists(st.binary(min_size=1, max_size=12).filter(lambda b: b"\0" not in b and b"/" not in b), min_size=2))
def test_printed_names_are_one_line_and_give_the_name_back(names):
    printed = [paths.printable(os.fsdecode(name)) for name in names]
    for name, text in zip(names, printed):
        assert not any(unicodedata.category(c) == "Cc" or c in "\u2028\u2029" for c in text)
        assert text.encode("utf-8")  # no surrogates left
        assert os.fsencode(paths.from_printable(text)) == name
    assert len(set(printed)) == len(set(names))


def test_path_globs_find_odd_names_typed_printed_or_raw(tmp_path, run, monkeypatch):
    folder = os.fsencode(tmp_path) + b"/here\xff"
    write_named(folder, [b"tab\tone.txt", b"two.txt"])
    db = tmp_path / "a.db"
    assert run("import", os.fsdecode(folder), "--db", db).exit_code == 0
    monkeypatch.chdir(os.fsdecode(folder))  # a working directory that is not UTF-8
    for glob in ("./tab\\t*", "./tab\t*", "tab\\to*"):
        result = run("search", "--db", db, "--files", "--path", glob, "زرافة")
        assert result.stdout == "tab\\tone.txt\n", (glob, result.stderr)
