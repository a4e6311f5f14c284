"""Reading documents: which files to take from a folder, how to decode them and
how to cut them into paragraphs."""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

TEXT_SUFFIXES = frozenset({".txt", ".md", ".text"})
_SNIFF_BYTES = 8192


class UnreadableDocument(Exception):
    """A file that cannot be imported as text; the message says why."""


@dataclass
class Document:
    path: str  # absolute, resolved: the same file has one path from any directory
    text: str
    encoding: str
    size: int
    mtime_ns: int


def find_files(root: str | os.PathLike, include_hidden: bool = False) -> Iterator[Path]:
    """Text files under root, in a stable order (sorted, depth first).

    Takes files named *.txt, *.md and *.text, and files without a suffix whose
    first bytes look like text.  Hidden files and folders are skipped unless
    asked for; symlinked folders are not followed, so a loop cannot trap us.
    """
    root = Path(root)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        if not include_hidden:
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in sorted(filenames):
            if not include_hidden and name.startswith("."):
                continue
            path = Path(dirpath) / name
            suffix = path.suffix.lower()
            if suffix in TEXT_SUFFIXES or (suffix == "" and _looks_like_text(path)):
                yield path


def _looks_like_text(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(_SNIFF_BYTES)
    except OSError:
        return False
    return not _is_binary(head)


def _is_binary(data: bytes) -> bool:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in data


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode file bytes, returning (text, encoding used).

    UTF-8 (with or without BOM) and UTF-16 with a BOM are recognized directly;
    anything else is left to charset-normalizer, which knows the legacy Arabic
    code pages (Windows-1256, ISO-8859-6).

    >>> decode("سلام".encode("utf-8"))
    ('سلام', 'utf-8')
    >>> decode("سلام".encode("cp1256"), "cp1256")
    ('سلام', 'cp1256')
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as error:
            raise UnreadableDocument(f"cannot decode as {encoding}: {error}") from None
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if _is_binary(data[:_SNIFF_BYTES]):
        raise UnreadableDocument("binary file, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnreadableDocument("not text in any known encoding")
    return str(best), best.encoding


def read_document(path: str | os.PathLike, encoding: str | None = None) -> Document:
    """Read and decode one file."""
    path = Path(path)
    try:
        resolved = path.resolve(strict=True)
        with open(resolved, "rb") as f:
            stat = os.fstat(f.fileno())
            data = f.read()
    except (OSError, RuntimeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise UnreadableDocument(reason) from None
    text, used = decode(data, encoding)
    return Document(str(resolved), text, used, stat.st_size, stat.st_mtime_ns)


_BLANK_LINE = re.compile(r"\n[ \t\f\v\u00a0]*\n")


def split_paragraphs(text: str) -> list[str]:
    """Cut text into paragraphs: at blank lines where the text has any,
    otherwise one paragraph per line.  Whitespace is trimmed, empty ones dropped.

    >>> split_paragraphs("one\\ntwo\\n\\nthree\\n")
    ['one\\ntwo', 'three']
    >>> split_paragraphs("one\\r\\n  two  \\n")
    ['one', 'two']
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pieces = _BLANK_LINE.split(text) if _BLANK_LINE.search(text) else text.split("\n")
    return [p.strip() for p in pieces if p.strip()]


def title_of(text: str) -> str:
    """First non-empty line, trimmed.

    >>> title_of("\\n  عنوان الخبر \\nنص")
    'عنوان الخبر'
    """
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""
