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

Pools. A row's capacity is its ATP for the order (the class's, for an order with a demand
class and an item with allocation rules); a supplier's is its free capacity summed from its
lead time (`pools`). Options on one pool share it, so lines compete for it exactly.

Making (CTP). A line gets a make option at each of its plants unless a stock or supplier
pool holds it on time whatever the order's other lines take (as in the presolve below). The
option is planned for the line's whole quantity with the plans of the order's lines before it
held (their components and resource capacity), so every combination of chosen plans fits. It
ships the whole line on one day or not at all, and what its plan holds on stock rows is held
before the rows' capacity is read: safe whichever options are chosen, at the price of a
little capacity when an order also sells a component of another of its lines directly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from kernels.sourcing import UNLIMITED
from promising.ctp import CtpPlan, CtpPlanner
from promising.domain import SourceType
from promising.sourcing.calendar import WorkingDays
from promising.sourcing.lines import SourcedLine
from promising.sourcing.pools import Pools
from promising.sourcing.sources import Source


class Option(NamedTuple):
    """Ship up to `quantity_max` units of a line from one source on one day."""

    line: int  # position in Problem.lines
    source: int  # position in the line's sources
    location: int
    pool: int  # capacity pool it draws on (-1: nothing shared)
    bucket: int
    on_time: bool
    late_days: int
    early: int  # a ship-set line on time: 0 on the latest day offered in time, 1 the one before …
    quantity_max: int
    variant: int
    made: int  # 1: made or bought, 0: from stock
    cost_key: int
    preference: int  # 0 for the line's preferred source among those with options, 1 next …
    plan: int = -1  # a make option: its plan in Problem.plans; it ships the whole line alone


@dataclass
class Problem:
    """Lines, their options, the capacity of each pool (`capacity`) and the make plans."""

    lines: list[SourcedLine]
    options: list[Option] = field(default_factory=list)
    capacity: dict[int, np.ndarray] = field(default_factory=dict)
    on_time_fixed: set[int] = field(default_factory=set)
    plans: list[CtpPlan] = field(default_factory=list)


def build(
    days: WorkingDays, pools: Pools, planner: CtpPlanner, lines: list[SourcedLine]
) -> Problem:
    """Every option worth offering for `lines` against the current reservations."""
    problem = Problem(lines)
    wanted: dict[int, int] = defaultdict(int)  # pool → units all lines could want from it
    for line in lines:
        for pool in {s.pool for s in line.sources.sources if s.pool >= 0}:
            wanted[pool] += line.quantity
    made = _make_options(days, pools, planner, problem, wanted)
    capacity = problem.capacity
    for line in lines:
        for s in line.sources.sources:
            if s.pool >= 0 and s.limit > 0 and s.pool not in capacity:
                capacity[s.pool] = np.maximum(pools.curve(s), 0)

    def units(source: Source, bucket: int) -> int:
        if bucket >= source.limit:
            return UNLIMITED
        return int(capacity[source.pool][bucket]) if source.pool >= 0 else 0

    days_at = _ship_days(days, lines, capacity, wanted, made)
    for position, line in enumerate(lines):
        need = 1 if line.split or line.partial else line.quantity
        options: list[Option] = []
        safe = False
        for k, s in enumerate(line.sources.sources):
            if s.kind is SourceType.CTP:
                continue
            latest = line.requested - s.transit_days
            on_time_day = days.before(s.calendar, latest)
            if line.ship_set >= 0:
                buckets = days_at[s.location]
            else:
                buckets = [b for b in days_at[s.location] if b > latest]
                if on_time_day >= 0:
                    buckets.insert(0, on_time_day)
            for b in buckets:
                free = units(s, b)
                if free < need:
                    continue
                on_time = b <= latest
                if on_time and line.ship_set < 0:
                    whole = free >= UNLIMITED or (s.pool >= 0 and free >= wanted[s.pool])
                    safe = safe or whole
                pool = s.pool if b < s.limit else -1
                quantity = min(free, line.quantity)
                options.append(_option(position, k, s, line, b, pool, quantity))
        options.extend(made.get(position, ()))
        if safe:
            options = [o for o in options if o.on_time]
            problem.on_time_fixed.add(position)
        problem.options.extend(_ranked(options))
    return problem


