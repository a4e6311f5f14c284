"""Ranking: the best k matches of a query, found without scoring every match
(docs/ranking.md).  A paragraph's score is the sum of the query's words'
values in it (slots.py); ties go to the paragraph imported first.

The best k are found level by level: the impact index lists, for each stem
and level, the paragraphs holding it there; those lists are read best first,
a level of all the query's words at a time, and reading stops once no
paragraph not yet seen, and no paragraph partly seen, can reach the k-th
best.  FTS5 only decides what matches (phrases, NOT, prefixes); filters are
decided on the candidates.
"""

from __future__ import annotations

import bisect
import contextlib
import math
import threading
import time
from typing import Callable, Iterator

from . import ahead, holders, pairs, slots
from .candidates import EPSILON, SCORE_DIGITS, Candidates, open_gains
from .complete import (
    complete, complete_the_best, raise_the_bar, text_scores, worth_keeping,
)
from .documents import REPRINTED
from .index import MATCHED_BETWEEN_SQL
from .lookup import remember
from .slots import Plan
from .sqlite import sqlite3

# Passed = a function taking candidate ids (matches of the query) and giving
# back those that pass the filters.
Passed = Callable[[list[int]], set[int]]


def top(db, plan: Plan, expression: str, wanted: int, passed: Passed | None,
        kept: dict | None = None, among: frozenset[int] | None = None, texts: bool = False,
        ) -> tuple[list[tuple[int, float]], Callable[[], set[int]]]:
    """The `wanted` best matches of `expression` as (id, score), best first
    (ties: lower id first), and what gives the ids of every match met (a
    match not among them scores 0): a pass over them all, which only a
    page that the scored matches leave short needs.

    The cells are read best first, narrowed to the query's matches where
    holding a word's stem is not matching (Plan.narrowed, a cell's checked
    flag), so every paragraph met matches; `passed` (the filters) is asked
    only about those that may be among the best.  Reading stops when no
    paragraph not met, nor any met that is missing a word, can reach the
    last place.

    kept: the caller's, for the same query and filters asked again for
    more (a folded page whose best texts have many copies): every match
    scored at once is kept there, and serves the next call.

    among: every match that passes the filters, where a count in the same
    snapshot read them (search.keep_counted).  The cells are then read
    without the query and kept to those: FTS5 narrowing a cell to a phrase
    evaluates the phrase (every written form of its words) again at each
    cell, and the filters need not be asked."""
    if not plan.slots:
        return [], set
    # texts: the page folds reprints, so cells may be read a paragraph a
    # text, the first copy (holders.py); not within `among`, which may leave
    # out the first copy and keep another.  Filters are then asked of texts
    # by their first copies (search.Ranking: which copy stands for each).
    texts = texts and among is None
    if texts:  # every statement of the query kept to the first copies
        expression = slots.first_copies(expression)
    if among is not None:
        passed = None
    every = kept.get("every") if kept is not None else None
    if every is not None:
        return _settled(every, [[] for _ in plan.slots], wanted, passed) or [], every.seen
    candidates = Candidates([slot.weight for slot in plan.slots], texts)
    # One word is read best first however many its matches: its cells are
    # few and its best come first; several words are not, nor a query whose
    # every statement costs a short prefix's merge.
    one_common = _one_common_word(plan)
    # Words joined by OR: through the paragraphs that hold two of them,
    # where those are few enough (pairs.py), within the filters too; their
    # matches are scored at once before that only if very few, and after it
    # as any query's are.  Not kept to a count's matches (`among`, which
    # only narrowed queries get).
    paired_first = among is None and not one_common and pairs.eligible(plan)

    def every_scored() -> tuple[list[tuple[int, float]], Callable[[], set[int]]]:
        if kept is not None:
            kept["every"] = candidates
        return _settled(candidates, [[] for _ in plan.slots], wanted, passed) or [], candidates.seen

    if ((len(plan.slots) > 1 or plan.costly) and not one_common
            and _all_at_once(db, plan, expression, candidates, among, PAIRED_SHARE if paired_first else 1.0, texts)):
        return every_scored()
    if paired_first:
        paired = pairs.paired(db, plan, expression, _in_time, texts)
        if paired is not None:
            best, met = pairs.top(db, plan, expression, wanted, paired, _in_time, passed, texts)
            return best, lambda: met
        if _all_at_once(db, plan, expression, candidates, among, texts=texts):
            return every_scored()
    direct = _read_rare_words(db, plan, expression, candidates, among, texts)
    # Each slot's next value: the best of its cells not read yet.
    upcoming: list[list[float]] = [[] for _ in plan.slots]
    for _, number, value, _ in reversed(plan.cells):
        if number not in direct:
            upcoming[number].append(value)
    read_since, best = 0, None
    cells = [cell for cell in plan.cells if cell[1] not in direct]
    levelled = texts and slots.marking_of(db, plan.known) == holders.LEVELLED
    cell_of = _cell_expressions(plan, cells, None if among is not None else expression, texts, levelled)
    # One word: a cell's paragraphs tie, the first ids first, so the page
    # needs no more of them than places left (plus those met already in a
    # better cell).  Otherwise the next cells are read ahead (ahead.py).
    left = one_common and _one_word_left(db, plan, candidates, direct, passed)
    one_word = passed is None and among is None and (len(plan.slots) == 1 or left)
    reader = ahead.Cells(db, len(cells), cell_of, getattr(_LIMIT, "deadline", None))
    # Words whose cells wait until the others' are read (_waiting), and
    # the positions of those cells, read last.
    waiting: set[int] = set()
    later: list[int] = []

    def order() -> Iterator[tuple[int, list[int]]]:
        """The cells' positions in the order read, each with those expected next."""
        for position in range(len(cells)):
            if not one_word:
                newly = _waiting(candidates, upcoming, waiting)
                if newly:
                    waiting.update(newly)
                    reader.forget([waits for waits, cell in enumerate(cells) if cell[1] in newly])
            if cells[position][1] in waiting:
                later.append(position)
                continue
            yield position, [after for after in range(position + 1, len(cells)) if cells[after][1] not in waiting]
        for index, position in enumerate(later):
            yield position, later[index + 1:]

    try:
        for position, following in order():
            _, number, value, _ = cells[position]
            if number in waiting and candidates.closed:
                # Completing the best met that miss the word may settle the
                # page before any of its large cells is read.
                best = _complete_instead(db, plan, candidates, upcoming, wanted, passed)
                if best is not None:
                    return best, candidates.seen
            if one_word:
                cell = reader.expression(position)
                rows = slots.cell_rows(db, cell, wanted + len(candidates)) if cell is not None else []
            else:
                rows = reader.rows(position, following)
                if among is not None:
                    rows = [rowid for rowid in rows if rowid in among]
            upcoming[number].pop()
            fresh = (passed is not None or one_word
                     or worth_keeping(db, plan, candidates, upcoming, number, value, len(rows), wanted))
            candidates.add(rows, number, value, fresh)
            read_since += len(rows)
            # Settling costs a pass over the candidates: worth it once as many
            # rows again were read, when the last cell is read, or once nothing
            # not met can reach the last k-th score known (time to close).
            if read_since * 2 < len(candidates) and any(upcoming) and (
                candidates.closed or sum(open_gains(candidates, upcoming)) >= candidates.bar
            ):
                continue
            read_since = 0
            best = _after_cells(db, plan, candidates, upcoming, wanted, passed)
            if best is not None:
                return best, candidates.seen
    finally:
        reader.close()
    best = _settled(candidates, [[] for _ in plan.slots], wanted, passed)
    return best or [], candidates.seen


