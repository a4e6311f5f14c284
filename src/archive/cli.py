"""Command line: parse options, call the plain functions, report.

Exit status: 0 success (for search: something matched), 1 search found
nothing, 2 error (one line on stderr, never a traceback).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time

import click

from . import __version__
from .sqlite import sqlite3

DB_OPTION_HELP = "Archive database (default: $ARCHIVE_DB or ./archive.db)."


class Failure(click.ClickException):
    """An error the user can act on: one line on stderr, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"archive: error: {self.format_message()}", file=file, err=True)


@contextlib.contextmanager
def _expected_failures():
    """The failures a command can meet, as a Failure: never a traceback."""
    from .db import ArchiveError
    from .query import QueryError

    try:
        yield
    except (ArchiveError, QueryError) as error:
        raise Failure(str(error)) from None
    except sqlite3.Error as error:
        raise Failure(f"database error: {error}") from None
    except BrokenPipeError:
        _closed_pipe()
    except OSError as error:
        raise Failure(str(error)) from None
    except KeyboardInterrupt:
        raise Failure("interrupted") from None


@contextlib.contextmanager
def _usage_in_one_line():
    """Click's usage errors as one line too, saying where the help is."""
    try:
        yield
    except click.UsageError as error:
        where = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
        raise Failure(error.format_message() + where) from None


class _OneLineUsage:
    """Parsing whose usage errors end as a Failure."""

    def parse_args(self, ctx, args):
        with _usage_in_one_line():
            return super().parse_args(ctx, args)


class ArchiveCommand(_OneLineUsage, click.Command):
    """A command whose expected failures click shows as any ClickException."""

    def invoke(self, ctx):
        with _expected_failures():
            return super().invoke(ctx)


class ArchiveGroup(_OneLineUsage, click.Group):
    command_class = ArchiveCommand

    def resolve_command(self, ctx, args):
        with _usage_in_one_line():
            return super().resolve_command(ctx, args)


