"""Reading documents: which files to take from a folder and how to decode them
(their paragraphs: see paragraphs.py)."""

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

from .analyze import INVISIBLE
from .grammar import counted
from .paths import describe_os_error, printable, too_long

TEXT_SUFFIXES = frozenset({".txt", ".md", ".text"})
_SNIFF_BYTES = 8192
# A file this big is almost certainly not a document; reading it whole would
# only exhaust memory.
MAX_FILE_BYTES = 256 * 1024 * 1024
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
    replaced: int = 0  # byte sequences a Unicode encoding could not decode (U+FFFD)
    doubt: str | None = None  # why the guessed encoding may be wrong (script_doubt)


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
    # An explicit stack, not recursion (os.walk recurses in Python 3.11): a
    # tree thousands of folders deep is walked like any other.  Each entry is
    # the subfolders of one folder still to visit, in reverse order.
    pending: list[list[Path]] = [[root]]
    while pending:
        if not pending[-1]:
            pending.pop()
            continue
        folder = pending[-1].pop()
        listed = _list_folder(folder, on_error)
        if listed is None:
            continue
        folders, names = listed
        for name in sorted(names):
            if not include_hidden and name.startswith("."):
                continue
            if _has_text_suffix(name) if not patterns else _wanted(folder / name, root, patterns):
                yield folder / name
        if not include_hidden:
            folders = [name for name in folders if not name.startswith(".")]
        pending.append([folder / name for name in sorted(folders, reverse=True)])


def _list_folder(
    folder: Path, on_error: Callable[[str, str], None] | None
) -> tuple[list[str], list[str]] | None:
    """A folder's subfolders to walk into and its other entries, as os.walk
    tells them apart: a symlink to a folder is neither (never followed, never
    a file).  None, after on_error(folder, why), when it cannot be listed."""
    folders, names = [], []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    is_folder = entry.is_dir()
                except OSError:
                    is_folder = False
                if not is_folder:
                    names.append(entry.name)
                elif not entry.is_symlink():
                    folders.append(entry.name)
    except OSError as error:
        if on_error:
            on_error(str(folder), too_long(folder) or error.strerror or str(error))
        return None
    return folders, names


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
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # UTF-32's too
        return False
    if b"\x00" in data:
        return True
    # Text has hardly any control characters besides tab, newlines and form feed.
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    return controls > len(data) // 10


_CONTROL_BYTES = bytes(c for c in range(32) if c not in b"\t\n\r\f\v\x1b")


def _binary(data: bytes) -> str:
    """Why bytes that are not text are skipped: UTF-16 without its mark says so.

    >>> _binary("نص عربي طويل".encode("utf-16-le"))
    'UTF-16 without a byte-order mark: not read (--encoding utf-16-le reads it)'
    """
    for order, nuls in (("le", data[1::2]), ("be", data[0::2])):
        others = data[0::2] if order == "le" else data[1::2]
        # Arabic in UTF-16 is 06 xx, Latin 00 xx: one byte of each pair.
        if len(data) >= 4 and all(byte in (0, 6) for byte in nuls) and 0 not in others:
            return f"UTF-16 without a byte-order mark: not read (--encoding utf-16-{order} reads it)"
    return "binary file, not text"


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
            raise NotText(_binary(data[:_SNIFF_BYTES]))
        if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8):]  # the mark, not a character of the text
        try:
            text = data.decode(encoding)
            # A codec such as UTF-7 can decode to lone surrogates, which are
            # not text: SQLite could not store them.
            text.encode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError, LookupError) as error:
            raise UnreadableDocument(f"cannot decode as {encoding}: {error}") from None
        if "\x00" in text:  # a UTF-16 file (its BOM passed the check above) read in a single-byte page
            raise UnreadableDocument(f"cannot decode as {encoding}: the text holds NUL characters")
        return text, name
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16's, which begins it
        return data.decode("utf-32", errors="replace"), "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if _is_binary(data[:_SNIFF_BYTES]):
        raise NotText(_binary(data[:_SNIFF_BYTES]))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # UTF-8 with a few bytes that are not (one bad byte, a file cut inside a
    # letter) is UTF-8 still, those bytes replaced (the import warns); read as
    # UTF-8, a legacy page's Arabic fails at nearly every letter, and almost
    # none of its letters come out right.
    text = data.decode("utf-8", errors="replace")
    replaced = replaced_bytes(data, text, "utf-8")
    if replaced <= len(text) - len(text.encode("ascii", errors="ignore")) - replaced:
        return text, "utf-8"
    return _decode_legacy_arabic(data)


