"""Where a promised quantity comes from: the supplies a line pegs to (kernels/pegging.py)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from kernels.pegging import peg_fifo
from promising.domain import SupplyType
from promising.model import SupplyModel

if TYPE_CHECKING:  # promise.py holds SupplySource answers: import it for annotations only
    from promising.promise import OrderPromise


class SupplySource(NamedTuple):
    """`quantity` units of a line covered by supply of `supply_type` dated `date`."""

    supply_type: str
    date: dt.date
    quantity: int


def peg_line(
    model: SupplyModel, reserved: np.ndarray, row: int, bucket: int, quantity: int
) -> tuple[SupplySource, ...]:
    """The supplies (counted by the item's rule) that `quantity` at `bucket` pegs to, after
    the snapshot's demand and the reservations in `reserved` (that row's R[t], without this
    line) took theirs first in date order. Past-due supply shows as dated `as_of`."""
    if row < 0:
        return ()
    item_rule = int(model.items.atp_rule[int(model.row_item[row])])
    supply = _counted(model, row, True, int(model.rules.supply_mask[item_rule]))
    demand = _counted(model, row, False, int(model.rules.demand_mask[item_rule]))
    held = np.flatnonzero(reserved)
    demand_buckets = np.concatenate([demand[0], held, [bucket]])
    demand_quantity = np.concatenate([demand[1], reserved[held], [quantity]])
    order = np.argsort(demand_buckets, kind="stable")  # the line comes last within its day
    target = int(np.flatnonzero(order == demand_buckets.shape[0] - 1)[0])
    supply_order = np.argsort(supply[0], kind="stable")
    out_supply = np.empty(supply_order.shape[0] + 1, dtype=np.int64)
    out_quantity = np.empty_like(out_supply)
    count = peg_fifo(
        np.ascontiguousarray(supply[1][supply_order]),
        np.ascontiguousarray(demand_quantity[order]),
        target,
        out_supply,
        out_quantity,
    )
    sources = []
    for s, q in zip(out_supply[:count].tolist(), out_quantity[:count].tolist(), strict=True):
        i = int(supply_order[s])
        sources.append(
            SupplySource(SupplyType(int(supply[2][i])).name, model.date_of(int(supply[0][i])), q)
        )
    return tuple(sources)


def _counted(
    model: SupplyModel, row: int, supply: bool, mask: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bucket, quantity, kind) of the row's supply (or demand) events inside the horizon
    whose type counts."""
    events, at = model.events_of(row, supply)
    lo, hi = int(events.ptr[at]), int(events.ptr[at + 1])
    buckets = events.bucket[lo:hi]
    kinds = events.kind[lo:hi]
    keep = (buckets >= 0) & (((mask >> kinds.astype(np.int64)) & 1) == 1)
    return buckets[keep], events.quantity[lo:hi][keep], kinds[keep]


def peg_fulfillment(
    model: SupplyModel,
    reserved: np.ndarray,
    item_id: str,
    location_id: str,
    ship_date: dt.date,
    quantity: int,
) -> tuple[SupplySource, ...]:
    """`peg_line` for an ATP fulfilment named by ids (a quote: not reserved yet)."""
    item = model.item_index.get(item_id)
    location = model.location_index.get(location_id)
    if item is None or location is None:
        return ()
    row = model.row_of(item, location)
    if row < 0:
        return ()
    bucket = max(model.bucket_of(ship_date), 0)
    return peg_line(model, reserved[row], row, bucket, quantity)


def explain(model: SupplyModel, reserved: np.ndarray, promise: OrderPromise) -> OrderPromise:
    """The promise with each ATP fulfilment's `supplied_by` filled in. An order's earlier
    lines count as taken before its later ones, as they would once reserved."""
    taken: dict[int, np.ndarray] = {}
    lines = []
    for line in promise.lines:
        fulfillments = []
        for f in line.fulfillments:
            if f.source_type != "ATP":
                fulfillments.append(f)
                continue
            item = model.item_index.get(f.item_id)
            location = model.location_index.get(f.location_id)
            row = -1 if item is None or location is None else model.row_of(item, location)
            if row < 0:
                fulfillments.append(f)
                continue
            held = taken.get(row)
            if held is None:
                held = taken[row] = reserved[row].copy()
            bucket = max(model.bucket_of(f.ship_date), 0)
            sources = peg_line(model, held, row, bucket, f.quantity)
            if bucket < model.horizon_days:
                held[bucket] += f.quantity
            fulfillments.append(f._replace(supplied_by=sources))
        lines.append(line._replace(fulfillments=tuple(fulfillments)))
    return promise._replace(lines=tuple(lines))
