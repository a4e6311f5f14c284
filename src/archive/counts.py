"""Counting a query's matches: paragraphs, those without reprints, documents,
and per facet value, exact up to a cap and "more than" past it."""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .db import REPRINT_KEY
from .filters import Filters, connect_functions
from .prefixes import SCANNED_CAP, short_prefixes
from .query import Query
from .search import matches_sql

if TYPE_CHECKING:
    import sqlite_utils


@dataclass
class Counts:
    paragraphs: int  # every matching paragraph
    distinct: int  # the same, reprints counted once
    documents: int
    # More than COUNT_CAP paragraphs match: the figures are COUNT_CAP, and
    # say "more than".
    more: bool = False


# Counting matches costs as much as the matches: past this many, a count
# says "more than" instead (docs/ranking.md), so that it answers in a
# fraction of a second however large the archive.
COUNT_CAP = 50_000
# Whether more than COUNT_CAP paragraphs match.
_PAST_CAP_SQL = """
select count(*) > :cap from (
  select 1 from paragraphs_fts
  join paragraphs on paragraphs.id = paragraphs_fts.rowid
  join documents on documents.id = paragraphs.document_id
  where paragraphs_fts match :expression {filters}
  limit :cap + 1
)
"""
# The same without filters: the index alone (its rows are the paragraphs).
_PAST_CAP_UNFILTERED_SQL = """
select count(*) > :cap from (
  select 1 from paragraphs_fts where paragraphs_fts match :expression limit :cap + 1
)
"""


def count(db: sqlite_utils.Database, query: Query, filters: Filters | None = None) -> Counts:
    """How many paragraphs (all, and without reprints) and documents match;
    past COUNT_CAP (SCANNED_CAP for a short prefix), only that there are more."""
    connect_functions(db)
    scanned = _scanned_matches(db, query, filters)
    if scanned is not None:
        if len(scanned) > SCANNED_CAP:
            return Counts(SCANNED_CAP, SCANNED_CAP, SCANNED_CAP, more=True)
        return Counts(*db.execute(_COUNT_IDS_SQL, {"ids": json.dumps(scanned)}).fetchone())
    matches, params = matches_sql(query, filters, db)
    where, _ = (filters or Filters()).sql(os.getcwd())
    past_cap = _PAST_CAP_SQL.format(filters=where) if where else _PAST_CAP_UNFILTERED_SQL
    if db.execute(past_cap, {**params, "cap": COUNT_CAP}).fetchone()[0]:
        return Counts(COUNT_CAP, COUNT_CAP, COUNT_CAP, more=True)
    sql = matches + (
        "select count(*), count(distinct reprint), count(distinct document_id) from matches"
    )
    return Counts(*db.execute(sql, params).fetchone())


def _scanned_matches(db: sqlite_utils.Database, query: Query, filters: Filters | None) -> list[int] | None:
    """A query of short prefixes alone (prefixes.py): its matches' ids,
    read in id order, up to one past SCANNED_CAP.  Past them FTS5 would
    merge most of the index first, however narrow the filters.  None for
    any other query."""
    connect_functions(db)
    where, params = (filters or Filters()).sql(os.getcwd())
    scan = short_prefixes(db, query, where, params)
    return None if scan is None else list(itertools.islice(scan(), SCANNED_CAP + 1))


_COUNT_IDS_SQL = f"""
select count(*), count(distinct {REPRINT_KEY}), count(distinct paragraphs.document_id)
from paragraphs where paragraphs.id in (select value from json_each(:ids))
"""


def count_by(
    db: sqlite_utils.Database, query: Query, filters: Filters | None, groups: dict[str, str]
) -> dict[str, dict[str | None, int]]:
    """Facets: for each name, how many matching paragraphs there are per
    value of its SQL expression on `documents` (trusted SQL, not user
    input), all groups counted in one pass over the matches."""
    if not groups:
        return {}
    connect_functions(db)
    names = list(groups)
    columns = ", ".join(groups[name] for name in names)
    places = ", ".join(str(place) for place in range(1, len(names) + 1))
    scanned = _scanned_matches(db, query, filters)
    if scanned is not None and len(scanned) <= SCANNED_CAP:
        sql = (
            f"select {columns}, count(*) from paragraphs join documents on documents.id = paragraphs.document_id"
            f" where paragraphs.id in (select value from json_each(:ids)) group by {places}"
        )
        params: dict = {"ids": json.dumps(scanned)}
    else:
        matches, params = matches_sql(query, filters, db)
        sql = matches + (
            f"select {columns}, count(*) from matches"
            f" join documents on documents.id = matches.document_id group by {places}"
        )
    result: dict[str, dict[str | None, int]] = {name: {} for name in names}
    # Field columns compare without ASCII case (collate nocase: --where
    # source=okaz finds Okaz): so do their values here, the first spelling met kept.
    spelled: dict[tuple[str, str | None], str | None] = {}
    for *values, number in db.execute(sql, params):
        for name, value in zip(names, values):
            value = spelled.setdefault((name, ascii_folded(value)), value)
            result[name][value] = result[name].get(value, 0) + number
    return result


def ascii_folded(value):
    """A value as SQLite's nocase collation compares it: ASCII letters in
    lower case (anything but a string as it is)."""
    return value.translate(_ASCII_LOWER) if isinstance(value, str) else value


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
