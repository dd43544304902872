"""Candidate supplies of a line: every way it may be filled, with what each costs.

A source is the line's item (the ordered one or — when the line allows it — a ranked
substitute) from one place, by one of three means (`SourceType`):
- `ATP`: a candidate location's stock (the sourcing rules for the ship-to region, the named
  location, or the item's only location);
- `SUPPLIER`: a supplier of a BUY item, within its daily capacity after its lead time;
- `CTP`: making it at a candidate location that is a plant for it.
Each carries what the kernels need (the item-location row, the bucket from which capacity is
unlimited, transit, calendar, the capacity pool it draws on) and what the objective needs (a
cost key per unit: unit cost at the source plus ship cost, minus the price of the item shipped
when prices are known, so that lower is a higher margin). A new way of supplying a line is one
more kind of source here; the decision and the answers take it as it comes.
"""

from __future__ import annotations

import copy
import math
from typing import NamedTuple

import numpy as np

from kernels.sourcing import SOURCE_FIELDS
from promising.domain import PromisingMode, SourceType
from promising.manufacturing import Supplier, supplier_index
from promising.model import SupplyModel
from promising.sourcing.rules import Candidate, SourcingRules

COST_SCALE = 100
"""Cost keys are in cents: costs that differ by less than half a cent per unit tie."""

NOWHERE = -1
"""Location of an item promised by lead time or without limit that is stocked nowhere."""


class Source(NamedTuple):
    """One way to fill a line: an item (the ordered one or a substitute) from a place."""

    item: int
    variant: int  # 0: the ordered item; n: a substitute of the n-th best rank
    location: int  # ship-from: a location, the supplier's location, or the plant
    row: int  # item-location row whose ATP it takes (-1: none)
    limit: int  # capacity is unlimited from this bucket on (horizon_days: never)
    transit_days: int
    calendar: int  # -1: every day works
    cost_key: int  # per unit, in cents; lower is better
    unit_cost: float  # per unit, reported: unit cost at the source plus ship cost
    preference: int  # position in preference order (substitute rank, then candidate order)
    kind: SourceType = SourceType.ATP
    supplier: int = -1  # SUPPLIER: the supplier's index in the model's supplier list
    pool: int = -1  # capacity pool: the row (ATP), row_count + supplier (SUPPLIER), -1 (CTP)

    @property
    def made(self) -> int:
        """1 when the units are made or bought rather than taken from stock."""
        return 0 if self.kind is SourceType.ATP else 1


