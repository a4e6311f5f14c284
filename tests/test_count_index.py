"""Counts read each match's reprint and document from an index of their
own (index.REPRINT_INDEX), not from the paragraph's row with its text, and
facets each match's fields from another (fields.FIELDS_INDEX), not from the
document's row: on an archive larger than the page cache, reading those rows
was most of a count's time.  Archives made before them count as before
until an import (or a rebuild) makes them."""

from __future__ import annotations

import json
import shutil

import sqlite_utils

from archive import counts, fields, index
from archive.db import open_archive
from archive.filters import Filters
from archive.query import parse
from conftest import SEEDS

QUERIES = ["المحطة", "الدمام", "واس", "المياه OR الكهرباء", '"تحلية المياه"', "المياه -الدمام", "nothing"]
# Filters join the documents table (paths, fields); so do the facets.
FILTERS = [[], ["--path", "docs/b/*"], ["--path", "*/0[6-9]-*", "--where", "n=08"]]


def _counts(run, db, query, filters=()):
    result = run("search", "--db", db, "--count", "--json", *filters, "--", query)
    return json.loads(result.stdout)


def _reprinted(run, tmp_path):
    """The seeds twice over, under two folders, one of them changed and
    half removed after: reprints, updates and deletions."""
    for name in ("a", "b"):
        shutil.copytree(SEEDS, tmp_path / "docs" / name)
    db = tmp_path / "archive.db"
    assert run("import", tmp_path / "docs", "--db", db, "--fields", "{n}-{topic}.txt").exit_code == 0
    files = sorted((tmp_path / "docs" / "b").iterdir())
    files[0].write_text(files[0].read_text(encoding="utf-8") + "\n\nالمحطة الجديدة", encoding="utf-8")
    for path in files[1::2]:
        path.unlink()
    assert run("import", tmp_path / "docs", "--db", db, "--prune").exit_code == 0
    return db


def _plans(archive, count) -> str:
    """How SQLite reads what count() asks of the paragraphs and documents."""
    statements: list[str] = []
    archive.conn.set_trace_callback(statements.append)
    try:
        count()
    finally:
        archive.conn.set_trace_callback(None)
    joins = [sql for sql in statements if "join paragraphs" in sql or "from paragraphs indexed" in sql]
    assert joins
    return " ".join(row[3] for sql in joins for row in archive.execute("explain query plan " + sql))


def test_an_import_makes_the_index_and_counts_read_it(run, tmp_path):
    db = _reprinted(run, tmp_path)
    archive = open_archive(str(db))
    assert index.REPRINT_INDEX in {found.name for found in archive["paragraphs"].indexes}
    plan = _plans(archive, lambda: counts.count(archive, parse("المحطة")))
    assert f"COVERING INDEX {index.REPRINT_INDEX}" in plan and "documents" not in plan


def test_counts_are_the_same_with_the_index_and_without_it(run, tmp_path):
    db = _reprinted(run, tmp_path)
    asked = [(query, tuple(filters)) for query in QUERIES for filters in FILTERS]
    with_index = {(query, filters): _counts(run, db, query, filters) for query, filters in asked}
    assert with_index[("المحطة", ())]["paragraphs"] > with_index[("المحطة", ())]["distinct_paragraphs"] > 0
    assert 0 < with_index[("المياه OR الكهرباء", tuple(FILTERS[1]))]["paragraphs"] < with_index[("المياه OR الكهرباء", ())]["paragraphs"]
    assert 0 < with_index[("المحطة", tuple(FILTERS[2]))]["paragraphs"] < with_index[("المحطة", ())]["paragraphs"]
    sqlite_utils.Database(db).execute(f"drop index {index.REPRINT_INDEX}")
    assert {(query, filters): _counts(run, db, query, filters) for query, filters in asked} == with_index


