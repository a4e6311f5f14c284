"""Keeping an archive healthy: `archive check` finds problems, `archive
rebuild` re-derives everything the analyzer computes from the stored text."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from . import analyze, holders
from .analyze import analyze_text
from .grammar import agreeing, counted
from .impact import impact_text
from .db import (
    SCHEMA_VERSION, analysis_differences, copies_per_text, get_meta, is_read_only, record_copies_per_text,
    refuse_newer_schema, set_meta, write_transaction,
)
from .documents import REPRINTED
from .fields import FIELDS_INDEX, field_names
from .index import (
    FINGERPRINT_INDEX, REPRINT_INDEX, create_fingerprint_index, create_search_index, drop_search_index, has_index,
    index_paragraphs, index_problems, merge_index, paragraph_batches, watches_deletions,
)
from .pipeline import fingerprint
from .repair import MISCOUNTED_WHERE, ORPHANS_WHERE, Repairs, repair_rows
from .sqlite import sqlite3


@dataclass
class Health:
    documents: int = 0
    paragraphs: int = 0
    analyzer_version: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the check left out, and why

    def line(self) -> str:
        return (
            f"{counted(self.documents, 'document')}, {counted(self.paragraphs, 'paragraph')}, "
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
        ("indexes", _indexes),
    ):
        try:
            step(db, health)
        except sqlite3.DatabaseError as error:
            health.problems.append(f"{what} failed: {error}")
    # The README promises a line per problem: whatever a message holds.
    health.problems = [" ".join(problem.splitlines()) for problem in health.problems]
    return health


def _integrity(db: sqlite_utils.Database, health: Health) -> None:
    rows = [row[0] for row in db.execute("pragma integrity_check").fetchall()]
    if rows != ["ok"]:
        # A row may hold several problems, a line each, under a line that
        # names the schema ("*** in database main ***"), which is no problem.
        lines = [line for row in rows for line in str(row).splitlines() if line.strip()]
        health.problems += [f"integrity check: {line}" for line in lines if not line.startswith("*** in database")]


def _search_index(db: sqlite_utils.Database, health: Health) -> None:
    if is_read_only(db.conn):
        health.notes.append("in a read-only folder: FTS5's own check of the index's structure, a write, is left out")
    problems = index_problems(db)
    if problems:
        health.problems += [f"search index: {problem}: run 'archive rebuild'" for problem in problems]


def _analyzer_version(db: sqlite_utils.Database, health: Health) -> None:
    meta = get_meta(db)
    health.analyzer_version = meta.get("analyzer_version")
    differences = analysis_differences(meta)
    if differences:
        health.problems.append(f"built by {differences}: run 'archive rebuild'")


def _counts(db: sqlite_utils.Database, health: Health) -> None:
    health.documents = db["documents"].count
    health.paragraphs = db["paragraphs"].count
    orphans = db.execute(f"select count(*) from paragraphs where {ORPHANS_WHERE}").fetchone()[0]
    if orphans:
        health.problems.append(f"{counted(orphans, 'paragraph')} {agreeing(orphans, 'belongs', 'belong')} to no document")
    miscounted = db.execute(f"select count(*) from documents where {MISCOUNTED_WHERE}").fetchone()[0]
    if miscounted:
        health.problems.append(
            f"{counted(miscounted, 'document')} {agreeing(miscounted, 'does', 'do')} not have the paragraphs "
            f"{agreeing(miscounted, 'it records', 'they record')}"
        )


def _indexes(db: sqlite_utils.Database, health: Health) -> None:
    """The indexes that searches read to count, facet and fold reprints
    (docs/ranking.md#counts).  An archive made before them is searched as
    before, more slowly on a large archive, until an import makes them: a
    note, not a problem."""
    missing = [name for name in (FINGERPRINT_INDEX, REPRINT_INDEX) if not has_index(db, name)]
    if field_names(db) and not has_index(db, FIELDS_INDEX):
        missing.append(FIELDS_INDEX)
    if missing:
        one = len(missing) == 1
        health.notes.append(
            f"made before the {' and '.join(missing)} {'index' if one else 'indexes'}, which searches read to"
            f" count and fold (slower without {'it' if one else 'them'}): the next 'archive import' makes"
            f" {'it' if one else 'them'}"
        )
    if not watches_deletions(db):
        health.notes.append(
            "made before the trigger that notes paragraphs deleted behind archive's back: every search counts"
            " the paragraphs instead (slower on a large archive): the next 'archive import' adds it"
        )
    # Where texts are reprinted, a folded page reads their first copies
    # alone through the mark (holders.py), which only a rebuild adds.
    if not holders.levelled(db.conn) and copies_per_text(db) >= REPRINTED:
        what = "the level in the mark" if holders.marked(db.conn) else "the mark"
        health.notes.append(
            f"made before {what} of each text's first copy, which a page of folded reprints reads"
            " (slower without it): 'archive rebuild' adds it"
        )


def rebuild(db: sqlite_utils.Database) -> tuple[int, Repairs]:
    """Analyze every paragraph's text again, make the search index anew from
    it and record the current analyzer version; returns the number of
    paragraphs, and what was repaired first: rows that another tool left
    disagreeing (repair.py).  An archive of an earlier schema is converted
    on the way.

    One transaction: a rebuild cut short leaves the archive as it was, never
    half re-analyzed under a version that claims otherwise.  The index is
    dropped and made again, rather than updated, as it may be damaged.  After
    a conversion the file is compacted: the dropped columns were most of it."""
    total = 0
    refuse_newer_schema(get_meta(db))
    with write_transaction(db):
        converted = drop_search_index(db)
        repairs = repair_rows(db)
        create_search_index(db)
        set_meta(db, **{holders.META_KEY: holders.LEVELLED})
        texts = holders.Texts(db.conn, in_memory=True)
        for batch in paragraph_batches(db):
            analyzed = [analyze_text(text) for _, text, _ in batch]
            firsts = texts.firsts([fingerprint(exact) for _, exact in analyzed])
            index_paragraphs(db.conn, [
                (pid, terms, exact, holders.with_mark(impact_text(terms), True) if holds else impact_text(terms))
                for (pid, _, _), (terms, exact), holds in zip(batch, analyzed, firsts)
            ])
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
        create_fingerprint_index(db)
    merge_index(db, total)
    if converted:
        db.vacuum()
    return total, repairs
