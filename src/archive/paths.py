"""Paths as archive shows, stores and takes them back, whatever bytes a
name holds, and why the system refused one."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path


# How a path is shown, stored in documents.path and accepted back: the name
# itself, except a backslash, written \\, and what could break a line, move
# the cursor or not be UTF-8 at all: \n, \t, \r, and \xNN for each other byte
# of a control character (C0, DEL, C1, line and paragraph separators) and for
# each byte that is not UTF-8.  A printed backslash always starts an escape,
# so no escaped name reads as another, real name.
_ODD_CHARACTER = re.compile("[\\\\\x00-\x1f\x7f-\x9f\u2028\u2029\udc80-\udcff]")
_NAMED_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|([\\ntr]))")


def printable(path: str | os.PathLike) -> str:
    r"""A path (as the system gives it: bytes that are not UTF-8 kept as
    surrogates) in the form shown everywhere and stored in the archive: one
    line, no terminal escapes, and from_printable() gives the path back.

    >>> print(printable(os.fsdecode(b"/a\xff\tb\\c\x1b.txt")))
    /a\xff\tb\\c\x1b.txt
    """
    return _ODD_CHARACTER.sub(_escaped, os.fsdecode(path))


def _escaped(match: re.Match) -> str:
    character = match.group()
    if character in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[character]
    if "\udc80" <= character <= "\udcff":  # a byte that is not UTF-8
        return f"\\x{ord(character) - 0xDC00:02x}"
    return "".join(f"\\x{byte:02x}" for byte in character.encode("utf-8"))


def from_printable(text: str) -> str:
    r"""The path a printable() form stands for.  A backslash that starts no
    escape is taken as itself, so a name typed as it is on disk comes back
    unchanged unless it holds one of the escapes.

    >>> from_printable(r"a\xff\x1b\t\\x") == os.fsdecode(b"a\xff\x1b\t\\x")
    True
    >>> print(from_printable(r"plain\q"))
    plain\q
    """
    if "\\" not in text:
        return text
    data, last = bytearray(), 0
    for match in _ESCAPE.finditer(text):
        data += text[last:match.start()].encode("utf-8", "surrogateescape")
        byte, named = match.groups()
        data += bytes([int(byte, 16)]) if byte else {"\\": b"\\", "n": b"\n", "t": b"\t", "r": b"\r"}[named]
        last = match.end()
    data += text[last:].encode("utf-8", "surrogateescape")
    return os.fsdecode(bytes(data))


def printable_forms(path: str) -> list[str]:
    """The stored forms a path typed by a user may stand for, absolute: as
    printed (escapes read), then as typed (a raw name, backslashes and all)."""
    forms = []
    for real in (from_printable(path), path):
        try:
            resolved = Path(real).expanduser().resolve()
        except (OSError, RuntimeError):  # a symlink loop
            resolved = Path(os.path.abspath(real))
        if printable(resolved) not in forms:
            forms.append(printable(resolved))
    return forms


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
