"""Search latency per query shape, three ways on the same queries: archive's
top-k ranking, FTS5's bm25 over every match (the old way) and tantivy fed
archive's analyzed words.  bench.py runs these at each scale and puts the
figures in its tables; served.py sends the same queries to Datasette.

Tantivy (`pip install -e '.[bench]'`) is a benchmark-only dependency; without
it its figures are left out with a line saying so.  Its index holds each
paragraph's `terms` column as archive analyzes it, split on spaces, so both
rank the same stems; its simplifications are in tantivy_query().
"""

from __future__ import annotations

import contextlib
import shutil
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from archive.sqlite import sqlite3

# The query shapes a user types, with the queries of each: the issue's
# one-letter prefixes and `في OR من OR على` among them.
SHAPES: dict[str, list[str]] = {
    "one word, common": [
        "المملكة", "السعودية", "وزير", "الرياض", "الملك", "قوات", "الحكومة", "التعليم", "الصحة", "الأمن",
    ],
    "one word, rare": ["زلزال", "الغواصة", "بركان", "قرصنة", "الزعفران", "مخطوطة"],
    "clitics": ["وبالمدارس", "للمواطنين", "مشاريعها", "والمستشفيات", "بوزارتها", "كالعادة"],
    "phrase": ['"ولي العهد"', '"مجلس الوزراء"', '"الأمم المتحدة"', '"وزارة الصحة"'],
    "OR": ["النفط OR الغاز", "الحج OR العمرة", "في OR من OR على", "المدارس OR الجامعات OR المعاهد"],
    "NOT": ["الاقتصاد -النفط", "الرياض -جدة", "وزير NOT الخارجية", "الملك -سلمان"],
    "AND": ["الهلال النصر", "وزير الصحة", "قوات الأمن", "أسعار النفط العالمية"],
    "prefix": ["اقتصا*", "استثمار*", "تعلي*"],
    "one-letter prefix": ["ا*", "م*", "ت*"],
    "English, digits": ["twitter", "ISIS", "2015"],
}
QUERIES = [text for queries in SHAPES.values() for text in queries]
# Pages within filters (issue 9), timed apart from the queries above: a
# query within one paper's files (a glob on their names), from a paper of
# nearly a fifth of the archive down to one of 1.7%.
FILTERED_SHAPE = "within a paper"
FILTERED: list[tuple[str, str]] = [
    ("السعودية", "okaz"), ("وزير الصحة", "alriyadh"), ('"مجلس الوزراء"', "sabq"),
    ("في OR من OR على", "okaz"), ("في OR من OR على", "sabq"), ("المدارس OR الجامعات OR المعاهد", "aawsat"),
]
RUNS = 5  # each query, in process
FTS5_RUNS = 2  # the old way is slow on common words: fewer runs


@dataclass
class Latencies:
    """Seconds per run, by query shape."""

    name: str
    by_shape: dict[str, list[float]] = field(default_factory=dict)
    capped: set[str] = field(default_factory=set)  # queries stopped at CAP
    # Each query's runs in order: its first run in the process pays what
    # the later ones find kept (lookup.py), and shows apart in over().
    by_query: dict[str, list[float]] = field(default_factory=dict)

    def add(self, text: str, seconds: float) -> None:
        self.by_shape.setdefault(shape_of(text), []).append(seconds)
        self.by_query.setdefault(text, []).append(seconds)

    def all(self) -> list[float]:
        return [s for samples in self.by_shape.values() for s in samples]


def shape_of(text: str) -> str:
    if text in FILTERED_LABELS:
        return FILTERED_SHAPE
    return next(shape for shape, queries in SHAPES.items() if text in queries)


def filtered_label(text: str, paper: str) -> str:
    return f"{text} in {paper}"


FILTERED_LABELS = {filtered_label(text, paper) for text, paper in FILTERED}


def paper_filter(paper: str):
    """The files of one paper of the corpus (named DATE_PAPER_N.txt)."""
    from archive.filters import Filters

    return Filters(paths=(f"*_{paper}_*",))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def ms(seconds: float) -> str:
    if seconds >= CAP:
        return f">= {CAP:.0f} s"
    return f"{seconds * 1000:.2f} ms" if seconds < 0.01 else f"{seconds * 1000:.1f} ms"


