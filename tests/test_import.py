"""`archive import` on trees the tests write: incremental runs, choosing files,
encodings, and faults that must not stop the good files from coming in."""

from __future__ import annotations

import codecs
import json
import os

import pytest
import sqlite_utils

from archive import files, paragraphs

ARTICLE = "وزارة الصحة تطلق حملة جديدة\n\nأعلنت وزارة الصحة عن حملة تطعيم في المدارس.\n\nوقال المتحدث إن الحملة تستمر شهرا.\n"


def write_tree(root, names, text=ARTICLE):
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def documents(db_path):
    db = sqlite_utils.Database(db_path)
    return {os.path.basename(r["path"]): r for r in db.query("select * from documents")}


def paragraph_count(db_path):
    return sqlite_utils.Database(db_path)["paragraphs"].count


def summary(result):
    return result.stderr.strip().splitlines()[-1].split(": ", 1)[1]


def searched_words(run, db, word):
    result = run("search", "--db", db, "--json", word)
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    return {h["text"][s:e] for h in hits for s, e in h["matches"]}


def test_reimport_skips_unchanged_updates_changed_and_prunes(tmp_path, run):
    tree = tmp_path / "tree"
    write_tree(tree, ["a.txt", "b.txt", "c.txt", "sub/d.md"])
    db = tmp_path / "a.db"
    first = run("import", tree, "--db", db)
    assert first.exit_code == 0, first.output
    assert summary(first) == "4 added, 0 updated, 0 unchanged, 0 moved, 0 removed, 0 skipped, 0 failed; 12 paragraphs written"

    again = run("import", tree, "--db", db)
    assert summary(again).startswith("0 added, 0 updated, 4 unchanged, 0 moved, 0 removed")

    (tree / "a.txt").write_text("خبر جديد عن الاقتصاد\n", encoding="utf-8")
    os.utime(tree / "b.txt", ns=(1, 1))  # touched, same bytes
    (tree / "c.txt").unlink()
    # Not c.txt's text: a file with the text of a gone one is that one moved.
    write_tree(tree, ["e.txt"], text=ARTICLE.replace("شهرا", "أسبوعا"))
    ids_before = {name: row["id"] for name, row in documents(db).items()}
    third = run("import", tree, "--db", db, "--prune")
    assert summary(third) == "1 added, 1 updated, 2 unchanged, 0 moved, 1 removed, 0 skipped, 0 failed; 4 paragraphs written"
    after = documents(db)
    assert set(after) == {"a.txt", "b.txt", "d.md", "e.txt"}
    assert after["a.txt"]["id"] == ids_before["a.txt"]  # replaced in place
    assert after["a.txt"]["paragraphs"] == 1 and after["b.txt"]["mtime_ns"] == 1
    assert paragraph_count(db) == 1 + 3 + 3 + 3
    assert searched_words(run, db, "الاقتصاد") == {"الاقتصاد"}


def test_without_prune_documents_of_deleted_files_stay(tmp_path, run):
    tree = tmp_path / "tree"
    write_tree(tree, ["a.txt", "b.txt"])
    db = tmp_path / "a.db"
    run("import", tree, "--db", db)
    (tree / "a.txt").unlink()
    result = run("import", tree, "--db", db)
    assert summary(result).startswith("0 added, 0 updated, 1 unchanged, 0 moved, 0 removed")
    assert set(documents(db)) == {"a.txt", "b.txt"}


def test_prune_touches_only_the_imported_tree(tmp_path, run):
    write_tree(tmp_path / "news", ["a.txt"])
    write_tree(tmp_path / "news2", ["b.txt"])  # shares a prefix with news
    write_tree(tmp_path / "news" / "x", ["c.txt", "d.csv"])
    db = tmp_path / "a.db"
    run("import", tmp_path / "news", "--db", db)
    run("import", tmp_path / "news2", "--db", db)
    run("import", tmp_path / "news", "--db", db, "--glob", "*.csv")
    (tmp_path / "news2" / "b.txt").unlink()
    # Files still there but not taken this time (another --glob) are kept;
    # news2 is another tree, even though its name starts the same.
    result = run("import", tmp_path / "news", "--db", db, "--glob", "d.csv", "--prune")
    assert " 0 removed" in summary(result)
    assert set(documents(db)) == {"a.txt", "b.txt", "c.txt", "d.csv"}
    (tmp_path / "news" / "x" / "c.txt").unlink()
    result = run("import", tmp_path / "news", "--db", db, "--prune")
    assert " 1 removed" in summary(result)
    assert set(documents(db)) == {"a.txt", "b.txt", "d.csv"}


