"""Document fields from file paths (`archive import --fields`) and the search
filters on them (`--where`, `--since`, `--until`), on generated files named
like the corpus's (`2015-07-21_okaz_00001.txt`)."""

import asyncio
import json
import re

import pytest
import sqlite_utils
from datasette.app import Datasette

PATTERN = "{date}_{source}_{n}.txt"

# name -> text: every article mentions الرياض, so a search for it finds each
# (with a word of its own, so that no two are reprints folded into one).
ARTICLES = {
    "2015-07-21_okaz_00001.txt": "أعلنت الرياض خطة المرور الجديدة",
    "2015-08-01_okaz_00002.txt": "استضافت الرياض معرض الكتاب الدولي",
    "2015-08-15_okaz_00003.txt": "شهدت الرياض أمطارا غزيرة مساء أمس",
    "2015-08-02_alriyadh_00004.txt": "افتتحت الرياض مستشفى جديدا للأطفال",
    "2015-07-30_aawsat_00005.txt": "زار وفد رسمي الرياض لبحث التعاون",
    "2015-09-01_aawsat_00006.txt": "ناقشت الرياض ملف الطاقة مع الشركاء",
}


def write_corpus(folder, articles=ARTICLES):
    folder.mkdir(exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    return folder


def import_with_fields(run, tmp_path, *options, folder="corpus"):
    write_corpus(tmp_path / folder)
    return run("import", folder, "--db", "news.db", *options)


def documents(tmp_path):
    db = sqlite_utils.Database(tmp_path / "news.db")
    return {row["path"].rsplit("/", 1)[1]: row for row in db["documents"].rows}


@pytest.fixture
def fielded(run, tmp_path):
    result = import_with_fields(run, tmp_path, "--fields", PATTERN)
    assert result.exit_code == 0, result.output
    return tmp_path / "news.db"


# --- import --fields -----------------------------------------------------------


def test_fields_become_columns_of_documents(fielded, tmp_path):
    rows = documents(tmp_path)
    okaz = rows["2015-08-01_okaz_00002.txt"]
    assert (okaz["date"], okaz["source"], okaz["n"]) == ("2015-08-01", "okaz", "00002")
    # Real columns, indexed: what Datasette facets on.
    db = sqlite_utils.Database(fielded)
    assert {"date", "source", "n"} <= set(db["documents"].columns_dict)
    assert any(index.columns == ["source"] for index in db["documents"].indexes)


def test_datasette_facets_documents_by_source_and_date(fielded):
    datasette = Datasette([str(fielded)])
    url = "/news/documents.json?_facet=source&_facet_date=date&source=okaz&_size=0"
    response = asyncio.run(datasette.client.get(url))
    assert response.status_code == 200, response.text
    facets = response.json()["facet_results"]
    assert response.json()["filtered_table_rows_count"] == 3
    assert {(row["value"], row["count"]) for row in facets["source"]["results"]} == {("okaz", 3)}
    assert {row["value"] for row in facets["date"]["results"]} == {"2015-07-21", "2015-08-01", "2015-08-15"}


def test_dates_are_parsed_to_iso_whatever_their_form(run, tmp_path):
    write_corpus(tmp_path / "corpus", {
        "20150721_okaz_1.txt": "الرياض أ",
        "2015_07_22_okaz_2.txt": "الرياض ب",
        "23-07-2015_okaz_3.txt": "الرياض ج",
    })
    result = run("import", "corpus", "--db", "news.db", "--fields", PATTERN)
    assert result.exit_code == 0, result.output
    assert sorted(row["date"] for row in documents(tmp_path).values()) == [
        "2015-07-21", "2015-07-22", "2015-07-23"]


def test_a_date_that_does_not_parse_warns_and_imports(run, tmp_path):
    write_corpus(tmp_path / "corpus", {"2015-02-30_okaz_1.txt": "الرياض أ", "2015-02-28_okaz_2.txt": "الرياض ب"})
    result = run("import", "corpus", "--db", "news.db", "--fields", PATTERN)
    assert result.exit_code == 0, result.output
    assert "warning: " in result.stderr and "2015-02-30_okaz_1.txt: date '2015-02-30' is not a date" in result.stderr
    bad = documents(tmp_path)["2015-02-30_okaz_1.txt"]
    assert (bad["date"], bad["source"], bad["paragraphs"]) == (None, "okaz", 1)


def test_a_file_the_pattern_does_not_fit_is_imported_without_fields(run, tmp_path):
    write_corpus(tmp_path / "corpus", {"notes.txt": "الرياض", "2015-07-21_okaz_1.txt": "الرياض أ"})
    result = run("import", "corpus", "--db", "news.db", "--fields", PATTERN)
    assert result.exit_code == 0
    assert "notes.txt: does not match the --fields pattern" in result.stderr
    assert documents(tmp_path)["notes.txt"]["source"] is None


def test_the_pattern_is_remembered_for_later_imports(fielded, run, tmp_path):
    (tmp_path / "corpus" / "2015-09-09_alwatan_00007.txt").write_text("الرياض جديد\n", encoding="utf-8")
    result = run("import", "corpus", "--db", "news.db")
    assert result.exit_code == 0, result.output
    new = documents(tmp_path)["2015-09-09_alwatan_00007.txt"]
    assert (new["date"], new["source"]) == ("2015-09-09", "alwatan")
    # Nothing new to warn about, and the unchanged documents keep their fields.
    assert "warning" not in result.stderr
    assert documents(tmp_path)["2015-07-21_okaz_00001.txt"]["source"] == "okaz"


def test_a_new_pattern_updates_the_fields_of_unchanged_files(fielded, run, tmp_path):
    result = run("import", "corpus", "--db", "news.db", "--fields", "{day}_{paper}_*")
    assert result.exit_code == 0, result.output
    row = documents(tmp_path)["2015-08-01_okaz_00002.txt"]
    assert (row["day"], row["paper"]) == ("2015-08-01", "okaz")
    # The old pattern's fields are cleared: the new one does not give them.
    assert (row["date"], row["source"], row["n"]) == (None, None, None)
    assert "0 updated, 6 unchanged" in result.stderr
    # Filtering by a field no document has now says so, rather than "no hits".
    for option, message in ((["--where", "source=okaz"], "--where source=okaz: no document has a source"),
                            (["--since", "2015-08"], "--since/--until: no document has a date")):
        result = run("search", "--db", "news.db", "الرياض", *option)
        assert result.exit_code == 2 and message in result.stderr, result.output
    assert "field source      no values" in run("stats", "--db", "news.db").stdout


def test_a_moved_file_takes_the_fields_of_its_new_name(fielded, run, tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "2015-07-21_okaz_00001.txt").rename(corpus / "2015-07-22_sabq_00009.txt")
    result = run("import", "corpus", "--db", "news.db")
    assert result.exit_code == 0 and "1 moved" in result.stderr
    row = documents(tmp_path)["2015-07-22_sabq_00009.txt"]
    assert (row["date"], row["source"], row["n"]) == ("2015-07-22", "sabq", "00009")


def test_a_file_moved_to_a_folder_without_a_pattern_loses_its_fields(fielded, run, tmp_path):
    """Where no pattern applies a fresh import gives no fields: so it does
    to a document moved there (it kept its old date and source)."""
    (tmp_path / "other").mkdir()
    (tmp_path / "corpus" / "2015-07-21_okaz_00001.txt").rename(tmp_path / "other" / "renamed.txt")
    result = run("import", "other", "--db", "news.db")
    assert result.exit_code == 0 and "1 moved" in result.stderr, result.stderr
    row = documents(tmp_path)["renamed.txt"]
    assert (row["date"], row["source"], row["n"]) == (None, None, None)
    assert "fields: 1 document lost its fields, under no --fields pattern" in result.stderr
    assert "fields" not in run("import", "other", "--db", "news.db").stderr  # nothing to say


def test_an_empty_pattern_forgets_the_folders_pattern_and_fields(fielded, run, tmp_path):
    result = run("import", "corpus", "--db", "news.db", "--fields", "")
    assert result.exit_code == 0, result.output
    assert "--fields '' forgot the pattern of " in result.stderr
    assert "6 documents lost their fields, under no --fields pattern" in result.stderr
    assert all(row["source"] is None for row in documents(tmp_path).values())
    (tmp_path / "corpus" / "2015-09-09_alwatan_00007.txt").write_text("الرياض جديد\n", encoding="utf-8")
    assert run("import", "corpus", "--db", "news.db").exit_code == 0
    assert documents(tmp_path)["2015-09-09_alwatan_00007.txt"]["source"] is None


def test_a_pattern_that_fits_nothing_says_it_cleared_the_fields(fielded, run, tmp_path):
    result = run("import", "corpus", "--db", "news.db", "--fields", "/abs/{x}")
    assert result.exit_code == 0, result.output
    summary = result.stderr.splitlines()[-1]
    assert summary.endswith(
        "fields from '/abs/{x}': 0 documents given new values, 6 documents lost their fields; 6 documents fit no pattern"
    ), summary


def test_an_empty_pattern_where_the_folder_has_none_says_nothing_was_forgotten(run, tmp_path):
    (tmp_path / "news").mkdir()
    write_corpus(tmp_path / "news" / "sub")
    assert run("import", "news", "--db", "news.db", "--fields", PATTERN).exit_code == 0
    result = run("import", "news/sub", "--db", "news.db", "--fields", "")
    assert result.exit_code == 0, result.output
    summary = result.stderr.splitlines()[-1]
    assert f"--fields '': {tmp_path}/news/sub has no pattern of its own to forget (that of {tmp_path}/news applies)" \
        in summary, summary
    assert documents(tmp_path)["2015-07-21_okaz_00001.txt"]["source"] == "okaz"  # the pattern of news still applies


def test_a_pattern_with_a_slash_matches_the_path_under_the_folder(run, tmp_path):
    (tmp_path / "news" / "okaz").mkdir(parents=True)
    (tmp_path / "news" / "okaz" / "2015-07-21.txt").write_text("الرياض\n", encoding="utf-8")
    result = run("import", "news", "--db", "news.db", "--fields", "{source}/{date}.txt")
    assert result.exit_code == 0, result.output
    row = documents(tmp_path)["2015-07-21.txt"]
    assert (row["source"], row["date"]) == ("okaz", "2015-07-21")


def test_an_archive_made_before_fields_gets_them_without_a_rebuild(run, tmp_path):
    assert import_with_fields(run, tmp_path).exit_code == 0
    result = run("import", "corpus", "--db", "news.db", "--fields", PATTERN)
    assert result.exit_code == 0, result.output
    assert documents(tmp_path)["2015-09-01_aawsat_00006.txt"]["source"] == "aawsat"
    assert run("check", "--db", "news.db").exit_code == 0


@pytest.mark.parametrize("pattern, message", [
    ("{Date}_{source}.txt", "bad field name 'Date'"),
    ("{path}_{source}.txt", "path is a column of the archive's documents already"),
    ("{date}_{date}.txt", "field date stands twice"),
    ("{date_{source}.txt", "unmatched brace"),
    ("plain.txt", "names no field"),
])
def test_a_bad_pattern_is_a_one_line_error(run, tmp_path, pattern, message):
    result = import_with_fields(run, tmp_path, "--fields", pattern)
    assert result.exit_code == 2
    assert result.stderr.startswith("archive: error: --fields: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1


# --- search --where / --since / --until ------------------------------------------


def hits(run, *args):
    result = run("search", "--db", "news.db", "--json", "-n", "100", "الرياض", *args)
    assert result.exit_code in (0, 1), result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def names(found):
    return sorted(hit["path"].rsplit("/", 1)[1] for hit in found)


def test_acceptance_okaz_on_or_after_the_first_of_august(fielded, run):
    found = hits(run, "--where", "source=okaz", "--since", "2015-08-01")
    assert names(found) == ["2015-08-01_okaz_00002.txt", "2015-08-15_okaz_00003.txt"]
    for hit in found:
        assert hit["fields"]["source"] == "okaz" and hit["fields"]["date"] >= "2015-08-01"


def test_each_json_hit_carries_its_documents_fields(fielded, run):
    found = hits(run)
    assert len(found) == len(ARTICLES)
    first = next(hit for hit in found if hit["path"].endswith("2015-07-30_aawsat_00005.txt"))
    assert first["fields"] == {"date": "2015-07-30", "source": "aawsat", "n": "00005"}


def test_values_of_one_field_are_ored_and_fields_anded(fielded, run):
    either = hits(run, "--where", "source=okaz", "--where", "source=aawsat")
    assert {hit["fields"]["source"] for hit in either} == {"okaz", "aawsat"} and len(either) == 5
    both = hits(run, "--where", "source=okaz", "--where", "source=aawsat", "--where", "n=00005")
    assert names(both) == ["2015-07-30_aawsat_00005.txt"]
    # A value's case does not matter; a date is written any way a date may be.
    assert names(hits(run, "--where", "source=AAWSAT", "--where", "date=30-07-2015")) == names(both)
    # Nor do spaces around the =.
    assert names(hits(run, "--where", "source = aawsat ", "--where", "n= 00005")) == names(both)


def test_until_includes_its_day_and_a_month_stands_for_its_days(fielded, run):
    assert names(hits(run, "--until", "2015-07-30")) == ["2015-07-21_okaz_00001.txt", "2015-07-30_aawsat_00005.txt"]
    august = hits(run, "--since", "2015-08", "--until", "2015-08")
    assert {hit["fields"]["date"][:7] for hit in august} == {"2015-08"} and len(august) == 3


def test_dates_in_arabic_indic_digits_filter_as_their_iso_dates(fielded, run):
    for since, until in (("٢٠١٥-٠٨", "٢٠١٥-٠٨"), ("٢٠١٥", "٢٠١٥"), ("۲۰۱۵", "2015")):
        ascii_since, ascii_until = ("2015-08", "2015-08") if "-" in since else ("2015", "2015")
        assert names(hits(run, "--since", since, "--until", until)) == names(
            hits(run, "--since", ascii_since, "--until", ascii_until)
        )
    assert names(hits(run, "--since", "٢٠١٦")) == []
    assert names(hits(run, "--until", "٢٠١٤")) == []


def test_filters_act_before_the_limit_and_the_count(fielded, run):
    # The one best hit among aawsat's, not the best hit overall filtered away.
    assert len(hits(run, "-n", "1", "--where", "source=aawsat")) == 1
    result = run("search", "--db", "news.db", "--count", "--where", "source=okaz", "الرياض")
    assert result.stdout.startswith("3 paragraphs") and "in 3 documents" in result.stdout


def test_files_lists_each_documents_fields_after_its_path(fielded, run):
    result = run("search", "--db", "news.db", "--files", "--where", "source=alriyadh", "الرياض")
    assert result.stdout == "corpus/2015-08-02_alriyadh_00004.txt\tdate=2015-08-02\tsource=alriyadh\tn=00004\n"
    result = run("search", "--db", "news.db", "--files", "--json", "--where", "n=00004", "الرياض")
    assert json.loads(result.stdout)["fields"]["source"] == "alriyadh"


def test_stats_shows_documents_per_source_and_the_date_range(fielded, run):
    facts = json.loads(run("stats", "--db", "news.db", "--json").stdout)["fields"]
    assert facts["source"] == {"documents": 6, "values": {"okaz": 3, "aawsat": 2, "alriyadh": 1}}
    assert facts["date"] == {"documents": 6, "first": "2015-07-21", "last": "2015-09-01"}
    text = run("stats", "--db", "news.db").stdout
    assert re.search(r"^field source +okaz 3, aawsat 2, alriyadh 1$", text, re.M)
    assert re.search(r"^field date +2015-07-21 \.\. 2015-09-01 \(6 documents\)$", text, re.M)


@pytest.mark.parametrize("args, message", [
    (["--where", "paper=okaz"], "--where paper=okaz: no field paper in this archive (its fields: date, source, n)"),
    (["--where", "source"], "--where source: write FIELD=VALUE"),
    (["--where", "date=yesterday"], "--where date=yesterday: not a date"),
    (["--since", "2015-02-30"], "--since 2015-02-30: not a date"),
    (["--until", "soon"], "--until soon: not a date"),
    (["--since", "2015-09", "--until", "2015-08-31"], "--since 2015-09 is after --until 2015-08-31: no date can be both"),
])
def test_bad_filters_are_one_line_errors(fielded, run, args, message):
    result = run("search", "--db", "news.db", "الرياض", *args)
    assert result.exit_code == 2
    assert result.stderr == f"archive: error: {message}" + result.stderr.split(message, 1)[1]
    assert len(result.stderr.splitlines()) == 1


def test_dates_in_an_archive_without_fields_are_an_error(run, tmp_path):
    assert import_with_fields(run, tmp_path).exit_code == 0
    result = run("search", "--db", "news.db", "--since", "2015-08-01", "الرياض")
    assert result.exit_code == 2 and "this archive's documents have no date" in result.stderr
    result = run("search", "--db", "news.db", "--where", "source=okaz", "الرياض")
    assert result.exit_code == 2 and "it has no fields" in result.stderr
    # Without fields, hits still carry an (empty) "fields".
    assert all(hit["fields"] == {} for hit in hits(run))
