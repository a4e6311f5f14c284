"""The archive's own pages in Datasette: the search page and the article page.

* ``/DB/search?q=...`` (and ``search.json``, ``search.csv``): the totals of
  `archive search --count`, one page of hits with reprints folded as
  `archive search` folds them, facets by source and by month when the
  archive has those fields, and --where/--since/--until as URL parameters;
* ``/DB/article/ID``: one document to read, every paragraph in order, the
  hit paragraph marked and scrolled to.

Everything comes from search.py's functions, on one snapshot of the archive,
under Datasette's time limit.  Datasette routes plugin pages before its own;
so that /DB/search of a database that is not an archive stays Datasette's
(a table named search, say), these pages live at internal paths and the
plugin's request rewriting sends only archives' URLs there (internal_scope).
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import threading
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import quote, unquote, urlencode

from datasette.utils import sqlite_timelimit, tilde_decode
from datasette.utils.asgi import NotFound

from . import datasette_pages as pages
from .datasette_plugin import SERVE_TIME_LIMIT_MS, is_archive_database
from .db import ArchiveError, Reader, analyzer_mismatch
from .documents import paragraphs_of
from .fields import DATE, date_bound, field_names, fields_by_path
from .filters import search_filters
from .highlight import Highlighter
from .index import index_mismatch
from .present import WINDOW, format_counts, known_totals, past_the_window, reprint_note
from .query import QueryError, parse
from .rank import time_limit
from .counts import Counts, ascii_folded, count_with_facets
from .search import Hit, fill_duplicates, index_lookup, one_snapshot, ranked_page
from .sqlite import sqlite3

PAGE_SIZE = 20
LAST_PAGE = WINDOW // PAGE_SIZE  # as deep as pages go (present.WINDOW)
# Longer page numbers and document ids are not numbers these pages take.
_PAGE_DIGITS = 9
_ID_DIGITS = 18
SEARCH_ROUTE = "/-/archive-search/"
ARTICLE_ROUTE = "/-/archive-article/"
# Facets: a name, the field it needs, what it counts by.
FACETS = (("source", "source", 'documents."source"'), ("month", DATE, 'substr(documents."date", 1, 7)'))


# --- what the URL asks for ----------------------------------------------------------


@dataclass(frozen=True)
class SearchForm:
    """The search page's parameters: q, where (FIELD=VALUE, repeatable), since, until,
    month, page, and lexicon=0 (`archive search --no-lexicon`).

    month is the month facet's: a month chosen within since and until, a
    parameter of its own so that dropping it gives back the dates asked for."""

    q: str | None = None
    where: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    month: str | None = None
    page: int = 1
    lexicon: bool = True

    @classmethod
    def from_args(cls, args) -> SearchForm:
        # A page number refused (page_error) stands for page 1 in the page's links.
        page = 1 if cls.page_error(args) else int(args.get("page") or "1")
        return cls(
            q=args.get("q"),
            where=tuple(value for value in args.getlist("where") if value),
            since=args.get("since") or None,
            until=args.get("until") or None,
            month=args.get("month") or None,
            page=page,
            lexicon=args.get("lexicon") != "0",
        )

    @staticmethod
    def page_error(args) -> str | None:
        """What is wrong with the page number asked for, if anything: not
        silently page 1, which would pass for the page asked for."""
        page = args.get("page") or "1"
        if re.fullmatch(f"[0-9]{{1,{_PAGE_DIGITS}}}", page) and int(page) > 0:
            return None
        shown = page if len(page) <= 20 else page[:20] + "…"
        return f"page {shown}: not a page number (write a whole number from 1 to {'9' * _PAGE_DIGITS})"

    def params(self, **changes) -> list[tuple[str, str]]:
        form = dataclasses.replace(self, **changes)
        pairs = [("q", form.q)] if form.q is not None else []
        pairs += [("where", item) for item in form.where]
        pairs += [(name, getattr(form, name)) for name in _DATES if getattr(form, name)]
        pairs += [] if form.lexicon else [("lexicon", "0")]
        return pairs + ([("page", str(form.page))] if form.page > 1 else [])

    def query_string(self, **changes) -> str:
        return urlencode(self.params(**changes))

    def filters_shown(self) -> list[tuple[str, str]]:
        """The filters in force, as (label, query string without it)."""
        shown = [(_where_label(item), self.query_string(where=tuple(w for w in self.where if w != item), page=1))
                 for item in self.where]
        shown += [(f"{name} {getattr(self, name)}", self.query_string(**{name: None}, page=1))
                  for name in _DATES if getattr(self, name)]
        return shown

    def dates(self) -> tuple[str | None, str | None]:
        """The since and until searched within: those asked for, narrowed
        to the month chosen, which must be within them."""
        if self.month is None:
            return self.since, self.until
        if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", self.month) or self.month < "0001":
            raise ArchiveError(f"month {self.month}: not a month (write YYYY-MM)")
        since, until = _later(self.since, self.month, end=False), _later(self.until, self.month, end=True)
        if date_bound(since, end=False) > date_bound(until, end=True):
            asked = " and ".join(f"{name} {value}" for name, value in (("since", self.since), ("until", self.until))
                                 if value)
            raise ArchiveError(f"month {self.month} is not within {asked}: no date can be in both")
        return since, until


_DATES = ("since", "until", "month")


def _where_label(item: str) -> str:
    """A FIELD=VALUE filter as the page names it: FIELD= is the documents without one."""
    name, _, value = item.partition("=")
    return item if value else f"documents with no {name}"


# --- running the search, in Datasette's thread for the database ------------------------


@dataclass
class Found:
    counts: Counts
    hits: list[Hit]
    spans: dict[int, list[tuple[int, int]]]  # by paragraph id
    fields: dict[str, dict]  # by stored path
    ids: dict[str, int]  # document ids by stored path, of the hits and their reprints
    facets: dict[str, dict[str | None, int]]
    root: str = ""
    further: bool = False  # hits after this page (known past the count's cap)
    deeper: bool = False  # the page starts past present.WINDOW: not ranked
    names: list[str] = field(default_factory=list)  # the archive's fields
    # Past the count's cap, the results in all where the ranking ran out of
    # them before the page's end: then the last page is known.
    in_all: int | None = None

    def pages(self) -> int | None:
        """How many pages the results make; None past the count's cap,
        unless the ranking ran out of them."""
        results = self.in_all if self.counts.more else self.counts.distinct
        return None if results is None else max(1, math.ceil(results / PAGE_SIZE))

    def relative(self, path: str) -> str:
        return relative(path, self.root)


def relative(path: str, root: str) -> str:
    """A stored path as the pages show it: relative to the common folder."""
    return path[len(root):] if root and path.startswith(root) else path


# Ranking runs in Python: two searches at once share one interpreter lock,
# each taking as long as both, and both may miss a time limit that either
# alone would meet.  One at a time, each has the limit for itself, and no
# search waits longer than it would have run beside the other.  Waiting at
# most its own limit, then running beside the other, failed more requests
# (docs/datasette.md).
_ONE_SEARCH_AT_A_TIME = threading.Lock()


def find(conn, form: SearchForm, limit_ms: int) -> Found:
    """The page of hits the form asks for, with totals and facets, from one
    snapshot; a QueryError or ArchiveError says what is wrong with the form."""
    reader = Reader(conn)
    query = parse(form.q or "", lexicon=form.lexicon)
    with _ONE_SEARCH_AT_A_TIME, sqlite_timelimit(conn, limit_ms), time_limit(limit_ms / 1000), one_snapshot(conn):
        since, until = form.dates()
        filters = search_filters(reader, where=form.where, since=since, until=until)
        names = field_names(reader)
        groups = {name: sql for name, needs, sql in FACETS if needs in names}
        counts, facets = count_with_facets(reader, query, filters, groups)
        offset = (form.page - 1) * PAGE_SIZE
        listed = offset < counts.distinct or counts.more  # else past the end
        deeper = listed and offset >= WINDOW
        # Past the count's cap the pages are not counted: one hit more says
        # whether there is a next one.
        wanted = PAGE_SIZE + 1 if counts.more else PAGE_SIZE
        hits, in_all = ranked_page(reader, query, wanted, offset, filters) if listed and not deeper else ([], None)
        further, hits = len(hits) > PAGE_SIZE, hits[:PAGE_SIZE]
        fill_duplicates(reader, hits, filters)
        paths = {hit.path for hit in hits} | {copy.path for hit in hits for copy in hit.duplicates}
        found = Found(
            counts, hits, {}, fields_by_path(reader, paths), document_ids(reader, paths),
            facets, common_folder(reader), further, deeper, names, in_all if counts.more else None,
        )
    highlighter = Highlighter(query, index_lookup(reader))
    found.spans = {hit.paragraph_id: highlighter.spans(hit.text) for hit in hits}
    return found


def document_ids(db, paths) -> dict[str, int]:
    rows = db.execute("select path, id from documents where path in (select value from json_each(?))",
                      [pages.json_list(paths)])
    return dict(rows.fetchall())


def common_folder(db) -> str:
    """The folder all documents lie in, ending in a slash (the imported
    folder, when one was): the first and last paths in order share it."""
    # One min() or max() a statement is a look-up in the path index; both in
    # one statement scan every document.
    first, last = db.execute(
        "select (select min(path) from documents), (select max(path) from documents)", []
    ).fetchone()
    if first is None:
        return ""
    prefix = os.path.commonprefix([first, last])
    return prefix[: prefix.rfind("/") + 1]


def archive_warnings(conn) -> list[str]:
    """What `archive search` warns of: an index out of step, another analyzer.
    Kept for the connection until the archive changes: a few look-ups a
    search need not repeat."""
    reader = Reader(conn)
    return list(index_lookup(reader).remember(("archive warnings",), lambda: _warnings(reader)))


def _warnings(reader) -> tuple[str, ...]:
    warnings = []
    mismatch = index_mismatch(reader)
    if mismatch:
        warnings.append(f"{mismatch}; results may be incomplete until you run 'archive rebuild'")
    built_with = analyzer_mismatch(reader)
    if built_with:
        warnings.append(f"this archive was built by analyzer version {built_with}; "
                        "results may be incomplete until you run 'archive rebuild'")
    return tuple(warnings)


# --- the search page ------------------------------------------------------------------


@dataclass
class Links:
    """The URLs a page of results points to."""

    database: str  # the database's page
    form: SearchForm
    absolute: Callable[[str], str] = field(default=lambda path: path)
    suffix: str = ""  # of the results' URLs: ".json" for the JSON API's

    @property
    def search(self) -> str:
        return self.database + "/search"

    def results(self, **changes) -> str:
        query = self.form.query_string(**changes)
        return self.absolute(self.search + self.suffix + (f"?{query}" if query else ""))

    def article(self, document_id: int, paragraph: int) -> str:
        query = self.form.query_string(page=self.form.page)
        return self.absolute(f"{self.database}/article/{document_id}?{query}&p={paragraph}#p-{paragraph}")


def hit_record(hit: Hit, found: Found, links: Links) -> dict:
    """A hit as the JSON API gives it (and the page shows it)."""
    spans = found.spans.get(hit.paragraph_id, [])
    note = reprint_note(hit)
    return {
        "path": found.relative(hit.path),
        "title": hit.title,
        "paragraph": hit.paragraph,
        "text": hit.text,
        "marked_text": pages.marked(hit.text, spans),
        "matches": [list(span) for span in spans],
        # The CLI's words, less its hint at --show-duplicates.
        "also_in_note": note.rpartition(" (")[0] if note else None,
        "also_in": [
            {"path": found.relative(copy.path), "paragraph": copy.paragraph,
             "document_url": links.article(found.ids[copy.path], copy.paragraph)}
            for copy in hit.duplicates if copy.path in found.ids
        ],
        "fields": found.fields.get(hit.path, {}),
        "document_url": links.article(hit.document_id, hit.paragraph),
    }


def facet_records(found: Found, form: SearchForm, links: Links) -> dict[str, list[dict]]:
    """Each facet's values, with counts, whether chosen, and the URL that
    chooses (or drops) it."""
    facets = {}
    for name, values in found.facets.items():
        records = []
        for value, number in values.items():
            if value is None:
                # The documents without one, so that the counts add up.
                item = f"{DATE if name == 'month' else name}="
                chosen = item in form.where
                where = tuple(w for w in form.where if w != item) if chosen else (*form.where, item)
                records.append({"value": None, "label": f"no {name}", "count": number, "selected": chosen,
                                "url": links.results(where=where, page=1)})
                continue
            if name == "month":
                # Within the dates asked for, which stay as asked (SearchForm.dates).
                chosen = form.month == value
                url = links.results(month=None if chosen else value, page=1)
            else:
                item = f"{name}={value}"
                same = [w for w in form.where if ascii_folded(w) == ascii_folded(item)]
                chosen = bool(same)
                where = tuple(w for w in form.where if w not in same) if chosen else (*form.where, item)
                url = links.results(where=where, page=1)
            records.append({"value": value, "count": number, "selected": chosen, "url": url})
        key = (lambda r: (r["value"] is None, r["value"] or "")) if name == "month" else (
            lambda r: (r["value"] is None, -r["count"], r["value"] or ""))
        facets[name] = sorted(records, key=key)
    return facets


def _later(asked: str | None, month: str, end: bool) -> str:
    """The narrower of a date bound asked for and a month's: for --since
    the later start, for --until the earlier end."""
    if asked is None:
        return month
    asked_day, month_day = date_bound(asked, end), date_bound(month, end)
    return asked if (asked_day < month_day if end else asked_day > month_day) else month


def results_record(found: Found, form: SearchForm, links: Links) -> dict:
    # Past the count's cap, how many pages there are is not known (null)
    # unless the ranking ran out of results.
    pages_in_all = found.pages()
    more = (found.further if pages_in_all is None else form.page < pages_in_all) and form.page < LAST_PAGE
    distinct, documents = known_totals(found.counts)
    return {
        "q": form.q,
        "total": found.counts.paragraphs,
        "distinct": distinct,
        "documents": documents,
        "more": found.counts.more,
        "counts": format_counts(found.counts),
        "page": form.page,
        "pages": pages_in_all and min(pages_in_all, LAST_PAGE),
        "hits": [hit_record(hit, found, links) for hit in found.hits],
        "next": links.results(page=form.page + 1) if more else None,
        # Past the end, the page before is the last one.
        "previous": links.results(page=min(form.page - 1, pages_in_all or form.page, LAST_PAGE))
        if form.page > 1 else None,
        "facets": facet_records(found, form, links),
        "field_names": found.names,
    }


def past_the_end(form: SearchForm, found: Found) -> str | None:
    if found.deeper:
        return past_the_window(f"page {form.page}", found.counts, f" (page {LAST_PAGE} is the last)")
    if found.hits or form.page == 1:
        return None
    last = f" (page {found.pages()} is the last)" if found.counts.more and found.pages() else ""
    return f"page {form.page} is past the end: the search found {format_counts(found.counts)}{last}"


def _narrower(form: SearchForm) -> str:
    """How to make a search that took too long cheaper: another word narrows
    it, but another word joined by OR widens it (and each costs the
    ranking its own reading)."""
    if any(len(clause) > 1 for clause in parse(form.q or "", lexicon=form.lexicon).clauses):
        return "join fewer words by OR, or add filters"
    return "add words or filters"


async def search_view(datasette, request):
    name, database = _archive(datasette, request)
    form = SearchForm.from_args(request.args)
    page_format = request.url_vars.get("format") or "html"
    links = Links(datasette.urls.database(name), form)
    warnings = await database.execute_fn(archive_warnings)
    results, error, status = None, None, 200
    if form.q is None and page_format != "html":
        error, status = "give the words to search for: ?q=WORDS", 400
    elif form.page_error(request.args):
        error, status = form.page_error(request.args), 400
    elif form.q is not None:
        if page_format in ("json", "csv"):  # read away from the page: whole URLs
            links.absolute = lambda path: datasette.absolute_url(request, path)
        if page_format == "json":
            links.suffix = ".json"
        limit_ms = datasette.setting("sql_time_limit_ms")
        try:
            found = await database.execute_fn(lambda conn: find(conn, form, limit_ms))
            results = results_record(found, form, links)
            error = past_the_end(form, found)
            status = 400 if found.deeper else 200  # refused, as a time limit is, not the end
        except (ArchiveError, QueryError) as refused:
            error, status = str(refused), 400
        except sqlite3.OperationalError as failed:
            if "interrupted" not in str(failed):
                raise
            error = f"the search took longer than Datasette's time limit ({limit_ms} ms): {_narrower(form)}"
            if limit_ms < SERVE_TIME_LIMIT_MS:
                error += ", or run 'archive serve', which allows more"
            status = 400
    if page_format == "json":
        return pages.json_response(pages.api_record(results, error, warnings), status)
    if page_format == "csv":
        return pages.csv_response(results, error, status)
    context = {"database": name, "form": form, "links": links, "results": results,
               "error": error, "warnings": warnings, "page_size": PAGE_SIZE}
    return await pages.render(datasette, request, pages.SEARCH_TEMPLATE, context, status)


# --- the article page -------------------------------------------------------------------


def read_article(conn, document_id: int, form: SearchForm | None = None) -> dict | None:
    """A document's rows and paragraphs; with a search form, the spans of
    its paragraphs that the form's query matched, as the hits mark them."""
    reader = Reader(conn)
    with one_snapshot(conn):
        row = reader.execute("select id, path, title from documents where id = ?", [document_id]).fetchone()
        if row is None:
            return None
        _, path, title = row
        paragraphs = paragraphs_of(reader, document_id)
        spans: dict[int, list] = {}
        if form is not None and form.q:
            try:
                highlighter = Highlighter(parse(form.q, lexicon=form.lexicon), index_lookup(reader))
            except QueryError:
                highlighter = None
            if highlighter is not None:
                spans = {number: highlighter.spans(text) for number, text in paragraphs.items()}
        return {"path": path, "title": title, "paragraphs": paragraphs, "spans": spans,
                "fields": fields_by_path(reader, [path]).get(path, {}), "root": common_folder(reader)}


