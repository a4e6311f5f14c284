"""Paths as archive shows, stores and takes them back, whatever bytes a
name holds, and why the system refused one."""

from __future__ import annotations

import errno
import os
from pathlib import Path


def printable(path: str | os.PathLike) -> str:
    """A path as it can be shown anywhere: a file name's bytes that are not
    UTF-8 (kept by Python as surrogates) replaced by U+FFFD.

    >>> printable(os.fsdecode(b"a\\xff.txt"))
    'a\ufffd.txt'
    """
    return os.fsencode(path).decode("utf-8", "replace")


def too_long(path: str | os.PathLike) -> str | None:
    """Why the system refuses a path for its length, or None if it does not."""
    size = len(os.fsencode(path))
    if size >= _PATH_MAX:
        return f"path too long ({size} bytes; the system takes at most {_PATH_MAX - 1})"
    longest = max((len(os.fsencode(part)) for part in Path(path).parts), default=0)
    if longest > _NAME_MAX:
        return f"file name too long ({longest} bytes; the system takes at most {_NAME_MAX})"
    return None


def _path_limit(name: str, default: int) -> int:
    try:
        return os.pathconf("/", name)
    except (OSError, ValueError, AttributeError):
        return default


_PATH_MAX = _path_limit("PC_PATH_MAX", 4096)  # bytes, with the final NUL
_NAME_MAX = _path_limit("PC_NAME_MAX", 255)


def describe_os_error(error: BaseException, path: Path) -> str:
    """Why a path could not be opened, in words (RuntimeError: a symlink loop
    as Python 3.10-3.12 report it)."""
    if isinstance(error, RuntimeError) or getattr(error, "errno", None) == errno.ELOOP:
        return "symlink loop"
    if getattr(error, "errno", None) == errno.ENAMETOOLONG:
        return too_long(path) or "path too long"
    if isinstance(error, FileNotFoundError):
        return "dangling symlink" if path.is_symlink() else "file vanished during the import"
    return getattr(error, "strerror", None) or str(error)