def replaced_bytes(data: bytes, text: str, encoding: str) -> int:
    """How many byte sequences decoding `data` as `encoding` (a Unicode one)
    replaced with U+FFFD: those in `text` that the bytes do not hold.

    >>> replaced_bytes(b"a\\xffb\\xef\\xbf\\xbd", "a\\ufffdb\\ufffd", "utf-8")
    1
    """
    codec = {"utf-8-sig": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}.get(encoding, encoding)
    held = data.count("\ufffd".encode(codec))
    if codec.endswith("-le"):  # either order: the mark said which
        held = max(held, data.count("\ufffd".encode(codec[:-3] + "-be")))
    return text.count("\ufffd") - held


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
    text, name = max(readings, key=lambda reading: _arabic_likeness(reading[0]))
    mixed, arabic = script_words(text)
    return _decode_latin(data) if mixed > arabic else (text, name)


def _decode_latin(data: bytes) -> tuple[str, str]:
    """A Western European file (Windows-1252, else Latin-1, which any bytes
    decode in)."""
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "iso8859-1"


def script_words(arabic_reading: str) -> tuple[int, int]:
    """In an Arabic code page's reading of some bytes: the words that mix
    Latin letters with Arabic letters or marks (Latin text read in the wrong
    page: its ñ ó Ø become ٌ َ ط), and the Arabic words with no Latin letter.

    >>> script_words("El ni\u064co de Espa\u064ca: \u0637resund, وزارة الصحة والiPhone")
    (3, 2)
    >>> script_words("Samsung Galaxy S7 وS7 Edge, وiPad")
    (0, 0)
    """
    words = _LETTERS.findall(arabic_reading)
    # An accented letter stands alone among ASCII ones; Arabic glued to a
    # Latin word (والiPhone) has two letters in a row, or one clitic (وS7).
    mixed = sum(
        1 for word in words
        if _LATIN.search(word) and _ARABIC_OR_MARK.search(word) and not _TWO_ARABIC.search(word)
        and not _CLITIC_GLUED.fullmatch(word)
    )
    arabic = sum(1 for word in words if not _LATIN.search(word) and len(_ARABIC_LETTER.findall(word)) >= 2)
    return mixed, arabic


def script_doubt(data: bytes, text: str, encoding: str) -> str | None:
    """Why a file whose encoding was guessed (text, read in encoding) may
    be misread: in the Arabic page's reading, Arabic words and words mixing
    Latin letters with Arabic ones, neither ten times the other."""
    if encoding in ARABIC_CODE_PAGES:
        arabic_reading, other = text, "cp1252"
    elif encoding in ("cp1252", "iso8859-1"):
        arabic_reading, other = data.decode(ARABIC_CODE_PAGES[0], errors="replace"), ARABIC_CODE_PAGES[0]
    else:
        return None
    # One odd word among hundreds (TASI، or a typo) is no doubt.
    mixed, arabic = script_words(arabic_reading)
    if min(mixed, arabic) == 0 or 10 * min(mixed, arabic) < max(mixed, arabic):
        return None
    return (
        f"read as {encoding}, which may be wrong: {counted(mixed, 'word')} would mix Latin and Arabic "
        f"letters, {counted(arabic, 'word')} would be Arabic (--encoding {other} reads it otherwise)"
    )


def _arabic_likeness(text: str) -> int:
    return text.count("ال") - len(_MIXED_SCRIPT_WORD.findall(text)) - 2 * len(_MISPLACED_MARK.findall(text))


