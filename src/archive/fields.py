"""Document fields: named values taken from each file's path at import
(`archive import DIR --fields '{date}_{source}_{n}.txt'`), kept as real
columns of `documents` so that Datasette facets on them and searches filter
by them in SQL.

Why columns on `documents`, added on demand, rather than a (document, name,
value) table: Datasette facets and filters a table by its own columns, so
`/archive/documents?_facet=source&_facet_date=date` works with nothing more,
and a search filters with an indexed `documents."source" in (...)` instead of
a join per field.  Field names are checked (lowercase ASCII identifiers, not
one of the table's own columns), so they are safe to quote into SQL.

The pattern is remembered per imported folder in `field_patterns`; the
archive's field names are listed in archive_meta (`fields`), so readers tell
a field from the table's own columns.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable

from .db import ArchiveError, get_meta
from .grammar import agreeing, counted
from .paths import printable

if TYPE_CHECKING:
    import sqlite_utils

DATE = "date"
PATTERNS_TABLE = "field_patterns"
_META_KEY = "fields"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Fields with at most this many values are counted per value by `stats`.
FEW_VALUES = 30
# Per kind of problem, the files named one by one on stderr; the rest are counted.
_WARNINGS_NAMED = 10


@dataclass(frozen=True)
class FieldPattern:
    """A parsed --fields pattern: `{name}` takes a field (at least one
    character, never a slash, as little as lets the rest match), `*` any text
    not kept, anything else stands for itself.  Without a slash the pattern
    matches the file name, with one the path relative to the imported folder.

    >>> p = FieldPattern.parse("{date}_{source}_{n}.txt")
    >>> p.names
    ('date', 'source', 'n')
    >>> p.match("sub/2015-07-21_aawsat_00001.txt")
    {'date': '2015-07-21', 'source': 'aawsat', 'n': '00001'}
    >>> p.match("2015_07_21_al_hayat_7.txt")
    {'date': '2015_07_21', 'source': 'al', 'n': 'hayat_7'}
    >>> FieldPattern.parse("{source}/*.txt").match("okaz/a.txt")
    {'source': 'okaz'}
    >>> FieldPattern.parse("{source}/*.txt").match("x/okaz/a.txt") is None
    True
    """

    text: str
    names: tuple[str, ...]
    regex: re.Pattern

    @classmethod
    def parse(cls, text: str) -> FieldPattern:
        names: list[str] = []
        regex = []
        for piece in re.split(r"(\{[^{}]*\}|\*)", text):
            if piece == "*":
                regex.append("[^/]*")
            elif piece.startswith("{") and piece.endswith("}"):
                name = piece[1:-1]
                check_name(name)
                if name in names:
                    raise ArchiveError(f"--fields: field {name} stands twice in {text!r}")
                names.append(name)
                # A date is tried in its shapes first, so that its own
                # separators (2015_07_21) are not taken for the pattern's.
                shapes = f"{_DATE_SHAPES}|" if name == DATE else ""
                regex.append(f"(?P<{name}>{shapes}[^/]+?)")
            elif "{" in piece or "}" in piece:
                raise ArchiveError(f"--fields: unmatched brace in {text!r} (fields are written {{name}})")
            else:
                regex.append(re.escape(piece))
        if not names:
            raise ArchiveError(f"--fields: {text!r} names no field (write them {{name}}, e.g. {{date}}_{{source}}.txt)")
        return cls(text, tuple(names), re.compile("".join(regex)))

    def match(self, relative_path: str) -> dict[str, str] | None:
        """The fields of a file at this path (relative to the folder, with
        slashes), or None when it does not match."""
        subject = relative_path if "/" in self.text else relative_path.rsplit("/", 1)[-1]
        found = self.regex.fullmatch(subject)
        return found.groupdict() if found else None


def check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise ArchiveError(
            f"--fields: bad field name {name!r}: a lowercase letter, then letters, digits or _"
        )


_YMD = re.compile(r"(\d{4})([-_./]?)(\d{2})\2(\d{2})")
_DMY = re.compile(r"(\d{1,2})([-_./])(\d{1,2})\2(\d{4})")
# The same shapes (no slash: it parts folders), without groups, to sit in a pattern's regex.
_DATE_SHAPES = r"\d{4}(?:-\d{2}-\d{2}|_\d{2}_\d{2}|\.\d{2}\.\d{2}|\d{4})|\d{1,2}(?:-\d{1,2}-|_\d{1,2}_|\.\d{1,2}\.)\d{4}"


def parse_date(text: str) -> str | None:
    """A date as ISO YYYY-MM-DD, or None when text is not one.

    >>> [parse_date(t) for t in ("2015-07-21", "20150721", "2015_07_21", "21-07-2015", "1.8.2015")]
    ['2015-07-21', '2015-07-21', '2015-07-21', '2015-07-21', '2015-08-01']
    >>> parse_date("2015-13-01"), parse_date("yesterday")
    (None, None)
    """
    text = text.strip()
    if found := _YMD.fullmatch(text):
        year, _, month, day = found.groups()
    elif found := _DMY.fullmatch(text):
        day, _, month, year = found.groups()
    else:
        return None
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def date_bound(text: str, end: bool) -> str:
    """A --since (end=False) or --until (end=True) date as ISO; a month or a
    year stands for its first or last day.

    >>> date_bound("2015-08", end=False), date_bound("2015-02", end=True), date_bound("2015", end=True)
    ('2015-08-01', '2015-02-28', '2015-12-31')
    >>> date_bound("٢٠١٥", end=False)  # Arabic-Indic digits, as the ISO dates they stand for
    '2015-01-01'
    >>> date_bound("9999-12", end=True), date_bound("9999-12", end=False)
    ('9999-12-31', '9999-12-01')
    """
    option = "--until" if end else "--since"
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return f"{year:04d}-12-31" if end else f"{year:04d}-01-01"
    if found := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        year, month = int(found[1]), int(found[2])
        if 1 <= month <= 12 and year >= 1:
            # The month's last day without the next month's first (9999-12).
            return dt.date(year, month, calendar.monthrange(year, month)[1] if end else 1).isoformat()
    parsed = parse_date(text)
    if parsed is None:
        raise ArchiveError(f"{option} {text}: not a date (write YYYY-MM-DD, YYYY-MM or YYYY)")
    return parsed


# --- the archive's fields ----------------------------------------------------


def field_names(db) -> list[str]:
    """The archive's field names, in the order they were added; db is
    anything with .execute(sql, params)."""
    return json.loads(get_meta(db).get(_META_KEY) or "[]")


def _add_columns(db: sqlite_utils.Database, names: Iterable[str]) -> None:
    """Give `documents` a column (and an index) per new field name: an
    archive made before fields, or with others, needs no rebuild."""
    known = field_names(db)
    columns = {row[1] for row in db.execute("pragma table_xinfo(documents)")}
    for name in names:
        if name in known:
            continue
        if name in columns or name in ("rowid", "oid"):
            raise ArchiveError(f"--fields: {name} is a column of the archive's documents already: name the field otherwise")
        # nocase: --where source=Okaz finds okaz, and the index still serves it.
        db.execute(f'alter table documents add column "{name}" text collate nocase')
        db.execute(f'create index "documents_field_{name}" on documents ("{name}")')
        known.append(name)
    # Plain SQL: sqlite-utils' upsert would commit the caller's transaction.
    db.execute("insert or replace into archive_meta (key, value) values (?, ?)", [_META_KEY, json.dumps(known)])


# Every field of a document by its id, apart from the rest of its row: what
# the search page's facets read of each match's document (counts.py).
FIELDS_INDEX = "documents_fields"


def _index_fields(db: sqlite_utils.Database) -> None:
    """FIELDS_INDEX over the archive's fields, made again when one is added
    (and made for an archive given fields before it existed)."""
    names = field_names(db)
    wanted = ["id", *names]
    held = [row[2] for row in db.execute(f"pragma index_info({FIELDS_INDEX})")]
    if not names or held == wanted:
        return
    db.execute(f"drop index if exists {FIELDS_INDEX}")
    # The names are checked identifiers (_NAME), safe to quote into SQL.
    columns = ", ".join(f'"{name}"' for name in wanted)
    db.execute(f"create index {FIELDS_INDEX} on documents ({columns})")


def remembered_patterns(db: sqlite_utils.Database) -> dict[str, str]:
    """The remembered patterns, by folder."""
    if not db[PATTERNS_TABLE].exists():
        return {}
    return dict(db.execute(f"select folder, pattern from {PATTERNS_TABLE}").fetchall())


@dataclass
class FieldRun:
    """The fields an import gives its folder's documents (see prepare/apply)."""

    folder: str
    patterns: dict[str, FieldPattern]  # by folder: the folder's own and its ancestors'
    changed: bool  # a pattern given now that differs from the remembered one
    # --fields '': whether the folder had a pattern of its own to forget (None: not asked).
    forgot: bool | None = None
    updated: int = 0  # documents given values other than they had
    cleared: int = 0  # documents that had values and now have none
    unfit: int = 0  # documents whose paths the pattern does not fit (they have no values)
    unmatched: list[str] = field(default_factory=list)
    undated: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # patterns that followed moved documents, or did not

    def line(self) -> str | None:
        """What the run did, if anything worth saying."""
        said = [self._forgetting()] if self.forgot is not None else []
        cleared = f"{counted(self.cleared, 'document')} lost {agreeing(self.cleared, 'its', 'their')} fields"
        if self.patterns:
            # Each text once: a pattern that followed moved documents is at two folders.
            patterns = ", ".join(repr(text) for text in dict.fromkeys(p.text for p in self.patterns.values()))
            changes = f"{counted(self.updated, 'document')} given new values"
            if self.cleared:
                changes += f", {cleared}"
            if self.unfit:
                changes += f"; {counted(self.unfit, 'document')} {agreeing(self.unfit, 'fits', 'fit')} no pattern"
            said.append(f"fields from {patterns}: {changes}")
        elif self.cleared:
            said.append(f"fields: {cleared}, under no --fields pattern")
        return "; ".join(said + self.notes) or None

    def _forgetting(self) -> str:
        if self.forgot:
            return f"--fields '' forgot the pattern of {self.folder}"
        inherited = [folder for folder in self.patterns if inside(self.folder, folder)]
        applies = f" (that of {max(inherited, key=len)} applies)" if inherited else ""
        return f"--fields '': {self.folder} has no pattern of its own to forget{applies}"


