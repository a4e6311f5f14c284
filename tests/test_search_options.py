"""Search options on the team's seeds: context, path and document filters,
--files, --count, paging and sort, in text and JSON.

`news_db` is a copy of the seeds in ./news, so paths display as news/NAME.
"""

import json

import pytest

from conftest import SEEDS

FORCES = "news/07-forces-security.txt"


def hits_of(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def search(run, db, *args):
    return run("search", "--db", db, *args)


def all_hits(run, db, *args):
    """Every matching paragraph, copies included, best first."""
    return hits_of(search(run, db, "--json", "--show-duplicates", "-n", "1000", *args))


def short(path):
    return path.rsplit("/", 1)[1]


# --- context -----------------------------------------------------------------


def test_context_shows_paragraphs_around_a_hit_like_grep(news_db, run):
    # الشغب stands only in paragraph 4 of the forces article.
    result = search(run, news_db, "-C", "1", "--color", "never", "الشغب")
    assert result.exit_code == 0
    headers = [line for line in result.stdout.splitlines() if line.startswith("news/")]
    assert headers == [f"{FORCES}-3", f"{FORCES}:4", f"{FORCES}-5"]


def test_overlapping_contexts_merge_into_one_block(news_db, run):
    # قوات: paragraphs 1, 2, 3 and 5 of the forces article, all within reach.
    result = search(run, news_db, "-C", "1", "--color", "never", "قوات")
    headers = [line for line in result.stdout.splitlines() if line.startswith("news/")]
    assert headers == [f"{FORCES}:1", f"{FORCES}:2", f"{FORCES}:3", f"{FORCES}-4", f"{FORCES}:5"]
    assert "--" not in result.stdout.splitlines()


def test_blocks_of_different_documents_are_separated(news_db, run):
    result = search(run, news_db, "-C", "1", "--color", "never", "التناضح")
    lines = result.stdout.splitlines()
    assert "--" not in lines  # one hit, one block (its reprint folded)
    result = search(run, news_db, "-C", "1", "--color", "never", "--show-duplicates", "التناضح")
    lines = result.stdout.splitlines()
    assert lines.count("--") == 1
    documents = {line.split(":")[0].split("-", 1)[0] for line in lines if line.startswith("news/")}
    assert len(documents) == 2


def test_context_is_dimmed_in_colour(news_db, run):
    result = search(run, news_db, "-C", "1", "--color", "always", "الشغب")
    assert "\x1b[2m" in result.stdout
    assert result.stdout.count("\x1b[2m") == 2  # paragraphs 3 and 5, not the hit


def test_context_in_json(news_db, run):
    [hit] = hits_of(search(run, news_db, "--json", "-C", "2", "الشغب"))
    assert [p["paragraph"] for p in hit["context"]["before"]] == [2, 3]
    assert [p["paragraph"] for p in hit["context"]["after"]] == [5]  # the last one
    plain = hits_of(search(run, news_db, "--json", "الشغب"))
    assert "context" not in plain[0]
    assert hit["context"]["after"][0]["text"] == all_hits(run, news_db, "--exact", "قواتنا")[0]["text"]


# --- filters -----------------------------------------------------------------


def test_path_glob_without_slash_matches_the_file_name(news_db, run):
    everything = {short(h["path"]) for h in all_hits(run, news_db, "المياه")}
    only = {short(h["path"]) for h in all_hits(run, news_db, "--path", "09-*", "المياه")}
    assert len(everything) > 1
    assert only == {"09-desalinated-water-coast.txt"}
    # The folder is not part of a file name.
    assert search(run, news_db, "--path", "news*", "المياه").exit_code == 1
    # [!...] negates, as in the shell and import --glob ([^...] too).
    for negated in ("0[!9]-*", "0[^9]-*", "news/0[!9]-*"):
        assert {short(h["path"]) for h in all_hits(run, news_db, "--path", negated, "المياه")} == everything - only


def test_path_globs_are_ored(news_db, run):
    paths = {short(h["path"]) for h in all_hits(run, news_db, "--path", "09-*", "--path", "01-*", "المياه")}
    assert paths == {"09-desalinated-water-coast.txt", "01-municipal-budget.txt"}


def test_path_glob_with_slash_matches_relative_or_absolute_path(news_db, run, tmp_path):
    relative = all_hits(run, news_db, "--path", "news/0[89]-*", "المياه")
    absolute = all_hits(run, news_db, "--path", f"{tmp_path}/news/0[89]-*", "المياه")
    dotted = all_hits(run, news_db, "--path", "./news/0[89]-*", "المياه")
    assert relative == absolute == dotted
    assert {short(h["path"]) for h in relative} == {
        "08-desalination-plant.txt",
        "09-desalinated-water-coast.txt",
    }
    assert search(run, news_db, "--path", "elsewhere/*", "المياه").exit_code == 1
    folder = all_hits(run, news_db, "--path", "news/", "المياه")
    assert folder == all_hits(run, news_db, "المياه")


def test_filters_apply_before_the_limit(news_db, run):
    # The document whose best paragraph ranks last: unfiltered, a limit of 1
    # never reaches it.
    documents = search(run, news_db, "-l", "--color", "never", "المياه").stdout.splitlines()
    last = short(documents[-1])
    assert len(documents) > 1
    assert short(hits_of(search(run, news_db, "--json", "--limit", "1", "المياه"))[0]["path"]) != last
    [hit] = hits_of(search(run, news_db, "--json", "--limit", "1", "--path", last, "المياه"))
    assert short(hit["path"]) == last


def test_doc_narrows_to_one_document(news_db, run):
    hits = all_hits(run, news_db, "--doc", FORCES, "الأمن")
    assert hits and {short(h["path"]) for h in hits} == {short(FORCES)}
    result = search(run, news_db, "--doc", "news/nothing.txt", "الأمن")
    assert result.exit_code == 2
    assert result.stderr == "archive: error: news/nothing.txt is not in the archive\n"


# --- documents, counts ------------------------------------------------------


@pytest.mark.parametrize("query", ["المياه", "في", "في من", "على", "ا*"])
def test_files_lists_documents_best_first(news_db, run, query):
    """In the order of their best paragraphs as the search ranks them (on
    these, FTS5's bm25 orders some documents otherwise), page by page."""
    result = search(run, news_db, "--files", "--color", "never", "-n", "100", query)
    assert result.exit_code == 0
    ranked = all_hits(run, news_db, query)
    best_first = list(dict.fromkeys(h["path"] for h in ranked))
    assert result.stdout.splitlines() == ["news/" + short(p) for p in best_first]
    paged = [search(run, news_db, "--files", "--color", "never", "-n", "2", "--offset", str(at), query).stdout
             for at in range(0, len(best_first), 2)]
    assert "".join(paged).splitlines() == result.stdout.splitlines()


def test_files_json_counts_matching_paragraphs_per_document(news_db, run):
    documents = hits_of(search(run, news_db, "-l", "--json", "المياه"))
    ranked = all_hits(run, news_db, "المياه")
    assert {d["path"]: d["paragraphs"] for d in documents} == {
        path: sum(h["path"] == path for h in ranked) for path in {h["path"] for h in ranked}
    }
    assert [d["score"] for d in documents] == sorted(d["score"] for d in documents)


def test_count(news_db, run):
    result = search(run, news_db, "--count", "قوات")
    ranked = all_hits(run, news_db, "قوات")
    assert result.stdout == f"{len(ranked)} paragraphs ({len(ranked)} without reprints) in 1 document\n"
    assert search(run, news_db, "--count", "زرافة").exit_code == 1


# --- paging and sort ----------------------------------------------------------


def test_offset_pages_through_results(news_db, run):
    ranked = hits_of(search(run, news_db, "--json", "-n", "100", "المياه"))
    assert len(ranked) >= 4
    page = hits_of(search(run, news_db, "--json", "-n", "2", "--offset", "2", "المياه"))
    assert page == ranked[2:4]
    past = search(run, news_db, "--offset", str(len(ranked)), "المياه")
    assert past.exit_code == 1 and past.stdout == ""


def test_more_is_said_only_when_more_follow(news_db, run):
    ranked = hits_of(search(run, news_db, "--json", "-n", "100", "المياه"))
    exactly = search(run, news_db, "-n", str(len(ranked)), "المياه")
    assert exactly.exit_code == 0 and "more with" not in exactly.stderr
    fewer = search(run, news_db, "-n", str(len(ranked) - 1), "المياه")
    assert "(more with --offset or --limit)" in fewer.stderr
    documents = search(run, news_db, "--files", "-n", "100", "المياه").stdout.splitlines()
    assert "more with" not in search(run, news_db, "--files", "-n", str(len(documents)), "المياه").stderr
    assert "(more with --offset)" in search(run, news_db, "--files", "-n", str(len(documents) - 1), "المياه").stderr


def test_huge_limits_offsets_and_contexts_are_as_good_as_all(news_db, run):
    ranked = hits_of(search(run, news_db, "--json", "-n", "100", "المياه"))
    copies = all_hits(run, news_db, "المياه")
    huge = "99999999999999999999"
    for options, expected in ((["-n", huge], ranked), (["-n", huge, "--sort", "path"], ranked),
                              (["-n", huge, "--show-duplicates"], copies)):
        result = search(run, news_db, "--json", *options, "المياه")
        assert result.exit_code == 0 and len(hits_of(result)) == len(expected), options
    past = search(run, news_db, "--offset", huge, "المياه")
    assert past.exit_code == 1 and "Traceback" not in past.output
    # The message names the offset typed, not the one it was taken as.
    assert f"--offset {huge} is past the end" in past.stderr
    past = search(run, news_db, "--files", "--offset", huge, "المياه")
    assert past.exit_code == 1 and f"--offset {huge} is past the end" in past.stderr
    # A context longer than any document: whole documents, as -C 1000 gives.
    whole = search(run, news_db, "-C", "1000", "--color", "never", "الشغب")
    assert search(run, news_db, "-C", huge, "--color", "never", "الشغب").stdout == whole.stdout
    assert search(run, news_db, "--json", "-C", huge, "الشغب").exit_code == 0
    # Only the far end is clamped: none, or fewer than none, is an error.
    for options in (["-n", "0"], ["-n", "-5"], ["--offset", "-1"]):
        result = search(run, news_db, *options, "المياه")
        assert result.exit_code == 2 and "is not in the range" in result.stderr, options


def test_offset_stops_at_the_window_the_search_page_has(news_db, run, monkeypatch):
    """Best first, --offset goes as deep as the search page's pages: past
    the window it is refused with the page's words; past the end it still
    says that; in path order, and with --limit, it goes on."""
    from archive import present

    ranked = hits_of(search(run, news_db, "--json", "-n", "100", "المياه"))
    documents = search(run, news_db, "--files", "-n", "100", "المياه").stdout.splitlines()
    assert len(ranked) > 3 and len(documents) > 3
    monkeypatch.setattr(present, "WINDOW", 3)
    assert hits_of(search(run, news_db, "--json", "--offset", "2", "-n", "100", "المياه")) == ranked[2:]
    for listing in ([], ["--files"]):
        refused = search(run, news_db, *listing, "--offset", "3", "المياه")
        assert refused.exit_code == 2 and refused.stdout == "", listing
        assert "--offset 3 is past the first 3 results, as deep as pages go: the search found " in refused.stderr
        assert refused.stderr.endswith("add words or filters to narrow it, or list more at once with --limit\n")
    past = search(run, news_db, "--offset", str(len(ranked)), "المياه")
    assert past.exit_code == 1 and f"--offset {len(ranked)} is past the end" in past.stderr
    by_path = hits_of(search(run, news_db, "--json", "--sort", "path", "-n", "100", "المياه"))
    assert hits_of(search(run, news_db, "--json", "--sort", "path", "--offset", "3", "-n", "100", "المياه")) == by_path[3:]


def test_files_past_the_count_cap_speak_of_documents(news_db, run, monkeypatch):
    """Past the cap only the paragraphs are counted: --files, which lists
    documents, says its documents hold more than that many."""
    from archive import counts, present

    monkeypatch.setattr(counts, "COUNT_CAP", 2)
    past = search(run, news_db, "--files", "--offset", "100", "المياه")
    assert past.exit_code == 1
    assert past.stderr.endswith("is past the end, the search found documents holding more than 2 paragraphs\n")
    monkeypatch.setattr(present, "WINDOW", 3)
    refused = search(run, news_db, "--files", "--offset", "3", "المياه")
    # The count stopped short of the window: it says so.
    stops = ", where its count stops;"
    assert refused.exit_code == 2 and f"the search found documents holding more than 2 paragraphs{stops}" in refused.stderr
    refused = search(run, news_db, "--offset", "3", "المياه")  # paragraphs, as before
    assert refused.exit_code == 2 and f"the search found more than 2 paragraphs{stops}" in refused.stderr


def test_sort_by_path_then_paragraph(news_db, run):
    hits = hits_of(search(run, news_db, "--json", "-n", "100", "--sort", "path", "المياه"))
    places = [(h["path"], h["paragraph"]) for h in hits]
    assert places == sorted(places)
    ranked = hits_of(search(run, news_db, "--json", "-n", "100", "المياه"))
    assert sorted(places) == sorted((h["path"], h["paragraph"]) for h in ranked)
    assert places != [(h["path"], h["paragraph"]) for h in ranked]


def test_files_sorted_by_path(news_db, run):
    lines = search(run, news_db, "-l", "--sort", "path", "--color", "never", "المياه").stdout.splitlines()
    assert lines == sorted(lines) and len(lines) > 1


# --- bad combinations ---------------------------------------------------------


def test_contradictory_options_are_one_line_errors(news_db, run):
    for args in (["--files", "--count"], ["--files", "-C", "1"], ["--count", "-C", "2"]):
        result = search(run, news_db, *args, "المياه")
        assert result.exit_code == 2, args
        assert result.stderr.startswith("archive: error: ") and result.stderr.count("\n") == 1


def test_seed_copies_are_the_seeds(news_db, run):
    """news_db really holds every seed (the tests above rely on it)."""
    lines = search(run, news_db, "-l", "-n", "100", "--sort", "path", "--color", "never", "في").stdout
    assert {short(line) for line in lines.splitlines()} <= {p.name for p in SEEDS.glob("*.txt")}


def test_a_paragraph_or_document_has_one_score_whatever_the_order(news_db, run, monkeypatch):
    """--sort path gives each paragraph, and each document (its best
    paragraph's), the score the ranking gives it: FTS5's bm25 was shown."""
    from archive import search as archive_search

    for query in ("المياه", "قوات الأمن", "المياه OR الأمن", "الأمن -قوات"):
        by_rank = {(hit["path"], hit["paragraph"]): hit["score"] for hit in all_hits(run, news_db, query)}
        by_path = all_hits(run, news_db, "--sort", "path", query)
        assert by_rank and {(hit["path"], hit["paragraph"]): hit["score"] for hit in by_path} == by_rank, query
        documents = {hit["path"]: hit["score"] for hit in hits_of(search(run, news_db, "--json", "-l", query))}
        listed = hits_of(search(run, news_db, "--json", "-l", "--sort", "path", query))
        assert {hit["path"]: hit["score"] for hit in listed} == documents, query
    # Many paragraphs are scored from the cells, not their texts: the same scores.
    monkeypatch.setattr(archive_search, "_SCORED_FROM_TEXT", 1)
    assert {(hit["path"], hit["paragraph"]): hit["score"] for hit in all_hits(run, news_db, "--sort", "path", "المياه")} == {
        (hit["path"], hit["paragraph"]): hit["score"] for hit in all_hits(run, news_db, "المياه")}
