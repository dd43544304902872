"""What can be made: bills of material, routings, resource capacity, and capacity reserved.

Ids are dense indices of the model (items, locations); capacity and usage are int64
thousandths of the snapshot's decimal units, so capacity arithmetic is exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from promising.errors import InvalidInput, NotFound

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


class CapacityLedger:
    """Capacity reserved by CTP promises, by key, and its sum per (resource, bucket)."""

    def __init__(self, resources: int, horizon_days: int) -> None:
        self.used = np.zeros((resources, horizon_days), dtype=np.int64)
        self._entries: dict[str, tuple[CapacityDraw, ...]] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def entries(self) -> dict[str, tuple[CapacityDraw, ...]]:
        """Every hold, by key (a copy)."""
        return dict(self._entries)

    def add(self, key: str, draws: Iterable[CapacityDraw]) -> None:
        if key in self._entries:
            raise InvalidInput(f"capacity reservation {key!r} exists already")
        entry = tuple(draws)
        for d in entry:
            self.used[d.resource, d.bucket] += d.milli
        self._entries[key] = entry

    def remove(self, key: str) -> tuple[CapacityDraw, ...]:
        entry = self._entries.pop(key, None)
        if entry is None:
            raise NotFound(f"no capacity reservation {key!r}")
        for d in entry:
            self.used[d.resource, d.bucket] -= d.milli
        return entry
