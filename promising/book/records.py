"""Journal record bodies: JSON, model-independent.

A ledger allocation names a model row and bucket, which mean nothing to another snapshot;
the journal stores item id, location id, ISO date and quantity instead, and replay maps
them back onto the model it runs on. Kinds: `reserve`, `reject` (an all-or-none refusal,
kept only for idempotency), `confirm`, `release`, `expire`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from promising.ledger import Allocation
from promising.model import SupplyModel

RESERVE = "reserve"
REJECT = "reject"
CONFIRM = "confirm"
RELEASE = "release"
EXPIRE = "expire"

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
