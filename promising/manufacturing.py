"""What can be made or bought: bills of material, routings, resource capacity, suppliers.

What CTP and SUPPLIER promises hold of that capacity is in the reservation ledger.

Ids are dense indices of the model (items, locations); capacity and usage are int64
thousandths of the snapshot's decimal units, so capacity arithmetic is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

MILLI = 1000
"""Capacity and usage are stored in thousandths."""


class Component(NamedTuple):
    item: int
    quantity_per: int


class Operation(NamedTuple):
    """One resource a make order loads: `usage_milli` thousandths per unit made."""

    resource: int
    usage_milli: int


class Supplier(NamedTuple):
    """A supplier source for a BUY item: ships after `lead_time_days`, so much a day."""

    location: int
    lead_time_days: int
    capacity_per_day: int
    unit_cost: float


class CapacityDraw(NamedTuple):
    """`milli` thousandths of capacity of `resource` taken on bucket `bucket`."""

    resource: int
    bucket: int
    milli: int


@dataclass(frozen=True)
class Manufacturing:
    """BOMs and routings per (item, plant), and resource capacity per bucket."""

    components: dict[tuple[int, int], tuple[Component, ...]] = field(default_factory=dict)
    routings: dict[tuple[int, int], tuple[Operation, ...]] = field(default_factory=dict)
    resource_ids: tuple[str, ...] = ()
    capacity_milli: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))

    def __post_init__(self) -> None:
        self.capacity_milli.flags.writeable = False

    def can_make(self, item: int, location: int) -> bool:
        return (item, location) in self.components or (item, location) in self.routings


def supplier_sources(
    suppliers: dict[int, tuple[Supplier, ...]],
) -> list[tuple[int, Supplier]]:
    """Every (item, supplier) in the order that numbers them: a supplier's capacity is at
    this position in the ledger's `supplier_used` and in its reservations' draws."""
    return [(item, s) for item, options in sorted(suppliers.items()) for s in options]


def supplier_index(suppliers: dict[int, tuple[Supplier, ...]]) -> dict[int, tuple[int, ...]]:
    """Item → the positions of its suppliers in `supplier_sources`, in file order."""
    out: dict[int, list[int]] = {}
    for index, (item, _) in enumerate(supplier_sources(suppliers)):
        out.setdefault(item, []).append(index)
    return {item: tuple(found) for item, found in out.items()}
