"""Journal record bodies: JSON, model-independent.

A ledger allocation names a model row and bucket, which mean nothing to another snapshot;
the journal stores item id, location id, ISO date and quantity instead, and replay maps
them back onto the model it runs on. Kinds: `reserve`, `reject` (an all-or-none refusal,
kept only for idempotency), `confirm`, `release`, `expire`, and `refresh` (a snapshot or
delta swapped in: which, and the committed lines it absorbed; `promising.refresh`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from promising.ledger import Allocation
from promising.manufacturing import CapacityDraw
from promising.model import SupplyModel
from promising.promise import LinePromise

if TYPE_CHECKING:
    from promising.capable import Capable

RESERVE = "reserve"
REJECT = "reject"
CONFIRM = "confirm"
RELEASE = "release"
EXPIRE = "expire"
REFRESH = "refresh"

JournaledAllocation = tuple[str, str, str, int]
"""(item_id, location_id, ISO date, quantity)."""


def encode(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def decode(text: str) -> dict[str, Any]:
    body = json.loads(text)
    if not isinstance(body, dict):
        raise ValueError("a journal record body is a JSON object")
    return body


def allocations_out(model: SupplyModel, allocations: tuple[Allocation, ...]) -> list[list[Any]]:
    """Allocations as journaled: ids and dates instead of rows and buckets."""
    items, locations = model.items.ids, model.locations.ids
    return [
        [
            items[model.row_item[a.row]],
            locations[model.row_location[a.row]],
            model.date_of(a.bucket).isoformat(),
            int(a.quantity),
        ]
        for a in allocations
    ]


class LineExtras(NamedTuple):
    """What a reserved line holds beyond ATP units: its class, plant and supplier capacity."""

    demand_class: str
    capacity: tuple[CapacityDraw, ...]
    supplier_draws: tuple[CapacityDraw, ...]


def line_out(model: SupplyModel, capable: Capable, line: LinePromise) -> list[Any]:
    """A reserved line as journaled: [line_id, allocations] and, when it holds more (a
    demand class, CTP capacity, supplier capacity), a third element naming them by id:
    {"class": str, "capacity": [[resource_id, date, milli]], "supplier": [[item_id,
    supplier location_id, date, units]]}."""
    out: list[Any] = [line.line_id, allocations_out(model, line.allocations)]
    extra: dict[str, Any] = {}
    if line.demand_class:
        extra["class"] = line.demand_class
    if line.capacity:
        ids = model.manufacturing.resource_ids
        extra["capacity"] = [
            [ids[d.resource], model.date_of(d.bucket).isoformat(), d.milli] for d in line.capacity
        ]
    if line.supplier_draws:
        sources = capable.suppliers.sources
        extra["supplier"] = [
            [
                model.items.ids[sources[d.resource][0]],
                model.locations.ids[sources[d.resource][1].location],
                model.date_of(d.bucket).isoformat(),
                d.milli,
            ]
            for d in line.supplier_draws
        ]
    if extra:
        out.append(extra)
    return out


@dataclass
class Remap:
    """Maps journaled allocations onto a model; counts what it cannot place."""

    model: SupplyModel
    dropped: list[JournaledAllocation] = field(default_factory=list)
    moved: int = 0

    def allocations(self, journaled: list[list[Any]]) -> tuple[Allocation, ...]:
        """Rows and buckets for journaled allocations.

        On the snapshot they were made on this is exact. On a later one, a date before its
        `as_of` folds into bucket 0 (like past-due supply) and is counted in `moved`; an
        item-location the model no longer has, or a date past its horizon, is dropped.
        """
        model = self.model
        out = []
        for item_id, location_id, day, quantity in journaled:
            item = model.item_index.get(item_id)
            location = model.location_index.get(location_id)
            row = -1 if item is None or location is None else model.row_of(item, location)
            bucket = model.bucket_of(dt.date.fromisoformat(day))
            if row < 0 or bucket >= model.horizon_days:
                self.dropped.append((item_id, location_id, day, quantity))
                continue
            if bucket < 0:
                bucket = 0
                self.moved += 1
            out.append(Allocation(row, bucket, int(quantity)))
        return tuple(out)

    def extras(self, journaled: dict[str, Any], capable: Capable) -> LineExtras:
        """Class and capacity draws of a journaled line, mapped onto this model; draws for a
        resource or supplier it no longer has, or dated outside its horizon, are dropped."""
        model = self.model
        resources = {rid: i for i, rid in enumerate(model.manufacturing.resource_ids)}
        suppliers = {
            (model.items.ids[item], model.locations.ids[s.location]): i
            for i, (item, s) in enumerate(capable.suppliers.sources)
        }
        capacity = []
        for resource_id, day, milli in journaled.get("capacity", ()):
            bucket = max(model.bucket_of(dt.date.fromisoformat(day)), 0)
            if resource_id in resources and bucket < model.horizon_days:
                capacity.append(CapacityDraw(resources[resource_id], bucket, int(milli)))
        supplier = []
        for item_id, location_id, day, units in journaled.get("supplier", ()):
            bucket = max(model.bucket_of(dt.date.fromisoformat(day)), 0)
            index = suppliers.get((item_id, location_id))
            if index is not None and bucket < model.horizon_days:
                supplier.append(CapacityDraw(index, bucket, int(units)))
        return LineExtras(journaled.get("class", ""), tuple(capacity), tuple(supplier))
