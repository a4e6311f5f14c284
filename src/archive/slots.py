"""A query's words as the ranking reads them (docs/ranking.md): each word a
slot, with its stems and its weight; the cells of the impact index to read
for it, best first, as FTS5 expressions; and a word's values in paragraphs
read at once rather than cell by cell.

A query word stands for several stems (its forms, bases, places, spellings;
see query.word_lookups).  In a paragraph it is worth the best level
(impact.py) of any of its stems there, half a level more for the stem of the
word as typed, times one weight for the word: its BM25 idf, from the
paragraphs any of its stems is in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

from . import analyze, holders
from .db import copies_per_text
from .impact import HOLDER, LEVELS, NEVER, ONCE_HIGHEST, letter, level, token
from .lookup import index_lookup, remember
from .prefixes import SHORT_PREFIX
from .index import INDEX, TERM_COUNTS, instances, paragraph_total, term_counts, varints
from .query import Known, Query, narrowing, quote, word_lookups

# The typed word's own stem beats another of its stems by this much of a level.
OWN_BONUS = 0.5


@dataclass
class Slot:
    """One query word: its stems (those the match expression looks up) and
    the stems of written forms it also looks up, whose paragraphs may hold
    the stem through another form (so must be checked against the match)."""

    stems: frozenset[str]
    form_stems: frozenset[str]
    own: str
    weight: float = 0.0
    held: int = 0  # paragraphs holding one of its stems (counted apart)
    own_held: int = 0  # paragraphs holding the stem typed


@dataclass
class Plan:
    slots: list[Slot]
    total: int = 0  # paragraphs in the archive
    copies: float = 1.0  # paragraphs per distinct text (db.copies_per_text)
    # (score, slot, value, (level, stems, checked, once)) per cell, a level at
    # a time (_weigh); checked: its stems are those of forms looked up as
    # written, whose paragraphs may hold them through another form (to
    # narrow); once: they count once however often found (cell_expression).
    cells: list[tuple[float, int, float, tuple[int, tuple[str, ...], bool, bool]]] = field(default_factory=list)
    # Whether a cell's paragraphs all match: one word, looked up by its
    # stems alone; otherwise each cell is narrowed to the query's matches.
    plain: bool = False
    # Whether every match holds every word (no OR): a paragraph met is then
    # missing a word only until that word's cell is read.
    conjunctive: bool = False
    # Whether a cell's paragraphs must be narrowed to the query's matches:
    # not for words joined by OR only, where holding one of a word's stems
    # (its checked cells aside) is matching.
    narrowed: bool = True
    # The slots where that holds even so: words of an OR with a phrase or a
    # prefix (قوات OR "ولي العهد"), whose paragraphs all match.
    matching: frozenset[int] = frozenset()
    # Which terms the index holds (lookup.index_lookup), if given.
    known: Known | None = None
    # Whether the query holds a prefix of a letter or two (ا*, or -ا*): FTS5
    # merges most of the index for it at each statement of the query.
    costly: bool = False
    # For the cells of a word's own stems (not the checked), what they are
    # narrowed by in place of the query's whole expression, by slot: the
    # clauses its stems do not match and the exclusions (query.narrowing).
    # Only for the expression query.to_fts() gives; none otherwise.
    narrowings: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    # Stems that no paragraph holds twice (index.term_counts): no token of a
    # repeat names them, so no look-up asks for one.
    unrepeated: frozenset[str] = frozenset()

    @cached_property
    def all_stems(self) -> frozenset[str]:
        """Every stem a paragraph's score counts (complete.score_text)."""
        return frozenset().union(*(slot.stems | slot.form_stems for slot in self.slots))


def ready(db) -> bool:
    """Whether the index has what ranking reads (`archive rebuild` adds it
    to an archive made before)."""
    columns = {row[1] for row in db.execute(f"pragma table_info({INDEX})")}
    return "impact" in columns and db.execute(
        f"select 1 from sqlite_master where name = '{TERM_COUNTS}'"
    ).fetchone() is not None


