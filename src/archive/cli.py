"""Command line: parse options, call the plain functions, report.

Exit status: 0 success (for search: something matched), 1 search found
nothing, 2 error (one line on stderr, never a traceback).
"""

from __future__ import annotations

import sqlite3
import sys

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
@click.option("--encoding", metavar="NAME", help="Decode every file with this encoding.")
def import_command(folder, db_path, encoding):
    """Import the text files under FOLDER.

    Each file becomes a document and each paragraph a searchable row.
    Importing the same folder again adds new files, replaces changed ones and
    skips the rest.

    \b
      archive import seeds/
      archive import ~/news --db news.db
    """
    from .store import import_folder, open_archive

    if encoding:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            _fail(f"unknown encoding: {encoding}")

    path = _db_path(db_path)
    db = open_archive(path, create=True)

    def report(file, why):
        click.echo(f"archive: skipped {file}: {why}", err=True)

    summary = import_folder(db, folder, encoding=encoding, on_failure=report)
    click.echo(f"{path}: {summary.line()}", err=True)
    if summary.failed:
        sys.exit(1)


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
            "results may be incomplete until it is rebuilt",
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
