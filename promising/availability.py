"""Availability profiles: supply, demand, reserved and ATP per bucket for item-locations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kernels.atp import atp_row
from kernels.events import bin_row
from promising.errors import FieldViolation, InvalidInput
from promising.model import SupplyModel


@dataclass(frozen=True)
class AvailabilityProfile:
    """One item-location over a date range; arrays are int64, one value per day."""

    item_id: str
    location_id: str
    rule_id: str
    start_date: dt.date
    supply: np.ndarray
    demand: np.ndarray
    reserved: np.ndarray
    atp: np.ndarray

    @property
    def dates(self) -> list[dt.date]:
        return [self.start_date + dt.timedelta(days=i) for i in range(self.atp.shape[0])]


def bucket_range(
    model: SupplyModel, from_date: dt.date | None, to_date: dt.date | None
) -> tuple[int, int]:
    """[first, last] buckets of a date range; None means the horizon's start or end.

    A start before `as_of` is clipped to bucket 0 (past due folds there); an end past the
    horizon is clipped to its last day.
    """
    first = 0 if from_date is None else max(model.bucket_of(from_date), 0)
    last = model.horizon_days - 1 if to_date is None else model.bucket_of(to_date)
    violations = []
    if first > model.horizon_days - 1:
        violations.append(
            FieldViolation(
                ("from_date",), f"{from_date} is after the horizon end {model.horizon_end}"
            )
        )
    if to_date is not None and last < 0:
        violations.append(FieldViolation(("to_date",), f"{to_date} is before as_of {model.as_of}"))
    if from_date is not None and to_date is not None and to_date < from_date:
        violations.append(
            FieldViolation(("to_date",), f"{to_date} is before from_date {from_date}")
        )
    if violations:
        raise InvalidInput("bad date range", violations)
    return first, min(last, model.horizon_days - 1)


def profile(
    model: SupplyModel,
    reserved: Callable[[int], np.ndarray],
    item: int,
    location: int,
    rule: int | None,
    first: int,
    last: int,
) -> AvailabilityProfile:
    """Profile of one item-location under the item's rule or `rule` (a rule index);
    `reserved(row)` gives a row's reservations (`ReservationLedger.reserved_row`)."""
    horizon = model.horizon_days
    item_rule = int(model.items.atp_rule[item])
    rule = item_rule if rule is None else rule
    rules = model.rules
    row = model.row_of(item, location)
    if row < 0:
        supply = np.zeros(horizon, dtype=np.int64)
        demand = np.zeros(horizon, dtype=np.int64)
        held = np.zeros(horizon, dtype=np.int64)
    elif (
        rules.supply_mask[rule] == rules.supply_mask[item_rule]
        and rules.demand_mask[rule] == rules.demand_mask[item_rule]
    ):
        supply, demand, held = model.supply_row(row), model.demand_row(row), reserved(row)
    else:
        supply = np.empty(horizon, dtype=np.int64)
        demand = np.empty(horizon, dtype=np.int64)
        (s, r), (d, _) = model.events_of(row, True), model.events_of(row, False)
        bin_row(s.ptr, s.bucket, s.quantity, s.kind, r, int(rules.supply_mask[rule]), supply)
        bin_row(d.ptr, d.bucket, d.quantity, d.kind, r, int(rules.demand_mask[rule]), demand)
        held = reserved(row)
    atp = np.empty(horizon, dtype=np.int64)
    atp_row(supply, demand, held, int(rules.consumption[rule]), bool(rules.accumulate[rule]), atp)
    window = slice(first, last + 1)
    return AvailabilityProfile(
        item_id=model.items.ids[item],
        location_id=model.locations.ids[location],
        rule_id=rules.ids[rule],
        start_date=model.date_of(first),
        supply=supply[window].copy(),
        demand=demand[window].copy(),
        reserved=held[window].copy(),
        atp=atp[window],
    )
