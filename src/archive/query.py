"""Queries: parse what the user typed and turn it into an FTS5 expression.

Syntax (Google-like):
  قوات الامن          both words (AND)
  "قوات الامن"        the phrase
  قوات OR جيش          either word
  -جيش, NOT جيش        without the word
  اقتصا*               words starting with that
Every word goes through the analyzer (see analyze.py), and the FTS5 expression
is built from quoted terms only, so no input can produce an FTS5 syntax error.
The precedence of the operators is in docs/query-grammar.md.  No database here:
search.py runs the expressions.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from . import analyze

_MAX_PHRASE_VARIANTS = 64
_MAX_ATOMS = 64
# Clitics and articles that a prefix search looks behind: و+ال+اقتصا*.
PREFIX_LEADS = ("",) + analyze.CLITICS[1:] + analyze.ARTICLES


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


def quote(term: str) -> str:
    """A term as an FTS5 string: nothing in it acts as syntax."""
    return '"' + term.replace('"', '""') + '"'


def word_terms(word: str, exact: bool) -> frozenset[str]:
    """Index terms that stand for one query word."""
    return frozenset([word]) if exact else analyze.expand(word)


# known(column, terms) -> the terms the index holds in that column; given, the
# expression leaves out look-ups that cannot match (bm25 pays for each one on
# every matching row).  Leaving them out changes neither matches nor scores.
Known = Callable[[str, Iterable[str]], set[str]]
# An FTS5 expression that is valid and matches no row: the empty phrase.
MATCH_NOTHING = '""'


def _atom_expression(atom: Atom, exact: bool, known: Known | None = None) -> str:
    column = "exact" if exact else "terms"
    if atom.prefix:
        word = atom.words[0]
        if exact:
            alternatives = [quote(word) + "*"]
        else:
            # Prefix searches look at written forms, behind any clitics.
            column = "exact"
            alternatives = sorted({quote(lead + word) + "*" for lead in PREFIX_LEADS})
        return f"{column} : ({' OR '.join(alternatives)})"
    if not atom.is_phrase:
        if exact:
            return f"exact : ({quote(atom.words[0])})"
        terms, forms = analyze.expansion(atom.words[0])
        terms = sorted(known("terms", terms) if known else terms)
        forms = sorted(known("exact", forms) if known and forms else forms)
        parts = []
        if terms:
            parts.append(f"terms : ({' OR '.join(quote(t) for t in terms)})")
        if forms:
            parts.append(f"exact : ({' OR '.join(quote(f) for f in forms)})")
        return f"({' OR '.join(parts)})" if parts else MATCH_NOTHING
    # A phrase: FTS5 phrases hold one term per place, so the variants of each
    # word multiply; past a limit only the first word keeps its variants.
    per_word = [sorted(word_terms(w, exact)) for w in atom.words]
    if known and not exact:
        per_word = [sorted(known(column, variants)) for variants in per_word]
        if not all(per_word):
            return MATCH_NOTHING
    if math.prod(len(v) for v in per_word) > _MAX_PHRASE_VARIANTS:
        per_word = [per_word[0]] + [
            [analyze.stem(w)] if not exact else [w] for w in atom.words[1:]
        ]
    if math.prod(len(v) for v in per_word) > _MAX_PHRASE_VARIANTS:
        per_word[0] = [analyze.stem(atom.words[0]) if not exact else atom.words[0]]
    # `"a" + "b"` is FTS5's phrase; `"a" "b"` would only AND the words.
    phrases = [" + ".join(quote(t) for t in combo) for combo in itertools.product(*per_word)]
    return f"{column} : ({' OR '.join(phrases)})"


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
