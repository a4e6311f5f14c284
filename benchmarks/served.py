"""The benchmark's queries as a user of the served archive sends them:
`datasette archive.db` under its default settings (a 1 s time limit on SQL),
several clients at once; and `archive search --count`, whose totals the
search page shows too.  bench.py runs these at each scale."""

from __future__ import annotations

import concurrent.futures
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from topk import QUERIES, SHAPES, median

DATASETTE_CLIENTS = 4
# What `archive search --count` is timed on: the common words and the
# queries with the most matches.
COUNT_QUERIES = SHAPES["one word, common"] + ["في OR من OR على", "ا*"]


@dataclass
class Served:
    requests: int = 0
    failed: list[str] = field(default_factory=list)  # "status url" of each
    limited: int = 0  # of the failed, those that hit the time limit
    slowest: tuple[float, str] = (0.0, "")
    seconds: list[float] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def datasette_load(datasette: str, db_path: Path) -> Served:
    """`datasette DB` with its default settings; every query's search page
    and search.json, requested by DATASETTE_CLIENTS threads at once."""
    port = free_port()
    server = subprocess.Popen(
        [datasette, str(db_path), "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}/{db_path.stem}"
    try:
        _wait_for(f"http://127.0.0.1:{port}/-/versions.json", server)
        urls = [
            (text, f"{base}/{page}?{urllib.parse.urlencode({'q': text})}")
            for text in QUERIES for page in ("search", "search.json")
        ]
        served = Served(requests=len(urls))
        with concurrent.futures.ThreadPoolExecutor(DATASETTE_CLIENTS) as pool:
            for text, url, status, body, seconds in pool.map(lambda item: _get(*item), urls):
                served.seconds.append(seconds)
                served.slowest = max(served.slowest, (seconds, text))
                if status != 200:
                    page = url.split("?")[0].rsplit("/", 1)[1]
                    served.failed.append(f"{status} {page}?q={text}")
                    served.limited += "time limit" in body or "interrupted" in body.lower()
        return served
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(url: str, server: subprocess.Popen, patience: float = 60) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"bench: datasette exited: {server.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"bench: datasette did not answer {url} in {patience:.0f} s")


def _get(text: str, url: str) -> tuple[str, str, int, str, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            status, body = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode("utf-8", "replace")
    return text, url, status, body, time.perf_counter() - started


COUNT_TIMEOUT = 30.0


def count_times(archive: str, db_path: Path) -> dict[str, float]:
    """Seconds of a whole `archive search --count` process per query: the
    second of two runs (the first warms the page cache) unless the first
    took over a second; COUNT_TIMEOUT when it took longer than that."""
    times = {}
    for text in COUNT_QUERIES:
        argv = [archive, "search", "--db", str(db_path), "--count", "--json", "--", text]
        for _ in range(2):
            started = time.perf_counter()
            try:
                done = subprocess.run(argv, capture_output=True, timeout=COUNT_TIMEOUT)
            except subprocess.TimeoutExpired:
                times[text] = COUNT_TIMEOUT
                break
            times[text] = time.perf_counter() - started
            if done.returncode not in (0, 1):
                raise SystemExit(f"bench: {' '.join(argv)} failed: {done.stderr.decode()[-2000:]}")
            if times[text] > 1:
                break
    return times


def datasette_rows(scale: int, datasette: str, db: Path, table) -> None:
    served = datasette_load(datasette, db)
    for failure in served.failed:
        print(f"{scale}x: Datasette: {failure}", flush=True)
    shown = "; ".join(served.failed[:3]) + (" ..." if len(served.failed) > 3 else "")
    table.add(
        f"{scale}x: Datasette, default limit, {served.requests} requests by {DATASETTE_CLIENTS} clients",
        f"{len(served.failed)} failed, {served.limited} of them at the time limit" + (f" ({shown})" if shown else ""),
        "none fail", not served.failed,
    )
    seconds, text = served.slowest
    table.add(f"{scale}x: Datasette p50 / slowest request",
              f"{median(served.seconds):.2f} s / {seconds:.2f} s ({text})")


def count_rows(scale: int, archive: str, db: Path, table) -> None:
    counts = count_times(archive, db)
    slowest = max(counts, key=counts.get)
    table.add(
        f"{scale}x: archive search --count, {len(counts)} queries",
        f"median {median(list(counts.values())):.2f} s, slowest {counts[slowest]:.2f} s ({slowest})"
        + (" (stopped)" if counts[slowest] >= COUNT_TIMEOUT else ""),
        "< 1 s", counts[slowest] < 1,
    )
