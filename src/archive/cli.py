"""Command line: parse options, call the plain functions, report.

Exit status: 0 success (for search: something matched), 1 search found
nothing, 2 error (one line on stderr, never a traceback).
"""

from __future__ import annotations

import contextlib
import sys
import time

import click

from . import __version__
from .cli_search import search
from .clibase import (
    DB_OPTION_HELP,
    ArchiveGroup,
    Failure,
    closed_pipe,
    color_option,
    db_path_or_default,
    open_for_reading,
)

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


cli.add_command(search)


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
@click.option("--fields", "field_pattern", metavar="PATTERN",
              help="Take fields from each file's path, e.g. '{date}_{source}_{n}.txt' "
                   "(remembered for FOLDER; '' forgets it).")
def import_command(folder, db_path, encoding, patterns, hidden, prune, field_pattern):
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
      archive import corpus/ --fields '{date}_{source}_{n}.txt'
    """
    import datetime

    from . import fields
    from .db import check_writable, open_archive, writer_lock
    from .importer import import_scanned
    from .moved_fields import follow_moves

    if encoding:
        _check_encoding(encoding)
    path = db_path_or_default(db_path)
    interactive = sys.stderr.isatty()

    def report(kind, file, why):
        # Clear the progress bar's line first, so the bar redraws below.
        prefix = "\r\x1b[K" if interactive else ""
        label = {"failed": "cannot import", "skipped": "skipped", "warning": "warning:"}[kind]
        click.echo(f"{prefix}archive: {label} {file}: {why}", err=True)

    if field_pattern:
        fields.FieldPattern.parse(field_pattern)  # a bad pattern stops before anything is done
    scan = _scan_to_import(folder, hidden, patterns, prune, db_path)
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    try:
        with writer_lock(path):
            db = open_archive(path, create=True)
            check_writable(db)  # before anything is written, a --fields pattern included
            field_run = fields.prepare(db, str(scan.root), field_pattern)
            with _progress(scan.count() if interactive else 0, interactive) as advance:
                summary = import_scanned(
                    db, scan, encoding=encoding, prune=prune, report=report, progress=advance
                )
            if field_run:
                follow_moves(db, field_run, summary.moves)
                fields.apply(db, field_run, started, report)
    except KeyboardInterrupt:
        raise Failure(_interrupted(path, started)) from None
    if not summary.files():
        why = (" matches " + " or ".join(f"--glob {p!r}" for p in patterns) if patterns
               else " named *.txt, *.md, *.text or without a suffix (--glob takes others)")
        click.echo(f"archive: warning: no file under {folder}{why}", err=True)
    click.echo(f"{path}: {summary.line()}", err=True)
    if field_run and field_run.line():
        click.echo(f"{path}: {field_run.line()}", err=True)
    if summary.failed:
        sys.exit(1)


def _interrupted(path: str, started: str) -> str:
    """What an import stopped by Ctrl-C kept: the batches it had committed
    (read again from the file, as the run's own connection was cut short)."""
    import os

    from .grammar import agreeing, counted
    from .sqlite import sqlite3

    again = "run the same import again to finish the rest"
    try:
        if not os.path.exists(path):
            raise sqlite3.Error("no archive")
        with contextlib.closing(sqlite3.connect(path, timeout=5)) as conn:
            kept = conn.execute("select count(*) from documents where imported_at >= ?", [started]).fetchone()[0]
    except sqlite3.Error:
        return f"interrupted; {again}"
    if not kept:
        return f"interrupted before this import wrote any document; {again}"
    return (f"interrupted: {counted(kept, 'document')} this import added or updated "
            f"{agreeing(kept, 'is', 'are')} in the archive; {again}")


def _check_encoding(encoding: str) -> None:
    """Fail unless `encoding` names a text encoding Python knows."""
    import codecs

    try:
        codecs.lookup(encoding)
    except LookupError:
        raise Failure(f"unknown encoding: {encoding}") from None
    try:  # rot13 and base64 are codecs, not text encodings (b"" would not tell)
        b"a".decode(encoding)
    except LookupError:
        raise Failure(f"not a text encoding: {encoding}") from None
    except UnicodeDecodeError:
        pass  # a text encoding (utf-16, say): the byte alone is not text


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

    path = db_path_or_default(db_path)
    health = run_check(open_archive(path, writing=False))
    for note in health.notes:
        click.echo(f"archive: warning: {path}: {note}", err=True)
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
    from .grammar import counted
    from .maintenance import rebuild as run_rebuild
    from .db import open_archive, writer_lock

    path = db_path_or_default(db_path)
    db = open_archive(path)
    with writer_lock(path):
        paragraphs, repairs = run_rebuild(db)
    if repairs.line():
        click.echo(f"{path}: {repairs.line()}", err=True)
    click.echo(f"{path}: {counted(paragraphs, 'paragraph')} analyzed again, search index rebuilt", err=True)


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

    path = db_path_or_default(db_path)
    try:
        # Not strict: the folder may be gone; symlinks above it still resolve.
        root = str(Path(folder).resolve()) if folder else None
    except (OSError, RuntimeError) as error:
        raise Failure(f"{printable(folder)}: {error}") from None

    def report(kind, file, why):
        click.echo(f"archive: cannot check {present.display_path(file)}: {why}", err=True)

    db = open_archive(path, writing=not dry_run)  # first: no lock file is left next to a missing archive
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


@cli.command()
@click.argument("document_path", metavar="PATH")
@click.option("--db", "db_path", metavar="PATH", help=DB_OPTION_HELP)
@click.option("--paragraph", "-p", type=click.IntRange(min=1), metavar="N",
              help="Only paragraph N (with --context, and those around it).")
@click.option("--context", "-C", default=0, type=click.IntRange(min=0), metavar="N",
              help="With --paragraph: also N paragraphs before and after, dimmed.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per paragraph.")
# show has no matches: its colour is for the numbers and the context.
@color_option("Colour the paragraph numbers, dim the --context paragraphs")
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
    db = open_for_reading(db_path)
    document = find_document(db, document_path)
    if paragraph and paragraph > document.paragraphs:
        raise Failure(f"{present.display_path(document.path)} has {present.counted(document.paragraphs, 'paragraph')}: "
              f"there is no paragraph {paragraph}")
    # More context than the document holds shows all of it (a range of a
    # billion numbers would not fit in memory).
    texts = paragraphs_of(db, document.id, around(paragraph, min(context, document.paragraphs)) if paragraph else None)
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
    and terms (stems), bytes on disk, last import and analyzer version; and
    its fields: the dates' range, the documents per source (per value of each
    field with few values).

    \b
      archive stats
      archive stats --json --db news.db
    """
    import json

    from . import present
    from .documents import stats as archive_stats
    from .fields import field_stats

    path = db_path_or_default(db_path)
    db = open_for_reading(path)
    facts = {**archive_stats(db, path), "fields": field_stats(db)}
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

    serve_archive(db_path_or_default(db_path), port)


def main():
    try:
        cli(prog_name="archive")
    finally:
        # Output still buffered meets a closed pipe here, not in a command.
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            closed_pipe()
