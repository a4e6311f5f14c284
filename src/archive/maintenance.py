"""Keeping an archive healthy: `archive check` finds problems, `archive
rebuild` re-derives everything the analyzer computes from the stored text."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

import sqlite_utils

from . import analyze
from .store import enable_search_index, get_meta, paragraph_rows, set_meta


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
    try:
        db.execute("insert into paragraphs_fts(paragraphs_fts, rank) values('integrity-check', 1)")
    except sqlite3.DatabaseError as error:
        health.problems.append(f"search index does not match the paragraphs ({error}): run 'archive rebuild'")


def _analyzer_version(db: sqlite_utils.Database, health: Health) -> None:
    health.analyzer_version = get_meta(db).get("analyzer_version")
    if health.analyzer_version != analyze.ANALYZER_VERSION:
        health.problems.append(
            f"built by analyzer version {health.analyzer_version}, this is version "
            f"{analyze.ANALYZER_VERSION}: run 'archive rebuild'"
        )


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
    """Analyze every paragraph's text again, rebuild the search index and
    record the current analyzer version; returns the number of paragraphs.

    One transaction: a rebuild cut short leaves the archive as it was, never
    half re-analyzed under a version that claims otherwise.  The index is
    dropped first and made again from the new columns, because updating rows
    through the triggers of an index that may itself be damaged could fail.
    """
    total = 0
    with db.atomic():
        db["paragraphs"].disable_fts()
        document_ids = [row[0] for row in db.execute("select id from documents order by id")]
        for document_id in document_ids:
            rows = db.execute(
                "select id, text from paragraphs where document_id = ? order by number", [document_id]
            ).fetchall()
            analyzed = paragraph_rows(document_id, [text for _, text in rows])
            db.conn.executemany(
                "update paragraphs set terms = ?, exact = ?, fingerprint = ? where id = ?",
                [(new["terms"], new["exact"], new["fingerprint"], pid) for (pid, _), new in zip(rows, analyzed)],
            )
            total += len(rows)
        enable_search_index(db)
        set_meta(db, analyzer_version=analyze.ANALYZER_VERSION)
    return total
