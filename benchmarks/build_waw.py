"""The stems in و that the stemmer keeps whole (stemmer.WAW_KEPT), mined from
a corpus: words whose first و is a letter of the word, not the conjunction
"and" (وزير, وسائل, وجود), which the bare و rule would otherwise fold into
another word (زير, سائل, جود).

The evidence is what may come before such a word and never before "and": the
article, a preposition or the conjunction itself (الوزير, بوسائل, ووجود).
Prints src/archive/waw_data.py; docs/word-forms.md has the rule.

    python benchmarks/build_waw.py --corpus /tmp/corpus > waw_data.py
    mv waw_data.py src/archive/
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from archive import stemmer  # noqa: E402
from build_accusative import word_counts  # noqa: E402

# What may come before a word of its own in و, and never before "and".
BEFORE = ("ال", "و", "ف", "ب", "ل", "ك", "لل", "بال", "وال", "فال", "كال", "وبال", "ولل", "فلل",
          "وب", "ول", "فب", "فل")
# A stem is kept when its forms are written so at least this share of the
# times they are written bare, at least LEAST times,
EVIDENCE_SHARE = 0.1
LEAST = 5
# and "and" + the rest is unlikely to be most of its forms: a word is
# written with "and" in front about CONJUNCTION_SHARE of the times it is
# written alone, so the rest written alone must be rare beside the stem.
CONJUNCTION_SHARE = 0.15
# After و, an ا may be a hamza the writer left out (وأحد: and one of); a
# stem in وا is kept only where the rest alone is this rare beside it.
HAMZA_SHARE = 0.1
SMALLEST = 20  # paragraphs' worth of forms, below which nothing is decided


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="folder of .txt documents")
    args = parser.parse_args()
    counts = word_counts(args.corpus)
    written: collections.Counter[str] = collections.Counter()
    evidence: collections.Counter[str] = collections.Counter()
    rest: collections.Counter[str] = collections.Counter()
    for word, count in counts.items():
        # Only the words the bare و rule applies to: no article group first.
        if not _bare_waw(word):
            continue
        stem = stemmer.stem_with_waw(word)
        written[stem] += count
        evidence[stem] += sum(counts[before + word] for before in BEFORE)
        rest[stem] += counts[word[1:]]
    kept = sorted(
        stem for stem, count in written.items()
        if count >= SMALLEST and len(stem) >= 3
        and evidence[stem] >= max(LEAST, EVIDENCE_SHARE * count)
        and CONJUNCTION_SHARE * rest[stem] < count / 2
        and not (stem.startswith("وا") and rest[stem] > HAMZA_SHARE * count)
    )
    print('"""Stems in و whose و is a letter of the word, not "and": made by')
    print("benchmarks/build_waw.py from two months of Saudi news (docs/word-forms.md).")
    print('Regenerate it when the stemmer\'s rules change."""')
    print()
    print("WAW_KEPT = frozenset({")
    line = "   "
    for stem in kept:
        item = f' "{stem}",'
        if len(line) + len(item) > 88:
            print(line)
            line = "   "
        line += item
    print(line)
    print("})")


def _bare_waw(word: str) -> bool:
    """Whether the stemmer's bare و rule applies to this word: in و, four
    letters or more, and no article group in front (stemmer.ARTICLES)."""
    return word.startswith("و") and len(word) >= 4 and not any(
        word.startswith(group) and len(word) - len(group) >= 2 for group in stemmer.ARTICLES
    )


if __name__ == "__main__":
    main()
