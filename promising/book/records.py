"""Journal record bodies: JSON, model-independent.

A ledger allocation names a model row and bucket, which mean nothing to another snapshot;
the journal stores item id, location id, ISO date and quantity instead (capacity by resource
id, supplier capacity by item and supplier location id), and replay moves them onto the model
it runs on through `promising.remap`, as a refresh does. Kinds: `reserve`, `reject` (an
all-or-none refusal, kept only for idempotency), `confirm`, `release`, `expire`, and
`refresh` (a snapshot or delta swapped in: which, and the committed lines it absorbed;
`promising.refresh`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from promising.ledger import Allocation, Reservation
from promising.manufacturing import CapacityDraw, Supplier
from promising.model import SupplyModel
from promising.promise import LinePromise
from promising.remap import DroppedAllocation, Frame

RESERVE = "reserve"
REJECT = "reject"
CONFIRM = "confirm"
RELEASE = "release"
EXPIRE = "expire"
REFRESH = "refresh"

JournaledAllocation = DroppedAllocation
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


def line_out(
    model: SupplyModel, sources: Sequence[tuple[int, Supplier]], line: LinePromise
) -> list[Any]:
    """A reserved line as journaled: [line_id, allocations] and, when it holds more (a
    demand class, CTP capacity, supplier capacity), a third element naming them by id:
    {"class": str, "capacity": [[resource_id, date, milli]], "supplier": [[item_id,
    supplier location_id, date, units]]}; `sources` numbers the suppliers (the ledger's)."""
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


class JournalFrame:
    """The frame of journaled reservations: the ids and dates their records name, numbered
    as they are read, so that `promising.remap` moves them onto a model like any other."""

    def __init__(self) -> None:
        self._items: dict[str, int] = {}
        self._locations: dict[str, int] = {}
        self._places: dict[tuple[int, int], int] = {}
        self._resources: dict[str, int] = {}
        self._suppliers: dict[tuple[str, str], int] = {}
        self._days: dict[str, int] = {}

    def reservation(self, allocations: list[list[Any]], extra: dict[str, Any]) -> Reservation:
        """A journaled line ([line_id, allocations, extra?] without the line id), in this frame."""
        units = tuple(
            Allocation(self._place(item_id, location_id), self._day(day), int(quantity))
            for item_id, location_id, day, quantity in allocations
        )
        if not extra:
            return Reservation(units)
        resources = self._resources
        capacity = tuple(
            CapacityDraw(resources.setdefault(rid, len(resources)), self._day(day), int(milli))
            for rid, day, milli in extra.get("capacity", ())
        )
        suppliers = self._suppliers
        supplier = tuple(
            CapacityDraw(
                suppliers.setdefault((item_id, location_id), len(suppliers)),
                self._day(day),
                int(amount),
            )
            for item_id, location_id, day, amount in extra.get("supplier", ())
        )
        return Reservation(units, capacity, supplier, extra.get("class", ""))

    def frame(self) -> Frame:
        places = np.array(list(self._places), dtype=np.int64).reshape(-1, 2)
        return Frame(
            list(self._items), list(self._locations), places[:, 0], places[:, 1],
            list(self._resources), list(self._suppliers), 0,
        )  # fmt: skip

    def _place(self, item_id: str, location_id: str) -> int:
        items, locations = self._items, self._locations
        key = (
            items.setdefault(item_id, len(items)),
            locations.setdefault(location_id, len(locations)),
        )
        return self._places.setdefault(key, len(self._places))

    def _day(self, day: str) -> int:
        ordinal = self._days.get(day)
        if ordinal is None:
            ordinal = self._days[day] = dt.date.fromisoformat(day).toordinal()
        return ordinal
