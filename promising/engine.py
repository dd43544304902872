"""The engine: availability profiles, promising lines and orders, reserving and releasing.

An `Engine` pairs a read-only `SupplyModel` with the mutable `ReservationLedger` (units,
plant and supplier capacity, by class: one value per reserved line). Quotes read
both without locks; only one thread at a time may call `reserve`/`release` (the server's
writer). Promising at one location follows DESIGN section 3: the earliest bucket
t >= requested with LOOKAHEAD ATP[t] >= quantity, over the item's counted types.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence

import numpy as np

from kernels.promise import earliest_bucket, earliest_row
from promising.allocation import class_atp_row
from promising.availability import AvailabilityProfile, bucket_range, profile
from promising.capable import Alternative, Capable, OrderScratch
from promising.domain import LineStatus, PromisingMode
from promising.errors import FieldViolation, InvalidInput
from promising.ledger import Allocation, Reservation, ReservationLedger
from promising.model import SupplyModel
from promising.promise import QUANTITY_MAX, Fulfillment, LinePromise, LineRequest, OrderPromise
from promising.sourcing import Sourcing

__all__ = ["QUANTITY_MAX", "Engine"]


class Engine:
    """Answers availability and promise queries on one model with its reservations."""

    def __init__(self, model: SupplyModel, ledger: ReservationLedger | None = None) -> None:
        self.model = model
        self.ledger = ReservationLedger.for_model(model) if ledger is None else ledger
        if not self.ledger.shaped_for(model):
            raise ValueError("ledger shape does not match the model")
        self.capable = Capable(model, self.ledger)
        self.sourcing = Sourcing(model)

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
        reserved = self.ledger.reserved
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
        return self._promise(line, demand_class=demand_class)

    def promise_order(
        self,
        lines: Sequence[LineRequest],
        demand_class: str = "",
        ship_to_region: str | None = None,
    ) -> OrderPromise:
        """Quote an order: its lines are promised in order and see each other's consumption.

        With a `demand_class`, items with allocation rules promise from that class's ATP.
        Lines that name no location are sourced from the rules for `ship_to_region`, and
        lines asking for splits, partials, substitutes or ship sets are sourced too; then the
        order is chosen as a whole (DESIGN §5, `promising.sourcing`)."""
        if not lines:
            raise InvalidInput(
                "an order needs at least one line", [FieldViolation("lines", "empty")]
            )
        seen: set[str] = set()
        for i, line in enumerate(lines):
            if line.line_id in seen:
                raise InvalidInput(
                    f"duplicate line_id {line.line_id!r}",
                    [FieldViolation(f"lines[{i}].line_id", "duplicate")],
                )
            seen.add(line.line_id)
        if self.sourcing.needed(lines, ship_to_region):
            return self.sourcing.promise(lines, ship_to_region, self.ledger.reserved)
        if len(lines) == 1:
            answer = self._promise(lines[0], 0, demand_class=demand_class)
            return OrderPromise(self.model.snapshot_id, (answer,))
        # Lines sharing an item-location see the earlier lines' allocations through a
        # private copy of that row's reservations (and capacity, for CTP and suppliers);
        # the shared ledgers are never touched.
        scratch = self.capable.scratch() if self.capable.active else None
        overlay: dict[int, np.ndarray] = {} if scratch is None else scratch.rows
        answers = []
        for i, line in enumerate(lines):
            answer = self._promise(line, i, overlay, demand_class, scratch)
            for a in answer.allocations:
                row = overlay.get(a.row)
                if row is None:
                    row = overlay[a.row] = self.ledger.reserved[a.row].copy()
                row[a.bucket] += a.quantity
            if scratch is not None:
                for d in answer.capacity:
                    scratch.used[d.resource, d.bucket] += d.milli
                for d in answer.supplier_draws:
                    scratch.supplier_used[d.resource, d.bucket] += d.milli
            answers.append(answer)
        return OrderPromise(self.model.snapshot_id, tuple(answers))

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

    # --- one line ------------------------------------------------------------------------
    def _promise(
        self,
        line: LineRequest,
        index: int = 0,
        overlay: dict[int, np.ndarray] | None = None,
        demand_class: str = "",
        scratch: OrderScratch | None = None,
    ) -> LinePromise:
        model = self.model
        scalars = model.item_scalars
        item = self._item(line, index)
        quantity = line.quantity
        if not 0 < quantity <= QUANTITY_MAX:
            raise InvalidInput(
                f"quantity must be in 1..{QUANTITY_MAX}, got {quantity}",
                [FieldViolation(f"lines[{index}].quantity", "must be > 0 and <= 10^12")],
            )
        requested = model.bucket_of(line.requested_date)
        if requested >= model.horizon_days:
            raise InvalidInput(
                f"requested_date {line.requested_date} is after the horizon end "
                f"{model.horizon_end}",
                [FieldViolation(f"lines[{index}].requested_date", "past the horizon")],
            )
        start = max(requested, 0)
        location = self._location(line, item, index)
        mode = scalars.promising_mode[item]
        row = -1 if location < 0 else model.row_of(item, location)
        if mode == PromisingMode.INFINITE:
            bucket, reserve = start, False
        elif mode == PromisingMode.LEAD_TIME:
            bucket, reserve = max(start, scalars.lead_time_days[item]), False
        else:
            fence = scalars.infinite_time_fence_days[item]
            limit = min(fence, model.horizon_days) if fence > 0 else model.horizon_days
            if start >= limit:
                bucket, reserve = start, False
            elif row < 0:
                bucket, reserve = (limit, False) if limit < model.horizon_days else (-1, False)
            else:
                bucket = self._earliest(row, start, quantity, limit, overlay, demand_class)
                reserve = True
                if bucket < 0 and limit < model.horizon_days:
                    bucket, reserve = limit, False
            if (bucket < 0 or bucket > start) and self.capable.active:
                alternative = self.capable.better(item, location, quantity, start, bucket, scratch)
                if alternative is not None:
                    return self._alternative(line, item, requested, alternative, demand_class)
        answer = self._answer(line, item, location, row, requested, bucket, reserve)
        return answer._replace(demand_class=demand_class) if demand_class else answer

    def _earliest(
        self,
        row: int,
        start: int,
        quantity: int,
        limit: int,
        overlay: dict[int, np.ndarray] | None,
        demand_class: str,
    ) -> int:
        """Earliest bucket in [start, limit) whose LOOKAHEAD ATP covers `quantity` (-1: none):
        the class's ATP where the item has allocation rules, else the row's; `overlay` holds
        the row's reservations with the same order's earlier lines added."""
        model = self.model
        pending = None if overlay is None else overlay.get(row)
        if demand_class and model.allocation:
            bucket = self.capable.class_bucket(row, demand_class, start, quantity, limit, pending)
            if bucket is not None:
                return bucket
        if pending is not None:
            return earliest_bucket(
                model.supply[row], model.demand[row], pending, start, quantity, limit
            )
        return earliest_row(
            model.supply, model.demand, self.ledger.reserved, row, start, quantity, limit
        )

    def _alternative(
        self, line: LineRequest, item: int, requested: int, alt: Alternative, demand_class: str
    ) -> LinePromise:
        """The answer for a line made (CTP) or bought (SUPPLIER) instead of taken from ATP."""
        model = self.model
        date = model.date_of(alt.bucket)
        status = LineStatus.ON_TIME if alt.bucket <= requested else LineStatus.LATE
        cost = alt.cost
        if not cost:
            unit_cost = model.item_scalars.unit_cost[item]
            cost = 0.0 if math.isnan(unit_cost) else unit_cost * line.quantity
        location_id = model.locations.ids[alt.location]
        fulfillment = Fulfillment(
            line.item_id, location_id, line.quantity, date, date, alt.source_type, cost
        )
        return LinePromise(
            line.line_id, line.item_id, status, line.quantity, line.requested_date,
            line.quantity, date, (fulfillment,), alt.allocations, demand_class,
            alt.capacity, alt.supplier_draws,
        )  # fmt: skip

    def _answer(
        self,
        line: LineRequest,
        item: int,
        location: int,
        row: int,
        requested: int,
        bucket: int,
        reserve: bool,
    ) -> LinePromise:
        model = self.model
        if bucket < 0:
            return LinePromise(
                line.line_id, line.item_id, LineStatus.UNAVAILABLE, line.quantity,
                line.requested_date, 0, None, (), (),
            )  # fmt: skip
        date = model.date_of(bucket)
        status = LineStatus.ON_TIME if bucket <= requested else LineStatus.LATE
        unit_cost = model.item_scalars.unit_cost[item]
        cost = 0.0 if math.isnan(unit_cost) else unit_cost * line.quantity
        location_id = model.locations.ids[location] if location >= 0 else ""
        fulfillment = Fulfillment(line.item_id, location_id, line.quantity, date, date, "ATP", cost)
        allocations = (Allocation(row, bucket, line.quantity),) if reserve else ()
        return LinePromise(
            line.line_id, line.item_id, status, line.quantity, line.requested_date,
            line.quantity, date, (fulfillment,), allocations,
        )  # fmt: skip

    def _item(self, line: LineRequest, index: int) -> int:
        item = self.model.item_index.get(line.item_id)
        if item is None:
            raise InvalidInput(
                f"unknown item {line.item_id!r}",
                [FieldViolation(f"lines[{index}].item_id", "unknown item")],
            )
        return item

    def _location(self, line: LineRequest, item: int, index: int) -> int:
        """The ship-from location: the named one, else the item's only one (-1: none)."""
        model = self.model
        if line.location_id:
            location = model.location_index.get(line.location_id)
            if location is None:
                raise InvalidInput(
                    f"unknown location {line.location_id!r}",
                    [FieldViolation(f"lines[{index}].ship_from_location_id", "unknown location")],
                )
            return location
        rows = model.rows_of_item(item)
        if rows.shape[0] == 1:
            return int(model.row_location[rows[0]])
        if rows.shape[0] == 0 and model.item_scalars.promising_mode[item] != PromisingMode.SUPPLY:
            return -1
        raise InvalidInput(
            f"item {line.item_id!r} is at {rows.shape[0]} locations; name ship_from_location_id",
            [FieldViolation(f"lines[{index}].ship_from_location_id", "required for this item")],
        )
