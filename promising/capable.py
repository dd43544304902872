"""What the engine can promise beyond plain ATP: allocation by demand class, making the item
(CTP) and buying it from a supplier; the capacity those promises hold is in the ledger.

`Capable` belongs to one `Engine` and, like its ledger, is changed only by the writer. For a
line at one location the engine asks, in order: the class's ATP instead of the plain ATP
(when the item has allocation rules and the order a demand class); then, if that is late or
short, whether making (CTP) or buying (a supplier) gives an earlier date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from promising.allocation import class_atp_row
from promising.ctp import CtpPlanner
from promising.ledger import Allocation, ReservationLedger
from promising.manufacturing import CapacityDraw
from promising.model import SupplyModel
from promising.suppliers import SupplierPlanner

CTP = "CTP"
SUPPLIER = "SUPPLIER"


class Alternative(NamedTuple):
    """A way to fill a line that is not the location's ATP."""

    source_type: str  # CTP or SUPPLIER
    location: int  # ship-from: the plant, or the supplier location
    bucket: int
    allocations: tuple[Allocation, ...]  # component units a CTP plan holds
    capacity: tuple[CapacityDraw, ...]  # plant resource capacity (CTP)
    supplier_draws: tuple[CapacityDraw, ...]  # supplier capacity, in units
    cost: float


@dataclass
class OrderScratch:
    """Capacity an order's earlier lines hold while its later lines are promised."""

    used: np.ndarray
    supplier_used: np.ndarray
    rows: dict[int, np.ndarray] = field(default_factory=dict)


class Capable:
    """Allocation, CTP and supplier sourcing for one engine, reading its ledger."""

    def __init__(self, model: SupplyModel, ledger: ReservationLedger) -> None:
        self.model = model
        self.ledger = ledger
        self.ctp = CtpPlanner(model, ledger, model.manufacturing)
        self.suppliers = SupplierPlanner(model.suppliers, ledger)
        manufacturing = model.manufacturing
        # The model never changes, so whether anything beyond plain ATP applies is fixed.
        self.active = bool(
            model.allocation
            or manufacturing.components
            or manufacturing.routings
            or model.suppliers
        )

    # --- quoting ---------------------------------------------------------------------------
    def class_bucket(
        self,
        row: int,
        demand_class: str,
        start: int,
        quantity: int,
        limit: int,
        overlay_row: np.ndarray | None = None,
    ) -> int | None:
        """Earliest bucket in [start, limit) with the class's ATP >= quantity (-1: none), or
        None when the item has no allocation rules. `overlay_row` is the row's reservations
        with the same order's earlier lines added."""
        pending = None if overlay_row is None else overlay_row - self.ledger.reserved[row]
        model = self.model
        atp = class_atp_row(model, self.ledger, model.allocation, row, demand_class, pending)
        if atp is None:
            return None
        hits = np.flatnonzero(atp[start:limit] >= quantity)
        return int(start + hits[0]) if hits.shape[0] else -1

    def scratch(self) -> OrderScratch:
        return OrderScratch(self.ledger.capacity_used.copy(), self.ledger.supplier_used.copy())

    def better(
        self,
        item: int,
        location: int,
        quantity: int,
        start: int,
        bucket: int,
        scratch: OrderScratch | None = None,
    ) -> Alternative | None:
        """A CTP plan at `location` or a supplier that ships before `bucket` (-1: never)."""
        best: Alternative | None = None
        if location >= 0 and self.model.manufacturing.can_make(item, location):
            plan = self.ctp.plan(
                item,
                location,
                quantity,
                start,
                rows=None if scratch is None else scratch.rows,
                used=None if scratch is None else scratch.used,
            )
            if plan is not None and (bucket < 0 or plan.done < bucket):
                best = Alternative(
                    CTP, location, plan.done, tuple(plan.all_allocations()),
                    tuple(plan.all_capacity()), (), 0.0,
                )  # fmt: skip
                bucket = plan.done
        if item in self.model.suppliers:
            used = None if scratch is None else scratch.supplier_used
            bought = self.suppliers.plan(item, quantity, start, used)
            if bought is not None and (bucket < 0 or bought.done < bucket):
                best = Alternative(
                    SUPPLIER, bought.location, bought.done, (), (), bought.draws, bought.cost
                )
        return best
