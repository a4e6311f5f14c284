"""Judged evaluation: paragraph recall and precision on hand-judged concept
groups, and precision at 10 on hand-judged queries.

A concept group is a word and every form a reader counts as the same word
(broken plural, feminine and construct forms, a place and its adjective,
other spellings), typed as a user types it.  For each group a sample of the
corpus's articles is searched; the candidate paragraphs are those with a word
that contains one of the group's generous patterns, plus those that archive
(with and without its lexicon), Lucene's light stemmer and Snowball's return.
Each candidate was judged by hand: relevant (holds the concept) or not.

Precision at 10: each query's first ten paragraphs from a 1x archive of the
corpus (as `archive search QUERY --limit 10` shows them), each judged
relevant (about the query word as the user meant it) or a look-alike.

Judgments are keyed by article file name, paragraph number and a short hash
of the paragraph text (so drift shows as unjudged); no corpus text is kept.

    python benchmarks/eval_judged.py --db corpus.db          # the tables
    python benchmarks/eval_judged.py --db corpus.db --pending > todo.tsv
    # put 1 (relevant) or 0 (not) in the ? column of todo.tsv, then
    python benchmarks/eval_judged.py --add todo.tsv           # appends

Without --db the corpus tarball is unpacked and imported into a temp archive
(about 20 s); without the tarball the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import collections
import functools
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
JUDGMENTS = HERE / "judgments"
GROUPS_FILE = JUDGMENTS / "groups.json"
QUERIES_FILE = JUDGMENTS / "queries.json"
GROUP_JUDGMENTS = JUDGMENTS / "groups.tsv"
TOP10_JUDGMENTS = JUDGMENTS / "top10.tsv"
_RAW_WORD = re.compile("[\u0621-\u065f\u0670\u0640]+")

# --- pure logic: keys, samples, judgment files, scores -----------------------


def text_hash(text: str) -> str:
    """A short hash of a paragraph's text, to notice that it changed."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def in_sample(group: str, article: str, every: int) -> bool:
    """Whether an article is in a group's sample: one in `every`, drawn by a
    hash of the group and the file name (stable across runs and machines)."""
    if every <= 1:
        return True
    digest = hashlib.sha1(f"{group}:{article}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % every == 0


@dataclass(frozen=True)
class Judgment:
    key: str  # group id or query
    article: str
    paragraph: int
    digest: str
    relevant: bool
    note: str = ""


def parse_judgments(lines) -> list[Judgment]:
    """Judgment rows: key, article, paragraph, hash, 1 or 0[, note]; lines
    starting with # and blank lines are skipped; a ? (not judged yet) too."""
    rows = []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) < 5 or cells[4] not in ("0", "1", "?"):
            raise ValueError(f"line {number}: want key, article, paragraph, hash, 0/1 (tab-separated)")
        if cells[4] == "?":
            continue
        note = cells[5] if len(cells) > 5 else ""
        rows.append(Judgment(cells[0], cells[1], int(cells[2]), cells[3], cells[4] == "1", note))
    return rows


def format_judgment(j: Judgment) -> str:
    cells = [j.key, j.article, str(j.paragraph), j.digest, "1" if j.relevant else "0"]
    return "\t".join(cells + ([j.note] if j.note else []))


class Judged:
    """Judgments by (key, article, paragraph); the last one given wins."""

    def __init__(self, rows: list[Judgment]):
        self.rows = {(j.key, j.article, j.paragraph): j for j in rows}

    def verdict(self, key: str, article: str, paragraph: int, digest: str) -> bool | None:
        """True/False as judged, None when not judged or the text changed."""
        j = self.rows.get((key, article, paragraph))
        if j is None or j.digest != digest:
            return None
        return j.relevant


def load(path: Path) -> Judged:
    if not path.exists():
        return Judged([])
    with open(path, encoding="utf-8") as f:
        return Judged(parse_judgments(f))