# --- in process --------------------------------------------------------------


# A run longer than this is stopped (the rest of that query's runs count as
# this long too), so that a slow shape cannot stretch the run by minutes.
CAP = 2.0


class Capped(Exception):
    """A run was stopped at CAP."""


@contextlib.contextmanager
def capped(conn):
    """Every statement on the connection fails once the run has taken CAP."""
    deadline = time.perf_counter() + CAP
    conn.set_progress_handler(lambda: time.perf_counter() > deadline, 1000)
    try:
        yield
    except sqlite3.OperationalError as error:
        if "interrupted" not in str(error) or time.perf_counter() <= deadline:
            raise
        raise Capped() from None
    finally:
        conn.set_progress_handler(None, 0)
        if conn.in_transaction:  # a read left open by the stopped statement
            conn.rollback()


def timed_runs(conn, text: str, runs: int, latencies: Latencies, once, also: tuple[Latencies, ...] = ()) -> None:
    """`once()` run `runs` times under the cap, each timed (a stopped run
    counts as CAP in `also` too)."""
    for done in range(runs):
        started = time.perf_counter()
        try:
            with capped(conn):
                once()
        except Capped:
            for capped_too in (latencies, *also):
                capped_too.capped.add(text)
                for _ in range(runs - done):
                    capped_too.add(text, CAP)
            return
        latencies.add(text, time.perf_counter() - started)


def archive_latency(db_path: Path, lexicon: bool = True) -> tuple[Latencies, Latencies]:
    """Each query as `archive search` spends it (with --no-lexicon unless
    lexicon): parse, rank the best 20 (search.search), mark them (marks());
    and the same without marking.  Each query runs several times in one
    reader, as in a reader that searches many times (Datasette's), which
    reads through a memory map; the command searches once, without."""
    from archive.db import open_reader
    from archive.query import parse
    from archive.search import search

    db = open_reader(str(db_path))  # mapped (see db.map_for_reading)
    whole, ranking = Latencies("archive"), Latencies("archive, no highlighting")

    def once():
        started = time.perf_counter()
        parsed = parse(text, lexicon=lexicon)
        hits = search(db, parsed, limit=20)
        ranking.add(text, time.perf_counter() - started)
        marks(db, parsed, hits)

    for text in QUERIES:
        timed_runs(db.conn, text, RUNS, whole, once, also=(ranking,))
    db.conn.close()
    return whole, ranking


def filtered_latency(db_path: Path) -> tuple[Latencies, Latencies]:
    """The FILTERED pages, as archive_latency() times a query (parse, rank
    the best 20 within the filter, mark them), and the old way: FTS5's
    bm25 over every match, kept to the filter's documents, top 20."""
    from archive.db import open_archive, open_reader
    from archive.filters import connect_functions
    from archive.query import parse, to_fts
    from archive.search import index_lookup, search

    ours, old = Latencies("archive, within a paper"), Latencies("FTS5 bm25, within a paper")
    db = open_reader(str(db_path))
    for text, paper in FILTERED:
        filters = paper_filter(paper)

        def once():
            parsed = parse(text)
            marks(db, parsed, search(db, parsed, limit=20, filters=filters))

        timed_runs(db.conn, filtered_label(text, paper), RUNS, ours, once)
    db.conn.close()
    db = open_archive(str(db_path))
    connect_functions(db)
    for text, paper in FILTERED:
        where, params = paper_filter(paper).sql(str(db_path.parent))

        def once_old():
            expression = to_fts(parse(text), index_lookup(db))
            db.execute(_BM25_FILTERED_SQL.format(filters=where), {"expression": expression, **params}).fetchall()

        timed_runs(db.conn, filtered_label(text, paper), FTS5_RUNS, old, once_old)
    db.conn.close()
    return ours, old


def marks(db, parsed, hits) -> list[list[tuple[int, int]]]:
    """The hits' marks as `archive search` and the search page make them:
    with the search's look-ups in the index, so that what a reading the
    index decides matched is marked, and nothing is worked out again."""
    from archive.highlight import Highlighter
    from archive.lookup import index_lookup

    highlighter = Highlighter(parsed, index_lookup(db))
    return [highlighter.spans(hit.text) for hit in hits]


