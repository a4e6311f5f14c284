"""Cutting a document's text into paragraphs, as a reader sees them."""

from __future__ import annotations

import re

from .analyze import INVISIBLE_CHARACTERS

# One paragraph row stays small enough to show and to highlight; longer runs
# of text (a file with no line breaks at all) are cut at sentence or word ends.
MAX_PARAGRAPH_CHARS = 10_000


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


# A line of spaces and marks a reader does not see is blank (stripped of
# these, in C, nothing is left).
_BLANK = "".join(filter(str.isspace, map(chr, range(0x3001)))) + INVISIBLE_CHARACTERS
# A page break, a paragraph separator and the file, group and record
# separators part paragraphs as a blank line does; the other line ends that
# str.splitlines() knows (\v, U+0085, U+2028) end a line.
_PARTING = re.compile("[\f\u2029\x1c-\x1e]")
_RARE_BREAKS = "\f\u2029\x1c\x1d\x1e\v\x85\u2028"


def _pieces(text: str) -> list[str]:
    """The paragraphs of text, block by block (a block: a run of lines that
    are not blank)."""
    if any(mark in text for mark in _RARE_BREAKS):
        lines = _PARTING.sub("\n\n", text).splitlines()
    else:  # nearly every text: faster than the above
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if not lines[-1]:
            lines.pop()  # after the last line end
    seen = [bool(line.strip(_BLANK)) for line in lines]
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
