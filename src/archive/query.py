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

import itertools
import re
from dataclasses import dataclass, field

import sqlite_utils

from . import analyze

_MAX_PHRASE_VARIANTS = 64
_MAX_ATOMS = 64
# Clitics and articles that a prefix search looks behind: و+ال+اقتصا*.
_PREFIX_LEADS = ("",) + analyze._CLITICS[1:] + analyze._ARTICLES


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


_TOKEN = re.compile(r'"[^"]*"?|[^\s"]+')


def parse(text: str, exact: bool = False) -> Query:
    """Parse a query string.

    >>> q = parse('قوات OR جيش -مدني "حقل العمر"')
    >>> [[a.words for a in c] for c in q.clauses], [a.words for a in q.excluded]
    ([[['قوات'], ['جيش']], [['حقل', 'العمر']]], [['مدني']])
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
        if raw.startswith('"'):
            body = raw.strip('"')
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


def _atom_expression(atom: Atom, exact: bool) -> str:
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
        terms = sorted(word_terms(atom.words[0], exact))
        return f"{column} : ({' OR '.join(_quote(t) for t in terms)})"
    # A phrase: FTS5 phrases hold one term per place, so the variants of each
    # word multiply; past a limit only the first word keeps its variants.
    per_word = [sorted(word_terms(w, exact)) for w in atom.words]
    if _product(len(v) for v in per_word) > _MAX_PHRASE_VARIANTS:
        per_word = [per_word[0]] + [
            [analyze.stem(w)] if not exact else [w] for w in atom.words[1:]
        ]
    if _product(len(v) for v in per_word) > _MAX_PHRASE_VARIANTS:
        per_word[0] = [analyze.stem(atom.words[0]) if not exact else atom.words[0]]
    phrases = [" ".join(_quote(t) for t in combo) for combo in itertools.product(*per_word)]
    return f"{column} : ({' OR '.join(phrases)})"


def _product(numbers) -> int:
    result = 1
    for n in numbers:
        result *= n
    return result


def to_fts(query: Query) -> str:
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
        alternatives = [_atom_expression(a, query.exact) for a in clause]
        parts.append("(" + " OR ".join(alternatives) + ")")
    expression = " AND ".join(parts)
    if query.excluded:
        excluded = " OR ".join(_atom_expression(a, query.exact) for a in query.excluded)
        expression = f"({expression}) NOT ({excluded})"
    return expression


def fts_expression(text: str, exact: bool = False) -> str:
    """Query string → FTS5 expression (what Datasette's search box uses too)."""
    return to_fts(parse(text, exact=exact))


# --- running a search -------------------------------------------------------


@dataclass
class Hit:
    path: str
    title: str
    paragraph: int
    text: str
    score: float
    document_id: int
    paragraph_id: int


_SEARCH_SQL = """
select
  paragraphs.id as paragraph_id,
  paragraphs.number as paragraph,
  paragraphs.text as text,
  documents.id as document_id,
  documents.path as path,
  documents.title as title,
  paragraphs_fts.rank as score
from paragraphs_fts
join paragraphs on paragraphs.id = paragraphs_fts.rowid
join documents on documents.id = paragraphs.document_id
where paragraphs_fts match :expression
order by paragraphs_fts.rank, paragraphs.id
limit :limit
"""


def search(db: sqlite_utils.Database, query: Query, limit: int = 20) -> list[Hit]:
    """Paragraphs matching the query, best first (bm25)."""
    expression = to_fts(query)
    rows = db.execute(_SEARCH_SQL, {"expression": expression, "limit": limit}).fetchall()
    return [
        Hit(
            path=row[4],
            title=row[5],
            paragraph=row[1],
            text=row[2],
            score=row[6],
            document_id=row[3],
            paragraph_id=row[0],
        )
        for row in rows
    ]


# --- which words to mark ----------------------------------------------------


def highlight_spans(text: str, query: Query) -> list[tuple[int, int]]:
    """Character spans of the original text's words that the query matched.

    >>> highlight_spans("وقالت القوّاتُ", parse("قوات"))
    [(6, 14)]
    """
    stems: set[str] = set()
    forms: set[str] = set()
    prefixes: list[str] = []
    for atom in query.positive_atoms():
        if atom.prefix:
            prefixes.extend(lead + atom.words[0] for lead in (_PREFIX_LEADS if not query.exact else ("",)))
        elif query.exact:
            forms.update(atom.words)
        else:
            for word in atom.words:
                stems.update(analyze.expand(word))
    spans = []
    prefixes_tuple = tuple(prefixes)
    for token in analyze.tokenize(text):
        if (
            token.text in forms
            or (stems and analyze.stem(token.text) in stems)
            or (prefixes_tuple and token.text.startswith(prefixes_tuple))
        ):
            if spans and spans[-1][1] == token.end and spans[-1][0] == token.start:
                continue
            spans.append((token.start, token.end))
    return spans