@dataclass
class Score:
    hits: int = 0  # found and relevant
    found: int = 0  # found and judged
    relevant: int = 0
    unjudged: int = 0  # found, not judged

    def add(self, other: "Score") -> None:
        self.hits += other.hits
        self.found += other.found
        self.relevant += other.relevant
        self.unjudged += other.unjudged

    @property
    def recall(self) -> float:
        return self.hits / self.relevant if self.relevant else 1.0

    @property
    def precision(self) -> float:
        return self.hits / self.found if self.found else 1.0


def score(found: set, verdicts: dict) -> Score:
    """Recall and precision of a found set against verdicts (item → bool);
    found items without a verdict are counted apart, not as errors."""
    relevant = {item for item, ok in verdicts.items() if ok}
    judged_found = {item for item in found if item in verdicts}
    return Score(len(judged_found & relevant), len(judged_found), len(relevant), len(found) - len(judged_found))


def precision_at(verdicts: list[bool | None], depth: int = 10) -> tuple[float, int]:
    """Precision of the first `depth` results (an unjudged one counts as not
    relevant) and how many were unjudged."""
    shown = verdicts[:depth]
    if not shown:
        return 1.0, 0
    return sum(1 for v in shown if v) / len(shown), sum(1 for v in shown if v is None)


def led_by_lookalike(verdicts: list[bool | None]) -> bool:
    return bool(verdicts) and verdicts[0] is False


# --- the corpus as archive holds it ----------------------------------------


@dataclass
class Paragraphs:
    text: dict = field(default_factory=dict)  # (article, number) → text
    by_article: dict = field(default_factory=lambda: collections.defaultdict(list))


def read_paragraphs(db) -> Paragraphs:
    corpus = Paragraphs()
    rows = db.execute(
        "select d.path, p.number, p.text from paragraphs p join documents d on d.id = p.document_id"
    )
    for path, number, text in rows:
        article = Path(path).name
        corpus.text[(article, number)] = text
        corpus.by_article[article].append(number)
    return corpus


def archive_paragraphs(db, text: str, lexicon: bool = True) -> set:
    """Every paragraph `archive search` matches for text, as (article, number)."""
    from archive.query import parse, to_fts
    from archive.search import index_lookup

    expression = to_fts(parse(text, lexicon=lexicon), index_lookup(db))
    rows = db.execute(
        "select d.path, p.number from paragraphs_fts f join paragraphs p on p.id = f.rowid"
        " join documents d on d.id = p.document_id where paragraphs_fts match ?",
        [expression],
    )
    return {(Path(path).name, number) for path, number in rows}


class Stemmers:
    """Lucene light10-like and Snowball: a paragraph is found when one of its
    words has the query's stem."""

    def __init__(self):
        import Stemmer

        from eval_stemming import lucene_stem, truth_normalize

        snowball = Stemmer.Stemmer("arabic")
        self.stems = {
            "Lucene": functools.lru_cache(maxsize=None)(lucene_stem),
            "Snowball": functools.lru_cache(maxsize=None)(lambda w: snowball.stemWord(truth_normalize(w))),
        }

    def found(self, name: str, query: str, corpus: Paragraphs, keys) -> set:
        stem = self.stems[name]
        wanted = stem(query)
        return {k for k in keys if any(stem(w) == wanted for w in set(_RAW_WORD.findall(corpus.text[k])))}


# --- concept groups ----------------------------------------------------------

SYSTEMS = ("archive", "no lexicon", "Lucene", "Snowball")


@dataclass
class Group:
    id: str
    query: str
    kind: str
    concept: str
    patterns: list
    every: int = 1
    held_out: bool = False
    round: int = 1  # 2: chosen and judged after the rules were set


def load_groups(path: Path = GROUPS_FILE) -> list[Group]:
    with open(path, encoding="utf-8") as f:
        return [Group(**g) for g in json.load(f)]