_BM25_SQL = (
    "select rowid, bm25(paragraphs_fts) as s from paragraphs_fts"
    " where paragraphs_fts match :expression order by s limit 20"
)

_BM25_FILTERED_SQL = """
select paragraphs_fts.rowid, bm25(paragraphs_fts) as s
from paragraphs_fts join paragraphs on paragraphs.id = paragraphs_fts.rowid
join documents on documents.id = paragraphs.document_id
where paragraphs_fts match :expression {filters} order by s limit 20
"""


def fts5_latency(db_path: Path) -> Latencies:
    """The old way: parse, the FTS5 expression, bm25 over every match, top 20."""
    from archive.db import open_archive
    from archive.query import parse, to_fts
    from archive.search import index_lookup

    db = open_archive(str(db_path))
    latencies = Latencies("FTS5 bm25")

    def once():
        expression = to_fts(parse(text), index_lookup(db))
        db.execute(_BM25_SQL, {"expression": expression}).fetchall()

    for text in QUERIES:
        timed_runs(db.conn, text, FTS5_RUNS, latencies, once)
    db.conn.close()
    return latencies


# --- tantivy -----------------------------------------------------------------


def tantivy_available() -> bool:
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class TantivyIndex:
    index: object
    schema: object
    seconds: float  # to build
    size: int  # bytes on disk


def build_tantivy(db_path: Path, folder: Path) -> TantivyIndex:
    """A tantivy index of every paragraph's analyzed words: `terms` (stems,
    with positions for phrases) and `exact` (written words, for prefixes)."""
    import tantivy

    from archive.analyze import analyze_text
    from archive.db import open_archive

    started = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("terms", tokenizer_name="whitespace", index_option="position")
    builder.add_text_field("exact", tokenizer_name="whitespace", index_option="basic")
    schema = builder.build()
    folder.mkdir(parents=True)
    index = tantivy.Index(schema, path=str(folder))
    writer = index.writer(heap_size=100_000_000, num_threads=2)
    db = open_archive(str(db_path))
    # Reprints share a fingerprint and so their analysis: analyze each once.
    analyzed: dict[str, tuple[str, str]] = {}
    for text, fingerprint in db.execute("select text, fingerprint from paragraphs order by id"):
        found = analyzed.get(fingerprint) if fingerprint else None
        if found is None:
            found = analyze_text(text)
            if fingerprint:
                analyzed[fingerprint] = found
        writer.add_document(tantivy.Document(terms=found[0], exact=found[1]))
    db.conn.close()
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
    return TantivyIndex(index, schema, time.perf_counter() - started, size)


def tantivy_recipe(db, text: str) -> dict:
    """What tantivy is asked for a query, worked out beforehand (it is
    archive's analysis, not tantivy's work): per clause its atoms, each
    ("words", stems) for a word, ("phrase", stems) or ("prefix", regex); and
    the excluded atoms alike."""
    from archive import slots
    from archive.query import PREFIX_LEADS, parse, word_lookups
    from archive.analyze import stem
    from archive.search import index_lookup

    query = parse(text)
    known = index_lookup(db)
    plan = slots.plan(db, query, known)
    # The plan's slots, numbered as slots.plan numbers them: each word (and
    # ~word) of the positive atoms in the order first met.
    numbers: dict[tuple[str, bool], int] = {}
    for atom in query.positive_atoms():
        for word in [] if atom.prefix else atom.words:
            numbers.setdefault((word, atom.family), len(numbers))

    def atom_recipe(atom, excluded: bool = False) -> tuple[str, object]:
        if atom.prefix:
            leads = "|".join(re.escape(lead) for lead in PREFIX_LEADS if lead)
            return "prefix", f"({leads})?{re.escape(atom.words[0])}.*"
        if atom.is_phrase:
            return "phrase", [stem(word) for word in atom.words]
        if excluded:
            terms, forms = word_lookups(atom.words[0], known, query.lexicon, atom.family)
            return "words", sorted(set(terms) | {stem(form) for form in forms})
        slot = plan.slots[numbers[(atom.words[0], atom.family)]]
        return "words", sorted(slot.stems | slot.form_stems)

    return {
        "clauses": [[atom_recipe(atom) for atom in clause] for clause in query.clauses],
        "excluded": [atom_recipe(atom, excluded=True) for atom in query.excluded],
    }