def _option(
    position: int, k: int, s: Source, line: SourcedLine, bucket: int, pool: int, quantity: int
) -> Option:
    return Option(
        line=position,
        source=k,
        location=s.location,
        pool=pool,
        bucket=bucket,
        on_time=bucket + s.transit_days <= line.requested,
        late_days=max(bucket + s.transit_days - line.requested, 0),
        early=0,
        quantity_max=quantity,
        variant=s.variant,
        made=s.made,
        cost_key=s.cost_key,
        preference=s.preference,
    )


def _make_options(
    days: WorkingDays,
    pools: Pools,
    planner: CtpPlanner,
    problem: Problem,
    wanted: dict[int, int],
) -> dict[int, list[Option]]:
    """Make options of the lines that may need making, planned in line order, each plan held
    for the plans after it (see the module docstring)."""
    out: dict[int, list[Option]] = defaultdict(list)
    for position, line in enumerate(problem.lines):
        makers = [k for k, s in enumerate(line.sources.sources) if s.kind is SourceType.CTP]
        if not makers or _on_time_without_making(days, pools, line, wanted):
            continue
        for k in makers:
            s = line.sources.sources[k]
            planned = plan_make(days, pools, planner, line, s)
            if planned is None:
                continue
            plan, ship = planned
            pools.hold(plan.all_allocations())
            pools.hold_capacity(plan.all_capacity())
            option = _option(position, k, s, line, ship, -1, line.quantity)
            out[position].append(option._replace(plan=len(problem.plans)))
            problem.plans.append(plan)
    return out


def plan_make(
    days: WorkingDays, pools: Pools, planner: CtpPlanner, line: SourcedLine, source: Source
) -> tuple[CtpPlan, int] | None:
    """The make plan for the whole line at the source's plant, and its ship day (None: it
    cannot be made and shipped inside the horizon). The plan completes no earlier than the
    on-time ship day: capacity is not held sooner than needed."""
    on_time_day = days.before(source.calendar, line.requested - source.transit_days)
    plan = planner.plan(
        source.item,
        source.location,
        line.quantity,
        max(on_time_day, 0),
        rows=pools.reserved_rows(),
        used=pools.capacity_used,
    )
    if plan is None:
        return None
    ship = days.after(source.calendar, plan.done)
    return None if ship >= days.horizon_days else (plan, ship)


def _on_time_without_making(
    days: WorkingDays, pools: Pools, line: SourcedLine, wanted: dict[int, int]
) -> bool:
    """True when one stock or supplier pool holds, on the line's on-time day, every unit all
    the order's lines could want from it: the line is on time from it in every optimum."""
    for s in line.sources.sources:
        if s.kind is SourceType.CTP:
            continue
        on_time_day = days.before(s.calendar, line.requested - s.transit_days)
        if on_time_day < 0:
            continue
        if on_time_day >= s.limit:
            return True
        if s.pool >= 0 and pools.curve(s)[on_time_day] >= wanted[s.pool]:
            return True
    return False


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
    made: dict[int, list[Option]],
) -> dict[int, list[int]]:
    """The days `U` worth offering at each location, ascending; a plant's make days too, so
    that a ship set can leave with a made line."""
    found: dict[int, set[int]] = defaultdict(set)
    for options in made.values():
        for o in options:
            found[o.location].add(o.bucket)
    for line in lines:
        for s in line.sources.sources:
            if s.kind is SourceType.CTP:
                continue
            marks = found[s.location]
            calendar = s.calendar
            marks.add(days.after(calendar, 0))
            marks.add(days.before(calendar, line.requested - s.transit_days))
            if s.limit < days.horizon_days:
                marks.add(days.after(calendar, s.limit))
            if s.pool >= 0 and s.limit > 0:
                for rise in _rises(capacity[s.pool][: s.limit], wanted[s.pool]):
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
