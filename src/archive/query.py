"""Queries: parse what the user typed and turn it into an FTS5 expression.

Syntax (Google-like):
  قوات الامن          both words (AND)
  "قوات الامن"        the phrase
  قوات OR جيش          either word
  -جيش, NOT جيش        without the word
  اقتصا*               words starting with that
  ~استهداف             the word and its derivational family (families.py)
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

from . import analyze, expand, families
from .stemmer import ARTICLES, CLITICS

_MAX_PHRASE_VARIANTS = 64
_MAX_ATOMS = 64
# Tokens (words, operators, brackets) a query may hold: the brackets' check
# reads what each pair holds.
_MAX_TOKENS = 1_000
# Clitics and articles that a prefix search looks behind: و+ال+اقتصا*.
PREFIX_LEADS = ("",) + CLITICS[1:] + ARTICLES


class QueryError(Exception):
    """The query cannot be searched; the message says why."""


@dataclass
class Atom:
    """A word, a phrase or a prefix as typed, with its normalized words."""

    words: list[str]
    prefix: bool = False
    family: bool = False  # ~word: its derivational family too (families.py)
    # A word typed with a final ة, which normalizing writes ه: not read as
    # a word + the pronoun ه (bases.py).
    ta: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass
class Query:
    # Conjunction of disjunctions: [[a, b], [c]] means (a OR b) AND c.
    clauses: list[list[Atom]] = field(default_factory=list)
    excluded: list[Atom] = field(default_factory=list)
    exact: bool = False
    lexicon: bool = True  # places and spellings (lexicon.lexicon_words)

    def positive_atoms(self) -> list[Atom]:
        return [atom for clause in self.clauses for atom in clause]


_TOKEN = re.compile(r'-?~*"[^"]*"?|[^\s"]+')
_OPERATORS = ("OR", "AND", "NOT")


@dataclass
class _Term:
    """A token that holds words: its atom, whether it is excluded, and how it
    was typed (for messages)."""

    atom: Atom
    excluded: bool
    typed: str


def parse(text: str, exact: bool = False, lexicon: bool = True) -> Query:
    """Parse a query string, as docs/query-grammar.md says.

    >>> q = parse('قوات OR جيش -مدني "حقل العمر" -"دير الزور"')
    >>> [[a.words for a in c] for c in q.clauses], [a.words for a in q.excluded]
    ([[['قوات'], ['جيش']], [['حقل', 'العمر']]], [['مدني'], ['دير', 'الزور']])
    """
    tokens = [piece for token in _TOKEN.findall(text.translate(_TYPED_AS)) for piece in _unglued(token)]
    if len(tokens) > _MAX_TOKENS:
        raise QueryError(f"the query is too long: more than {_MAX_TOKENS} words, operators and brackets")
    # Each token's term, made once: the brackets' check reads them again.
    terms = [None if token in _OPERATORS else _term(token) for token in tokens]
    if sum(len(term.atom.words) for term in terms if term) > _MAX_ATOMS:
        raise QueryError(f"the query has more than {_MAX_ATOMS} words")
    _refuse_grouping(tokens, terms)
    query = Query(exact=exact, lexicon=lexicon)
    previous: _Term | None = None  # the last term, OR's left side
    exclude_next = False
    join_next = False
    for token, term in zip(tokens, terms):
        if token in _OPERATORS:
            exclude_next = exclude_next or token == "NOT"
            join_next = join_next or (token == "OR" and previous is not None)
            continue
        if term is None:  # punctuation alone: as if not typed
            continue
        if exclude_next:
            term.excluded, term.typed = True, f"NOT {token}"
        if join_next and (term.excluded or previous.excluded):
            raise QueryError(
                f"OR cannot join an excluded word ({previous.typed} OR {term.typed}): "
                "an excluded word is left out of the whole query"
            )
        if term.excluded:
            query.excluded.append(term.atom)
        elif join_next:
            query.clauses[-1].append(term.atom)
        else:
            query.clauses.append([term.atom])
        previous, exclude_next, join_next = term, False, False
    if exact and any(a.family for a in query.positive_atoms() + query.excluded):
        raise QueryError("~ (a word's family) cannot be used with --exact, which finds the written form only")
    return query


# What other keyboards (and autocorrection) type for the grammar's signs:
# dashes and minus signs for -, full-width brackets for ( ); NUL for a space.
_TYPED_AS = str.maketrans({
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2212\ufe63\uff0d", "-"), "\uff08": "(", "\uff09": ")", "\x00": " ",
})
# An operator written against a bracket, NOT(a), (NOT a) or a)OR: an operator still.
_GLUED_OPERATOR = re.compile(r"(?:^|(?<=[()]))(OR|AND|NOT)(?=[()]|$)")


def _unglued(token: str) -> list[str]:
    if token.lstrip("-~").startswith('"') or token in _OPERATORS:
        return [token]
    return [piece for piece in _GLUED_OPERATOR.split(token) if piece]


def _term(token: str) -> _Term | None:
    """The term a token (not an operator) stands for; None if it holds no word."""
    excluded = token.startswith("-") and len(token) > 1
    body = token.lstrip("-") if excluded else token
    family = body.startswith("~")
    body = body.lstrip("~")
    if body.startswith('"'):
        words, prefix = analyze.words(body.strip('"')), False
    else:
        words, prefix = analyze.words(body), body.endswith("*")
    if not words:
        return None
    if family and (len(words) > 1 or prefix or body.startswith('"')):
        raise QueryError(f"~ takes one word, not {token.lstrip('-')}: its derivational family")
    ta = len(words) == 1 and not prefix and bool(_TYPED_TA.search(body))
    return _Term(Atom(words, prefix=prefix and len(words) == 1, family=family, ta=ta), excluded, token)


# A final ة, marks after it allowed.
_TYPED_TA = re.compile("\u0629[\u064b-\u0652]*[\"*]?$")


def _refuse_grouping(tokens: list[str], terms: list[_Term | None]) -> None:
    """Brackets do not group words: refuse them where grouping would change
    what OR or NOT act on, rather than silently search something else
    (terms: each token's)."""
    opened: list[int] = []
    for index, token in enumerate(tokens):
        if token.lstrip("-~").startswith('"'):
            continue
        for character in token:
            if character == "(":
                opened.append(index)
            elif character == ")" and opened:
                start = opened.pop()
                if start != index and _grouping_matters(tokens, terms, start, index):
                    group = " ".join(tokens[start:index + 1])
                    raise QueryError(
                        f"brackets do not group words: OR and NOT take one word or phrase, "
                        f"not {group}; leave the brackets out"
                    )


def _grouping_matters(tokens: list[str], terms: list[_Term | None], start: int, end: int) -> bool:
    """Whether the bracketed tokens[start:end + 1] mean something else as a group."""
    before = tokens[start - 1] if start else ""
    after = tokens[end + 1] if end + 1 < len(tokens) else ""
    if before in ("NOT", "-") or tokens[start].startswith("-"):
        return True
    if "OR" not in (before, after):
        return False  # AND groups any way round
    inside = [t for t, term in zip(tokens[start:end + 1], terms[start:end + 1]) if t in _OPERATORS or term is not None]
    # Only a plain `a OR b OR c` is the same alone as next to another OR.
    return not (
        len(inside) % 2 == 1
        and all(t == "OR" for t in inside[1::2])
        and not any(t in _OPERATORS for t in inside[::2])
    )


def quote(term: str) -> str:
    """A term as an FTS5 string: nothing in it acts as syntax."""
    return '"' + term.replace('"', '""') + '"'


def phrase_lookups(word: str, exact: bool, known: Known | None = None, lexicon: bool = True) -> dict[str, tuple[str, ...]]:
    """The index terms a word of a phrase is looked up by, each with the
    written forms it needs.  A phrase holds one column's terms, so these are
    the stems of the word's look-ups, those of its written forms included
    (the forms the index holds as written, as for the word alone), which
    are the stems ranking reads for it (slots.py).  A form's stem that is
    not one of the word's own is often another word's (وفيه, a form of
    وفاة, stems to فيه): a phrase matched through it also needs the form
    written in the paragraph, as the word alone does."""
    if exact:
        return {word: ()}
    terms, forms = word_lookups(word, known, lexicon)
    found: dict[str, tuple[str, ...]] = dict.fromkeys(terms, ())
    for form in forms:
        stem = analyze.stem(form)
        if found.get(stem, None) != ():  # the word's own stems need nothing
            found[stem] = found.get(stem, ()) + (form,)
    return found


def phrase_places(atom: Atom, exact: bool, known: Known | None = None,
                  lexicon: bool = True) -> list[dict[str, tuple[str, ...]]] | None:
    """For each word of a phrase, the terms its place in the phrase matches
    by, as the search's expression holds them (phrase_lookups); None if a
    word matches nothing.  FTS5 phrases hold one term per place, so the
    variants of each word multiply: past a limit only the first word keeps
    its variants, then none."""
    column = "exact" if exact else "terms"
    per_word = [phrase_lookups(w, exact, known, lexicon) for w in atom.words]
    if known and not exact:
        per_word = [{term: variants[term] for term in known(column, variants)} for variants in per_word]
        if not all(per_word):
            return None
    own = [{analyze.stem(w) if not exact else w: ()} for w in atom.words]
    if math.prod(map(len, per_word)) > _MAX_PHRASE_VARIANTS:
        per_word = [per_word[0]] + own[1:]
    if math.prod(map(len, per_word)) > _MAX_PHRASE_VARIANTS:
        per_word[0] = own[0]
    return per_word


# known(column, terms) -> the terms the index holds in that column; given, the
# expression leaves out look-ups that cannot match (bm25 pays for each one on
# every matching row).  Leaving them out changes neither matches nor scores.
Known = Callable[[str, Iterable[str]], set[str]]
# An FTS5 expression that is valid and matches no row: the empty phrase.
MATCH_NOTHING = '""'


def _atom_expression(atom: Atom, exact: bool, known: Known | None = None, lexicon: bool = True) -> str:
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
        terms, forms = word_lookups(atom.words[0], known, lexicon, atom.family, atom.ta)
        parts = []
        if terms:
            parts.append(f"terms : ({' OR '.join(quote(t) for t in terms)})")
        if forms:
            parts.append(f"exact : ({' OR '.join(quote(f) for f in forms)})")
        return f"({' OR '.join(parts)})" if parts else MATCH_NOTHING
    per_word = phrase_places(atom, exact, known, lexicon)
    if per_word is None:
        return MATCH_NOTHING
    # `"a" + "b"` is FTS5's phrase; `"a" "b"` would only AND the words.
    plain, guarded = [], []
    for combo in itertools.product(*(sorted(variants.items()) for variants in per_word)):
        phrase = " + ".join(quote(term) for term, _ in combo)
        needed = [forms for _, forms in combo if forms]
        if not needed:
            plain.append(phrase)
            continue
        written = " AND ".join(f"exact : ({' OR '.join(map(quote, forms))})" for forms in needed)
        guarded.append(f"({column} : ({phrase}) AND {written})")
    matching = getattr(known, "matching", None)
    if matching is not None and len(plain) + len(guarded) > 1:
        # Most combinations of the words' variants are written nowhere
        # (بمجالس + وزيرا), yet FTS5 would look each one up again in every
        # statement the phrase narrows: only those the index shows are kept.
        found = matching([f"{column} : ({phrase})" for phrase in plain] + guarded)
        plain = [phrase for phrase in plain if f"{column} : ({phrase})" in found]
        guarded = [alternative for alternative in guarded if alternative in found]
        if not plain and not guarded:
            return MATCH_NOTHING
    parts = ([f"{column} : ({' OR '.join(plain)})"] if plain else []) + guarded
    return parts[0] if len(parts) == 1 else f"({' OR '.join(parts)})"


def word_lookups(
    word: str, known: Known | None, lexicon: bool = True, family: bool = False, ta: bool = False
) -> tuple[list[str], list[str]]:
    """The stems and written forms one query word is looked up by: its own
    and its certain bases' (expand.expansion), and, given the index, the
    bases it shows (expand.uncertain_expansions).  Everything is checked
    in two statements, as the word's own terms and forms are.  family
    (~word) adds the written forms of its derivational family.  Worked out
    once per state of the archive where known can remember (lookup.py):
    a search asks for each word three times (expression, ranking, marks).
    ta: the word was typed with a final ة (Atom.ta)."""
    remember = getattr(known, "remember", None)
    if remember is not None:
        return remember(("word_lookups", word, lexicon, family, ta),
                        lambda: _word_lookups(word, known, lexicon, family, ta))
    return _word_lookups(word, known, lexicon, family, ta)


def _word_lookups(word: str, known: Known | None, lexicon: bool, family: bool, ta: bool) -> tuple[list[str], list[str]]:
    if family:
        terms, forms = word_lookups(word, known, lexicon, ta=ta)
        return terms, sorted(set(forms) | families.indexed_family(word, known))
    if not known:
        return tuple(map(sorted, expand.expansion(word, lexicon, presumed=True)))
    terms, forms = expand.expansion(word, lexicon)
    uncertain = expand.uncertain_expansions(word, lexicon, ta)
    clitic_words = expand.clitic_words(word, lexicon)
    count = getattr(known, "counts", None)
    if not uncertain:
        terms, forms = known("terms", terms), known("exact", forms) if forms else forms
    else:
        # The written forms first, with the words the readings are decided by;
        # then the forms and stems of the readings the index shows, expanded
        # only then.
        evidence = frozenset().union(*(u.reading.evidence() for u in uncertain))
        indexed_forms = known("exact", forms | evidence)
        counted = frozenset().union(*(u.reading.counted() for u in uncertain))
        counts = count("exact", counted) if counted and count is not None else None
        shown = [u.expansion() for u in uncertain if u.reading.holds(indexed_forms, counts)]
        more = frozenset().union(*(found.forms for found in shown)) - forms - evidence
        if more:
            indexed_forms = indexed_forms | known("exact", more)
        for found in shown:
            terms, forms = terms | found.terms, forms | found.forms
        terms, forms = known("terms", terms), forms & indexed_forms
    if clitic_words and count is not None:
        terms, forms = _without_other_words(word, terms, forms, clitic_words, known)
    return sorted(terms), sorted(forms)


# A base with a preposition or conjunction in front spells a word of its own
# where the index writes that spelling with the article at least this share
# of the times it writes it bare (الفكرة against فكرة; one typo decides nothing).
_OWN_WORD_SHARE = 0.05
# Or, with ك ("like", rare before a word), where the spelling is written at
# least this share of the times the base is (كيري, Kerry, against يرى).
_LIKE_SHARE = 0.2


def _fewest_over(count: int, share: float) -> int:
    """The fewest paragraphs n for which share * n is over count.

    >>> _fewest_over(10, 0.2), _fewest_over(0, 0.2), _fewest_over(3, 0.3)
    (51, 1, 11)
    """
    n = int(count / share) + 1
    while n > 1 and share * (n - 1) > count:
        n -= 1
    while share * n <= count:
        n += 1
    return n


def _without_other_words(word, terms, forms, clitic_words, known) -> tuple[set[str], set[str]]:
    """The look-ups less the forms of a base that begin like a word of its
    own (كرة's فكرة, فكرته: the idea; يرى's كيري), the word typed kept.
    known: a lookup.IndexLookup."""
    counts = known.counts("exact", {w for _, spelled, article, _ in clitic_words for w in (spelled, article)})

    def like(spelled: str, base: str) -> bool:
        # The base is the word typed or its base, often among the commonest:
        # only whether it is in too many paragraphs is asked, which reads a
        # few of them, where counting them all grows with the archive.
        written = counts.get(spelled, 0)
        return written >= 2 and not known.at_least("exact", base, _fewest_over(written, _LIKE_SHARE))

    # The word typed, and what follows a clitic typed in front of it.
    own = [word] + [word[len(clitic):] for clitic in CLITICS[1:] if word.startswith(clitic)]
    heads = tuple(
        head for head, spelled, article, base in clitic_words
        # Not the word typed's own spelling (فكرة, whose base as read
        # without its ف is كرة; وبرامج, read as و + ب + رامج).
        if not any(core.startswith(head) for core in own) and (
            counts.get(article, 0) >= max(2, _OWN_WORD_SHARE * counts.get(spelled, 0))
            or spelled[:1] == "ك" and like(spelled, base)
        )
    )
    if not heads:
        return set(terms), set(forms)

    def other(term: str) -> bool:
        # و or ف may come before the preposition too (وكمال).
        return term != word and (term.startswith(heads) or term[:1] in "وف" and term[1:].startswith(heads))

    return {t for t in terms if not other(t)}, {f for f in forms if not other(f)}


def to_fts(query: Query, known: Known | None = None) -> str:
    """The FTS5 MATCH expression for a parsed query.

    >>> to_fts(parse("العمر", exact=True))
    '(exact : ("العمر"))'
    """
    if not query.clauses:
        if query.excluded:
            raise QueryError("the query only excludes words: add a word to search for")
        raise QueryError("the query has no words to search for")
    expression = " AND ".join(_clause_expressions(query, known))
    excluded = _excluded_expression(query, known)
    return expression if excluded is None else f"({expression}) NOT ({excluded})"


def narrowing(query: Query, known: Known | None, met: frozenset[int]) -> tuple[str | None, str | None]:
    """What a paragraph that matches the clauses numbered `met` must also
    match to match the query, as (the other clauses, the exclusions), each
    an FTS5 expression or None: a word's own stems match its clause, and
    FTS5 narrowing the word's paragraphs to the whole query would look
    every form of that word up again."""
    rest = [part for number, part in enumerate(_clause_expressions(query, known)) if number not in met]
    return (" AND ".join(rest) or None), _excluded_expression(query, known)


def _clause_expressions(query: Query, known: Known | None) -> list[str]:
    return ["(" + " OR ".join(_atom_expression(a, query.exact, known, query.lexicon) for a in clause) + ")"
            for clause in query.clauses]


def _excluded_expression(query: Query, known: Known | None) -> str | None:
    if not query.excluded:
        return None
    return " OR ".join(_atom_expression(a, query.exact, known, query.lexicon) for a in query.excluded)


def fts_expression(text: str, exact: bool = False) -> str:
    """Query string → FTS5 expression (what Datasette's search box uses too)."""
    return to_fts(parse(text, exact=exact))
