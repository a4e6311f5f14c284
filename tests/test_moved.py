"""Moved and renamed files (issue 18): an import finds a gone document's file
at its new place and moves the document; `archive forget` removes the
documents whose files are gone."""

from __future__ import annotations

import json
import os
import shutil

import sqlite_utils

from archive import importer, pipeline
from archive.db import writer_lock
from conftest import SEEDS

ARTICLE = "وزارة الصحة تطلق حملة جديدة\n\nأعلنت وزارة الصحة عن حملة تطعيم في المدارس.\n\nوقال المتحدث إن الحملة تستمر شهرا.\n"
OTHER = "الزرافة في حديقة الحيوان\n\nولدت زرافة صغيرة في الحديقة هذا الأسبوع.\n"


def summary(result) -> str:
    return result.stderr.strip().splitlines()[-1].split(": ", 1)[1]


def contents(db_path) -> dict[str, list[tuple[int, str]]]:
    """Each document's path and its paragraphs (id, text): what a move keeps."""
    db = sqlite_utils.Database(db_path)
    found: dict[str, list[tuple[int, str]]] = {}
    for row in db.query(
        "select d.path, p.id, p.text from documents d left join paragraphs p on p.document_id = d.id "
        "order by d.path, p.number"
    ):
        found.setdefault(row["path"], [])
        if row["id"] is not None:
            found[row["path"]].append((row["id"], row["text"]))
    return found


def moved_keys(found: dict, old: str, new: str) -> dict:
    return {path.replace(old, new, 1): paragraphs for path, paragraphs in found.items()}


def hit_paths(run, db, *words) -> list[str]:
    result = run("search", "--db", db, "--json", "--show-duplicates", *words)
    return [json.loads(line)["path"] for line in result.stdout.splitlines()]


def checked(run, db) -> None:
    result = run("check", "--db", db)
    assert result.exit_code == 0, result.output


