"""The top-k ranking against every match scored, on a real archive: random
queries of every shape, made of the archive's own words from the most
common to the rare, each compared page by page with the reference of the
tests (tests/test_duplicates.py: rank.exhaustive, then folded and paged).
The tests compare the two on made-up archives; this is the same check on
the corpus, whose vocabulary, lengths and reprints they cannot have.

    python benchmarks/audit_topk.py --db corpus.db                # 300 queries
    python benchmarks/audit_topk.py --db corpus.db --queries 1000 --seed 7
    python benchmarks/audit_topk.py --db corpus.db --prefixes    # short and long prefixes
    python benchmarks/audit_topk.py --db corpus.db --filters     # within filters too
    python benchmarks/audit_topk.py --db corpus.db --counted     # each page after its count, as the search page
    python benchmarks/audit_topk.py --db corpus.db --ors         # two to eight words joined by OR

Each difference is printed (query, page, the first hit that differs); the
exit status is 1 if there is any.  It needs the test extra (pytest).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_duplicates import reference_filtered, reference_rows, reference_search  # noqa: E402

from archive.counts import count  # noqa: E402
from archive.db import ArchiveError, open_archive  # noqa: E402
from archive.filters import Filters, connect_functions  # noqa: E402
from archive.index import vocabulary  # noqa: E402
from archive.query import QueryError, parse  # noqa: E402
from archive.search import one_snapshot, search  # noqa: E402

# (limit, offset, folded): the first page, a page further on unfolded, a long page.
PAGES = ((20, 0, True), (7, 3, False), (60, 0, True))
# Where a query's words are drawn from, by rank in the written words' counts:
# function words, common words, the middle, the rare.
BANDS = ((0, 60), (60, 600), (600, 6000), (6000, None))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="an imported archive")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--prefixes", action="store_true",
                        help="queries of prefixes of one to four letters, alone or beside words (prefixes.py)")
    parser.add_argument("--filters", action="store_true",
                        help="each query also within filters: a file name's start, one document, a folder, a field's value")
    parser.add_argument("--ors", action="store_true",
                        help="queries of two to eight words joined by OR, of the common and middle words (pairs.py)")
    parser.add_argument("--counted", action="store_true",
                        help="each page ranked after its count, in one snapshot, as the search page ranks it")
    args = parser.parse_args()
    try:
        db = open_archive(args.db)
    except ArchiveError as error:
        raise SystemExit(f"audit_topk: {error}") from None
    connect_functions(db)  # the filters' SQL functions
    words = [term for (term,) in db.execute(
        f"select term from {vocabulary(db)} where col = 'exact' and doc >= 2 order by doc desc"
    ) if any("\u0621" <= letter <= "\u064a" for letter in term)]
    chance = random.Random(args.seed)

    def word() -> str:
        first, last = chance.choice(BANDS)
        return words[chance.randrange(first, min(last or len(words), len(words)))]

    shapes = [
        lambda: word(), lambda: f"{word()} {word()}", lambda: f'"{word()} {word()}"',
        lambda: f"{word()} OR {word()}", lambda: f"{word()} -{word()}", lambda: f"{word()[:4]}*",
        lambda: f"{word()} OR {word()} OR {word()}", lambda: f"{word()} {word()} {word()}",
        lambda: f'"{word()} {word()}" OR {word()}', lambda: f"~{word()}",
        lambda: f"{word()} OR {word()} -{word()}",
    ]
    if args.prefixes:
        start = lambda: word()[:chance.randint(1, 4)]  # noqa: E731
        shapes = [
            lambda: f"{start()}*", lambda: f"{start()}* {start()}*", lambda: f"{start()}* OR {start()}*",
            lambda: f"{start()}* {start()}* OR {start()}*",
            lambda: f"{word()} {start()}*", lambda: f"{word()} -{start()}*", lambda: f"{word()} OR {word()} {start()}*",
            lambda: f"{word()} OR {start()}*", lambda: f"{word()} OR {start()}* -{word()}",
            lambda: f"{word()} OR {word()} OR {start()}* -{start()}*",
        ]
    if args.ors:
        shapes = [lambda: " OR ".join(word() for _ in range(chance.randint(2, 8)))]
    rows = reference_rows(db)
    documents = [path for (path,) in db.execute("select path from documents order by id")]
    fields = [name for name in ("source", "date") if name in db["documents"].columns_dict]

    def some_filters() -> Filters:
        path = chance.choice(documents)
        name = os.path.basename(path)
        kind = chance.randrange(4 if fields else 3)
        if kind == 0:
            return Filters(paths=(name[:chance.randint(min(4, len(name)), len(name))] + "*",))
        if kind == 1:
            return Filters(document=path)
        if kind == 2:  # a folder: of a text's copies in several, maybe not the first
            return Filters(paths=(os.path.dirname(path) + "/*",))
        field = chance.choice(fields)
        value = db.execute(f"select {field} from documents where path = ?", [path]).fetchone()[0]
        return Filters(fields={field: (value,)}) if value else Filters(document=path)

    started, compared, differences = time.perf_counter(), 0, 0
    for _ in range(args.queries):
        text = chance.choice(shapes)()
        try:
            query = parse(text)
        except QueryError:
            continue
        pages = [(limit, offset, fold, None) for limit, offset, fold in PAGES]
        if args.filters:  # unfolded, and folded: a text shown by the first copy the filters pass
            pages += [(20, 0, False, some_filters()), (20, 0, False, some_filters()), (20, 0, True, some_filters())]
        every = None
        for limit, offset, fold, filters in pages:
            with one_snapshot(db.conn):
                if args.counted:  # what the count reads may serve the ranking (prefixes.py)
                    count(db, query, filters)
                hits = search(db, query, limit=limit, offset=offset, fold_duplicates=fold, filters=filters)
            found = [(hit.path, hit.paragraph, hit.copies, hit.score) for hit in hits]
            if filters is None:
                expected = reference_search(db, query, limit, offset, fold, rows)
            else:
                where, params = filters.sql(os.getcwd())
                passing = {path for (path,) in db.execute(f"select path from documents where 1 {where}", params)}
                if every is None:
                    every = reference_search(db, query, len(rows), 0, False, rows)
                expected = reference_filtered(every, passing, rows, limit, offset, fold)
            compared += 1
            if found != expected:
                differences += 1
                first = next(i for i in range(max(len(found), len(expected)))
                             if found[i:i + 1] != expected[i:i + 1])
                print(f"differs: {text!r} limit {limit} offset {offset} folded {fold} {filters}, hit {first + 1}:"
                      f" {found[first:first + 1]} against {expected[first:first + 1]}")
    print(f"{compared} pages of {args.queries} queries compared, {differences} differ"
          f" ({time.perf_counter() - started:.0f} s)")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