def _cell_expressions(plan: Plan, cells: list, expression: str | None, texts: bool = False,
                      levelled: bool = False) -> Callable[[int], str | None]:
    """The FTS5 expression of each cell to read, by position: narrowed to
    the query's matches where holding a stem is not matching (None: never,
    the caller keeping the matches it knows); with texts, to the first copy
    of each text (`expression` is kept to them already): through the
    mark's level where the archive's mark names it (levelled,
    holders.level_mark), so that no paragraph of the level is checked
    against the mark's list; else with the mark itself."""
    def cell_of(position: int) -> str | None:
        _, number, _, (cell_level, stems, checked, once) = cells[position]
        cell = slots.cell_expression(cell_level, stems, plan.known, once, texts and levelled, plan.unrepeated)
        kept = texts and not levelled  # kept to first copies by the mark itself
        if cell is None or expression is None or not (checked or (plan.narrowed and number not in plan.matching)):
            return slots.first_copies(cell) if kept else cell
        if checked or number not in plan.narrowings:
            return f"({cell}) AND ({expression})"
        rest, excluded = plan.narrowings[number]
        if rest is not None:
            cell = f"({cell}) AND ({rest})"
        if kept:
            cell = slots.first_copies(cell)
        return cell if excluded is None else f"({cell}) NOT ({excluded})"

    return cell_of