def write(path, text=ARTICLE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_moved_folder_moves_its_documents(tmp_path, run):
    shutil.copytree(SEEDS, tmp_path / "mv1")
    db = tmp_path / "a.db"
    assert run("import", "mv1", "--db", db).exit_code == 0
    before = contents(db)
    (tmp_path / "mv1").rename(tmp_path / "mv2")

    result = run("import", "mv2", "--db", db, "--prune")
    assert result.exit_code == 0, result.output
    files = len(before)
    assert summary(result) == (
        f"0 added, 0 updated, 0 unchanged, {files} moved, 0 removed, 0 skipped, 0 failed; 0 paragraphs written"
    )
    # The same documents, paragraphs and paragraph ids, at the new paths only.
    assert contents(db) == moved_keys(before, str(tmp_path / "mv1"), str(tmp_path / "mv2"))
    paths = hit_paths(run, db, "القوات")
    assert paths and all(path.startswith(str(tmp_path / "mv2") + os.sep) for path in paths)
    checked(run, db)

    again = run("import", "mv2", "--db", db, "--prune")
    assert summary(again).startswith(f"0 added, 0 updated, {files} unchanged, 0 moved, 0 removed")
    gone = run("import", "mv1", "--db", db, "--prune")
    assert gone.exit_code == 2
    assert gone.stderr.strip().splitlines() == [
        f"archive: error: mv1: no such folder; to remove its documents from the archive: archive forget mv1 --db {db}"
    ]


def test_a_moved_folder_is_not_analyzed_ahead(tmp_path, run, monkeypatch):
    """mv keeps size and mtime: such a file is read by the importer itself
    (to compare its content), not sent to the worker to be analyzed."""
    monkeypatch.setattr(pipeline, "PREFETCH_MIN_FILES", 1)
    monkeypatch.setattr(pipeline, "PREFETCH_WINDOW", 2)
    ahead = []  # the files read ahead, by the worker or by the importer for it
    send, prepare = pipeline._Worker.send, pipeline._prepare

    def sent(worker, number, path, encoding):
        ahead.append(path)
        send(worker, number, path, encoding)

    def prepared(path, encoding):
        ahead.append(path)
        return prepare(path, encoding)

    monkeypatch.setattr(pipeline._Worker, "send", sent)
    monkeypatch.setattr(pipeline, "_prepare", prepared)
    shutil.copytree(SEEDS, tmp_path / "mv1")
    db = tmp_path / "a.db"
    assert run("import", "mv1", "--db", db).exit_code == 0
    assert ahead  # the worker did read the first import
    ahead.clear()
    (tmp_path / "mv1").rename(tmp_path / "mv2")

    result = run("import", "mv2", "--db", db)
    assert summary(result).startswith(f"0 added, 0 updated, 0 unchanged, {len(list(SEEDS.iterdir()))} moved")
    assert ahead == []
    checked(run, db)


def test_a_renamed_file_keeps_its_document(tmp_path, run):
    write(tmp_path / "tree" / "a.txt")
    write(tmp_path / "tree" / "b.txt", OTHER)
    db = tmp_path / "a.db"
    assert run("import", "tree", "--db", db).exit_code == 0
    before = contents(db)
    os.rename(tmp_path / "tree" / "a.txt", tmp_path / "tree" / "renamed.txt")

    result = run("import", "tree", "--db", db)  # no --prune needed
    assert summary(result).startswith("0 added, 0 updated, 1 unchanged, 1 moved, 0 removed")
    assert contents(db) == moved_keys(before, str(tmp_path / "tree" / "a.txt"), str(tmp_path / "tree" / "renamed.txt"))
    assert hit_paths(run, db, "التطعيم") == [str(tmp_path / "tree" / "renamed.txt")]
    checked(run, db)


def test_a_copy_is_a_document_of_its_own(tmp_path, run):
    write(tmp_path / "tree" / "a.txt")
    db = tmp_path / "a.db"
    assert run("import", "tree", "--db", db).exit_code == 0
    shutil.copy2(tmp_path / "tree" / "a.txt", tmp_path / "tree" / "copy.txt")

    result = run("import", "tree", "--db", db)
    assert summary(result).startswith("1 added, 0 updated, 1 unchanged, 0 moved, 0 removed")
    assert sorted(hit_paths(run, db, "التطعيم")) == [str(tmp_path / "tree" / name) for name in ("a.txt", "copy.txt")]
    checked(run, db)


def test_gone_and_new_files_of_one_text_pair_one_to_one(tmp_path, run):
    for name in ("x1.txt", "x2.txt"):
        write(tmp_path / "old" / name)
    for number in range(10):  # copies that stay: never taken
        write(tmp_path / "keep" / f"k{number}.txt")
    db = tmp_path / "a.db"
    assert run("import", "old", "--db", db).exit_code == 0
    assert run("import", "keep", "--db", db).exit_code == 0
    before = contents(db)
    shutil.rmtree(tmp_path / "old")
    for name in ("y1.txt", "y2.txt", "y3.txt"):
        write(tmp_path / "new" / name)

    result = run("import", "new", "--db", db)
    assert summary(result).startswith("1 added, 0 updated, 0 unchanged, 2 moved, 0 removed")
    after = contents(db)
    new = [str(tmp_path / "new" / name) for name in ("y1.txt", "y2.txt", "y3.txt")]
    assert sorted(after) == sorted([path for path in before if "/keep/" in path] + new)
    # The two moved kept their paragraph rows, the third is a new document.
    assert [after[new[0]], after[new[1]]] == [before[str(tmp_path / "old" / name)] for name in ("x1.txt", "x2.txt")]
    assert not set(after[new[2]]) & {row for rows in before.values() for row in rows}
    checked(run, db)


def test_a_file_replaced_by_a_folder_or_a_symlink_is_gone(tmp_path, run):
    """Renamed, with a folder made where it was: still a move.  A file
    replaced by a symlink: its document is gone (stored paths have no
    symlink, the file it names is imported under its own path)."""
    write(tmp_path / "tree" / "a.txt")
    write(tmp_path / "tree" / "b.txt", OTHER)
    write(tmp_path / "elsewhere" / "c.txt", OTHER.replace("الأسبوع", "الشهر"))
    db = tmp_path / "a.db"
    assert run("import", "tree", "--db", db).exit_code == 0
    os.rename(tmp_path / "tree" / "a.txt", tmp_path / "tree" / "renamed.txt")
    (tmp_path / "tree" / "a.txt").mkdir()
    result = run("import", "tree", "--db", db, "--prune")
    assert summary(result).startswith("0 added, 0 updated, 1 unchanged, 1 moved, 0 removed")
    assert hit_paths(run, db, "التطعيم") == [str(tmp_path / "tree" / "renamed.txt")]
    (tmp_path / "tree" / "b.txt").unlink()
    (tmp_path / "tree" / "b.txt").symlink_to(tmp_path / "elsewhere" / "c.txt")
    assert run("forget", "--db", db, "--dry-run").stdout.splitlines() == ["tree/b.txt"]
    run("import", "tree", "--db", db, "--prune")
    assert set(hit_paths(run, db, "زرافة")) == {str(tmp_path / "elsewhere" / "c.txt")}
    checked(run, db)


def test_forget_lists_with_dry_run_then_removes(tmp_path, run):
    write(tmp_path / "tree" / "a.txt")
    write(tmp_path / "tree" / "b.txt", OTHER)
    write(tmp_path / "tree" / "sub" / "c.txt", OTHER.replace("الأسبوع", "الشهر"))
    db = tmp_path / "a.db"
    assert run("import", "tree", "--db", db).exit_code == 0
    (tmp_path / "tree" / "b.txt").unlink()
    shutil.rmtree(tmp_path / "tree" / "sub")
    before = contents(db)

    dry = run("forget", "--db", db, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines() == ["tree/b.txt", "tree/sub/c.txt"]
    assert summary(dry) == "2 to remove (dry run: nothing changed), 1 kept, 0 failed"
    assert contents(db) == before

    result = run("forget", "--db", db)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["tree/b.txt", "tree/sub/c.txt"]
    assert summary(result) == "2 removed, 1 kept, 0 failed"
    assert list(contents(db)) == [str(tmp_path / "tree" / "a.txt")]
    assert hit_paths(run, db, "زرافة") == []
    checked(run, db)
    assert summary(run("forget", "--db", db)) == "0 removed, 1 kept, 0 failed"


def test_forget_a_folder_that_is_gone(tmp_path, run):
    write(tmp_path / "mv1" / "a.txt")
    write(tmp_path / "keep" / "b.txt", OTHER)
    write(tmp_path / "keep" / "c.txt", OTHER.replace("الأسبوع", "الشهر"))
    db = tmp_path / "a.db"
    for folder in ("mv1", "keep"):
        assert run("import", folder, "--db", db).exit_code == 0
    shutil.rmtree(tmp_path / "mv1")
    (tmp_path / "keep" / "c.txt").unlink()

    result = run("forget", "mv1", "--db", db)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["mv1/a.txt"]
    assert summary(result) == "1 removed, 0 kept, 0 failed"
    # Only under the folder: keep/c.txt is gone too, but stays.
    assert sorted(contents(db)) == [str(tmp_path / "keep" / name) for name in ("b.txt", "c.txt")]
    checked(run, db)

    nothing = run("forget", "nowhere", "--db", db)
    assert nothing.exit_code == 0
    assert f"archive: warning: no document in {db} is under nowhere" in nothing.stderr


def test_forget_keeps_a_document_it_cannot_check(tmp_path, run):
    write(tmp_path / "tree" / "loop" / "a.txt")
    db = tmp_path / "a.db"
    assert run("import", "tree", "--db", db).exit_code == 0
    # The file's folder becomes a symlink to itself: lstat of the file fails
    # with "too many levels of symbolic links", not "no such file".
    shutil.rmtree(tmp_path / "tree" / "loop")
    os.symlink("loop", tmp_path / "tree" / "loop")
    before = contents(db)

    result = run("forget", "--db", db)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "archive: cannot check tree/loop/a.txt: symlink loop"
    assert summary(result) == "0 removed, 0 kept, 1 failed"
    assert contents(db) == before
    # Nor does an import take it as moved.
    write(tmp_path / "elsewhere" / "a.txt")
    moved = run("import", "elsewhere", "--db", db)
    assert summary(moved).startswith("1 added, 0 updated, 0 unchanged, 0 moved")


def test_forget_takes_the_writer_lock_a_dry_run_does_not(tmp_path, run):
    write(tmp_path / "tree" / "a.txt")
    db = tmp_path / "a.db"
    assert run("import", "tree", "--db", db).exit_code == 0
    (tmp_path / "tree" / "a.txt").unlink()
    with writer_lock(str(db)):  # as an import or rebuild running
        busy = run("forget", "--db", db)
        dry = run("forget", "--db", db, "--dry-run")
    assert busy.exit_code == 2 and "is busy: another import or rebuild is writing it" in busy.stderr
    assert dry.exit_code == 0 and dry.stdout.splitlines() == ["tree/a.txt"]
    assert list(contents(db)) == [str(tmp_path / "tree" / "a.txt")]


def test_a_move_cut_short_is_finished_by_the_next_import(tmp_path, run, monkeypatch):
    shutil.copytree(SEEDS, tmp_path / "mv1")
    db = tmp_path / "a.db"
    assert run("import", "mv1", "--db", db).exit_code == 0
    before = contents(db)
    (tmp_path / "mv1").rename(tmp_path / "mv2")
    monkeypatch.setattr(importer, "BATCH_DOCUMENTS", 2)
    moves = []
    original = importer._ImportRun._moved

    def dies_on_fifth(self, doc):
        moves.append(doc.path)
        if len(moves) == 5:
            raise KeyboardInterrupt
        return original(self, doc)

    monkeypatch.setattr(importer._ImportRun, "_moved", dies_on_fifth)
    assert run("import", "mv2", "--db", db).exit_code != 0
    # The two batches committed moved four documents; nothing else changed.
    halfway = contents(db)
    assert len(halfway) == len(before) and sum("/mv2/" in path for path in halfway) == 4
    assert moved_keys(halfway, str(tmp_path / "mv2"), str(tmp_path / "mv1")) == before
    checked(run, db)

    monkeypatch.setattr(importer._ImportRun, "_moved", original)
    result = run("import", "mv2", "--db", db)
    assert summary(result).startswith(f"0 added, 0 updated, 4 unchanged, {len(before) - 4} moved, 0 removed")
    assert contents(db) == moved_keys(before, str(tmp_path / "mv1"), str(tmp_path / "mv2"))


def test_only_documents_from_before_the_run_are_looked_for_as_moved(tmp_path, run, monkeypatch):
    """A document the run itself added had its file a moment ago: copies of
    a text (same size, mtime and content) never make it look for one gone."""
    for n in range(3):
        write(tmp_path / "tree" / f"copy{n}.txt")
        os.utime(tmp_path / "tree" / f"copy{n}.txt", ns=(1_000_000_000, 1_000_000_000))
    looked = []
    monkeypatch.setattr(importer, "surely_gone", lambda path: looked.append(path) or False)
    db = tmp_path / "a.db"
    assert run("import", tmp_path / "tree", "--db", db).exit_code == 0
    assert looked == []
    assert summary(run("import", tmp_path / "tree", "--db", db)) == (
        "0 added, 0 updated, 3 unchanged, 0 moved, 0 removed, 0 skipped, 0 failed; 0 paragraphs written"
    )
    # One more copy: the three from before are its candidates, all there.
    write(tmp_path / "tree" / "copy3.txt")
    os.utime(tmp_path / "tree" / "copy3.txt", ns=(1_000_000_000, 1_000_000_000))
    assert run("import", tmp_path / "tree", "--db", db).exit_code == 0
    assert sorted({os.path.basename(path) for path in looked}) == ["copy0.txt", "copy1.txt", "copy2.txt"]