def plan(db, query: Query, known: Known | None) -> Plan:
    """The slots of a query and the cells of the impact index to read."""
    slots: list[Slot] = []
    numbers: dict[tuple[str, bool], int] = {}  # a word typed twice is one slot
    met: dict[int, set[int]] = {}  # the clauses a paragraph holding a word's stem matches
    for place, clause in enumerate(query.clauses):
        for atom in clause:
            for word in [] if atom.prefix else atom.words:
                key = (word, atom.family, atom.ta)  # ~word is another slot (families.py)
                if key not in numbers:
                    numbers[key] = len(slots)
                    slots.append(_slot(word, query, known, atom.family, atom.ta))
                if not (atom.is_phrase or query.exact):  # --exact looks the word up as written
                    met.setdefault(numbers[key], set()).add(place)
    atoms = query.positive_atoms()
    plain = (
        len(slots) == 1 and len(atoms) == 1 and not (atoms[0].prefix or atoms[0].is_phrase)
        and not (query.excluded or query.exact or slots[0].form_stems)
    )
    conjunctive = all(len(clause) == 1 and not clause[0].prefix for clause in query.clauses)
    words_only = len(query.clauses) == 1 and not any(a.prefix or a.is_phrase for a in atoms)
    narrowed = not (words_only and not (query.excluded or query.exact))
    costly = any(atom.prefix and len(atom.words[0]) <= SHORT_PREFIX for atom in atoms + query.excluded)
    matching = frozenset()
    if narrowed and len(query.clauses) == 1 and not (query.excluded or query.exact):
        matching = frozenset(numbers[(a.words[0], a.family, a.ta)] for a in atoms if not (a.prefix or a.is_phrase))
    narrowings = {number: narrowing(query, known, frozenset(places)) for number, places in met.items()} if narrowed else {}
    result = Plan(slots, plain=plain, conjunctive=conjunctive, narrowed=narrowed, known=known, costly=costly,
                  matching=matching, narrowings=narrowings)
    _weigh(db, result)
    return result


def _slot(word: str, query: Query, known: Known | None, family: bool = False, ta: bool = False) -> Slot:
    own = analyze.stem(word)
    if query.exact:
        return Slot(frozenset([own]), frozenset(), own)
    terms, forms = word_lookups(word, known, query.lexicon, family, ta)
    return Slot(frozenset(terms), frozenset(analyze.stem(form) for form in forms) - set(terms), own)


def marking_of(db, known: Known | None) -> str | None:
    """holders.marking(), kept with known's answers (lookup.remember): how
    the archive marks first copies, read once per state of the archive."""
    return remember(known, ("marking",), lambda: holders.marking(db.conn))


def copies_of(db, known: Known | None) -> float:
    """db.copies_per_text(), kept with known's answers (lookup.remember):
    a search asks it for its plan and for its page."""
    return remember(known, ("copies per text",), lambda: copies_per_text(db))


def _weigh(db, plan: Plan) -> None:
    """Each slot's weight (idf, from how many paragraphs hold its stems,
    index.term_counts) and the cells to read: per slot and level, the
    paragraphs where one of its stems is at that level (the stem typed
    apart, half a level up)."""
    plan.total = remember(plan.known, ("paragraph total",), lambda: paragraph_total(db))
    plan.copies = copies_of(db, plan.known)
    stems = frozenset().union(*(slot.stems | slot.form_stems for slot in plan.slots))
    counts, plan.unrepeated = remember(plan.known, ("term counts", stems), lambda: term_counts(db, stems))
    cells = []
    for number, slot in enumerate(plan.slots):
        stems = slot.stems | slot.form_stems
        slot.held = sum(counts.get(stem, 0) for stem in stems)
        slot.own_held = counts.get(slot.own, 0)
        slot.weight = idf(min(slot.held, plan.total), plan.total)
        # (bonus, stems, checked, once): a stem reached only through forms
        # looked up as written counts once, at its paragraph's length: other
        # words share it (واسهم, a form of واس, stems as الأسهم does), and
        # only the form matched.  Not the typed word's own, however reached.
        groups = [
            (OWN_BONUS, [slot.own] if slot.own in stems else [], slot.own not in slot.stems, False),
            (0.0, sorted(slot.stems - {slot.own}), False, False),
            (0.0, sorted(slot.form_stems - {slot.own}), True, True),
        ]
        for bonus, group, checked, once in groups:
            if group:
                cells += [
                    (slot.weight * (level + bonus), number, level + bonus, (level, tuple(group), checked, once))
                    for level in range(ONCE_HIGHEST if once else LEVELS, 0, -1)
                ]
    # A level at a time, the heavier word first: a paragraph not met may still
    # score every word's next value, and a paragraph's words found once all
    # sit at its length's level, so all the next values must fall together.
    plan.cells = sorted(cells, key=lambda cell: (-cell[2], -cell[0], cell[1]))