def tantivy_query(tv: TantivyIndex, recipe: dict):
    """The recipe as a tantivy query.  Simplifications: a word is any of its
    stems (tantivy adds up the stems found where archive takes the best);
    a phrase is the phrase of its words' own stems only; a written form's
    stem is matched as a stem (archive checks the form itself); a prefix is
    a regex over the written words, scoring nothing, as in archive."""
    import tantivy

    Query, Occur = tantivy.Query, tantivy.Occur

    def atom(kind: str, value):
        if kind == "prefix":
            return Query.regex_query(tv.schema, "exact", value)
        if kind == "phrase":
            return Query.phrase_query(tv.schema, "terms", value)
        if not value:
            return Query.empty_query()
        terms = [Query.term_query(tv.schema, "terms", term) for term in value]
        return terms[0] if len(terms) == 1 else Query.boolean_query([(Occur.Should, t) for t in terms])

    parts = []
    for clause in recipe["clauses"]:
        atoms = [atom(*item) for item in clause]
        either = atoms[0] if len(atoms) == 1 else Query.boolean_query([(Occur.Should, a) for a in atoms])
        parts.append((Occur.Must, either))
    parts += [(Occur.MustNot, atom(*item)) for item in recipe["excluded"]]
    return parts[0][1] if len(parts) == 1 else Query.boolean_query(parts)


def tantivy_latency(tv: TantivyIndex, db_path: Path) -> Latencies:
    """Build the query from the stems archive looks up, find the top 20
    (no count: tantivy may then skip what cannot make the top)."""
    from archive.db import open_archive

    db = open_archive(str(db_path))
    recipes = {text: tantivy_recipe(db, text) for text in QUERIES}
    db.conn.close()
    searcher = tv.index.searcher()
    latencies = Latencies("tantivy")
    for text in QUERIES:
        for _ in range(RUNS):
            started = time.perf_counter()
            searcher.search(tantivy_query(tv, recipes[text]), 20, count=False)
            latencies.add(text, time.perf_counter() - started)
    return latencies


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- the figures -------------------------------------------------------------


@dataclass
class Baseline:
    """The 1x figures that the larger scales are compared with."""

    p50: float = 0.0
    ratio: float | None = None  # archive's p50 over tantivy's


def tantivy_figures(scale: int, db: Path, work: Path, table) -> Latencies | None:
    if not tantivy_available():
        table.add(f"{scale}x: tantivy", "skipped: tantivy is not installed (pip install -e '.[bench]')")
        return None
    folder = work / f"tantivy{scale}"
    index = build_tantivy(db, folder)
    # Its segments are left as its merge policy leaves them, more or fewer
    # from run to run: a search visits each, so its latency moves with them.
    segments = index.index.searcher().num_segments
    table.add(f"{scale}x: tantivy index",
              f"built in {index.seconds:.0f} s, {index.size / 1e6:.0f} MB, {segments} segments")
    anchor = tantivy_latency(index, db)
    print(f"{scale}x: tantivy, p50 {ms(median(anchor.all()))}", flush=True)
    del index
    shutil.rmtree(folder)
    return anchor


def over(latencies: Latencies, limit: float) -> str:
    """Which runs take longer than the limit: how many, how many of them a
    query's first run, and the queries whose later runs do too (with how
    many of them), slowest first."""
    samples = latencies.all()
    slow = [(text, number) for text, runs in latencies.by_query.items()
            for number, seconds in enumerate(runs) if seconds > limit]
    firsts = sum(1 for _, number in slow if number == 0)
    later: dict[str, int] = {}
    for text, number in slow:
        if number:
            later[text] = later.get(text, 0) + 1
    named = sorted(later, key=lambda text: -median(latencies.by_query[text][1:]))
    described = f"{len(slow)} of {len(samples)}: {firsts} first run{'' if firsts == 1 else 's'}"
    if named:
        described += "; later runs of " + ", ".join(f"{text} ({later[text]})" for text in named)
    return described


