"""Buying from a supplier (DESIGN §7): the earliest date a BUY item's suppliers can ship a
quantity, given their lead time and what their daily capacity still has free."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kernels.ctp import earliest_cumulative, take_capacity
from promising.ledger import ReservationLedger
from promising.manufacturing import CapacityDraw, Supplier, supplier_sources


@dataclass(frozen=True)
class SupplierPlan:
    """Ship `quantity` from supplier location `location` on bucket `done`."""

    supplier: int  # index in the planner's supplier list
    location: int
    quantity: int
    done: int
    draws: tuple[CapacityDraw, ...]
    cost: float


def supplier_index(suppliers: dict[int, tuple[Supplier, ...]]) -> dict[int, tuple[int, ...]]:
    """Item → the indices of its suppliers in the model's supplier list (items in order,
    each item's suppliers in file order): the index of supplier capacity rows."""
    out: dict[int, tuple[int, ...]] = {}
    first = 0
    for item, options in sorted(suppliers.items()):
        out[item] = tuple(range(first, first + len(options)))
        first += len(options)
    return out


class SupplierPlanner:
    """Supplier sources per item; what their capacity holds is the ledger's `supplier_used`,
    whose row is the supplier's position in `sources`."""

    def __init__(
        self, suppliers: dict[int, tuple[Supplier, ...]], ledger: ReservationLedger
    ) -> None:
        self.sources: list[tuple[int, Supplier]] = supplier_sources(suppliers)
        self._by_item: dict[int, list[int]] = {}
        for index, (item, _) in enumerate(self.sources):
            self._by_item.setdefault(item, []).append(index)
        self.ledger = ledger
        self.horizon_days = ledger.supplier_used.shape[1]

    def plan(
        self, item: int, quantity: int, first_done: int, used: np.ndarray | None = None
    ) -> SupplierPlan | None:
        """The supplier that ships earliest (then cheapest) at or after `first_done`; `used`
        stands in for the reserved capacity (an order's earlier lines)."""
        used = self.ledger.supplier_used if used is None else used
        best: SupplierPlan | None = None
        for index in self._by_item.get(item, ()):
            supplier = self.sources[index][1]
            free = np.full(self.horizon_days, supplier.capacity_per_day, dtype=np.int64)
            free -= used[index]
            lead = supplier.lead_time_days
            done = earliest_cumulative(free, quantity, lead, max(first_done, lead))
            if done < 0:
                continue
            cost = 0.0 if np.isnan(supplier.unit_cost) else supplier.unit_cost * quantity
            if best is not None and (done, cost) >= (best.done, best.cost):
                continue
            taken = np.zeros(self.horizon_days, dtype=np.int64)
            left = take_capacity(free, quantity, lead, done + 1, taken)
            assert left == 0, "earliest_cumulative promised capacity that is not there"
            draws = tuple(
                CapacityDraw(index, b, int(taken[b])) for b in np.flatnonzero(taken).tolist()
            )
            best = SupplierPlan(index, supplier.location, quantity, done, draws, cost)
        return best