def stems_expression(stems: list[str]) -> str:
    """Paragraphs holding any of the stems."""
    return "terms : (" + " OR ".join(quote(stem) for stem in stems) + ")"


def cell_expression(level: int, stems: tuple[str, ...], known: Known | None = None, once: bool = False,
                    texts: bool = False, unrepeated: frozenset[str] = frozenset()) -> str | None:
    """Paragraphs holding one of the stems at the level: once in a paragraph
    whose length puts one mention at that level, or more often (a token of
    its own).  None when known (which terms the index holds) shows that no
    paragraph can be there.  once: stems that count once however often
    found (checked, Plan.cells): the paragraphs of that length holding one.
    texts: the first copies alone, in an archive whose mark names their
    level (holders.level_mark): the length's letter is theirs.
    unrepeated: stems no paragraph holds twice (Plan.unrepeated), whose
    repeats' tokens are not looked up."""
    once_only = " OR ".join(quote(stem) for stem in stems)
    length = quote(holders.level_mark(letter(level)) if texts else letter(level))
    more = [token(level, stem) for stem in stems if stem not in unrepeated] if not once else []
    if not more:
        if level > ONCE_HIGHEST:
            return None
        # OR a token never indexed, which matches nothing: FTS5 reads such a
        # cell, narrowed to a query, faster than the bare AND (docs/ranking.md).
        return f"(terms : ({once_only}) AND impact : {length}) OR impact : {quote(NEVER)}"
    if level > ONCE_HIGHEST and known is not None:
        # No paragraph is short enough for one mention to reach this level:
        # only the repeat tokens the index holds can, often none.
        more = sorted(known("impact", more))
        if not more:
            return None
    repeats = f"impact : ({' OR '.join(map(quote, more))})"
    if texts:  # every copy holds them
        repeats = f"({first_copies(repeats)})"
    if level > ONCE_HIGHEST:
        return repeats
    return f"(terms : ({once_only}) AND impact : {length}) OR {repeats}"


def idf(paragraphs: int, total: int) -> float:
    """BM25's idf (never negative), for a word in `paragraphs` of `total`."""
    return math.log(1 + (total - paragraphs + 0.5) / (paragraphs + 0.5))


CELL_SQL = f"select rowid from {INDEX} where {INDEX} match ?"


# The first copy of each text (holders.py).
FIRST_COPIES = f"impact : {HOLDER}"


def first_copies(expression: str | None) -> str | None:
    """An expression kept to the first copy of each text."""
    return None if expression is None else f"({expression}) AND {FIRST_COPIES}"


def cell_rows(db, expression: str, limit: int = -1) -> list[int]:
    return [row[0] for row in db.execute(CELL_SQL + " limit ?", [expression, limit])]


_CELL_JSON_SQL = f"select json_group_array(rowid) from ({CELL_SQL})"


def cell_json(db, expression: str) -> str:
    """cell_rows() as a JSON array: one statement with one value, during
    which SQLite lets go of Python's lock (ahead.py reads cells in another
    thread)."""
    return db.execute(_CELL_JSON_SQL, [expression]).fetchone()[0]


# A word in at most this many paragraphs is read at once (direct_values),
# times the square root of the paragraphs a text: a page of reprints needs
# more rows read by level, but fewer than the copies multiply its matches.
DIRECT_MAX = 1_000


def read_at_once(plan: Plan, slot: Slot) -> bool:
    """Whether the word is rare enough to read at once (DIRECT_MAX)."""
    return slot.held <= DIRECT_MAX * math.sqrt(plan.copies)


LENGTHS_SQL = f"""
select {INDEX}.rowid, {INDEX}_docsize.sz from {INDEX}
join {INDEX}_docsize on {INDEX}_docsize.id = {INDEX}.rowid
where {INDEX} match ?
"""


# Paragraphs' sizes in FTS5's docsize (floor_of), by id (a JSON array).
SIZES_SQL = f"select id, sz from {INDEX}_docsize where id in (select value from json_each(?))"