def test_glob_and_hidden_choose_files(tmp_path, run):
    tree = tmp_path / "tree"
    write_tree(tree, ["a.txt", "notes.csv", ".secret.txt", ".cache/b.txt", "noext"])
    db = tmp_path / "a.db"
    run("import", tree, "--db", db)
    assert set(documents(db)) == {"a.txt", "noext"}
    run("import", tree, "--db", db, "--glob", "*.csv", "--glob", ".cache/*", "--hidden")
    assert set(documents(db)) == {"a.txt", "noext", "notes.csv", "b.txt"}
    run("import", tree, "--db", db, "--hidden")
    assert ".secret.txt" in documents(db)


@pytest.mark.parametrize(
    "encoding, data",
    [
        ("cp1256", ARTICLE.encode("cp1256")),
        ("iso8859_6", ARTICLE.encode("iso8859_6")),
        ("utf-16", codecs.BOM_UTF16_LE + ARTICLE.encode("utf-16-le")),
        ("utf-16", codecs.BOM_UTF16_BE + ARTICLE.encode("utf-16-be")),
        ("utf-8-sig", codecs.BOM_UTF8 + ARTICLE.encode("utf-8")),
    ],
)
def test_encoded_arabic_files_become_searchable(tmp_path, run, encoding, data):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "article.txt").write_bytes(data)
    db = tmp_path / "a.db"
    result = run("import", tree, "--db", db)
    assert result.exit_code == 0, result.output
    assert documents(db)["article.txt"]["encoding"] == encoding
    assert searched_words(run, db, "حملة") == {"حملة", "الحملة"}
    assert searched_words(run, db, "المدارس") == {"المدارس"}


def test_a_latin_1_file_is_searchable_by_its_accented_words(tmp_path, run):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "es.txt").write_bytes("El niño de España comió ... Øresund Ångström.\n".encode("latin-1"))
    result = run("import", tree, "--db", tmp_path / "a.db")
    assert result.exit_code == 0 and "warning" not in result.stderr, result.output
    assert documents(tmp_path / "a.db")["es.txt"]["encoding"] == "cp1252"
    found = run("search", "--db", tmp_path / "a.db", "España")
    assert found.exit_code == 0 and "El niño de España comió" in found.stdout, found.output


def test_a_file_that_may_be_latin_or_arabic_is_imported_with_a_warning(tmp_path, run):
    tree = tmp_path / "tree"
    tree.mkdir()
    text = "El ni\u064co de Espa\u064ca comi\u064e en \u0637resund. وزارة الصحة تعلن الخبر.\n"
    (tree / "mixed.txt").write_bytes(text.encode("cp1256"))
    result = run("import", tree, "--db", tmp_path / "a.db")
    assert result.exit_code == 0, result.output
    assert f"archive: warning: {tree}/mixed.txt: read as cp1256, which may be wrong: 4 words would mix " \
        "Latin and Arabic letters, 4 words would be Arabic (--encoding cp1252 reads it otherwise)" in result.stderr


def test_forced_encoding_is_recorded_and_redecodes(tmp_path, run):
    tree = tmp_path / "tree"
    tree.mkdir()
    # Windows-1256 bytes read as ISO-8859-6 and then as the right page.
    (tree / "a.txt").write_bytes("قال «المتحدث» إن الحملة مستمرة".encode("cp1256"))
    db = tmp_path / "a.db"
    bad = run("import", tree, "--db", db, "--encoding", "iso8859_6")
    assert bad.exit_code == 1 and "cannot decode as iso8859_6" in bad.stderr
    good = run("import", tree, "--db", db, "--encoding", "cp1256")
    assert good.exit_code == 0 and documents(db)["a.txt"]["encoding"] == "cp1256"
    assert run("import", tree, "--db", db, "--encoding", "nonsense").exit_code == 2
    for codec in ("rot13", "base64"):  # codecs Python knows, but not of text
        refused = run("import", tree, "--db", db, "--encoding", codec)
        assert refused.exit_code == 2 and refused.stderr.strip().endswith(f"not a text encoding: {codec}")


