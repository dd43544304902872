"""The live events of one table by id key: what a delta's UPSERT or DELETE replaces.

Sorted by the key's first word, with each event's model row, day, quantity, type and class,
so a delta finds the events it replaces with one vectorized binary search and knows what to
take out of the model without reading the snapshot again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kernels.refresh import merge_column


@dataclass(frozen=True)
class EventColumns:
    """Events as columns (any order): key words, model row, day from as_of, and values."""

    first: np.ndarray  # uint64
    second: np.ndarray  # uint64
    row: np.ndarray  # int32
    day: np.ndarray  # int32
    quantity: np.ndarray  # int64
    kind: np.ndarray  # int8
    demand_class: np.ndarray  # int16

    def __len__(self) -> int:
        return int(self.first.shape[0])

    def take(self, positions: np.ndarray) -> EventColumns:
        return EventColumns(
            self.first[positions],
            self.second[positions],
            self.row[positions],
            self.day[positions],
            self.quantity[positions],
            self.kind[positions],
            self.demand_class[positions],
        )

    @staticmethod
    def of(
        keys: np.ndarray,
        row: np.ndarray,
        day: np.ndarray,
        quantity: np.ndarray,
        kind: np.ndarray,
        demand_class: np.ndarray,
    ) -> EventColumns:
        return EventColumns(
            np.ascontiguousarray(keys[:, 0]),
            np.ascontiguousarray(keys[:, 1]),
            row.astype(np.int32, copy=False),
            day.astype(np.int32, copy=False),
            quantity.astype(np.int64, copy=False),
            kind.astype(np.int8, copy=False),
            demand_class.astype(np.int16, copy=False),
        )


@dataclass(frozen=True)
class EventIndex:
    """`EventColumns` sorted by first key word (equal first words sit together)."""

    events: EventColumns

    def __len__(self) -> int:
        return len(self.events)

    @staticmethod
    def build(events: EventColumns) -> EventIndex:
        return EventIndex(events.take(np.argsort(events.first)))

    def find(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Position of each key in the index, -1 where absent."""
        keys = self.events.first
        found = np.full(first.shape[0], -1, dtype=np.int64)
        if keys.shape[0] == 0 or first.shape[0] == 0:
            return found
        # Sorted needles let each binary search start near the last: several times faster.
        order = np.argsort(first)
        at = np.empty_like(order)
        at[order] = np.searchsorted(keys, first[order])
        # Equal first words are almost always a single entry; walk the rare longer runs.
        active = np.flatnonzero(at < keys.shape[0])
        while active.shape[0]:
            here = at[active]
            same = keys[here] == first[active]
            active, here = active[same], here[same]
            hit = self.events.second[here] == second[active]
            found[active[hit]] = here[hit]
            active = active[~hit]
            at[active] += 1
            active = active[at[active] < keys.shape[0]]
        return found

    def replaced(self, removed: np.ndarray, added: EventColumns) -> EventIndex:
        """The index without the events at positions `removed`, with `added` merged in."""
        events = self.events
        keep = np.ones(len(events), dtype=bool)
        keep[removed] = False
        added = added.take(np.argsort(added.first))
        at = np.searchsorted(events.first, added.first)
        size = len(events) - removed.shape[0] + len(added)
        columns = []
        for name in _COLUMNS:
            old = getattr(events, name)
            out = np.empty(size, dtype=old.dtype)
            merge_column(old, keep, getattr(added, name).astype(old.dtype, copy=False), at, out)
            columns.append(out)
        return EventIndex(EventColumns(*columns))


_COLUMNS = ("first", "second", "row", "day", "quantity", "kind", "demand_class")
