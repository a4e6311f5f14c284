"""Showing results: paragraphs with their matched words marked, as text or JSON."""

from __future__ import annotations

import json
import os
from typing import Callable

from .documents import around
from .grammar import counted
from .paths import from_printable, printable
from .counts import Counts
from .document_hits import DocumentHit
from .search import Hit

_MATCH = "\x1b[1;31m"
_PATH = "\x1b[35m"
_NUMBER = "\x1b[32m"
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"


def display_path(path: str) -> str:
    """A stored path as text shows it: printable (escaped, see paths.py),
    relative to the working directory when it lies inside it."""
    return printable(_shown(path))


def null_terminated(path: str) -> bytes:
    """A stored path for `--files --null`: the name's bytes as on disk,
    unescaped, relative as display_path has it, and a NUL after it."""
    return os.fsencode(_shown(path)) + b"\0"


def _shown(path: str) -> str:
    real = from_printable(path)
    try:
        relative = os.path.relpath(real)
    except ValueError:  # another drive on Windows
        return real
    return real if relative.startswith("..") else relative


def mark(
    text: str, spans: list[tuple[int, int]], before: str, after: str, escape: Callable[[str], str] = str
) -> str:
    """Wrap each span of text in before/after; escape (for HTML, say) acts on
    the pieces of text only, so the spans still count the text's characters.

    >>> mark("abc def", [(4, 7)], "[", "]")
    'abc [def]'
    >>> import html
    >>> mark("<a> b", [(4, 5)], "<mark>", "</mark>", escape=html.escape)
    '&lt;a&gt; <mark>b</mark>'
    """
    out, last = [], 0
    for start, end in spans:
        out.append(escape(text[last:start]))
        out.append(before + escape(text[start:end]) + after)
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


# A document's control characters, shown one for one (so marks' spans still
# hold) as pictures of themselves: an escape sequence in a file must not
# reach the terminal (a title, colours, the cursor).  Tab and line end stay.
_CONTROLS_SHOWN = {
    **{code: 0x2400 + code for code in range(0x20) if chr(code) not in "\t\n"},
    0x7F: 0x2421,
    **dict.fromkeys(range(0x80, 0xA0), 0xFFFD),
}


def shown_text(text: str) -> str:
    """A paragraph's text as the terminal is given it.

    >>> shown_text("a\\x1b[31mb\\tc")
    'a\u241b[31mb\\tc'
    """
    return text.translate(_CONTROLS_SHOWN)


def _location(path: str, number: int, separator: str, color: bool) -> str:
    """`path:12` for a hit, `path-11` for context, as grep writes them."""
    if not color:
        return f"{path}{separator}{number}"
    return f"{_PATH}{path}{_RESET}{separator}{_NUMBER}{number}{_RESET}"


def reprint_note(hit: Hit) -> str | None:
    """What folding hid behind a hit, in words.

    >>> from archive.search import Duplicate
    >>> hit = Hit("/a", "", 1, "", 0.0, 1, 1, copies=3,
    ...           duplicates=[Duplicate("/b", 4), Duplicate("/c", 2)])
    >>> reprint_note(hit)
    'also in 2 other documents (--show-duplicates lists them)'
    >>> hit.duplicates = [Duplicate("/b", 4), Duplicate("/b", 6)]
    >>> reprint_note(hit)
    'also in 1 other document (--show-duplicates lists them)'
    >>> hit.duplicates = [Duplicate("/a", 4)]
    >>> reprint_note(hit)
    'again in this document (--show-duplicates lists it)'
    """
    if hit.copies <= 1:
        return None
    others = {d.path for d in hit.duplicates} - {hit.path}
    again = any(d.path == hit.path for d in hit.duplicates)
    if not others:
        return f"again in this document (--show-duplicates lists {'it' if len(hit.duplicates) == 1 else 'them'})"
    note = f"also in {counted(len(others), 'other document')}"
    if again:
        note += " and again in this one"
    return note + " (--show-duplicates lists them)"


