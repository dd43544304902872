"""Capable-to-promise: the earliest date a MAKE item can be made, and what making it holds.

For q units of item X at plant P completing at bucket d, with make lead time L:
- every component j (q × quantity_per) must be there when work starts, at s = d − L (d when
  L = 0): from its ATP at P, or — if it can be made at P — by making it, recursively;
  each component takes whichever is ready first (ATP when tied);
- every resource on X's routing at P must have q × usage free over the days [d − L, d), taken
  earliest day first.
The plan holds component units (as ATP allocations at s) and resource capacity; components
made for it hold their own components and capacity in turn. Components planned earlier in
the same plan are seen by later ones (a private overlay), so a shared component or resource
is never counted twice. The finished item is made and shipped at d: its own ATP row is not
touched. The recursion depth is bounded (MAX_LEVELS) so a cyclic BOM cannot loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kernels.ctp import earliest_capacity, take_capacity, window
from kernels.promise import earliest_bucket
from promising.ledger import Allocation, ReservationLedger
from promising.manufacturing import CapacityDraw, Manufacturing
from promising.model import SupplyModel

MAX_LEVELS = 12
"""Deepest BOM the planner follows; deeper (or cyclic) structures cannot be made."""


@dataclass
class CtpPlan:
    """A feasible make plan: completion bucket and everything it holds."""

    item: int
    location: int
    quantity: int
    done: int
    allocations: list[Allocation] = field(default_factory=list)
    capacity: list[CapacityDraw] = field(default_factory=list)
    made: list[CtpPlan] = field(default_factory=list)

    def all_allocations(self) -> list[Allocation]:
        out = list(self.allocations)
        for sub in self.made:
            out.extend(sub.all_allocations())
        return out

    def all_capacity(self) -> list[CapacityDraw]:
        out = list(self.capacity)
        for sub in self.made:
            out.extend(sub.all_capacity())
        return out


class _Overlay:
    """Private copies of the rows and capacity a plan has touched so far."""

    def __init__(self, ledger: ReservationLedger, used: np.ndarray) -> None:
        self._ledger = ledger
        self.rows: dict[int, np.ndarray] = {}
        self.used = used.copy()

    def fork(self) -> _Overlay:
        """A copy to try a sub-plan on; adopt it only if the sub-plan is chosen."""
        other = _Overlay(self._ledger, self.used)
        other.rows = {row: values.copy() for row, values in self.rows.items()}
        return other

    def adopt(self, other: _Overlay) -> None:
        self.rows, self.used = other.rows, other.used

    def reserved(self, row: int) -> np.ndarray:
        got = self.rows.get(row)
        return self._ledger.reserved_row(row) if got is None else got

    def hold(self, allocation: Allocation, sign: int = 1) -> None:
        row = self.rows.get(allocation.row)
        if row is None:
            row = self.rows[allocation.row] = self._ledger.reserved_row(allocation.row).copy()
        row[allocation.bucket] += sign * allocation.quantity


class CtpPlanner:
    """Plans make orders against a model and its reservations (units and capacity)."""

    def __init__(
        self, model: SupplyModel, ledger: ReservationLedger, manufacturing: Manufacturing
    ) -> None:
        self.model = model
        self.ledger = ledger
        self.manufacturing = manufacturing

    def plan(
        self,
        item: int,
        location: int,
        quantity: int,
        first_done: int = 0,
        rows: dict[int, np.ndarray] | None = None,
        used: np.ndarray | None = None,
    ) -> CtpPlan | None:
        """The earliest plan completing at or after `first_done`, or None inside the horizon.

        `rows` and `used` stand in for the ledger's rows and the reserved capacity where an
        order's earlier lines already hold some (nothing of them is changed)."""
        if not self.manufacturing.can_make(item, location):
            return None
        overlay = _Overlay(self.ledger, self.ledger.capacity_used if used is None else used)
        if rows:
            overlay.rows = {row: values.copy() for row, values in rows.items()}
        return self._plan(item, location, quantity, first_done, overlay, 0)

    def _plan(
        self,
        item: int,
        location: int,
        quantity: int,
        first_done: int,
        overlay: _Overlay,
        level: int,
    ) -> CtpPlan | None:
        if level >= MAX_LEVELS:
            return None
        model, mfg = self.model, self.manufacturing
        lead = int(model.items.make_lead_time_days[item])
        ready = 0
        sources: list[tuple[int, int, int, CtpPlan | None]] = []  # (row, need, ready, made)
        for component in mfg.components.get((item, location), ()):
            need = quantity * component.quantity_per
            atp_ready = self._atp_ready(component.item, location, need, overlay)
            made = None
            if mfg.can_make(component.item, location) and atp_ready != 0:
                trial = overlay.fork()
                made = self._plan(component.item, location, need, 0, trial, level + 1)
                if made is not None and (atp_ready < 0 or made.done < atp_ready):
                    overlay.adopt(trial)
                else:
                    made = None
            if made is not None:
                sources.append((-1, need, made.done, made))
                ready = max(ready, made.done)
            elif atp_ready >= 0:
                # Held at once (at the earliest bucket that covers it, which is safe) so
                # that later components of this plan cannot count the same units again.
                row = model.row_of(component.item, location)
                overlay.hold(Allocation(row, atp_ready, need))
                sources.append((row, need, atp_ready, None))
                ready = max(ready, atp_ready)
            else:
                return None
        operations = mfg.routings.get((item, location), ())
        need_milli = np.array([quantity * op.usage_milli for op in operations], dtype=np.int64)
        first = max(first_done, ready + lead)
        if operations:
            resources = np.array([op.resource for op in operations], dtype=np.int64)
            free = mfg.capacity_milli[resources] - overlay.used[resources]
            done = earliest_capacity(free, need_milli, lead, first)
        else:
            done = first if first < model.horizon_days else -1
        if done < 0:
            return None
        start = window(done, lead)[0]
        plan = CtpPlan(item, location, quantity, done)
        for row, need, component_ready, made in sources:
            if made is not None:
                plan.made.append(made)
            else:  # move the hold to the day work starts: ATP there is at least as high
                overlay.hold(Allocation(row, component_ready, need), -1)
                allocation = Allocation(row, start, need)
                overlay.hold(allocation)
                plan.allocations.append(allocation)
        lo, hi = window(done, lead)
        for op, milli in zip(operations, need_milli.tolist(), strict=True):
            taken = np.zeros(model.horizon_days, dtype=np.int64)
            free_row = mfg.capacity_milli[op.resource] - overlay.used[op.resource]
            left = take_capacity(free_row, milli, lo, hi, taken)
            assert left == 0, "earliest_capacity promised a window that does not fit"
            for bucket in np.flatnonzero(taken).tolist():
                draw = CapacityDraw(op.resource, bucket, int(taken[bucket]))
                overlay.used[op.resource, bucket] += draw.milli
                plan.capacity.append(draw)
        return plan

    def _atp_ready(self, item: int, location: int, need: int, overlay: _Overlay) -> int:
        """Earliest bucket the component's ATP at the plant covers `need`, or -1."""
        row = self.model.row_of(item, location)
        if row < 0:
            return -1
        model = self.model
        return earliest_bucket(
            model.supply_row(row),
            model.demand_row(row),
            overlay.reserved(row),
            0,
            need,
            model.horizon_days,
        )