# Words of Latin or Arabic letters (marks included, which \w leaves out; no
# Arabic comma, digit or tatweel): a Latin word read in an Arabic page keeps
# its ASCII letters around the Arabic ones its accented letters became.
_ARABIC_OR_MARKS = "\u0621-\u063a\u0641-\u0652\u0670-\u06d3"
_LETTERS = re.compile(f"[A-Za-z\u00c0-\u024f{_ARABIC_OR_MARKS}]+")
_LATIN = re.compile("[A-Za-z]")
_ARABIC_OR_MARK = re.compile(f"[{_ARABIC_OR_MARKS}]")
_TWO_ARABIC = re.compile(f"[{_ARABIC_OR_MARKS}]{{2}}")
# و ب ل ف ك ("and", "with", "for", "so", "like") written onto a Latin word:
# Arabic (وiPad), though Windows-1252's æ È á Ý ß would read the same bytes.
_CLITIC_GLUED = re.compile("[وبلفك][A-Za-zÀ-ɏ]+")
_ARABIC_LETTER = re.compile("[\u0621-\u063a\u0641-\u064a]")
_MIXED_SCRIPT_WORD = re.compile(r"[\u0600-\u06ff][\u00c0-\u00ff]|[\u00c0-\u00ff][\u0600-\u06ff]")
# Read in the wrong page, Windows-1256's ي ى ن... become ISO-8859-6's marks:
# tanween inside a word (but the fathatan written before alif: عامًا), or a
# mark opening one, which Arabic never writes.
_MISPLACED_MARK = re.compile(
    "[\u064b-\u064d](?=[\u0621-\u0626\u0628-\u064a])|\u064b(?=\u0627[\u0621-\u064a])|(?<![\u0621-\u0652])[\u064b-\u0652]"
)


def read_document(path: str | os.PathLike, encoding: str | None = None, real_path: bool = False) -> Document:
    """Read and decode one regular file; real_path: path has no symlink in
    it, and is absolute (else it is resolved).

    Opened without blocking and checked after opening, so a FIFO or device put
    where a file was is refused rather than waited on.
    """
    # A real path stays a string: an import reads tens of thousands of
    # files, and making each a Path was a share of reading it.
    try:
        resolved = os.fspath(path) if real_path else str(Path(path).resolve(strict=True))
        fd = os.open(resolved, os.O_RDONLY | os.O_NONBLOCK)
    except (OSError, RuntimeError) as error:
        raise UnreadableDocument(describe_os_error(error, Path(path))) from None
    try:
        # Checked before Python's file object is made of it: that refuses a
        # folder (one put where the file was, mid-import) with an OSError.
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotText("not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise UnreadableDocument(
                f"file too large ({info.st_size // 2**20} MB; at most {MAX_FILE_BYTES // 2**20} MB)"
            )
        with open(fd, "rb", closefd=False) as f:
            data = f.read()
    except OSError as error:
        raise UnreadableDocument(describe_os_error(error, Path(path))) from None
    finally:
        os.close(fd)
    text, used = decode(data, encoding)
    digest = hashlib.sha256(data).hexdigest()
    replaced = replaced_bytes(data, text, used) if used.startswith("utf") and "\ufffd" in text else 0
    doubt = None if encoding else script_doubt(data, text, used)
    return Document(
        resolved, text, used, info.st_size, info.st_mtime_ns, digest, title_of(text), replaced, doubt
    )




_EDGES = re.compile(rf"^[\s{INVISIBLE}]+|[\s{INVISIBLE}]+$")
# The first visible character (a line of invisible marks is blank, as
# paragraphs.py has it), and the rest of its line: str.splitlines()'s line
# ends are all whitespace, so none comes before it.
_FIRST_LINE = re.compile(rf"[^\s{INVISIBLE}][^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]*")


def title_of(text: str) -> str:
    """First non-empty line, trimmed, and cut at a word end if very long.
    Found without splitting the whole text into lines.

    >>> title_of("\\n  عنوان الخبر \\nنص"), title_of("\\u200f\\n\\u200bعنوان\\fنص")
    ('عنوان الخبر', 'عنوان')
    """
    found = _FIRST_LINE.search(text)
    if found is None:
        return ""
    line = _EDGES.sub("", found.group())
    if len(line) > MAX_TITLE_CHARS:
        line = line[:MAX_TITLE_CHARS].rsplit(" ", 1)[0] + "…"
    return line


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
