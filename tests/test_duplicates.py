"""Reprints: a paragraph printed word for word in several documents (wire copy)
is shown once, best copy first, saying where else it stands.

Seeds 08 and 09 share a paragraph (the second copy with tatweel and harakat,
so only its normalized words are the same) and a dateline.  The corpus tests
take a paragraph that Saudi papers really reprinted from the wire.
"""

import json
import shutil
import sqlite3
import tarfile
from collections import Counter

import pytest
from click.testing import CliRunner

from archive.cli import cli
from conftest import SEEDS, SHARED_CORPUS

PLANT = str(SEEDS / "08-desalination-plant.txt")
COAST = str(SEEDS / "09-desalinated-water-coast.txt")


def hits_of(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


# The archives below are made once for this module and shared by its tests,
# which only read them: a test that changes one takes a copy (copy_of).


def import_folders(db, *folders):
    for folder in folders:
        result = CliRunner().invoke(cli, ["import", str(folder), "--db", str(db)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return db


def state_of(db):
    """What a test that changed a shared archive would have changed."""
    conn = sqlite3.connect(db)
    try:
        return [
            conn.execute(sql).fetchall()
            for sql in (
                "select * from archive_meta order by key",
                "select count(*), max(id) from paragraphs",
                "select count(*), max(id) from paragraphs_fts_docsize",
            )
        ]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def unchanged():
    """Shares an archive among the module's tests, and fails at the end if one changed it."""
    shared = {}

    def share(db):
        shared[db] = state_of(db)
        return db

    yield share
    for db, before in shared.items():
        assert state_of(db) == before, f"a test changed the shared archive {db}: copy_of() it"


def copy_of(db, folder):
    """A copy of an archive for a test to change (SQLite's backup: the
    write-ahead log's pages too)."""
    copy = folder / db.name
    source, target = sqlite3.connect(db), sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return copy


@pytest.fixture(scope="module")
def seeds_db(tmp_path_factory, unchanged):
    """An archive of the team's seeds (conftest's, made once for this module)."""
    return unchanged(import_folders(tmp_path_factory.mktemp("seeds") / "seeds.db", SEEDS))


def test_reprint_is_shown_once_with_its_other_copy(seeds_db, run):
    result = run("search", "--db", seeds_db, "--json", "التناضح")
    assert result.exit_code == 0
    [hit] = hits_of(result)
    # Both copies score the same: the tie goes to the first path.
    assert (hit["path"], hit["paragraph"]) == (PLANT, 4)
    assert hit["duplicates"] == [{"path": COAST, "paragraph": 4}]


def test_text_output_says_where_else_it_stands(seeds_db, run):
    result = run("search", "--db", seeds_db, "التناضح")
    assert "also in 1 other document" in result.stdout
    assert "1 paragraph in 1 document; 1 reprint of them folded" in result.stderr


def test_show_duplicates_lists_every_copy(seeds_db, run):
    result = run("search", "--db", seeds_db, "--json", "--show-duplicates", "التناضح")
    hits = hits_of(result)
    assert sorted((h["path"], h["paragraph"]) for h in hits) == [(PLANT, 4), (COAST, 4)]
    assert all(h["duplicates"] == [] for h in hits)
    # The copies differ as written (tatweel, harakat, tanween) but not in words.
    assert hits[0]["text"] != hits[1]["text"]


def test_short_paragraphs_fold_too(seeds_db, run):
    """A dateline is a reprint like any other: one hit, not one per document."""
    hits = hits_of(run("search", "--db", seeds_db, "--json", "واس"))
    assert [(h["text"], len(h["duplicates"])) for h in hits] == [("الدمام – واس", 1)]


def test_limit_counts_paragraphs_after_folding(seeds_db, run):
    # الدمام: the shared dateline (2 copies) and paragraph 5 of seed 09.
    folded = hits_of(run("search", "--db", seeds_db, "--json", "--limit", "2", "الدمام"))
    texts = [h["text"] for h in folded]
    assert len(set(texts)) == 2 and "الدمام – واس" in texts
    shown = hits_of(run("search", "--db", seeds_db, "--json", "--show-duplicates", "--limit", "2", "الدمام"))
    assert [h["text"] for h in shown] == ["الدمام – واس", "الدمام – واس"]


def test_count_gives_paragraphs_with_and_without_reprints(seeds_db, run):
    result = run("search", "--db", seeds_db, "--count", "--json", "المحطة")
    counts = json.loads(result.stdout)
    listed = hits_of(run("search", "--db", seeds_db, "--json", "--show-duplicates", "-n", "100", "المحطة"))
    folded = hits_of(run("search", "--db", seeds_db, "--json", "-n", "100", "المحطة"))
    assert counts == {
        "paragraphs": len(listed),
        "distinct_paragraphs": len(folded),
        "documents": len({h["path"] for h in listed}),
        "more": False,
    }
    assert counts["paragraphs"] == counts["distinct_paragraphs"] + 1


def test_a_filter_folds_only_what_it_lets_through(seeds_db, run):
    result = run("search", "--db", seeds_db, "--json", "--path", "09-*", "التناضح")
    [hit] = hits_of(result)
    assert (hit["path"], hit["duplicates"]) == (COAST, [])


# --- real reprints from the shared corpus ------------------------------------

# One wire paragraph (Steinmeier on the Iran nuclear deal, 10-11 August 2015)
# as seven papers and the agency printed it: file name → its paragraph number.
STEINMEIER = {
    "2015-08-10_3alyoum_00078.txt": 9,
    "2015-08-10_almadina_00568.txt": 8,
    "2015-08-10_alriyadh_00738.txt": 8,
    "2015-08-10_alweeam_01119.txt": 7,
    "2015-08-10_alyaum_01202.txt": 8,
    "2015-08-10_was_01527.txt": 3,
    "2015-08-11_aawsat_00148.txt": 8,
    "2015-08-11_alriyadh_00716.txt": 8,
    "2015-08-11_alyaum_01283.txt": 8,
}


@pytest.fixture(scope="session")
def reprint_folder(tmp_path_factory):
    """The STEINMEIER articles, taken out of the corpus archive (one pass over
    the xz stream, stopping once all are out)."""
    if not SHARED_CORPUS.is_file():
        pytest.skip("../shared/corpus is not here")
    folder = tmp_path_factory.mktemp("reprints")
    wanted = {f"corpus/{name}" for name in STEINMEIER}
    with tarfile.open(SHARED_CORPUS, "r:xz") as archive:
        for member in archive:
            if member.name in wanted:
                (folder / member.name.split("/")[1]).write_bytes(archive.extractfile(member).read())
                wanted.discard(member.name)
                if not wanted:
                    break
    assert not wanted, f"not in the corpus: {sorted(wanted)}"
    return folder


@pytest.fixture
def reprints_db(reprint_folder, tmp_path, run):
    db = tmp_path / "reprints.db"
    assert run("import", reprint_folder, "--db", db).exit_code == 0
    return db


def test_wire_paragraph_reprinted_by_seven_papers_is_shown_once(reprints_db, run):
    hits = hits_of(run("search", "--db", reprints_db, "--json", "-n", "100", "شتاينماير", "تفهمه"))
    [hit] = [h for h in hits if "تفهمه قلق الرياض" in h["text"]]
    copies = [(hit["path"], hit["paragraph"])] + [(d["path"], d["paragraph"]) for d in hit["duplicates"]]
    assert sorted((path.rsplit("/", 1)[1], number) for path, number in copies) == sorted(STEINMEIER.items())
    papers = Counter(path.rsplit("/", 1)[1].split("_")[1] for path, _ in copies)
    assert len(papers) == 7


def test_corpus_reprints_listed_one_by_one_on_request(reprints_db, run):
    args = ("search", "--db", reprints_db, "--json", "-n", "100", "شتاينماير")
    folded = hits_of(run(*args))
    every = hits_of(run(*args, "--show-duplicates"))
    assert len(every) == sum(1 + len(h["duplicates"]) for h in folded)
    reprinted = [h for h in every if "تفهمه قلق الرياض" in h["text"]]
    assert len(reprinted) == len(STEINMEIER)


def test_corpus_filter_by_paper_keeps_its_own_copies(reprints_db, run):
    result = run("search", "--db", reprints_db, "--json", "--path", "*_alriyadh_*", "تفهمه")
    [hit] = hits_of(result)
    names = [hit["path"].rsplit("/", 1)[1]] + [d["path"].rsplit("/", 1)[1] for d in hit["duplicates"]]
    assert sorted(names) == ["2015-08-10_alriyadh_00738.txt", "2015-08-11_alriyadh_00716.txt"]


@pytest.mark.parametrize("words", ["الدمام", "المياه", "التناضح OR الدمام", '"محطة التحلية"'])
def test_copies_are_the_matches_that_share_the_shown_ones_words(seeds_db, words):
    """A folded hit's copies, counted by fingerprint alone, are exactly the
    matching paragraphs with its words (as the unfolded search lists them)."""
    from archive.query import parse
    from archive.search import search
    from archive.db import open_archive

    db = open_archive(str(seeds_db))
    query = parse(words)
    every = search(db, query, limit=1000, fold_duplicates=False)
    assert every
    matching = Counter(hit.reprint for hit in every)
    folded = search(db, query, limit=1000)
    assert sum(hit.copies for hit in folded) == len(every)
    assert {hit.reprint: hit.copies for hit in folded} == matching


@pytest.fixture(scope="module")
def copies_db(tmp_path_factory, unchanged):
    """The seeds under ten folders, as if imported ten times under new names,
    and once more a few of them alone: texts with 10 and 11 copies.  The
    last folders by path are imported first, so that the copies of a text
    come out of the index (in rowid order) in the opposite order to the one
    search shows them in (by path)."""
    tree = tmp_path_factory.mktemp("copies")
    for copy in range(10):
        shutil.copytree(SEEDS, tree / f"copy{copy}")
    (tree / "extra").mkdir()
    for name in ("05-health-campaign.txt", "08-desalination-plant.txt"):
        shutil.copy(SEEDS / name, tree / "extra" / name)
    folders = [tree / "extra", *(tree / f"copy{copy}" for copy in reversed(range(10)))]
    return unchanged(import_folders(tree / "copies.db", *folders))


def _rankings(monkeypatch):
    """The calls to rank.top() (each ranks the best matches), as made."""
    from archive import rank

    calls, original = [], rank.top

    def counted(*args, **kwargs):
        calls.append(args[2])
        return original(*args, **kwargs)

    monkeypatch.setattr(rank, "top", counted)
    return calls


def reference_search(db, query, limit, offset, fold, rows=None):
    """Every match scored (rank.exhaustive), then folded and paged: what the
    top-k search must give.  rows: reference_rows(db), if already read."""
    from archive import rank, slots
    from archive.search import index_lookup
    from archive.query import to_fts

    known = index_lookup(db)
    expression = to_fts(query, known)
    matching = [row[0] for row in db.execute(
        "select paragraphs.id from paragraphs_fts join paragraphs on paragraphs.id = paragraphs_fts.rowid"
        " where paragraphs_fts match ?", [expression])]
    ranked = rank.exhaustive(db, slots.plan(db, query, known), matching)
    rows = reference_rows(db) if rows is None else rows
    copies = Counter(rows[pid][2] for pid in matching)
    shown, seen = [], set()
    for pid, score in ranked:
        path, number, reprint = rows[pid]
        if fold and reprint in seen:
            continue
        seen.add(reprint)
        shown.append((path, number, copies[reprint] if fold else 1, -score))
    return shown[offset:offset + limit]


def reference_filtered(every, passing, rows, limit, offset, fold):
    """The reference page within filters: every match ranked unfolded
    (reference_search) kept to the paths that pass; folded, each text shown
    by its best copy that passes, with how many of its copies pass."""
    kept = [hit for hit in every if hit[0] in passing]
    if fold:
        reprint_of = {(path, number): reprint for path, number, reprint in rows.values()}
        copies = Counter(reprint_of[hit[:2]] for hit in kept)
        shown, seen = [], set()
        for hit in kept:
            reprint = reprint_of[hit[:2]]
            if reprint not in seen:
                seen.add(reprint)
                shown.append((hit[0], hit[1], copies[reprint], hit[3]))
        kept = shown
    return kept[offset:offset + limit]


def reference_rows(db):
    """Each paragraph's (path, number, reprint), by id."""
    return {pid: (path, number, reprint) for pid, path, number, reprint in db.execute(
        "select paragraphs.id, documents.path, paragraphs.number,"
        " coalesce(paragraphs.fingerprint, 'paragraph ' || paragraphs.id)"
        " from paragraphs join documents on documents.id = paragraphs.document_id")}


@pytest.mark.parametrize("words", ["في", "المياه", "الدمام OR الميناء", '"محطة التحلية"', "تحلي*", "-"])
@pytest.mark.parametrize("limit, offset", [(20, 0), (3, 0), (5, 7), (1, 30), (100, 0), (1, 1), (12, 3)])
@pytest.mark.parametrize("fold", [True, False])
def test_ranking_is_every_match_ranked_then_folded(copies_db, words, limit, offset, fold):
    """Search ranks only the best matches and reads only those it shows; the
    reference scores every match, then folds.  Same hits, same copy of each
    shown (ties go to the paragraph imported first), same counts; unfolded
    too, where the page ends inside a tie of copies."""
    from archive import search as q
    from archive.query import parse
    from archive.db import open_archive

    if words == "-":
        words = "الماء OR المياه OR في"
    db = open_archive(str(copies_db))
    query = parse(words)
    fast = q.search(db, query, limit=limit, offset=offset, fold_duplicates=fold)
    assert fast or offset
    assert [(h.path, h.paragraph, h.copies, h.score) for h in fast] == reference_search(db, query, limit, offset, fold)


def test_import_counts_the_copies_of_each_text(copies_db):
    from archive.db import COPIES_PER_TEXT, get_meta, open_archive

    db = open_archive(str(copies_db))
    paragraphs, texts = db.execute("select count(*), count(distinct fingerprint) from paragraphs").fetchone()
    assert texts < paragraphs / 9
    assert float(get_meta(db)[COPIES_PER_TEXT]) == pytest.approx(paragraphs / texts, abs=0.001)


def test_an_archive_of_copies_ranks_its_matches_once(copies_db, tmp_path, monkeypatch):
    """Ranking is the cost that grows with the archive.  The first ranking is
    sized by the copies the import counted, so that folding ten copies of
    every text does not leave the page short and rank everything again."""
    from archive import holders, search as q
    from archive.query import parse
    from archive.db import COPIES_PER_TEXT, open_archive

    db = open_archive(str(copy_of(copies_db, tmp_path)))
    query = parse("في")
    ran = _rankings(monkeypatch)
    hits = q.search(db, query, limit=20)
    assert len(hits) == 20 and all(hit.copies >= 10 for hit in hits)
    assert len(ran) == 1
    # Without the count (an archive from before it, and before the mark of
    # a text's first copy), the first ranking holds too few texts: it ranks
    # again, to the same hits.
    with db.conn:
        db.execute("delete from archive_meta where key in (?, ?)", [COPIES_PER_TEXT, holders.META_KEY])
    ran.clear()
    assert q.search(db, query, limit=20) == hits
    assert len(ran) == 2


def test_index_entries_without_a_paragraph_take_no_place(seeds_db, tmp_path):
    """An index out of step with `paragraphs` (which `archive check`
    reports) ranks entries that have no row to show: the page is filled
    from the next ones, as the reference, which joins every match, fills it."""
    from archive import analyze, index, slots
    from archive import search as q
    from archive.query import parse, to_fts
    from archive.db import open_archive

    db = open_archive(str(copy_of(seeds_db, tmp_path)))
    query = parse("المياه")
    from archive.impact import impact_text

    with db.conn:
        terms, exact = analyze.analyze_text("المياه المياه المياه")
        index.index_paragraphs(db.conn, [
            (990_001, terms, exact, impact_text(terms)),
            (990_002, terms + " ماء", exact + " ماء", impact_text(terms + " ماء")),
        ])
    ranking = q.Ranking(db, slots.plan(db, query, q.index_lookup(db)), "", {"expression": to_fts(query)})
    assert [rowid for rowid, _ in ranking.best(2)] == [990_001, 990_002]
    for fold in (True, False):
        for limit in (1, 2, 5):
            fast = q.search(db, query, limit=limit, fold_duplicates=fold)
            reference = [(path, number) for path, number, _, _ in reference_search(db, query, limit, 0, fold)]
            assert len(fast) == limit
            assert [(h.path, h.paragraph) for h in fast] == reference
