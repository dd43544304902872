"""The book behind its journal writer: submit commands from any thread, get durable answers.

`Reservations` owns the `Book` and the `Writer`: commands run one at a time on the writer
thread (so a reservation is checked and applied in one step and no unit is given twice) and
their futures resolve once the group commit holding them is durable. Quotes do not go
through here: they read the engine directly, without waiting for the writer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from promising.book.book import Book, ReplayReport
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
from promising.journal import Writer

JOURNAL_FILE = "journal.sqlite"


class Reservations:
    """Holds, commitments and releases of one engine, journaled in `data_dir`."""

    def __init__(
        self,
        engine: Engine,
        data_dir: Path | str,
        *,
        clock: Callable[[], float] = time.time,
        queue_max: int = 10_000,
    ) -> None:
        self.engine = engine
        self.book = Book(engine, clock)
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
        """Commit what is queued and close the journal."""
        self.writer.stop(timeout)

    @property
    def lsn(self) -> int:
        """The last durable lsn."""
        return self.writer.lsn

    def promise(
        self, command: PromiseCommand, encode: Callable[[PromiseOutcome], bytes]
    ) -> Future[Answer[PromiseOutcome]]:
        book = self.book
        return self.writer.submit(lambda journal: book.promise(command, journal, encode))

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
