"""Reading a query's cells ahead (docs/ranking.md): while rank.top works
through the paragraphs of one cell in Python, the next cells' statements
run on a second connection in a thread of their own.  SQLite lets go of
Python's lock while a statement runs, and a cell read ahead is one
statement giving one value (slots.cell_json), so the two overlap on two
cores.  Rather than wait for a cell the second thread has begun, the first
reads the next one itself.

The second connection must read the same archive as the first: at each
search it starts a read transaction, and is used only if FTS5's structure
record (which every write to the index changes) is the same as the first
one sees.  It is kept while the first is, so that its pages stay cached.
"""

from __future__ import annotations

import json
import threading
import time
from typing import TYPE_CHECKING, Callable
from urllib.parse import quote

from . import slots
from .index import INDEX
from .sqlite import sqlite3

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

# Cells read before the search has spent this long in them are read in
# turn: a thread costs more than a few quick statements.
START_AFTER = 0.003
# Cells read ahead of the one asked for: those after the last one needed
# are read for nothing, on the other core.
DEPTH = 2

_STRUCTURE_SQL = f"select block from {INDEX}_data where id = 10"
# Second connections by the id of the first (held, so that no other
# connection takes its id), for this many first connections at most (a
# Datasette has one per thread): the oldest is closed to make room.
_CONNECTIONS = 8
_SECONDS: dict[int, tuple[object, sqlite3.Connection]] = {}
_LOCK = threading.Lock()  # Datasette searches from several threads


class Cells:
    """The cells' ids, asked for in order (rows()); read ahead once they
    have cost START_AFTER, if a second connection can read what the first
    reads.  close() ends the reading."""

    def __init__(self, db, count: int, expression_of: Callable[[int], str | None], deadline: float | None = None):
        self.db, self.count, self.deadline = db, count, deadline
        self.expressions: dict[int, str | None] = {}
        self.expression_of = expression_of
        self.spent = 0.0
        self.pending: dict[int, Future] = {}
        self.taken: dict[int, list[int]] = {}  # read by this thread meanwhile
        self.worker: ThreadPoolExecutor | None = None
        self.second = None
        self.tried = False

    def expression(self, number: int) -> str | None:
        """The cell's FTS5 expression (None: no paragraph is in it)."""
        if number not in self.expressions:
            self.expressions[number] = self.expression_of(number)
        return self.expressions[number]

    def rows(self, number: int, following: list[int] | None = None) -> list[int]:
        """The ids of the cell's paragraphs; following: the cells to be
        asked for next, if not those after it."""
        if number in self.taken:
            return self.taken.pop(number)
        expression = self.expression(number)
        if expression is None:
            return []
        if self.worker is None and not self.tried and self.spent >= START_AFTER:
            self._start()
        if self.worker is None:
            began = time.perf_counter()
            rows = slots.cell_rows(self.db, expression)
            self.spent += time.perf_counter() - began
            return rows
        if following is None:
            following = list(range(number + 1, min(number + DEPTH + 1, self.count)))
        for ahead in [number] + following[:DEPTH]:
            if ahead not in self.pending and ahead not in self.taken and self.expression(ahead) is not None:
                self.pending[ahead] = self.worker.submit(slots.cell_json, self.second, self.expression(ahead))
        future = self.pending.pop(number)
        if not future.done():
            # Rather than wait for the other connection, this one reads the
            # next cell it has not begun (both cores in SQLite meanwhile).
            for ahead in following[:DEPTH]:
                if ahead in self.pending and self.pending[ahead].cancel():
                    del self.pending[ahead]
                    self.taken[ahead] = json.loads(slots.cell_json(self.db, self.expression(ahead)))
                    break
        # Parsed here: json.loads holds Python's lock, which this thread needs.
        return json.loads(self._result(future))

    def forget(self, numbers: list[int]) -> None:
        """These cells will be asked for later, if at all: not read ahead
        now (those already begun run on)."""
        for number in numbers:
            future = self.pending.get(number)
            if future is not None and future.cancel():
                del self.pending[number]

    def _start(self) -> None:
        self.tried = True
        self.second = _second_connection(self.db)
        if self.second is not None:
            # Imported here: logging and the rest cost every `archive search`
            # process its start, and most searches never read ahead.
            from concurrent.futures import ThreadPoolExecutor

            self.worker = ThreadPoolExecutor(1, thread_name_prefix="archive-cells")

    def _result(self, future: Future) -> str:
        # Waits no longer than the time limit (rank.time_limit); close()
        # then interrupts the statement.  No progress handler on the second
        # connection: each call into Python would wait for the lock this
        # thread holds.
        from concurrent.futures import TimeoutError

        timeout = None if self.deadline is None else max(0.0, self.deadline - time.perf_counter())
        try:
            return future.result(timeout)
        except TimeoutError:
            raise sqlite3.OperationalError("interrupted") from None

    def close(self) -> None:
        """Stop reading ahead, and end the second connection's transaction."""
        if self.worker is not None:
            self.worker.shutdown(wait=False, cancel_futures=True)
            self.second.interrupt()  # its statement, if one runs, ends now
            self.worker.shutdown(wait=True)
        if self.second is not None and self.second.in_transaction:
            try:
                self.second.execute("rollback")
            except sqlite3.Error:
                _forget(_connection(self.db))


def _connection(db):
    return getattr(db, "conn", db)  # a sqlite_utils Database, or a connection


def _second_connection(db):
    """A read-only connection to the archive's file in a read transaction
    that sees the same index as `db`; None if there can be none (a database
    in memory) or it sees another."""
    conn = _connection(db)
    try:
        with _LOCK:
            first, second = _SECONDS.get(id(conn), (None, None))
            if first is not conn:
                path = next((file for _, name, file in db.execute("pragma database_list") if name == "main"), "")
                if not path:
                    return None
                second = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, check_same_thread=False,
                                         isolation_level=None)
                # Through a memory map if the first reads through one.
                (mapped,) = db.execute("pragma mmap_size").fetchone()
                second.execute(f"pragma mmap_size = {mapped}")
                if len(_SECONDS) >= _CONNECTIONS:
                    _SECONDS.pop(next(iter(_SECONDS)))[1].close()  # the oldest
                _SECONDS[id(conn)] = (conn, second)
        second.execute("begin")
        if _structure(second) == _structure(db):
            return second
        second.execute("rollback")
    except sqlite3.Error:
        _forget(conn)
    return None


def _structure(db) -> bytes | None:
    """FTS5's structure record (a value: the rows of Datasette's connections
    are not tuples)."""
    row = db.execute(_STRUCTURE_SQL).fetchone()
    return row[0] if row else None


def _forget(conn) -> None:
    with _LOCK:
        _, second = _SECONDS.pop(id(conn), (None, None))
    if second is not None:
        second.close()
