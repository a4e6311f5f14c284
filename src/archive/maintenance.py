"""Keeping an archive healthy: `archive check` finds problems, `archive
rebuild` re-derives everything the analyzer computes from the stored text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import sqlite_utils

from . import analyze
from .pipeline import INDEX, analyze_paragraph, fingerprint, index_paragraphs
from .store import INDEX_TOKENIZER, SCHEMA_VERSION, add_index_columns, analysis_differences, create_search_index, get_meta, index_command, merge_index, record_copies_per_text, set_meta
from .sqlite import sqlite3


@dataclass
class Health:
    documents: int = 0
    paragraphs: int = 0
    analyzer_version: str | None = None
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.documents} documents, {self.paragraphs} paragraphs, "
            f"analyzer version {self.analyzer_version}"
        )


def check(db: sqlite_utils.Database) -> Health:
    """Everything that should hold in an archive; each broken rule is one
    problem.  A damaged database makes some steps fail outright: each such
    failure is a problem too, and the other steps still run."""
    health = Health()
    for what, step in (
        ("integrity check", _integrity),
        ("search index", _search_index),
        ("analyzer version", _analyzer_version),
        ("counts", _counts),
    ):
        try:
            step(db, health)
        except sqlite3.DatabaseError as error:
            health.problems.append(f"{what} failed: {error}")
    return health


def _integrity(db: sqlite_utils.Database, health: Health) -> None:
    rows = [row[0] for row in db.execute("pragma integrity_check").fetchall()]
    if rows != ["ok"]:
        health.problems += [f"integrity check: {row}" for row in rows]


def _search_index(db: sqlite_utils.Database, health: Health) -> None:
    problems = index_problems(db)
    if problems:
        health.problems += [f"search index: {problem}: run 'archive rebuild'" for problem in problems]


def index_problems(db: sqlite_utils.Database) -> list[str]:
    """How the search index differs from the analysis of the paragraphs' text.

    FTS5's own check covers the index's structure (its content comparison
    needs stored columns); the rest is compared here: the rows indexed, and,
    for every term of each column, the paragraphs holding it and its
    occurrences, against an index of a fresh analysis made in a temporary
    table with the same tokenizer.  All of it reads one snapshot, so an
    import committing meanwhile changes nothing."""
    if SCHEMA_VERSION != get_meta(db).get("schema_version"):
        return ["made by another version of archive"]
    try:
        # A statement of its own: FTS5 runs it as a write.
        index_command(db, "integrity-check", 0)
    except sqlite3.DatabaseError as error:
        return [f"damaged ({error})"]
    problems = []
    db.execute("begin")
    try:
        unindexed = db.execute(
            f"select count(*) from paragraphs where id not in (select id from {INDEX}_docsize)"
        ).fetchone()[0]
        stale = db.execute(
            f"select count(*) from {INDEX}_docsize where id not in (select id from paragraphs)"
        ).fetchone()[0]
        if unindexed:
            problems.append(f"{unindexed} paragraphs are not indexed")
        if stale:
            problems.append(f"{stale} entries are for paragraphs that are gone")
        db.execute(
            f"create virtual table temp.archive_fresh using fts5(terms, exact, tokenize='{INDEX_TOKENIZER}', content='')"
        )
        for batch in _paragraph_batches(db):
            db.conn.executemany(
                "insert into temp.archive_fresh (rowid, terms, exact) values (?, ?, ?)",
                [(pid, *analyze_paragraph(text)) for pid, text, _ in batch],
            )
        db.execute(f"create virtual table temp.archive_stored_vocab using fts5vocab(main, {INDEX}, col)")
        db.execute("create virtual table temp.archive_fresh_vocab using fts5vocab(temp, archive_fresh, col)")
        differing = _differing(
            db.execute("select term, col, doc, cnt from temp.archive_stored_vocab"),
            db.execute("select term, col, doc, cnt from temp.archive_fresh_vocab"),
        )
        if differing:
            problems.append(f"{differing} terms are not indexed as the paragraphs' text says")
        return problems
    finally:
        db.execute("rollback")  # the temporary tables go with it


def _differing(stored: Iterable[tuple], fresh: Iterable[tuple]) -> int:
    """How many (term, column) keys differ between two vocabularies, each
    row (term, column, documents, occurrences), both in FTS5's order (by
    term, then column terms before exact): merged as two streams.

    >>> _differing([("a", "terms", 1, 1), ("b", "terms", 2, 2)], [("b", "terms", 2, 3), ("c", "exact", 1, 1)])
    3
    """
    def key(row):
        return row[0], _COLUMNS[row[1]]

    stored, fresh = iter(stored), iter(fresh)
    a, b = next(stored, None), next(fresh, None)
    differing = 0
    while a is not None or b is not None:
        if b is None or (a is not None and key(a) < key(b)):
            differing, a = differing + 1, next(stored, None)
        elif a is None or key(b) < key(a):
            differing, b = differing + 1, next(fresh, None)
        else:
            differing += a != b
            a, b = next(stored, None), next(fresh, None)
    return differing


_COLUMNS = {"terms": 0, "exact": 1}


def _paragraph_batches(db: sqlite_utils.Database, size: int = 5000):
    """(id, text, fingerprint) of every paragraph, a batch at a time: never
    the whole archive in memory, and no cursor left open over rows that are
    being changed."""
    last = 0
    while True:
        batch = db.execute(
            "select id, text, fingerprint from paragraphs where id > ? order by id limit ?", [last, size]
        ).fetchall()
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def _analyzer_version(db: sqlite_utils.Database, health: Health) -> None:
    meta = get_meta(db)
    health.analyzer_version = meta.get("analyzer_version")
    differences = analysis_differences(meta)
    if differences:
        health.problems.append(f"built by {differences}: run 'archive rebuild'")


def _counts(db: sqlite_utils.Database, health: Health) -> None:
    health.documents = db["documents"].count
    health.paragraphs = db["paragraphs"].count
    orphans = db.execute(
        "select count(*) from paragraphs where document_id not in (select id from documents)"
    ).fetchone()[0]
    if orphans:
        health.problems.append(f"{orphans} paragraphs belong to no document")
    miscounted = db.execute(
        """select count(*) from documents d
           where d.paragraphs != (select count(*) from paragraphs p where p.document_id = d.id)"""
    ).fetchone()[0]
    if miscounted:
        health.problems.append(f"{miscounted} documents do not have the paragraphs they record")


def rebuild(db: sqlite_utils.Database) -> int:
    """Analyze every paragraph's text again, make the search index anew from
    it and record the current analyzer version; returns the number of
    paragraphs.  An archive of an earlier schema is converted on the way.

    One transaction: a rebuild cut short leaves the archive as it was, never
    half re-analyzed under a version that claims otherwise.  The index is
    dropped and made again, rather than updated, as it may be damaged.  After
    a conversion the file is compacted: the dropped columns were most of it."""
    total = 0
    converted = False
    with db.atomic():
        db["paragraphs"].disable_fts()  # the index, and the triggers of schema 1
        # Schema 1 stored the analyzed forms in paragraphs: they go (SQLite
        # drops a column in place; sqlite-utils' transform would copy the
        # table), and come back as the empty columns of schema 2.
        if "terms" in db["paragraphs"].columns_dict:
            for column in ("terms", "exact"):
                db.execute(f'alter table paragraphs drop column "{column}"')
            add_index_columns(db)
            converted = True
        create_search_index(db)
        for batch in _paragraph_batches(db):
            analyzed = [analyze_paragraph(text) for _, text, _ in batch]
            index_paragraphs(db.conn, [(pid, terms, exact) for (pid, _, _), (terms, exact) in zip(batch, analyzed)])
            changed = [
                (fingerprint(exact), pid)
                for (pid, _, old), (_, exact) in zip(batch, analyzed)
                if fingerprint(exact) != old
            ]
            db.conn.executemany("update paragraphs set fingerprint = ? where id = ?", changed)
            total += len(batch)
        # Until merge_index's last step: a merge cut short is the next
        # import's to finish, as an import's own is.
        set_meta(
            db,
            analyzer_version=analyze.ANALYZER_VERSION,
            schema_version=SCHEMA_VERSION,
            index_merge="pending",
            **analyze.environment(),
        )
        record_copies_per_text(db)
    merge_index(db, total)
    if converted:
        db.vacuum()
    return total