def direct_values(db, plan: Plan, number: int, expression: str | None,
                  texts: bool = False) -> dict[float, list[int]]:
    """The paragraphs of one word (narrowed to the expression's matches if
    given, which texts says are first copies) grouped by the word's value in
    each: what reading all its cells gives."""
    slot = plan.slots[number]
    stems = sorted(slot.stems | slot.form_stems)
    if not stems:
        return {}
    words = stems_expression(stems)
    floors = floors_of(db.execute(LENGTHS_SQL, [f"({words}) AND ({expression})" if expression else words]))
    grouped: dict[float, list[int]] = {}
    for rowid, value in word_values(db, plan, slot, floors, None, texts).items():
        grouped.setdefault(value, []).append(rowid)
    return grouped


def _floor_levels(longest: int) -> list[float]:
    return [float(level(1, length)) for length in range(longest + 1)]


_FLOORS = _floor_levels(512)


def floor_of(sizes: bytes) -> float:
    """The level of a stem found once in a paragraph, from its sizes in
    FTS5's docsize (the first: its terms)."""
    length = sizes[0] if sizes and sizes[0] < 0x80 else varints(sizes)[0]
    return _FLOORS[length] if length < len(_FLOORS) else float(level(1, length))


def floors_of(rows: list[tuple[int, bytes]]) -> dict[int, float]:
    """floor_of() of each (id, sizes), by id: most lengths fit one byte, so
    the table is read inline rather than a call a match."""
    table, limit = _FLOORS, min(0x80, len(_FLOORS))
    return {rowid: table[sizes[0]] if sizes and sizes[0] < limit else floor_of(sizes) for rowid, sizes in rows}


def word_values(db, plan: Plan, slot: Slot, floors: dict[int, float], expression: str | None,
                texts: bool = False) -> dict[int, float]:
    """The word's value in each of these paragraphs, which all hold one of
    its stems (by id, with their floors, floor_of()): the floor; the stem
    typed half a level up; the token of a stem found more than once where it
    is higher.  `expression` narrows the look-up of the stem typed; texts:
    the paragraphs are first copies (holders.py), and so are the look-ups
    kept (by the expression, if given), which spares reading every
    reprint's rows."""
    stems = sorted(slot.stems | slot.form_stems)
    values = dict(floors)
    if slot.own in stems:
        look_up = f"terms : {quote(slot.own)}"
        if expression:
            look_up = f"({look_up}) AND ({expression})"
        elif texts:
            look_up = first_copies(look_up)
        for (rowid,) in db.execute(CELL_SQL, [look_up]):
            if rowid in values:
                values[rowid] += OWN_BONUS
    # Stems reached only through written forms count once, but the typed
    # word's own (Plan.cells).
    repeated = _repeated(db, plan, slot, sorted(slot.stems | ({slot.own} & slot.form_stems)), texts)
    for value, rows in repeated.items():
        for rowid in rows:
            if value > values.get(rowid, value):
                values[rowid] = value
    return values


def _repeated(db, plan: Plan, slot: Slot, stems: list[str], texts: bool = False) -> dict[float, list[int]]:
    """The paragraphs where one of the stems is found more than once, by
    the value of its token (the tokens the index holds); with texts, of the
    first copies alone, where the cells are read."""
    tokens = {token(value, stem): value + (OWN_BONUS if stem == slot.own else 0.0)
              for stem in stems if stem not in plan.unrepeated for value in range(1, LEVELS + 1)}
    if not tokens:
        return {}
    names = list(tokens)
    held = sorted((plan.known or index_lookup(db))("impact", names))
    if read_at_once(plan, slot):
        # A rare word's tokens are few: one statement, each row naming its token.
        found: dict[float, list[int]] = {}
        if held:
            for name, rowid in db.execute(
                f"select term, doc from {instances(db)} where col = 'impact' and term in ({', '.join('?' * len(held))})",
                held,
            ):
                found.setdefault(tokens[name], []).append(rowid)
        return found
    by_value: dict[float, list[str]] = {}
    for name in held:
        by_value.setdefault(tokens[name], []).append(quote(name))
    # One statement a value, for all the tokens that give it.
    cells = {value: f"impact : ({' OR '.join(names)})" for value, names in by_value.items()}
    return {value: cell_rows(db, first_copies(cell) if texts else cell) for value, cell in cells.items()}
