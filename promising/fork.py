"""Forks of the engine's state (model and reservations) for what-if, copy-on-write.

A fork shares every array it does not change. The model's bucket matrices and events stay
the live ones; an item-location row a change touches is copied once into the fork model's
`overlay`, which shadows the matrices' row for every reader (`SupplyModel.supply_row` …,
and the promise pipeline computes such a row's ATP itself instead of the kernel reading the
matrix). The reservations are forked by `ReservationLedger.fork`: memory the OS zeroes on
first touch, with only the rows that hold something copied in. So a fork costs time and
memory for what the reservations hold and what it changes, not for the model's size, and
nothing a fork does reaches the live state, nor anything live the fork
(benchmarks/test_fork.py measures it).

    fork(engine, [SupplyChange(...), DemandChange(...)]) → Engine
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np

from promising.domain import DemandType, SupplyType
from promising.engine import Engine
from promising.errors import FieldViolation, InvalidInput
from promising.model import GroupedEvents, RowValues, SupplyModel


class SupplyChange(NamedTuple):
    """Add `quantity` of supply (negative: take it away) at an item-location on a date."""

    item_id: str
    location_id: str
    date: dt.date
    quantity: int
    supply_type: SupplyType = SupplyType.PURCHASE_ORDER


class DemandChange(NamedTuple):
    """Add `quantity` of demand (negative: take it away) at an item-location on a date."""

    item_id: str
    location_id: str
    date: dt.date
    quantity: int
    demand_type: DemandType = DemandType.SALES_ORDER


def fork(engine: Engine, changes: Sequence[SupplyChange | DemandChange] = ()) -> Engine:
    """An engine on a copy-on-write fork of `engine`'s model and reservations, with
    `changes` applied to the fork's model only."""
    return Engine(changed(engine.model, changes), engine.ledger.fork(), like=engine)


def changed(model: SupplyModel, changes: Sequence[SupplyChange | DemandChange]) -> SupplyModel:
    """`model` with the changes' events added; only the rows they touch are copied."""
    if not changes:
        return dataclasses.replace(model, overlay=dict(model.overlay))
    events: dict[int, list[tuple[bool, int, int, int]]] = defaultdict(list)
    for i, change in enumerate(changes):
        row = _row(model, change, i)
        supply = isinstance(change, SupplyChange)
        kind = int(change.supply_type if supply else change.demand_type)
        events[row].append((supply, model.bucket_of(change.date), change.quantity, kind))
    overlay = dict(model.overlay)
    for row, added in events.items():
        overlay[row] = _row_values(model, row, added)
    return dataclasses.replace(model, overlay=overlay)


def _row(model: SupplyModel, change: SupplyChange | DemandChange, index: int) -> int:
    item = model.item_index.get(change.item_id)
    location = model.location_index.get(change.location_id)
    if item is None or location is None:
        field, what = ("item_id", "item") if item is None else ("location_id", "location")
        raise InvalidInput(
            f"unknown {what} {getattr(change, field)!r}",
            [FieldViolation(("changes", index, field), f"unknown {what}")],
        )
    row = model.row_of(item, location)
    if row < 0:
        # A new row would shift the reservations' rows; not built yet.
        raise InvalidInput(
            f"item {change.item_id!r} has no supply or demand at {change.location_id!r}: a "
            "fork changes the item-locations the snapshot has",
            [FieldViolation(("changes", index, "location_id"), "no such item-location")],
        )
    return row


def _row_values(
    model: SupplyModel, row: int, added: Iterable[tuple[bool, int, int, int]]
) -> RowValues:
    """The row as it is in `model`, copied, with the events added: counted into the buckets
    where the item's rule counts their type (past due into bucket 0; past the horizon only
    as an event, as a load does)."""
    horizon = model.horizon_days
    rule = int(model.items.atp_rule[int(model.row_item[row])])
    masks = {True: int(model.rules.supply_mask[rule]), False: int(model.rules.demand_mask[rule])}
    buckets = {True: model.supply_row(row).copy(), False: model.demand_row(row).copy()}
    new: dict[bool, list[tuple[int, int, int]]] = {True: [], False: []}
    for supply, bucket, quantity, kind in added:
        if bucket >= horizon:
            bucket = -1
        else:
            bucket = max(bucket, 0)
            if (masks[supply] >> kind) & 1:
                buckets[supply][bucket] += quantity
        new[supply].append((bucket, quantity, kind))
    for values in buckets.values():
        values.flags.writeable = False
    return RowValues(
        buckets[True],
        buckets[False],
        _events(model, row, True, new[True]),
        _events(model, row, False, new[False]),
    )


def _events(
    model: SupplyModel, row: int, supply: bool, added: list[tuple[int, int, int]]
) -> tuple[GroupedEvents, int]:
    """The row's events with `added` appended, as the events of a one-row group (or, with
    nothing added, where they are)."""
    events, at = model.events_of(row, supply)
    if not added:
        return events, at
    lo, hi = int(events.ptr[at]), int(events.ptr[at + 1])
    extra = np.array(added, dtype=np.int64).reshape(len(added), 3)
    grouped = GroupedEvents(
        ptr=np.array([0, hi - lo + len(added)], dtype=np.int64),
        bucket=np.concatenate([events.bucket[lo:hi], extra[:, 0]]),
        quantity=np.concatenate([events.quantity[lo:hi], extra[:, 1]]),
        kind=np.concatenate([events.kind[lo:hi], extra[:, 2].astype(events.kind.dtype)]),
        demand_class=np.concatenate(
            [events.demand_class[lo:hi], np.full(len(added), -1, events.demand_class.dtype)]
        ),
    )
    return grouped, 0
