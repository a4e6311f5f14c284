"""Build src/archive/places_data.py: country names and their adjectives.

The names are CLDR's Arabic territory names, countries and regions (أوروبا,
آسيا), read through Babel (BSD; CLDR data under the Unicode licence),
one-word names only, plus the hand additions
below (names CLDR gives in a long form: المملكة العربية السعودية). The
adjective is made by rule: the article goes, a final ا goes (سوريا → سوري,
فرنسا → فرنسي), and ي is added where the name does not end in it (إيران → إيراني, مصر → مصري). With the corpus
at hand, an adjective is kept only if the corpus writes it with the article
often enough (الإيراني, الإيرانية ...); the stop list drops adjectives that
are also a given name or another word (تركي, مالي, كندي).

    pip install babel
    python benchmarks/build_places.py                 # unpacks ../shared/corpus
    python benchmarks/build_places.py --corpus DIR
    python benchmarks/build_places.py --no-corpus     # the rule alone

Review the printed table before committing the data file.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import tempfile
from pathlib import Path

from collisions import CORPUS_ARCHIVE, corpus_dir

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "src" / "archive" / "places_data.py"

# Names CLDR writes in a long or another form, with the adjective by rule.
HAND_ADDED = [
    "السعودية", "الإمارات", "أمريكا", "أميركا", "بريطانيا", "فلسطين", "سورية", "أفغانستان", "الشيشان",
    "الخليج",  # a region CLDR does not name: the Gulf, خليجي
]
# Adjectives that are also a given name or another common word.
STOP = {
    "تركي": "a given name (Turki)",
    "مالي": "financial",
    "كندي": "Kennedy",
    "عماني": "also of Amman (عمان)",
    "هندي": "a given name (Hindi)",
    "كوبي": "my cup (كوبي)",
    "بيروي": "not an adjective in use",
    "غاني": "a given name, and rich (غني)",
    "جورجي": "George (a given name)",
    "نيجري": "Nigerien and Nigerian written alike",
    "الباني": "the builder (ال + باني)",
    "عالمي": "global, a common adjective (the world: العالم; عالم is also a scholar)",
}
# Irregular adjectives (no rule).
IRREGULAR = {"افغانستان": "افغاني", "شيشان": "شيشاني", "نمسا": "نمساوي", "دانمرك": "دنماركي", "اسيا": "اسيوي"}
# With the corpus: the adjective with the article, all its forms together,
# at least this many times.
LEAST = 20


def without_article(written: str, name: str) -> str:
    """The normalized name without its article: as written, for ألمانيا
    normalizes to المانيا."""
    return name[2:] if written.startswith("ال") else name


def adjective(word: str) -> str | None:
    """The adjective of a normalized one-word name without its article, by rule."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    if word.endswith(("يا", "يه")):
        return word[:-1]  # سوريا → سوري, سعودية → سعودي
    if word.endswith("ي"):
        return None  # مالي, جيبوتي: the name already ends like an adjective
    if word.endswith(("ا", "ه")):
        word = word[:-1]
    return word + "ي"


def territory_names() -> list[str]:
    from babel import Locale

    # Countries (letter codes) and regions (number codes: أوروبا, آسيا).
    names = list(Locale("ar").territories.values())
    return [name for name in names if " " not in name and "-" not in name]


def corpus_counts(folder: Path) -> collections.Counter:
    from archive import analyze

    counts: collections.Counter = collections.Counter()
    for path in sorted(folder.rglob("*.txt")):
        counts.update(analyze.words(path.read_text(encoding="utf-8", errors="replace")))
    return counts


def attested(adj: str, counts: collections.Counter) -> int:
    return sum(counts["ال" + adj + ending] for ending in ("", "ه", "ين", "ون", "ات"))


def corpus_folder(args, workdir: Path) -> Path | None:
    if args.no_corpus:
        return None
    folder = corpus_dir(args, workdir)
    if folder is None:
        sys.exit(f"no corpus: {CORPUS_ARCHIVE} is absent (give --corpus DIR or --no-corpus)")
    return folder


def main() -> None:
    from archive import analyze

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="folder of documents (default: unpack ../shared/corpus)")
    parser.add_argument("--no-corpus", action="store_true", help="keep every adjective the rule makes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = corpus_folder(args, Path(tmp))
        counts = corpus_counts(folder) if folder else None
    table = {}
    for written in territory_names() + HAND_ADDED:
        name = without_article(written, analyze.normalize(re.sub("[\u064b-\u0652]", "", written)))
        adj = adjective(name)
        if adj is None or adj in STOP:
            print(f"  skipped  {written}: {STOP.get(adj, 'no adjective by rule')}")
            continue
        seen = attested(adj, counts) if counts is not None else LEAST
        if seen < LEAST:
            print(f"  rare     {written} → {adj} ({seen})")
            continue
        table[name] = adj
        print(f"{seen:>8}  {written} → {adj}")
    lines = [f'    "{name}": "{adj}",' for name, adj in sorted(table.items())]
    OUTPUT.write_text(
        '"""Generated by benchmarks/build_places.py (CLDR territory names through\n'
        'Babel, a rule, hand additions, a stop list): a country\'s normalized name,\n'
        'without its article, and its adjective.  Reviewed; edit the script, not\n'
        'this file."""\n\nADJECTIVES = {\n' + "\n".join(lines) + "\n}\n",
        encoding="utf-8",
    )
    print(f"{len(table)} names → {OUTPUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
