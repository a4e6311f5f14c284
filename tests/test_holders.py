"""The first copy of each text, marked in the index (holders.py): kept on
the lowest id of each text through imports, updates, removals and
rebuilds, checked by `archive check`, and the folded pages ranked through
it the same as every match ranked."""

import shutil
import sqlite3
import sys

import pytest
from click.testing import CliRunner

from archive import complete, holders, impact, pairs, rank, search, slots
from archive.cli import cli
from archive.db import open_archive
from archive.filters import Filters, connect_functions
from archive.impact import HOLDER
from archive.index import INDEX, _UNINDEX_ROW, _INDEX_ROW, analyzed_row

from archive.query import parse
from test_duplicates import reference_filtered, reference_rows, reference_search
from test_top_k import WORDS, compare, make_tree, queries, run


def marks(db):
    conn = sqlite3.connect(db)
    try:
        stored = {rowid for (rowid,) in conn.execute(f"select rowid from {INDEX} where {INDEX} match ?",
                                                     [f"impact : {HOLDER}"])}
        firsts = {rowid for (rowid,) in conn.execute(
            "select min(id) from paragraphs group by coalesce(fingerprint, 'paragraph ' || id)")}
        return stored, firsts
    finally:
        conn.close()


def level_marks(db):
    """The paragraphs holding a mark's level (holders.level_mark), each
    with its level's letter: at most one each."""
    conn = sqlite3.connect(db)
    try:
        found = {}
        for letter in map(impact.letter, range(1, impact.LEVELS + 1)):
            for (rowid,) in conn.execute(f"select rowid from {INDEX} where {INDEX} match ?",
                                         [f'impact : "{holders.level_mark(letter)}"']):
                assert rowid not in found
                found[rowid] = letter
        return found
    finally:
        conn.close()


def assert_marked(db):
    stored, firsts = marks(db)
    assert stored == firsts
    # The level in each mark is that of its paragraph's stems found once
    # (its length's): a paragraph's impact column opens with that letter.
    levels = level_marks(db)
    assert set(levels) == stored
    conn = sqlite3.connect(db)
    for rowid, letter in levels.items():
        text = conn.execute("select text from paragraphs where id = ?", [rowid]).fetchone()[0]
        assert analyzed_row(text)[2].split()[0] == letter
    conn.close()
    assert "ok" in run("check", "--db", db).output


def _by_cells(monkeypatch):
    """Every query ranked by reading its cells: none scored at once, no
    rare word read whole, no OR through the paragraphs holding two words."""
    monkeypatch.setattr(pairs, "PAIRED_TEXTS", 0)
    monkeypatch.setattr(slots, "DIRECT_MAX", 0)
    monkeypatch.setattr(rank, "ALL_AT_ONCE", 0)


def reprints(tmp_path, seed):
    tree = make_tree(tmp_path / "tree" / "a", seed=seed, documents=12)
    for copy in ("b", "c"):
        shutil.copytree(tree, tmp_path / "tree" / copy)
    return tree


def imported_reprints(tmp_path, seed):
    """An archive of reprints() (three copies of each text), imported."""
    db = tmp_path / "archive.db"
    reprints(tmp_path, seed=seed)
    run("import", tmp_path / "tree", "--db", db)
    return db


def test_each_texts_first_copy_is_marked_through_imports_updates_and_removals(tmp_path):
    db = tmp_path / "archive.db"
    tree = reprints(tmp_path, seed=31)
    run("import", tmp_path / "tree", "--db", db)
    stored, _ = marks(db)
    paragraphs = sqlite3.connect(db).execute("select count(*) from paragraphs").fetchone()[0]
    assert 0 < len(stored) <= paragraphs / 3  # a mark a text, not a paragraph
    assert_marked(db)
    # The first copies' files changed: their marks move to the next copy,
    # and their new texts are marked where no other copy holds them.
    for path in sorted(tree.iterdir())[:4]:
        path.write_text(path.read_text(encoding="utf-8") + "\n\nفقرة جديدة عن الشركات\n", encoding="utf-8")
    run("import", tmp_path / "tree", "--db", db)
    assert_marked(db)
    # The first copies removed.
    shutil.rmtree(tree)
    run("import", tmp_path / "tree", "--db", db, "--prune")
    assert_marked(db)
    # Into an archive that holds them: new copies are not marked again.
    shutil.copytree(tmp_path / "tree" / "b", tmp_path / "tree" / "d")
    run("import", tmp_path / "tree", "--db", db)
    assert_marked(db)
    run("rebuild", "--db", db)
    assert_marked(db)


