"""The reservations journal: SQLite in WAL mode, one connection, one writer thread.

Every mutation is one row of `log`, numbered by its log sequence number (lsn). The `Writer`
thread runs queued commands one after another and commits all those it took from the queue
in one transaction (group commit); a command's future resolves only after that commit, so no
answer is ever sent for a change that a crash could still lose. SQLite 3.40 must never see two
writing connections (its WAL-reset bug needs two), hence one thread owning one connection.

Restart = open the file and replay `records()` in lsn order; commands then continue the log.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from promising.errors import JournalUnavailable, Overloaded

T = TypeVar("T")

SCHEMA_VERSION = "1"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS log (
    lsn INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    request_id TEXT,
    digest BLOB,
    body TEXT NOT NULL,
    response BLOB,
    written_at REAL NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Record:
    """One journaled mutation; `body` is the book's own text (JSON)."""

    lsn: int
    kind: str
    body: str
    request_id: str | None
    digest: bytes | None


class Journal:
    """The SQLite file. Not thread-safe: only the thread that opened it may use it."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise JournalUnavailable(f"{self.path}: cannot switch to WAL mode (got {mode})")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._db.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
            (SCHEMA_VERSION,),
        )
        version = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if version[0] != SCHEMA_VERSION:
            raise JournalUnavailable(f"{self.path}: schema version {version[0]} is not supported")
        self.lsn: int = self._db.execute("SELECT COALESCE(MAX(lsn), 0) FROM log").fetchone()[0]
        """The last committed lsn."""
        self._pending: list[tuple[int, str, str | None, bytes | None, str, bytes | None, float]]
        self._pending = []

    # --- reading -------------------------------------------------------------------------
    def records(self) -> Iterator[Record]:
        """Every committed record, in lsn order."""
        cursor = self._db.execute(
            "SELECT lsn, kind, body, request_id, digest FROM log ORDER BY lsn"
        )
        for lsn, kind, body, request_id, digest in cursor:
            yield Record(lsn, kind, body, request_id, digest)

    def response(self, lsn: int) -> bytes:
        """The response stored with record `lsn` (committed or pending)."""
        if lsn > self.lsn:
            return self._pending[lsn - self.lsn - 1][5] or b""
        row = self._db.execute("SELECT response FROM log WHERE lsn=?", (lsn,)).fetchone()
        if row is None:
            raise KeyError(lsn)
        return row[0] or b""

    # --- writing -------------------------------------------------------------------------
    @property
    def next_lsn(self) -> int:
        """The lsn the next `append` will get."""
        return self.lsn + len(self._pending) + 1

    def append(
        self,
        kind: str,
        body: str,
        request_id: str | None = None,
        digest: bytes | None = None,
        response: bytes | None = None,
    ) -> int:
        """Queue a record for the next commit and return its lsn."""
        lsn = self.next_lsn
        self._pending.append((lsn, kind, request_id, digest, body, response, time.time()))
        return lsn

    def mark(self) -> int:
        """A point to roll pending records back to."""
        return len(self._pending)

    def rollback_to(self, mark: int) -> None:
        """Forget the records appended since `mark`."""
        del self._pending[mark:]

    def commit(self) -> int:
        """Write every pending record in one durable transaction; returns the last lsn."""
        if not self._pending:
            return self.lsn
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany("INSERT INTO log VALUES (?, ?, ?, ?, ?, ?, ?)", self._pending)
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        self.lsn = self._pending[-1][0]
        self._pending.clear()
        return self.lsn

    def close(self) -> None:
        self._db.close()


_STOP = object()
Queued = tuple[Callable[[Journal], Any], "Future[Any]"]
Result = tuple["Future[Any]", Any, BaseException | None]


class Writer:
    """The one thread that owns the journal: runs commands in order, commits them in groups.

    `replay(journal)` runs first, on the writer thread, before any command. `tick(journal)`
    runs before every command and whenever the queue is idle; it returns the time (by `clock`)
    it next wants to run, or None. Whatever it appends is committed like a command's records.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        replay: Callable[[Journal], None] = lambda journal: None,
        tick: Callable[[Journal], float | None] = lambda journal: None,
        clock: Callable[[], float] = time.time,
        queue_max: int = 10_000,
        batch_max: int = 4096,
        idle_wait_seconds: float = 1.0,
    ) -> None:
        self.path = Path(path)
        self._replay = replay
        self._tick = tick
        self._clock = clock
        self._queue_max = queue_max
        self._batch_max = batch_max
        self._idle_wait_seconds = idle_wait_seconds
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="journal-writer", daemon=True)
        self._error: BaseException | None = None
        self._accepting = False
        self._lock = threading.Lock()  # nothing is queued behind the stop marker
        self.lsn = 0
        """The last committed lsn: every answer sent so far is durable up to here."""
        self.commits = 0
        self.commands = 0

    # --- any thread ----------------------------------------------------------------------
    def start(self) -> None:
        """Open the journal and replay it; returns when commands can be submitted."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join()
            raise self._error
        self._accepting = True

    def submit(self, command: Callable[[Journal], T]) -> Future[T]:
        """Queue a command; its future resolves after the commit that makes it durable."""
        future: Future[T] = Future()
        with self._lock:
            if not self._accepting:
                raise JournalUnavailable(self._why_not())
            if self._queue.qsize() >= self._queue_max:
                raise Overloaded(f"the reservation queue is full ({self._queue_max} commands)")
            self._queue.put((command, future))
        return future

    @property
    def failed(self) -> BaseException | None:
        """Why the writer stopped taking commands after a failed commit, if it did."""
        return self._error

    def stop(self, timeout: float | None = None) -> None:
        """Finish and commit what is queued, then close the journal."""
        with self._lock:
            was_accepting, self._accepting = self._accepting, False
            if was_accepting:
                self._queue.put(_STOP)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _why_not(self) -> str:
        if self._error is not None:
            return f"the journal failed ({type(self._error).__name__}); restart the server"
        return "the journal is not open"

    # --- the writer thread ---------------------------------------------------------------
    def _run(self) -> None:
        journal: Journal | None = None
        try:
            journal = Journal(self.path)
            self._replay(journal)
            self._tick(journal)
            journal.commit()
            self.lsn = journal.lsn
        except BaseException as error:
            if journal is not None:
                journal.close()
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        try:
            self._loop(journal)
        finally:
            journal.close()

    def _loop(self, journal: Journal) -> None:
        wake: float | None = None
        while True:
            batch, stop = self._take(wake)
            results: list[Result] = []
            for command, future in batch:
                self._tick(journal)
                mark = journal.mark()
                try:
                    results.append((future, command(journal), None))
                except BaseException as error:
                    journal.rollback_to(mark)
                    results.append((future, None, error))
            wake = self._tick(journal)
            try:
                journal.commit()
            except BaseException as error:
                self._fail(error, results)
                return
            if batch:
                self.commits += 1
                self.commands += len(batch)
            self.lsn = journal.lsn
            for future, result, error in results:
                if error is None:
                    future.set_result(result)
                else:
                    future.set_exception(error)
            if stop:
                return

    def _take(self, wake: float | None) -> tuple[list[Queued], bool]:
        """Everything queued now (waiting for the first command until `wake`)."""
        timeout = self._idle_wait_seconds
        if wake is not None:
            timeout = min(max(wake - self._clock(), 0.0), timeout)
        batch: list[Queued] = []
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return batch, False
        while True:
            if item is _STOP:
                return batch, True
            batch.append(item)
            if len(batch) >= self._batch_max:
                return batch, False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False

    def _fail(self, error: BaseException, results: list[Result]) -> None:
        """A commit failed: memory is now ahead of the file, so stop taking commands (fail-stop)."""
        with self._lock:
            self._error = error
            self._accepting = False
        unavailable = JournalUnavailable(f"journal commit failed: {type(error).__name__}")
        for future, _, _ in results:
            future.set_exception(unavailable)
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not _STOP:
                item[1].set_exception(unavailable)
