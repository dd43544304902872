"""Requests and answers of promising: line requests, line promises, fulfilments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from promising.domain import Decision, LineStatus
from promising.ledger import Allocation, Reservation
from promising.manufacturing import CapacityDraw
from promising.pegging import SupplySource

QUANTITY_MAX = 10**12
"""Largest quantity one line may ask for: far above any real order, far below int64 overflow."""


@dataclass(frozen=True, slots=True)
class LineRequest:
    """One order line to promise; `location_id` is the ship-from location, if named.

    The flags matter when the engine chooses the sources (DESIGN §5): `allow_split` lets the
    line ship from several locations, `allow_partial` lets it promise less than asked,
    `allow_substitutes` lets ranked substitutes fill it, and lines with the same non-empty
    `ship_set_id` ship together, from one location on one date, or not at all.
    """

    line_id: str
    item_id: str
    quantity: int
    requested_date: dt.date
    location_id: str | None = None
    allow_split: bool = False
    allow_partial: bool = False
    allow_substitutes: bool = False
    ship_set_id: str = ""


class Fulfillment(NamedTuple):
    """Part of a line shipped from one location on one date."""

    item_id: str
    location_id: str
    quantity: int
    ship_date: dt.date
    arrival_date: dt.date
    source_type: str = "ATP"
    cost: float = 0.0
    supplied_by: tuple[SupplySource, ...] = ()  # filled only when asked (pegging.explain)


class LinePromise(NamedTuple):
    """The answer for one line, and what reserving it would hold.

    Answers are NamedTuples: immutable, and three times cheaper to build than frozen
    dataclasses, which matters on the one-line promise path.
    """

    line_id: str
    item_id: str
    status: LineStatus
    requested_quantity: int
    requested_date: dt.date
    promised_quantity: int
    promised_date: dt.date | None
    fulfillments: tuple[Fulfillment, ...]
    allocations: tuple[Allocation, ...]
    demand_class: str = ""
    capacity: tuple[CapacityDraw, ...] = ()  # plant resources a CTP promise holds
    supplier_draws: tuple[CapacityDraw, ...] = ()  # supplier capacity a SUPPLIER one holds

    @property
    def reservation(self) -> Reservation:
        """What reserving this line takes, as one ledger value."""
        return Reservation(self.allocations, self.capacity, self.supplier_draws, self.demand_class)


class OrderPromise(NamedTuple):
    """The answer for a whole order, computed on one snapshot (a NamedTuple, like the line
    answers: built on every quote)."""

    snapshot_id: str
    lines: tuple[LinePromise, ...]
    decision: Decision = Decision.LOCATION

    @property
    def all_available(self) -> bool:
        """True when no line is unavailable."""
        return all(line.status is not LineStatus.UNAVAILABLE for line in self.lines)