def test_an_archive_without_the_index_gets_it_from_the_next_import_or_rebuild(run, tmp_path):
    db = _reprinted(run, tmp_path)
    for command in (["import", tmp_path / "docs"], ["rebuild"]):
        sqlite_utils.Database(db).execute(f"drop index {index.REPRINT_INDEX}")
        assert run(*command, "--db", db).exit_code == 0
        assert index.REPRINT_INDEX in {found.name for found in sqlite_utils.Database(db)["paragraphs"].indexes}


def test_a_count_without_filters_asks_fts5_for_the_matches_once(run, tmp_path, monkeypatch):
    # A phrase of common words costs FTS5 most of a count: asked once
    # whether the matches pass the cap and again for their rows, it cost
    # twice that.
    db = _reprinted(run, tmp_path)
    archive = open_archive(str(db))
    for query in QUERIES:
        counts.count(archive, parse(query))  # the words' look-ups, kept after
        statements: list[str] = []
        archive.conn.set_trace_callback(statements.append)
        try:
            counted = counts.count(archive, parse(query))
        finally:
            archive.conn.set_trace_callback(None)
        assert len([sql for sql in statements if f"{index.INDEX} match" in sql]) == 1, query
        assert counted == counts.count(archive, parse(query), Filters(paths=("*",)))
    # Past the cap the same statement says so.
    monkeypatch.setattr(counts, "COUNT_CAP", 3)
    assert counts.count(archive, parse("المحطة")) == counts.Counts(3, 3, 3, more=True)


def test_facets_read_the_documents_fields_from_an_index_of_their_own(run, tmp_path):
    db = _reprinted(run, tmp_path)
    archive = open_archive(str(db))
    assert [row[2] for row in archive.execute(f"pragma index_info({fields.FIELDS_INDEX})")] == ["id", "n", "topic"]
    groups = {"topic": 'documents."topic"', "n": 'documents."n"'}
    plan = _plans(archive, lambda: counts.count_with_facets(archive, parse("المحطة"), None, groups))
    assert f"COVERING INDEX {index.REPRINT_INDEX}" in plan and f"COVERING INDEX {fields.FIELDS_INDEX}" in plan
    faceted = {query: counts.count_with_facets(archive, parse(query), None, groups) for query in QUERIES}
    assert sum(faceted["المحطة"][1]["topic"].values()) == faceted["المحطة"][0].paragraphs > 0
    archive.execute(f"drop index {fields.FIELDS_INDEX}")
    assert {query: counts.count_with_facets(archive, parse(query), None, groups) for query in QUERIES} == faceted


def test_a_field_added_later_is_indexed_too(run, tmp_path):
    db = _reprinted(run, tmp_path)
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "2015_okaz_1.txt").write_text("المحطة الأولى", encoding="utf-8")
    assert run("import", tmp_path / "more", "--db", db, "--fields", "{year}_{source}_{n}.txt").exit_code == 0
    archive = open_archive(str(db))
    held = [row[2] for row in archive.execute(f"pragma index_info({fields.FIELDS_INDEX})")]
    assert held == ["id", "n", "topic", "year", "source"]


def test_an_archive_given_fields_before_the_index_gets_it_from_its_next_import(run, tmp_path):
    db = _reprinted(run, tmp_path)
    sqlite_utils.Database(db).execute(f"drop index {fields.FIELDS_INDEX}")
    assert run("import", tmp_path / "docs", "--db", db).exit_code == 0
    held = [row[2] for row in sqlite_utils.Database(db).execute(f"pragma index_info({fields.FIELDS_INDEX})")]
    assert held == ["id", "n", "topic"]


