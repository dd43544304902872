"""A version of the supply data: a snapshot's model with the deltas applied, and its indexes.

The model answers; the event indexes are what the next delta needs (which events an id names).
An index is built on first use, by the first delta after a snapshot load, so that loading a
snapshot costs no more than before deltas existed; until then the snapshot's rows in file
order are kept for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from promising.errors import SnapshotError, SnapshotProblem
from promising.item_locations import keys_of
from promising.model import SupplyModel, rows_of_keys
from promising.refresh.index import EventColumns, EventIndex
from promising.refresh.keys import id_keys, key_set
from promising.snapshot import EventTable, SnapshotData

EMPTY_KEYS = np.zeros((0, 2), dtype=np.uint64)


class LazyIndex:
    """An `EventIndex` made once, on first use, by `build` (None: the rows have no ids)."""

    def __init__(self, build: Callable[[], EventIndex | None]) -> None:
        self._build: Callable[[], EventIndex | None] | None = build
        self._index: EventIndex | None = None
        self._lock = threading.Lock()

    @staticmethod
    def of(index: EventIndex | None) -> LazyIndex:
        lazy = LazyIndex(lambda: index)
        lazy.get()
        return lazy

    @property
    def built(self) -> bool:
        return self._build is None

    def get(self) -> EventIndex | None:
        with self._lock:
            if self._build is not None:
                self._index = self._build()
                self._build = None  # drops the snapshot rows the build kept alive
            return self._index


@dataclass(frozen=True)
class Version:
    """What the server answers from, and what a delta or a refresh builds on."""

    model: SupplyModel
    supply: LazyIndex
    demand: LazyIndex
    rows: dict[str, int]
    """Live rows by table (`supply`, `demand`)."""
    order_lines: np.ndarray = field(default_factory=lambda: EMPTY_KEYS)
    """Keys of the order lines that the data this version brought names (for absorption)."""
    snapshot_path: str = ""
    delta_path: str = ""

    @property
    def snapshot_id(self) -> str:
        return self.model.snapshot_id

    @property
    def delta_sequence(self) -> int:
        return self.model.delta_sequence

    def index(self, table: str) -> EventIndex:
        """The table's index; refuses a delta when the snapshot's rows had no ids."""
        index = (self.supply if table == "supply" else self.demand).get()
        if index is None:
            raise SnapshotError(
                SnapshotProblem(
                    table,
                    None,
                    "the running snapshot was not loaded from files with row ids; "
                    "load a snapshot before applying deltas",
                )
            )
        return index


def _index_of(model: SupplyModel, events: EventTable) -> EventIndex | None:
    if events.ids is None:
        return None
    rows = rows_of_keys(model, keys_of(events.item, events.location, len(model.locations.ids)))
    assert (rows >= 0).all(), "every snapshot row has an item-location row"
    return EventIndex.build(
        EventColumns.of(
            id_keys(events.ids), rows, events.day, events.quantity, events.kind, events.demand_class
        )
    )


def snapshot_version(
    data: SnapshotData, model: SupplyModel, path: str = "", order_lines: bool = True
) -> Version:
    """The version of a freshly built snapshot model (indexes built on first use).

    With `order_lines`, the keys of the order lines its demand names are computed now, for a
    refresh to absorb the engine's commitments; a server's first load needs none."""
    order_line_id = data.demand.order_line_id if order_lines else None
    return Version(
        model=model,
        supply=LazyIndex(lambda: _index_of(model, data.supply)),
        demand=LazyIndex(lambda: _index_of(model, data.demand)),
        rows={"supply": len(data.supply), "demand": len(data.demand)},
        order_lines=EMPTY_KEYS if order_line_id is None else key_set(id_keys(order_line_id)),
        snapshot_path=path,
    )


def model_version(model: SupplyModel) -> Version:
    """The version of a model built without files: it answers, but takes no delta."""
    none = LazyIndex.of(None)
    return Version(
        model=model,
        supply=none,
        demand=none,
        rows={
            "supply": int(model.supply_events.ptr[-1]),
            "demand": int(model.demand_events.ptr[-1]),
        },
    )
