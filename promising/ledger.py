"""The engine's own reservations: ledger entries, and the R[t] matrix they add up to.

Every reservation is an entry (a key and its allocations), never a counter that drifts: the
`reserved` matrix is always the sum of the live entries, which `recompute()` can prove.
Only one thread (the writer) mutates a ledger; readers may see a reservation half-added to
`reserved` while it is being written, which can make a concurrent quote more cautious, never
oversell, because every reservation is checked inside the writer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from kernels.reserve import apply_reservations
from promising.errors import InvalidInput, NotFound


class Allocation(NamedTuple):
    """`quantity` units reserved at item-location `row` in `bucket`."""

    row: int
    bucket: int
    quantity: int


class ReservationLedger:
    """Reservations by key (an order line, a hold …) and their sum per (row, bucket)."""

    def __init__(self, row_count: int, horizon_days: int) -> None:
        self.reserved = np.zeros((row_count, horizon_days), dtype=np.int64)
        self._entries: dict[str, tuple[Allocation, ...]] = {}
        # Reservations made for a demand class, also summed per (row, class): allocation by
        # class needs them apart; most rows have none, so the map stays small.
        self._entry_class: dict[str, str] = {}
        self._class_rows: dict[tuple[int, str], np.ndarray] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[str]:
        return list(self._entries)

    def get(self, key: str) -> tuple[Allocation, ...]:
        try:
            return self._entries[key]
        except KeyError:
            raise NotFound(f"no reservation {key!r}") from None

    def add(
        self, key: str, allocations: Iterable[Allocation], demand_class: str | None = None
    ) -> None:
        """Record a reservation (for `demand_class`, if any); the key must be new."""
        if key in self._entries:
            raise InvalidInput(f"reservation {key!r} exists already")
        entry = tuple(allocations)
        for a in entry:
            if a.quantity <= 0:
                raise InvalidInput(f"reservation {key!r}: quantity must be > 0, got {a.quantity}")
        for a in entry:
            self.reserved[a.row, a.bucket] += a.quantity
        self._entries[key] = entry
        if demand_class:
            self._entry_class[key] = demand_class
            self._add_class(entry, demand_class, 1)

    def _add_class(self, entry: tuple[Allocation, ...], demand_class: str, sign: int) -> None:
        for a in entry:
            sums = self._class_rows.get((a.row, demand_class))
            if sums is None:
                sums = self._class_rows[(a.row, demand_class)] = np.zeros_like(self.reserved[0])
            sums[a.bucket] += sign * a.quantity

    def class_reserved(self, row: int, demand_class: str) -> np.ndarray | None:
        """What reservations for `demand_class` hold at `row` per bucket (None: nothing)."""
        return self._class_rows.get((row, demand_class))

    def demand_class_of(self, key: str) -> str | None:
        return self._entry_class.get(key)

    def add_many(
        self,
        entries: dict[str, tuple[Allocation, ...]],
        demand_classes: dict[str, str] | None = None,
    ) -> None:
        """Record many reservations at once (journal replay): one kernel pass over R[t].

        `demand_classes` names the class of the entries made for one."""
        clash = next((key for key in entries if key in self._entries), None)
        if clash is not None:
            raise InvalidInput(f"reservation {clash!r} exists already")
        flat = [a for entry in entries.values() for a in entry]
        if any(a.quantity <= 0 for a in flat):
            raise InvalidInput("every reserved quantity must be > 0")
        if flat:
            table = np.array(flat, dtype=np.int64)  # (allocations, 3): row, bucket, quantity
            rows, buckets, quantities = (np.ascontiguousarray(table[:, k]) for k in range(3))
            apply_reservations(self.reserved, rows, buckets, quantities, 1)
        self._entries.update(entries)
        for key, demand_class in (demand_classes or {}).items():
            if demand_class and key in entries:
                self._entry_class[key] = demand_class
                self._add_class(entries[key], demand_class, 1)

    def remove(self, key: str) -> tuple[Allocation, ...]:
        """Free a reservation at once and return what it held."""
        entry = self._entries.pop(key, None)
        if entry is None:
            raise NotFound(f"no reservation {key!r}")
        for a in entry:
            self.reserved[a.row, a.bucket] -= a.quantity
        demand_class = self._entry_class.pop(key, None)
        if demand_class:
            self._add_class(entry, demand_class, -1)
        return entry

    def recompute(self) -> np.ndarray:
        """R[t] rebuilt from the entries alone (for audits and tests)."""
        total = np.zeros_like(self.reserved)
        for entry in self._entries.values():
            for a in entry:
                total[a.row, a.bucket] += a.quantity
        return total
