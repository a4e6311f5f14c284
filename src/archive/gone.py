"""Documents whose files are gone: found by their stored paths (printable
forms, see paths.py), for the import's --prune and moves and for `archive
forget`."""

from __future__ import annotations

import os
import stat

from .paths import from_printable, printable


def file_gone(path: str) -> bool:
    """Whether no file is at a stored (printable) path any more: nothing,
    or a folder, a special file or a symlink in its place (stored paths
    have none: the file a symlink names is imported under its own path);
    OSError when that cannot be told."""
    try:
        info = os.lstat(from_printable(path))
    except (FileNotFoundError, NotADirectoryError):
        return True
    return not stat.S_ISREG(info.st_mode)


def surely_gone(path: str) -> bool:
    """Whether the file at a stored path no longer exists, False when that
    cannot be told: such a document is kept, and never taken as moved."""
    try:
        return file_gone(path)
    except OSError:
        return False


def documents_under(db, root: str | None) -> list[tuple[int, str]]:
    """(id, stored path) of the documents at or under root (an absolute,
    resolved path, which need not exist any more), by path; all with None."""
    if root is None:
        return db.conn.execute("select id, path from documents order by path").fetchall()
    root = printable(root)
    prefix = root.rstrip(os.sep) + os.sep
    # The paths that start with prefix, as a range the path index answers.
    after_prefix = prefix[:-1] + chr(ord(os.sep) + 1)
    return db.conn.execute(
        "select id, path from documents where path = ? or (path >= ? and path < ?) order by path",
        [root, prefix, after_prefix],
    ).fetchall()
