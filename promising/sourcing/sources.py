"""Sources of a line: the (item, location) pairs it may ship from, with what each costs.

A source is a candidate location for the line's item, or — when the line allows it — for
one of the item's ranked substitutes. Each carries what the kernels need (the item-location
row, the bucket from which capacity is unlimited, transit, calendar) and what the objective
needs (a cost key per unit: unit cost at the source plus ship cost, minus the price of the
item shipped when prices are known, so that lower is a higher margin).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from kernels.sourcing import SOURCE_FIELDS
from promising.domain import PromisingMode
from promising.model import SupplyModel
from promising.sourcing.rules import Candidate, SourcingRules

COST_SCALE = 100
"""Cost keys are in cents: costs that differ by less than half a cent per unit tie."""


class Source(NamedTuple):
    """One way to ship a line: an item (the ordered one or a substitute) from a location."""

    item: int
    variant: int  # 0: the ordered item; n: a substitute of the n-th best rank
    location: int
    row: int  # -1: the item has no supply or demand there
    limit: int  # capacity is unlimited from this bucket on (horizon_days: never)
    transit_days: int
    calendar: int  # -1: every day works
    cost_key: int  # per unit, in cents; lower is better
    unit_cost: float  # per unit, reported: unit cost at the source plus ship cost
    preference: int  # position in preference order (substitute rank, then candidate order)


class LineSources(NamedTuple):
    """The sources of a line (in preference order: `preference` is the position), and the
    same as the kernels' int64 table, sorted for `best_source`."""

    sources: tuple[Source, ...]
    table: np.ndarray  # int64, (sources, SOURCE_FIELDS)


def _nan_to_zero(value: float) -> float:
    return 0.0 if math.isnan(value) else value


class SourceBook:
    """Builds and caches the sources of lines on one model."""

    def __init__(self, model: SupplyModel, rules: SourcingRules) -> None:
        self.model = model
        self.rules = rules
        self._cache: dict[tuple[int, str, int, bool], LineSources] = {}
        self._unit_cost = [_nan_to_zero(c) for c in model.items.unit_cost.tolist()]
        self._price = [_nan_to_zero(p) for p in model.items.unit_price.tolist()]

    def candidates(self, item: int, region: str, location: int) -> tuple[Candidate, ...]:
        """The rules' candidates; a named location is the only one (with its rule's transit
        and cost when a rule names it, else none and free)."""
        found = self.rules.candidates(item, region) if region else ()
        if location < 0:
            if found:
                return found
            rows = self.model.rows_of_item(item)
            if rows.shape[0] == 1:  # the item's only location, as without sourcing
                return (Candidate(int(self.model.row_location[rows[0]]), 0, 0, 0.0),)
            return ()
        for candidate in found:
            if candidate.location == location:
                return (candidate,)
        return (Candidate(location, 0, 0, 0.0),)

    def of(self, item: int, region: str, location: int, substitutes: bool) -> LineSources:
        """Sources for a line of `item` (at `location`, or -1 for any candidate)."""
        key = (item, region, location, substitutes)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._build(item, region, location, substitutes)
        return found

    def _build(self, item: int, region: str, location: int, substitutes: bool) -> LineSources:
        variants = ((item, 0), *self.rules.substitutes(item)) if substitutes else ((item, 0),)
        sources = []
        for variant, position in variants:
            for candidate in self.candidates(variant, region, location):
                source = self._source(variant, position, candidate, len(sources))
                if source is not None:
                    sources.append(source)
        ordered = sorted(sources, key=lambda s: (s.variant, s.cost_key, s.preference))
        table = np.array(
            [
                [s.row, s.limit, s.transit_days, s.calendar, s.cost_key, s.variant, s.preference]
                for s in ordered
            ],
            dtype=np.int64,
        ).reshape(len(sources), SOURCE_FIELDS)
        table.flags.writeable = False
        return LineSources(tuple(sources), table)

    def _source(
        self, item: int, variant: int, candidate: Candidate, preference: int
    ) -> Source | None:
        """The source, or None when it can never ship anything inside the horizon."""
        model = self.model
        scalars = model.item_scalars
        horizon = model.horizon_days
        mode = scalars.promising_mode[item]
        row = model.row_of(item, candidate.location)
        if mode == PromisingMode.INFINITE:
            row, limit = -1, 0
        elif mode == PromisingMode.LEAD_TIME:
            row, limit = -1, scalars.lead_time_days[item]
        else:
            fence = scalars.infinite_time_fence_days[item]
            limit = min(fence, horizon) if fence > 0 else horizon
        if row < 0 and limit >= horizon:
            return None
        unit_cost = self._unit_cost[item] + candidate.ship_cost
        return Source(
            item=item,
            variant=variant,
            location=candidate.location,
            row=row,
            limit=limit,
            transit_days=candidate.transit_days,
            calendar=int(model.locations.calendar[candidate.location]),
            cost_key=round((unit_cost - self._price[item]) * COST_SCALE),
            unit_cost=unit_cost,
            preference=preference,
        )