def prepare(db: sqlite_utils.Database, folder: str, given: str | None) -> FieldRun | None:
    """Before an import of folder: remember a pattern given (an empty one
    forgets), add its columns; the run that apply() completes, or None when
    no pattern applies to the folder."""
    pattern = FieldPattern.parse(given) if given else None
    folder = printable(folder)  # as documents.path holds the paths under it
    forgot = False if given == "" else None
    conn = db.conn
    conn.execute("begin immediate")
    try:
        remembered = remembered_patterns(db)
        changed = given is not None and remembered.get(folder) != (pattern.text if pattern else None)
        if pattern:
            _add_columns(db, pattern.names)
            db[PATTERNS_TABLE].create({"folder": str, "pattern": str}, pk="folder", if_not_exists=True)
            conn.execute(f"insert or replace into {PATTERNS_TABLE} values (?, ?)", [folder, pattern.text])
            remembered[folder] = pattern.text
        elif given is not None and folder in remembered:
            conn.execute(f"delete from {PATTERNS_TABLE} where folder = ?", [folder])
            del remembered[folder]
            forgot = True
        _index_fields(db)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    applying = {
        where: FieldPattern.parse(text)
        for where, text in remembered.items()
        if where == folder or inside(folder, where) or inside(where, folder)
    }
    # No pattern here, but fields elsewhere: a document moved in from a
    # folder with one must lose its fields, as a fresh import gives none.
    if not applying and not changed and not field_names(db) and forgot is None:
        return None
    return FieldRun(folder, applying, changed, forgot)


