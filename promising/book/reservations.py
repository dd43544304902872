"""The book behind its journal writer: submit commands from any thread, get durable answers.

`Reservations` owns the `Book` and the `Writer`: commands run one at a time on the writer
thread (so a reservation is checked and applied in one step and no unit is given twice) and
their futures resolve once the group commit holding them is durable. Quotes do not go
through here: they read the engine directly, without waiting for the writer.

An order that goes to CP-SAT is planned first on a small pool of planner threads (the solver
runs without the GIL), then submitted to the writer with its plan, which the writer
re-checks and reserves; so a solve of seconds never holds the writer, and commands queued
behind it wait for a re-check of microseconds instead.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from promising.book.book import Book, Planned, ReplayReport
from promising.book.commands import (
    Answer,
    ConfirmCommand,
    ConfirmOutcome,
    PromiseCommand,
    PromiseOutcome,
    ReleaseCommand,
    ReleaseOutcome,
)
from promising.engine import Engine
from promising.errors import Overloaded
from promising.journal import Writer

T = TypeVar("T")

JOURNAL_FILE = "journal.sqlite"
PLANNERS = max(1, (os.cpu_count() or 2) - 1)
"""Threads planning slow orders outside the writer: a core fewer than the machine has. Each
solve keeps a core busy; on two cores, two planners left the writer and the handlers
without one (1-line COMMIT p99 3.7-4x its idle p99 while 20-line orders solved, against
0.9-1.6x with one planner; benchmarks/test_writer.py)."""
PLANS_QUEUED_MAX = 16
"""Slow orders waiting for or in planning; more get RESOURCE_EXHAUSTED (at 1-2 s a solve,
16 are already half a minute of work for one planner)."""


class Reservations:
    """Holds, commitments and releases of one engine, journaled in `data_dir`."""

    def __init__(
        self,
        engine: Engine,
        data_dir: Path | str,
        *,
        clock: Callable[[], float] = time.time,
        queue_max: int = 10_000,
        planners: int = PLANNERS,
    ) -> None:
        self.engine = engine
        self.book = Book(engine, clock)
        self._planners = ThreadPoolExecutor(planners, thread_name_prefix="promise-plan")
        self._plans_queued = threading.BoundedSemaphore(PLANS_QUEUED_MAX)
        self.writer = Writer(
            Path(data_dir) / JOURNAL_FILE,
            replay=self.book.replay,
            tick=self.book.expire_due,
            clock=clock,
            queue_max=queue_max,
        )

    def open(self) -> ReplayReport:
        """Replay the journal onto the engine's ledger and start taking commands."""
        self.writer.start()
        return self.book.replay_report

    def close(self, timeout: float | None = None) -> None:
        """Finish the plans under way, commit what is queued and close the journal."""
        self._planners.shutdown(wait=True)
        self.writer.stop(timeout)

    @property
    def lsn(self) -> int:
        """The last durable lsn."""
        return self.writer.lsn

    def promise(
        self, command: PromiseCommand, encode: Callable[[PromiseOutcome], bytes]
    ) -> Future[Answer[PromiseOutcome]]:
        book = self.book
        if not book.slow(command):
            return self.writer.submit(lambda journal: book.promise(command, journal, encode))
        if not self._plans_queued.acquire(blocking=False):
            raise Overloaded(f"too many orders being planned ({PLANS_QUEUED_MAX})")
        answer: Future[Answer[PromiseOutcome]] = Future()

        def plan_then_write() -> None:
            try:
                planned: Planned | None = book.plan(command)
            finally:
                self._plans_queued.release()
            try:
                written = self.writer.submit(
                    lambda journal: book.promise(command, journal, encode, planned)
                )
            except BaseException as error:
                answer.set_exception(error)
                return
            written.add_done_callback(lambda done: _pass_on(done, answer))

        try:
            self._planners.submit(plan_then_write)
        except RuntimeError:  # closed
            self._plans_queued.release()
            return self.writer.submit(lambda journal: book.promise(command, journal, encode))
        return answer

    def confirm(
        self, command: ConfirmCommand, encode: Callable[[ConfirmOutcome], bytes]
    ) -> Future[Answer[ConfirmOutcome]]:
        book = self.book
        return self.writer.submit(lambda journal: book.confirm(command, journal, encode))

    def release(
        self, command: ReleaseCommand, encode: Callable[[ReleaseOutcome], bytes]
    ) -> Future[Answer[ReleaseOutcome]]:
        book = self.book
        return self.writer.submit(lambda journal: book.release(command, journal, encode))


def _pass_on(done: Future[T], to: Future[T]) -> None:
    error = done.exception()
    if error is None:
        to.set_result(done.result())
    else:
        to.set_exception(error)