async def article_view(datasette, request):
    name, database = _archive(datasette, request)
    document_id = request.url_vars["id"]
    found = _ID.fullmatch(document_id)
    form = SearchForm.from_args(request.args)
    article = found and await database.execute_fn(lambda conn: read_article(conn, int(document_id), form))
    if not article:
        raise NotFound(f"no document {document_id} in {name}")
    hit = request.args.get("p")
    paragraphs = [
        {"number": number, "hit": str(number) == hit, "html": pages.marked(text, article["spans"].get(number, []))}
        for number, text in article["paragraphs"].items()
    ]
    path = relative(article["path"], article["root"])
    context = {
        # A document without a title goes by its path, as its hit does.
        "database": name, "title": article["title"] or path, "fields": article["fields"],
        "path": path,
        "paragraphs": paragraphs, "back": Links(datasette.urls.database(name), form).results()
        if form.q is not None else None,
    }
    return await pages.render(datasette, request, pages.ARTICLE_TEMPLATE, context, 200)


def _archive(datasette, request):
    """The archive database the URL names, by name and as Datasette's Database."""
    name = tilde_decode(unquote(request.url_vars["database"]))
    if not is_archive_database(datasette, name):
        raise NotFound(f"no archive database {name}")
    return name, datasette.get_database(name)