def test_a_pages_copies_are_counted_from_the_fingerprint_index_alone(run, tmp_path):
    # Without filters, how many copies each hit has is asked of the
    # fingerprint index, not of each copy's row and its document: at 10x,
    # where every text has ten copies, those rows were 4.8 of a common
    # word's 11 ms.
    from archive.search import search

    db = _reprinted(run, tmp_path)
    archive = open_archive(str(db))
    statements: list[str] = []
    archive.conn.set_trace_callback(statements.append)
    try:
        hits = search(archive, parse("المحطة"), limit=50)
    finally:
        archive.conn.set_trace_callback(None)
    (copies_sql,) = [sql for sql in statements if "count(*)" in sql and "fingerprint in" in sql]
    plan = " ".join(row[3] for row in archive.execute("explain query plan " + copies_sql))
    assert f"COVERING INDEX {index.FINGERPRINT_INDEX}" in plan and "documents" not in plan
    expected = dict(archive.execute("select fingerprint, count(*) from paragraphs group by fingerprint").fetchall())
    assert any(hit.copies > 1 for hit in hits)
    assert all(hit.copies == expected[hit.reprint] for hit in hits)
    # With a filter the documents decide which copies count.
    filtered = search(archive, parse("المحطة"), limit=50, filters=Filters(paths=("docs/b/*",)))
    assert filtered and all(hit.copies == 1 for hit in filtered)


def test_a_filtered_pages_copies_are_found_by_fingerprint_first(run, tmp_path):
    # With a filter on an indexed field, SQLite (no statistics) would read
    # every paragraph of the documents the filter passes to find a page's
    # copies: at 10x, for one source, 110 ms for the counts and 150 for the
    # duplicates, against 1 and 4 ms from the fingerprints.
    from archive.search import fill_duplicates, search

    db = _reprinted(run, tmp_path)
    archive = open_archive(str(db))
    statements: list[str] = []
    filters = Filters(fields={"topic": ("desalination-plant", "desalinated-water-coast")})
    archive.conn.set_trace_callback(statements.append)
    try:
        hits = search(archive, parse("المياه"), limit=50, filters=filters)
        fill_duplicates(archive, hits, filters)
    finally:
        archive.conn.set_trace_callback(None)
    by_fingerprint = [sql for sql in statements if "fingerprint in (select value from json_each" in sql]
    assert len(by_fingerprint) == 2 and any(hit.copies > 1 for hit in hits)
    for sql in by_fingerprint:
        first = next(iter(archive.execute("explain query plan " + sql)))[3]
        assert first.startswith("SEARCH paragraphs USING") and index.FINGERPRINT_INDEX in first, first
    topics = {row[0] for row in archive.execute(
        "select topic from documents where id in (select value from json_each(?))", [json.dumps([h.document_id for h in hits])])}
    assert topics <= set(filters.fields["topic"])
    expected = dict(archive.execute(
        "select fingerprint, count(*) from paragraphs join documents on documents.id = paragraphs.document_id"
        " where documents.topic in ('desalination-plant', 'desalinated-water-coast') group by fingerprint"
    ).fetchall())
    assert all(hit.copies == expected[hit.reprint] for hit in hits)
    assert all(len(hit.duplicates) == hit.copies - 1 for hit in hits)


def test_check_notes_an_archive_made_before_the_indexes(run, tmp_path):
    # An archive made before them counts without them, slowly on a large
    # archive: `archive check` says so (healthy still), until an import.
    db = _reprinted(run, tmp_path)
    assert "warning" not in run("check", "--db", db).output
    sqlite_utils.Database(db).execute(f"drop index {index.REPRINT_INDEX}")
    sqlite_utils.Database(db).execute(f"drop index {fields.FIELDS_INDEX}")
    result = run("check", "--db", db)
    assert result.exit_code == 0
    (warning,) = [line for line in result.output.splitlines() if "warning" in line]
    assert index.REPRINT_INDEX in warning and fields.FIELDS_INDEX in warning and "archive import" in warning
    assert run("import", tmp_path / "docs", "--db", db).exit_code == 0
    assert "warning" not in run("check", "--db", db).output


# Filters that leave few paragraphs: one folder (a range of ids), one topic
# in both folders (two ranges), and a glob whose documents lie apart.
FEW = [Filters(paths=("docs/b/*",)), Filters(fields={"topic": ("desalinated-water-coast",)}),
       Filters(paths=("*/0[2468]-*",)), Filters(paths=("*/0[6-9]-*",), fields={"n": ("09",)})]


