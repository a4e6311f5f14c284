"""Counting a query's matches: paragraphs, those without reprints, documents,
and per facet value, exact up to a cap and "more than" past it."""

from __future__ import annotations

import collections
import itertools
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .db import REPRINT_KEY
from .filters import Filters, connect_functions, paragraph_ranges
from .fields import FIELDS_INDEX
from .index import INDEX, MATCHED_BETWEEN_SQL, REPRINT_INDEX, has_index, paragraph_total
from .lookup import index_lookup
from .prefixes import SCANNED_CAP, prefix_fill, prefix_filter, short_prefixes
from .query import Query, to_fts
from .search import keep_counted, matches_sql

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
# Whether more than COUNT_CAP paragraphs match, without filters: the index
# alone (its rows are the paragraphs), stopping at the cap.
_PAST_CAP_UNFILTERED_SQL = """
select count(*) > :cap from (
  select 1 from paragraphs_fts where paragraphs_fts match :expression limit :cap + 1
)
"""
# The same, with the matches' ids up to one past the cap: what a count then
# reads of each comes by id, and FTS5 works the expression out once (a
# phrase of common words is most of a count's cost).
_IDS_UNFILTERED_SQL = f"""
select count(*), json_group_array(rowid) from (
  select rowid from {INDEX} where {INDEX} match :expression limit :cap + 1
)
"""
# What a count needs of each match, with the facets' values (`{columns}`):
# read once, for the totals and every facet together.
_MATCH_ROWS_SQL = """
select matches.reprint, matches.document_id{columns} from matches
join documents on documents.id = matches.document_id
limit :cap + 1
"""
# The same read through an index of the paragraphs' ids, documents and
# fingerprints (index.REPRINT_INDEX) rather than their rows, which hold their
# text, and without the documents table unless filters or facets need it
# (every paragraph has its document): on an archive not in the page cache
# those rows were most of a count's cost (docs/ranking.md#counts).
_MATCH_KEYS_SQL = f"""
select {REPRINT_KEY}, paragraphs.document_id{{columns}}, paragraphs.id from {INDEX}
join paragraphs indexed by {REPRINT_INDEX} on paragraphs.id = {INDEX}.rowid{{documents}}
where {INDEX} match :expression {{filters}}
limit :cap + 1
"""
_KEYS_BY_ID_SQL = f"""
select {REPRINT_KEY}, paragraphs.document_id{{columns}}, paragraphs.id
from paragraphs indexed by {REPRINT_INDEX}{{documents}}
where paragraphs.id in (select value from json_each(:ids))
"""
# With filters, a query of more matches than this is counted within the
# paragraphs the filters leave, if they are few (at most RANGED_SHARE of
# the archive's) and mostly side by side (RANGED_RANGES): its matches read
# a range of ids at a time (filters.paragraph_ranges; FTS5 seeks to a
# range's first id) rather than every match read and its document looked
# up, to refuse most of them (docs/ranking.md#counts).
RANGED_MATCHES = 100_000
RANGED_SHARE = 0.25
RANGED_RANGES = 1_000
_WITH_DOCUMENTS = "\njoin documents{indexed} on documents.id = paragraphs.document_id"
_SCANNED_ROWS_SQL = f"""
select {REPRINT_KEY}, paragraphs.document_id{{columns}}, paragraphs.id
from paragraphs join documents on documents.id = paragraphs.document_id
where paragraphs.id in (select value from json_each(:ids))
"""


def count(db: sqlite_utils.Database, query: Query, filters: Filters | None = None) -> Counts:
    """How many paragraphs (all, and without reprints) and documents match;
    past COUNT_CAP (SCANNED_CAP for a short prefix), only that there are more."""
    return count_with_facets(db, query, filters, {})[0]


def count_with_facets(
    db: sqlite_utils.Database, query: Query, filters: Filters | None, groups: dict[str, str]
) -> tuple[Counts, dict[str, dict[str | None, int]]]:
    """count(), and facets: for each name of `groups`, how many matching
    paragraphs there are per value of its SQL expression on `documents`
    (trusted SQL, not user input).  One pass over the matches gives both;
    past the cap there are no facets ({}), which would cost every match."""
    connect_functions(db)
    columns = "".join(", " + groups[name] for name in groups)
    legacy = False  # an archive from before the index of reprints
    scanned = _scanned_matches(db, query, filters)
    if scanned is not None:
        if len(scanned) > SCANNED_CAP:
            return Counts(SCANNED_CAP, SCANNED_CAP, SCANNED_CAP, more=True), {}
        sql, params = _SCANNED_ROWS_SQL.format(columns=columns), {"ids": json.dumps(scanned)}
    else:
        matches, params = matches_sql(query, filters, db)
        params["cap"] = COUNT_CAP
        where, _ = (filters or Filters()).sql(os.getcwd())
        if has_index(db, REPRINT_INDEX):
            # The facets' values from the index of fields, if there is one.
            indexed = f" indexed by {FIELDS_INDEX}" if groups and has_index(db, FIELDS_INDEX) else ""
            faceted = _WITH_DOCUMENTS.format(indexed=indexed) if groups else ""
            if not where:
                matched, params["ids"] = db.execute(_IDS_UNFILTERED_SQL, params).fetchone()
                if matched > COUNT_CAP:
                    return Counts(COUNT_CAP, COUNT_CAP, COUNT_CAP, more=True), {}
                sql = _KEYS_BY_ID_SQL.format(columns=columns, documents=faceted)
            else:
                within = _filtered_matches(db, query, params, where)
                if within is None:
                    documents = _WITH_DOCUMENTS.format(indexed=indexed)
                    sql = _MATCH_KEYS_SQL.format(columns=columns, documents=documents, filters=where)
                # The ranges exact, those are the matches the filters pass:
                # their documents are asked for the facets alone.
                elif len(within) > COUNT_CAP:
                    return Counts(COUNT_CAP, COUNT_CAP, COUNT_CAP, more=True), {}
                else:
                    params["ids"] = json.dumps(within)
                    sql = _KEYS_BY_ID_SQL.format(columns=columns, documents=faceted)
        else:  # an archive from before the index, opened read-only
            if not where and db.execute(_PAST_CAP_UNFILTERED_SQL, params).fetchone()[0]:
                return Counts(COUNT_CAP, COUNT_CAP, COUNT_CAP, more=True), {}
            sql = matches + _MATCH_ROWS_SQL.format(columns=columns)
            legacy = True
    rows = db.execute(sql, params).fetchall()
    if len(rows) > COUNT_CAP:
        return Counts(COUNT_CAP, COUNT_CAP, COUNT_CAP, more=True), {}
    counts = Counts(len(rows), len({row[0] for row in rows}), len({row[1] for row in rows}))
    if not legacy:  # each row ends with its paragraph's id
        keep_counted(db, query, filters, counts.distinct, lambda: [row[-1] for row in rows])
    return counts, _facets(list(groups), rows)