def group_runs(db, corpus: Paragraphs, group: Group, stemmers: Stemmers) -> tuple[list, dict]:
    """A group's sampled paragraphs that are candidates, and what each
    system finds among the sampled paragraphs."""
    from eval_stemming import truth_normalize

    keys = [
        (article, n)
        for article, numbers in corpus.by_article.items()
        if in_sample(group.id, article, group.every)
        for n in numbers
    ]
    sample = set(keys)
    found = {
        "archive": archive_paragraphs(db, group.query) & sample,
        "no lexicon": archive_paragraphs(db, group.query, lexicon=False) & sample,
        "Lucene": stemmers.found("Lucene", group.query, corpus, keys),
        "Snowball": stemmers.found("Snowball", group.query, corpus, keys),
    }
    # Patterns are letters only, so a match in the text is one in a word.
    pattern = re.compile("|".join(group.patterns))
    matched = {k for k in keys if pattern.search(truth_normalize(corpus.text[k]))}
    candidates = sorted(matched.union(*found.values()))
    return candidates, found


def group_scores(db, corpus, groups, judged: Judged, stemmers, misses: int = 0) -> list[tuple[Group, dict, int]]:
    """Per group: its Score per system and how many candidates are unjudged;
    with misses, archive's first wrong and missed paragraphs are printed."""
    results = []
    for group in groups:
        candidates, found = group_runs(db, corpus, group, stemmers)
        verdicts = {}
        for k in candidates:
            v = judged.verdict(group.id, k[0], k[1], text_hash(corpus.text[k]))
            if v is not None:
                verdicts[k] = v
        scores = {system: score(found[system], verdicts) for system in SYSTEMS}
        results.append((group, scores, len(candidates) - len(verdicts)))
        if misses:
            print_misses(group, corpus, found["archive"], verdicts, misses)
    return results


def print_misses(group: Group, corpus: Paragraphs, found: set, verdicts: dict, count: int) -> None:
    """archive's wrong and missed paragraphs of a group, by key and the words
    the group's patterns match there."""
    from eval_stemming import truth_normalize

    pattern = re.compile("|".join(group.patterns))
    wrong = sorted(k for k in found if verdicts.get(k) is False)
    missed = sorted(k for k, ok in verdicts.items() if ok and k not in found)
    for label, keys in (("wrong", wrong), ("missed", missed)):
        for article, n in keys[:count]:
            words = {w for w in _RAW_WORD.findall(corpus.text[(article, n)]) if pattern.search(truth_normalize(w))}
            print(f"  {group.query} {label}: {article} #{n} {' '.join(sorted(words))}")


def render(rows: list[list[str]], markdown: bool) -> str:
    """A table: the first row is the header; aligned text, or Markdown."""
    if markdown:
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        lines.insert(1, "|" + " --- |" * len(rows[0]))
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


SCORE_HEADER = [f"{s} {m}" for s in SYSTEMS for m in ("R", "P")]


def score_cells(scores: dict) -> list[str]:
    """R and P of each system, as table cells."""
    return [f"{value:.3f}" for s in SYSTEMS for value in (scores[s].recall, scores[s].precision)]


def pool(totals: list[dict]) -> dict:
    """Per system, the sum of several groups' or tables' scores."""
    pooled = {system: Score() for system in SYSTEMS}
    for scores in totals:
        for system in SYSTEMS:
            pooled[system].add(scores[system])
    return pooled


def print_group_table(title: str, results, markdown: bool = False) -> dict:
    """A row per group (R and P of each system) and the pooled row."""
    rows = [["query", "kind", "unjudged", "relevant"] + SCORE_HEADER]
    for group, scores, unjudged in results:
        rows.append([group.query, group.kind, str(unjudged), str(scores["archive"].relevant)] + score_cells(scores))
    totals = pool([scores for _, scores, _ in results])
    pooled = ["**all**" if markdown else "all", "", "", str(totals["archive"].relevant)] + score_cells(totals)
    print(f"{title}:\n{render(rows + [pooled], markdown)}")
    unjudged = {system: totals[system].unjudged for system in SYSTEMS if totals[system].unjudged}
    if unjudged:
        print(f"found but unjudged (left out of precision): {unjudged}")
    print()
    return totals


