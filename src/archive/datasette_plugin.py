"""Datasette plugin: makes `datasette archive.db` search like `archive search`.

Loaded by Datasette through the `datasette` entry point in pyproject.toml, so
installing archive is enough.  It only acts on databases that are archives
(see db.is_archive); every other database is left as Datasette shows it.

What it adds to an archive database:

* the table search box (``?_search=``) goes through the archive's analyzer:
  Datasette wraps the typed text in the SQL function ``escape_fts()``, and on
  archive connections that function is replaced by `search_expression`;
* a search page (``/DB/search?q=...``, also as JSON and CSV) and an article
  page (``/DB/article/ID``), in datasette_search.py;
* the search index named as the paragraphs' (``fts_table``): it is
  contentless, not content="paragraphs", so Datasette would not find it;
* titles and descriptions, the documents' title as label of the foreign key,
  Arabic cells laid out right-to-left, and the paragraphs' fingerprint left
  out of the paragraphs table page unless asked for.

Nothing is stored in the database: without the plugin it is an ordinary
SQLite database with a stock FTS5 index (?_fts_table=paragraphs_fts searches it).
"""

from __future__ import annotations

import functools
import html
import os
import re
from typing import Callable
from urllib.parse import parse_qsl, urlencode

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_decode

from . import db as archive_db
from .highlight import Highlighter
from .present import mark
from .query import MATCH_NOTHING, Known, QueryError, parse, to_fts
from .lookup import remember
from .search import index_lookup
from .sqlite import sqlite3

ANALYZED_COLUMNS = ("fingerprint",)
STYLESHEET_PATH = "/-/archive.css"
SERVE_TIME_LIMIT_MS = 5000
_MARK_OPEN, _MARK_CLOSE = "<mark>", "</mark>"

STYLESHEET = """\
/* archive: each cell takes its direction from its own text, so Arabic reads
   right-to-left (full stop on the left) and English left-to-right. */
td, th, .archive-paragraph, input[type="text"], input[type="search"], textarea {
  unicode-bidi: plaintext; text-align: start;
}
.archive-paragraph { line-height: 1.8; }
.archive-paragraph mark { background: #ffe066; padding: 0 0.1em; }
"""


# --- search expressions and highlighting -------------------------------------


def search_expression(text, known: Known | None = None) -> str:
    """What the search box's text stands for, as an FTS5 expression over the
    archive's index (given `known`, the index's look-up, the same expression
    as `archive search` builds); text with no words matches nothing.

    >>> search_expression("القوّات") == to_fts(parse("القوات"))
    True
    >>> search_expression("  ،؛ ") == MATCH_NOTHING
    True
    """
    if text is None:
        return MATCH_NOTHING
    try:
        return to_fts(parse(str(text)), known)
    except QueryError:
        return MATCH_NOTHING


@functools.lru_cache(maxsize=8)
def _highlighter(query_text: str, known: Known | None = None, state: object = None) -> Highlighter:
    """One highlighter per recent query (and state of the archive, whose
    index decides some readings), for all the rows of its pages."""
    return Highlighter(parse(query_text), known)


def marked_html(text, query_text, known: Known | None = None) -> str | None:
    """The paragraph as HTML, with the words the query matched in <mark>
    (given `known`, the index's look-up, as the search marks them).

    >>> marked_html("قالت القوّات <حقاً>", "قوات")
    'قالت <mark>القوّات</mark> &lt;حقاً&gt;'
    """
    if text is None:
        return None
    text = str(text)
    try:
        # A token that is new whenever the archive changes (lookup.remember).
        state = None if known is None else remember(known, ("marks",), object)
        spans = _highlighter(str(query_text or ""), known, state).spans(text)
    except QueryError:
        spans = []
    return mark(text, spans, _MARK_OPEN, _MARK_CLOSE, escape=html.escape)


_MARK_TAG = re.compile("(</?mark>)")


def safe_marked_html(value: str) -> markupsafe.Markup:
    """Render a marked_html() value, trusting nothing but its <mark> tags.

    Any SQL can produce a column of that name, so everything between the tags
    is escaped again (after undoing one level of escaping, which leaves
    marked_html()'s own output unchanged).

    >>> str(safe_marked_html("<mark>a</mark> &amp; <script>"))
    '<mark>a</mark> &amp; &lt;script&gt;'
    """
    pieces = _MARK_TAG.split(value)
    return markupsafe.Markup(
        "".join(
            piece if piece in (_MARK_OPEN, _MARK_CLOSE) else html.escape(html.unescape(piece))
            for piece in pieces
        )
    )


# --- which databases are archives ---------------------------------------------


# Database file path → whether it is an archive.  Filled from the file itself
# and from every connection Datasette prepares.
_archive_files: dict[str, bool] = {}


