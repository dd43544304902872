"""Allocation rules by demand class, and the class ATP of one item-location (DESIGN §6).

The pools, draws and caps are in `kernels/allocation.py`; this module turns the snapshot's
demand and the ledger's reservations into the kernel's (classes + 1, horizon) demand matrix,
classes ordered by priority (1 = most important).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from kernels.allocation import FIXED, class_atp, demand_by_class

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
    _setups: dict = field(default_factory=dict, compare=False, repr=False)

    def for_item(self, item: int) -> tuple[ClassRule, ...]:
        return self.by_item.get(item, self.default)

    def __bool__(self) -> bool:
        return bool(self.by_item or self.default)

    def setup(self, item: int, demand_class: str, model_classes: tuple[str, ...]) -> _Setup | None:
        """The kernel's inputs for an item's rules seen by one class, built once and cached
        (a handful of small arrays: rebuilding them per quote cost more than the kernel)."""
        class_rules = self.for_item(item)
        if not class_rules:
            return None
        key = (class_rules, demand_class, model_classes)
        got = self._setups.get(key)
        if got is None:
            got = self._setups[key] = _Setup.of(class_rules, demand_class, model_classes)
        return got


class _Setup(NamedTuple):
    names: tuple[str, ...]
    index: int  # the asking class's position
    percent_bp: np.ndarray
    fixed: np.ndarray
    can_lower: np.ndarray
    class_to_pool: np.ndarray  # model demand class code → pool; the last entry: no class

    @staticmethod
    def of(
        class_rules: tuple[ClassRule, ...], demand_class: str, model_classes: tuple[str, ...]
    ) -> _Setup:
        names = [r.demand_class for r in class_rules]
        if demand_class not in names:  # no allocation of its own: the unallocated rest only
            class_rules = (*class_rules, ClassRule(demand_class, FIXED, 0, 1 << 30, False))
            names.append(demand_class)
        position = {name: k for k, name in enumerate(names)}
        pools = [position.get(c, len(names)) for c in model_classes] + [len(names)]
        return _Setup(
            tuple(names),
            names.index(demand_class),
            np.array([r.percent_bp for r in class_rules], dtype=np.int64),
            np.array([r.quantity for r in class_rules], dtype=np.int64),
            np.array([r.can_consume_lower for r in class_rules], dtype=np.bool_),
            np.array(pools, dtype=np.int64),
        )


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
    setup = rules.setup(int(model.row_item[row]), demand_class, model.demand_classes)
    if setup is None:
        return None
    classes = len(setup.names)
    horizon = model.horizon_days
    demand = np.zeros((classes + 1, horizon), dtype=np.int64)
    events, at = model.events_of(row, False)
    rule = int(model.items.atp_rule[int(model.row_item[row])])
    demand_by_class(
        events.ptr,
        events.bucket,
        events.quantity,
        events.kind,
        events.demand_class,
        at,
        int(model.rules.demand_mask[rule]),
        setup.class_to_pool,
        demand,
    )
    held_total = ledger.reserved_row(row)
    if held_total.any():
        classified = np.zeros(horizon, dtype=np.int64)
        for k, name in enumerate(setup.names):
            held = ledger.class_reserved(row, name)
            if held is not None:
                demand[k] += held
                classified += held
        demand[classes] += held_total - classified
    if pending is not None:
        demand[setup.index] += pending
    out = np.empty((classes, horizon), dtype=np.int64)
    class_atp(model.supply_row(row), demand, setup.percent_bp, setup.fixed, setup.can_lower, out)
    return out[setup.index]