def first_and_later(latencies: Latencies) -> str:
    """The median of the queries' first runs, and of their later runs."""
    firsts = [runs[0] for runs in latencies.by_query.values()]
    later = [seconds for runs in latencies.by_query.values() for seconds in runs[1:]]
    return f"{ms(median(firsts))} / {ms(median(later))}" if later else ms(median(firsts))


def latency_rows(scale, ours, old, anchor, table, baseline: Baseline) -> None:
    samples = ours.all()
    p50, p90, p99 = (percentile(samples, f) for f in (0.5, 0.9, 0.99))
    where = f"{scale}x, {len(QUERIES)} queries"
    if scale == 1:
        baseline.p50 = p50
        table.add(f"search {where}: archive p50", ms(p50), "<= 3 ms", p50 <= 0.003)
    else:
        table.add(f"search {where}: archive p50", f"{ms(p50)} = {p50 / baseline.p50:.2f}x the 1x p50")
    table.add(f"search {scale}x: archive p90", ms(p90))
    limit = 0.015 if scale == 1 else 0.030
    table.add(f"search {scale}x: archive p99", ms(p99), f"<= {limit * 1000:.0f} ms", p99 <= limit)
    table.add(f"search {scale}x: archive runs over {limit * 1000:.0f} ms", over(ours, limit))
    table.add(f"search {scale}x: archive median, first runs / later runs", first_and_later(ours))
    table.add(f"search {scale}x: FTS5 bm25 over every match, p50 / p99",
              f"{ms(median(old.all()))} / {ms(percentile(old.all(), 0.99))}")
    if anchor is None:
        return
    theirs = median(anchor.all())
    table.add(f"search {scale}x: tantivy p50 / p99", f"{ms(theirs)} / {ms(percentile(anchor.all(), 0.99))}")
    ratio = p50 / theirs
    if scale == 1:
        baseline.ratio = ratio
        table.add("search 1x: archive / tantivy (p50)", f"{ratio:.0f}x", "<= 30x", ratio <= 30)
    elif baseline.ratio is not None:
        table.add(f"search {scale}x: archive / tantivy (p50)", f"{ratio:.0f}x",
                  f"<= {baseline.ratio:.0f}x (1x)", ratio <= baseline.ratio)


def filtered_rows(scale: int, ours: Latencies, old: Latencies, table) -> tuple[str, ...]:
    """The pages within a paper: their figures, and their row of the table
    per shape (tantivy's index holds no paths)."""
    samples = ours.all()
    p50, p90, p99 = (percentile(samples, f) for f in (0.5, 0.9, 0.99))
    table.add(f"search {scale}x within a paper, {len(FILTERED)} queries: archive p50 / p90 / p99",
              f"{ms(p50)} / {ms(p90)} / {ms(p99)}")
    table.add(f"search {scale}x within a paper: FTS5 bm25 over every match, p50 / p99",
              f"{ms(median(old.all()))} / {ms(percentile(old.all(), 0.99))}")
    if old.capped:
        table.add(f"search {scale}x within a paper: FTS5 bm25, stopped at {CAP:.0f} s",
                  ", ".join(label for label in (filtered_label(*pair) for pair in FILTERED) if label in old.capped))
    return (FILTERED_SHAPE, str(len(FILTERED)), ms(p50), ms(p90), ms(p99), ms(median(old.all())), "-", "-")


def shape_rows(ours, old, anchor) -> list[tuple[str, ...]]:
    rows = []
    for shape, queries in SHAPES.items():
        samples = ours.by_shape[shape]
        p50 = median(samples)
        theirs = median(anchor.by_shape[shape]) if anchor else None
        rows.append((
            shape, str(len(queries)), ms(p50), ms(percentile(samples, 0.9)),
            ms(percentile(samples, 0.99)), ms(median(old.by_shape[shape])),
            ms(theirs) if theirs else "-", f"{p50 / theirs:.0f}x" if theirs else "-",
        ))
    return rows
