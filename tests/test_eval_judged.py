"""The pure logic of benchmarks/eval_judged.py: judgment files, samples and
scores (the judged figures themselves need the corpus and are in docs/)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load():
    spec = importlib.util.spec_from_file_location("eval_judged", BENCHMARKS / "eval_judged.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_judged"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


ej = _load()


def test_a_changed_paragraph_is_unjudged():
    text = "نص الفقرة"
    judged = ej.Judged(ej.parse_judgments([f"school\ta.txt\t3\t{ej.text_hash(text)}\t1"]))
    assert judged.verdict("school", "a.txt", 3, ej.text_hash(text)) is True
    assert judged.verdict("school", "a.txt", 3, ej.text_hash(text + ".")) is None
    assert judged.verdict("school", "a.txt", 4, ej.text_hash(text)) is None
    assert judged.verdict("house", "a.txt", 3, ej.text_hash(text)) is None


def test_the_last_judgment_wins_and_pending_rows_are_skipped():
    rows = ej.parse_judgments(
        ["# a comment", "", "q\ta.txt\t1\tabc\t1", "q\ta.txt\t1\tabc\t0\tlook-alike", "q\tb.txt\t2\tdef\t?"]
    )
    assert len(rows) == 2 and rows[1].note == "look-alike"
    judged = ej.Judged(rows)
    assert judged.verdict("q", "a.txt", 1, "abc") is False
    assert judged.verdict("q", "b.txt", 2, "def") is None


def test_a_malformed_row_is_refused_with_its_line():
    with pytest.raises(ValueError, match="line 2"):
        ej.parse_judgments(["q\ta.txt\t1\tabc\t1", "q\ta.txt\t1\tabc\tyes"])


def test_format_and_parse_round_trip():
    row = ej.Judgment("Q", "a.txt", 7, "0123456789", False, "Misrata")
    assert ej.parse_judgments([ej.format_judgment(row)]) == [row]


def test_score_leaves_unjudged_results_out_of_precision():
    verdicts = {"p1": True, "p2": True, "p3": False, "p4": True}
    s = ej.score({"p1", "p3", "new"}, verdicts)
    assert (s.hits, s.found, s.relevant, s.unjudged) == (1, 2, 3, 1)
    assert s.recall == pytest.approx(1 / 3)
    assert s.precision == pytest.approx(1 / 2)


def test_pooled_scores_add_up():
    total = ej.Score()
    total.add(ej.score({"a"}, {"a": True, "b": True}))
    total.add(ej.score({"c", "d"}, {"c": True, "d": False}))
    assert (total.hits, total.found, total.relevant) == (2, 3, 3)


def test_precision_at_10_counts_unjudged_as_not_relevant():
    assert ej.precision_at([True] * 8 + [None, False]) == (0.8, 1)
    assert ej.precision_at([True, True]) == (1.0, 0)
    assert ej.precision_at([]) == (1.0, 0)


def test_led_by_a_lookalike_only_when_the_first_is_judged_wrong():
    assert ej.led_by_lookalike([False, True])
    assert not ej.led_by_lookalike([None, False])
    assert not ej.led_by_lookalike([True, False])
    assert not ej.led_by_lookalike([])


def test_samples_are_stable_and_about_one_in_every():
    names = [f"2015-08-01_src_{i:05}.txt" for i in range(4000)]
    chosen = [n for n in names if ej.in_sample("school", n, 20)]
    assert chosen == [n for n in names if ej.in_sample("school", n, 20)]
    assert 140 < len(chosen) < 260
    assert chosen != [n for n in names if ej.in_sample("house", n, 20)]
    assert all(ej.in_sample("school", n, 1) for n in names[:10])


def test_add_appends_judged_lines_to_the_right_file(tmp_path, monkeypatch):
    monkeypatch.setattr(ej, "GROUP_JUDGMENTS", tmp_path / "groups.tsv")
    monkeypatch.setattr(ej, "TOP10_JUDGMENTS", tmp_path / "top10.tsv")
    monkeypatch.setattr(ej, "HERE", tmp_path / "benchmarks")
    (tmp_path / "groups.tsv").write_text("school\told.txt\t1\taaa\t1\n", encoding="utf-8")
    pending = tmp_path / "todo.tsv"
    pending.write_text(
        "school\ta.txt\t2\tbbb\t0\tcontext words\n"
        "Q:مصر\tb.txt\t0\tccc\t0\tcontext\tMisrata\n"
        "Q:مصر\tc.txt\t1\tddd\t?\tnot judged yet\n",
        encoding="utf-8",
    )
    ej.add_judgments(pending)
    groups = (tmp_path / "groups.tsv").read_text(encoding="utf-8").splitlines()
    assert groups == ["school\told.txt\t1\taaa\t1", "school\ta.txt\t2\tbbb\t0"]
    assert (tmp_path / "top10.tsv").read_text(encoding="utf-8") == "مصر\tb.txt\t0\tccc\t0\tMisrata\n"


def test_marked_brackets_the_spans():
    assert ej.marked("قال الوزير أمس", [(4, 10)]) == "قال [الوزير] أمس"
    assert ej.marked("لا شيء هنا", []) == "لا شيء هنا"


def test_the_stored_judgments_hold_no_corpus_text():
    """Rows are key, article, paragraph, hash, verdict and a short note: the
    repository never keeps the corpus's paragraphs."""
    groups = json.loads((BENCHMARKS / "judgments" / "groups.json").read_text(encoding="utf-8"))
    first = [g for g in groups if g.get("round", 1) == 1]
    assert len(first) >= 40 and sum(g["held_out"] for g in first) * 2 == len(first)
    for name in ("groups.tsv", "top10.tsv"):
        for line in (BENCHMARKS / "judgments" / name).read_text(encoding="utf-8").splitlines():
            cells = line.split("\t")
            assert len(cells) in (5, 6) and cells[4] in ("0", "1") and len(cells[3]) == 10
            assert len(cells) == 5 or len(cells[5]) <= 60