# --- routing ------------------------------------------------------------------------------


def routes() -> list[tuple[str, Callable]]:
    return [
        (rf"^{SEARCH_ROUTE}(?P<database>[^/]+?)(\.(?P<format>json|csv))?$", search_view),
        (rf"^{ARTICLE_ROUTE}(?P<database>[^/]+)/(?P<id>[^/]+)$", article_view),
    ]


_ID = re.compile(rf"[0-9]{{1,{_ID_DIGITS}}}")
_SEARCH_PAGES = {"search": "", "search.json": ".json", "search.csv": ".csv"}
_TABLE_FORMATS = {"paragraphs": "", "paragraphs.json": ".json", "paragraphs.csv": ".csv"}


def internal_scope(scope: dict, base: str, parts: list[str]) -> dict | None:
    """An archive's /DB/search[.json|.csv] or /DB/article/ID request, sent
    to the page's internal path (base: Datasette's base_url, no end slash)."""
    if len(parts) == 2 and parts[1] in _SEARCH_PAGES:
        path = f"{base}{SEARCH_ROUTE}{parts[0]}{_SEARCH_PAGES[parts[1]]}"
    elif len(parts) == 3 and parts[1] == "article":
        path = f"{base}{ARTICLE_ROUTE}{parts[0]}/{parts[2]}"
    else:
        return None
    return dict(scope, path=path, raw_path=quote(path, safe="/~").encode("ascii"))


def ranked_search(base: str, parts: list[str], args: list[tuple[str, str]]) -> str | None:
    """Where the paragraphs table's search sorted by relevance (_sort=rank,
    which the table cannot do) is answered: the search page, for the same
    words, in the same format."""
    if len(parts) != 2 or parts[1] not in _TABLE_FORMATS:
        return None
    if not any(key in ("_sort", "_sort_desc") and value == "rank" for key, value in args):
        return None
    words = next((value for key, value in args if key == "_search"), "")
    return f"{base}/{quote(parts[0], safe='~')}/search{_TABLE_FORMATS[parts[1]]}?{urlencode({'q': words})}"
