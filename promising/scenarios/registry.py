"""The scenarios a server holds: by id, each until its time-to-live ends, within bounds.

Scenarios are simulations: memory only, gone with the process. They are bounded in number
(the live writer keeps a row for every fork before it changes one, so each fork costs every
reservation a little) and in the memory their forks hold apart from live (`fork.held_bytes`:
changed rows and the ledger's copies); past either bound, a new one is refused
(`Overloaded`). A fork's memory can grow after it is made, as live reservations change rows
it still shares: the bound is checked when a scenario is made, against what every scenario
holds then. Expired scenarios go on the next access and on a periodic sweep.

A refresh of the live data leaves scenarios on the version they forked (each holds its
model and ledger), so their answers keep naming that snapshot and delta; the arrays of a
replaced version stay alive while a scenario forked from it does, and count against the
memory bound (`pinned_bytes`): after a snapshot load, new scenarios may be refused until
the ones on the old data are deleted or expire.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from promising.engine import Engine
from promising.errors import FieldViolation, InvalidInput, NotFound, Overloaded
from promising.fork import held_bytes


@dataclass(frozen=True)
class ScenarioLimits:
    """How many scenarios a server holds, how much memory they may hold, how long they live."""

    count_max: int = 16
    held_bytes_max: int = 512 * 1024 * 1024
    ttl_seconds_default: int = 900
    ttl_seconds_max: int = 86_400
    sweep_seconds: float = 30.0
    """Seconds between sweeps of expired scenarios (they also go on access)."""


@dataclass(frozen=True)
class Scenario:
    """A fork of live with changes, answering quotes until `expire_at` (server clock)."""

    scenario_id: str
    engine: Engine
    lsn: int
    """The journal position it forked at: it holds every reservation up to here."""
    expire_at: float

    @property
    def snapshot_id(self) -> str:
        return self.engine.model.snapshot_id

    @property
    def delta_sequence(self) -> int:
        return self.engine.model.delta_sequence

    def held_bytes(self) -> int:
        return held_bytes(self.engine)


def pinned_bytes(forks: list[Engine], live: Engine) -> int:
    """Bytes of the large arrays (bucket matrices, events, the reserved matrix) that forks
    keep alive and `live` no longer uses: those of versions a refresh replaced."""
    used = {id(a) for a in _large_arrays(live)}
    pinned: dict[int, int] = {}
    for engine in forks:
        for a in _large_arrays(engine):
            if id(a) not in used:
                pinned[id(a)] = a.nbytes
    return sum(pinned.values())


def _large_arrays(engine: Engine) -> list[np.ndarray]:
    model = engine.model
    arrays = [model.supply, model.demand, engine.ledger.reserved]
    for events in (model.supply_events, model.demand_events):
        arrays += [events.ptr, events.bucket, events.quantity, events.kind, events.demand_class]
    return arrays


class Scenarios:
    """Scenarios by id; thread-safe."""

    def __init__(
        self, limits: ScenarioLimits = ScenarioLimits(), clock: Callable[[], float] = time.time
    ) -> None:
        self.limits = limits
        self.clock = clock
        self._scenarios: dict[str, Scenario] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None

    def ttl_seconds(self, requested: int) -> int:
        """The time-to-live for a request's `ttl_seconds` (0: the default)."""
        limits = self.limits
        if requested < 0 or requested > limits.ttl_seconds_max:
            raise InvalidInput(
                f"ttl_seconds: {requested} is not 0 to {limits.ttl_seconds_max}",
                [FieldViolation(("ttl_seconds",), f"0 to {limits.ttl_seconds_max}")],
            )
        return requested or limits.ttl_seconds_default

    def check_room(self) -> None:
        """Refuse at once when no scenario may be added (before the cost of a fork)."""
        with self._lock:
            self._expire_locked()
            self._check_count()

    def add(self, engine: Engine, lsn: int, ttl_seconds: int, live: Engine) -> Scenario:
        """Keep a fork of `live` as a new scenario; `Overloaded` past the count or memory
        bound."""
        scenario = Scenario(uuid.uuid4().hex, engine, lsn, self.clock() + ttl_seconds)
        size = scenario.held_bytes()
        with self._lock:
            self._expire_locked()
            self._check_count()
            scenarios = list(self._scenarios.values())
            held = sum(s.held_bytes() for s in scenarios)
            pinned = pinned_bytes([s.engine for s in scenarios], live)
            if held + pinned + size > self.limits.held_bytes_max:
                old = f", {pinned} of them arrays of replaced data" if pinned else ""
                raise Overloaded(
                    f"scenarios would hold {held + pinned + size} bytes{old}, more than the "
                    f"{self.limits.held_bytes_max} allowed (this one {size}); delete some or "
                    "wait for them to expire"
                )
            self._scenarios[scenario.scenario_id] = scenario
        return scenario

    def get(self, scenario_id: str) -> Scenario:
        """The scenario; `NotFound` when unknown or expired."""
        with self._lock:
            scenario = self._scenarios.get(scenario_id)
            if scenario is not None and scenario.expire_at <= self.clock():
                del self._scenarios[scenario_id]
                scenario = None
        if scenario is None:
            raise NotFound(f"no scenario {scenario_id!r} (unknown or expired)")
        return scenario

    def delete(self, scenario_id: str) -> Scenario:
        """Drop a scenario at once; `NotFound` when unknown or expired."""
        scenario = self.get(scenario_id)
        with self._lock:
            self._scenarios.pop(scenario_id, None)
        return scenario

    def expire(self) -> int:
        """Drop every expired scenario; how many went."""
        with self._lock:
            return self._expire_locked()

    def held_bytes(self) -> int:
        """What every scenario holds apart from live, estimated now."""
        with self._lock:
            scenarios = list(self._scenarios.values())
        return sum(s.held_bytes() for s in scenarios)

    def __len__(self) -> int:
        with self._lock:
            return len(self._scenarios)

    def clear(self) -> None:
        with self._lock:
            self._scenarios.clear()

    # --- the periodic sweep ------------------------------------------------------------------
    def start(self) -> None:
        """Sweep expired scenarios every `limits.sweep_seconds` on a daemon thread."""
        if self._sweeper is not None:
            return
        self._stop.clear()
        self._sweeper = threading.Thread(target=self._sweep, name="scenario-sweep", daemon=True)
        self._sweeper.start()

    def stop(self) -> None:
        """Stop sweeping and drop every scenario (they survive nothing)."""
        self._stop.set()
        if self._sweeper is not None:
            self._sweeper.join()
            self._sweeper = None
        self.clear()

    def _sweep(self) -> None:
        while not self._stop.wait(self.limits.sweep_seconds):
            self.expire()

    def _expire_locked(self) -> int:
        now = self.clock()
        gone = [key for key, s in self._scenarios.items() if s.expire_at <= now]
        for key in gone:
            del self._scenarios[key]
        return len(gone)

    def _check_count(self) -> None:
        if len(self._scenarios) >= self.limits.count_max:
            raise Overloaded(
                f"the server holds {len(self._scenarios)} scenarios, the most it may; delete "
                "some or wait for them to expire"
            )
