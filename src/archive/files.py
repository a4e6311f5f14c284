"""Reading documents: which files to take from a folder, how to decode them and
how to cut them into paragraphs."""

from __future__ import annotations

import codecs
import fnmatch
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

TEXT_SUFFIXES = frozenset({".txt", ".md", ".text"})
_SNIFF_BYTES = 8192
# A file this big is almost certainly not a document; reading it whole would
# only exhaust memory.
MAX_FILE_BYTES = 256 * 1024 * 1024
# One paragraph row stays small enough to show and to highlight; longer runs
# of text (a file with no line breaks at all) are cut at sentence or word ends.
MAX_PARAGRAPH_CHARS = 10_000
MAX_TITLE_CHARS = 200
# Legacy code pages our users' Arabic files come in: bytes that are not UTF-8
# are read as one of these.  Left free to choose, charset-normalizer took
# ISO-8859-6 news paragraphs for another code page one time in twenty (one in
# four when cut to 40 characters); limited to these two, and with the check in
# _decode_legacy_arabic, every one of 300 real paragraphs was read right in
# both pages, whole and cut to 40 characters.
ARABIC_CODE_PAGES = ("cp1256", "iso8859_6")


class UnreadableDocument(Exception):
    """A file that cannot be imported; the message says why."""


class NotText(UnreadableDocument):
    """A file that is not text at all (binary, or not a regular file): skipped."""


@dataclass
class Document:
    path: str  # absolute, resolved: the same file has one path from any directory
    text: str
    encoding: str
    size: int
    mtime_ns: int
    sha256: str = ""  # of the bytes as read
    title: str = ""


def find_files(
    root: str | os.PathLike,
    include_hidden: bool = False,
    patterns: Iterable[str] = (),
    on_error: Callable[[str, str], None] | None = None,
) -> Iterator[Path]:
    """Candidate files under root, in a stable order (sorted, depth first).

    Without patterns, takes files named *.txt, *.md and *.text and files
    without a suffix (the importer skips those that turn out not to be
    text).  A pattern without a slash is matched against the file name, one
    with a slash against the path relative to root.  Hidden files and folders
    are skipped unless asked for; symlinked folders are not followed, so a
    loop cannot trap us.  Nothing is opened here: a FIFO cannot block the walk.
    """
    root = Path(root)
    patterns = list(patterns)

    def walk_error(error: OSError) -> None:
        if on_error:
            on_error(error.filename or str(root), error.strerror or str(error))

    for dirpath, dirnames, filenames in os.walk(root, onerror=walk_error):
        dirnames.sort()
        if not include_hidden:
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        folder = Path(dirpath)
        for name in sorted(filenames):
            if not include_hidden and name.startswith("."):
                continue
            if patterns:
                path = folder / name
                if _wanted(path, root, patterns):
                    yield path
            elif _has_text_suffix(name):
                yield folder / name


def walked(path: Path, root: Path, include_hidden: bool = False, patterns: Iterable[str] = ()) -> bool:
    """Whether find_files(root, ...) lists path, a real path (no symlink in
    it) to an existing file.

    >>> walked(Path("/r/a/b.txt"), Path("/r")), walked(Path("/r/.a/b.txt"), Path("/r"))
    (True, False)
    """
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return False
    if not include_hidden and any(part.startswith(".") for part in parts):
        return False
    return _wanted(path, root, list(patterns))


def _has_text_suffix(name: str) -> bool:
    """Whether a file name's suffix (as Path.suffix has it) is a text file's,
    or there is none.

    >>> [_has_text_suffix(n) for n in ["a.TXT", "notes", "a.", ".profile", "a.jpg"]]
    [True, True, True, True, False]
    """
    dot = name.rfind(".")
    suffix = name[dot:].lower() if 0 < dot < len(name) - 1 else ""
    return suffix in TEXT_SUFFIXES or suffix == ""