def group_sets(groups: list[Group]) -> list[tuple[str, list[Group]]]:
    """The groups by table: round 1's tuning and held-out halves, then the
    fresh held-out groups of round 2, chosen and judged after the rules were
    set (none of them ever used to tune a rule)."""
    fresh = "fresh held-out groups (round 2, judged after the rules were set)"
    return [
        ("concept groups used for tuning", [g for g in groups if g.round == 1 and not g.held_out]),
        ("held-out concept groups", [g for g in groups if g.round == 1 and g.held_out]),
        (fresh, [g for g in groups if g.round == 2]),
    ]


def print_pooled_table(pooled: list[tuple[str, dict]], markdown: bool = False) -> None:
    """Each table's pooled row and the row over all judged groups (every round)."""
    rows = [["groups", "relevant"] + SCORE_HEADER]
    everything = ("**all judged groups**" if markdown else "all judged groups", pool([t for _, t in pooled]))
    for title, totals in pooled + [everything]:
        rows.append([title, str(totals["archive"].relevant)] + score_cells(totals))
    print(f"pooled, every round:\n{render(rows, markdown)}\n")


# --- precision at 10 ---------------------------------------------------------


def load_queries(path: Path = QUERIES_FILE) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def top10(db, query: str) -> list:
    """The first ten paragraphs `archive search QUERY --limit 10` shows:
    (article, number, text)."""
    from archive.query import parse
    from archive.search import search

    return [(Path(h.path).name, h.paragraph, h.text) for h in search(db, parse(query), limit=10)]


def print_top10_table(db, queries, judged: Judged, markdown: bool = False) -> None:
    """P@10 per query (+ relevant, - look-alike, ? unjudged, in rank order),
    the mean, and the one-word queries whose first result is a look-alike."""
    rows = [["query", "P@10", "results"]]
    total, led, unjudged_all = 0.0, [], 0
    for query in queries:
        verdicts = [judged.verdict(query, a, n, text_hash(t)) for a, n, t in top10(db, query)]
        p, unjudged = precision_at(verdicts)
        total += p
        unjudged_all += unjudged
        marks = "".join({True: "+", False: "-", None: "?"}[v] for v in verdicts)
        rows.append([query.replace("|", "\\|") if markdown else query, f"{p:.2f}", f"`{marks}`" if markdown else marks])
        if " " not in query.strip('"') and led_by_lookalike(verdicts):
            led.append(query)
    print("precision at 10 (archive search QUERY --limit 10):")
    print(render(rows, markdown))
    print(f"\nmean P@10 over {len(queries)} queries: {total / len(queries):.3f}")
    print(f"one-word queries led by a look-alike: {', '.join(led) if led else 'none'}")
    if unjudged_all:
        print(f"{unjudged_all} results unjudged (counted as not relevant): run --pending")
    print()


# --- judging -----------------------------------------------------------------


def context(text: str, pattern: re.Pattern | None, width: int = 5) -> str:
    """The words around each matched word, for the judge (never stored)."""
    words = text.split()
    if pattern is None:
        return " ".join(words[:60])
    from eval_stemming import truth_normalize

    spots = [i for i, w in enumerate(words) if pattern.search(truth_normalize(w))]
    if not spots:
        return " ".join(words[:40])
    return " … ".join(" ".join(words[max(0, i - width) : i + width + 1]) for i in spots[:8])


def print_pending(db, corpus, groups, queries, stemmers) -> None:
    """Unjudged candidates and top-10 results, one per line, in the judgment
    format with ? for the verdict and the context last (dropped by --add)."""
    groups_judged, top_judged = load(GROUP_JUDGMENTS), load(TOP10_JUDGMENTS)
    for group in groups:
        candidates, _ = group_runs(db, corpus, group, stemmers)
        pattern = re.compile("|".join(group.patterns))
        for article, n in candidates:
            text = corpus.text[(article, n)]
            if groups_judged.verdict(group.id, article, n, text_hash(text)) is None:
                print("\t".join([group.id, article, str(n), text_hash(text), "?", context(text, pattern)]))
    from archive.highlight import Highlighter
    from archive.query import parse
    from archive.search import index_lookup

    for query in queries:
        highlighter = Highlighter(parse(query), index_lookup(db))
        for article, n, text in top10(db, query):
            if top_judged.verdict(query, article, n, text_hash(text)) is None:
                shown = marked(text, highlighter.spans(text))
                print("\t".join(["Q:" + query, article, str(n), text_hash(text), "?", shown]))


