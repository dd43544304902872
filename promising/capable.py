"""The planners of what the engine can promise beyond stock: making (CTP) and buying.

`Capable` belongs to one `Engine`; the capacity their promises hold is in the engine's one
ledger (`capacity_used`, `supplier_used`), which the promise pipeline (`promising.sourcing`)
reads.
"""

from __future__ import annotations

from promising.ctp import CtpPlanner
from promising.ledger import ReservationLedger
from promising.model import SupplyModel
from promising.suppliers import SupplierPlanner


class Capable:
    """The CTP and supplier planners of one engine, reading its ledger."""

    def __init__(self, model: SupplyModel, ledger: ReservationLedger) -> None:
        self.model = model
        self.ledger = ledger
        self.ctp = CtpPlanner(model, ledger, model.manufacturing)
        self.suppliers = SupplierPlanner(model.suppliers, ledger)
