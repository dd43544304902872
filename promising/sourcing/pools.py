"""The capacity an order's sources draw on, by pool, with the order's earlier lines held.

A pool is what a source's units come out of, as a non-decreasing curve over buckets: how many
units can ship on or before each bucket (DESIGN §3: reserving on a day lowers it from there
on, and none may go below zero):
- an item-location row (an `ATP` source): its LOOKAHEAD ATP over the reservations — or, for an
  order with a demand class and an item with allocation rules, the class's ATP (DESIGN §6);
- a supplier (a `SUPPLIER` source): its free daily capacity summed from its lead time on.
`CTP` sources have no pool: each is planned for its line (`promising.ctp`), and what the plan
holds (components, resource capacity) is held here for the lines after it.

`Pools` belongs to one promise: it copies the rows it changes and never writes the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from kernels.atp import lookahead_inplace
from kernels.ctp import take_capacity
from kernels.sourcing import SOURCE_ATP, SOURCE_INDEX, lookahead_rows
from promising.allocation import class_atp_row
from promising.domain import SourceType
from promising.ledger import Allocation, ReservationLedger
from promising.manufacturing import CapacityDraw, Supplier
from promising.model import SupplyModel
from promising.sourcing.sources import LineSources, Source

_NO_ROWS = np.zeros((0, 0), dtype=np.int64)


def classed(model: SupplyModel, demand_class: str, row: int) -> bool:
    """True when `row`'s item promises to `demand_class` by its allocation rules."""
    if not demand_class or not model.allocation:
        return False
    return bool(model.allocation.for_item(int(model.row_item[row])))


def read_as_is(
    model: SupplyModel, ledger: ReservationLedger, demand_class: str, source: Source
) -> bool:
    """True when a stock source's capacity is its row's LOOKAHEAD ATP as the model's and the
    ledger's matrices hold it: not a class's, not a fork's changed row or forked ledger."""
    row = source.row
    return source.kind is SourceType.ATP and (
        row < 0
        or (
            not classed(model, demand_class, row) and row not in model.overlay and not ledger.forked
        )
    )


