"""The engine: availability profiles, promising lines and orders, reserving and releasing.

An `Engine` pairs a read-only `SupplyModel` with the mutable `ReservationLedger`. Quotes read
both without locks; only one thread at a time may call `reserve`/`release` (the server's
writer). Every promise goes through one pipeline (`promising.sourcing`); at one location it
follows DESIGN section 3: the earliest working day t >= requested − transit with LOOKAHEAD
ATP[t] >= quantity, over the item's counted types.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from promising.allocation import class_atp_row
from promising.availability import AvailabilityProfile, bucket_range, profile
from promising.ctp import CtpPlanner
from promising.errors import FieldViolation, InvalidInput
from promising.ledger import Reservation, ReservationLedger
from promising.model import SupplyModel
from promising.promise import QUANTITY_MAX, LinePromise, LineRequest, OrderPromise
from promising.sourcing import Sourcing

__all__ = ["QUANTITY_MAX", "Engine"]


class Engine:
    """Answers availability and promise queries on one model with its reservations."""

    def __init__(
        self,
        model: SupplyModel,
        ledger: ReservationLedger | None = None,
        like: Engine | None = None,
    ) -> None:
        """`like`: an engine on a model with the same tables and rows (a fork's parent),
        whose sourcing tables are shared instead of built again."""
        self.model = model
        self.ledger = ReservationLedger.for_model(model) if ledger is None else ledger
        if not self.ledger.shaped_for(model):
            raise ValueError("ledger shape does not match the model")
        planner = CtpPlanner(model, self.ledger, model.manufacturing)
        if like is None:
            self.sourcing = Sourcing(model, planner)
        else:
            self.sourcing = like.sourcing.on(model, planner)

    # --- availability --------------------------------------------------------------------
    def availability(
        self,
        item_id: str,
        location_ids: Sequence[str] | None = None,
        from_date: dt.date | None = None,
        to_date: dt.date | None = None,
        rule_id: str | None = None,
        demand_class: str = "",
    ) -> list[AvailabilityProfile]:
        """One profile per location (default: every location that has the item).

        With a `demand_class`, an item with allocation rules shows that class's ATP (always
        LOOKAHEAD, as its promises use) instead of the rule's."""
        model = self.model
        item = model.item(item_id)
        rule = None if rule_id is None else model.rule(rule_id)
        first, last = bucket_range(model, from_date, to_date)
        if location_ids:
            locations = [model.location(loc) for loc in location_ids]
        else:
            locations = [int(model.row_location[r]) for r in model.rows_of_item(item)]
        reserved = self.ledger.reserved_row
        profiles = [profile(model, reserved, item, loc, rule, first, last) for loc in locations]
        if demand_class and model.allocation.for_item(item):
            for i, loc in enumerate(locations):
                row = model.row_of(item, loc)
                if row >= 0:
                    atp = class_atp_row(model, self.ledger, model.allocation, row, demand_class)
                    assert atp is not None
                    profiles[i] = dataclasses.replace(
                        profiles[i], rule_id=f"class {demand_class}", atp=atp[first : last + 1]
                    )
        return profiles

    # --- promising -----------------------------------------------------------------------
    def promise_line(
        self,
        item_id: str,
        quantity: int,
        requested_date: dt.date,
        location_id: str | None = None,
        line_id: str = "1",
        demand_class: str = "",
    ) -> LinePromise:
        """Quote one line; nothing changes."""
        line = LineRequest(line_id, item_id, quantity, requested_date, location_id)
        return self.promise_order((line,), demand_class).lines[0]

    def promise_order(
        self,
        lines: Sequence[LineRequest],
        demand_class: str = "",
        ship_to_region: str | None = None,
    ) -> OrderPromise:
        """Quote an order through the one promise pipeline (`promising.sourcing`): its lines
        see each other's consumption, and every way of filling a line — stock at a candidate
        location by the order's demand class, a supplier, making it, a substitute — is a
        candidate for the same decision (DESIGN §5)."""
        if not lines:
            raise InvalidInput(
                "an order needs at least one line", [FieldViolation(("lines",), "empty")]
            )
        if len(lines) > 1:
            seen: set[str] = set()
            for i, line in enumerate(lines):
                if line.line_id in seen:
                    raise InvalidInput(
                        f"duplicate line_id {line.line_id!r}",
                        [FieldViolation(("lines", i, "line_id"), "duplicate")],
                    )
                seen.add(line.line_id)
        return self.sourcing.promise(lines, ship_to_region, demand_class, self.ledger)

    # --- reservations --------------------------------------------------------------------
    def reserve(self, promise: OrderPromise, keys: Sequence[str]) -> None:
        """Record each line's reservation under its key, all or none (writer thread only)."""
        if len(keys) != len(promise.lines):
            raise ValueError("one key per line")
        if promise.snapshot_id != self.model.snapshot_id:
            raise InvalidInput("the promise was computed on another snapshot")
        entries = {key: line.reservation for key, line in zip(keys, promise.lines, strict=True)}
        if len(entries) != len(keys):
            raise InvalidInput("a key is given to two lines")
        self.ledger.add_many(entries)

    def release(self, key: str) -> Reservation:
        """Free one reservation at once (writer thread only)."""
        return self.ledger.remove(key)

    def release_many(self, keys: Sequence[str]) -> dict[str, Reservation]:
        """Free several reservations at once, all or none (writer thread only)."""
        return self.ledger.remove_many(keys)
