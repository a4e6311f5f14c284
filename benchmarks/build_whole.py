"""The stems the stemmer keeps whole (stemmer.KEPT_WHOLE), mined from a
corpus: words whose first letters look like "and" or the article but are
their own, which the stemmer's rules would otherwise fold into another
word.

- A word in و (وزير, وسائل, وجود) is not و + زير, سائل, جود where its forms
  are written with what never comes before "and" (الوزير, بوسائل, ووجود).
- A word in أل, إل or آل (ألوان, ألعاب, إلغاء) is not ال + وان, عاب, غاء
  where it is written with its hamza most of the times it is written: the
  article never is, and normalized the hamza is gone.

Prints src/archive/whole_data.py; docs/word-forms.md has the rule.

    python benchmarks/build_whole.py --corpus /tmp/corpus > whole_data.py
    mv whole_data.py src/archive/
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from archive import analyze, stemmer  # noqa: E402
from archive.lexicon import is_function_word  # noqa: E402

# What may come before a word of its own in و, and never before "and".
BEFORE = ("ال", "و", "ف", "ب", "ل", "ك", "لل", "بال", "وال", "فال", "كال", "وبال", "ولل", "فلل",
          "وب", "ول", "فب", "فل")
# A stem in و is kept when its forms are written so at least this share of
# the times they are written bare, at least LEAST times,
EVIDENCE_SHARE = 0.1
LEAST = 5
# and "and" + the rest is unlikely to be most of its forms: a word is
# written with "and" in front about CONJUNCTION_SHARE of the times it is
# written alone, so the rest written alone must be rare beside the stem.
CONJUNCTION_SHARE = 0.15
# After و, an ا may be a hamza the writer left out (وأحد: and one of); a
# stem in وا is kept only where the rest alone is this rare beside it.
HAMZA_SHARE = 0.1
# A stem in ال is kept when its forms are written with a hamza (أل إل آل)
# at least this share of the times.
HAMZA_WRITTEN = 0.75
SMALLEST = 20  # occurrences of a stem's forms, below which nothing is decided
# Marks removed from a written word before its hamza is looked at.
_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="folder of .txt documents")
    args = parser.parse_args()
    counts: collections.Counter[str] = collections.Counter()
    with_hamza: collections.Counter[str] = collections.Counter()
    for path in sorted(Path(args.corpus).rglob("*.txt")):
        for raw in analyze.raw_words(path.read_text(encoding="utf-8", errors="replace")):
            for word in analyze.word_parts(raw):
                counts[word] += 1
                if _MARKS.sub("", raw).startswith(("أل", "إل", "آل")):
                    with_hamza[word] += 1
    # Not a word of grammar: إليها is إلى + ها, but a search for it should
    # not become one for every إلى; nor such a word and ك (إليك).
    kept = {
        stem for stem in _in_waw(counts) | _in_alef_lam(counts, with_hamza)
        if not is_function_word(stem) and not (stem.endswith("ك") and is_function_word(stem[:-1]))
    }
    split = _split_anyway(counts, with_hamza, kept)
    print('"""Words whose first letters look like "and" or the article but are the')
    print("word's own: made by benchmarks/build_whole.py from two months of Saudi")
    print('news (docs/word-forms.md).  Regenerate it when the stemmer\'s rules change."""')
    print()
    print("# Their stems.")
    _print_set("KEPT_WHOLE", kept)
    print("# Written words that stem to one of them, but are more often \"and\" or")
    print("# the article and another word (والدين, and the religion; الآفة, the pest).")
    _print_set("SPLIT_ANYWAY", split)


def _print_set(name: str, words: set[str]) -> None:
    print(f"{name} = frozenset({{")
    line = "   "
    for word in sorted(words):
        item = f' "{word}",'
        if len(line) + len(item) > 88:
            print(line)
            line = "   "
        line += item
    print(line)
    print("})")


def _split_anyway(counts: collections.Counter[str], with_hamza: collections.Counter[str], kept: set[str]) -> set[str]:
    """The written words a stem kept whole would take, that are more often
    "and" or the article in front of another word: in ال, written without
    a hamza half the times or more (الآفة, المتون); in و, where the rest is
    written alone often enough that "and" + it would account for half of
    them (والدين, وجبهة), or where the rest is written alone as often and
    the word never with what never comes before "and" (وثبات)."""
    split = set()
    for word, count in counts.items():
        if stemmer.stem_whole(word) not in kept:
            continue
        if word.startswith("ال") and with_hamza[word] < count / 2:
            split.add(word)
        elif word.startswith("و") and _and_plus_rest(word, counts):
            split.add(word)
    return split


def _and_plus_rest(word: str, counts: collections.Counter[str]) -> bool:
    """Whether a written word in و is more likely "and" + the rest: the rest
    written alone often enough that "and" + it would account for half of
    the word's count, or as often as the word, which is never written with
    what never comes before "and"."""
    count, rest = counts[word], counts[word[1:]]
    evidence = sum(counts[before + word] for before in BEFORE)
    return CONJUNCTION_SHARE * rest >= count / 2 or (not evidence and rest >= count)


def _in_waw(counts: collections.Counter[str]) -> set[str]:
    written: collections.Counter[str] = collections.Counter()
    evidence: collections.Counter[str] = collections.Counter()
    rest: collections.Counter[str] = collections.Counter()
    for word, count in counts.items():
        # The words the bare و rule applies to, and those an article group
        # in و would take (والدي read as و + ال + دي) but for the ones more
        # likely "and" + the article + a word (والدين, and the religion).
        if not (_bare_waw(word) or _waw_article(word) and not _and_plus_rest(word, counts)):
            continue
        stem = stemmer.stem_whole(word)
        written[stem] += count
        evidence[stem] += sum(counts[before + word] for before in BEFORE)
        rest[stem] += counts[word[1:]]
    return {
        stem for stem, count in written.items()
        if count >= SMALLEST and len(stem) >= 3
        and evidence[stem] >= max(LEAST, EVIDENCE_SHARE * count)
        and CONJUNCTION_SHARE * rest[stem] < count / 2
        and not (stem.startswith("وا") and rest[stem] > HAMZA_SHARE * count)
    }


def _in_alef_lam(counts: collections.Counter[str], with_hamza: collections.Counter[str]) -> set[str]:
    written: collections.Counter[str] = collections.Counter()
    hamza: collections.Counter[str] = collections.Counter()
    for word, count in counts.items():
        # Written alone: the article rule would take its ال (2+ letters left).
        if word.startswith("ال") and len(word) >= 4:
            stem = stemmer.stem_whole(word)
            written[stem] += count
            hamza[stem] += with_hamza[word]
    # Four letters at least: ال + one more letter is a word the article rule
    # leaves whole already, and a stem in three would catch every word in
    # الت or الا before the stemmer could pass it over.
    return {
        stem for stem, count in written.items()
        if count >= SMALLEST and len(stem) >= 4 and hamza[stem] >= HAMZA_WRITTEN * count
    }


def _waw_article(word: str) -> bool:
    """Whether an article group in و (وال, وبال, وكال, ولل) would take this
    word's first letters."""
    group = next((g for g in stemmer.ARTICLES if word.startswith(g) and len(word) - len(g) >= 2), None)
    return group is not None and group.startswith("و")


def _bare_waw(word: str) -> bool:
    """Whether the stemmer's bare و rule applies to this word: in و, four
    letters or more, and no article group in front (stemmer.ARTICLES)."""
    return word.startswith("و") and len(word) >= 4 and not any(
        word.startswith(group) and len(word) - len(group) >= 2 for group in stemmer.ARTICLES
    )


if __name__ == "__main__":
    main()
