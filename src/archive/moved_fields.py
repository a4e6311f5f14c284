"""A folder's --fields pattern follows its documents when an import moves
them (a folder renamed or moved, its parent renamed, a sub-folder moved
out): without it the moved documents would lose their fields, as documents
under no pattern have none.

The pattern goes to the folder that now stands where it stood (the moved
paths keep their part under the folder), or else to the imported folder;
only when it gives the moved documents the values they had, and the place
holds no documents but those moved there (the others, earlier or new in
the same import, were never given that pattern).  A pattern of the place's
own, or one given to this import, wins.  The old folder keeps its pattern
while it still exists or has documents.
"""

from __future__ import annotations

import os
from collections import defaultdict

from .fields import (
    PATTERNS_TABLE,
    FieldPattern,
    FieldRun,
    Unmatched,
    field_names,
    fields_by_path,
    inside,
    remembered_patterns,
    values_for,
)
from .gone import documents_under
from .grammar import agreeing, counted
from .paths import from_printable


def follow_moves(db, run: FieldRun, moves: list[tuple[str, str]]) -> None:
    """After an import that moved documents (old path, new path), before
    fields.apply(): give their new folders the patterns that gave them
    their fields, saying so in run.notes."""
    remembered = {folder: FieldPattern.parse(text) for folder, text in remembered_patterns(db).items()}
    names = field_names(db)
    if not moves or not remembered or not names:
        return
    wanted, unfit, superseded = _wanted(db, run, moves, remembered, names)
    moved_in = {new for _, new in moves}
    conn = db.conn
    conn.execute("begin immediate")
    try:
        followed = set()
        for target, sources in wanted.items():
            texts = {remembered[source].text for source in sources}
            if len(texts) > 1 or _holds_others(db, target, moved_in):
                for source, paths in sources.items():
                    run.notes.append(_kept_where(source, remembered[source].text, target, len(paths)))
                continue
            for source, paths in sources.items():
                text = remembered[source].text
                conn.execute(f"insert or replace into {PATTERNS_TABLE} values (?, ?)", [target, text])
                run.patterns[target] = remembered[source]
                followed.add(source)
                gone = _gone(db, source)
                run.notes.append(
                    f"the pattern of {source} went with its documents to {target}" if gone else
                    f"the pattern of {source} applies to {target} too, where {len(paths)} of its documents moved"
                )
        # A gone folder's pattern serves nothing once its documents have another.
        for source in followed | superseded:
            if _gone(db, source):
                conn.execute(f"delete from {PATTERNS_TABLE} where folder = ?", [source])
                run.patterns.pop(source, None)
                if source not in followed:
                    run.notes.append(f"the pattern of {source}, which is gone, is forgotten")
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    for source, count in unfit.items():
        run.notes.append(
            f"{counted(count, 'document')} moved from {source} lost the fields of its pattern "
            f"{remembered[source].text!r}, which does not fit where {agreeing(count, 'it is', 'they are')}"
        )


def _wanted(db, run: FieldRun, moves, remembered: dict[str, FieldPattern], names: list[str]):
    """The patterns that would give moved documents back their fields, as
    {target folder: {source folder: new paths}}; and per source folder how
    many documents its pattern cannot follow; and the source folders
    whose moved documents came under a pattern that wins over theirs."""
    had = fields_by_path(db, [new for _, new in moves])
    wanted: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    unfit: dict[str, int] = defaultdict(int)
    superseded: set[str] = set()
    for old, new in moves:
        before = had.get(new, {})
        if not any(value is not None for value in before.values()):
            continue  # no fields to keep
        if _values(new, run.patterns, names) == before:
            continue  # the patterns here give them already
        sources = [folder for folder in remembered if inside(old, folder)]
        if not sources:
            continue  # their pattern was forgotten since
        source = max(sources, key=len)
        target = _target(source, old, new, run.folder)
        if target in remembered or (target == run.folder and run.forgot is not None):
            superseded.add(source)  # the place's own pattern, or this import's --fields, wins
            continue
        if _values(new, {**run.patterns, target: remembered[source]}, names) == before:
            wanted[target][source].append(new)
        else:
            unfit[source] += 1
    return wanted, unfit, superseded


def _values(path: str, patterns: dict[str, FieldPattern], names: list[str]) -> dict:
    try:
        return values_for(path, patterns, names)[0]
    except Unmatched:  # the nearest pattern does not fit: no values
        return dict.fromkeys(names)


def _target(source: str, old: str, new: str, folder: str) -> str:
    """Where source stands now for a document moved from old to new: the
    folder under which new has old's path under source (a renamed folder or
    parent), if inside the imported folder; else the imported folder.

    >>> _target("/a/news", "/a/news/okaz/1.txt", "/b/news/okaz/1.txt", "/b")
    '/b/news'
    >>> _target("/a/news", "/a/news/okaz/1.txt", "/b/okaz/1.txt", "/b/okaz")
    '/b/okaz'
    """
    below = old[len(source.rstrip("/")) + 1:]
    if new.endswith("/" + below):
        place = new[: -len(below) - 1]
        if place == folder or inside(place, folder):
            return place
    return folder


def _holds_others(db, target: str, moved_in: set[str]) -> bool:
    """Whether documents not moved in by this import are under target,
    whether from before it or new in it: it is a folder of its own, not
    the pattern's moved one."""
    return any(path not in moved_in for _, path in documents_under(db, from_printable(target)))


def _gone(db, folder: str) -> bool:
    """Whether a pattern's folder has neither documents nor a folder on disk."""
    return not documents_under(db, from_printable(folder)) and not os.path.isdir(from_printable(folder))


def _kept_where(source: str, text: str, target: str, count: int) -> str:
    return (
        f"{counted(count, 'document')} moved from {source} to {target} lost the fields of its pattern "
        f"(archive import {target} --fields {text!r} gives them back)"
    )
