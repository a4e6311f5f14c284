"""A folder's --fields pattern follows its documents when an import finds
them moved (moved_fields.py): a renamed folder or parent, a sub-folder moved
out; a pattern of the new place's own, or given to the import, wins."""

import sqlite_utils

from test_fields import PATTERN, documents, write_corpus

OKAZ = "2015-07-21_okaz_00001.txt"


def patterns(tmp_path) -> dict[str, str]:
    db = sqlite_utils.Database(tmp_path / "news.db")
    return {row["folder"]: row["pattern"] for row in db["field_patterns"].rows}


def imported(run, folder, *options):
    result = run("import", folder, "--db", "news.db", *options)
    assert result.exit_code == 0, result.output
    return result.stderr.splitlines()[-1]


def sources(tmp_path) -> set:
    return {row["source"] for row in documents(tmp_path).values()}


def test_a_renamed_folder_takes_its_pattern_along(run, tmp_path):
    write_corpus(tmp_path / "old")
    imported(run, "old", "--fields", PATTERN)
    (tmp_path / "old").rename(tmp_path / "new")
    said = imported(run, "new")
    assert f"the pattern of {tmp_path}/old went with its documents to {tmp_path}/new" in said, said
    assert "lost" not in said
    assert patterns(tmp_path) == {f"{tmp_path}/new": PATTERN}
    assert sources(tmp_path) == {"okaz", "alriyadh", "aawsat"}
    result = run("search", "--db", "news.db", "الرياض", "--where", "source=aawsat", "--files")
    assert result.exit_code == 0 and result.stdout.count("source=aawsat") == 2, result.output
    # A file added to the moved folder gets the pattern too, on later imports.
    (tmp_path / "new" / "2015-09-09_alwatan_00007.txt").write_text("الرياض جديد\n", encoding="utf-8")
    imported(run, "new")
    assert documents(tmp_path)["2015-09-09_alwatan_00007.txt"]["source"] == "alwatan"


def test_a_renamed_parent_takes_each_folders_pattern_to_its_new_place(run, tmp_path):
    (tmp_path / "a").mkdir()
    write_corpus(tmp_path / "a" / "news")
    write_corpus(tmp_path / "a" / "news" / "sub", {"2015-10-01_sabq_9.txt": "الرياض"})
    imported(run, "a/news", "--fields", PATTERN)
    imported(run, "a/news/sub", "--fields", "{date}_{source}_*")
    (tmp_path / "a").rename(tmp_path / "b")
    said = imported(run, "b")
    assert "lost" not in said, said
    assert patterns(tmp_path) == {f"{tmp_path}/b/news": PATTERN, f"{tmp_path}/b/news/sub": "{date}_{source}_*"}
    assert documents(tmp_path)["2015-10-01_sabq_9.txt"]["n"] is None  # sub's own pattern, still
    assert sources(tmp_path) == {"okaz", "alriyadh", "aawsat", "sabq"}


def test_a_sub_folder_moved_out_gets_a_copy_of_the_pattern(run, tmp_path):
    write_corpus(tmp_path / "news")
    write_corpus(tmp_path / "news" / "sub", {"2015-10-01_sabq_9.txt": "الرياض"})
    imported(run, "news", "--fields", PATTERN)
    (tmp_path / "news" / "sub").rename(tmp_path / "sub")
    said = imported(run, "sub")
    assert f"the pattern of {tmp_path}/news applies to {tmp_path}/sub too, where 1 of its documents moved" in said
    assert patterns(tmp_path) == {f"{tmp_path}/news": PATTERN, f"{tmp_path}/sub": PATTERN}
    assert documents(tmp_path)["2015-10-01_sabq_9.txt"]["source"] == "sabq"


def test_a_pattern_given_to_the_new_place_wins_and_the_gone_one_is_forgotten(run, tmp_path):
    write_corpus(tmp_path / "old")
    imported(run, "old", "--fields", PATTERN)
    (tmp_path / "old").rename(tmp_path / "new")
    said = imported(run, "new", "--fields", "{date}_*")
    assert f"the pattern of {tmp_path}/old, which is gone, is forgotten" in said, said
    assert patterns(tmp_path) == {f"{tmp_path}/new": "{date}_*"}
    assert sources(tmp_path) == {None}
    assert documents(tmp_path)[OKAZ]["date"] == "2015-07-21"


def test_no_pattern_follows_into_a_folder_of_other_documents_but_the_message_says_how(run, tmp_path):
    write_corpus(tmp_path / "news")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("ملاحظات\n", encoding="utf-8")
    imported(run, "news", "--fields", PATTERN)
    imported(run, "other")
    (tmp_path / "news" / OKAZ).rename(tmp_path / "other" / OKAZ)
    said = imported(run, "other")
    assert said.endswith(
        f"1 document moved from {tmp_path}/news to {tmp_path}/other lost the fields of its pattern "
        f"(archive import {tmp_path}/other --fields '{PATTERN}' gives them back)"
    ), said
    assert documents(tmp_path)[OKAZ]["source"] is None
    assert patterns(tmp_path) == {f"{tmp_path}/news": PATTERN}
    imported(run, f"{tmp_path}/other", "--fields", PATTERN)
    assert documents(tmp_path)[OKAZ]["source"] == "okaz"


def test_a_moved_file_its_pattern_does_not_fit_any_more_says_so(run, tmp_path):
    write_corpus(tmp_path / "news")
    imported(run, "news", "--fields", PATTERN)
    (tmp_path / "fresh").mkdir()
    (tmp_path / "news" / OKAZ).rename(tmp_path / "fresh" / "renamed.txt")
    said = imported(run, "fresh")
    assert said.endswith(
        f"1 document moved from {tmp_path}/news lost the fields of its pattern '{PATTERN}', which does not fit where it is"
    ), said
    assert f"{tmp_path}/fresh" not in patterns(tmp_path)


def test_no_pattern_follows_into_a_folder_of_documents_new_in_the_same_import(run, tmp_path):
    """A folder whose other documents come in with the move was never the
    pattern's either: they would get its fields, or warnings, unasked."""
    (tmp_path / "data").mkdir()
    write_corpus(tmp_path / "data" / "news")
    imported(run, "data/news", "--fields", PATTERN)
    (tmp_path / "data" / "misc").mkdir()
    (tmp_path / "data" / "news" / OKAZ).rename(tmp_path / "data" / "misc" / OKAZ)
    write_corpus(tmp_path / "data" / "misc", {"2016-01-01_notes_3.txt": "ملاحظات", "todo.txt": "مهام"})
    result = run("import", "data", "--db", "news.db")
    assert result.exit_code == 0 and "todo.txt" not in result.stderr, result.stderr
    assert f"{tmp_path}/data/misc" not in patterns(tmp_path)
    assert documents(tmp_path)["2016-01-01_notes_3.txt"]["source"] is None
    assert f"1 document moved from {tmp_path}/data/news to {tmp_path}/data/misc lost the fields" in result.stderr



def test_a_pattern_that_followed_is_named_once(run, tmp_path):
    (tmp_path / "data").mkdir()
    write_corpus(tmp_path / "data" / "news")
    imported(run, "data/news", "--fields", PATTERN)
    (tmp_path / "data" / "moved").mkdir()
    (tmp_path / "data" / "news" / OKAZ).rename(tmp_path / "data" / "moved" / OKAZ)
    said = imported(run, "data")
    assert f"the pattern of {tmp_path}/data/news applies to {tmp_path}/data/moved too" in said, said
    assert f"fields from '{PATTERN}': " in said and said.count(PATTERN) == 1, said