def _wanted(path: Path, root: Path, patterns: list[str]) -> bool:
    if not patterns:
        return _has_text_suffix(path.name)
    relative = path.relative_to(root).as_posix()
    return any(
        fnmatch.fnmatch(relative if "/" in pattern else path.name, pattern) for pattern in patterns
    )


def _is_binary(data: bytes) -> bool:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in data:
        return True
    # Text has hardly any control characters besides tab, newlines and form feed.
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    return controls > len(data) // 10


_CONTROL_BYTES = bytes(c for c in range(32) if c not in b"\t\n\r\f\v\x1b")


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode file bytes, returning (text, encoding used).

    UTF-8 (with or without BOM) and UTF-16 with a BOM are recognized directly;
    other bytes are taken for one of the legacy Arabic code pages.

    >>> decode("سلام".encode("utf-8"))
    ('سلام', 'utf-8')
    >>> decode(codecs.BOM_UTF16_BE + "سلام".encode("utf-16-be"))
    ('سلام', 'utf-16')
    >>> decode("سلام".encode("cp1256"), "cp1256")
    ('سلام', 'cp1256')
    >>> decode(b"abc", "UTF8")
    ('abc', 'utf-8')
    >>> decode("الأخبار المحلية".encode("iso8859_6"))
    ('الأخبار المحلية', 'iso8859_6')
    """
    if encoding:
        name = codec_name(encoding)
        if not name.startswith(("utf-16", "utf-32")) and _is_binary(data[:_SNIFF_BYTES]):
            raise NotText("binary file, not text")
        try:
            text = data.decode(encoding)
            # A codec such as UTF-7 can decode to lone surrogates, which are
            # not text: SQLite could not store them.
            text.encode("utf-8")
            return text, name
        except (UnicodeDecodeError, UnicodeEncodeError, LookupError) as error:
            raise UnreadableDocument(f"cannot decode as {encoding}: {error}") from None
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if _is_binary(data[:_SNIFF_BYTES]):
        raise NotText("binary file, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _decode_legacy_arabic(data)


def codec_name(encoding: str) -> str:
    """One name for each encoding, however it was written.

    >>> codec_name("UTF8"), codec_name("utf_8"), codec_name("ISO-8859-6"), codec_name("nosuch")
    ('utf-8', 'utf-8', 'iso8859-6', 'nosuch')
    """
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


def _decode_legacy_arabic(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    matches = from_bytes(data, cp_isolation=list(ARABIC_CODE_PAGES))
    readings = [(str(match), match.encoding) for match in matches]
    # charset-normalizer gives up on some short texts with marks it finds odd
    # (a right-to-left mark, for one): then every page that decodes is a reading.
    for name in ARABIC_CODE_PAGES:
        if name not in {encoding for _, encoding in readings}:
            try:
                readings.append((data.decode(name), name))
            except UnicodeDecodeError:
                pass
    if not readings:
        raise NotText("not text in any known encoding")
    # On short texts charset-normalizer often takes ISO-8859-6 bytes for
    # Windows-1256 (one in eight at 15 characters, nine in ten at 8).  The wrong
    # reading turns the article ال into ان or اف and puts Latin letters inside
    # Arabic words, so the reading with most ال and fewest such words wins;
    # ties keep charset-normalizer's order.
    return max(readings, key=lambda reading: _arabic_likeness(reading[0]))


def _arabic_likeness(text: str) -> int:
    return text.count("ال") - len(_MIXED_SCRIPT_WORD.findall(text))


_MIXED_SCRIPT_WORD = re.compile(r"[\u0600-\u06ff][\u00c0-\u00ff]|[\u00c0-\u00ff][\u0600-\u06ff]")


def read_document(path: str | os.PathLike, encoding: str | None = None, real_path: bool = False) -> Document:
    """Read and decode one regular file; real_path: path has no symlink in
    it, and is absolute (else it is resolved).

    Opened without blocking and checked after opening, so a FIFO or device put
    where a file was is refused rather than waited on.
    """
    path = Path(path)
    try:
        resolved = path if real_path else path.resolve(strict=True)
        fd = os.open(resolved, os.O_RDONLY | os.O_NONBLOCK)
    except (OSError, RuntimeError) as error:
        raise UnreadableDocument(describe_os_error(error, path)) from None
    with open(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotText("not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise UnreadableDocument(
                f"file too large ({info.st_size // 2**20} MB; at most {MAX_FILE_BYTES // 2**20} MB)"
            )
        try:
            data = f.read()
        except OSError as error:
            raise UnreadableDocument(describe_os_error(error, path)) from None
    text, used = decode(data, encoding)
    digest = hashlib.sha256(data).hexdigest()
    return Document(str(resolved), text, used, info.st_size, info.st_mtime_ns, digest, title_of(text))


def printable(path: str | os.PathLike) -> str:
    """A path as it can be shown anywhere: a file name's bytes that are not
    UTF-8 (kept by Python as surrogates) replaced by U+FFFD.

    >>> printable(os.fsdecode(b"a\\xff.txt"))
    'a\ufffd.txt'
    """
    return os.fsencode(path).decode("utf-8", "replace")


def describe_os_error(error: BaseException, path: Path) -> str:
    """Why a path could not be opened, in words (RuntimeError: a symlink loop
    as Python 3.10-3.12 report it)."""
    if isinstance(error, RuntimeError) or getattr(error, "errno", None) == 40:
        return "symlink loop"
    if isinstance(error, FileNotFoundError):
        return "dangling symlink" if path.is_symlink() else "file vanished during the import"
    return getattr(error, "strerror", None) or str(error)


def split_paragraphs(text: str, cut: list[int] | None = None) -> list[str]:
    """Cut text into paragraphs as a reader sees them.  Blank lines always
    part them; in each block of lines between, a Markdown heading or list
    item is a paragraph, hard-wrapped prose is joined into one, and other
    lines (the news corpus's long lines, each ending its sentence, or the
    short lines of a list) are a paragraph each.  Lines are trimmed, and a
    paragraph longer than MAX_PARAGRAPH_CHARS is cut in pieces (its length
    is appended to cut, when given).

    >>> split_paragraphs("Title\\n\\nFirst paragraph.\\nSecond one.\\n")
    ['Title', 'First paragraph.', 'Second one.']
    >>> split_paragraphs("one\\r\\n  two  \\n")
    ['one', 'two']
    """
    paragraphs = []
    for piece in _pieces(text):
        if len(piece) > MAX_PARAGRAPH_CHARS:
            paragraphs.extend(cut_long_paragraph(piece))
            if cut is not None:
                cut.append(len(piece))
        else:
            paragraphs.append(piece)
    return paragraphs


# Marks a reader does not see: a line of nothing else (and spaces) is blank.
_INVISIBLE = " \t\u00a0\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"


def _pieces(text: str) -> list[str]:
    """The paragraphs of text, block by block (a block: a run of lines that
    are not blank)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines[-1]:
        lines.pop()  # after the last line end
    seen = [line.strip().strip(_INVISIBLE) for line in lines]
    if all(seen):  # no blank line (the news corpus's shape): one block
        blocks = [lines] if lines else []
    else:
        blocks = [[]]
        for line, shows in zip(lines, seen):
            if shows:
                blocks[-1].append(line)
            elif blocks[-1]:
                blocks.append([])
        if not blocks[-1]:
            blocks.pop()
    pieces: list[str] = []
    for block in blocks:
        _block_pieces(block, len(blocks) > 1, pieces)
    return pieces