def _filtered_matches(db, query: Query, params: dict, where: str) -> list[int] | None:
    """The ids of the matches among the paragraphs of the documents the
    filters pass (up to one past COUNT_CAP), where that
    costs less than every match read with its document (None): a query of
    many matches (RANGED_MATCHES), of words, within filters that leave few
    paragraphs mostly side by side."""
    atoms = query.positive_atoms() + query.excluded
    # Each statement of a prefix merges its terms, and each statement of a
    # phrase reads its words' positions, whatever ids it asks for.
    if any(atom.prefix or atom.is_phrase for atom in atoms):
        return None
    # How many match, guessed from the first tenth of the ids' span: counting
    # them all would cost as much as the count it is to spare.  (Where
    # updates left the span's start sparse, the guess is low: counted as before.)
    lowest, highest = (value or 0 for value in db.execute(_SPAN_SQL).fetchone())
    edge = lowest + (highest - lowest) // _SAMPLED
    sampled = db.execute(_SAMPLED_SQL, [params["expression"], edge, RANGED_MATCHES // _SAMPLED + 1]).fetchone()[0]
    if sampled * _SAMPLED <= RANGED_MATCHES:
        return None
    ranges = paragraph_ranges(db, where, params, round(paragraph_total(db) * RANGED_SHARE))
    # Ranges not exact (another tool's writes) would count refused paragraphs
    # towards the cap.
    if ranges is None or not ranges.exact or len(ranges) > RANGED_RANGES:
        return None
    within: list[int] = []
    for first, last in ranges:
        within += [row[0] for row in db.execute(MATCHED_BETWEEN_SQL, [params["expression"], first, last])]
        if len(within) > COUNT_CAP:
            break
    return within


_SAMPLED = 10
# Each of min() and max() alone is one seek; together, a scan.
_SPAN_SQL = "select (select min(id) from paragraphs), (select max(id) from paragraphs)"
_SAMPLED_SQL = f"select count(*) from (select 1 from {INDEX} where {INDEX} match ? and rowid <= ? limit ?)"


def _facets(names: list[str], rows: list[tuple]) -> dict[str, dict[str | None, int]]:
    """Per name, how many rows hold each value (the names' values follow a
    row's reprint and document)."""
    result: dict[str, dict[str | None, int]] = {name: {} for name in names}
    # Field columns compare without ASCII case (collate nocase: --where
    # source=okaz finds Okaz): so do their values here, the first spelling met kept.
    spelled: dict[tuple[str, str | None], str | None] = {}
    for position, name in enumerate(names, start=2):
        tally = result[name]
        for value, number in collections.Counter(row[position] for row in rows).items():
            value = spelled.setdefault((name, ascii_folded(value)), value)
            tally[value] = tally.get(value, 0) + number
    return result


def _scanned_matches(db: sqlite_utils.Database, query: Query, filters: Filters | None) -> list[int] | None:
    """A query of short or common prefixes (prefixes.py), alone, beside
    words or as their alternative: its matches' ids, read in id order, up
    to one past SCANNED_CAP.  Past them FTS5 would merge much of the index
    first, however narrow the filters.  None for any other query."""
    connect_functions(db)
    where, params = (filters or Filters()).sql(os.getcwd())
    scan = short_prefixes(db, query, where, params)
    if scan is None:
        # Words beside such prefixes: the words' matches, the prefixes tested.
        tested = prefix_filter(db, query, where, params)
        if tested is not None:
            scan = tested.scan(db, where, params, to_fts(tested.rest, index_lookup(db)))
        else:
            # Or words or such prefixes: the words' matches and the prefixes' merged.
            filled = prefix_fill(db, query, where, params)
            if filled is None:
                return None
            scan = filled.matches(db, where, params, to_fts(filled.rest, index_lookup(db)))
    return list(itertools.islice(scan(), SCANNED_CAP + 1))


def ascii_folded(value):
    """A value as SQLite's nocase collation compares it: ASCII letters in
    lower case (anything but a string as it is)."""
    return value.translate(_ASCII_LOWER) if isinstance(value, str) else value


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
