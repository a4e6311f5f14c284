"""Which documents a search looks in: path globs and one document, as SQL."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


@dataclass
class Filters:
    """Which documents a search looks in.

    paths: globs, any of which may match.  A glob without a slash matches the
    file name (like grep --include); one with a slash matches the whole path,
    absolute or relative to the working directory (as paths are displayed).
    document: one document's stored path (see `document_path`).

    >>> Filters(paths=("*okaz*",)).sql("/home/me")
    ('and (archive_file_name(documents.path) glob :path0)', {'path0': '*okaz*'})
    >>> Filters(paths=("corpus/2015-07-2*",)).sql("/home/me")[1]
    {'path0': '/home/me/corpus/2015-07-2*'}
    """

    paths: tuple[str, ...] = ()
    document: str | None = None

    def sql(self, cwd: str) -> tuple[str, dict[str, str]]:
        """A where-clause fragment on `documents` and its named parameters."""
        clauses, params = [], {}
        if self.paths:
            alternatives = []
            for number, glob in enumerate(self.paths):
                name = f"path{number}"
                if "/" in glob:
                    alternatives.append(f"documents.path glob :{name}")
                    params[name] = absolute_glob(glob, cwd)
                else:
                    alternatives.append(f"archive_file_name(documents.path) glob :{name}")
                    params[name] = glob
            clauses.append("(" + " or ".join(alternatives) + ")")
        if self.document is not None:
            clauses.append("documents.path = :document")
            params["document"] = self.document
        return " ".join(f"and {clause}" for clause in clauses), params


def absolute_glob(glob: str, cwd: str) -> str:
    """A path glob made absolute, the working directory's own glob characters
    escaped so that only the user's wildcards act.

    >>> absolute_glob("./news/*.txt", "/data")
    '/data/news/*.txt'
    >>> absolute_glob("../b/*", "/data/[a]")
    '/data/b/*'
    >>> absolute_glob("x/*", "/data/[a]")
    '/data/[[]a]/x/*'
    >>> absolute_glob("/srv/*/okaz*", "/data")
    '/srv/*/okaz*'
    >>> absolute_glob("news/", "/data")  # a folder: everything in it
    '/data/news/*'
    """
    glob = os.path.expanduser(glob)
    if glob.endswith("/"):
        glob += "*"
    if os.path.isabs(glob):
        return glob
    glob = os.path.normpath(glob)
    base = cwd
    while glob == ".." or glob.startswith("../"):
        base, glob = os.path.dirname(base), glob[3:]
    escaped = re.sub(r"([*?\[])", r"[\1]", base.rstrip("/"))
    return f"{escaped}/{glob}" if glob else escaped


def _file_name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def connect_functions(db: sqlite_utils.Database) -> None:
    """The SQL functions that Filters.sql() uses, on db's connection."""
    db.conn.create_function("archive_file_name", 1, _file_name, deterministic=True)
