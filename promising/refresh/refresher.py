"""Live refresh: build new data aside, then swap it in inside the single writer.

A refresh reads and validates a snapshot or delta and builds the new model on a builder
thread of low CPU priority, while quotes go on answering from the current one. Then one
command on the journal's writer thread moves the reservations onto the new model, journals
the refresh, and swaps the new engine in by one reference assignment; no reservation can
slip in between, and a quote sees either the old engine or the new one, never half of each.
Refreshes run one at a time. A refused snapshot or delta raises before the swap and changes
nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from promising.book import Reservations, records
from promising.book.commands import HoldState
from promising.delta import Delta
from promising.engine import Engine
from promising.errors import Conflict, PromisingError
from promising.journal import Journal
from promising.ledger import ReservationLedger
from promising.model import SupplyModel
from promising.refresh.patch import PatchReport, apply_delta
from promising.refresh.rebase import RebaseSummary, absorbed_lines, rows_to_keep
from promising.refresh.rows import RowPlan, with_rows
from promising.refresh.version import Version, snapshot_version
from promising.remap import Frame, remap
from promising.snapshot import SnapshotData

RETIRE_SECONDS = 0.2
"""How long a replaced version is kept after its swap: longer than any quote takes."""
BUILD_NICE = 10
"""Default CPU priority (nice) of the thread that builds refreshes aside. The machines have
two cores: a build at the quotes' priority takes CPU from them (one-line QUOTE p99 6-8× idle
while a 100k-row delta arrived every second); at nice 10 the scheduler runs quotes first and
the build in what is left (p99 1.2-1.7×, benchmarks/test_refresh.py), but a build then also
waits for any other busy process on the machine. 0 applies refreshes fastest. The swap
itself runs on the writer, at normal priority."""


class Sources(Protocol):
    """Where snapshots and deltas come from: `loaders` reads them (promising reads no file)."""

    def snapshot(self, path: Path) -> tuple[SnapshotData, SupplyModel]:
        """The snapshot in `path`, validated, and its model; raises `SnapshotError`."""
        ...

    def delta(self, path: Path, version: Version) -> Delta:
        """The delta in `path` encoded against `version`; raises `SnapshotError`, or
        `Conflict` for a delta made for another snapshot or out of sequence."""
        ...


@dataclass(frozen=True)
class RefreshOutcome:
    """A refresh that was swapped in."""

    version: Version
    lsn: int
    rebase: RebaseSummary
    rows: dict[str, int]
    """Rows read by table (a snapshot), or rows applied by table and op (a delta)."""
    item_locations_added: int
    build_seconds: float
    swap_seconds: float


@dataclass(frozen=True)
class Counts:
    """What the book holds, counted on the writer thread."""

    holds_open: int
    lines_reserved: int


@dataclass
class History:
    """When the version in use came, and why the last refused refresh was refused (kept
    after later successes, for an operator to see)."""

    refreshed_at: float = field(default_factory=time.time)
    last_error: str = ""


class Refresher:
    """Loads snapshots and applies deltas onto the engine that `reservations` writes for."""

    def __init__(
        self,
        version: Version,
        reservations: Reservations,
        sources: Sources,
        publish: Callable[[Engine], None],
        clock: Callable[[], float] = time.time,
        build_nice: int = BUILD_NICE,
    ) -> None:
        self.current = version
        self.reservations = reservations
        self.sources = sources
        self.history = History(clock())
        self._publish = publish
        self._clock = clock
        self._lock = threading.Lock()
        self._builder = ThreadPoolExecutor(
            1, thread_name_prefix="refresh-build", initializer=_lower_priority,
            initargs=(build_nice,),
        )  # fmt: skip
        self._retired: list[object] = []
        self._retired_at = 0.0

    # --- refreshes (any thread; one at a time) ---------------------------------------------
    def load_snapshot(self, path: Path | str) -> RefreshOutcome:
        """Load the snapshot in `path` and answer from it, reservations moved onto it."""
        with self._lock, self._recording():
            started = time.perf_counter()
            base = self.current
            version = self._builder.submit(self._build_snapshot, base, Path(path)).result()
            built = time.perf_counter() - started
            future = self.reservations.writer.submit(
                lambda journal: self._swap_snapshot(journal, base, version)
            )
            outcome: RefreshOutcome = future.result()
            self._builder.submit(self._release_retired)
            rows = dict(version.model.stats.rows_read)
            return dataclasses.replace(outcome, rows=rows, build_seconds=built)

    def apply_delta(self, path: Path | str) -> RefreshOutcome:
        """Apply the delta in `path` to the data in use."""
        with self._lock, self._recording():
            started = time.perf_counter()
            base = self.current
            version, report = self._builder.submit(self._build_delta, base, Path(path)).result()
            built = time.perf_counter() - started
            future = self.reservations.writer.submit(
                lambda journal: self._swap_delta(journal, base, version)
            )
            outcome: RefreshOutcome = future.result()
            self._builder.submit(self._release_retired)
            return dataclasses.replace(
                outcome,
                rows=report.rows_applied,
                item_locations_added=report.item_locations_added,
                build_seconds=built,
            )

    def counts(self) -> Counts:
        """Open holds and reserved lines, read on the writer thread (the book's owner)."""
        book = self.reservations.book

        def count(journal: Journal) -> Counts:
            holds = sum(1 for h in book.holds.values() if h.state is HoldState.HELD)
            lines = sum(len(lines) for lines in book.orders.values())
            return Counts(holds, lines)

        return self.reservations.writer.submit(count).result()

    def close(self) -> None:
        """Stop the builder thread (after the refresh it runs, if any)."""
        self._builder.shutdown(wait=True)

    # --- building aside (the builder thread) -------------------------------------------------
    def _release_retired(self) -> None:
        """Drop the replaced versions here, on the low-priority builder, once the quotes that
        were reading them are done: freeing hundreds of MB of arrays (munmap) on a quote's
        thread cost that quote milliseconds."""
        time.sleep(max(0.0, self._retired_at + RETIRE_SECONDS - time.monotonic()))
        self._retired.clear()

    def _build_snapshot(self, base: Version, path: Path) -> Version:
        data, model = self.sources.snapshot(path)
        if model.snapshot_id == base.snapshot_id:
            raise Conflict(f"snapshot {model.snapshot_id!r} is loaded already")
        if model.as_of < base.model.as_of:
            raise Conflict(
                f"snapshot {model.snapshot_id!r} is as of {model.as_of}, before the loaded "
                f"one ({base.model.as_of}); snapshots roll forward only"
            )
        return snapshot_version(data, model, str(path.resolve()))

    def _build_delta(self, base: Version, path: Path) -> tuple[Version, PatchReport]:
        delta = self.sources.delta(path, base)
        return apply_delta(base, dataclasses.replace(delta, path=str(path.resolve())))

    def _recording(self) -> _Recorder:
        return _Recorder(self.history)

    # --- the swap (writer thread) ------------------------------------------------------------
    def _swap_snapshot(self, journal: Journal, base: Version, version: Version) -> RefreshOutcome:
        started = time.perf_counter()
        old = self._check_base(base)
        keep = rows_to_keep(old.model, old.ledger, version.model)
        model = with_rows(version.model, keep)
        ledger, summary = _moved(old, model)
        absorbed = self._absorbed(version)
        body = {
            "op": "snapshot",
            "path": version.snapshot_path,
            "snapshot": model.snapshot_id,
            "as_of": model.as_of.isoformat(),
            "rows": _row_ids(model, keep),
            "absorbed": absorbed,
        }
        summary = dataclasses.replace(
            summary,
            lines_kept=summary.lines_kept - len(absorbed),
            lines_absorbed=len(absorbed),
            item_locations_kept=keep.added,
        )
        version = dataclasses.replace(version, model=model)
        return self._swap(journal, old, version, ledger, body, absorbed, summary, started)

    def _swap_delta(self, journal: Journal, base: Version, version: Version) -> RefreshOutcome:
        started = time.perf_counter()
        old = self._check_base(base)
        absorbed = self._absorbed(version)
        if absorbed or version.model.row_count != old.model.row_count:
            ledger, summary = _moved(old, version.model)
        else:
            # Nothing about the reservations changes: the new engine shares the ledger.
            ledger, summary = old.ledger, RebaseSummary(lines_kept=len(old.ledger))
        body = {
            "op": "delta",
            "path": version.delta_path,
            "snapshot": version.snapshot_id,
            "sequence": version.delta_sequence,
            "absorbed": absorbed,
        }
        summary = dataclasses.replace(
            summary, lines_kept=summary.lines_kept - len(absorbed), lines_absorbed=len(absorbed)
        )
        return self._swap(journal, old, version, ledger, body, absorbed, summary, started)

    def _absorbed(self, version: Version) -> list[tuple[str, str]]:
        lines = self.reservations.book.reserved_lines().items()
        return absorbed_lines(lines, version.order_lines)

    def _check_base(self, base: Version) -> Engine:
        engine = self.reservations.book.engine
        if engine.model is not base.model:  # refreshes are serialized: a bug if it happens
            raise Conflict("the data in use changed while the refresh was built; retry")
        return engine

    def _swap(
        self,
        journal: Journal,
        old: Engine,
        version: Version,
        ledger: ReservationLedger,
        body: dict[str, object],
        absorbed: list[tuple[str, str]],
        summary: RebaseSummary,
        started: float,
    ) -> RefreshOutcome:
        engine = Engine(version.model, ledger)
        lsn = journal.append(records.REFRESH, records.encode(body))
        self.reservations.book.switch(engine, absorbed)
        self.reservations.engine = engine
        self._retired.append((old, self.current))
        self._retired_at = time.monotonic()
        self.current = version
        self.history.refreshed_at = self._clock()
        self._publish(engine)  # the one reference assignment quotes read through
        return RefreshOutcome(version, lsn, summary, {}, 0, 0.0, time.perf_counter() - started)


def _moved(old: Engine, model: SupplyModel) -> tuple[ReservationLedger, RebaseSummary]:
    """A ledger for `model` holding `old`'s reservations, moved (`old`'s is left as it is)."""
    moved = remap(old.ledger.entries(), Frame.of(old.model), model)
    ledger = ReservationLedger.for_model(model)
    ledger.add_many(moved.entries)
    report = moved.report
    summary = RebaseSummary(
        lines_kept=len(moved.entries),
        allocations_moved=report.allocations_moved,
        allocations_dropped=len(report.allocations_dropped),
    )
    return ledger, summary


def _lower_priority(nice: int) -> None:
    """Lower this thread's CPU priority (Linux: a thread is a task with its own nice)."""
    if sys.platform != "linux" or nice <= 0:
        return
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)


def _row_ids(model: SupplyModel, plan: RowPlan) -> list[list[str]]:
    """(item_id, location_id) of the rows a plan appended, as journaled."""
    width = max(len(model.locations.ids), 1)
    return [
        [model.items.ids[key // width], model.locations.ids[key % width]]
        for key in plan.fresh.tolist()
    ]


class _Recorder:
    """Records a refusal in `History.last_error` around one refresh."""

    def __init__(self, history: History) -> None:
        self.history = history

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: object, trace: object) -> None:
        if kind is not None and issubclass(kind, PromisingError):
            self.history.last_error = str(error)