def _filtered_counts(archive, groups):
    return {(query, number): counts.count_with_facets(archive, parse(query), filters, groups)
            for query in QUERIES for number, filters in enumerate(FEW)}


def test_a_filtered_count_of_many_matches_reads_those_among_the_filters_paragraphs(run, tmp_path, monkeypatch):
    # With filters that leave few paragraphs, a query of many matches is
    # counted from its matches among them, read a range of ids at a time,
    # not from every match with its document, most of them refused: at
    # 10x, `في OR من OR على` within one paper read 1.6 million matches to
    # count 23,510, in 1.1 s (Datasette's limit is 1 s).
    db = _reprinted(run, tmp_path)
    archive = open_archive(str(db))
    groups = {"topic": 'documents."topic"', "n": 'documents."n"'}
    ways = {
        "few matches: every match read with its document, as before": (10_000, 1.0),
        "many, within filters that leave many paragraphs: the same": (0, 0.0),
        "many, within filters that leave few: those among their paragraphs, a range at a time": (0, 1.0),
    }
    whole = {query: counts.count(archive, parse(query)).paragraphs for query in QUERIES}
    monkeypatch.setattr(counts, "_SAMPLED", 1)  # how many match, from all the ids here
    # Past the cap too, "more than", where every match, not every match
    # the filters pass, is past it.
    for cap in (counts.COUNT_CAP, 3, 2):
        monkeypatch.setattr(counts, "COUNT_CAP", cap)
        found = {}
        for way, (most, share) in ways.items():
            monkeypatch.setattr(counts, "RANGED_MATCHES", most)
            monkeypatch.setattr(counts, "RANGED_SHARE", share)
            statements: list[str] = []
            archive.conn.set_trace_callback(statements.append)
            try:
                found[way] = _filtered_counts(archive, groups)
            finally:
                archive.conn.set_trace_callback(None)
            ranged = [sql for sql in statements if "rowid between" in sql]
            assert bool(ranged) == (most == 0 and share == 1.0), way
        every, *others = found.values()
        assert all(other == every for other in others), cap
        if cap == 2:
            assert any(0 < counted.paragraphs <= 2 < whole[query] for (query, _), (counted, _) in every.items())
            assert any(counted.more for counted, _ in every.values())
        elif cap > 3:
            assert 0 < every[("المحطة", 0)][0].paragraphs < whole["المحطة"]
            assert every[("المياه OR الكهرباء", 3)][0].documents == 2


def test_a_filtered_count_of_a_prefix_or_a_phrase_reads_its_matches_in_one_statement(run, tmp_path, monkeypatch):
    # Each statement of a prefix merges its terms, and each of a phrase
    # reads its words' positions, whatever ids it asks for: at 10x, الق*
    # within one paper took 12 s a range at a time, against 0.4 s for its
    # matches read with their documents; "في المملكة" 223 against 73 ms.
    db = _reprinted(run, tmp_path)
    archive = open_archive(str(db))
    monkeypatch.setattr(counts, "RANGED_MATCHES", 0)
    monkeypatch.setattr(counts, "RANGED_SHARE", 1.0)
    monkeypatch.setattr(counts, "_SAMPLED", 1)
    for query in ("المحط*", "المياه OR الكهر*", "المياه -الدم*", '"تحلية المياه"', 'المحطة OR "تحلية المياه"',
                  "المياه -\"مياه البحر\""):
        statements: list[str] = []
        archive.conn.set_trace_callback(statements.append)
        try:
            counted = counts.count(archive, parse(query), FEW[0])
        finally:
            archive.conn.set_trace_callback(None)
        assert counted.paragraphs > 0, query
        assert not [sql for sql in statements if "rowid between" in sql], query
    # A query of words alone is read a range at a time.
    statements = []
    archive.conn.set_trace_callback(statements.append)
    try:
        counts.count(archive, parse("المياه -البحر"), FEW[0])
    finally:
        archive.conn.set_trace_callback(None)
    assert [sql for sql in statements if "rowid between" in sql]