class LineSources(NamedTuple):
    """The sources of a line (in preference order: `preference` is the position), and the
    kernel's int64 table of those it can decide (all but CTP), sorted for `best_source`."""

    sources: tuple[Source, ...]
    table: np.ndarray  # int64, (sources, SOURCE_FIELDS); SOURCE_ATP is -1 (filled per order)
    single: bool = False
    """One stock source: the earliest-date search decides it alone."""


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
        self._suppliers = supplier_index(model.suppliers)

    def on(self, model: SupplyModel) -> SourceBook:
        """This book for a fork of its model: sources depend on tables and rows only, which
        a fork shares, so the cache is shared too."""
        other = copy.copy(self)
        other.model = model
        return other

    def candidates(self, item: int, region: str, location: int) -> tuple[Candidate, ...]:
        """The rules' candidates; a named location is the only one (with its rule's transit
        and cost when a rule names it, else none and free)."""
        found = self.rules.candidates(item, region) if region else ()
        if location < 0:
            if found:
                return found
            model = self.model
            rows = model.rows_of_item(item)
            if rows.shape[0] == 1:  # the item's only location, as without sourcing
                return (Candidate(int(model.row_location[rows[0]]), 0, 0, 0.0),)
            mode = model.item_scalars.promising_mode[item]
            if rows.shape[0] == 0 and mode != PromisingMode.SUPPLY:
                return (Candidate(NOWHERE, 0, 0, 0.0),)
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
        sources: list[Source] = []
        for variant, position in variants:
            candidates = self.candidates(variant, region, location)
            for candidate in candidates:
                source = self._stock(variant, position, candidate, len(sources))
                if source is not None:
                    sources.append(source)
            if self.model.item_scalars.promising_mode[variant] != PromisingMode.SUPPLY:
                continue
            indices = self._suppliers.get(variant, ())
            bought = zip(indices, self.model.suppliers.get(variant, ()), strict=True)
            for index, supplier in bought:
                sources.append(self._bought(variant, position, index, supplier, len(sources)))
            for candidate in candidates:
                if self.model.manufacturing.can_make(variant, candidate.location):
                    sources.append(self._made(variant, position, candidate, len(sources)))
        decidable = [s for s in sources if s.kind is not SourceType.CTP]
        ordered = sorted(decidable, key=lambda s: (s.variant, s.made, s.cost_key, s.preference))
        columns = [
            (s.row, s.limit, s.transit_days, s.calendar, s.cost_key, s.variant, s.preference)
            for s in ordered
        ]
        table = np.array(
            [(*c, -1, s.made) for c, s in zip(columns, ordered, strict=True)], dtype=np.int64
        ).reshape(len(ordered), SOURCE_FIELDS)
        table.flags.writeable = False
        single = len(sources) == 1 and sources[0].kind is SourceType.ATP
        return LineSources(tuple(sources), table, single)

    def _calendar(self, location: int) -> int:
        return -1 if location < 0 else int(self.model.locations.calendar[location])

    def _cost_key(self, item: int, unit_cost: float) -> int:
        return round((unit_cost - self._price[item]) * COST_SCALE)

    def _stock(
        self, item: int, variant: int, candidate: Candidate, preference: int
    ) -> Source | None:
        """The ATP source, or None when it can never ship anything inside the horizon."""
        model = self.model
        scalars = model.item_scalars
        horizon = model.horizon_days
        mode = scalars.promising_mode[item]
        location = candidate.location
        row = -1 if location < 0 else model.row_of(item, location)
        if mode == PromisingMode.INFINITE:
            row, limit = -1, 0
        elif mode == PromisingMode.LEAD_TIME:
            row, limit = -1, int(scalars.lead_time_days[item])
        else:
            fence = scalars.infinite_time_fence_days[item]
            limit = min(fence, horizon) if fence > 0 else horizon
        if row < 0 and limit >= horizon:
            return None
        unit_cost = self._unit_cost[item] + candidate.ship_cost
        return Source(
            item=item,
            variant=variant,
            location=location,
            row=row,
            limit=limit,
            transit_days=candidate.transit_days,
            calendar=self._calendar(location),
            cost_key=self._cost_key(item, unit_cost),
            unit_cost=unit_cost,
            preference=preference,
            pool=row,
        )

    def _bought(
        self, item: int, variant: int, index: int, supplier: Supplier, preference: int
    ) -> Source:
        """A supplier: it ships to the customer directly, on its own calendar."""
        unit_cost = supplier.unit_cost
        if math.isnan(unit_cost):
            unit_cost = self._unit_cost[item]
        return Source(
            item=item,
            variant=variant,
            location=supplier.location,
            row=-1,
            limit=self.model.horizon_days,
            transit_days=0,
            calendar=self._calendar(supplier.location),
            cost_key=self._cost_key(item, unit_cost),
            unit_cost=unit_cost,
            preference=preference,
            kind=SourceType.SUPPLIER,
            supplier=index,
            pool=self.model.row_count + index,
        )

    def _made(self, item: int, variant: int, candidate: Candidate, preference: int) -> Source:
        """Making the item at a candidate plant: planned per line (`promising.ctp`)."""
        unit_cost = self._unit_cost[item] + candidate.ship_cost
        return Source(
            item=item,
            variant=variant,
            location=candidate.location,
            row=-1,
            limit=self.model.horizon_days,
            transit_days=candidate.transit_days,
            calendar=self._calendar(candidate.location),
            cost_key=self._cost_key(item, unit_cost),
            unit_cost=unit_cost,
            preference=preference,
            kind=SourceType.CTP,
        )