class Pools:
    """Capacity curves of one order's sources, and what its earlier lines already hold."""

    def __init__(
        self,
        model: SupplyModel,
        ledger: ReservationLedger,
        demand_class: str,
        suppliers: list[Supplier],
    ) -> None:
        self.model = model
        self.ledger = ledger
        self.demand_class = demand_class
        self.suppliers = suppliers  # by supplier index
        self.pending: dict[int, np.ndarray] = {}  # row → units the order's lines hold
        self.capacity_used = ledger.capacity_used  # copied on the first CTP hold
        self._capacity_own = False
        self._supplier_used = ledger.supplier_used
        self._supplier_pending: dict[int, np.ndarray] = {}
        self._curves: dict[int, np.ndarray] = {}

    # --- curves ----------------------------------------------------------------------------
    def classed(self, row: int) -> bool:
        """True when the row's item promises to this order by its class's allocation."""
        return classed(self.model, self.demand_class, row)

    def computed_by_kernel(self, source: Source) -> bool:
        """True when `best_source` can compute the source's curve from the model's matrices
        (`read_as_is`, and the order's earlier lines hold nothing on its row)."""
        return source.row not in self.pending and read_as_is(
            self.model, self.ledger, self.demand_class, source
        )

    def curve(self, source: Source) -> np.ndarray:
        """Units the source's pool can ship on or before each bucket (may be negative where
        the pool is short)."""
        got = self._curves.get(source.pool)
        if got is None:
            if source.kind is SourceType.SUPPLIER:
                got = self._supplier_curve(source.supplier)
            else:
                got = self._row_curve(source.row)
            self._curves[source.pool] = got
        return got

    def lookahead(self, rows: np.ndarray) -> np.ndarray:
        """LOOKAHEAD ATP of rows the kernel reads from the model's matrices as they are
        (`computed_by_kernel`), in one pass: (len(rows), horizon)."""
        model = self.model
        return lookahead_rows(model.supply, model.demand, self.ledger.reserved, rows)

    def reserved_row(self, row: int) -> np.ndarray:
        """The row's reservations with the order's holds added (a view: do not write)."""
        pending = self.pending.get(row)
        reserved = self.ledger.reserved_row(row)
        return reserved if pending is None else reserved + pending

    def reserved_rows(self) -> dict[int, np.ndarray]:
        """Every row the order holds something on, as full reservation rows (for CTP)."""
        return {row: self.reserved_row(row) for row in self.pending}

    def _row_curve(self, row: int) -> np.ndarray:
        model = self.model
        pending = self.pending.get(row)
        if self.classed(row):
            atp = class_atp_row(
                model, self.ledger, model.allocation, row, self.demand_class, pending
            )
            assert atp is not None, "classed() said the item has allocation rules"
            return atp
        atp = model.supply_row(row) - model.demand_row(row) - self.reserved_row(row)
        lookahead_inplace(atp)
        return atp

    def _free(self, supplier: int) -> np.ndarray:
        s = self.suppliers[supplier]
        free = np.full(self.model.horizon_days, s.capacity_per_day, dtype=np.int64)
        free -= self._supplier_used[supplier]
        pending = self._supplier_pending.get(supplier)
        if pending is not None:
            free -= pending
        free[: s.lead_time_days] = 0
        return np.maximum(free, 0)

    def _supplier_curve(self, supplier: int) -> np.ndarray:
        return np.cumsum(self._free(supplier))

    # --- the kernel's view -------------------------------------------------------------------
    def table(self, sources: LineSources) -> tuple[np.ndarray, np.ndarray]:
        """The line's kernel table with SOURCE_ATP pointing into the returned curves for the
        sources the kernel cannot compute itself."""
        table = sources.table
        given = [
            k
            for k in range(table.shape[0])
            if not self.computed_by_kernel(sources.sources[int(table[k, SOURCE_INDEX])])
        ]
        if not given:
            return table, _NO_ROWS
        table = table.copy()
        curves = np.empty((len(given), self.model.horizon_days), dtype=np.int64)
        for n, k in enumerate(given):
            table[k, SOURCE_ATP] = n
            curves[n] = self.curve(sources.sources[int(table[k, SOURCE_INDEX])])
        return table, curves

    # --- holding what the order's lines take -------------------------------------------------
    def hold(self, allocations: Iterable[Allocation]) -> None:
        for a in allocations:
            pending = self.pending.get(a.row)
            if pending is None:
                pending = self.pending[a.row] = np.zeros(self.model.horizon_days, np.int64)
            pending[a.bucket] += a.quantity
            self._curves.pop(a.row, None)

    def hold_capacity(self, draws: Iterable[CapacityDraw]) -> None:
        for d in draws:
            if not self._capacity_own:
                self.capacity_used = self.capacity_used.copy()
                self._capacity_own = True
            self.capacity_used[d.resource, d.bucket] += d.milli

    def take_supplier(self, source: Source, bucket: int, quantity: int) -> tuple[CapacityDraw, ...]:
        """Draw `quantity` of the supplier's capacity for a shipment on `bucket` (earliest
        free days first) and hold it."""
        supplier = source.supplier
        taken = np.zeros(self.model.horizon_days, dtype=np.int64)
        left = take_capacity(self._free(supplier), quantity, 0, bucket + 1, taken)
        assert left == 0, "the supplier's curve promised capacity that is not there"
        pending = self._supplier_pending.get(supplier)
        if pending is None:
            pending = self._supplier_pending[supplier] = np.zeros_like(taken)
        pending += taken
        self._curves.pop(source.pool, None)
        return tuple(CapacityDraw(supplier, b, int(taken[b])) for b in np.flatnonzero(taken))
