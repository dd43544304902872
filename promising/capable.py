"""The capacity that making (CTP) and buying (suppliers) promises hold, and their planners.

`Capable` belongs to one `Engine` and, like its ledger, is changed only by the writer; the
promise pipeline (`promising.sourcing`) reads the capacity it holds.
"""

from __future__ import annotations

from promising.ctp import CtpPlanner
from promising.ledger import ReservationLedger
from promising.manufacturing import CapacityDraw, CapacityLedger
from promising.model import SupplyModel
from promising.suppliers import SupplierPlanner


class Capable:
    """The CTP and supplier planners of one engine, with their capacity ledgers."""

    def __init__(self, model: SupplyModel, ledger: ReservationLedger) -> None:
        self.model = model
        self.ledger = ledger
        horizon = model.horizon_days
        self.capacity = CapacityLedger(len(model.manufacturing.resource_ids), horizon)
        self.ctp = CtpPlanner(model, ledger, model.manufacturing, self.capacity)
        self.suppliers = SupplierPlanner(model.suppliers, horizon)
        manufacturing = model.manufacturing
        # The model never changes, so whether anything beyond plain ATP applies is fixed.
        self.active = bool(
            model.allocation
            or manufacturing.components
            or manufacturing.routings
            or model.suppliers
        )

    # --- reserving (writer thread only) ------------------------------------------------------
    def hold(
        self, key: str, capacity: tuple[CapacityDraw, ...], supplier: tuple[CapacityDraw, ...]
    ) -> None:
        if capacity:
            self.capacity.add(key, capacity)
        if supplier:
            self.suppliers.capacity.add(key, supplier)

    def free(self, key: str) -> None:
        if key in self.capacity:
            self.capacity.remove(key)
        if key in self.suppliers.capacity:
            self.suppliers.capacity.remove(key)