def marked(text: str, spans, width: int = 6) -> str:
    """The words around each span the search marked, the marked words in
    [brackets], for the judge."""
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + "[" + text[start:end] + "]" + text[end:]
    words = text.split()
    spots = [i for i, w in enumerate(words) if "[" in w]
    if not spots:
        return " ".join(words[:60])
    return " … ".join(" ".join(words[max(0, i - width) : i + width + 1]) for i in spots[:5])


def add_judgments(path: Path) -> None:
    """Append the judged lines of a --pending file: lines keyed Q:query go to
    the top-10 judgments, the others to the group judgments.  A sixth cell
    is the context and is dropped; a seventh, if any, is kept as a note."""
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n").split("\t") for line in f if line.strip() and not line.startswith("#")]
    rows = {GROUP_JUDGMENTS: [], TOP10_JUDGMENTS: []}
    for cells in lines:
        if len(cells) < 5 or cells[4] == "?":
            continue
        key, target = cells[0], GROUP_JUDGMENTS
        if key.startswith("Q:"):
            key, target = key[2:], TOP10_JUDGMENTS
        note = cells[6] if len(cells) > 6 else ""
        rows[target].extend(parse_judgments(["\t".join([key, *cells[1:5], note])]))
    for target, judgments in rows.items():
        if judgments:
            with open(target, "a", encoding="utf-8") as f:
                f.writelines(format_judgment(j) + "\n" for j in judgments)
            print(f"{len(judgments)} judgments added to {target.relative_to(HERE.parent)}")


# --- main --------------------------------------------------------------------


def report(db_path: Path, misses: int = 0, markdown: bool = False) -> None:
    """The judged tables, on an archive of the corpus."""
    import sqlite_utils

    db = sqlite_utils.Database(db_path)
    corpus = read_paragraphs(db)
    groups, judged, stemmers = load_groups(), load(GROUP_JUDGMENTS), Stemmers()
    print(f"{len(corpus.by_article)} articles, {len(corpus.text)} paragraphs\n")
    pooled = []
    for title, chosen in group_sets(groups):
        totals = print_group_table(title, group_scores(db, corpus, chosen, judged, stemmers, misses), markdown)
        pooled.append((title, totals))
    print_pooled_table(pooled, markdown)
    print_top10_table(db, load_queries(), load(TOP10_JUDGMENTS), markdown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="folder of documents (default: unpack ../shared/corpus)")
    parser.add_argument("--db", help="an archive of the corpus (default: import into a temp db)")
    parser.add_argument("--pending", action="store_true", help="print unjudged items to judge")
    parser.add_argument("--add", metavar="FILE", help="append the judged lines of a --pending file")
    parser.add_argument("--misses", type=int, default=0, help="show archive's first N wrong and missed paragraphs")
    parser.add_argument("--markdown", action="store_true", help="tables in Markdown (for docs/evaluation.md)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    try:
        run(args)
    except (OSError, ValueError) as error:  # a judgment file unread or malformed
        sys.exit(f"eval_judged: error: {error}")


def run(args) -> None:
    if args.add:
        add_judgments(Path(args.add))
        return
    from eval_stemming import corpus_and_archive

    with corpus_and_archive(args, need_folder=False) as (_, db_path):
        if db_path is None:
            return
        if args.pending:
            import sqlite_utils

            db = sqlite_utils.Database(db_path)
            print_pending(db, read_paragraphs(db), load_groups(), load_queries(), Stemmers())
        else:
            report(db_path, args.misses, args.markdown)


if __name__ == "__main__":
    main()