def test_round_two_groups_are_all_held_out_and_judged_apart():
    """Round 1 keeps its tuning/held-out halves; round 2 (chosen and judged
    after the rules were set) is held out whole and has a table of its own."""
    groups = ej.load_groups()
    fresh = [g for g in groups if g.round == 2]
    assert len(fresh) >= 12 and all(g.held_out for g in fresh)
    assert {g.round for g in groups} == {1, 2}
    sets = dict(ej.group_sets(groups))
    assert len(sets) == 3 and sum(len(chosen) for chosen in sets.values()) == len(groups)
    assert sets["fresh held-out groups (round 2, judged after the rules were set)"] == fresh
    assert all(not g.held_out and g.round == 1 for g in sets["concept groups used for tuning"])
    assert all(g.held_out and g.round == 1 for g in sets["held-out concept groups"])


def test_the_pooled_row_adds_every_round(capsys):
    one = {s: ej.score({"a", "x"}, {"a": True, "b": True, "x": False}) for s in ej.SYSTEMS}
    two = {s: ej.score({"c"}, {"c": True, "d": True}) for s in ej.SYSTEMS}
    everything = ej.pool([one, two])
    assert (everything["archive"].hits, everything["archive"].found, everything["archive"].relevant) == (2, 3, 4)
    ej.print_pooled_table([("first", one), ("fresh", two)])
    last = capsys.readouterr().out.strip().splitlines()[-1].split()
    assert last[:4] == ["all", "judged", "groups", "4"] and last[4:6] == ["0.500", "0.667"]


def test_a_malformed_judgment_file_is_a_one_line_error(tmp_path):
    bad = tmp_path / "todo.tsv"
    bad.write_text("school\ta.txt\t1\tabc\tmaybe\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "eval_judged.py"), "--add", str(bad)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "eval_judged: error: line 1: want key, article, paragraph, hash, 0/1 (tab-separated)"


def test_without_the_corpus_the_evaluation_is_skipped(tmp_path, monkeypatch, capsys):
    sys.path.insert(0, str(BENCHMARKS))
    import eval_stemming

    monkeypatch.setattr(eval_stemming, "CORPUS_ARCHIVE", tmp_path / "absent.tar.xz")
    args = argparse.Namespace(corpus=None, db=None)
    with eval_stemming.corpus_and_archive(args, need_folder=False) as (folder, db_path):
        assert (folder, db_path) == (None, None)
    assert "skipped: no corpus" in capsys.readouterr().err
