"""Reservations across a refresh: the rows kept for them, the lines the new data absorbs.

Moving the reservations onto the new model is `promising.remap` (the same move as journal
replay). A new snapshot may lack an item-location that still holds a reservation: its row
is kept (appended, empty) so the reservation is not dropped. A committed order line that the
new data carries as demand is absorbed: the engine's entry goes, the demand stays, and the
line is counted once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from promising.ledger import ReservationLedger
from promising.model import SupplyModel, rows_of_keys
from promising.refresh.keys import contains, id_keys, order_line_id
from promising.refresh.rows import RowPlan, plan_rows
from promising.remap import Frame, target_keys


@dataclass(frozen=True)
class RebaseSummary:
    """What a refresh did to the reservations."""

    lines_kept: int = 0
    lines_absorbed: int = 0
    allocations_moved: int = 0
    allocations_dropped: int = 0
    item_locations_kept: int = 0


def rows_to_keep(old: SupplyModel, ledger: ReservationLedger, new: SupplyModel) -> RowPlan:
    """Rows `new` needs beyond its own so that no reservation loses its item-location: those
    that hold a reservation on `old` whose item and location `new` knows."""
    rows = np.unique(
        np.fromiter(
            (a.row for r in ledger.entries().values() for a in r.allocations), dtype=np.int64
        )
    )
    keys = target_keys(Frame.of(old), rows, new)
    keys = keys[keys >= 0]
    return plan_rows(new, keys[rows_of_keys(new, keys) < 0])


def absorbed_lines(
    lines: Iterable[tuple[tuple[str, str], str]], order_lines: np.ndarray
) -> list[tuple[str, str]]:
    """The committed lines among `lines` ((order_id, line_id) → holding hold id, "" once
    committed) whose `order_line_id` is in `order_lines` (a `keys.key_set`)."""
    committed = [line for line, hold_id in lines if not hold_id]
    if not committed or order_lines.shape[0] == 0:
        return []
    keys = id_keys([order_line_id(order_id, line_id) for order_id, line_id in committed])
    return [line for line, hit in zip(committed, contains(order_lines, keys), strict=True) if hit]