def format_hit(hit: Hit, spans: list[tuple[int, int]], color: bool) -> str:
    """`path:paragraph` on one line, then the paragraph (and what it stands for)."""
    location = _location(display_path(hit.path), hit.paragraph, ":", color)
    text = shown_text(hit.text)
    body = mark(text, spans, _MATCH, _RESET) if color else text
    note = reprint_note(hit)
    if note:
        body += "\n" + (f"{_DIM}[{note}]{_RESET}" if color else f"[{note}]")
    return f"{location}\n{body}\n"


def format_context(path: str, number: int, text: str, color: bool) -> str:
    """A paragraph shown around a hit: `path-number`, dimmed on colour."""
    location = _location(display_path(path), number, "-", color)
    text = shown_text(text)
    return f"{location}\n{_DIM}{text}{_RESET}\n" if color else f"{location}\n{text}\n"


BLOCK_SEPARATOR = "--"


def blocks(hits: list[Hit], context: int) -> list[list[tuple[int, Hit | None]]]:
    """Hits with `context` paragraphs around each, grouped as grep does: a
    document's hits go together, in paragraph order, from where its first hit
    stands; windows that overlap or touch merge into one block.  Each block is
    a list of (paragraph number, the hit there or None for context).

    >>> a, b, c = (Hit("/d", "", n, "", 0.0, 1, n) for n in (5, 7, 20))
    >>> [[n for n, _ in block] for block in blocks([c, a, b], 1)]
    [[4, 5, 6, 7, 8], [19, 20, 21]]
    """
    by_document: dict[int, list[Hit]] = {}
    for hit in hits:
        by_document.setdefault(hit.document_id, []).append(hit)
    result = []
    for document_hits in by_document.values():
        block: list[tuple[int, Hit | None]] = []
        for hit in sorted(document_hits, key=lambda h: h.paragraph):
            first = max(1, hit.paragraph - context)
            if block and block[-1][0] >= first - 1:
                block = [(n, h) for n, h in block if n < hit.paragraph]
            else:
                block = []
                result.append(block)
            start = block[-1][0] + 1 if block else first
            block.extend((n, None) for n in range(start, hit.paragraph))
            block.append((hit.paragraph, hit))
            block.extend((n, None) for n in range(hit.paragraph + 1, hit.paragraph + context + 1))
            result[-1] = block
    return result


def format_hits(
    hits: list[Hit],
    spans: dict[int, list[tuple[int, int]]],
    texts: dict[int, dict[int, str]],
    context: int,
    color: bool,
) -> str:
    """All hits as text: each with its marked words (spans by paragraph id),
    and with context, in grep-like blocks of the paragraphs around (texts by
    document id, then paragraph number) separated by `--`."""
    if not context:
        return "".join(format_hit(hit, spans[hit.paragraph_id], color) + "\n" for hit in hits)
    out = []
    for block in blocks(hits, context):
        if out:
            out.append(BLOCK_SEPARATOR + "\n")
        anchor = next(hit for _, hit in block if hit is not None)
        document_texts = texts[anchor.document_id]
        for number, hit in block:
            if hit is not None:
                out.append(format_hit(hit, spans[hit.paragraph_id], color) + "\n")
            elif number in document_texts:
                out.append(format_context(anchor.path, number, document_texts[number], color) + "\n")
    return "".join(out)


def search_summary(hits: list[Hit], further: bool) -> str:
    """The line on stderr after the hits: how many, what was folded, and
    whether more hits follow them.

    >>> print(search_summary([Hit("/a", "", 1, "", 0.0, 1, 1, copies=3)], False))
    1 paragraph in 1 document; 2 reprints of them folded
    """
    documents = len({hit.document_id for hit in hits})
    line = f"{counted(len(hits), 'paragraph')} in {counted(documents, 'document')}"
    folded = sum(hit.copies - 1 for hit in hits if hit.copies > 1)
    if folded:
        line += f"; {counted(folded, 'reprint')} of them folded"
    if further:
        line += " (more with --offset or --limit)"
    return line