def _read_only(path: str, read: Callable[[sqlite3.Connection], object], failed: object):
    """read(connection) on the database file, opened read-only; failed if it cannot be read."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return read(conn)
        finally:
            conn.close()
    except sqlite3.Error:
        return failed


def _file_is_archive(path: str) -> bool:
    known = _archive_files.get(path)
    if known is None:
        known = _archive_files[path] = _read_only(path, archive_db.is_archive, False)
    return known


def is_archive_database(datasette, database: str | None) -> bool:
    if not database or database not in datasette.databases:
        return False
    db = datasette.databases[database]
    if db.is_memory or not db.path or not os.path.exists(db.path):
        return False
    return _file_is_archive(os.path.realpath(db.path))


# --- hooks --------------------------------------------------------------------


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    # trylast: Datasette's own prepare_connection registers its escape_fts;
    # ours must come after it to replace it on this connection.
    try:
        archive = archive_db.is_archive(conn)
    except sqlite3.Error:
        return
    db = datasette.databases.get(database)
    if db is not None and db.path:
        _archive_files[os.path.realpath(db.path)] = archive
    if not archive:
        return
    archive_db.map_for_reading(conn)
    # The index's look-up, as `archive search` and the search page use it, so
    # the box finds the readings the index decides and caps phrases alike.
    # It reads through this connection: the snapshot the table query reads.
    known = index_lookup(archive_db.Reader(conn))
    expression = functools.partial(search_expression, known=known)
    conn.create_function("escape_fts", 1, expression, deterministic=True)
    conn.create_function("archive_fts", 1, expression, deterministic=True)
    conn.create_function("archive_mark", 2, functools.partial(marked_html, known=known), deterministic=True)


@hookimpl
def startup(datasette):
    # Datasette 1.0 dropped the get_metadata hook: there the descriptions
    # are added once, at start-up.
    if _has_hook("get_metadata"):
        return None

    async def add_to_archives():
        for name in list(datasette.databases):
            if is_archive_database(datasette, name):
                await _store_metadata(datasette, name, _archive_metadata(name, datasette))

    return add_to_archives


def _has_hook(name: str) -> bool:
    from datasette import hookspecs

    return hasattr(hookspecs, name)


async def _store_metadata(datasette, name: str, metadata: dict) -> None:
    """Datasette 1.0: write database, table and column descriptions into its
    internal metadata tables (label_column is not metadata there: it finds the
    title column by itself)."""
    for key in ("title", "description_html"):
        await datasette.set_database_metadata(name, key, metadata[key])
    for table, table_metadata in metadata["tables"].items():
        for key in ("title", "description"):
            await datasette.set_resource_metadata(name, table, key, table_metadata[key])
        for column, description in table_metadata.get("columns", {}).items():
            await datasette.set_column_metadata(name, table, column, "description", description)


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if table is not None or not isinstance(value, str):
        return None
    if not is_archive_database(datasette, database):
        return None
    if column == "marked_text":
        return markupsafe.Markup('<div class="archive-paragraph" dir="auto">{}</div>').format(
            safe_marked_html(value)
        )
    keys = row.keys() if hasattr(row, "keys") else ()
    if column == "document" and "document_id" in keys:
        return _link(datasette.urls.row(database, "documents", row["document_id"]), value)
    return None


@hookimpl(specname="render_cell")
def render_paragraph_number(row, value, column, table, database, datasette):
    # In an SQL query's results, a paragraph number beside its paragraph_id
    # leads to the paragraph's own row.
    if table is not None or column != "paragraph" or not isinstance(value, int):
        return None
    keys = row.keys() if hasattr(row, "keys") else ()
    if "paragraph_id" not in keys or not is_archive_database(datasette, database):
        return None
    return _link(datasette.urls.row(database, "paragraphs", row["paragraph_id"]), value)


def _link(href: str, text) -> markupsafe.Markup:
    return markupsafe.Markup('<a href="{}" dir="auto">{}</a>').format(href, text)


@hookimpl
def extra_css_urls(database, datasette):
    if is_archive_database(datasette, database):
        return [datasette.urls.path(STYLESHEET_PATH)]
    return []


@hookimpl
def register_routes():
    from datasette.utils.asgi import Response

    async def stylesheet():
        return Response(
            STYLESHEET, content_type="text/css; charset=utf-8",
            headers={"cache-control": "max-age=3600"},
        )

    from .datasette_search import routes

    return [(r"^" + re.escape(STYLESHEET_PATH) + r"$", stylesheet), *routes()]


@hookimpl
def get_metadata(datasette, key, database, table):
    names = [name for name in datasette.databases if is_archive_database(datasette, name)]
    if not names:
        return {}
    return {"databases": {name: _archive_metadata(name, datasette) for name in names}}


def _archive_metadata(name: str, datasette) -> dict:
    return {
        "title": f"Archive: {name}",
        "description_html": (
            "Text documents split into paragraphs, with an Arabic-aware search. "
            "Search from the <a href=\"{search}\">search page</a> (ranked, matches "
            "marked) or the search box of the paragraphs table."
        ).format(search=html.escape(datasette.urls.query(name, "search"))),
        "tables": {
            "documents": {
                "title": "Documents",
                "description": "One row per imported file; its paragraphs link here.",
                "label_column": "title",
                "columns": {
                    "path": "Absolute path of the file when it was imported",
                    "title": "First line of the document",
                    "size": "File size in bytes",
                    "mtime_ns": "File modification time, nanoseconds since 1970",
                    "sha256": "SHA-256 of the file's bytes as read (not of the decoded text)",
                    "encoding": "Encoding the file was read with",
                    "paragraphs": "Number of paragraphs",
                    "imported_at": "When the file was last imported (UTC)",
                },
            },
            "paragraphs": {
                "title": "Paragraphs",
                "description": (
                    "One row per paragraph. The search box finds every written form "
                    "of the words typed, like `archive search`, in table order: "
                    "_sort=rank shows them best first, on the search page. The column "
                    "fingerprint is hidden here: add ?_col=fingerprint to see it."
                ),
                "fts_table": "paragraphs_fts",
                "fts_pk": "id",
                "columns": {
                    "document_id": "The document this paragraph belongs to",
                    "number": "Position in the document, from 1",
                    "text": "The paragraph as written",
                    "fingerprint": "Hash of the normalized words: equal for reprints",
                },
            },
            "archive_meta": {
                "title": "About this archive",
                "description": "Analyzer and schema versions, time of the last import.",
            },
        },
    }


# --- request rewriting ----------------------------------------------------------


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def archive_requests(scope, receive, send):
            if scope.get("type") == "http":
                scope = _rewrite(datasette, scope)
                if "archive_redirect" in scope:
                    location = scope["archive_redirect"].encode("utf-8")
                    await send({"type": "http.response.start", "status": 302,
                                "headers": [[b"location", location], [b"content-length", b"0"]]})
                    await send({"type": "http.response.body", "body": b""})
                    return
            await app(scope, receive, send)

        return archive_requests

    return wrap


def _rewrite(datasette, scope: dict) -> dict:
    """Adjust a table request on an archive before Datasette sees it.

    * ``_searchmode=raw`` is dropped: raw FTS5 syntax would be matched against
      the analyzed index terms, which nobody types, and an unbalanced quote
      would be an SQL error.  The archive's own syntax (phrases, OR, -word,
      prefix*) covers what raw mode is used for.
    * the HTML page of the paragraphs table leaves out the fingerprint and
      the empty index columns unless ?_col= or ?_nocol= says which to show,
      and suggests no facets (each suggestion is a query over every row);
    * /DB/search and /DB/article/ID go to the pages of datasette_search.py,
      and the paragraphs table sorted by relevance (``_sort=rank``) is sent
      to the search page (as ``archive_redirect``).
    """
    from . import datasette_search

    path = scope.get("path", "")
    base = datasette.setting("base_url").rstrip("/")
    if base and path.startswith(base):
        path = path[len(base):]
    parts = path.strip("/").split("/")
    if len(parts) not in (2, 3) or not is_archive_database(datasette, tilde_decode(parts[0])):
        return scope
    page = datasette_search.internal_scope(scope, base, parts)
    if page is not None:
        return page
    args = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    ranked = datasette_search.ranked_search(base, parts, args)
    if ranked is not None:
        return dict(scope, archive_redirect=ranked)
    if len(parts) != 2:
        return scope
    table = tilde_decode(parts[1])
    rewritten = [(k, v) for k, v in args if not (k == "_searchmode" and v == "raw")]
    names = {k for k, _ in rewritten}
    if table == "paragraphs" and not names & {"_col", "_nocol", "_format"}:
        rewritten += [("_nocol", column) for column in ANALYZED_COLUMNS]
    if table.partition(".")[0] == "paragraphs" and "_nosuggest" not in names:
        rewritten.append(("_nosuggest", "1"))
    if rewritten == args:
        return scope
    return dict(scope, query_string=urlencode(rewritten).encode("latin-1"))


# --- archive serve --------------------------------------------------------------


def serve(db_path: str, port: int) -> None:
    """Run Datasette on 127.0.0.1:port for the archive at db_path, until
    interrupted (in this process, so a signal stops the server itself)."""
    import socket

    from datasette.cli import cli as datasette_cli

    archive_db.open_archive(db_path).conn.close()
    # Say so plainly if the port is taken, rather than through the server's log.
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise archive_db.ArchiveError(f"cannot serve on 127.0.0.1:{port}: {error.strerror}") from None
    datasette_cli.main(
        ["serve", db_path, "--host", "127.0.0.1", "--port", str(port),
         # Ranking a word found in most paragraphs of a large archive takes longer
         # than Datasette's default limit.
         "--setting", "sql_time_limit_ms", str(SERVE_TIME_LIMIT_MS)],
        prog_name="datasette", standalone_mode=False,
    )