def _read_rare_words(db, plan: Plan, expression: str, candidates: Candidates,
                     among: frozenset[int] | None = None, texts: bool = False) -> set[int]:
    """A rare word's paragraphs are few: read at once, values and all, rather
    than level by level (kept to `among` if given, see top(); to the first
    copies with texts).  The numbers of the slots so read."""
    direct = {number for number, slot in enumerate(plan.slots) if slots.read_at_once(plan, slot)}
    narrowing = None if plan.plain or among is not None else expression
    if texts and narrowing is None:
        narrowing = slots.FIRST_COPIES
    for number in direct:
        for value, rows in slots.direct_values(db, plan, number, narrowing, texts).items():
            if among is not None:
                rows = [rowid for rowid in rows if rowid in among]
            candidates.add(rows, number, value)
    return direct


# The rare words' paragraphs are completed from their text when at most
# this many a distinct text (_one_common_word).
RARE_COMPLETED = 1_000
# A paragraph completed from its text costs about as much as this many
# matches scored at once (_all_at_once); reprints share a completion.
COMPLETION_COST = 60


def _one_common_word(plan: Plan) -> bool:
    """Words joined by OR, all rare (read at once) but one, whose
    paragraphs cost less to complete than the common word's matches to
    score at once: the common word is then read as one word
    (_one_word_left) rather than every match scored."""
    if plan.narrowed or len(plan.slots) < 2:
        return False
    rare = [slot.held for slot in plan.slots if slots.read_at_once(plan, slot)]
    common = max(slot.held for slot in plan.slots)
    return (len(rare) == len(plan.slots) - 1 and sum(rare) <= RARE_COMPLETED * plan.copies
            and sum(rare) * COMPLETION_COST <= common * plan.copies)


def _one_word_left(db, plan: Plan, candidates: Candidates, direct: set[int], passed: Passed | None) -> bool:
    """Of words joined by OR (_one_common_word), the rare ones' paragraphs
    (those the filters pass) completed from their text: then a paragraph
    met from now on scores the common word's value alone, and that word is
    read as one word is (without filters, its cells only as far as the
    page needs), where before it met most of the archive.  Whether it did
    (every word but one read at once)."""
    if len(plan.slots) - len(direct) != 1:
        return False
    if passed is not None and len(candidates):
        candidates.ask(list(candidates.known), passed)
    if len(candidates):
        complete(db, plan, candidates, list(candidates.known))
    candidates.exhausted = sum(1 << number for number in direct)
    return True


def _waiting(candidates: Candidates, upcoming: list[list[float]], waiting: set[int]) -> set[int]:
    """The words whose cells may wait, besides those waiting:
    the lightest (weight times next value), as many as a paragraph holding
    only them could not reach the page's last score known.  Every page
    paragraph then holds another word, whose cells meet it, and a word that
    waits still bounds what it may add by its next value (MaxScore's
    essential words).  A common word's large cells, read early, met most of
    the archive before the page could be closed."""
    if candidates.bar == float("inf"):
        return set()
    gains, weights = open_gains(candidates, upcoming), candidates.weights
    held = sum(gains[number] for number in waiting)
    newly: set[int] = set()
    for gain, number in sorted((gains[n], n) for n in range(len(gains)) if n not in waiting and upcoming[n]):
        # Against the heaviest word whose cells are still read besides it.
        read = [weights[n] for n in range(len(gains)) if upcoming[n] and n != number and n not in waiting | newly]
        held += gain
        if held >= candidates.bar or not read or weights[number] * LIGHT > max(read):
            break
        newly.add(number)
    return newly