def past_the_end(offset: int, counts: Counts, noun: str, fold: bool = True) -> str:
    """What an --offset past the last result says instead of nothing: how
    many documents, or paragraphs (without reprints if folded) there are.

    >>> past_the_end(50, Counts(6, 4, 2), "paragraph")
    ': --offset 50 is past the end, the search found 4 paragraphs'
    >>> past_the_end(90000, Counts(50000, 50000, 50000, more=True), "paragraph")
    ': --offset 90000 is past the end, the search found more than 50,000 paragraphs'
    >>> past_the_end(5000, Counts(50000, 50000, 50000, more=True), "document")
    ': --offset 5000 is past the end, the search found documents holding more than 50,000 paragraphs'
    """
    if counts.more:  # past the count's cap only the paragraphs are known, as more than it
        found = format_counts(counts, noun)
    else:
        found = counted(counts.documents if noun == "document" else counts.distinct if fold else counts.paragraphs, noun)
    return f": --offset {offset} is past the end, the search found {found}"


# Best first, pages (and --offset) go as deep as this many results: each
# page costs the ranking of every result before it (docs/datasette.md).
WINDOW = 10_000


def past_the_window(asked: str, counts: Counts, last: str = "", noun: str = "paragraph") -> str:
    """What a best-first page starting past WINDOW says instead of ranking
    that far (asked: the page or --offset as typed; last: the last page;
    noun: what the results are).

    >>> past_the_window("--offset 20000", Counts(50000, 50000, 50000, more=True))
    '--offset 20000 is past the first 10,000 results, as deep as pages go: the search found more than 50,000 paragraphs; add words or filters to narrow it'
    >>> past_the_window("--offset 10000", Counts(50000, 50000, 50000, more=True), noun="document").split(": ")[1]
    'the search found documents holding more than 50,000 paragraphs; add words or filters to narrow it'

    A count that stopped short of the window (a short prefix's) says so,
    rather than seem to deny that there are that many results:

    >>> past_the_window("--offset 10000", Counts(1000, 1000, 1000, more=True)).split(": ")[1]
    'the search found more than 1,000 paragraphs, where its count stops; add words or filters to narrow it'
    """
    stopped = ", where its count stops" if counts.more and counts.paragraphs < WINDOW else ""
    return (f"{asked} is past the first {WINDOW:,} results, as deep as pages go{last}: "
            f"the search found {format_counts(counts, noun)}{stopped}; add words or filters to narrow it")


def json_line(
    hit: Hit,
    spans: list[tuple[int, int]],
    context: dict[str, list[dict]] | None = None,
    fields: dict[str, str | None] | None = None,
) -> str:
    """One JSON object per hit; spans are [start, end) offsets in `text`;
    `duplicates` are the reprints folded into it; `fields` its document's."""
    record = {
        "path": hit.path,
        "title": hit.title,
        "fields": fields or {},
        "paragraph": hit.paragraph,
        "text": hit.text,
        "score": hit.score,
        "matches": [list(span) for span in spans],
        "duplicates": [{"path": d.path, "paragraph": d.paragraph} for d in hit.duplicates],
    }
    if context is not None:
        record["context"] = context
    return json.dumps(record, ensure_ascii=False)


def json_context(hit: Hit, texts: dict[int, str], context: int) -> dict[str, list[dict]]:
    """The paragraphs before and after a hit, for its JSON object.

    >>> json_context(Hit("/d", "", 2, "", 0.0, 1, 2), {1: "a", 2: "b", 3: "c"}, 1)
    {'before': [{'paragraph': 1, 'text': 'a'}], 'after': [{'paragraph': 3, 'text': 'c'}]}
    """
    numbers = [n for n in around(hit.paragraph, context) if n in texts]
    return {
        "before": [{"paragraph": n, "text": texts[n]} for n in numbers if n < hit.paragraph],
        "after": [{"paragraph": n, "text": texts[n]} for n in numbers if n > hit.paragraph],
    }


def format_document_hit(document: DocumentHit, color: bool, fields: dict | None = None) -> str:
    """A matching document's path, for --files; its fields after it, each
    after a tab (a value may hold spaces: "al watan").

    >>> format_document_hit(DocumentHit("/x/a.txt", "", 0.0, 1), False, {"source": "al watan", "n": "3"})
    '/x/a.txt\\tsource=al watan\\tn=3'
    """
    path = display_path(document.path)
    shown = f"{_PATH}{path}{_RESET}" if color else path
    values = "\t".join(f"{name}={value}" for name, value in (fields or {}).items() if value is not None)
    return f"{shown}\t{values}" if values else shown


