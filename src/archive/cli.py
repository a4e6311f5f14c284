"""Command line: parse options, call the plain functions, report.

Exit status: 0 success (for search: something matched), 1 search found
nothing, 2 error (one line on stderr, never a traceback).
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import time

import click

from . import __version__

DB_OPTION_HELP = "Archive database (default: $ARCHIVE_DB or ./archive.db)."


class ArchiveGroup(click.Group):
    """Turns expected failures into one line on stderr and exit status 2."""

    def invoke(self, ctx):
        from .query import QueryError
        from .store import ArchiveError

        try:
            return super().invoke(ctx)
        except (ArchiveError, QueryError) as error:
            _fail(str(error))
        except sqlite3.Error as error:
            _fail(f"database error: {error}")
        except OSError as error:
            _fail(str(error))
        except KeyboardInterrupt:
            _fail("interrupted")


def _fail(message: str) -> None:
    click.echo(f"archive: error: {message}", err=True)
    sys.exit(2)


def _db_path(db: str | None) -> str:
    from .store import default_db_path

    return db or default_db_path()


@click.group(cls=ArchiveGroup)
@click.version_option(__version__, prog_name="archive")
def cli():
    """A searchable archive of text documents, Arabic-aware.

    \b
      archive import seeds/
      archive search القوات
    """


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
    from .store import import_scanned, open_archive, scan_folder, writer_lock

    if encoding:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            _fail(f"unknown encoding: {encoding}")

    path = _db_path(db_path)
    interactive = sys.stderr.isatty()

    def report(kind, file, why):
        # Clear the progress bar's line first, so the bar redraws below.
        prefix = "\r\x1b[K" if interactive else ""
        label = {"failed": "cannot import", "skipped": "skipped", "warning": "warning:"}[kind]
        click.echo(f"{prefix}archive: {label} {file}: {why}", err=True)

    scan = scan_folder(folder, include_hidden=hidden, patterns=patterns)
    with writer_lock(path):
        db = open_archive(path, create=True)
        with _progress(len(scan.files), interactive) as advance:
            summary = import_scanned(
                db, scan, encoding=encoding, prune=prune, report=report, progress=advance
            )
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

    with click.progressbar(length=total, label="importing", file=sys.stderr,
                           show_pos=True, item_show_func=rate) as bar:
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
    from .store import open_archive

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
    from .store import open_archive, writer_lock

    path = _db_path(db_path)
    db = open_archive(path)
    with writer_lock(path):
        paragraphs = run_rebuild(db)
    click.echo(f"{path}: {paragraphs} paragraphs analyzed again, search index rebuilt", err=True)


@cli.command()
@click.argument("terms", nargs=-1, required=True)
@click.option("--db", "db_path", metavar="PATH", help=DB_OPTION_HELP)
@click.option("--exact", is_flag=True, help="Match words as written (normalized, not stemmed).")
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(min=1),
              help="Show at most this many paragraphs.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Mark matches in colour (auto: on a terminal, unless NO_COLOR).")
def search(terms, db_path, exact, limit, as_json, color):
    """Search the archive; matching paragraphs are printed best first.

    \b
    Words are ANDed; also:
      "a phrase"     the words in that order
      a OR b         either word
      -word, NOT w   without that word
      prefix*        words starting with prefix
    A word finds all its ordinary forms (القوات, للقوات, قواتها for قوات),
    written with or without diacritics, tatweel and hamza; --exact finds
    the written form only.

    \b
      archive search القوات
      archive search --json "قوات الأمن"
      archive search --exact العمر
    """
    from .present import format_hit, json_line, use_color
    from .query import highlight_spans, parse, search as run_search
    from .store import analyzer_mismatch, open_archive

    path = _db_path(db_path)
    db = open_archive(path)
    old = analyzer_mismatch(db)
    if old:
        click.echo(
            f"archive: warning: {path} was built by analyzer version {old}; "
            "results may be incomplete until you run 'archive rebuild'",
            err=True,
        )
    query = parse(" ".join(terms), exact=exact)
    hits = run_search(db, query, limit=limit)
    colored = not as_json and use_color(color, sys.stdout)
    for hit in hits:
        spans = highlight_spans(hit.text, query)
        click.echo(json_line(hit, spans) if as_json else format_hit(hit, spans, colored))
    documents = len({hit.document_id for hit in hits})
    more = " (more with --limit)" if len(hits) == limit else ""
    click.echo(f"{len(hits)} paragraphs in {documents} documents{more}", err=True)
    sys.exit(0 if hits else 1)


def main():
    cli(prog_name="archive")