# A word waits only if the heaviest word weighs this many times as much:
# where they weigh alike, reading on the others' cells to close the page
# costs more than the common word's cells spare (في OR من OR على).
LIGHT = 4
# Rounds of completion tried before a waiting word's cell is read.
WAITING_ROUNDS = 4


def _complete_instead(db, plan: Plan, candidates: Candidates, upcoming: list[list[float]], wanted: int,
                      passed: Passed | None) -> list[tuple[int, float]] | None:
    """The best, if completing the best met that miss a word settles them
    within a few rounds; else None."""
    for _ in range(WAITING_ROUNDS):
        _in_time()
        kth = candidates.kth(wanted) if passed is None else _kth_passing(candidates, wanted, passed)
        if not complete_the_best(db, plan, candidates, upcoming, wanted, kth):
            return None
        best = _settled(candidates, upcoming, wanted, passed)
        if best is not None:
            return best
    return None


def _after_cells(db, plan: Plan, candidates: Candidates, upcoming: list[list[float]], wanted: int,
                 passed: Passed | None) -> list[tuple[int, float]] | None:
    """The best, if the cells read so far settle them; else None, with what
    they show of the rest closed."""
    _in_time()
    # Once nothing not met can reach the last k-th score known (which only
    # grows), closing is certain: first, so that settling passes over the
    # paragraphs kept rather than all those met (with one word they are few,
    # and settle at once).
    closing = (not candidates.closed and len(plan.slots) > 1
               and sum(open_gains(candidates, upcoming)) < candidates.bar)
    best = None if closing else _settled(candidates, upcoming, wanted, passed)
    kth = None
    if best is None:
        if passed is None:
            if not candidates.closed:
                raise_the_bar(db, plan, candidates, wanted)
            kth = candidates.kth(wanted)
        else:
            kth = _kth_passing(candidates, wanted, passed)
        candidates.close(open_gains(candidates, upcoming), wanted, kth)
        _in_time()
        if closing:
            best = _settled(candidates, upcoming, wanted, passed)
    if best is None and complete_the_best(db, plan, candidates, upcoming, wanted, kth):
        best = _settled(candidates, upcoming, wanted, passed)
    return best


# Filters that leave at most this many paragraphs a distinct text: their
# matches are scored at once (within()), however many the whole archive holds.
FILTERED_AT_ONCE = 1_000
# And where texts are reprinted, this many more a copy: the cells hold every
# copy, while scoring at once scores a text once (docs/ranking.md).
FILTERED_AT_ONCE_PER_COPY = 500
# Half as many where the cells are read a text at a time, through the mark of
# its first copy (search.Ranking._through_the_mark): they no longer hold every
# copy (docs/ranking.md).
FILTERED_AT_ONCE_PER_COPY_BY_TEXTS = 250
# For a query of several words, this many times as many: each word's cells
# are read, deeper, while scoring at once costs a text the same.
FILTERED_SEVERAL = 4


def filtered_at_once(plan: Plan, by_texts: bool = False) -> int:
    """The most paragraphs filters may leave for their matches to be scored
    at once (within()), for this query in this archive; by_texts: where the
    cells would be read a text at a time."""
    per_copy = FILTERED_AT_ONCE_PER_COPY_BY_TEXTS if by_texts else FILTERED_AT_ONCE_PER_COPY
    texts = max(FILTERED_AT_ONCE, per_copy * plan.copies)
    return round(texts * plan.copies * (FILTERED_SEVERAL if len(plan.slots) > 1 else 1))


