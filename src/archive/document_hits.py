"""Documents that match a query (`archive search --files`): each with its
best paragraph's score, as search ranks the paragraphs, or by path."""

from __future__ import annotations

import bisect
import collections
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import rank
from .filters import Filters, connect_functions
from .index import INDEX, MATCHED_BETWEEN_SQL
from .query import Query
from .search import matches_sql, one_snapshot, ranking_of, scores_of

if TYPE_CHECKING:
    import sqlite_utils


@dataclass
class DocumentHit:
    """A matching document; its score is its best paragraph's."""

    path: str
    title: str
    score: float
    paragraphs: int  # how many of its paragraphs match


_DOCUMENTS_SQL = """
select matches.path, documents.title, min(matches.score) as best, count(*), json_group_array(matches.paragraph_id)
from matches join documents on documents.id = matches.document_id
group by matches.document_id
{order}
limit :limit offset :offset
"""


def matching_documents(
    db: sqlite_utils.Database,
    query: Query,
    limit: int = 20,
    offset: int = 0,
    filters: Filters | None = None,
    sort: str = "rank",
    scored: bool = True,
) -> list[DocumentHit]:
    """Documents with a matching paragraph, best first (by their best
    paragraph, as search() ranks it) or by path (scored: with their
    scores worked out, else SQL's)."""
    connect_functions(db)
    if sort != "rank":
        matches, params = matches_sql(query, filters, db)
        with one_snapshot(db.conn):
            rows = db.execute(
                matches + _DOCUMENTS_SQL.format(order="order by matches.path"),
                {**params, "limit": limit, "offset": offset},
            ).fetchall()
            ids = [rowid for *_, each in rows for rowid in json.loads(each)] if scored else []
            scores = scores_of(db, query, ids)
        hits = [DocumentHit(*row[:-1]) for row in rows]
        if scores is not None:  # a document's score is its best paragraph's
            for hit, row in zip(hits, rows):
                hit.score = min(scores[rowid] for rowid in json.loads(row[-1]))
        return hits
    wanted = offset + limit
    with one_snapshot(db.conn):
        ranking = ranking_of(db, query, filters)
        # The best paragraphs, as many more at a time as the documents they
        # fall in are too few: a document's first is its best.  Read in id
        # order (short prefixes), the paragraphs taken count each document's
        # matches, once a document after it was reached; so do all matches.
        # (An archive before the ranking, plan None, ranks by bm25 even so.)
        take, scanned = wanted, ranking.scan is not None and ranking.plan is not None
        if wanted > rank.EVERY_MATCH_FROM:  # a list of them all, most likely: at once (Ranking.best)
            take *= 4
        while True:
            ranked = ranking.best(take)
            documents = _documents_of(db, [rowid for rowid, _ in ranked])
            best: dict[int, float] = {}
            for rowid, score in ranked:
                if rowid in documents:  # else its row or document is gone (see _documents_of)
                    best.setdefault(documents[rowid], score)
            every = len(ranked) < take
            if len(best) > wanted or (len(best) == wanted and not scanned) or every:
                break
            take = max(2 * take, math.ceil(1.25 * take * (wanted + 1) / max(len(best), 1)))
        chosen = list(best.items())[offset:wanted]
        ids = json.dumps([document_id for document_id, _ in chosen])
        if scanned or every:
            matching = collections.Counter(documents[rowid] for rowid, _ in ranked if rowid in documents)
        elif ranking.kept is not None or ranking.fill is not None or ranking.merged:
            # The expression leaves out prefixes its matches are tested for,
            # or paragraphs that hold a prefix alone; or each of its
            # statements merges a prefix's terms, whatever ids are asked for.
            found = _matching_ids(db, ranking.params["expression"], [document_id for document_id, _ in chosen],
                                  ranking.merged)
            if ranking.kept is not None:
                found = {document_id: ranking.kept(sorted(each)) for document_id, each in found.items()}
            if ranking.fill is not None:
                for document_id, each in ranking.fill.held_in(db, list(found)).items():
                    found[document_id] |= each
            matching = {document_id: len(each) for document_id, each in found.items()}
        else:
            matching = dict(db.execute(_MATCHING_IN_SQL.format(what="count(*)"),
                                       {"expression": ranking.params["expression"], "documents": ids}))
        named = {row[0]: row[1:] for row in db.execute(_NAMED_SQL, [ids])}
    return [DocumentHit(*named[document_id], score, matching.get(document_id, 0)) for document_id, score in chosen]


def _matching_ids(db: sqlite_utils.Database, expression: str, documents: list[int], merged: bool) -> dict[int, set[int]]:
    """The ids of each document's paragraphs that the expression matches:
    a statement a document (FTS5 seeks to its first id), or if `merged`,
    one statement over all of them, whose ids are then parted."""
    if not merged:
        listed = db.execute(_MATCHING_IN_SQL.format(what="json_group_array(rowid)"),
                            {"expression": expression, "documents": json.dumps(documents)})
        return {document_id: set(json.loads(each)) for document_id, each in listed}
    spans = sorted((first, last, document_id) for document_id, first, last in db.execute(_SPANS_SQL, [json.dumps(documents)]))
    found: dict[int, set[int]] = {document_id: set() for document_id in documents}
    if not spans:
        return found
    firsts = [first for first, _, _ in spans]
    for (rowid,) in db.execute(MATCHED_BETWEEN_SQL, [expression, spans[0][0], max(last for _, last, _ in spans)]):
        place = bisect.bisect_right(firsts, rowid) - 1
        if place >= 0 and rowid <= spans[place][1]:
            found[spans[place][2]].add(rowid)
    return found


_SPANS_SQL = """
select document_id, min(id), max(id) from paragraphs
where document_id in (select value from json_each(?)) group by document_id
"""


def _documents_of(db: sqlite_utils.Database, ids: list[int]) -> dict[int, int]:
    """The document of each of these paragraphs, by id: of those that have a
    row and a document (another tool may have deleted either; search() too
    leaves such matches out)."""
    return dict(db.execute(_DOCUMENT_OF_SQL, [json.dumps(ids)]))


_DOCUMENT_OF_SQL = """
select paragraphs.id, paragraphs.document_id
from paragraphs join documents on documents.id = paragraphs.document_id
where paragraphs.id in (select value from json_each(?))
"""
_NAMED_SQL = "select id, path, title from documents where id in (select value from json_each(?))"
# Which paragraphs of each of these documents match ({what}: how many, or
# their ids): its paragraphs' ids are side by side, and FTS5 seeks to the first.
_MATCHING_IN_SQL = f"""
select documents.id, (
  select {{what}} from {INDEX} where {INDEX} match :expression
  and rowid between (select min(id) from paragraphs where document_id = documents.id)
  and (select max(id) from paragraphs where document_id = documents.id)
) from documents where documents.id in (select value from json_each(:documents))
"""