def test_binary_files_are_skipped_and_counted(tmp_path, run):
    tree = tmp_path / "tree"
    write_tree(tree, ["good.txt"])
    (tree / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (tree / "program").write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100)
    db = tmp_path / "a.db"
    result = run("import", tree, "--db", db)
    assert result.exit_code == 0
    assert set(documents(db)) == {"good.txt"}
    assert summary(result).startswith("1 added, 0 updated, 0 unchanged, 0 moved, 0 removed, 2 skipped, 0 failed")
    assert "skipped" in result.stderr and "image.txt: binary file, not text" in result.stderr


def test_fault_matrix_imports_every_good_file(tmp_path, run, monkeypatch):
    tree = tmp_path / "tree"
    good = [f"good{i}.txt" for i in range(5)]
    write_tree(tree, good + ["vanishing.txt"])
    (tree / "dangling.txt").symlink_to(tree / "nowhere.txt")
    (tree / "loop1.txt").symlink_to(tree / "loop2.txt")
    (tree / "loop2.txt").symlink_to(tree / "loop1.txt")
    (tree / "folder-loop").symlink_to(tree)
    os.mkfifo(tree / "pipe.txt")
    (tree / "empty.txt").write_bytes(b"")
    # One line with no break at all, a few times the paragraph limit.
    sentence = "قال المتحدث إن الاجتماع انتهى دون اتفاق. "
    huge_text = sentence * (4 * paragraphs.MAX_PARAGRAPH_CHARS // len(sentence))
    (tree / "huge.txt").write_text(huge_text, encoding="utf-8")

    # A file removed after the walk listed it, before it is read.
    import archive.importer as importer

    real_carry_out = importer._ImportRun.carry_out

    def remove_then_import(self, plan, *args):
        if plan.path.name == "vanishing.txt":
            plan.path.unlink()
        return real_carry_out(self, plan, *args)

    monkeypatch.setattr(importer._ImportRun, "carry_out", remove_then_import)
    # Tests run as root, who can read anything: refuse one file the way a
    # file without read permission is refused.
    write_tree(tree, ["unreadable.txt"])
    real_open = os.open

    def open_refusing(path, *args, **kwargs):
        if os.fspath(path).endswith("unreadable.txt"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(files.os, "open", open_refusing)
    db = tmp_path / "a.db"
    result = run("import", tree, "--db", db)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    expected = {
        "vanishing.txt": "cannot import", "dangling.txt": "cannot import", "unreadable.txt": "cannot import",
        "loop1.txt": "cannot import", "loop2.txt": "cannot import",
        "pipe.txt": "skipped", "empty.txt": "warning:", "huge.txt": "warning:",
    }
    for name, label in expected.items():
        mentions = [line for line in lines if f"/{name}: " in line]
        assert len(mentions) == 1 and f"archive: {label} " in mentions[0], (name, lines)
    assert "vanished" in result.stderr and "dangling symlink" in result.stderr
    assert "symlink loop" in result.stderr and "not a regular file" in result.stderr
    assert "unreadable.txt: Permission denied" in result.stderr
    docs = documents(db)
    assert set(docs) == set(good) | {"empty.txt", "huge.txt"}
    assert docs["empty.txt"]["paragraphs"] == 0
    pieces = sqlite_utils.Database(db).execute(
        "select text from paragraphs where document_id = ? order by number", [docs["huge.txt"]["id"]]
    ).fetchall()
    assert len(pieces) >= 4
    assert all(len(text) <= paragraphs.MAX_PARAGRAPH_CHARS for (text,) in pieces)
    assert " ".join(text for (text,) in pieces) == huge_text.strip()
    assert len(docs["huge.txt"]["title"]) <= files.MAX_TITLE_CHARS + 1
    assert summary(result) == (
        f"7 added, 0 updated, 0 unchanged, 0 moved, 0 removed, 1 skipped, 5 failed; "
        f"{5 * 3 + len(pieces)} paragraphs written"
    )


def test_bad_folder_is_one_line_error_and_creates_nothing(tmp_path, run):
    result = run("import", tmp_path / "missing", "--db", tmp_path / "a.db")
    assert result.exit_code == 2
    assert result.stderr.startswith("archive: error: ") and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "a.db").exists()


def test_second_writer_is_refused_with_one_line(tmp_path, run):
    from archive.db import writer_lock

    write_tree(tmp_path / "tree", ["a.txt"])
    db = tmp_path / "a.db"
    with writer_lock(str(db)):
        result = run("import", tmp_path / "tree", "--db", db)
    assert result.exit_code == 2
    assert result.stderr.startswith("archive: error: ") and "busy" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert run("import", tmp_path / "tree", "--db", db).exit_code == 0
    # The same archive through a symlink, to it or to its folder, is as busy.
    (tmp_path / "link.db").symlink_to(db)
    (tmp_path / "folder").symlink_to(tmp_path)
    with writer_lock(str(db)):
        for alias in (tmp_path / "link.db", tmp_path / "folder" / "a.db"):
            result = run("import", tmp_path / "tree", "--db", alias)
            assert result.exit_code == 2 and "busy" in result.stderr, alias


def test_progress_bar_on_a_terminal_only(tmp_path):
    import pty
    import subprocess
    import sys

    write_tree(tmp_path / "tree", [f"a{i}.txt" for i in range(30)])
    command = [sys.executable, "-m", "archive", "import", str(tmp_path / "tree"), "--db", str(tmp_path / "a.db")]
    piped = subprocess.run(command, capture_output=True, text=True)
    assert piped.returncode == 0 and piped.stderr.count("\n") == 1 and "importing" not in piped.stderr

    # stderr on a pseudo-terminal: the bar is drawn, then the summary.
    leader, follower = pty.openpty()
    on_terminal = subprocess.Popen(command + ["--prune"], stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    output = b""
    while True:  # read as it runs: a full terminal buffer would stop the import
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    on_terminal.wait()
    text = output.decode()
    assert on_terminal.returncode == 0, text
    assert "importing" in text and "30/30" in text and "files/s" in text
    assert text.rstrip().endswith("0 added, 0 updated, 30 unchanged, 0 moved, 0 removed, 0 skipped, 0 failed; 0 paragraphs written")


def test_file_name_not_utf8_is_imported_with_the_rest(tmp_path):
    import subprocess
    import sys

    tree = tmp_path / "tree"
    write_tree(tree, ["good.txt"])
    with open(os.fsencode(tree) + b"/\xff\xfe-bad.txt", "wb") as f:
        f.write(ARTICLE.encode("utf-8"))
    db = tmp_path / "a.db"
    result = subprocess.run(
        [sys.executable, "-m", "archive", "import", str(tree), "--db", str(db)],
        capture_output=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 0, stderr
    assert summary_of(stderr) == "2 added, 0 updated, 0 unchanged, 0 moved, 0 removed, 0 skipped, 0 failed; 6 paragraphs written"
    assert set(documents(db)) == {"good.txt", "\\xff\\xfe-bad.txt"}


def summary_of(stderr):
    return stderr.strip().splitlines()[-1].split(": ", 1)[1]


@pytest.mark.parametrize(
    "schema",
    [
        "create table documents (id integer primary key, name text)",  # our table names, not ours
        "create table notes (id integer primary key, body text)",
    ],
)
def test_import_into_a_foreign_database_leaves_it_untouched(tmp_path, run, schema):
    import sqlite3

    foreign = tmp_path / "theirs.db"
    conn = sqlite3.connect(foreign)
    conn.execute(schema)
    conn.execute("insert into " + schema.split()[2] + " values (1, 'x')")
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    write_tree(tmp_path / "tree", ["a.txt"])
    result = run("import", tmp_path / "tree", "--db", foreign)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"archive: error: {foreign} is not an archive database"]
    assert foreign.read_bytes() == before
    conn = sqlite3.connect(foreign)
    assert conn.execute("pragma journal_mode").fetchone()[0] == "delete"
    conn.close()
    assert run("search", "--db", foreign, "x").exit_code == 2


def test_long_paragraph_of_short_lines_is_cut_with_a_warning(tmp_path, run):
    line = ("قال المتحدث إن الاجتماع انتهى دون اتفاق " * 3)[:99] + "،"  # no line ends its sentence: one paragraph
    text = "عنوان الخبر\n\n" + "\n".join([line] * 200) + "\n"
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "long.txt").write_text(text, encoding="utf-8")
    db = tmp_path / "a.db"
    result = run("import", tmp_path / "tree", "--db", db)
    assert result.exit_code == 0
    rows = [len(t) for (t,) in sqlite_utils.Database(db).execute("select text from paragraphs order by number")]
    assert len(rows) > 3 and max(rows) <= paragraphs.MAX_PARAGRAPH_CHARS
    assert f"long.txt: 1 paragraph longer than 10000 characters (the longest {200 * 101 - 1}): " in result.stderr


def test_forced_encoding_is_compared_by_codec_not_spelling(tmp_path, run):
    tree = tmp_path / "tree"
    write_tree(tree, ["a.txt"])
    db = tmp_path / "a.db"
    assert run("import", tree, "--db", db).exit_code == 0
    assert documents(db)["a.txt"]["encoding"] == "utf-8"
    for spelling in ("UTF8", "utf_8", "UTF-8"):
        again = run("import", tree, "--db", db, "--encoding", spelling)
        assert summary(again).startswith("0 added, 0 updated, 1 unchanged"), spelling
    forced = tmp_path / "b.db"
    assert run("import", tree, "--db", forced, "--encoding", "ISO-8859-6").exit_code == 1  # Arabic UTF-8 bytes
    assert run("import", tree, "--db", forced, "--encoding", "UTF8").exit_code == 0
    assert documents(forced)["a.txt"]["encoding"] == "utf-8"


def test_database_path_that_cannot_be_a_database_leaves_nothing_behind(tmp_path, run, monkeypatch):
    write_tree(tmp_path / "tree", ["a.txt"])
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo.db")
    cases = {
        "folder": "folder is a folder, not an archive database",
        "fifo.db": "fifo.db is not a regular file, so not an archive database",
        "missing/a.db": "missing/a.db: no such folder: missing",
    }
    before = sorted(os.listdir(tmp_path))
    for db, message in cases.items():
        for command in (["import", "tree", "--db", db], ["rebuild", "--db", db], ["search", "--db", db, "x"]):
            result = run(*command)
            assert (result.exit_code, result.stderr) == (2, f"archive: error: {message}\n"), command
        monkeypatch.setenv("ARCHIVE_DB", db)
        result = run("import", "tree")
        assert (result.exit_code, result.stderr) == (2, f"archive: error: {message}\n")
        monkeypatch.delenv("ARCHIVE_DB")
    assert sorted(os.listdir(tmp_path)) == before
    assert os.listdir(tmp_path / "folder") == []


def test_file_that_is_no_longer_text_loses_its_old_text(tmp_path, run):
    tree = tmp_path / "tree"
    write_tree(tree, ["a.txt", "b.txt", "c.txt"])
    db = tmp_path / "a.db"
    assert run("import", tree, "--db", db).exit_code == 0
    (tree / "a.txt").write_bytes(b"\x00\x01binary" * 100)
    (tree / "b.txt").unlink()
    os.mkfifo(tree / "b.txt")
    result = run("import", tree, "--db", db)  # no --prune: the files are still there
    assert result.exit_code == 0
    assert set(documents(db)) == {"c.txt"}
    assert paragraph_count(db) == 3
    assert summary(result).startswith("0 added, 0 updated, 1 unchanged, 0 moved, 2 removed, 2 skipped, 0 failed")
    assert "a.txt: binary file, not text; its earlier text is removed from the archive" in result.stderr
    assert run("search", "--db", db, "--count", "الحملة").stdout.endswith(" in 1 document\n")


def test_prune_under_a_folder_name_not_utf8_imports_it(tmp_path):
    import subprocess
    import sys

    folder = os.fsencode(tmp_path) + b"/bad\xff"
    os.mkdir(folder)
    with open(folder + b"/a.txt", "wb") as f:
        f.write(ARTICLE.encode("utf-8"))
    db = tmp_path / "a.db"
    result = subprocess.run(
        [sys.executable, "-m", "archive", "import", folder, "--db", str(db), "--prune"],
        capture_output=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    stderr = result.stderr.decode("utf-8")
    assert "Traceback" not in stderr and result.returncode == 0, stderr
    assert set(documents(db)) == {"a.txt"}


def test_file_in_a_folder_that_cannot_be_listed_is_taken_through_its_link(tmp_path, run, monkeypatch):
    tree = tmp_path / "tree"
    write_tree(tree, ["a/x.txt", "b/f.txt"])
    (tree / "a" / "l.txt").symlink_to(tree / "b" / "f.txt")
    real_scandir = os.scandir

    def scandir_refusing(path="."):
        if os.fspath(path) == str(tree / "b"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    # As a folder without read permission would be (tests run as root).
    monkeypatch.setattr(os, "scandir", scandir_refusing)
    db = tmp_path / "a.db"
    result = run("import", tree, "--db", db)
    assert result.exit_code == 1 and "cannot list folder" in result.stderr
    assert set(documents(db)) == {"x.txt", "f.txt"}
    assert documents(db)["f.txt"]["path"] == str(tree / "b" / "f.txt")


def test_a_utf_8_file_with_a_bad_byte_is_read_as_utf_8_with_a_warning(tmp_path, run):
    """Not as Windows-1256 mojibake that no search finds: the byte is
    replaced, and the import says so."""
    folder = tmp_path / "tree"
    folder.mkdir()
    (folder / "a.txt").write_bytes("مذبحة حوثية في عدن\n".encode() + b"\xff" + "والمقاومة تزحف\n".encode())
    db = tmp_path / "a.db"
    result = run("import", folder, "--db", db)
    assert result.exit_code == 0, result.output
    assert "a.txt: 1 byte sequence not utf-8: read as \ufffd" in result.stderr
    assert documents(db)["a.txt"]["encoding"] == "utf-8"
    found = run("search", "--db", db, "--json", "حوثية")
    assert found.exit_code == 0 and "a.txt" in found.stdout
    # A file holding U+FFFD itself, as UTF-8 writes it, is not warned about.
    (folder / "b.txt").write_text("علامة \ufffd في النص\n", encoding="utf-8")
    result = run("import", folder, "--db", db)
    assert result.exit_code == 0 and "b.txt" not in result.stderr, result.output


@pytest.mark.parametrize("stop_at, said", [
    (5, "interrupted: 4 documents this import added or updated are in the archive; "
        "run the same import again to finish the rest"),
    (1, "interrupted before this import wrote any document; run the same import again to finish the rest"),
])
def test_an_interrupted_import_says_what_it_kept(tmp_path, run, monkeypatch, stop_at, said):
    """Ctrl-C keeps the batches committed: the message says how many
    documents that is, and that the same command finishes the rest."""
    from archive import importer

    write_tree(tmp_path / "tree", [f"{n}.txt" for n in range(6)])
    monkeypatch.setattr(importer, "BATCH_DOCUMENTS", 2)
    carry_out, calls = importer._ImportRun.carry_out, []

    def stopped(self, plan, take):
        calls.append(plan)
        if len(calls) == stop_at:
            raise KeyboardInterrupt
        return carry_out(self, plan, take)

    monkeypatch.setattr(importer._ImportRun, "carry_out", stopped)
    result = run("import", "tree", "--db", "a.db")
    assert (result.exit_code, result.stderr) == (2, f"archive: error: {said}\n")
    assert len(documents(tmp_path / "a.db")) == stop_at - 1
    monkeypatch.setattr(importer._ImportRun, "carry_out", carry_out)
    assert summary(run("import", "tree", "--db", "a.db")).startswith(f"{7 - stop_at} added, 0 updated, {stop_at - 1} unchanged")
