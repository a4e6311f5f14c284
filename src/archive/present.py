"""Showing results: paragraphs with their matched words marked, as text or JSON."""

from __future__ import annotations

import json
import os

from .query import Hit

_MATCH = "\x1b[1;31m"
_PATH = "\x1b[35m"
_NUMBER = "\x1b[32m"
_RESET = "\x1b[0m"


def display_path(path: str) -> str:
    """The path relative to the working directory when it lies inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative


def mark(text: str, spans: list[tuple[int, int]], before: str, after: str) -> str:
    """Wrap each span of text in before/after.

    >>> mark("abc def", [(4, 7)], "[", "]")
    'abc [def]'
    """
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(before + text[start:end] + after)
        last = end
    out.append(text[last:])
    return "".join(out)


def format_hit(hit: Hit, spans: list[tuple[int, int]], color: bool) -> str:
    """`path:paragraph` on one line, then the paragraph."""
    location = f"{display_path(hit.path)}:{hit.paragraph}"
    if not color:
        return f"{location}\n{hit.text}\n"
    path, number = location.rsplit(":", 1)
    body = mark(hit.text, spans, _MATCH, _RESET)
    return f"{_PATH}{path}{_RESET}:{_NUMBER}{number}{_RESET}\n{body}\n"


def json_line(hit: Hit, spans: list[tuple[int, int]]) -> str:
    """One JSON object per hit; spans are [start, end) offsets in `text`."""
    return json.dumps(
        {
            "path": hit.path,
            "title": hit.title,
            "paragraph": hit.paragraph,
            "text": hit.text,
            "score": hit.score,
            "matches": [list(span) for span in spans],
        },
        ensure_ascii=False,
    )


def use_color(choice: str, stream) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()
