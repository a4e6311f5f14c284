"""Which distinct words of the corpus does each folding and stemming rule merge?

For every rule of the analyzer, lists the most frequent pairs of corpus words
that the rule alone makes one: one written word (folding rules, the `exact`
column) or one stem (stemming rules, the `terms` column).  A pair's weight is
the smaller of the two words' counts, so a pair ranks high only when both
words are common.  The lists are for a person to review (docs/word-forms.md):
most pairs are forms of one word, the ones that are not are collisions.

    python benchmarks/collisions.py                 # unpacks ../shared/corpus
    python benchmarks/collisions.py --corpus DIR    # a folder of .txt files
    python benchmarks/collisions.py --top 30

Besides the rules in use, two rules are audited as candidates: ء folded with
ؤ and ئ (analyzer 4 and before) and a preposition in front of a two-letter
word in the query expansion (before analyzer 5's expansion).
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import tarfile
import tempfile
from pathlib import Path

from archive import analyze
from archive.stemmer import ARTICLES, PRONOUNS

REPO = Path(__file__).resolve().parent.parent
CORPUS_ARCHIVE = REPO.parent / "shared" / "corpus" / "saudinewsnet.tar.xz"
_WORD = re.compile("[\u0621-\u065f\u0670\u0640]+")
# Characters no text holds, standing in for the letters a rule would fold.
_PRIVATE = 0xE000

# Folding rules: the letters each folds (analyze.normalize).
FOLDING = {
    "marks and tatweel removed": "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0640",
    "أ إ آ ٱ → ا": "\u0623\u0625\u0622\u0671",
    "ى → ي": "\u0649",
    "ة → ه": "\u0629",
    "ؤ → ئ": "\u0624",
}


def corpus_words(folder: Path) -> collections.Counter:
    """Raw Arabic words (marks kept) and how often each is written."""
    counts: collections.Counter = collections.Counter()
    for path in sorted(folder.rglob("*.txt")):
        counts.update(_WORD.findall(path.read_text(encoding="utf-8", errors="replace")))
    return counts


def normalized_without(word: str, letters: str) -> str:
    """normalize(word), but leaving `letters` as they are written."""
    protected = word.translate({ord(c): _PRIVATE + i for i, c in enumerate(letters)})
    return analyze.normalize(protected).translate({_PRIVATE + i: c for i, c in enumerate(letters)})


def top_pairs(groups: dict[str, collections.Counter], top: int) -> list[tuple[int, str, str]]:
    """For each group of words one rule makes one, the two most frequent
    ways of writing it apart: (weight, first, second), heaviest first."""
    pairs = []
    for apart in groups.values():
        if len(apart) > 1:
            (first, a), (second, b) = apart.most_common(2)
            pairs.append((min(a, b), first, second))
    return sorted(pairs, reverse=True)[:top]


def folding_audit(counts: collections.Counter, top: int) -> dict[str, list]:
    report = {}
    for rule, letters in FOLDING.items():
        groups: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        for word, n in counts.items():
            if any(c in word for c in letters):
                groups[analyze.normalize(word)][normalized_without(word, letters)] += n
        # Words without the letters belong to their group too (مسءول beside مسؤول).
        for word, n in counts.items():
            key = analyze.normalize(word)
            if key in groups and not any(c in word for c in letters):
                groups[key][key] += n
        report[rule] = top_pairs(groups, top)
    # The old rule, ؤ and ئ folded onto ء: which written words would it join?
    old: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for word, n in normalized_counts(counts).items():
        old[word.replace("\u0626", "\u0621")][word] += n
    report["candidate: ئ (and ؤ) → ء"] = top_pairs(old, top)
    return report


def normalized_counts(counts: collections.Counter) -> collections.Counter:
    found: collections.Counter = collections.Counter()
    for word, n in counts.items():
        found[analyze.normalize(word)] += n
    return found


def affix_rule(short: str, long: str) -> str | None:
    """The stemming rule that tells `long` from `short` (same stem), if one does."""
    for article in ARTICLES:
        if long == article + short:
            return "article group (ال, وال, بال, لل ...)"
    if long == "و" + short:
        return "bare و in front"
    if long.startswith(short):
        tail = long[len(short):]
        if tail in PRONOUNS:
            return "pronoun"
        if tail in ("ون", "ين", "ان"):
            return "plural or dual ون ين ان"
    if short.endswith("ه") and long.startswith(short[:-1]):
        tail = long[len(short) - 1:]
        if tail == "ات":
            return "ات for ة"
        if tail.startswith("ت") and tail[1:] in PRONOUNS + ("ين", "ان"):
            return "ة written ت before a suffix"
    if short.endswith("ء") and long.startswith(short[:-1] + "\u0626"):
        return "final hamza on ئ"
    return None


def stemming_audit(normalized: collections.Counter, top: int, least: int = 5) -> dict[str, list]:
    """Pairs of common normalized words with one stem, by the rule between them."""
    by_stem: dict[str, list[str]] = collections.defaultdict(list)
    for word, n in normalized.items():
        if n >= least:
            by_stem[analyze.stem(word)].append(word)
    report: dict[str, list] = collections.defaultdict(list)
    for words in by_stem.values():
        for short in words:
            for long in words:
                rule = len(long) > len(short) and affix_rule(short, long)
                if rule:
                    report[rule].append((min(normalized[short], normalized[long]), short, long))
    return {rule: sorted(pairs, reverse=True)[:top] for rule, pairs in sorted(report.items())}


def expansion_audit(normalized: collections.Counter, top: int) -> dict[str, list]:
    """Candidate: a preposition in front of a two-letter word (كفى as ك + في)."""
    pairs = []
    for word, n in normalized.items():
        if len(word) == 3 and word[0] in "بكل" and word[1:] in normalized:
            pairs.append((min(n, normalized[word[1:]]), word[1:], word))
    return {"candidate: ب ك ل before a two-letter word": sorted(pairs, reverse=True)[:top]}


def corpus_dir(args, workdir: Path) -> Path | None:
    if args.corpus:
        return Path(args.corpus)
    if not CORPUS_ARCHIVE.exists():
        return None
    print(f"unpacking {CORPUS_ARCHIVE.name} ...", file=sys.stderr)
    with tarfile.open(CORPUS_ARCHIVE) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "corpus"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="folder of documents (default: unpack ../shared/corpus)")
    parser.add_argument("--top", type=int, default=20, help="pairs listed per rule")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = corpus_dir(args, Path(tmp))
        if folder is None:
            print(f"skipped: no corpus ({CORPUS_ARCHIVE} is absent; give --corpus DIR)")
            return
        counts = corpus_words(folder)
    normalized = normalized_counts(counts)
    print(f"{sum(counts.values())} words, {len(counts)} written, {len(normalized)} normalized")
    for title, report in (
        ("folding (one written word)", folding_audit(counts, args.top)),
        ("stemming (one stem)", stemming_audit(normalized, args.top)),
        ("query expansion", expansion_audit(normalized, args.top)),
    ):
        print(f"\n## {title}")
        for rule, pairs in report.items():
            print(f"\n### {rule}")
            for weight, first, second in pairs:
                print(f"{weight:>7}  {first} / {second}")


if __name__ == "__main__":
    main()
