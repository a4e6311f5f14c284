"""How long importing a tree takes the first time, and again when nothing
changed (the size/mtime skip), and after touching some files (the hash check).

    python benchmarks/reimport.py [FOLDER]     (default: the unpacked shared corpus)

Runs `archive import` as a user would, in a temporary folder; prints one line
per run.  The corpus is only read.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_FOLDER = Path(tempfile.gettempdir()) / "corpus_x" / "corpus"


def timed_import(folder: Path, db: Path) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "archive", "import", str(folder), "--db", str(db)],
        capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    summary = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
    return elapsed, summary.split(": ", 1)[-1]


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FOLDER
    if not folder.is_dir():
        sys.exit(f"{folder} is not a folder (unpack ../shared/corpus/saudinewsnet.tar.xz there)")
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "archive.db"
        first, summary = timed_import(folder, db)
        print(f"first import:     {first:7.1f} s  {summary}")
        again, summary = timed_import(folder, db)
        print(f"unchanged again:  {again:7.1f} s  {summary}  ({again / first:.1%} of the first)")
        print(f"database size:    {os.path.getsize(db) / 2**20:7.1f} MB")


if __name__ == "__main__":
    main()
