"""benchmarks/build_whole.py mines the words whose first letters look like
"and" or the article but are their own (stemmer.KEPT_WHOLE) from a corpus:
here a corpus written for the test, whose counts decide each rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "build_whole.py"


def mined(tmp_path, lines: list[str]) -> dict:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number, line in enumerate(lines):
        (corpus / f"{number:04}.txt").write_text(line + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(SCRIPT), "--corpus", str(corpus)],
                          capture_output=True, text=True, timeout=120, check=True)
    found: dict = {}
    exec(done.stdout, found)  # the module it prints
    return found


def test_the_rules_decide_by_the_corpus(tmp_path):
    found = mined(tmp_path, [
        # A word in و written with the article (never before "and"): kept;
        *["قال الوزير"] * 5, *["وزير الخارجية"] * 20,
        # "and" + a word, never with the article in front: not kept;
        *["وقال المتحدث"] * 30, *["قال المتحدث"] * 100,
        # a word in ال written with its hamza: kept; the article + a word: not;
        *["ألوان زاهية"] * 25, *["فتح الباب"] * 30,
        # a kept stem's form that is mostly "and" + another word: split anyway.
        *["الوالد الكريم"] * 10, *["والد الطفل"] * 25, *["العلم والدين"] * 5, *["الدين الحنيف"] * 100,
        *["آلاف الناس"] * 25, *["مكافحة الآفة"] * 5,
        # a word an article group in و would take, with "and" in front of it.
        *["قال والدي"] * 20, *["ووالدي معي"] * 5,
    ])
    kept, split = found["KEPT_WHOLE"], found["SPLIT_ANYWAY"]
    assert {"وزير", "الوان", "والد", "الاف", "والدي"} <= kept
    assert not {"وقال", "قال", "الباب"} & kept
    assert {"والدين", "الافه"} <= split and not {"والد", "الاف"} & split