def test_check_finds_a_mark_out_of_place(tmp_path):
    db = tmp_path / "archive.db"
    reprints(tmp_path, seed=32)
    run("import", tmp_path / "tree", "--db", db)
    stored, _ = marks(db)
    conn = sqlite3.connect(db)
    first = min(stored)
    text = conn.execute("select text from paragraphs where id = ?", [first]).fetchone()[0]
    terms, exact, impact = analyzed_row(text)
    conn.execute(_UNINDEX_ROW, [first, terms, exact, holders.with_mark(impact, True)])
    conn.execute(_INDEX_ROW, [first, terms, exact, impact])
    conn.commit()
    conn.close()
    result = CliRunner().invoke(cli, ["check", "--db", str(db)])
    assert result.exit_code != 0
    assert "not marked as a text's first copy should be" in result.output


def test_folded_pages_read_a_text_once_and_rank_every_match(tmp_path, monkeypatch):
    """Cells read through the mark (slots.first_copies), the folded pages
    the same as every match ranked, after the first copies were removed."""
    _by_cells(monkeypatch)
    db = tmp_path / "archive.db"
    tree = reprints(tmp_path, seed=33)
    run("import", tmp_path / "tree", "--db", db)
    read = []
    original = slots.first_copies
    monkeypatch.setattr(slots, "first_copies", lambda cell: read.append(cell) or original(cell))
    texts = queries(34, 30)
    assert compare(db, texts) >= 90
    assert read
    shutil.rmtree(tree)
    run("import", tmp_path / "tree", "--db", db, "--prune")
    assert compare(db, texts) >= 90


def _empty_archive_marked(tmp_path, marking):
    """An empty archive whose paragraphs will be marked as one made by an
    earlier archive was: not at all (None), or without the level ("1")."""
    db = tmp_path / "archive.db"
    (tmp_path / "empty").mkdir()
    run("import", tmp_path / "empty", "--db", db)
    conn = sqlite3.connect(db)
    if marking is None:
        conn.execute("delete from archive_meta where key = ?", [holders.META_KEY])
    else:
        conn.execute("update archive_meta set value = ? where key = ?", [marking, holders.META_KEY])
    conn.commit()
    conn.close()
    return db


def test_an_archive_made_before_the_mark_is_ranked_without_it(tmp_path, monkeypatch):
    monkeypatch.setattr(slots, "DIRECT_MAX", 0)
    monkeypatch.setattr(rank, "ALL_AT_ONCE", 0)
    db = _empty_archive_marked(tmp_path, None)
    reprints(tmp_path, seed=35)
    run("import", tmp_path / "tree", "--db", db)
    assert marks(db)[0] == set()
    checked = run("check", "--db", db).output
    assert "ok" in checked and "'archive rebuild' adds it" in checked  # a note: the archive is sound
    read = []
    monkeypatch.setattr(slots, "first_copies", lambda cell: read.append(cell) or cell)
    assert compare(db, queries(36, 10)) >= 30
    assert not read
    run("rebuild", "--db", db)
    assert_marked(db)
    assert "'archive rebuild' adds it" not in run("check", "--db", db).output


def _cell_statements(monkeypatch) -> list[str]:
    """The cells' FTS5 expressions the ranking reads, as they are made."""
    made: list[str] = []
    original = rank._cell_expressions

    def noted(*args, **kwargs):
        cell_of = original(*args, **kwargs)

        def noted_cell(position):
            cell = cell_of(position)
            if cell is not None:
                made.append(cell)
            return cell

        return noted_cell

    monkeypatch.setattr(rank, "_cell_expressions", noted)
    return made


def test_a_folded_page_reads_a_levels_first_copies_by_the_marks_level(tmp_path, monkeypatch):
    """Where the mark names its level, a folded page reads a level's first
    copies by it (holders.level_mark), not every paragraph of the level
    checked against the mark: the same pages as every match ranked, also
    once the marks have moved to the next copies."""
    _by_cells(monkeypatch)
    db = tmp_path / "archive.db"
    tree = reprints(tmp_path, seed=41)
    run("import", tmp_path / "tree", "--db", db)
    made = _cell_statements(monkeypatch)
    texts = queries(42, 30)
    assert compare(db, texts) >= 90
    levels = {holders.level_mark(impact.letter(value)) for value in range(1, impact.LEVELS + 1)}
    assert any(f'impact : "{mark}"' in cell for cell in made for mark in levels)
    shutil.rmtree(tree)  # the first copies: their marks move
    run("import", tmp_path / "tree", "--db", db, "--prune")
    assert_marked(db)
    assert compare(db, texts) >= 90


