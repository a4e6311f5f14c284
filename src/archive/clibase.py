"""The click layer's shared parts: errors as click intends them (one line,
exit status 2), the options every command takes, opening an archive to read."""

from __future__ import annotations

import contextlib
import os
import sys

import click

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
        closed_pipe()
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


def closed_pipe() -> None:
    """The reader of our output went away (`archive search ... | head -1`):
    stop without a word, with the status a shell gives grep killed by
    SIGPIPE.  stdout now points at /dev/null, so that flushing it at exit
    cannot raise again ("Exception ignored ... BrokenPipeError")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    sys.exit(128 + 13)


def db_path_or_default(db: str | None) -> str:
    from .db import default_db_path

    return db or default_db_path()


def color_option(does: str):
    """--color, its help saying what colour does in this command."""
    return click.option(
        "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
        help=f"{does} (auto: on a terminal, unless NO_COLOR).",
    )


COLOR_OPTION = color_option("Mark matches in colour, dim context")


def open_for_reading(db_path: str | None, searching: bool = False):
    """The archive, with a warning on stderr when an older analyzer built it
    or its search index is out of step with its paragraphs (an error to
    search with none)."""
    from .db import analyzer_mismatch, open_reader
    from .index import INDEX_MISSING, index_mismatch

    path = db_path_or_default(db_path)
    # A command searches once: without a memory map (see map_for_reading).
    db = open_reader(path, mapped=False)
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