# A Markdown heading (group 1) or list item.
_MARKUP = re.compile(r"(#{1,6}(?:\s|$))|(?:[-*+\u2022]|\d{1,9}[.)])\s")


def _block_pieces(lines: list[str], parted: bool, pieces: list[str]) -> None:
    """A Markdown heading is a paragraph, and so is a list item with the
    indented lines that continue it; the other lines go to _prose_pieces
    (parted: whether blank lines part the text in more than one block)."""
    stripped_lines = [line.strip() for line in lines]
    if not any(map(_MARKUP.match, stripped_lines)):
        _prose_pieces(stripped_lines, parted, pieces)
        return
    prose: list[str] = []
    item: list[str] = []
    for line, stripped in zip(lines, stripped_lines):
        markup = _MARKUP.match(stripped)
        if item and not markup and line[0].isspace():
            item.append(stripped)
            continue
        if item:
            pieces.append("\n".join(item))
            item = []
        if not markup:
            prose.append(stripped)
            continue
        _prose_pieces(prose, parted, pieces)
        prose = []
        if markup.group(1):
            pieces.append(stripped)
        else:
            item = [stripped]
    if item:
        pieces.append("\n".join(item))
    _prose_pieces(prose, parted, pieces)


# What ends a sentence (or introduces what follows, as "said:"), and what may
# close it after that.
_ENDING_MARKS = frozenset(".!?:\u061f\u06d4\u2026")
_CLOSING = "\"')]\u00bb\u201d\u2019"
_CONTINUED = (",", "\u060c", "\u061b")
# Editors wrap prose near 70 to 80 columns: lines longer than the maximum
# are paragraphs of their own, and lines shorter than the minimum a list.
WRAP_MIN_COLUMNS = 50
WRAP_MAX_COLUMNS = 100
# Combining marks (Arabic harakat among them) take no column of their own.
_MARKS = re.compile(r"[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed]")
# Prose has some of these; a list of words or names may have none.
_PUNCTUATION = re.compile(r"[.,;:!?\u060c\u061b\u061f\u06d4\u2026]")


