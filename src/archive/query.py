"""Queries: parse what the user typed, turn it into an FTS5 expression, run it.

Syntax (Google-like):
  قوات الامن          both words (AND)
  "قوات الامن"        the phrase
  قوات OR جيش          either word
  -جيش, NOT جيش        without the word
  اقتصا*               words starting with that
Every word goes through the analyzer (see analyze.py), and the FTS5 expression
is built from quoted terms only, so no input can produce an FTS5 syntax error.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from . import analyze
from .db import copies_per_text, get_meta

if TYPE_CHECKING:  # queries take any object with sqlite_utils.Database's execute/conn
    import sqlite_utils

_MAX_PHRASE_VARIANTS = 64
_MAX_ATOMS = 64
# Clitics and articles that a prefix search looks behind: و+ال+اقتصا*.
_PREFIX_LEADS = ("",) + analyze.CLITICS[1:] + analyze.ARTICLES


class QueryError(Exception):
    """The query cannot be searched; the message says why."""


@dataclass
class Atom:
    """A word, a phrase or a prefix as typed, with its normalized words."""

    words: list[str]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass
class Query:
    # Conjunction of disjunctions: [[a, b], [c]] means (a OR b) AND c.
    clauses: list[list[Atom]] = field(default_factory=list)
    excluded: list[Atom] = field(default_factory=list)
    exact: bool = False

    def positive_atoms(self) -> list[Atom]:
        return [atom for clause in self.clauses for atom in clause]


_TOKEN = re.compile(r'-?"[^"]*"?|[^\s"]+')


def parse(text: str, exact: bool = False) -> Query:
    """Parse a query string.

    >>> q = parse('قوات OR جيش -مدني "حقل العمر" -"دير الزور"')
    >>> [[a.words for a in c] for c in q.clauses], [a.words for a in q.excluded]
    ([[['قوات'], ['جيش']], [['حقل', 'العمر']]], [['مدني'], ['دير', 'الزور']])
    """
    query = Query(exact=exact)
    negate_next = False
    join_next = False
    for raw in _TOKEN.findall(text.replace("\x00", " ")):
        if raw == "OR":
            join_next = bool(query.clauses)
            continue
        if raw == "AND":
            continue
        if raw == "NOT":
            negate_next = True
            continue
        negate = negate_next
        negate_next = False
        prefix = False
        if raw.startswith(('"', '-"')):
            negate = negate or raw.startswith("-")
            body = raw.lstrip("-").strip('"')
        else:
            if raw.startswith("-") and len(raw) > 1:
                negate, raw = True, raw.lstrip("-")
            prefix = raw.endswith("*")
            body = raw
        normalized = analyze.words(body)
        if not normalized:
            join_next = False
            continue
        atom = Atom(normalized, prefix=prefix and len(normalized) == 1)
        if negate:
            query.excluded.append(atom)
            join_next = False
        elif join_next:
            query.clauses[-1].append(atom)
            join_next = False
        else:
            query.clauses.append([atom])
    if len(query.positive_atoms()) + len(query.excluded) > _MAX_ATOMS:
        raise QueryError(f"the query has more than {_MAX_ATOMS} words")
    return query


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def word_terms(word: str, exact: bool) -> frozenset[str]:
    """Index terms that stand for one query word."""
    return frozenset([word]) if exact else analyze.expand(word)


# known(column, terms) -> the terms the index holds in that column; given, the
# expression leaves out look-ups that cannot match (bm25 pays for each one on
# every matching row).  Leaving them out changes neither matches nor scores.
Known = Callable[[str, Iterable[str]], set[str]]
# An FTS5 expression that is valid and matches no row: the empty phrase.
_NOTHING = '""'


def _atom_expression(atom: Atom, exact: bool, known: Known | None = None) -> str:
    column = "exact" if exact else "terms"
    if atom.prefix:
        word = atom.words[0]
        if exact:
            alternatives = [_quote(word) + "*"]
        else:
            # Prefix searches look at written forms, behind any clitics.
            column = "exact"
            alternatives = sorted({_quote(lead + word) + "*" for lead in _PREFIX_LEADS})
        return f"{column} : ({' OR '.join(alternatives)})"
    if not atom.is_phrase:
        if exact:
            return f"exact : ({_quote(atom.words[0])})"
        terms, forms = analyze.expansion(atom.words[0])
        terms = sorted(known("terms", terms) if known else terms)
        forms = sorted(known("exact", forms) if known and forms else forms)
        parts = []
        if terms:
            parts.append(f"terms : ({' OR '.join(_quote(t) for t in terms)})")
        if forms:
            parts.append(f"exact : ({' OR '.join(_quote(f) for f in forms)})")
        return f"({' OR '.join(parts)})" if parts else _NOTHING
    # A phrase: FTS5 phrases hold one term per place, so the variants of each
    # word multiply; past a limit only the first word keeps its variants.
    per_word = [sorted(word_terms(w, exact)) for w in atom.words]
    if known and not exact:
        per_word = [sorted(known(column, variants)) for variants in per_word]
        if not all(per_word):
            return _NOTHING
    if _product(len(v) for v in per_word) > _MAX_PHRASE_VARIANTS:
        per_word = [per_word[0]] + [
            [analyze.stem(w)] if not exact else [w] for w in atom.words[1:]
        ]
    if _product(len(v) for v in per_word) > _MAX_PHRASE_VARIANTS:
        per_word[0] = [analyze.stem(atom.words[0]) if not exact else atom.words[0]]
    # `"a" + "b"` is FTS5's phrase; `"a" "b"` would only AND the words.
    phrases = [" + ".join(_quote(t) for t in combo) for combo in itertools.product(*per_word)]
    return f"{column} : ({' OR '.join(phrases)})"


def _product(numbers) -> int:
    result = 1
    for n in numbers:
        result *= n
    return result


def to_fts(query: Query, known: Known | None = None) -> str:
    """The FTS5 MATCH expression for a parsed query.

    >>> to_fts(parse("العمر", exact=True))
    '(exact : ("العمر"))'
    """
    if not query.clauses:
        if query.excluded:
            raise QueryError("the query only excludes words: add a word to search for")
        raise QueryError("the query has no words to search for")
    parts = []
    for clause in query.clauses:
        alternatives = [_atom_expression(a, query.exact, known) for a in clause]
        parts.append("(" + " OR ".join(alternatives) + ")")
    expression = " AND ".join(parts)
    if query.excluded:
        excluded = " OR ".join(_atom_expression(a, query.exact, known) for a in query.excluded)
        expression = f"({expression}) NOT ({excluded})"
    return expression


def fts_expression(text: str, exact: bool = False) -> str:
    """Query string → FTS5 expression (what Datasette's search box uses too)."""
    return to_fts(parse(text, exact=exact))


# --- running a search -------------------------------------------------------


@dataclass
class Duplicate:
    """Another place where a hit's paragraph stands, word for word."""

    path: str
    paragraph: int


@dataclass
class Hit:
    path: str
    title: str
    paragraph: int
    text: str
    score: float
    document_id: int
    paragraph_id: int
    reprint: str = ""  # what its reprints share: the paragraph's fingerprint
    # Other matching paragraphs with the same normalized words (reprints),
    # folded into this hit; filled in by `fill_duplicates`.
    copies: int = 0
    duplicates: list[Duplicate] = field(default_factory=list)


@dataclass
class Filters:
    """Which documents a search looks in.

    paths: globs, any of which may match.  A glob without a slash matches the
    file name (like grep --include); one with a slash matches the whole path,
    absolute or relative to the working directory (as paths are displayed).
    document: one document's stored path (see `document_path`).

    >>> Filters(paths=("*okaz*",)).sql("/home/me")
    ('and (archive_file_name(documents.path) glob :path0)', {'path0': '*okaz*'})
    >>> Filters(paths=("corpus/2015-07-2*",)).sql("/home/me")[1]
    {'path0': '/home/me/corpus/2015-07-2*'}
    """

    paths: tuple[str, ...] = ()
    document: str | None = None

    def sql(self, cwd: str) -> tuple[str, dict[str, str]]:
        """A where-clause fragment on `documents` and its named parameters."""
        clauses, params = [], {}
        if self.paths:
            alternatives = []
            for number, glob in enumerate(self.paths):
                name = f"path{number}"
                if "/" in glob:
                    alternatives.append(f"documents.path glob :{name}")
                    params[name] = absolute_glob(glob, cwd)
                else:
                    alternatives.append(f"archive_file_name(documents.path) glob :{name}")
                    params[name] = glob
            clauses.append("(" + " or ".join(alternatives) + ")")
        if self.document is not None:
            clauses.append("documents.path = :document")
            params["document"] = self.document
        return " ".join(f"and {clause}" for clause in clauses), params


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


def _connect_functions(db: sqlite_utils.Database) -> None:
    db.conn.create_function("archive_file_name", 1, _file_name, deterministic=True)


# Every matching paragraph of the filtered documents, numbered among its
# reprints (same fingerprint): copy 1 is the best-ranked, the one shown.
_MATCHES_SQL = """
with matches as (
  select
    paragraphs.id as paragraph_id,
    paragraphs.number as paragraph,
    -- a paragraph without a fingerprint is a reprint of nothing
    coalesce(paragraphs.fingerprint, 'paragraph ' || paragraphs.id) as reprint,
    documents.id as document_id,
    documents.path as path,
    paragraphs_fts.rank as score
  from paragraphs_fts
  join paragraphs on paragraphs.id = paragraphs_fts.rowid
  join documents on documents.id = paragraphs.document_id
  where paragraphs_fts match :expression {filters}
),
numbered as (
  select matches.*,
    row_number() over (partition by reprint order by score, path, paragraph) as copy,
    count(*) over (partition by reprint) as copies
  from matches
)
"""

_ORDER = {
    "rank": "order by numbered.score, numbered.path, numbered.paragraph",
    "path": "order by numbered.path, numbered.paragraph",
}

_HITS_SQL = """
select numbered.paragraph_id, numbered.paragraph, paragraphs.text, numbered.document_id,
       numbered.path, documents.title, numbered.score, numbered.reprint, numbered.copies
from numbered
join paragraphs on paragraphs.id = numbered.paragraph_id
join documents on documents.id = numbered.document_id
where {shown}
{order}
limit :limit offset :offset
"""


def _indexed_terms(db: sqlite_utils.Database) -> Known:
    """A `known` for to_fts(), asking the index itself."""
    db.execute(
        "create virtual table if not exists temp.archive_index_terms"
        " using fts5vocab(main, 'paragraphs_fts', 'col')"
    )

    def known(column: str, terms: Iterable[str]) -> set[str]:
        terms = list(terms)
        if len(terms) <= _PROBED_TERMS:
            # A term's first match is one seek, even for a common term; all
            # the terms in one statement (a third faster than one each).
            expressions = json.dumps([f"{column} : {_quote(term)}" for term in terms])
            return {terms[key] for (key,) in db.execute(_PROBE_SQL, [expressions])}
        # Many terms (a word's written forms, mostly rare): the vocabulary,
        # which counts each term's matches, in one query per 500.
        found: set[str] = set()
        for start in range(0, len(terms), 500):
            chunk = terms[start:start + 500]
            found.update(
                row[0]
                for row in db.execute(
                    "select distinct term from temp.archive_index_terms where col = ? and term in ("
                    + ", ".join("?" * len(chunk)) + ")",
                    [column, *chunk],
                )
            )
        return found

    return known


# Up to this many terms are checked by a look-up each (see _indexed_terms).
_PROBED_TERMS = 64
# The positions, in a JSON list of FTS5 expressions, of those that match.
_PROBE_SQL = """
select key from json_each(?)
where exists (select 1 from paragraphs_fts where paragraphs_fts match json_each.value)
"""


def _matches(query: Query, filters: Filters | None, db: sqlite_utils.Database) -> tuple[str, dict]:
    """The `matches` and `numbered` SQL for this query and filters, with parameters."""
    where, params = (filters or Filters()).sql(os.getcwd())
    expression = to_fts(query, _indexed_terms(db))
    return _MATCHES_SQL.format(filters=where), {"expression": expression, **params}


# The best-ranked matches, the first `limit` of them, as rowid and score: FTS5
# ranks every match (the one cost that grows with the archive) and no row is
# read.  Ordering by bm25() rather than by the `rank` column is the same
# order, a quarter faster: FTS5 answers `order by rank` through a second,
# inner query.
_TOP_SQL = """
select rowid, bm25(paragraphs_fts) as score from paragraphs_fts
where paragraphs_fts match :expression order by score limit :limit
"""
# The rows of those that may be shown.
_SHOWN_SQL = """
select paragraphs.id, paragraphs.number, paragraphs.text, documents.id, documents.path,
       documents.title, null,
       coalesce(paragraphs.fingerprint, 'paragraph ' || paragraphs.id)
from paragraphs join documents on documents.id = paragraphs.document_id
where paragraphs.id in (select value from json_each(:ids))
"""
# With filters, which must act before the limit, every match is joined.
_RANKED_FILTERED_SQL = """
select paragraphs.id, paragraphs.number, paragraphs.text, documents.id, documents.path,
       documents.title, bm25(paragraphs_fts) as score,
       coalesce(paragraphs.fingerprint, 'paragraph ' || paragraphs.id)
from paragraphs_fts
join paragraphs on paragraphs.id = paragraphs_fts.rowid
join documents on documents.id = paragraphs.document_id
where paragraphs_fts match :expression {filters}
order by score, documents.path, paragraphs.number
limit :limit
"""

# How many matching paragraphs share each of these fingerprints, found by the
# fingerprint index alone.  Paragraphs with the same fingerprint have the same
# normalized words, so the same index entries: when one matches, all do.
# (Checking each against the query listed every match: the cost grew with
# the archive.)
_COPIES_SQL = """
select paragraphs.fingerprint, count(*)
from paragraphs join documents on documents.id = paragraphs.document_id
where paragraphs.fingerprint in (select value from json_each(:reprints)) {filters}
group by paragraphs.fingerprint
"""


def search(
    db: sqlite_utils.Database,
    query: Query,
    limit: int = 20,
    offset: int = 0,
    filters: Filters | None = None,
    sort: str = "rank",
    fold_duplicates: bool = True,
) -> list[Hit]:
    """Paragraphs matching the query, best first (bm25) or by path.

    With fold_duplicates, paragraphs whose normalized words are the same (a
    reprint) count once: only the best-ranked copy is returned, with `copies`
    saying how many there are; limit and offset count what is returned.
    """
    _connect_functions(db)
    if sort != "rank":
        return _search_all(db, query, limit, offset, filters, sort, fold_duplicates)
    where, params = (filters or Filters()).sql(os.getcwd())
    params["expression"] = to_fts(query, _indexed_terms(db))
    wanted = offset + limit
    # Rows are ranked in one statement and read in others: all of them must
    # see the same archive, or an import committing in between could give a
    # ranked paragraph's id to a new one.
    with one_snapshot(db.conn):
        if where:
            kept = _best_filtered_rows(db, params, where, wanted, fold_duplicates)
        else:
            kept = _best_rows(db, params, wanted, fold_duplicates)
        hits = [_hit(row, copies=1) for row in kept[offset:wanted]]
        if fold_duplicates and hits:
            params["reprints"] = json.dumps([hit.reprint for hit in hits])
            copies = dict(db.execute(_COPIES_SQL.format(filters=where), params).fetchall())
            for hit in hits:
                hit.copies = copies.get(hit.reprint, 1)
    return hits


@contextlib.contextmanager
def one_snapshot(conn) -> Iterator[None]:
    """The statements inside read one state of the archive: a read
    transaction (in WAL mode an import goes on writing meanwhile)."""
    if conn.in_transaction:  # the caller's transaction holds it already
        yield
        return
    conn.execute("begin")
    try:
        yield
    finally:
        # An error may have ended the transaction already: then there is
        # nothing to end, and the error is what the caller must see.
        if conn.in_transaction:
            conn.execute("commit")


def _best_rows(db: sqlite_utils.Database, params: dict, wanted: int, fold_duplicates: bool) -> list[tuple]:
    """The `wanted` best matches' rows, in order; folded, the best copy of
    each of the `wanted` best texts.

    FTS5 ranks for rowids and scores only (_TOP_SQL), the rows of the best
    are read.  Ranked by bm25, the first copy of a reprint met is its
    best-ranked one: the ranking takes a few times the page, as many times
    more as the archive holds copies of each text, and more only when that
    was too few (each time, it ranks every match again)."""
    fetch = _folded_fetch(db, wanted) if fold_duplicates else max(2 * wanted, 50)
    while True:
        ranked = db.execute(_TOP_SQL, {**params, "limit": fetch}).fetchall()
        complete = len(ranked) < fetch
        places = wanted
        while (shown := _best_ranked(ranked, places, complete, fold_duplicates)) is not None:
            rows = _read_shown(db, shown)
            kept = _first_copies(rows) if fold_duplicates else rows
            if len(kept) >= wanted or complete and len(shown) == len(ranked):
                return kept
            # Fewer rows than places: index entries without a paragraph (an
            # index out of step with it, which `archive check` reports).
            places += wanted - len(kept)
        fetch *= 4


def _best_filtered_rows(db: sqlite_utils.Database, params: dict, where: str, wanted: int, fold_duplicates: bool) -> list[tuple]:
    """_best_rows with filters, which must act before the limit: every
    match is joined, and the rows come in order from SQL."""
    fetch = _folded_fetch(db, wanted) if fold_duplicates else wanted
    while True:
        rows = db.execute(_RANKED_FILTERED_SQL.format(filters=where), {**params, "limit": fetch}).fetchall()
        kept = _first_copies(rows) if fold_duplicates else rows
        if len(kept) >= wanted or len(rows) < fetch:
            return kept
        fetch *= 4


def _folded_fetch(db: sqlite_utils.Database, wanted: int) -> int:
    """How many ranked rows to take first for `wanted` folded hits: a few
    times the page, as many times more as the archive holds copies of each
    text."""
    return round(max(4 * wanted, 50) * copies_per_text(db))


def _best_ranked(ranked: list[tuple], places: int, complete: bool, by_score: bool) -> list[tuple] | None:
    """The best (rowid, score) pairs of `ranked` that fill `places`, a tie
    kept whole; None if `ranked` may be too short for that.

    A place is a row, or with by_score a score: reprints have the same
    words, so the same score, and rows of n different scores hold n
    different texts.  A tie runs to its end, so that whichever of its rows
    comes first by path (the one shown) is among them.

    >>> ranked = [(1, -3.0), (2, -3.0), (3, -2.0), (4, -1.0)]
    >>> _best_ranked(ranked, 2, False, by_score=True)
    [(1, -3.0), (2, -3.0), (3, -2.0)]
    >>> _best_ranked(ranked, 1, False, by_score=False)
    [(1, -3.0), (2, -3.0)]
    >>> _best_ranked(ranked, 4, False, by_score=True) is None
    True
    """
    filled = 0
    last = None
    for place, (_, score) in enumerate(ranked):
        if score != last:
            if filled >= places:
                return ranked[:place]
            last = score
            filled += by_score
        filled += not by_score
    return ranked if complete else None


def _read_shown(db: sqlite_utils.Database, ranked: list[tuple]) -> list[tuple]:
    """The rows of ranked (rowid, score) pairs, ordered by score, path and
    paragraph number, as ranking every match orders them."""
    scores = dict(ranked)
    rows = db.execute(_SHOWN_SQL, {"ids": json.dumps(list(scores))}).fetchall()
    rows = [row[:6] + (scores[row[0]],) + row[7:] for row in rows]
    rows.sort(key=lambda row: (row[6], row[4], row[1]))
    return rows


def _first_copies(rows: list[tuple]) -> list[tuple]:
    seen: set[str] = set()
    first = []
    for row in rows:
        if row[7] not in seen:
            seen.add(row[7])
            first.append(row)
    return first


def _search_all(db, query, limit, offset, filters, sort, fold_duplicates) -> list[Hit]:
    """Any order: every match is numbered among its reprints in SQL."""
    matches, params = _matches(query, filters, db)
    sql = matches + _HITS_SQL.format(
        shown="copy = 1" if fold_duplicates else "1", order=_ORDER[sort]
    )
    rows = db.execute(sql, {**params, "limit": limit, "offset": offset}).fetchall()
    return [_hit(row, copies=row[8] if fold_duplicates else 1) for row in rows]


def _hit(row: tuple, copies: int) -> Hit:
    """A Hit from a row of paragraph id, number, text, document id, path,
    title, score and fingerprint."""
    paragraph_id, number, text, document_id, path, title, score, reprint = row[:8]
    return Hit(path=path, title=title, paragraph=number, text=text, score=score,
               document_id=document_id, paragraph_id=paragraph_id, reprint=reprint, copies=copies)


# The other copies of the shown hits, found by fingerprint (indexed): they
# match as the shown one does (see _COPIES_SQL) and score alike, so path and
# number give the order folding used.
_DUPLICATES_SQL = """
select paragraphs.fingerprint, documents.path, paragraphs.number
from paragraphs join documents on documents.id = paragraphs.document_id
where paragraphs.fingerprint in (select value from json_each(:reprints))
  and paragraphs.id not in (select value from json_each(:shown)) {filters}
order by documents.path, paragraphs.number
"""


def fill_duplicates(db: sqlite_utils.Database, hits: list[Hit], filters: Filters | None = None) -> None:
    """Fill in each folded hit's `duplicates`: the reprints it stands for."""
    folded = {hit.reprint: hit for hit in hits if hit.copies > 1}
    if not folded:
        return
    _connect_functions(db)
    where, params = (filters or Filters()).sql(os.getcwd())
    params.update(
        reprints=json.dumps(list(folded)),
        shown=json.dumps([hit.paragraph_id for hit in folded.values()]),
    )
    for reprint, path, paragraph in db.execute(_DUPLICATES_SQL.format(filters=where), params):
        folded[reprint].duplicates.append(Duplicate(path, paragraph))


@dataclass
class DocumentHit:
    """A matching document; its score is its best paragraph's."""

    path: str
    title: str
    score: float
    paragraphs: int  # how many of its paragraphs match


_DOCUMENTS_SQL = """
select matches.path, documents.title, min(matches.score) as best, count(*)
from matches join documents on documents.id = matches.document_id
group by matches.document_id
{order}
limit :limit offset :offset
"""


def matching_documents(
    db: sqlite_utils.Database,
    query: Query,
    limit: int = 20,
    offset: int = 0,
    filters: Filters | None = None,
    sort: str = "rank",
) -> list[DocumentHit]:
    """Documents with a matching paragraph, best first or by path."""
    _connect_functions(db)
    matches, params = _matches(query, filters, db)
    order = "order by best, matches.path" if sort == "rank" else "order by matches.path"
    rows = db.execute(
        matches + _DOCUMENTS_SQL.format(order=order), {**params, "limit": limit, "offset": offset}
    )
    return [DocumentHit(*row) for row in rows]


@dataclass
class Counts:
    paragraphs: int  # every matching paragraph
    distinct: int  # the same, reprints counted once
    documents: int


def count(db: sqlite_utils.Database, query: Query, filters: Filters | None = None) -> Counts:
    """How many paragraphs (all, and without reprints) and documents match."""
    _connect_functions(db)
    matches, params = _matches(query, filters, db)
    sql = matches + (
        "select count(*), count(distinct reprint), count(distinct document_id) from matches"
    )
    return Counts(*db.execute(sql, params).fetchone())


# --- reading documents ----------------------------------------------------


@dataclass
class StoredDocument:
    id: int
    path: str
    title: str
    paragraphs: int


def find_document(db: sqlite_utils.Database, path: str) -> StoredDocument:
    """The archived document at a path given as at import (resolved, so a
    relative path or one through a symlink finds it too)."""
    try:
        resolved = str(Path(path).expanduser().resolve())
    except (OSError, RuntimeError):  # a symlink loop
        resolved = os.path.abspath(path)
    row = db.execute(
        "select id, path, title, paragraphs from documents where path = ?", [resolved]
    ).fetchone()
    if row is None:
        raise QueryError(f"{path} is not in the archive")
    return StoredDocument(*row)


def paragraphs_of(
    db: sqlite_utils.Database, document_id: int, numbers: Iterable[int] | None = None
) -> dict[int, str]:
    """A document's paragraphs by number: all of them, or those numbered."""
    sql = "select number, text from paragraphs where document_id = :id"
    params: dict = {"id": document_id}
    if numbers is not None:
        sql += " and number in (select value from json_each(:numbers))"
        params["numbers"] = json.dumps(sorted(set(numbers)))
    return dict(db.execute(sql + " order by number", params).fetchall())


def around(number: int, context: int) -> range:
    """Paragraph numbers from `context` before to `context` after (from 1).

    >>> list(around(2, 3))
    [1, 2, 3, 4, 5]
    """
    return range(max(1, number - context), number + context + 1)


def context_of(db: sqlite_utils.Database, hits: list[Hit], context: int) -> dict[int, dict[int, str]]:
    """For each document with hits, the texts of its hits' paragraphs and of
    the `context` paragraphs around each, by number: one query a document."""
    wanted: dict[int, set[int]] = {}
    for hit in hits:
        wanted.setdefault(hit.document_id, set()).update(around(hit.paragraph, context))
    return {document_id: paragraphs_of(db, document_id, numbers) for document_id, numbers in wanted.items()}


# --- the archive as a whole -------------------------------------------------


def stats(db: sqlite_utils.Database, db_path: str) -> dict:
    """Sizes and facts of the archive: documents, paragraphs, words, distinct
    words and terms, bytes on disk, last import and analyzer version.

    Words and terms come from the FTS index through an fts5vocab table made in
    the TEMP schema, so nothing is added to the archive itself.
    """
    meta = get_meta(db)
    documents = db.execute("select count(*) from documents").fetchone()[0]
    paragraphs = db.execute("select count(*) from paragraphs").fetchone()[0]
    db.execute("create virtual table if not exists temp.archive_vocab using fts5vocab(main, paragraphs_fts, col)")
    try:
        vocab = dict(
            (column, (terms, occurrences))
            for column, terms, occurrences in db.execute(
                "select col, count(*), sum(cnt) from temp.archive_vocab group by col"
            )
        )
    finally:
        db.execute("drop table temp.archive_vocab")
    return {
        "documents": documents,
        "paragraphs": paragraphs,
        "words": vocab.get("exact", (0, 0))[1] or 0,
        "distinct_words": vocab.get("exact", (0, 0))[0],
        "distinct_terms": vocab.get("terms", (0, 0))[0],
        # The write-ahead log holds recent writes not yet copied into the file.
        "bytes": sum(os.path.getsize(p) for p in (db_path, db_path + "-wal") if os.path.exists(p)),
        "last_import": meta.get("last_import"),
        "analyzer_version": meta.get("analyzer_version"),
    }


# --- which words to mark ----------------------------------------------------


# A highlighter kept for many texts (Datasette keeps one per recent query)
# forgets its decisions past this many words: about 1 MB.  A page of 100
# hits holds some 5,000 distinct words.
_DECIDED_WORDS = 10_000


class Highlighter:
    """Finds the words of texts that a query matched, deciding each distinct
    written word once for all the texts of a search.

    >>> Highlighter(parse("قوات")).spans("وقالت القوّاتُ")
    [(6, 14)]
    """

    def __init__(self, query: Query):
        self._stems: set[str] = set()
        self._forms: set[str] = set()
        prefixes: list[str] = []
        for atom in query.positive_atoms():
            if atom.prefix:
                leads = _PREFIX_LEADS if not query.exact else ("",)
                prefixes.extend(lead + atom.words[0] for lead in leads)
            elif query.exact:
                self._forms.update(atom.words)
            else:
                for word in atom.words:
                    terms, written = analyze.expansion(word)
                    self._stems.update(terms)
                    self._forms.update(written)
        self._prefixes = tuple(prefixes)
        # Written words decided so far: (marked, unmarked), replaced as one.
        self._decisions: tuple[set[str], set[str]] = (set(), set())

    def _marked(self, word: str) -> bool:
        """Whether one written word is marked: any of tokenize()'s words in it matched."""
        return any(self._part_marked(part) for part in analyze.word_parts(word))

    def _part_marked(self, part: str) -> bool:
        return bool(
            part in self._forms
            or (self._stems and analyze.stem(part) in self._stems)
            or (self._prefixes and part.startswith(self._prefixes))
        )

    def _forget(self) -> tuple[set[str], set[str]]:
        """Start anew: new sets, not the old ones cleared, as another
        thread (Datasette shares a highlighter) may be reading those."""
        self._decisions = (set(), set())
        return self._decisions

    def _decide(self, words: set[str], marked: set[str], unmarked: set[str]) -> None:
        part_marked, parts_of = self._part_marked, analyze.word_parts
        for word in words:
            parts = parts_of(word)
            # One part nearly always: _marked without its generator.
            hit = part_marked(parts[0]) if len(parts) == 1 else self._marked(word)
            (marked if hit else unmarked).add(word)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the text's marked words (analyze.written_words).

        Its distinct words are found in one pass made in C, those not yet
        decided are decided, and only the marked ones are looked for again
        (str.find, a whole word when no letter or mark of a word is at
        either side): walking every word in Python cost twice as much."""
        words = set(analyze.raw_words(text))
        # This text's decisions are read from the sets they went into, even
        # if another thread forgets meanwhile.
        marked_words, unmarked_words = self._decisions
        undecided = words.difference(marked_words, unmarked_words)
        if undecided:
            if len(marked_words) + len(unmarked_words) + len(undecided) > _DECIDED_WORDS:
                marked_words, unmarked_words = self._forget()
                undecided = words
            self._decide(undecided, marked_words, unmarked_words)
        marked = words.intersection(marked_words)
        if len(marked) > _WORDS_FOUND_AGAIN:
            # Each str.find reads the text again: past a few words (a prefix
            # such as ال* marks most of them), one walk costs less.
            return [(start, start + len(word)) for word, start in analyze.written_words(text) if word in marked]
        spans = []
        size = len(text)
        inside_word = _INSIDE_WORD.match
        for word in marked:
            length = len(word)
            start = text.find(word)
            while start >= 0:
                end = start + length
                if (start == 0 or not inside_word(text, start - 1)) and (end == size or not inside_word(text, end)):
                    spans.append((start, end))
                # A whole word cannot begin inside this one: go on after it.
                start = text.find(word, end)
        spans.sort()
        return spans


# Most distinct marked words of a text that spans() looks for one by one.
_WORDS_FOUND_AGAIN = 8
# A character that continues a word of written_words.
_INSIDE_WORD = re.compile(analyze.WORD_CHARACTER)


def highlight_spans(text: str, query: Query) -> list[tuple[int, int]]:
    """Character spans of the original text's words that the query matched.

    >>> highlight_spans("وقالت القوّاتُ", parse("قوات"))
    [(6, 14)]
    """
    return Highlighter(query).spans(text)