def inside(path: str, folder: str) -> bool:
    """Whether path is below folder (not folder itself)."""
    return path.startswith(folder.rstrip("/") + "/")


def values_for(path: str, patterns: dict[str, FieldPattern], names: list[str]) -> tuple[dict, str | None]:
    """A document's field values by the nearest folder's pattern (every name
    present, None where unknown), and the raw date when it did not parse.

    >>> values_for("/n/2015-07-21_okaz_1.txt", {"/n": FieldPattern.parse("{date}_{source}_*")}, ["date", "source"])
    ({'date': '2015-07-21', 'source': 'okaz'}, None)
    """
    values: dict[str, str | None] = dict.fromkeys(names)
    folders = [folder for folder in patterns if inside(path, folder)]
    if not folders:
        return values, None
    folder = max(folders, key=len)
    found = patterns[folder].match(path[len(folder.rstrip("/")) + 1:])
    if found is None:
        raise Unmatched(patterns[folder].text)
    values.update(found)
    bad_date = None
    if DATE in found:
        values[DATE] = parse_date(found[DATE])
        bad_date = None if values[DATE] else found[DATE]
    return values, bad_date


class Unmatched(Exception):
    """A path the pattern of its nearest folder does not fit."""


def apply(db: sqlite_utils.Database, run: FieldRun, since: str, report: Callable[[str, str, str], None]) -> FieldRun:
    """After the import: set the fields of every document under the folder
    from the patterns, writing those that changed.  Files imported since
    `since` (an ISO time), or all after a new pattern, are warned about when
    the pattern does not fit them (they keep no fields) or gives no date."""
    names = field_names(db)
    if not names:
        return run
    columns = ", ".join(f'"{name}"' for name in names)
    prefix = run.folder.rstrip("/") + "/"
    rows = db.execute(
        f"select id, path, imported_at, {columns} from documents where path >= ? and path < ?",
        [prefix, prefix[:-1] + chr(ord("/") + 1)],
    ).fetchall()
    conn = db.conn
    conn.execute("begin immediate")
    try:
        for document_id, path, imported_at, *stored in rows:
            fresh = run.changed or (imported_at or "") >= since
            try:
                values, bad_date = values_for(path, run.patterns, names)
            except Unmatched:
                values, bad_date = dict.fromkeys(names), None
                run.unfit += 1
                if fresh:
                    run.unmatched.append(path)
            if bad_date is not None and fresh:
                run.undated.append((path, f"date {bad_date!r} is not a date: imported without one"))
            if list(values.values()) != stored:
                assignments = ", ".join(f'"{name}" = ?' for name in names)
                conn.execute(f"update documents set {assignments} where id = ?", [*values.values(), document_id])
                if any(value is not None for value in values.values()):
                    run.updated += 1
                else:
                    run.cleared += 1
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    unmatched = "does not match the --fields pattern: imported without fields"
    _warn(report, [(path, unmatched) for path in run.unmatched])
    _warn(report, run.undated)
    return run


