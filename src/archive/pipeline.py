"""The import's read-ahead: a worker process on the second core reads,
decodes, splits and analyzes files ahead of the importer, which writes them.

The importer decides what to do with each file (new, changed, unchanged, not
text...) a few hundred files ahead of writing it, and the worker reads the
files to be read among those (see Ahead) and hands each document back ready
to store.  The importer reads files too, the farthest ones, whenever it
would otherwise wait for the worker.  The worker is a plain child process
talking pickles over its stdin/stdout: it inherits no file descriptor (the
writer lock stays the importer's alone) and it exits as soon as its stdin
closes, that is when the importer ends in any way, kill -9 included.  It is
started only once enough files need reading: a re-import of an unchanged
tree never starts it.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import io
import itertools
import os
import pickle
import signal
import sys
from typing import Callable, Iterable, Iterator

from . import analyze
from .analyze import analyze_text
from .impact import impact_text

# The worker's analysis cache (see analyze.CACHE_WORDS): it analyzes most documents.
WORKER_CACHE_WORDS = 100_000


def fingerprint(exact: str | bytes) -> str:
    """Same normalized words, same paragraph: a reprint (wire copy).  exact
    as str, or as UTF-8."""
    return hashlib.sha1(exact if isinstance(exact, bytes) else exact.encode("utf-8")).hexdigest()[:16]


# (terms, exact, impact, fingerprint) of one paragraph, as the indexes store
# it (see index.py and impact.py); all but the fingerprint may be UTF-8.
Analyzed = tuple[str | bytes, str | bytes, str | bytes, str]


def analyze_paragraphs(paragraphs: Iterable[str], utf8: bool = False) -> list[Analyzed]:
    """Each paragraph's Analyzed; with utf8, its columns as UTF-8 (each
    encoded once, the fingerprint taken from those bytes)."""
    analyzed = []
    for text in paragraphs:
        terms, exact = analyze_text(text)
        impact = impact_text(terms)
        if utf8:
            terms, exact, impact = terms.encode(), exact.encode(), impact.encode()
        analyzed.append((terms, exact, impact, fingerprint(exact)))
    return analyzed


# Files to read before a worker is worth starting.
PREFETCH_MIN_FILES = 64
# Files decided at once (one look-up in the archive for them all).
PLAN_BATCH = 64
# Files decided ahead of the importer: bounds the work done ahead, and so the
# memory it holds.
PREFETCH_WINDOW = 512
# Files the worker may have in hand, read or not, the nearest ones: enough
# for it to work through most of the importer's longest pause (a commit), and
# fewer than the window, whose far end is the importer's own to read while it
# would otherwise wait.
WORKER_QUEUE = 256
# The worker's answers wait in its pipe until the importer takes them: a pipe
# this big (or as big as the system allows) saves system calls.
ANSWER_PIPE_BYTES = 4 * 1024 * 1024


def _prepare(path: str, encoding: str | None):
    """The worker's part for one file (a real path): what read_document
    raised, or the document (without its text), its paragraphs, the lengths
    of the paragraphs cut short and their analysis; None on anything
    unexpected (the importer reads the file again)."""
    from .files import UnreadableDocument, read_document
    from .paragraphs import split_paragraphs

    try:
        try:
            doc = read_document(path, encoding, real_path=True)
        except UnreadableDocument as error:
            return error
        cut: list[int] = []
        paragraphs = split_paragraphs(doc.text, cut)
        doc.text = ""  # the importer needs the paragraphs only: half the bytes to send
        # As UTF-8, which the importer stores as it is (see index.py): str
        # would be decoded from the pipe and encoded again for SQLite.
        return doc, [text.encode() for text in paragraphs], cut, analyze_paragraphs(paragraphs, utf8=True)
    except Exception:
        return None


def _serve() -> None:
    """Worker loop: (number, path, encoding) in, (number, answer) out, until
    the importer closes the pipe or goes away.

    Answers the importer has not taken yet wait here, not in the pipe: the
    worker never blocks on a full pipe, and goes on with the files it was
    given while the importer is busy (a commit)."""
    analyze.CACHE_WORDS = WORKER_CACHE_WORDS
    # Ctrl-C reaches the whole process group: the importer handles it, and
    # closing the pipe ends this loop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import select

    source, sink = sys.stdin.fileno(), sys.stdout.fileno()
    os.set_blocking(source, False)
    os.set_blocking(sink, False)
    requests: collections.deque = collections.deque()
    unread, answers = b"", bytearray()
    try:
        while True:
            if not requests:
                # Nothing to do: wait for a request, sending answers meanwhile.
                readable, writable, _ = select.select([source], [sink] if answers else [], [])
                if writable:
                    _send_some(sink, answers)
                if not readable:
                    continue
            received = _read_some(source)
            if received == b"":
                break  # the importer is done, or gone
            if received:
                unread = _take_requests(unread + received, requests)
            if requests:
                number, path, encoding = requests.popleft()
                answers += pickle.dumps((number, _prepare(path, encoding)), protocol=pickle.HIGHEST_PROTOCOL)
                _send_some(sink, answers)
    except (OSError, pickle.UnpicklingError, ValueError, TypeError):
        pass
    # Quietly, not even a failed flush at exit.
    os._exit(0)


def _read_some(fd: int) -> bytes | None:
    """What the pipe holds now: b"" at its end, None if nothing yet."""
    try:
        return os.read(fd, 1 << 16)
    except BlockingIOError:
        return None


def _send_some(fd: int, data: bytearray) -> None:
    """Write as much of data as the pipe takes now, and drop it from data."""
    try:
        del data[: os.write(fd, data)]
    except BlockingIOError:
        pass


def _take_requests(data: bytes, requests: collections.deque) -> bytes:
    """Unpickle the whole requests in data into requests; the rest of data."""
    stream = io.BytesIO(data)
    while True:
        start = stream.tell()
        try:
            requests.append(pickle.load(stream))
        except (EOFError, pickle.UnpicklingError):
            # A request cut short: the rest comes with the next read.  (The
            # importer writes nothing but whole requests.)
            return data[start:]


# The worker's program.  Its import path is the importer's own, not the
# current folder's (which `python -m` would put first): a file named like a
# module in the folder being imported must not replace one of ours.
_WORKER_PROGRAM = "import sys; sys.path[:] = {path!r}; from archive.pipeline import _serve; _serve()"


class _Worker:
    def __init__(self):
        import subprocess  # here: `archive search` imports this module and never needs it

        self.process = subprocess.Popen(
            [sys.executable, "-c", _WORKER_PROGRAM.format(path=sys.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        self.poller = None
        try:
            import fcntl

            with open("/proc/sys/fs/pipe-max-size") as limit:  # Linux: 1 MiB unless raised
                size = min(ANSWER_PIPE_BYTES, int(limit.read()))
            fcntl.fcntl(self.process.stdout.fileno(), fcntl.F_SETPIPE_SZ, size)
        except (ImportError, AttributeError, OSError, ValueError):
            pass  # a smaller lead: slower, not wrong

    def send(self, number: int, path: str, encoding: str | None) -> None:
        """Send a request.  (The worker takes requests while it works: this
        never waits long.)"""
        pickle.dump((number, path, encoding), self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self.process.stdin.flush()

    def receive(self) -> tuple[int, object]:
        return pickle.load(self.process.stdout)

    def answered(self) -> bool:
        """Whether an answer has arrived (and receive() won't wait for one),
        or the worker is gone (receive() then says so)."""
        import select

        # poll(), not select(): a process holding over 1,024 files gets pipes
        # with numbers select() refuses.
        if self.poller is None:
            self.poller = select.poll()
            self.poller.register(self.process.stdout, select.POLLIN)
        return bool(self.poller.poll(0))

    def close(self) -> None:
        try:
            self.process.stdin.close()
        except OSError:  # a dead worker: what was left to send has nowhere to go
            pass
        self.process.stdout.close()
        self.process.wait()

    def kill(self) -> None:
        self.process.kill()


class Ahead:
    """The files' plans, decided PREFETCH_WINDOW files ahead of the importer.

    plan(paths) decides about some files, one plan each, in their order;
    to_read(plan) is the (path, encoding) to read for one, or None.
    Iterating gives the plans in the walk's order; take() the reading of the
    file of the plan given last (see _prepare), or None: the importer then
    reads it itself.

    Two readers share the files ahead.  The worker is given the nearest ones,
    as many as it may hold (WORKER_QUEUE), and reads them in order.  The
    importer, when the file it has reached is still with the worker, reads
    the farthest file nobody has instead of waiting, and keeps the result
    until it gets there.  So both cores read and analyze all along, whichever
    is faster, and neither ever waits for the other but on the last files."""

    def __init__(self, paths: Iterable, plan: Callable, to_read: Callable):
        self.paths = iter(paths)
        self.plan = plan
        self.to_read = to_read
        self.planned: collections.deque = collections.deque()  # (number, plan)
        self.numbered = 0
        self.unsent: collections.deque = collections.deque()  # (number, what to read), in order
        self.reads = 0  # files to read met so far
        self.worker: _Worker | None = None
        self.lost = False  # the worker died, or none could be started
        self.outstanding: set[int] = set()  # sent, answer not read yet
        self.answers: dict[int, object] = {}
        self.current = -1

    def __iter__(self) -> Iterator:
        while True:
            self._fill()
            if not self.planned:
                return
            self.current, plan = self.planned.popleft()
            self._give_worker()
            yield plan
            # Not taken: the importer's mind changed (a file touched, same bytes).
            self.answers.pop(self.current, None)

    def _fill(self) -> None:
        while len(self.planned) < PREFETCH_WINDOW:
            paths = list(itertools.islice(self.paths, PLAN_BATCH))
            if not paths:
                return
            for plan in self.plan(paths):
                self.planned.append((self.numbered, plan))
                read = self.to_read(plan)
                if read is not None:
                    self.reads += 1
                    self.unsent.append((self.numbered, read))
                self.numbered += 1

    def _give_worker(self) -> None:
        """Send the worker the nearest files nobody has, up to what it may hold."""
        # Files reached without a reading are the importer's to read now.
        while self.unsent and self.unsent[0][0] <= self.current:
            self.unsent.popleft()
        if self.lost:
            return
        if self.worker is None:
            if self.reads < PREFETCH_MIN_FILES:
                return
            try:
                self.worker = _Worker()
            except OSError:
                self.lost = True
                return
        while self.outstanding and self.worker.answered():
            if not self._receive():
                return
        while self.unsent and len(self.outstanding) < WORKER_QUEUE:
            number, (path, encoding) = self.unsent.popleft()
            try:
                self.worker.send(number, path, encoding)
            except OSError:
                self._lose()
                return
            self.outstanding.add(number)

    def _receive(self) -> bool:
        try:
            number, answer = self.worker.receive()
        except (EOFError, pickle.UnpicklingError, OSError, ValueError, TypeError):
            # The worker died (killed, out of memory): carry on without it.
            self._lose()
            return False
        self.outstanding.discard(number)
        self.answers[number] = answer
        return True

    def _lose(self) -> None:
        # The readings it sent before are whole: they stay.
        self.lost = True
        self.outstanding.clear()
        self.worker.kill()

    def _steal(self) -> None:
        """Read the farthest file nobody has, here."""
        number, (path, encoding) = self.unsent.pop()
        self.answers[number] = _prepare(path, encoding)

    def take(self) -> object:
        """The reading of the file of the plan given last, or None."""
        number = self.current
        while number in self.outstanding and not self.lost:
            if self.unsent and not self.worker.answered():
                self._steal()
            else:
                self._receive()
        return self.answers.pop(number, None)

    def kill(self) -> None:
        if self.worker is not None:
            self.worker.kill()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()


@contextlib.contextmanager
def ahead(paths: Iterable, plan: Callable, to_read: Callable) -> Iterator[Ahead]:
    """An Ahead for the block; its worker, if it started one, ends with it."""
    planner = Ahead(paths, plan, to_read)
    try:
        yield planner
    except BaseException:
        planner.kill()  # no use finishing what it was given
        raise
    finally:
        planner.close()