def within(db, plan: Plan, expression: str, ranges: list[tuple[int, int]], passed: Passed | None,
           wanted: int, merged: bool = False, folded: bool = False) -> list[tuple[int, float]]:
    """The `wanted` best matches, for filters that leave few paragraphs
    (filters.paragraph_ranges): every match among them (_matches_in: in one
    statement, or range by range, FTS5 seeking to a range's first id) that
    passes (all, for passed None), scored from its text, once a text;
    those that score nothing last, in id order, as top() and its caller
    give them.  Ranking what the cells give would read past every match the
    filters refuse.  merged: each statement of the expression merges a
    prefix's terms (FTS5 does so whatever the ids asked for): its matches
    are read in one, unless only the first few are needed.  folded: see
    among()."""
    if not plan.slots:  # nothing scores (prefixes alone): the first in id order are the best
        return [(rowid, 0.0) for rowid in _matches_in(db, expression, ranges, passed, wanted)[:wanted]]
    return among(db, plan, _matches_in(db, expression, ranges, passed, merged=merged), wanted, folded)


def among(db, plan: Plan, matches: list[int], wanted: int, folded: bool = False) -> list[tuple[int, float]]:
    """The `wanted` best of these paragraphs, every match of the query that
    passes (in id order), scored from their text as within() scores them.
    folded: for a page that folds reprints, a text's first paragraph among
    them alone (the one it shows): so the `wanted` are as many texts, where
    every copy would make them fewer, and the page would ask again."""
    if not plan.slots:
        return [(rowid, 0.0) for rowid in matches[:wanted]]
    grouped = text_scores(db, plan, matches, folded=folded)
    return _best(((rowid, score) for score, group in grouped.items() for rowid in group), wanted)


def _best(scores, wanted: int) -> list[tuple[int, float]]:
    """The `wanted` best of (id, score) pairs (scores rounded), in
    rank_key's order: grouped by score first, since many share one (a
    text's copies; the paragraphs that score nothing)."""
    by_score: dict[float, list[int]] = {}
    for rowid, score in scores:
        by_score.setdefault(score, []).append(rowid)
    best: list[tuple[int, float]] = []
    for score in sorted(by_score, reverse=True):
        best += [(rowid, score) for rowid in sorted(by_score[score])[:wanted - len(best)]]
        if len(best) >= wanted:
            break
    return best


# Every match of the expression is read in one statement first, if there are
# at most this many a range: each statement costs FTS5 the expression's
# set-up (a term and its segments for each form looked up, a prefix's merge),
# which reading a range at a time pays again at every range.
PROBED_PER_RANGE = 200


def _matches_in(db, expression: str, ranges: list[tuple[int, int]], passed: Passed | None,
                enough: int | None = None, merged: bool = False) -> list[int]:
    """The ids of the expression's matches within the ranges (sorted,
    apart) that pass (all, for passed None), in id order; or, if `enough`,
    the first so many of them at least (those of the ranges read until
    then)."""
    if passed is None:
        passed = _every
    if not ranges:
        return []
    most = PROBED_PER_RANGE * len(ranges)
    if merged:
        every = [row[0] for row in db.execute(MATCHED_BETWEEN_SQL, [expression, ranges[0][0], ranges[-1][1]])]
    else:
        every = slots.cell_rows(db, expression, most + 1)
    if merged or len(every) <= most:
        firsts = [first for first, _ in ranges]
        found = [rowid for rowid in every
                 if (place := bisect.bisect_right(firsts, rowid) - 1) >= 0 and rowid <= ranges[place][1]]
        return sorted(passed(found)) if found else []
    kept: list[int] = []
    found = []
    for first, last in ranges:
        found += [row[0] for row in db.execute(MATCHED_BETWEEN_SQL, [expression, first, last])]
        if enough is not None and len(kept) + len(found) >= enough:
            kept += sorted(passed(found))
            found = []
            if len(kept) >= enough:
                break
    return kept + (sorted(passed(found)) if found else [])


def _every(ids: list[int]) -> list[int]:
    return ids