def _closed_pipe() -> None:
    """The reader of our output went away (`archive search ... | head -1`):
    stop without a word, with the status a shell gives grep killed by
    SIGPIPE.  stdout now points at /dev/null, so that flushing it at exit
    cannot raise again ("Exception ignored ... BrokenPipeError")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    sys.exit(128 + 13)


def _db_path(db: str | None) -> str:
    from .db import default_db_path

    return db or default_db_path()


@click.group(cls=ArchiveGroup, invoke_without_command=True,
             subcommand_metavar="COMMAND [ARGS]...")
@click.version_option(__version__, prog_name="archive")
@click.pass_context
def cli(ctx):
    """A searchable archive of text documents, Arabic-aware.

    \b
      archive import seeds/
      archive search القوات
    """
    if ctx.invoked_subcommand is None:  # bare `archive`: the help, no error
        click.echo(ctx.get_help())


@cli.command(name="import")
@click.argument("folder", type=click.Path())
@click.option("--db", "db_path", metavar="PATH", help=DB_OPTION_HELP)
@click.option("--encoding", metavar="NAME",
              help="Decode every file with this encoding (default: detect per file).")
@click.option("--glob", "patterns", metavar="PATTERN", multiple=True,
              help="Take the files matching PATTERN (repeatable) instead of the text files.")
@click.option("--hidden", is_flag=True, help="Also take hidden files and folders (.name).")
@click.option("--prune", is_flag=True,
              help="Remove the documents under FOLDER whose files are gone.")
def import_command(folder, db_path, encoding, patterns, hidden, prune):
    """Import the text files under FOLDER.

    Each file becomes a document and each paragraph a searchable row.
    Importing the same folder again adds new files, replaces changed ones and
    skips the rest.  Files that cannot be imported are listed on stderr, one
    line each; the exit status is then 1.

    \b
      archive import seeds/
      archive import ~/news --db news.db --prune
      archive import ~/notes --glob '*.txt' --glob 'drafts/*' --hidden
      archive import old-files/ --encoding cp1256
    """
    from .db import open_archive, writer_lock
    from .importer import import_scanned

    if encoding:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            raise Failure(f"unknown encoding: {encoding}") from None

    path = _db_path(db_path)
    interactive = sys.stderr.isatty()

    def report(kind, file, why):
        # Clear the progress bar's line first, so the bar redraws below.
        prefix = "\r\x1b[K" if interactive else ""
        label = {"failed": "cannot import", "skipped": "skipped", "warning": "warning:"}[kind]
        click.echo(f"{prefix}archive: {label} {file}: {why}", err=True)

    scan = _scan_to_import(folder, hidden, patterns, prune, db_path)
    with writer_lock(path):
        db = open_archive(path, create=True)
        with _progress(scan.count() if interactive else 0, interactive) as advance:
            summary = import_scanned(
                db, scan, encoding=encoding, prune=prune, report=report, progress=advance
            )
    if not summary.files():
        why = (" matches " + " or ".join(f"--glob {p!r}" for p in patterns) if patterns
               else " named *.txt, *.md, *.text or without a suffix (--glob takes others)")
        click.echo(f"archive: warning: no file under {folder}{why}", err=True)
    click.echo(f"{path}: {summary.line()}", err=True)
    if summary.failed:
        sys.exit(1)


@contextlib.contextmanager
def _progress(total: int, shown: bool):
    """A progress bar on stderr (files done / total, files per second), when
    stderr is a terminal; yields the function that advances it."""
    if not shown:
        yield None
        return
    started = time.monotonic()

    def rate(_item):
        done = bar.pos
        return f"{done / max(time.monotonic() - started, 1e-6):.0f} files/s" if done else ""

    bar = click.progressbar(length=total, label="importing", file=sys.stderr,
                            show_pos=True, item_show_func=rate)
    with bar:
        yield bar.update


@cli.command()
@click.option("--db", "db_path", metavar="PATH", help=DB_OPTION_HELP)
def check(db_path):
    """Check the archive: database integrity, the search index, the analyzer
    version and the counts.  Exit 0 when healthy, else 1 with one line per
    problem.

    \b
      archive check --db news.db
    """
    from .maintenance import check as run_check
    from .db import open_archive

    path = _db_path(db_path)
    health = run_check(open_archive(path))
    for problem in health.problems:
        click.echo(f"archive: problem: {path}: {problem}", err=True)
    click.echo(f"{path}: {'ok' if not health.problems else 'NOT ok'}: {health.line()}", err=True)
    sys.exit(1 if health.problems else 0)


@cli.command()
@click.option("--db", "db_path", metavar="PATH", help=DB_OPTION_HELP)
def rebuild(db_path):
    """Analyze every paragraph again and rebuild the search index, after the
    analyzer changed or when `archive check` finds the index damaged.
    All or nothing: interrupted, the archive stays as it was.

    \b
      archive rebuild --db news.db
    """
    from .maintenance import rebuild as run_rebuild
    from .db import open_archive, writer_lock

    path = _db_path(db_path)
    db = open_archive(path)
    with writer_lock(path):
        paragraphs = run_rebuild(db)
    click.echo(f"{path}: {paragraphs} paragraphs analyzed again, search index rebuilt", err=True)


# --- archive forget: documents whose files are gone (issue 18) ---------------


@cli.command()
@click.argument("folder", required=False, type=click.Path())
@click.option("--db", "db_path", metavar="PATH", help=DB_OPTION_HELP)
@click.option("--dry-run", is_flag=True, help="Only list the documents that would be removed.")
def forget(folder, db_path, dry_run):
    """Remove the documents whose files no longer exist, under FOLDER (which
    may be gone itself) or everywhere.  Their paths are listed on stdout.  A
    file that cannot be checked stays, listed on stderr; the exit status is
    then 1.  A moved folder needs no forget: importing it where it is now
    moves its documents.

    \b
      archive forget --dry-run
      archive forget old-news/ --db news.db
    """
    from pathlib import Path

    from . import present
    from .db import open_archive, writer_lock
    from .forget import forget as run_forget
    from .paths import printable

    path = _db_path(db_path)
    try:
        # Not strict: the folder may be gone; symlinks above it still resolve.
        root = str(Path(folder).resolve()) if folder else None
    except (OSError, RuntimeError) as error:
        raise Failure(f"{printable(folder)}: {error}") from None

    def report(kind, file, why):
        click.echo(f"archive: cannot check {present.display_path(file)}: {why}", err=True)

    db = open_archive(path)  # first: no lock file is left next to a missing archive
    # A dry run writes nothing, so it need not wait for an import to end.
    with contextlib.nullcontext() if dry_run else writer_lock(path):
        summary = run_forget(db, root, dry_run=dry_run, report=report)
    for gone in summary.paths:
        click.echo(present.display_path(gone))
    if folder and not (summary.paths or summary.kept or summary.failed):
        click.echo(f"archive: warning: no document in {path} is under {printable(folder)}", err=True)
    click.echo(f"{path}: {summary.line()}", err=True)
    sys.exit(1 if summary.failed else 0)


def _scan_to_import(folder, hidden, patterns, prune, db_path):
    """The folder's scan; when a folder to prune is gone, the error says how
    to remove its documents."""
    import shlex

    from .files import scan_folder
    from .paths import printable

    try:
        return scan_folder(folder, include_hidden=hidden, patterns=patterns)
    except FileNotFoundError as error:
        if not prune:
            raise
        db = f" --db {shlex.quote(db_path)}" if db_path else ""
        raise Failure(
            f"{error}; to remove its documents from the archive: archive forget {shlex.quote(printable(folder))}{db}"
        ) from None


COLOR_OPTION = click.option(
    "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
    help="Mark matches in colour, dim context (auto: on a terminal, unless NO_COLOR).",
)


def _open_for_reading(db_path: str | None, searching: bool = False):
    """The archive, with a warning on stderr when an older analyzer built it
    or its search index is out of step with its paragraphs (an error to
    search with none)."""
    from .db import analyzer_mismatch, open_reader
    from .index import INDEX_MISSING, index_mismatch

    path = _db_path(db_path)
    db = open_reader(path)
    mismatch = index_mismatch(db)
    if mismatch == INDEX_MISSING and searching:
        raise Failure(f"{path}: {mismatch}: run 'archive rebuild'")
    if mismatch:
        click.echo(
            f"archive: warning: {path}: {mismatch}; results may be incomplete until you run 'archive rebuild'",
            err=True,
        )
    old = analyzer_mismatch(db)
    if old:
        click.echo(
            f"archive: warning: {path} was built by analyzer version {old}; "
            "results may be incomplete until you run 'archive rebuild'",
            err=True,
        )
    return db


# `-word` excludes a word: let click hand unknown "options" to TERMS.
@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("terms", nargs=-1, required=True)
@click.option("--db", "db_path", metavar="PATH", help=DB_OPTION_HELP)
@click.option("--exact", is_flag=True, help="Match words as written (normalized, not stemmed).")
@click.option("--context", "-C", default=0, type=click.IntRange(min=0), metavar="N",
              help="Also show N paragraphs before and after each hit.")
@click.option("--path", "paths", multiple=True, metavar="GLOB",
              help="Only documents matching GLOB (repeatable: any). Without a slash it "
                   "matches the file name, with one the path.")
@click.option("--doc", "document", metavar="PATH", help="Only this document.")
@click.option("--files", "-l", "files_only", is_flag=True,
              help="List the matching documents only, best first.")
@click.option("--null", "-0", "null", is_flag=True,
              help="With --files: end each path with a NUL, not a newline, and print "
                   "it as its bytes on disk, unescaped (for xargs -0).")
@click.option("--count", "count_only", is_flag=True,
              help="Print only how many paragraphs and documents match.")
@click.option("--show-duplicates", is_flag=True,
              help="Show every copy of a reprinted paragraph, not just the best one.")
@click.option("--sort", type=click.Choice(["rank", "path"]), default="rank", show_default=True,
              help="Best first, or by document path then paragraph number.")
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(min=1),
              help="Show at most this many paragraphs (documents with --files).")
@click.option("--offset", default=0, type=click.IntRange(min=0), metavar="M",
              help="Skip the first M results (the next page: --offset 20).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@COLOR_OPTION
def search(terms, db_path, exact, context, paths, document, files_only, null, count_only,
           show_duplicates, sort, limit, offset, as_json, color):
    """Search the archive; matching paragraphs are printed best first.

    \b
    Words are ANDed; also:
      "a phrase"     the words in that order
      a OR b         either word (a b OR c: a and either b or c)
      -word, NOT w   without that word (in the whole query)
      prefix*        words starting with prefix
    A word finds all its ordinary forms (القوات, للقوات, قواتها for قوات),
    written with or without diacritics, tatweel and hamza; --exact finds
    the written form only.  A paragraph reprinted word for word in other
    documents (wire copy) is shown once, saying where else it stands.

    \b
      archive search القوات
      archive search --json "قوات الأمن"
      archive search --exact العمر
      archive search -C 1 --path '*okaz*' --path '2015-08-1*' الحج
      archive search --files --sort path وزارة الصحة
      archive search --files -0 الحج | xargs -0 ls -l
      archive search --count --doc news/2015-07-21_aawsat_00001.txt الرياض
      archive search --show-duplicates --limit 50 --offset 50 مجلس الوزراء
    """
    from . import present
    from .documents import find_document
    from .filters import Filters
    from .query import parse

    if files_only and count_only:
        raise Failure("--files and --count cannot be used together")
    if null and (not files_only or as_json):
        raise Failure("--null prints paths for --files only, without --json")
    if context and (files_only or count_only):
        raise Failure("--context shows paragraphs: it cannot be used with --files or --count")
    db = _open_for_reading(db_path, searching=True)
    # Unknown options reach TERMS (so that -word can exclude a word); a
    # mistyped --option must not silently become one.
    for term in terms:
        if term.startswith("--") and len(term) > 2:
            raise Failure(f"no such option: {term} (see 'archive search --help')")
    query = parse(" ".join(terms), exact=exact)
    filters = Filters(
        paths=paths, document=find_document(db, document).path if document else None
    )
    colored = not as_json and present.use_color(color, sys.stdout)
    if count_only:
        found = _print_counts(db, query, filters, as_json)
    elif files_only:
        found = _print_documents(db, query, filters, limit, offset, sort, as_json, colored, null)
    else:
        found = _print_paragraphs(db, query, filters, limit, offset, sort, not show_duplicates,
                                  context, as_json, colored)
    sys.exit(0 if found else 1)


def _print_counts(db, query, filters, as_json: bool) -> bool:
    from . import present
    from .search import count

    counts = count(db, query, filters)
    click.echo(present.counts_json(counts) if as_json else present.format_counts(counts))
    return bool(counts.paragraphs)


def _print_documents(db, query, filters, limit, offset, sort, as_json: bool, colored: bool,
                     null: bool = False) -> bool:
    from . import present
    from .search import count, matching_documents

    documents = matching_documents(db, query, limit, offset, filters, sort)
    for found in documents:
        if null:
            click.echo(present.null_terminated(found.path), nl=False)
            continue
        click.echo(present.document_json_line(found) if as_json
                   else present.format_document_hit(found, colored), color=colored)
    more = " (more with --offset)" if len(documents) == limit else ""
    if offset and not documents:
        more = present.past_the_end(offset, count(db, query, filters).documents, "document")
    click.echo(f"{present.counted(len(documents), 'document')}{more}", err=True)
    return bool(documents)


def _print_paragraphs(db, query, filters, limit, offset, sort, fold: bool, context: int,
                      as_json: bool, colored: bool) -> bool:
    from . import present
    from .highlight import Highlighter
    from .search import context_of, count, fill_duplicates, one_snapshot, search as run_search

    # The hits, their reprints and the paragraphs around them, all from one
    # state of the archive, though an import may be committing meanwhile.
    with one_snapshot(db.conn):
        hits = run_search(db, query, limit, offset, filters, sort, fold_duplicates=fold)
        fill_duplicates(db, hits, filters)
        texts = context_of(db, hits, context) if context else {}
    highlighter = Highlighter(query)
    spans = {hit.paragraph_id: highlighter.spans(hit.text) for hit in hits}
    if as_json:
        for hit in hits:
            around = present.json_context(hit, texts[hit.document_id], context) if context else None
            click.echo(present.json_line(hit, spans[hit.paragraph_id], around))
    else:
        # color= keeps click from stripping the codes when --color always is piped.
        click.echo(present.format_hits(hits, spans, texts, context, colored), nl=False, color=colored)
    summary = present.search_summary(hits, limit)
    if offset and not hits:
        counts = count(db, query, filters)
        summary += present.past_the_end(offset, counts.distinct if fold else counts.paragraphs, "paragraph")
    click.echo(summary, err=True)
    return bool(hits)


@cli.command()
@click.argument("document_path", metavar="PATH")
@click.option("--db", "db_path", metavar="PATH", help=DB_OPTION_HELP)
@click.option("--paragraph", "-p", type=click.IntRange(min=1), metavar="N",
              help="Only paragraph N (with --context, and those around it).")
@click.option("--context", "-C", default=0, type=click.IntRange(min=0), metavar="N",
              help="With --paragraph: also N paragraphs before and after, dimmed.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per paragraph.")
@COLOR_OPTION
def show(document_path, db_path, paragraph, context, as_json, color):
    """Print an archived document, or part of it, with paragraph numbers.

    PATH is the file as imported, absolute or relative to here, as search
    prints it (odd characters escaped: \\n, \\t, \\xNN, \\\\) or as it is on
    disk.  The text comes from the archive, not from the file.

    \b
      archive show seeds/07-forces-security.txt
      archive show seeds/07-forces-security.txt --paragraph 3 -C 1
      archive show --json /data/news/2015-07-21_okaz_00012.txt
    """
    from . import present
    from .documents import around, find_document, paragraphs_of

    if context and not paragraph:
        raise Failure("--context needs --paragraph N: the paragraphs around which one?")
    db = _open_for_reading(db_path)
    document = find_document(db, document_path)
    if paragraph and paragraph > document.paragraphs:
        raise Failure(f"{present.display_path(document.path)} has {present.counted(document.paragraphs, 'paragraph')}: "
              f"there is no paragraph {paragraph}")
    texts = paragraphs_of(db, document.id, around(paragraph, context) if paragraph else None)
    colored = not as_json and present.use_color(color, sys.stdout)
    for number, text in texts.items():
        if as_json:
            click.echo(present.paragraph_json_line(document.path, number, text))
        else:
            dim = paragraph is not None and number != paragraph
            click.echo(present.format_paragraph(number, text, dim, colored), color=colored)


@cli.command()
@click.option("--db", "db_path", metavar="PATH", help=DB_OPTION_HELP)
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def stats(db_path, as_json):
    """How big the archive is: documents, paragraphs, words, distinct words
    and terms (stems), bytes on disk, last import and analyzer version.

    \b
      archive stats
      archive stats --json --db news.db
    """
    import json

    from . import present
    from .documents import stats as archive_stats

    path = _db_path(db_path)
    facts = archive_stats(_open_for_reading(path), path)
    click.echo(json.dumps(facts) if as_json else present.format_stats(facts))


@cli.command()
@click.option("--db", "db_path", metavar="PATH", help=DB_OPTION_HELP)
@click.option("--port", "-p", default=8001, show_default=True, type=click.IntRange(1, 65535),
              help="Port on 127.0.0.1 to serve on.")
def serve(db_path, port):
    """Browse and search the archive in Datasette, at http://127.0.0.1:PORT/.

    The search page is /DB/search?q=WORDS (DB: the file name without .db).

    \b
      archive serve
      archive serve --db news.db --port 8080
    """
    from .datasette_plugin import serve as serve_archive

    serve_archive(_db_path(db_path), port)


def main():
    try:
        cli(prog_name="archive")
    finally:
        # Output still buffered meets a closed pipe here, not in a command.
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _closed_pipe()