def test_an_archive_marked_before_the_marks_level_is_ranked_and_written_without_it(tmp_path, monkeypatch):
    _by_cells(monkeypatch)
    db = _empty_archive_marked(tmp_path, "1")
    tree = reprints(tmp_path, seed=43)
    run("import", tmp_path / "tree", "--db", db)
    shutil.rmtree(tree)  # marks moved without a level too
    run("import", tmp_path / "tree", "--db", db, "--prune")
    stored, firsts = marks(db)
    assert stored == firsts and not level_marks(db)
    checked = run("check", "--db", db).output
    assert "ok" in checked and "the level in the mark" in checked
    made = _cell_statements(monkeypatch)
    texts = queries(44, 30)
    assert compare(db, texts) >= 90
    levels = {holders.level_mark(impact.letter(value)) for value in range(1, impact.LEVELS + 1)}
    assert made and not any(f'"{mark}"' in cell for cell in made for mark in levels)
    run("rebuild", "--db", db)
    assert_marked(db)
    assert "the level in the mark" not in run("check", "--db", db).output
    made.clear()
    assert compare(db, texts) >= 90
    assert any(f'impact : "{mark}"' in cell for cell in made for mark in levels)


class _Traced:
    """An archive whose FTS5 look-ups (slots.CELL_SQL) note the ids they
    give."""

    def __init__(self, db, met):
        self._db, self._met = db, met

    def __getattr__(self, name):
        return getattr(self._db, name)

    def execute(self, sql, parameters=None):
        cursor = self._db.execute(sql, parameters) if parameters is not None else self._db.execute(sql)
        if not sql.startswith(slots.CELL_SQL):
            return cursor
        rows = cursor.fetchall()
        self._met.update(row[0] for row in rows)
        return iter(rows)


@pytest.mark.parametrize("at_once", [True, False])
def test_a_folded_page_scored_at_once_reads_no_reprint(tmp_path, monkeypatch, at_once):
    """The words' values in matches scored at once (rank._all_at_once, from
    the cells rather than the text) and in the paragraphs holding two words
    of an OR (pairs.py) are looked up among the first copies alone: the
    matches are those, and every reprint read is a row for nothing.  (A
    short prefix is tested on the best met, which reads the copies.)"""
    monkeypatch.setattr(rank, "FROM_TEXT", float("inf"))
    if not at_once:
        monkeypatch.setattr(rank, "ALL_AT_ONCE", 0)
    db = tmp_path / "archive.db"
    reprints(tmp_path, seed=37)
    run("import", tmp_path / "tree", "--db", db)
    _, firsts = marks(db)
    archive = open_archive(str(db))
    met = set()
    traced = _Traced(archive, met)
    for text in [text for text in queries(38, 60) if "*" not in text]:
        query = parse(text)
        hits = search.search(traced, query, limit=10, fold_duplicates=True)
        assert [(h.path, h.paragraph, h.copies, h.score) for h in hits] == reference_search(archive, query, 10, 0, True)
    archive.conn.close()
    assert met and met <= firsts


@pytest.mark.parametrize("at_once", [True, False])
def test_a_folded_page_completed_from_text_looks_up_no_reprint(tmp_path, monkeypatch, at_once):
    """Matches scored from their text (rank._from_text) and paragraphs
    completed from it (complete.py) are first copies, each of a text of
    its own: their reprints are not looked for, and the pages are those
    of every match ranked."""
    if at_once:
        monkeypatch.setattr(rank, "FROM_TEXT", 0)  # every narrowed query's matches from their text
    else:
        monkeypatch.setattr(pairs, "PAIRED_TEXTS", 0)
        monkeypatch.setattr(slots, "DIRECT_MAX", 0)
        monkeypatch.setattr(rank, "ALL_AT_ONCE", 0)
    db = tmp_path / "archive.db"
    reprints(tmp_path, seed=39)
    run("import", tmp_path / "tree", "--db", db)
    looked_up, scored = [], []
    original, score_text = complete.reprints_of, complete.score_text
    monkeypatch.setattr(complete, "reprints_of", lambda db, ids: looked_up.append(ids) or original(db, ids))
    monkeypatch.setattr(complete, "score_text", lambda plan, text: scored.append(text) or score_text(plan, text))
    archive = open_archive(str(db))
    for text in [text for text in queries(40, 60) if "*" not in text]:
        query = parse(text)
        hits = search.search(archive, query, limit=10, fold_duplicates=True)
        assert [(h.path, h.paragraph, h.copies, h.score) for h in hits] == reference_search(archive, query, 10, 0, True)
    archive.conn.close()
    assert scored and not looked_up


