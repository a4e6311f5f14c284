"""Which documents a search looks in: path globs and one document, as SQL."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from .index import REPRINT_INDEX, has_index
from .lookup import index_lookup
from .paths import from_printable, printable

if TYPE_CHECKING:
    import sqlite_utils


@dataclass
class Filters:
    """Which documents a search looks in.

    paths: globs, any of which may match.  A glob without a slash matches the
    file name (like grep --include); one with a slash matches the whole path,
    absolute or relative to the working directory (as paths are displayed).
    document: one document's stored path (see `document_path`).
    fields: values by field name (checked names, see fields.py): any of a
    field's values, and every field.
    since, until: ISO dates, both included, on the `date` field.

    >>> Filters(paths=("*okaz*",)).sql("/home/me")[0]
    "and ((documents.path glob '*' || :path0 and archive_file_name(documents.path) glob :path0))"
    >>> Filters(paths=("corpus/2015-07-2*",)).sql("/home/me")[1]
    {'path0': '/home/me/corpus/2015-07-2*'}
    >>> Filters(fields={"source": ("okaz", "sabq")}, since="2015-08-01").sql("/")
    ('and documents."source" in (:field0_0, :field0_1) and documents."date" >= :since', \
{'field0_0': 'okaz', 'field0_1': 'sabq', 'since': '2015-08-01'})
    """

    paths: tuple[str, ...] = ()
    document: str | None = None
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    since: str | None = None
    until: str | None = None

    def sql(self, cwd: str) -> tuple[str, dict[str, str]]:
        """A where-clause fragment on `documents` and its named parameters."""
        clauses, params = [], {}
        cwd = printable(cwd)  # paths are stored printable (see paths.py)
        if self.paths:
            alternatives = []
            for number, glob in enumerate(self.paths):
                name = f"path{number}"
                glob = printable(from_printable(glob))  # typed printed or raw
                # [!x] negates, as in the shell and import --glob; SQLite writes [^x].
                glob = glob.replace("[!", "[^")
                if "/" in glob:
                    alternatives.append(f"documents.path glob :{name}")
                    params[name] = absolute_glob(glob, cwd)
                else:
                    # The whole path ends as the name does: a test in C first,
                    # so that the name is taken (in Python) of few paths.
                    alternatives.append(
                        f"(documents.path glob '*' || :{name} and archive_file_name(documents.path) glob :{name})"
                    )
                    params[name] = glob
            clauses.append("(" + " or ".join(alternatives) + ")")
        if self.document is not None:
            clauses.append("documents.path = :document")
            params["document"] = self.document
        for number, (name, values) in enumerate(self.fields.items()):
            if not _FIELD_NAME.fullmatch(name):  # never quoted into SQL unchecked
                raise ValueError(f"not a field name: {name!r}")
            given = [value for value in values if value]
            names = [f"field{number}_{index}" for index in range(len(given))]
            either = [f'documents."{name}" in ({", ".join(":" + n for n in names)})'] if given else []
            if len(given) < len(values):  # FIELD= : the documents without one
                either.append(f'documents."{name}" is null')
            clauses.append(either[0] if len(either) == 1 else "(" + " or ".join(either) + ")")
            params.update(zip(names, given))
        for bound, operator in (("since", ">="), ("until", "<=")):
            if getattr(self, bound) is not None:
                clauses.append(f'documents."date" {operator} :{bound}')
                params[bound] = getattr(self, bound)
        return " ".join(f"and {clause}" for clause in clauses), params


def search_filters(db, paths=(), document=None, where=(), since=None, until=None) -> Filters:
    """Filters from search options: --doc found, --where and the dates
    checked against the archive's fields (an ArchiveError if they do not fit)."""
    from .documents import find_document
    from .fields import check_dates, parse_where

    since, until = check_dates(db, since, until)
    return Filters(paths=tuple(paths), document=find_document(db, document).path if document else None,
                   fields=parse_where(db, where), since=since, until=until)


_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")


def absolute_glob(glob: str, cwd: str) -> str:
    """A path glob made absolute, the working directory's own glob characters
    escaped so that only the user's wildcards act.

    >>> absolute_glob("./news/*.txt", "/data")
    '/data/news/*.txt'
    >>> absolute_glob("../b/*", "/data/[a]")
    '/data/b/*'
    >>> absolute_glob("x/*", "/data/[a]")
    '/data/[[]a]/x/*'
    >>> absolute_glob("/srv/*/okaz*", "/data")
    '/srv/*/okaz*'
    >>> absolute_glob("news/", "/data")  # a folder: everything in it
    '/data/news/*'
    """
    glob = os.path.expanduser(glob)
    if glob.endswith("/"):
        glob += "*"
    if os.path.isabs(glob):
        return glob
    glob = os.path.normpath(glob)
    base = cwd
    while glob == ".." or glob.startswith("../"):
        base, glob = os.path.dirname(base), glob[3:]
    escaped = re.sub(r"([*?\[])", r"[\1]", base.rstrip("/"))
    return f"{escaped}/{glob}" if glob else escaped


def _file_name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def connect_functions(db: sqlite_utils.Database) -> None:
    """The SQL functions that Filters.sql() uses, on db's connection."""
    db.conn.create_function("archive_file_name", 1, _file_name, deterministic=True)