def _warn(report: Callable[[str, str, str], None], problems: list[tuple[str, str]]) -> None:
    for file, why in problems[:_WARNINGS_NAMED]:
        report("warning", file, why)
    if len(problems) > _WARNINGS_NAMED:
        report("warning", f"{len(problems) - _WARNINGS_NAMED} more files", "the same")


# --- reading -----------------------------------------------------------------


def parse_where(db, items: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """--where FIELD=VALUE options as values by field (a date field's
    values made ISO; FIELD= alone, "" here, the documents without one); an
    unknown field or a bad value is an error."""
    names = field_names(db)
    wanted: dict[str, list[str]] = {}
    for item in items:
        name, equals, value = item.partition("=")
        # Spaces around the = are the user's layout, not the value's.
        name, value = name.strip(), value.strip()
        if not equals or not name:
            raise ArchiveError(f"--where {item}: write FIELD=VALUE, e.g. --where source=okaz")
        if name not in names:
            raise ArchiveError(f"--where {item}: no field {name} in this archive ({_known(names)})")
        if value and _unused(db, name):
            raise ArchiveError(f"--where {item}: no document has a {name} ({_DROPPED})")
        if name == DATE and value:
            iso = parse_date(value)
            if iso is None:
                raise ArchiveError(f"--where {item}: not a date (write YYYY-MM-DD)")
            value = iso
        wanted.setdefault(name, []).append(value)
    return {name: tuple(values) for name, values in wanted.items()}


def check_dates(db, since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """--since and --until as ISO dates; an error when the archive has no
    date field, or when since comes after until (nothing could match).

    >>> check_dates(None, "2015-09", "2015-08")
    Traceback (most recent call last):
    archive.db.ArchiveError: --since 2015-09 is after --until 2015-08: no date can be both
    """
    asked = since, until
    since = date_bound(since, end=False) if since else None
    until = date_bound(until, end=True) if until else None
    if since and until and since > until:
        raise ArchiveError(f"--since {asked[0]} is after --until {asked[1]}: no date can be both")
    if (since or until) and DATE not in field_names(db):
        raise ArchiveError(
            f"--since/--until: this archive's documents have no date "
            f"(import with --fields, e.g. '{{date}}_{{source}}_*.txt'; {_known(field_names(db))})"
        )
    if (since or until) and _unused(db, DATE):
        raise ArchiveError(f"--since/--until: no document has a date ({_DROPPED})")
    return since, until


# A field no document has a value for: a later --fields pattern dropped it
# (its column stays).  Said so, rather than "no hits".
_DROPPED = "no --fields pattern gives it to any document now"


def _unused(db, name: str) -> bool:
    return db.execute(f'select 1 from documents where "{name}" is not null limit 1').fetchone() is None


def _known(names: list[str]) -> str:
    return f"its fields: {', '.join(names)}" if names else "it has no fields: see 'archive import --fields'"


def fields_by_path(db, paths: Iterable[str]) -> dict[str, dict[str, str | None]]:
    """The field values of the documents at these paths ({} each when the
    archive has no fields)."""
    paths = list(paths)
    names = field_names(db)
    if not names:
        return {path: {} for path in paths}
    columns = ", ".join(f'"{name}"' for name in names)
    rows = db.execute(
        f"select path, {columns} from documents where path in (select value from json_each(?))",
        [json.dumps(paths)],
    )
    return {path: dict(zip(names, values)) for path, *values in rows}


def field_stats(db) -> dict[str, dict]:
    """Per field: the date range, or the documents per value when there are
    few values, or how many values there are."""
    result: dict[str, dict] = {}
    for name in field_names(db):
        column = f'"{name}"'
        documents, distinct, first, last = db.execute(
            f"select count({column}), count(distinct {column}), min({column}), max({column}) from documents"
        ).fetchone()
        facts: dict = {"documents": documents}
        if name == DATE:
            facts.update({"first": first, "last": last})
        elif distinct <= FEW_VALUES:
            facts["values"] = dict(db.execute(
                f"select {column}, count(*) from documents where {column} is not null "
                f"group by {column} order by count(*) desc, {column}"
            ).fetchall())
        else:
            facts["distinct"] = distinct
        result[name] = facts
    return result