def document_json_line(document: DocumentHit, fields: dict | None = None) -> str:
    return json.dumps(
        {
            "path": document.path,
            "title": document.title,
            "fields": fields or {},
            "score": document.score,
            "paragraphs": document.paragraphs,
        },
        ensure_ascii=False,
    )


def format_counts(counts: Counts, noun: str = "paragraph") -> str:
    """The counts; past the cap, where only the paragraphs are known, in
    words that speak of documents when those were asked for (noun).

    >>> format_counts(Counts(paragraphs=12, distinct=9, documents=7))
    '12 paragraphs (9 without reprints) in 7 documents'
    >>> format_counts(Counts(paragraphs=1, distinct=1, documents=1))
    '1 paragraph (1 without reprints) in 1 document'
    >>> format_counts(Counts(50000, 50000, 50000, more=True))
    'more than 50,000 paragraphs'
    >>> format_counts(Counts(50000, 50000, 50000, more=True), "document")
    'documents holding more than 50,000 paragraphs'
    """
    if counts.more:
        paragraphs = f"more than {counts.paragraphs:,} paragraphs"
        return f"documents holding {paragraphs}" if noun == "document" else paragraphs
    return (
        f"{counted(counts.paragraphs, 'paragraph')} ({counts.distinct} without reprints) "
        f"in {counted(counts.documents, 'document')}"
    )


def counts_json(counts: Counts) -> str:
    """
    >>> counts_json(Counts(50000, 50000, 50000, more=True))
    '{"paragraphs": 50000, "distinct_paragraphs": null, "documents": null, "more": true}'
    """
    distinct, documents = known_totals(counts)
    return json.dumps(
        {"paragraphs": counts.paragraphs, "distinct_paragraphs": distinct, "documents": documents, "more": counts.more}
    )


def known_totals(counts: Counts) -> tuple[int | None, int | None]:
    """The paragraphs without reprints and the documents, None past the
    count's cap, where only the paragraphs are known (as more than it)."""
    return (None, None) if counts.more else (counts.distinct, counts.documents)


def format_paragraph(number: int, text: str, dim: bool, color: bool) -> str:
    """A numbered paragraph for `archive show`; lines after the first indented.

    >>> format_paragraph(3, "one\\ntwo", dim=False, color=False)
    '   3  one\\n      two'
    """
    body = shown_text(text).replace("\n", "\n      ")
    if not color:
        return f"{number:>4}  {body}"
    if dim:
        body = f"{_DIM}{body}{_RESET}"
    return f"{_NUMBER}{number:>4}{_RESET}  {body}"


def paragraph_json_line(path: str, number: int, text: str) -> str:
    return json.dumps({"path": path, "paragraph": number, "text": text}, ensure_ascii=False)


def format_stats(stats: dict) -> str:
    """`archive stats` as aligned lines.

    >>> print(format_stats({"documents": 2, "bytes": 2048}))
    documents  2
    bytes      2048
    """
    lines = {key: value for key, value in stats.items() if key != "fields"}
    lines.update(
        (f"field {name}", field_line(facts)) for name, facts in (stats.get("fields") or {}).items()
    )
    width = max(len(key) for key in lines)
    return "\n".join(f"{key:<{width}}  {'' if value is None else value}" for key, value in lines.items())


def field_line(facts: dict) -> str:
    """A field's facts (see fields.field_stats) on one line.

    >>> field_line({"documents": 5, "first": "2015-07-21", "last": "2015-08-15"})
    '2015-07-21 .. 2015-08-15 (5 documents)'
    >>> field_line({"documents": 3, "values": {"okaz": 2, "sabq": 1}})
    'okaz 2, sabq 1'
    >>> field_line({"documents": 900, "distinct": 900})
    '900 values in 900 documents'
    >>> field_line({"documents": 0, "values": {}})
    'no values (no --fields pattern gives it to any document now)'
    """
    if not facts["documents"]:
        return "no values (no --fields pattern gives it to any document now)"
    if "first" in facts:
        return f"{facts['first']} .. {facts['last']} ({counted(facts['documents'], 'document')})"
    if "values" in facts:
        return ", ".join(f"{value} {number}" for value, number in facts["values"].items())
    return f"{counted(facts['distinct'], 'value')} in {counted(facts['documents'], 'document')}"


def use_color(choice: str, stream) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()
