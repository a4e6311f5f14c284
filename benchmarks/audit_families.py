"""List the derivational families (src/archive/families.py) the corpus holds,
most written first, for review: each family's form and root, then its
verbal noun, past, present and participle stems with how often the corpus
writes a form of each.

A family whose members a reader would not count as one word (مستقبل the
future against استقبال reception) goes into families.STOP, with why; a
pattern that finds unrelated words is fixed in the rules.  The review's
record is docs/query-grammar.md ("A word's family").

    python benchmarks/audit_families.py                 # unpacks ../shared/corpus
    python benchmarks/audit_families.py --corpus DIR    # an unpacked corpus
    python benchmarks/audit_families.py --top 300 --least 20

Without the corpus the script says so and stops.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from archive import analyze, families  # noqa: E402
from collisions import CORPUS_ARCHIVE, corpus_dir  # noqa: E402


def normalized_counts(folder: Path) -> collections.Counter:
    counts: collections.Counter = collections.Counter()
    for path in sorted(folder.rglob("*.txt")):
        counts.update(analyze.words(path.read_text(encoding="utf-8", errors="replace")))
    return counts


def found_families(counts: collections.Counter, least: int) -> dict[tuple[str, str], dict[str, int]]:
    """(form, root) → the corpus words of that family and their counts,
    for the families some word written at least `least` times is in."""
    found: dict[tuple[str, str], dict[str, int]] = {}
    for word, number in counts.items():
        if number < least:
            continue
        for form, root in families.readings(word):
            key = (form.name, root)
            if key not in found:
                forms = families.family(form, root).forms
                found[key] = {w: counts[w] for w in forms if w in counts}
    return found


def report(found: dict[tuple[str, str], dict[str, int]], top: int) -> list[str]:
    """A line per family, most written first: each role's most written form
    and how often the role's forms are written."""
    lines = []
    ranked = sorted(found.items(), key=lambda item: -sum(item[1].values()))
    forms = {form.name: form for form in families.FORMS}
    for (form_name, root), members in ranked[:top]:
        by_role = []
        for role, written in families.family(forms[form_name], root).roles.items():
            present = {w: members[w] for w in written if w in members}
            best = max(present, key=present.get) if present else "-"
            by_role.append(f"{role} {best} {sum(present.values())}")
        lines.append(f"{form_name:4} {root}  {sum(members.values()):6}  " + ", ".join(by_role))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="folder of documents (default: unpack ../shared/corpus)")
    parser.add_argument("--top", type=int, default=200, help="families listed")
    parser.add_argument("--least", type=int, default=10, help="times a word is written to find its families")
    args = parser.parse_args()
    if args.corpus and not Path(args.corpus).is_dir():
        sys.exit(f"audit_families: error: no folder {args.corpus}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = corpus_dir(args, Path(tmp))
        counts = normalized_counts(folder) if folder else None
    if counts is None:
        print(f"skipped: no corpus ({CORPUS_ARCHIVE} is absent; give --corpus DIR)")
        return
    found = found_families(counts, args.least)
    print(f"{len(found)} families found from words written {args.least} times or more")
    print("\n".join(report(found, args.top)))


if __name__ == "__main__":
    main()