_LIMIT = threading.local()


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Searches in this thread end with sqlite3's "interrupted" error once
    this long has gone by.  An SQL time limit (Datasette's) only stops a
    statement: between statements, a search of very common words spends
    long passes in Python, and would end up to a second late."""
    _LIMIT.deadline = time.perf_counter() + seconds
    try:
        yield
    finally:
        _LIMIT.deadline = None


def _in_time() -> None:
    deadline = getattr(_LIMIT, "deadline", None)
    if deadline is not None and time.perf_counter() > deadline:
        raise sqlite3.OperationalError("interrupted")


# A query with at most this many matches is scored at once (_all_at_once),
# times the square root of the paragraphs a text: reprints multiply the
# matches to score, but less the cells to read for a page of distinct texts.
ALL_AT_ONCE = 10_000
# This share of it, for words joined by OR that may be ranked through the
# paragraphs holding two of them (pairs.py), which costs less than scoring
# more matches at once.
PAIRED_SHARE = 0.2
# A query of two words whose cells are narrowed (AND, a phrase, NOT): at most
# this many matches, and this many more per paragraph a text.  Each of its
# cells is one more FTS5 statement of the whole query, a cost reprints do not
# multiply; with more words, more cells are read to more depth (the square of
# the words beyond one: a rough rule, docs/ranking.md).
NARROWED_AT_ONCE = 2_000
NARROWED_PER_COPY = 500


def _all_at_once(db, plan: Plan, expression: str, candidates: Candidates,
                 among: frozenset[int] | None = None, share: float = 1.0, texts: bool = False) -> bool:
    """Score every match of a query, if they are few: one statement for the
    matches and their lengths, a few for each word (with OR, one more for
    the matches that hold it).  Whether it did.  among: the matches that
    pass the filters, if known (top()): only those are scored.  texts: the
    expression is kept to first copies (top()), so its matches are texts."""
    most = round(ALL_AT_ONCE * share * math.sqrt(plan.copies))
    if plan.narrowed and not plan.costly:  # a costly query's cells each cost a merge
        words = (len(plan.slots) - 1) ** 2
        most = min(most, round((NARROWED_AT_ONCE + NARROWED_PER_COPY * plan.copies) * words))
    # Words joined by OR alone: a word's paragraphs all match, so a word in
    # more paragraphs than that settles it without a statement.
    if not plan.narrowed and any(slot.held > most and not slot.form_stems for slot in plan.slots):
        return False
    if among is not None and len(among) > most:  # the matches that pass are more already
        return False
    # The matches with their lengths cost a look-up each: where the words'
    # paragraphs may be too many together, they are first counted alone.
    if not plan.narrowed and sum(slot.held for slot in plan.slots) > most and _more_than(db, expression, most):
        return False
    if plan.narrowed and among is None and _sampled_too_many(db, plan, expression, most):
        return False
    rows = db.execute(slots.LENGTHS_SQL + " limit ?", [expression, most + 1]).fetchall()
    if len(rows) > most:
        return False
    if among is not None:
        rows = [row for row in rows if row[0] in among]
    floors = slots.floors_of(rows)
    if plan.narrowed and _from_text(plan, len(floors), texts):
        for score, group in text_scores(db, plan, list(floors), texts).items():
            candidates.scored(group, score)
        return True
    for number, slot in enumerate(plan.slots):
        held = floors
        if not plan.conjunctive:
            stems = sorted(slot.stems | slot.form_stems)
            if not stems:
                continue
            # Words joined by OR alone: the matches are known, so the word's
            # paragraphs need no narrowing by FTS5, only keeping the matches.
            words = slots.stems_expression(stems)
            if plan.narrowed:
                look_up = f"({words}) AND ({expression})"
            else:
                look_up = slots.first_copies(words) if texts else words
            held = {row[0]: floors[row[0]] for row in db.execute(slots.CELL_SQL, [look_up]) if row[0] in floors}
        # The stem typed is looked up as it is when its paragraphs are few
        # beside the matches: narrowing it costs FTS5 the whole query again.
        narrow = plan.narrowed and slot.own_held > _NARROWED_OWN * len(floors)
        grouped: dict[float, list[int]] = {}
        within = _holding_the_others(plan, number, expression, texts) if narrow else None
        for rowid, value in slots.word_values(db, plan, slot, held, within, texts).items():
            grouped.setdefault(value, []).append(rowid)
        for value, group in grouped.items():
            candidates.add(group, number, value)
    return True


# A word's values in few matches are read from cells that hold all its
# paragraphs: where these are this many times as many as the texts among the
# matches, the matches are scored from their text instead (_from_text).
FROM_TEXT = 500


def _from_text(plan: Plan, matches: int, texts: bool = False) -> bool:
    """Whether few matches of a narrowed query (AND, phrase, NOT) beside a
    common word cost less scored from their text, once a text, than looked
    up in the words' cells (a stopword's repeats fill cells larger than the
    whole archive's share of the matches: "في من").  texts: the matches are
    first copies, a text each."""
    return from_text(plan, matches / plan.copies if plan.copies >= REPRINTED and not texts else matches)


def from_text(plan: Plan, texts: float, factor: float | None = None) -> bool:
    """_from_text() of matches known to be so many distinct texts (with
    another factor than FROM_TEXT, if given)."""
    factor = FROM_TEXT if factor is None else factor
    return not plan.slots or max(slot.held for slot in plan.slots) > factor * max(texts, 1)


_COUNT_SQL = f"select count(*) from ({slots.CELL_SQL} limit ?)"


def _more_than(db, expression: str, most: int) -> bool:
    """Whether the expression matches more than `most` paragraphs."""
    return db.execute(_COUNT_SQL, [expression, most + 1]).fetchone()[0] > most


# A narrowed query (AND, a phrase, NOT) that may have more than a few
# thousand matches counts those among the first SAMPLED-th of the ids first:
# where it has too many, reading them with their lengths, only to give up,
# cost FTS5 the whole query (docs/ranking.md).  MARGIN: how far past the
# limit the sample must point, its share of the matches being a guess.
SAMPLED_FROM = 1_000
# Nor where the paragraphs holding its rarest word are at most this many
# times the limit: the matches of an AND are fewer than those.
SAMPLED_BOUND = 2
SAMPLED = 8
MARGIN = 1.25
_SAMPLE_SQL = f"select count(*) from ({MATCHED_BETWEEN_SQL} limit ?)"


def _sampled_too_many(db, plan: Plan, expression: str, most: int) -> bool:
    """Whether the matches among the first SAMPLED-th of the ids show the
    query has clearly more than `most` (a guess: the ids are in import
    order, and a word may be more common in some years than others)."""
    bound = min(slot.held for slot in plan.slots) if plan.conjunctive else plan.total
    if most < SAMPLED_FROM or bound <= SAMPLED_BOUND * most or plan.costly:  # (each statement a merge)
        return False
    last = remember(plan.known, ("last id",), lambda: db.execute(_LAST_ID_SQL).fetchone()[0] or 0)
    enough = math.floor(most * MARGIN / SAMPLED) + 1
    return db.execute(_SAMPLE_SQL, [expression, 0, last // SAMPLED, enough]).fetchone()[0] >= enough


_LAST_ID_SQL = "select max(id) from paragraphs"


# A stem in more paragraphs than this many times a query's matches is looked
# up narrowed to them (_all_at_once): reading its rows would cost more.
_NARROWED_OWN = 4


def _holding_the_others(plan: Plan, number: int, expression: str, texts: bool = False) -> str:
    """What the stem a word was typed as is looked up within, among a query's
    matches (_all_at_once): with every word required (AND, a phrase), the
    paragraphs holding one of each other word's stems, which hold every
    match; FTS5 finds those at half the cost of the query's own expression,
    whose phrases it matches by position, and whose words by all their forms
    (a word found through a written form holds that form's stem); with
    texts, their first copies.  Else the query's expression."""
    others = [sorted(other.stems | other.form_stems) for place, other in enumerate(plan.slots) if place != number]
    if not plan.conjunctive or not others or not all(others):
        return expression
    holding = " AND ".join(f"({slots.stems_expression(stems)})" for stems in others)
    return slots.first_copies(holding) if texts else holding


def _settled(candidates: Candidates, upcoming: list[list[float]], wanted: int, passed: Passed | None):
    """The best `wanted` if the cells read decide them, else None."""
    open_gain = open_gains(candidates, upcoming)
    unseen = sum(open_gain)
    if unseen > 0 and (len(candidates) < wanted or unseen >= candidates.kth(wanted) + EPSILON):
        return None  # a paragraph not met yet may reach the page (a cheap pass)
    best = _best_met(candidates, open_gain, wanted, passed)
    if best is None or len(best) < wanted:
        return None if best is None or unseen > 0 else best
    last_id, last_score = best[-1]
    if unseen > 0 and unseen >= last_score - EPSILON:
        # A paragraph not met yet may reach the last place, or tie it with a
        # lower id: `last_score` is rounded, and may be just above `unseen`.
        return None
    chosen = {rowid for rowid, _ in best}
    extra = candidates.headroom(open_gain)
    # No word may still lift a paragraph (every cell read, or every paragraph
    # met complete): those met rank by their scores, and the best are chosen.
    # Else each group that may still reach the last place, one by one.
    near = [group for (low, words), group in candidates.groups.items()
            if (more := extra(words)) > 0.0 and low + more >= last_score - EPSILON]
    for group in near:
        # Asking the filters may drop a paragraph from its group: a copy then.
        for rowid in (group if passed is None else list(group)):
            if rowid in chosen or rowid not in candidates:
                continue
            high = round(candidates.high(rowid, extra), SCORE_DIGITS)
            if high > last_score or (high == last_score and rowid < last_id):
                if passed is None or _passes([rowid], candidates, passed):
                    return None  # met, but missing a word that may lift it
    return best


def _kth_passing(candidates: Candidates, wanted: int, passed: Passed) -> float | None:
    """kth_best() among the paragraphs met that pass the filters, which are
    asked about the best met first (those refused are dropped), as many
    more at a time as they refuse."""
    take = wanted
    while True:
        head = candidates.head(take)
        unknown = [rowid for rowid, _ in head if rowid not in candidates.passed]
        if unknown:
            candidates.ask(unknown, passed)
        # The wanted-th of these by raw score: at most the wanted-th of all.
        kept = sorted((score for rowid, score in head if candidates.passed[rowid]), reverse=True)
        if len(kept) >= wanted:
            return kept[wanted - 1]
        if len(head) < take:
            return None
        take *= 4


def _best_met(candidates: Candidates, open_gain: list[float], wanted: int, passed: Passed | None):
    """The best `wanted` met so far that pass the filters, each complete
    (no missing word may still lift it), else None."""
    take, extra = wanted, candidates.headroom(open_gain)
    while True:
        head = candidates.head(take)
        # Asked about at once, the first time one of them is: made once.
        batch = [rowid for rowid, _ in head]
        best: list[tuple[int, float]] = []
        for rowid, score in head:
            if rowid in candidates.refused:
                continue  # asked about with an earlier one, and dropped
            if candidates.high(rowid, extra) > score:
                return None  # one of the best may still gain
            if passed is None or _passes(batch, candidates, passed, rowid):
                best.append((rowid, round(score, SCORE_DIGITS)))
                if len(best) == wanted:
                    return best
        if len(head) < take:
            return best
        take *= 4  # the filters left too few


def _passes(batch: list[int], candidates: Candidates, passed: Passed, rowid: int | None = None) -> bool:
    """Whether a paragraph passes the filters, asking about the batch it is
    in at once (rowid: the one meant, if not the batch's only)."""
    rowid = batch[0] if rowid is None else rowid
    if rowid not in candidates.passed:
        candidates.ask([other for other in batch if other not in candidates.passed], passed)
    return candidates.passed[rowid]


# Asked for more than this many, a search whose matches are fewer scores them
# all (exhaustive): the top k machinery only costs more when k is all.
EVERY_MATCH_FROM = 10_000


def exhaustive(db, plan: Plan, matching: list[int]) -> list[tuple[int, float]]:
    """Every match scored, best first: what top() must agree with, and
    cheaper than it for a list of them all."""
    values = {rowid: [0.0] * len(plan.slots) for rowid in matching}
    for _, number, value, (cell_level, stems, _, once) in plan.cells:
        for rowid in slots.cell_rows(db, slots.cell_expression(cell_level, stems, once=once)):
            row = values.get(rowid)
            if row is not None and not row[number]:
                row[number] = value
    weights = [slot.weight for slot in plan.slots]
    scored = [(round(sum(w * v for w, v in zip(weights, row)), SCORE_DIGITS), rowid) for rowid, row in values.items()]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(rowid, score) for score, rowid in scored]