def _ends_sentence(line: str) -> bool:
    return line.rstrip(_CLOSING)[-1:] in _ENDING_MARKS


def _prose_pieces(lines: list[str], parted: bool, pieces: list[str]) -> None:
    """Join the lines of hard-wrapped prose (_wrapped_joins), else keep one
    paragraph per line.  Where blank lines part paragraphs (parted), a line
    ending in a comma goes on with the next one when no line of the block
    ends a sentence: a paragraph broken after a clause."""
    joins = _wrapped_joins(lines) if len(lines) > 1 else None
    if joins is None:
        if not parted or any(map(_ends_sentence, lines[:-1])):
            pieces.extend(lines)
            return
        joins = [line.endswith(_CONTINUED) for line in lines[:-1]]
    start = 0
    for end, join in enumerate(joins, 1):
        if not join:
            pieces.append("\n".join(lines[start:end]))
            start = end
    if lines:
        pieces.append("\n".join(lines[start:]))


def _wrapped_joins(lines: list[str]) -> list[bool] | None:
    """For hard-wrapped lines, whether each line goes on with the next one;
    None when they are not wrapped (_wrapped_shape).  A line breaks off
    only where it ends its sentence with room left for the next line's first
    word (the end of a paragraph), or where it is a short first line (a
    title over the paragraph)."""
    if max(map(len, lines)) > 2 * WRAP_MAX_COLUMNS:
        return None  # the common case of long lines, without measuring them
    widths = [len(line) - len(_MARKS.findall(line)) for line in lines]
    # In a longer block the second widest line, not the widest: one overlong
    # line (a link) must not make the others look short.
    widest = column = max(widths)
    if len(lines) > 3:
        column = max(widths[: widths.index(widest)] + widths[widths.index(widest) + 1 :])
    if widest > WRAP_MAX_COLUMNS or column < WRAP_MIN_COLUMNS:
        return None
    # The columns left on each line once the next line's first word is put on it.
    spare = [column - width - 1 - len(after.split(None, 1)[0]) for width, after in zip(widths, lines[1:])]
    ends = [_ends_sentence(line) for line in lines[:-1]]
    title = spare[0] >= 0 and not ends[0]
    if not _wrapped_shape(lines, spare, ends, title, column // 10):
        return None
    joins = [spare_columns < 0 or not end for spare_columns, end in zip(spare, ends)]
    joins[0] = joins[0] and not title
    return joins


def _wrapped_shape(lines: list[str], spare: list[int], ends: list[bool], title: bool, slack: int) -> bool:
    """Whether lines are hard-wrapped: each line (but a title and the last)
    is full, give or take slack columns, or ends its sentence, and at least
    half of them are full without ending a sentence.  Two lines with no
    title are wrapped only if the second ends a sentence: a title and a
    byline look the same; and lines with no punctuation at all are a list."""
    if len(lines) - title == 2 and not _ends_sentence(lines[-1]):
        return False
    if not any(map(_PUNCTUATION.search, lines)):
        return False
    wrapped = 0
    for spare_columns, end in zip(spare[title:], ends[title:]):
        if spare_columns >= slack and not end:
            return False
        wrapped += not end
    return 2 * wrapped >= len(spare) - title


_SENTENCE_END = re.compile(r"[.!?؟۔…]+[\"'»”)]*\s")
_SPACE = re.compile(r"\s")


def cut_long_paragraph(text: str, limit: int = MAX_PARAGRAPH_CHARS) -> list[str]:
    """Cut text into pieces of at most limit characters, each ending at the
    last sentence end in the second half of its window, else at the last
    space, else (one endless word) exactly at the limit.

    >>> cut_long_paragraph("One two. Three four five. Six", limit=14)
    ['One two.', 'Three four', 'five. Six']
    """
    pieces = []
    start = 0  # an offset, not a shrinking copy: copying the rest each time is quadratic
    while len(text) - start > limit:
        window = text[start:start + limit + 1]
        cut = _last_end(_SENTENCE_END, window, limit // 2) or _last_end(_SPACE, window, limit // 2) or limit
        pieces.append(window[:cut].rstrip())
        start += cut
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _last_end(pattern: re.Pattern, window: str, start: int) -> int:
    ends = [m.end() for m in pattern.finditer(window, start)]
    return ends[-1] if ends else 0


def title_of(text: str) -> str:
    """First non-empty line, trimmed, and cut at a word end if very long.

    >>> title_of("\\n  عنوان الخبر \\nنص")
    'عنوان الخبر'
    """
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            if len(line) > MAX_TITLE_CHARS:
                line = line[:MAX_TITLE_CHARS].rsplit(" ", 1)[0] + "…"
            return line
    return ""


# --- the files of a folder ----------------------------------------------------


@dataclass
class FileScan:
    """The candidate files under a folder, walked as they are imported: the
    list of paths is never held, whatever the tree's size."""

    root: Path  # resolved
    include_hidden: bool = False
    patterns: tuple[str, ...] = ()

    def files(self, on_error: Callable[[str, str], None] | None = None) -> Iterator[Path]:
        """The files, in the walk's order; on_error(folder, why) for a folder
        that cannot be listed."""
        return find_files(self.root, self.include_hidden, self.patterns, on_error=on_error)

    def count(self) -> int:
        """How many files there are (a walk of its own, for a progress bar)."""
        return sum(1 for _ in self.files())

    def taken_as_itself(self, resolved: str) -> bool:
        """Whether the walk reaches this real path as a file of its own: one
        it lists, in folders it can list."""
        path = Path(resolved)
        if not walked(path, self.root, self.include_hidden, self.patterns):
            return False
        for folder in [self.root, *path.relative_to(self.root).parents[-2::-1]]:
            try:
                os.scandir(self.root / folder).close()
            except OSError:
                return False
        return True


def scan_folder(
    root: str | os.PathLike, include_hidden: bool = False, patterns: Iterable[str] = ()
) -> FileScan:
    """The scan of a folder; FileNotFoundError or NotADirectoryError, with a
    message for the user, when root is not one."""
    try:
        resolved = Path(root).resolve(strict=True)
    except (OSError, RuntimeError):
        raise FileNotFoundError(f"{printable(root)}: no such folder") from None
    if not resolved.is_dir():
        raise NotADirectoryError(f"{printable(root)} is not a folder")
    return FileScan(resolved, include_hidden, tuple(patterns))
