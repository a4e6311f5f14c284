"""A search started while a first import is still creating the archive waits
for it, or says it is being created: never "not an archive database"."""

import sqlite3
import threading
import time

from archive import db as archive_db


def test_search_waits_for_a_first_import_to_create_the_archive(run, tmp_path):
    path = str(tmp_path / "new.db")
    sqlite3.connect(path).close()  # the file exists, empty, as an import's first moment leaves it
    with archive_db.writer_lock(path):

        def create():
            time.sleep(0.3)
            archive_db.open_archive(path, create=True)

        creator = threading.Thread(target=create)
        creator.start()
        result = run("search", "--db", path, "anything")
        creator.join()
    assert "not an archive" not in result.output
    assert result.exit_code == 1, result.output  # no match, in an archive that exists
    assert "0 paragraphs" in result.output


def test_search_says_an_archive_is_being_created(run, tmp_path, monkeypatch):
    monkeypatch.setattr(archive_db, "CREATION_WAIT_S", 0.2)
    path = str(tmp_path / "new.db")
    with archive_db.writer_lock(path):
        result = run("search", "--db", path, "anything")
    assert result.exit_code == 2
    assert "being created by an import" in result.output


def test_an_empty_database_without_an_import_is_not_an_archive(run, tmp_path):
    path = str(tmp_path / "empty.db")
    sqlite3.connect(path).close()
    result = run("search", "--db", path, "anything")
    assert result.exit_code == 2
    assert "is not an archive database" in result.output
