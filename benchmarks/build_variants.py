"""Mine the candidates for src/archive/variants_data.py: spellings of one
loanword or name.

Arabic papers spell foreign words and names their own way: أمريكا and
أميركا, ميليشيا and مليشيا.  The rule that mines candidates from the corpus:
two normalized words, behind the article, that differ only by long vowels
(ا و ي) written or not or moved, inside the word (not first or last), both written at least LEAST
times, whose neighbouring words (two each side) have a cosine of at least
SIMILAR.  The rule throws up many native pairs (قصر/قصير, كتب/كتاب): every
candidate is reviewed by hand.  The data file is the review's record: its
GROUPS are the kept spellings, its REJECTED the pairs looked at closely,
with the reason; every other candidate is rejected as a native pair.  Each
candidate is printed with the review's verdict (kept, rejected, or -).

    python benchmarks/build_variants.py                 # unpacks ../shared/corpus
    python benchmarks/build_variants.py --corpus DIR    # an unpacked corpus

Without the corpus the script says so and stops.
"""

from __future__ import annotations

import argparse
import collections
import math
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from archive import analyze  # noqa: E402
from collisions import CORPUS_ARCHIVE, corpus_dir  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "src" / "archive" / "variants_data.py"
LEAST = 20
SIMILAR = 0.5
LONG_VOWELS = "اوي"
ARTICLES = ("وال", "بال", "فال", "كال", "لل", "ال")

# The review's record is the data file itself: its groups (kept) and its
# rejected pairs with their reasons; the script lists what it has not seen.
from archive.variants_data import GROUPS, REJECTED  # noqa: E402


def bare(word: str) -> str:
    """A normalized word without its article (and a clitic before it)."""
    for article in ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 3:
            return word[len(article):]
    return word


def corpus_tokens(folder: Path) -> list[list[str]]:
    return [
        [bare(w) for w in analyze.words(path.read_text(encoding="utf-8", errors="replace"))]
        for path in sorted(folder.rglob("*.txt"))
    ]


def skeleton(word: str) -> str:
    """The word with its inner long vowels left out (first and last kept)."""
    return word[0] + word[1:-1].translate({ord(v): None for v in LONG_VOWELS}) + word[-1]


def candidates(counts: collections.Counter) -> list[tuple[str, str]]:
    """Pairs of frequent words with the same skeleton (أمريكا, أميركا)."""
    groups: dict[str, list[str]] = collections.defaultdict(list)
    for word, n in counts.items():
        if n >= LEAST and len(word) >= 4:
            groups[skeleton(word)].append(word)
    return sorted(
        (a, b) for words in groups.values() for a in words for b in words if a < b and len(skeleton(a)) >= 3
    )


def contexts(documents: list[list[str]], wanted: set[str]) -> dict[str, collections.Counter]:
    found: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for tokens in documents:
        for i, word in enumerate(tokens):
            if word in wanted:
                found[word].update(tokens[max(0, i - 2):i] + tokens[i + 1:i + 3])
    return found


def cosine(a: collections.Counter, b: collections.Counter) -> float:
    dot = sum(n * b[w] for w, n in a.items() if w in b)
    norm = math.sqrt(sum(n * n for n in a.values())) * math.sqrt(sum(n * n for n in b.values()))
    return dot / norm if norm else 0.0


def mine(folder: Path) -> list[tuple[float, str, str, int, int]]:
    documents = corpus_tokens(folder)
    counts = collections.Counter(w for tokens in documents for w in tokens)
    pairs = candidates(counts)
    found = contexts(documents, {w for pair in pairs for w in pair})
    scored = [(cosine(found[a], found[b]), a, b, counts[a], counts[b]) for a, b in pairs]
    return sorted((s for s in scored if s[0] >= SIMILAR), reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="folder of documents (default: unpack ../shared/corpus)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = corpus_dir(args, Path(tmp))
        if folder is None:
            print(f"skipped mining: no corpus ({CORPUS_ARCHIVE} is absent; give --corpus DIR)")
        else:
            kept = {tuple(sorted((a, b))) for group in GROUPS for a in group for b in group if a < b}
            rejected = {tuple(sorted(pair)) for pair in REJECTED}
            for score, a, b, na, nb in mine(folder):
                pair = tuple(sorted((a, b)))
                mark = "kept" if pair in kept else "rejected" if pair in rejected else "-"
                print(f"{score:.2f}\t{a}\t{b}\t{na}\t{nb}\t{mark}")


if __name__ == "__main__":
    main()