def filter_sql(filters: str) -> str:
    """The statement that keeps, of candidate ids (:ids, a JSON list), those
    that pass the filters (a where-clause fragment on `documents`)."""
    return f"""
select paragraphs.id from paragraphs join documents on documents.id = paragraphs.document_id
where paragraphs.id in (select value from json_each(:ids)) {filters}
"""


def filter_of(db, filters: str, params: dict) -> Callable[[list[int]], set[int]] | None:
    """The filters as a function taking candidate ids and giving back those
    that pass (rank.Passed), or None without filters."""
    if not filters:
        return None
    sql = filter_sql(filters)

    def passed(ids: list[int]) -> set[int]:
        return {row[0] for row in db.execute(sql, {**params, "ids": json.dumps(ids)})}

    return passed


# Of each first copy asked about, the first of its text's copies that passes:
# by fingerprint, and a paragraph without one is its own text.  Each copy's
# document is read from the narrow index that holds it beside its id
# (`indexed`, where the archive has it) rather than from its row, which holds
# its text, for each of a text's copies.  CROSS JOIN keeps SQLite to the ids
# asked about first: with no statistics, given a field and dates, it read
# every document of the field's value instead (docs/ranking.md).
_FIRST_PASSING_SQL = """
select held.id, min(copy.id) from paragraphs as held{indexed}
cross join paragraphs as copy on copy.fingerprint = held.fingerprint
cross join paragraphs as placed{indexed} on placed.id = copy.id
cross join documents on documents.id = placed.document_id
where held.id in (select value from json_each(:ids)) {filters}
group by held.id
union all
select held.id, held.id from paragraphs as held{indexed} cross join documents on documents.id = held.document_id
where held.id in (select value from json_each(:ids)) and held.fingerprint is null {filters}
"""


def first_passing(db, filters: str, params: dict) -> Callable[[list[int]], dict[int, int]]:
    """The filters asked of texts by their first copies (holders.py): for
    each of these ids whose text has a copy that passes, the first such
    copy, which a page folding reprints shows in the text's place."""
    indexed = f" indexed by {REPRINT_INDEX}" if has_index(db, REPRINT_INDEX) else ""
    sql = _FIRST_PASSING_SQL.format(filters=filters, indexed=indexed)

    def passing(ids: list[int]) -> dict[int, int]:
        return dict(db.execute(sql, {**params, "ids": json.dumps(ids)}).fetchall())

    return passing


class IdRanges(list):
    """Paragraph id ranges, (first, last) in order.  exact: each document's
    paragraphs fill its range, so that the ranges hold the paragraphs of the
    documents that passed and no other."""

    exact = False
    held = 0  # paragraphs


# A named parameter of a statement.
_PARAMETER = re.compile(r":(\w+)")
# Filters whose ranges a connection keeps (paragraph_ranges): a filter may
# leave tens of thousands of ranges, and a Datasette runs for months.
RANGES_KEPT = 16


class _Known:
    """What is known of one filter's ranges in one state of the archive
    (kept by lookup.py): the ranges (they hold `held` paragraphs), or that
    they hold more than `over`."""

    ranges: IdRanges | None = None
    over = -1


def paragraph_ranges(db, filters: str, params: dict, most: int) -> IdRanges | None:
    """The ids of the paragraphs of the documents that pass the filters, as
    (first, last) ranges, or None if those documents hold more than `most`
    paragraphs.  A document's paragraphs are written at once, so their ids
    follow each other: a range a document, or several side by side.

    Worked out once a connection until the archive changes (lookup.py),
    for the last RANGES_KEPT filters asked about: a filtered page asks for
    them to count and to rank, at 10x 0.1 to 0.2 s for a paper's
    documents.  The caller must not change them."""
    kept = index_lookup(db).remember(("paragraph ranges",), dict)
    # Kept by the filters' own parameters: the count's and the ranking's
    # statements bring others (the expression, a cap).
    named = set(_PARAMETER.findall(filters))
    params = {name: value for name, value in params.items() if name in named}
    key = (filters, *sorted(params.items()))
    known = kept[key] = kept.pop(key, None) or _Known()  # the last asked for, last
    if len(kept) > RANGES_KEPT:
        del kept[next(iter(kept))]
    if known.ranges is not None:
        return known.ranges if known.ranges.held <= most else None
    if most <= known.over:
        return None
    # Unlike lookup.py's other facts, these are updated: a larger `most`
    # learns what a smaller one left unknown, in the same state.
    ranges = _paragraph_ranges(db, filters, params, most)
    if ranges is None:
        known.over = most
    else:
        known.ranges = ranges
    return ranges


def _paragraph_ranges(db, filters: str, params: dict, most: int) -> IdRanges | None:
    documents, held = [], 0
    for document_id, paragraphs in db.execute(f"select id, paragraphs from documents where 1 {filters}", params):
        held += paragraphs or 0
        if held > most:
            return None
        documents.append(document_id)
    ranges = IdRanges()
    ranges.exact, ranges.held = True, held
    bounds = db.execute(
        "select min(id), max(id), count(*) from paragraphs where document_id in (select value from json_each(?))"
        " group by document_id order by 1",
        [json.dumps(documents)],
    )
    for first, last, paragraphs in bounds:
        # Another document's paragraph between a document's first and last
        # (written by another tool) leaves a gap: the filters must be asked.
        ranges.exact &= last - first + 1 == paragraphs
        if ranges and ranges[-1][1] + 1 == first:
            ranges[-1] = (ranges[-1][0], last)
        else:
            ranges.append((first, last))
    return ranges
