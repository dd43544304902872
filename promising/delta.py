"""A delta, validated and encoded against the version it applies to (what `loaders` hands over).

Like `SnapshotData`, item and location ids are already indices of the version's items and
locations and dates are day offsets from its `as_of`; row ids stay strings until the delta
is applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from promising.snapshot import EventTable

TABLES = ("supply", "demand")
ID_COLUMNS = {"supply": "supply_id", "demand": "demand_id"}


def _no_events() -> EventTable:
    return EventTable(
        item=np.zeros(0, np.int32),
        location=np.zeros(0, np.int32),
        day=np.zeros(0, np.int32),
        quantity=np.zeros(0, np.int64),
        kind=np.zeros(0, np.int8),
        demand_class=np.zeros(0, np.int16),
        ids=pa.chunked_array([], pa.string()),
        order_line_id=pa.chunked_array([], pa.string()),
    )


@dataclass(frozen=True)
class TableChanges:
    """One table of a delta: rows to insert or replace (UPSERT), ids to delete (DELETE).

    `*_rows` are the rows' positions in the delta file, for messages that name bad rows.
    """

    upsert: EventTable = field(default_factory=_no_events)
    upsert_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    delete_ids: pa.ChunkedArray = field(default_factory=lambda: pa.chunked_array([], pa.string()))
    delete_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.upsert) + len(self.delete_ids)


@dataclass(frozen=True)
class Delta:
    """A delta for snapshot `snapshot_id`, number `sequence` (1 right after the snapshot)."""

    snapshot_id: str
    sequence: int
    path: str
    supply: TableChanges = field(default_factory=TableChanges)
    demand: TableChanges = field(default_factory=TableChanges)
    demand_classes: tuple[str, ...] = ()
    """The version's demand classes, with any the delta names first appended."""

    def table(self, name: str) -> TableChanges:
        return self.supply if name == "supply" else self.demand

    def counts(self) -> dict[str, int]:
        """Rows by table and op: `supply.UPSERT`, `supply.DELETE`, ..."""
        out = {}
        for name in TABLES:
            changes = self.table(name)
            out[f"{name}.UPSERT"] = len(changes.upsert)
            out[f"{name}.DELETE"] = len(changes.delete_ids)
        return out
