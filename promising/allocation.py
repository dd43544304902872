"""Allocation rules by demand class, and the class ATP of one item-location (DESIGN §6).

The pools, draws and caps are in `kernels/allocation.py`; this module turns the snapshot's
demand and the ledger's reservations into the kernel's (classes + 1, horizon) demand matrix,
classes ordered by priority (1 = most important).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from kernels.allocation import FIXED, class_atp

if TYPE_CHECKING:  # the model holds the rules: import it for annotations only
    from promising.ledger import ReservationLedger
    from promising.model import SupplyModel

__all__ = ["FIXED", "AllocationRules", "ClassRule", "class_atp_row"]


class ClassRule(NamedTuple):
    """One class's share: `percent_bp` basis points of each bucket's supply, or (FIXED) a
    quantity per bucket; `priority` 1 is the most important."""

    demand_class: str
    percent_bp: int
    quantity: int
    priority: int
    can_consume_lower: bool


@dataclass(frozen=True)
class AllocationRules:
    """Rules per item index; `default` holds the `*` rules."""

    by_item: dict[int, tuple[ClassRule, ...]] = field(default_factory=dict)
    default: tuple[ClassRule, ...] = ()

    def for_item(self, item: int) -> tuple[ClassRule, ...]:
        return self.by_item.get(item, self.default)

    def __bool__(self) -> bool:
        return bool(self.by_item or self.default)


def class_atp_row(
    model: SupplyModel,
    ledger: ReservationLedger,
    rules: AllocationRules,
    row: int,
    demand_class: str,
    pending: np.ndarray | None = None,
) -> np.ndarray | None:
    """LOOKAHEAD ATP of item-location `row` for `demand_class`, or None if the item has no
    allocation rules (then the plain ATP applies). A class the rules do not name has no
    allocation of its own: it reaches the unallocated supply only."""
    item = int(model.row_item[row])
    class_rules = rules.for_item(item)
    if not class_rules:
        return None
    names = [r.demand_class for r in class_rules]
    if demand_class not in names:
        class_rules = (*class_rules, ClassRule(demand_class, FIXED, 0, 1 << 30, False))
        names.append(demand_class)
    classes = len(class_rules)
    horizon = model.horizon_days
    demand = np.zeros((classes + 1, horizon), dtype=np.int64)
    _snapshot_demand_by_class(model, row, names, demand)
    classified = np.zeros(horizon, dtype=np.int64)
    for k, name in enumerate(names):
        held = ledger.class_reserved(row, name)
        if held is not None:
            demand[k] += held
            classified += held
    demand[classes] += ledger.reserved[row] - classified
    if pending is not None:
        demand[names.index(demand_class)] += pending
    out = np.empty((classes, horizon), dtype=np.int64)
    class_atp(
        model.supply[row],
        demand,
        np.array([r.percent_bp for r in class_rules], dtype=np.int64),
        np.array([r.quantity for r in class_rules], dtype=np.int64),
        np.array([r.can_consume_lower for r in class_rules], dtype=np.bool_),
        out,
    )
    return out[names.index(demand_class)]


def _snapshot_demand_by_class(
    model: SupplyModel, row: int, names: list[str], out: np.ndarray
) -> None:
    """Add the row's counted snapshot demand into `out` by class (unnamed classes: last row)."""
    events = model.demand_events
    lo, hi = int(events.ptr[row]), int(events.ptr[row + 1])
    rule = int(model.items.atp_rule[int(model.row_item[row])])
    mask = int(model.rules.demand_mask[rule])
    position = {name: k for k, name in enumerate(names)}
    code_to_row = np.array(
        [position.get(c, len(names)) for c in model.demand_classes] + [len(names)], dtype=np.int64
    )  # the extra last entry serves demand_class -1 (no class)
    buckets = events.bucket[lo:hi]
    counted = (buckets >= 0) & ((mask >> events.kind[lo:hi].astype(np.int64)) & 1).astype(bool)
    rows = code_to_row[events.demand_class[lo:hi].astype(np.int64)]
    np.add.at(out, (rows[counted], buckets[counted]), events.quantity[lo:hi][counted])