def test_an_and_of_first_copies_completes_as_many_texts_a_round_as_without_reprints(tmp_path, monkeypatch):
    """Reprints share a completion, so a round completes as many texts as
    its paragraphs times the copies a text; where the paragraphs met are
    first copies, an AND's or a phrase's round is its plain size again."""
    _by_cells(monkeypatch)
    monkeypatch.setattr(complete, "COMPLETED_AT_ONCE", 2)
    # The best met are completed in rounds alone (raising the page's last
    # score first is a shortcut that settles this small archive's pages).
    monkeypatch.setattr(rank, "raise_the_bar", lambda *args: None)
    monkeypatch.setattr(complete, "raise_the_bar", lambda *args: None)
    db = tmp_path / "archive.db"
    reprints(tmp_path, seed=41)
    run("import", tmp_path / "tree", "--db", db)
    rounds = []
    original = complete.complete

    def counted(db, plan, candidates, chosen):
        if sys._getframe(1).f_code.co_name == "complete_the_best":
            rounds.append(len(chosen))
        return original(db, plan, candidates, chosen)

    monkeypatch.setattr(complete, "complete", counted)
    archive = open_archive(str(db))
    texts = [text for text in queries(42, 120) if "*" not in text and " OR " not in text and "-" not in text]
    for text in texts:
        query = parse(text)
        hits = search.search(archive, query, limit=10, fold_duplicates=True)
        assert [(h.path, h.paragraph, h.copies, h.score) for h in hits] == reference_search(archive, query, 10, 0, True)
    archive.conn.close()
    assert rounds and max(rounds) <= 2


def test_a_folded_page_within_narrow_filters_scores_its_texts_in_one_pass(tmp_path, monkeypatch):
    """Filters that leave few paragraphs: every match among them is scored
    from its text (rank.within), and a folded page takes one paragraph a
    text from it, the first that passes, so that the rows it asks for are
    as many texts, not a third as many (three copies a text here), which
    left the page short and made it score every match again.  The pages
    are those of every match ranked, then filtered and folded, where the
    filters pass every copy and where they leave out the first."""
    monkeypatch.setattr(rank, "FILTERED_AT_ONCE", 10**6)
    db = imported_reprints(tmp_path, 43)
    passes = []
    original = rank.within
    monkeypatch.setattr(rank, "within", lambda *args, **named: passes.append(1) or original(*args, **named))
    archive = open_archive(str(db))
    connect_functions(archive)
    rows = reference_rows(archive)
    folders = [str(tmp_path / "tree" / copy / "*") for copy in ("b", "c")]
    compared = 0
    for globs in (("doc0[0-5]*",), tuple(folders)):
        filters = Filters(paths=globs)
        where, params = filters.sql("/")
        passing = {path for (path,) in archive.execute(f"select path from documents where 1 {where}", params)}
        for text in [text for text in queries(44, 40) if "*" not in text]:
            query = parse(text)
            every = reference_search(archive, query, len(rows), 0, False, rows)
            passes.clear()
            hits = search.search(archive, query, limit=10, filters=filters, fold_duplicates=True)
            assert [(h.path, h.paragraph, h.copies, h.score) for h in hits] == \
                reference_filtered(every, passing, rows, 10, 0, True), (text, globs)
            assert len(passes) == 1, text
            compared += len(hits) >= 10
    archive.conn.close()
    assert compared >= 15  # full pages, which the rows of one pass would not all fill before


def _filtered_pages(archive, globs, texts, limit=10):
    """Each query's folded first page within the globs against every match
    ranked, then filtered and folded; how many of them were full."""
    rows = reference_rows(archive)
    filters = Filters(paths=globs)
    where, params = filters.sql("/")
    passing = {path for (path,) in archive.execute(f"select path from documents where 1 {where}", params)}
    full = 0
    for text in texts:
        query = parse(text)
        every = reference_search(archive, query, len(rows), 0, False, rows)
        hits = search.search(archive, query, limit=limit, filters=filters, fold_duplicates=True)
        assert [(h.path, h.paragraph, h.copies, h.score) for h in hits] == \
            reference_filtered(every, passing, rows, limit, 0, True), (text, globs)
        full += len(hits) == limit
    return full


