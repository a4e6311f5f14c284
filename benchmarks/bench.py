#!/usr/bin/env python3
"""Import and search benchmark: archive against what a user would otherwise do.

    python benchmarks/bench.py                  # corpus at 1x and 10x
    python benchmarks/bench.py --scales 1,3,10  # and 3x
    python benchmarks/bench.py --quick          # 3,000 articles, for fast iteration

Unpacks ../shared/corpus/saudinewsnet.tar.xz into a temporary folder and, in
one run, measures side by side:

* import: `archive import` against the naive pipeline with the same packages
  (`sqlite-utils insert-files --text`, then `sqlite-utils enable-fts --fts5`):
  wall time, database size, peak RSS of the child process tree;
* re-import of the unchanged tree;
* whole processes: `archive search` against `sqlite-utils search` and `rg -c`;
* at each scale (multiples of the corpus: the copies are hard links under
  other folder names, distinct files to us): the import, then search latency
  per query shape in process, beside FTS5's bm25 over every match and beside
  tantivy fed archive's analyzed words (topk.py); `datasette archive.db`
  under its default time limit with several clients; `archive search --count`.

Every figure is compared with a baseline measured in the same run; the tables
printed at the end give each figure, its target and whether it is met, and a
full run (not --quick) writes them into docs/performance.md.
Nothing here asserts anything: the test suite never depends on timing.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# Its sibling modules, however the script is loaded (tests load it by path).
sys.path.insert(0, str(Path(__file__).resolve().parent))
import served  # noqa: E402
import topk  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "saudinewsnet.tar.xz"
QUICK_FILES = 3000

# Words for the whole-process comparison: a common word, a rarer word, an
# English word (all three tools look for the same string).
PROCESS_WORDS = ["الرياض", "زلزال", "twitter"]
PROCESS_RUNS = 5


# --- processes and their memory --------------------------------------------


def _tree_rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, in KB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, ()))
    return total


# Child processes keep Python's bytecode cache, as a user's do: under
# PYTHONDONTWRITEBYTECODE (set in some sandboxes) every `archive` process
# would compile its modules again, about 40 ms, while the other tools' come
# compiled by pip.
_CHILD_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


class Run:
    """One timed child process, with the peak RSS of its process tree."""

    def __init__(self, argv: list[str], cwd: Path | None = None, sample_memory: bool = True):
        self.argv = argv
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_CHILD_ENV
        )
        self.peak_kb = 0
        done = threading.Event()

        def sample():
            while not done.is_set():
                self.peak_kb = max(self.peak_kb, _tree_rss_kb(process.pid))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True) if sample_memory else None
        if sampler:
            sampler.start()
        _, err = process.communicate()
        self.seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU time of the whole tree (children that were waited for): unlike
        # wall time, barely moved by other work on the machine.
        self.cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        done.set()
        if sampler:
            sampler.join()
        self.returncode = process.returncode
        self.stderr = err.decode("utf-8", "replace")


def run_checked(argv, ok=(0,), **kwargs) -> Run:
    run = Run(argv, **kwargs)
    if run.returncode not in ok:
        sys.exit(f"bench: {' '.join(map(str, argv))} failed ({run.returncode}):\n{run.stderr[-2000:]}")
    return run


def tool(name: str) -> str | None:
    """A console script of this environment, else one on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def db_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if not p.name.endswith(".lock"))


# --- the corpus --------------------------------------------------------------


def unpack(work: Path) -> Path:
    started = time.perf_counter()
    subprocess.run(["tar", "-xJf", str(CORPUS), "-C", str(work)], check=True)
    print(f"unpacked the corpus in {time.perf_counter() - started:.1f} s", flush=True)
    return work / "corpus"


def make_tree(source: list[Path], folder: Path, copies: int) -> Path:
    """copies × the source files, as hard links under copy folders."""
    for n in range(copies):
        target = folder / f"copy{n:02d}"
        target.mkdir(parents=True)
        for path in source:
            try:
                os.link(path, target / path.name)
            except OSError:
                shutil.copy2(path, target / path.name)
    return folder


# --- measurements ------------------------------------------------------------


def import_archive(archive: str, tree: Path, db: Path) -> Run:
    return run_checked([archive, "import", str(tree), "--db", str(db)], ok=(0, 1))


