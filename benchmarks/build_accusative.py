"""The words in ا that the accusative reading (endings.accusative) takes for a
noun's on a corpus, and that are far more frequent than the noun: names,
particles and adverbs (مشيرا, ابدا, روما) more often than the noun's
accusative.  Prints each with its count, the noun's, and the review's
verdict (kept out: in endings.NOT_ACCUSATIVE).  docs/word-forms.md has the rule.

    python benchmarks/build_accusative.py --corpus /tmp/corpus
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from archive import analyze, endings  # noqa: E402

# A word in ا this many times as frequent as its noun (bare and with the
# article) is listed.
RATIO = 2
LEAST = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="folder of .txt documents")
    args = parser.parse_args()
    counts = word_counts(args.corpus)
    indexed = set(counts)
    rows = []
    for word, count in counts.items():
        if not word.endswith("ا") or count < LEAST:
            continue
        # The rule as the search applies it, the stop list left aside.
        for reading in endings.accusative_readings(word, stop=False):
            noun = counts[reading.base] + counts["ال" + reading.base]
            if reading.holds(indexed) and count > RATIO * noun:
                rows.append((count, word, reading.base, noun))
    for count, word, noun_word, noun in sorted(rows, reverse=True):
        verdict = "kept out" if word in endings.NOT_ACCUSATIVE else "kept"
        print(f"{count}\t{word}\t{noun_word}\t{noun}\t{verdict}")


def word_counts(corpus: str) -> collections.Counter[str]:
    """How often each normalized word is written in a folder of .txt documents."""
    counts: collections.Counter[str] = collections.Counter()
    for path in sorted(Path(corpus).rglob("*.txt")):
        counts.update(analyze.words(path.read_text(encoding="utf-8", errors="replace")))
    return counts


if __name__ == "__main__":
    main()