def test_a_folded_page_within_filters_reads_a_text_once_where_its_first_copy_is_left_out(tmp_path, monkeypatch):
    """Filters wider than rank.within() serves: the cells are read through
    the mark (first copies), the filters asked of each text's copies, and a
    text stands on the page as its first copy that passes; the pages are
    those of every match ranked, filtered, then folded, where the filters
    pass every copy, and where they leave out the first."""
    monkeypatch.setattr(rank, "FILTERED_AT_ONCE", 0)
    monkeypatch.setattr(rank, "FILTERED_AT_ONCE_PER_COPY", 0)
    monkeypatch.setattr(rank, "FILTERED_AT_ONCE_PER_COPY_BY_TEXTS", 0)
    monkeypatch.setattr(slots, "DIRECT_MAX", 0)
    db = imported_reprints(tmp_path, 45)
    read = []
    original = slots.first_copies
    monkeypatch.setattr(slots, "first_copies", lambda cell: read.append(cell) or original(cell))
    archive = open_archive(str(db))
    connect_functions(archive)
    texts = [text for text in queries(46, 60) if "*" not in text]
    folders = tuple(str(tmp_path / "tree" / copy / "*") for copy in ("b", "c"))
    assert _filtered_pages(archive, ("doc0[0-7]*",), texts) >= 15
    assert _filtered_pages(archive, folders, texts) >= 15
    archive.conn.close()
    assert read


def test_texts_asked_of_a_field_and_dates_are_looked_up_from_the_ids_asked(tmp_path, monkeypatch):
    """A folded page within a field's value and dates, read through the
    mark: each statement asking the filters of texts starts from the ids
    asked about, and reads their documents by id (SQLite, with no
    statistics, read every document of the field's value for each of them
    instead: a second a statement on the corpus ten times over).  The pages
    are those of every match ranked, filtered, then folded."""
    from archive.filters import search_filters

    for name, value in (("FILTERED_AT_ONCE", 0), ("FILTERED_AT_ONCE_PER_COPY", 0),
                        ("FILTERED_AT_ONCE_PER_COPY_BY_TEXTS", 0)):
        monkeypatch.setattr(rank, name, value)
    monkeypatch.setattr(slots, "DIRECT_MAX", 0)
    made = make_tree(tmp_path / "made", seed=47, documents=30)
    for copy in ("a", "b", "c"):
        (tmp_path / "tree" / copy).mkdir(parents=True)
        for number, path in enumerate(sorted(made.iterdir())):
            name = f"2015-08-{number % 9 + 1:02d}_{('alpha', 'beta')[number % 2]}_{number}.txt"
            shutil.copy(path, tmp_path / "tree" / copy / name)
    db = tmp_path / "archive.db"
    assert run("import", tmp_path / "tree", "--db", db, "--fields", "{date}_{source}_{n}.txt").exit_code == 0
    archive = open_archive(str(db))
    filters = search_filters(archive, where=("source=alpha",), since="2015-08-02", until="2015-08-07")
    rows = reference_rows(archive)
    named = {path: path.rsplit("/", 1)[1].split("_") for path, _, _ in rows.values()}
    passing = {path for path, (date, source, _) in named.items() if source == "alpha" and "2015-08-02" <= date <= "2015-08-07"}
    asked: list[str] = []
    statements: list[str] = []
    for text in [text for text in queries(48, 30) if "*" not in text]:
        query = parse(text)
        archive.conn.set_trace_callback(statements.append)
        try:
            hits = search.search(archive, query, limit=6, filters=filters, fold_duplicates=True)
        finally:
            archive.conn.set_trace_callback(None)
        asked += [sql for sql in statements if "held.id in" in sql]
        statements.clear()
        every = reference_search(archive, query, len(rows), 0, False, rows)
        assert [(h.path, h.paragraph, h.copies, h.score) for h in hits] == \
            reference_filtered(every, passing, rows, 6, 0, True), text
    assert asked
    for sql in asked:
        plan = [row[3] for row in archive.execute("explain query plan " + sql)]
        # A document looked up by its id, in its table or beside it in an index.
        by_id = ("PRIMARY KEY", "rowid=?")
        assert not [step for step in plan if "documents" in step and not any(way in step for way in by_id)], plan
    archive.conn.close()