def import_naive(sqlite_utils: str, tree: Path, db: Path) -> tuple[float, int, float]:
    """Seconds, peak KB and CPU seconds of the naive pipeline."""
    insert = run_checked([sqlite_utils, "insert-files", str(db), "docs", str(tree), "--text"])
    fts = run_checked([sqlite_utils, "enable-fts", str(db), "docs", "content_text", "--fts5"])
    return insert.seconds + fts.seconds, max(insert.peak_kb, fts.peak_kb), insert.cpu + fts.cpu


def median_process(argv_for, words, ok=(0, 1)) -> float:
    samples = []
    for word in words:
        run_checked(argv_for(word), ok=ok, sample_memory=False)  # warm the page cache
        samples += [run_checked(argv_for(word), ok=ok, sample_memory=False).seconds for _ in range(PROCESS_RUNS)]
    return statistics.median(samples)


# --- the table ---------------------------------------------------------------


def markdown(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    lines = [header, tuple("-" * w for w in widths)] + rows
    return "\n".join("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |" for row in lines)


class Table:
    """The run's figures, each with its target and whether it is met; and
    beside them, per scale, the latency of each query shape."""

    header = ("figure", "measured", "target", "met")
    shape_header = ("shape", "queries", "archive p50", "p90", "p99", "FTS5 bm25 p50", "tantivy p50", "archive/tantivy")

    def __init__(self):
        self.rows: list[tuple[str, str, str, str]] = []
        self.shapes: dict[int, list[tuple[str, ...]]] = {}

    def add(self, figure: str, value: str, target: str = "", met: bool | None = None):
        self.rows.append((figure, value, target, "" if met is None else ("yes" if met else "NO")))

    def markdown(self) -> str:
        parts = [markdown(self.header, self.rows)]
        for scale, rows in self.shapes.items():
            parts.append(f"Latency per query shape at {scale}x, in process:\n\n{markdown(self.shape_header, rows)}")
        return "\n\n".join(parts)


# The latest run's section of the performance page, replaced by each full run
# so that the page shows what the code measures, not figures copied by hand.
PERFORMANCE_PAGE = REPO / "docs" / "performance.md"
SECTION_START = "<!-- bench.py: the latest run, from here -->"
SECTION_END = "<!-- bench.py: the latest run, to here -->"


def write_latest_run(page: Path, heading: str, table: Table) -> bool:
    """Put this run's heading and table between the page's two markers;
    False (the page untouched) when the markers are not there."""
    text = page.read_text(encoding="utf-8")
    start, end = text.find(SECTION_START), text.find(SECTION_END)
    if start < 0 or end < start:
        return False
    section = f"{SECTION_START}\n{heading}\n\n{table.markdown()}\n"
    page.write_text(text[:start] + section + text[end:], encoding="utf-8")
    return True


def machine() -> str:
    # The SQLite that archive and sqlite-utils both run on.
    from archive.sqlite import sqlite3

    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version} ({sqlite3.__name__})"
    )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,10", help="multiples of the corpus (default 1,10; 1 is always run)")
    parser.add_argument("--quick", action="store_true", help=f"the first {QUICK_FILES} articles only")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--only-import", action="store_true",
        help="the imports only (1x naive and archive, and archive at --scales), not the record",
    )
    parser.add_argument(
        "--repeat", type=int, default=2, help="1x imports of each kind, alternating; the fastest counts (default 2)"
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.scales = sorted({int(s) for s in args.scales.split(",")} | {1})
    return args


def imports_1x(args, archive: str, sqlite_utils: str, tree1: Path, work: Path, table: Table):
    """archive's import against the naive pipeline's, alternating; the
    fastest of each counts (this machine's speed drifts by a fifth from
    minute to minute). Returns archive's fastest run and the two databases."""
    naive_db, archive_db = work / "naive.db", work / "x1.db"
    naive_runs, archive_runs = [], []
    for attempt in range(args.repeat):
        for db in (naive_db, archive_db):
            for path in work.glob(db.name + "*"):
                path.unlink()
        naive_runs.append(import_naive(sqlite_utils, tree1, naive_db))
        print(f"naive import: {naive_runs[-1][0]:.1f} s, CPU {naive_runs[-1][2]:.1f} s", flush=True)
        archive_runs.append(import_archive(archive, tree1, archive_db))
        print(f"archive import: {archive_runs[-1].seconds:.1f} s, CPU {archive_runs[-1].cpu:.1f} s", flush=True)
    naive_seconds = min(seconds for seconds, _, _ in naive_runs)
    naive_kb = max(kb for _, kb, _ in naive_runs)
    first = min(archive_runs, key=lambda run: run.seconds)
    first.peak_kb = max(run.peak_kb for run in archive_runs)
    again = import_archive(archive, tree1, archive_db)
    print(f"archive re-import: {again.seconds:.1f} s", flush=True)

    ratio = first.seconds / naive_seconds
    fastest = f" (fastest of {args.repeat})" if args.repeat > 1 else ""
    table.add(f"import 1x: naive pipeline{fastest}", f"{naive_seconds:.1f} s")
    table.add(
        f"import 1x: archive{fastest}", f"{first.seconds:.1f} s = {ratio:.2f}x naive", "<= 1.5x naive", ratio <= 1.5
    )
    cpu = min(run.cpu for run in archive_runs), min(cpu for _, _, cpu in naive_runs)
    table.add("import 1x: CPU time, archive / naive (least of each)", f"{cpu[0]:.1f} s / {cpu[1]:.1f} s = {cpu[0] / cpu[1]:.2f}x")
    ratio = again.seconds / naive_seconds
    table.add("re-import unchanged", f"{again.seconds:.2f} s = {ratio:.3f}x naive", "<= 0.1x naive", ratio <= 0.1)
    naive_mb, archive_mb = db_size(naive_db) / 1e6, db_size(archive_db) / 1e6
    ratio = archive_mb / naive_mb
    table.add("database size: naive.db", f"{naive_mb:.0f} MB")
    table.add("database size: archive.db", f"{archive_mb:.0f} MB = {ratio:.2f}x naive", "<= 1.6x naive", ratio <= 1.6)
    table.add("peak RSS: naive pipeline", f"{naive_kb / 1024:.0f} MB")
    table.add("peak RSS: archive import 1x", f"{first.peak_kb / 1024:.0f} MB", "<= 150 MB", first.peak_kb <= 150 * 1024)
    return first, naive_db, archive_db


def processes_1x(archive: str, sqlite_utils: str, naive_db: Path, archive_db: Path, tree1: Path,
                 table: Table) -> float:
    """Whole `archive search` processes against sqlite-utils and rg; the
    median `archive search` process."""
    ours = median_process(lambda w: [archive, "search", "--db", str(archive_db), w], PROCESS_WORDS)
    theirs = median_process(
        lambda w: [sqlite_utils, "search", str(naive_db), "docs", w, "--limit", "20"], PROCESS_WORDS, ok=(0,)
    )
    table.add("process: sqlite-utils search", f"{theirs * 1000:.0f} ms")
    table.add(
        "process: archive search", f"{ours * 1000:.0f} ms = {ours / theirs:.2f}x sqlite-utils",
        "<= 1x sqlite-utils", ours <= theirs,
    )
    rg = shutil.which("rg")
    if rg:
        grep = median_process(lambda w: [rg, "-c", w, str(tree1)], PROCESS_WORDS)
        table.add("process: rg -c", f"{grep * 1000:.0f} ms")
    else:
        table.add("process: rg -c", "skipped: rg is not installed")
    return ours


def process_at_scale(scale: int, archive: str, db: Path, at_1x: float, table: Table) -> None:
    """The same `archive search` processes on the larger archive: what a
    command typed costs as the archive grows (its start, its checks, its
    search)."""
    ours = median_process(lambda w: [archive, "search", "--db", str(db), w], PROCESS_WORDS)
    table.add(f"process: archive search {scale}x", f"{ours * 1000:.0f} ms = {ours / at_1x:.2f}x the 1x process")


def searches(scale: int, db: Path, work: Path, archive: str, table: Table, baseline: topk.Baseline) -> None:
    """At one scale: latency per shape (archive, FTS5's bm25, tantivy),
    Datasette under its default limit, and counts."""
    ours, ranking = topk.archive_latency(db)
    print(f"{scale}x: archive in process, p50 {topk.ms(topk.median(ours.all()))}", flush=True)
    old = topk.fts5_latency(db)
    print(f"{scale}x: FTS5 bm25, p50 {topk.ms(topk.median(old.all()))}", flush=True)
    anchor = topk.tantivy_figures(scale, db, work, table)
    topk.latency_rows(scale, ours, old, anchor, table, baseline)
    table.add(f"search {scale}x: archive p50 / p99 without highlighting",
              f"{topk.ms(topk.median(ranking.all()))} / {topk.ms(topk.percentile(ranking.all(), 0.99))}")
    if scale == 1:
        # What the lexicon tables cost a search (issue 15: unchanged within noise).
        light, _ = topk.archive_latency(db, lexicon=False)
        table.add("search 1x: archive p50 with / without the lexicon",
                  f"{topk.ms(topk.median(ours.all()))} / {topk.ms(topk.median(light.all()))}")
    for latencies in (ours, old):
        if latencies.capped:
            table.add(f"search {scale}x: {latencies.name}, stopped at {topk.CAP:.0f} s",
                      ", ".join(sorted(latencies.capped, key=topk.QUERIES.index)))
    table.shapes[scale] = topk.shape_rows(ours, old, anchor)
    within, within_old = topk.filtered_latency(db)
    print(f"{scale}x: archive within a paper, p50 {topk.ms(topk.median(within.all()))}", flush=True)
    table.shapes[scale].append(topk.filtered_rows(scale, within, within_old, table))
    datasette = tool("datasette")
    if datasette:
        served.datasette_rows(scale, datasette, db, table)
    else:
        table.add(f"{scale}x: Datasette", "skipped: the datasette command is not installed")
    served.count_rows(scale, archive, db, table)


def at_scale(scale: int, files: list[Path], work: Path, archive: str, first, table: Table) -> Path:
    """The corpus several times over: import growth, memory, size."""
    tree = make_tree(files, work / f"x{scale}", scale)
    db = work / f"x{scale}.db"
    run = import_archive(archive, tree, db)
    print(f"archive import {scale}x: {run.seconds:.1f} s", flush=True)
    growth = run.seconds / first.seconds
    table.add(
        f"import {scale}x: archive", f"{run.seconds:.1f} s = {growth:.2f}x the 1x import",
        f"<= {1.1 * scale:.1f}x" if scale == 10 else "", growth <= 1.1 * scale if scale == 10 else None,
    )
    table.add(
        f"peak RSS: archive import {scale}x", f"{run.peak_kb / 1024:.0f} MB", "<= 150 MB",
        run.peak_kb <= 150 * 1024,
    )
    table.add(f"database size {scale}x", f"{db_size(db) / 1e6:.0f} MB")
    shutil.rmtree(tree)
    return db


def report(args, files: list[Path], started: float, table: Table) -> None:
    command = " ".join(["python benchmarks/bench.py", *sys.argv[1:]])
    heading = (
        f"`{command}`, {time.strftime('%Y-%m-%d')}: {machine()}; {len(files)} articles; "
        f"whole run {time.perf_counter() - started:.0f} s."
    )
    print()
    print(heading)
    print()
    print(table.markdown())
    # A quick or import-only run is for comparing two versions of the code, not the record.
    if args.quick or args.only_import:
        return
    if write_latest_run(PERFORMANCE_PAGE, heading, table):
        print(f"\nwrote the table into {PERFORMANCE_PAGE}")
    else:
        print(f"\nbench: {PERFORMANCE_PAGE} has no latest-run markers; not written", file=sys.stderr)


def main() -> None:
    args = arguments()
    if not CORPUS.exists():
        print(f"bench: skipped: {CORPUS} is not here")
        return
    archive, sqlite_utils = tool("archive"), tool("sqlite-utils")
    if not archive or not sqlite_utils:
        sys.exit("bench: needs the archive and sqlite-utils commands (pip install -e .)")

    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="archive-bench-"))
    table = Table()
    try:
        corpus = unpack(work)
        files = sorted(p for p in corpus.rglob("*.txt") if p.name != "README.txt")
        if args.quick:
            files = files[:QUICK_FILES]
        print(f"{len(files)} articles; scales {args.scales}; {machine()}", flush=True)
        tree1 = make_tree(files, work / "x1", 1)
        first, naive_db, archive_db = imports_1x(args, archive, sqlite_utils, tree1, work, table)
        if args.only_import:
            for scale in args.scales[1:]:
                db = at_scale(scale, files, work, archive, first, table)
                for path in work.glob(f"{db.name}*"):
                    path.unlink()
            return report(args, files, started, table)
        process_1x = processes_1x(archive, sqlite_utils, naive_db, archive_db, tree1, table)
        shutil.rmtree(tree1)
        for path in work.glob("naive.db*"):
            path.unlink()
        baseline = topk.Baseline()
        searches(1, archive_db, work, archive, table, baseline)
        for scale in args.scales[1:]:
            db = at_scale(scale, files, work, archive, first, table)
            process_at_scale(scale, archive, db, process_1x, table)
            searches(scale, db, work, archive, table, baseline)
            for path in work.glob(f"{db.name}*"):
                path.unlink()
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    report(args, files, started, table)


if __name__ == "__main__":
    main()
