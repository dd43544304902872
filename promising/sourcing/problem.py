"""An order as a choice among options: each option ships part of a line from one source on
one day. The solver picks options; this module decides which are worth offering.

Ship days. A line that is not in a ship set ships on time only on its source's on-time day
(the latest working day on or before requested − transit: just in time). Late, it may ship
on any working day after; ship-set lines may ship on any working day, since the set shares
one. Which days need offering at all: at a location, the days in `U` = the first working
day, every on-time day, and the first working day on or after each bucket where the ATP of a
row there rises (or its capacity turns unlimited). Any solution can move each late shipment
(and a ship set) back to the latest day of `U` on or before its own without losing anything:
no ATP rises in between, so what fitted still fits; arrivals only get earlier; shipments on
one day stay together. Rises after a row's ATP covers every line that could use it change
nothing and are left out.

Presolve. A line with an on-time option on a row whose ATP at that day covers every line
that could use the row is on time in every optimum (switching it there costs nobody
anything), so its late options are dropped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from kernels.sourcing import UNLIMITED, lookahead_rows
from promising.model import SupplyModel
from promising.sourcing.calendar import WorkingDays
from promising.sourcing.lines import SourcedLine


class Option(NamedTuple):
    """Ship up to `quantity_max` units of a line from one source on one day."""

    line: int  # position in Problem.lines
    source: int  # position in the line's sources
    location: int
    row: int  # reserved on this row (-1: nothing reserved)
    bucket: int
    on_time: bool
    late_days: int
    early: int  # a ship-set line on time: 0 on the latest day offered in time, 1 the one before …
    quantity_max: int
    variant: int
    cost_key: int
    preference: int  # 0 for the line's preferred source among those with options, 1 next …


@dataclass
class Problem:
    """Lines, their options, and the ATP each reserved row can give (`capacity`)."""

    lines: list[SourcedLine]
    options: list[Option] = field(default_factory=list)
    capacity: dict[int, np.ndarray] = field(default_factory=dict)
    on_time_fixed: set[int] = field(default_factory=set)


def build(
    model: SupplyModel, days: WorkingDays, reserved: np.ndarray, lines: list[SourcedLine]
) -> Problem:
    """Every option worth offering for `lines` against the current reservations."""
    rows = sorted(
        {s.row for line in lines for s in line.sources.sources if s.row >= 0 and s.limit > 0}
    )
    atp = lookahead_rows(model.supply, model.demand, reserved, np.array(rows, dtype=np.int64))
    capacity = {row: np.maximum(atp[i], 0) for i, row in enumerate(rows)}
    wanted: dict[int, int] = defaultdict(int)  # row → units all lines could want from it
    for line in lines:
        for row in {s.row for s in line.sources.sources if s.row >= 0}:
            wanted[row] += line.quantity

    def units(source_row: int, limit: int, bucket: int) -> int:
        if bucket >= limit:
            return UNLIMITED
        return int(capacity[source_row][bucket]) if source_row >= 0 else 0

    days_at = _ship_days(days, lines, capacity, wanted)
    problem = Problem(lines, capacity=capacity)
    for position, line in enumerate(lines):
        need = 1 if line.split or line.partial else line.quantity
        options: list[Option] = []
        safe = False
        for k, s in enumerate(line.sources.sources):
            latest = line.requested - s.transit_days
            on_time_day = days.before(s.calendar, latest)
            if line.ship_set >= 0:
                buckets = days_at[s.location]
            else:
                buckets = [b for b in days_at[s.location] if b > latest]
                if on_time_day >= 0:
                    buckets.insert(0, on_time_day)
            for b in buckets:
                free = units(s.row, s.limit, b)
                if free < need:
                    continue
                on_time = b <= latest
                if on_time and line.ship_set < 0:
                    whole = free >= UNLIMITED or (s.row >= 0 and free >= wanted[s.row])
                    safe = safe or whole
                options.append(
                    Option(
                        line=position,
                        source=k,
                        location=s.location,
                        row=s.row if b < s.limit else -1,
                        bucket=b,
                        on_time=on_time,
                        late_days=max(b + s.transit_days - line.requested, 0),
                        early=0,
                        quantity_max=min(free, line.quantity),
                        variant=s.variant,
                        cost_key=s.cost_key,
                        preference=s.preference,
                    )
                )
        if safe:
            options = [o for o in options if o.on_time]
            problem.on_time_fixed.add(position)
        problem.options.extend(_ranked(options))
    return problem


def _ranked(options: list[Option]) -> list[Option]:
    """One line's options with small tie-break ranks: preference among the line's sources,
    and for on-time ship-set options how many offered on-time days are later."""
    order = {p: rank for rank, p in enumerate(sorted({o.preference for o in options}))}
    later: dict[int, list[int]] = defaultdict(list)
    for o in options:
        if o.on_time:
            later[o.source].append(o.bucket)
    return [
        o._replace(
            preference=order[o.preference],
            early=sum(b > o.bucket for b in later[o.source]) if o.on_time else 0,
        )
        for o in options
    ]


def _ship_days(
    days: WorkingDays,
    lines: list[SourcedLine],
    capacity: dict[int, np.ndarray],
    wanted: dict[int, int],
) -> dict[int, list[int]]:
    """The days `U` worth offering at each location, ascending."""
    found: dict[int, set[int]] = defaultdict(set)
    for line in lines:
        for s in line.sources.sources:
            marks = found[s.location]
            calendar = s.calendar
            marks.add(days.after(calendar, 0))
            marks.add(days.before(calendar, line.requested - s.transit_days))
            if s.limit < days.horizon_days:
                marks.add(days.after(calendar, s.limit))
            if s.row >= 0 and s.limit > 0:
                for rise in _rises(capacity[s.row][: s.limit], wanted[s.row]):
                    marks.add(days.after(calendar, rise))
    return {
        location: sorted(d for d in marks if 0 <= d < days.horizon_days)
        for location, marks in found.items()
    }


def _rises(capacity: np.ndarray, wanted: int) -> list[int]:
    """Buckets where the capacity rises, up to the first that covers `wanted`."""
    if capacity.shape[0] == 0:
        return []
    rises = np.flatnonzero(np.diff(capacity) > 0) + 1
    enough = np.flatnonzero(capacity >= wanted)
    if enough.shape[0]:
        rises = rises[rises <= enough[0]]
    return rises.tolist()