def test_a_folded_page_within_filters_orders_tied_texts_by_the_copy_shown(tmp_path, monkeypatch):
    """Thirty texts that tie, their first copies in one folder and their
    copies in another in the reverse order, filtered to the copies: read by
    their first copies, the texts met first are the last shown, so the page
    is decided only once every tied text is met."""
    monkeypatch.setattr(rank, "FILTERED_AT_ONCE", 0)
    monkeypatch.setattr(rank, "FILTERED_AT_ONCE_PER_COPY", 0)
    monkeypatch.setattr(rank, "FILTERED_AT_ONCE_PER_COPY_BY_TEXTS", 0)
    letters = "بتثجحخدذرزسشصضطظعغفقكلمنهوي"
    texts = [f"محطة التحلية في حي {letters[n % 27]}{letters[n // 27 + 3]}س" for n in range(30)]
    for folder, order in (("a", texts), ("b", texts[::-1])):
        (tmp_path / "tree" / folder).mkdir(parents=True)
        for number, text in enumerate(order):
            (tmp_path / "tree" / folder / f"t{number:02d}.txt").write_text(text + "\n", encoding="utf-8")
    db = tmp_path / "archive.db"
    run("import", tmp_path / "tree", "--db", db)
    archive = open_archive(str(db))
    connect_functions(archive)
    through = []
    original = search.Ranking._through_the_mark
    monkeypatch.setattr(search.Ranking, "_through_the_mark",
                        lambda self, wanted: through.append(wanted) or original(self, wanted))
    query = parse("محطة التحلية")
    hits = search.search(archive, query, limit=10, filters=Filters(paths=(str(tmp_path / "tree" / "b" / "*"),)))
    assert through
    assert len({hit.score for hit in hits}) == 1  # they tie
    assert [hit.path.rsplit("/", 2)[-2:] for hit in hits] == [["b", f"t{number:02d}.txt"] for number in range(10)]
    assert _filtered_pages(archive, (str(tmp_path / "tree" / "b" / "*"),), ["محطة التحلية", "التحلية محطة"]) == 2
    archive.conn.close()


def test_a_folded_page_of_one_word_within_filters_asks_for_every_copy_at_once(tmp_path, monkeypatch):
    """One word within wide filters is ranked from every copy (not through
    the mark): the rows first asked for are its texts' copies, so that one
    ranking fills the page, where a text's worth of rows left it short and
    ranked again."""
    monkeypatch.setattr(rank, "FILTERED_AT_ONCE", 0)
    monkeypatch.setattr(rank, "FILTERED_AT_ONCE_PER_COPY", 0)
    monkeypatch.setattr(rank, "FILTERED_AT_ONCE_PER_COPY_BY_TEXTS", 0)
    db = imported_reprints(tmp_path, 47)
    rankings = []
    original = rank.top
    monkeypatch.setattr(rank, "top", lambda *args, **named: rankings.append(args[3]) or original(*args, **named))
    archive = open_archive(str(db))
    connect_functions(archive)
    words = sorted({text for text in queries(48, 80) if " " not in text and "*" not in text})
    assert _filtered_pages(archive, ("doc0[0-9]*",), words) >= 5
    archive.conn.close()
    assert rankings and all(wanted >= 30 for wanted in rankings)  # three copies a text, ten texts
    assert len(rankings) == len(words)


def test_a_folded_page_with_a_prefix_tested_on_its_words_reads_a_text_once(tmp_path, monkeypatch):
    """A prefix FTS5 would merge at every cell, beside words: the words are
    ranked alone and the prefix tested on the best (prefixes.py).  The test
    reads a paragraph's text, which its copies share, so the words' cells
    are read through the mark; the pages are those of every match ranked."""
    from archive import prefixes

    monkeypatch.setattr(prefixes, "MANY_PAGES", 10**6)
    monkeypatch.setattr(prefixes, "RANKED_PAGES", 0)  # every prefix, in this small archive
    monkeypatch.setattr(slots, "DIRECT_MAX", 0)
    db = imported_reprints(tmp_path, 49)
    tested = []  # whether each ranking with the test was read through the mark
    original = rank.top
    monkeypatch.setattr(rank, "top", lambda *args: (args[4] is not None and tested.append(args[7])) or original(*args))
    archive = open_archive(str(db))
    texts = [f"{word} {prefix}*" for word in WORDS[:12] for prefix in ("الم", "-الش")]
    for text in texts:
        query = parse(text)
        hits = search.search(archive, query, limit=10, fold_duplicates=True)
        assert [(h.path, h.paragraph, h.copies, h.score) for h in hits] == reference_search(archive, query, 10, 0, True)
    archive.conn.close()
    assert len(tested) >= 10 and all(tested)
