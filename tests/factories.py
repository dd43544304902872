"""Small in-memory snapshots for unit tests, without files: `snapshot(...)` → SnapshotData."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from promising.domain import (
    ALL_SUPPLY_MASK,
    DEFAULT_DEMAND_MASK,
    DEFAULT_RULE_ID,
    Consumption,
    DemandType,
    ItemType,
    LocationKind,
    PromisingMode,
    SupplyType,
)
from promising.engine import Engine
from promising.model import SupplyModel, build_model
from promising.promise import LineRequest
from promising.snapshot import (
    CalendarTable,
    EventTable,
    ItemTable,
    LocationTable,
    RuleTable,
    SnapshotData,
    SourcingRuleTable,
    SubstituteTable,
)

AS_OF = dt.date(2026, 1, 5)


@dataclass
class Item:
    item_id: str
    rule: str = DEFAULT_RULE_ID
    mode: PromisingMode = PromisingMode.SUPPLY
    lead_time_days: int = 0
    fence_days: int = 0
    unit_cost: float = float("nan")
    unit_price: float = float("nan")


@dataclass
class SourcingRule:
    """A candidate ship-from location for an item (or `*`) and a ship-to region."""

    item_id: str
    region: str
    location_id: str
    rank: int = 1
    transit_days: int = 0
    ship_cost: float = 0.0


@dataclass
class Substitute:
    item_id: str
    substitute_item_id: str
    rank: int = 1


@dataclass
class Rule:
    rule_id: str
    consumption: Consumption = Consumption.LOOKAHEAD
    accumulate: bool = False
    supply_mask: int = ALL_SUPPLY_MASK
    demand_mask: int = DEFAULT_DEMAND_MASK


@dataclass
class Event:
    """A supply (kind: SupplyType) or demand (kind: DemandType) row; `day` is from as_of."""

    item_id: str
    location_id: str
    day: int
    quantity: int
    kind: int = 0
    demand_class: int = -1


@dataclass
class Snapshot:
    items: list[Item]
    locations: list[str]
    supply: list[Event] = field(default_factory=list)
    demand: list[Event] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    horizon_days: int = 30
    snapshot_id: str = "test"
    sourcing: list[SourcingRule] = field(default_factory=list)
    substitutes: list[Substitute] = field(default_factory=list)
    closed_days: dict[str, list[int]] = field(default_factory=dict)
    """calendar_id → the days (from as_of) it does not work; every other day works."""
    location_calendars: dict[str, str] = field(default_factory=dict)
    """location_id → calendar_id; a location not listed works every day."""

    def data(self) -> SnapshotData:
        rules = [Rule(DEFAULT_RULE_ID), *self.rules]
        rule_index = {r.rule_id: i for i, r in enumerate(rules)}
        item_index = {it.item_id: i for i, it in enumerate(self.items)}
        location_index = {loc: i for i, loc in enumerate(self.locations)}
        n = len(self.items)
        items = ItemTable(
            ids=tuple(it.item_id for it in self.items),
            item_type=np.full(n, ItemType.BUY, dtype=np.int8),
            atp_rule=np.array([rule_index[it.rule] for it in self.items], dtype=np.int32),
            promising_mode=np.array([it.mode for it in self.items], dtype=np.int8),
            lead_time_days=np.array([it.lead_time_days for it in self.items], dtype=np.int32),
            make_lead_time_days=np.zeros(n, dtype=np.int32),
            infinite_time_fence_days=np.array([it.fence_days for it in self.items], np.int32),
            unit_cost=np.array([it.unit_cost for it in self.items], dtype=np.float64),
            unit_price=np.array([it.unit_price for it in self.items], dtype=np.float64),
        )
        calendar_ids = sorted(self.closed_days)
        working = np.ones((len(calendar_ids), self.horizon_days), dtype=bool)
        for c, calendar_id in enumerate(calendar_ids):
            closed = [d for d in self.closed_days[calendar_id] if 0 <= d < self.horizon_days]
            working[c, closed] = False
        locations = LocationTable(
            ids=tuple(self.locations),
            kind=np.full(len(self.locations), LocationKind.WAREHOUSE, dtype=np.int8),
            region=tuple(None for _ in self.locations),
            calendar=np.array(
                [
                    calendar_ids.index(self.location_calendars[loc])
                    if loc in self.location_calendars
                    else -1
                    for loc in self.locations
                ],
                dtype=np.int32,
            ),
        )
        rule_table = RuleTable(
            ids=tuple(r.rule_id for r in rules),
            consumption=np.array([r.consumption for r in rules], dtype=np.int8),
            accumulate=np.array([r.accumulate for r in rules], dtype=np.bool_),
            supply_mask=np.array([r.supply_mask for r in rules], dtype=np.int64),
            demand_mask=np.array([r.demand_mask for r in rules], dtype=np.int64),
        )

        def events(rows: Sequence[Event]) -> EventTable:
            return EventTable(
                item=np.array([item_index[e.item_id] for e in rows], dtype=np.int32),
                location=np.array([location_index[e.location_id] for e in rows], dtype=np.int32),
                day=np.array([e.day for e in rows], dtype=np.int32),
                quantity=np.array([e.quantity for e in rows], dtype=np.int64),
                kind=np.array([e.kind for e in rows], dtype=np.int8),
                demand_class=np.array([e.demand_class for e in rows], dtype=np.int16),
            )

        return SnapshotData(
            snapshot_id=self.snapshot_id,
            as_of=AS_OF,
            horizon_days=self.horizon_days,
            items=items,
            locations=locations,
            rules=rule_table,
            calendars=CalendarTable(ids=tuple(calendar_ids), working=working),
            supply=events(self.supply),
            demand=events(self.demand),
            rows_read={"supply": len(self.supply), "demand": len(self.demand)},
            sourcing_rules=self._sourcing_rules(item_index, location_index),
            substitutes=SubstituteTable(
                item=np.array([item_index[s.item_id] for s in self.substitutes], np.int32),
                substitute=np.array(
                    [item_index[s.substitute_item_id] for s in self.substitutes], np.int32
                ),
                rank=np.array([s.rank for s in self.substitutes], np.int32),
            ),
        )

    def _sourcing_rules(
        self, item_index: dict[str, int], location_index: dict[str, int]
    ) -> SourcingRuleTable:
        rules = self.sourcing
        regions = sorted({r.region for r in rules})
        return SourcingRuleTable(
            item=np.array(
                [-1 if r.item_id == "*" else item_index[r.item_id] for r in rules], np.int32
            ),
            region=np.array([regions.index(r.region) for r in rules], np.int32),
            location=np.array([location_index[r.location_id] for r in rules], np.int32),
            rank=np.array([r.rank for r in rules], np.int32),
            transit_days=np.array([r.transit_days for r in rules], np.int32),
            ship_cost=np.array([r.ship_cost for r in rules], np.float64),
            regions=tuple(regions),
        )

    def model(self) -> SupplyModel:
        return build_model(self.data())

    def engine(self) -> Engine:
        return Engine(self.model())


def series(
    item_id: str,
    location_id: str,
    quantities: Sequence[int],
    kind: int = SupplyType.ONHAND,
) -> list[Event]:
    """One event per non-zero period quantity, day = period index."""
    return [Event(item_id, location_id, t, q, kind) for t, q in enumerate(quantities) if q]


def frozen(values: Sequence[int] | np.ndarray, dtype: type = np.int64) -> np.ndarray:
    """A read-only array, as the model holds its arrays. Numba compiles read-only and
    writable arguments apart: a kernel test that passes what the engine passes runs the
    engine's machine code, and a fresh clone compiles it once, not twice."""
    out = np.array(values, dtype=dtype)
    out.flags.writeable = False
    return out


SO = DemandType.SALES_ORDER
FORECAST = DemandType.FORECAST


def draw_line(
    draw, items: Sequence[str], locations: Sequence[str], horizon: int, quantity_max: int,
    ship_sets: Sequence[str],
) -> dict:  # fmt: skip
    """A random order line for the brute-force references (tests/naive.py): the item, a
    quantity, a requested day (-1: yesterday), sometimes a named location, and the flags."""
    from hypothesis import strategies as st

    return {
        "item": draw(st.sampled_from(items)),
        "quantity": draw(st.integers(1, quantity_max)),
        "requested": draw(st.integers(-1, horizon - 1)),
        "location": draw(st.sampled_from(locations)) if draw(st.integers(0, 5)) == 0 else None,
        "split": draw(st.booleans()),
        "partial": draw(st.booleans()),
        "substitutes": draw(st.booleans()),
        "ship_set": draw(st.sampled_from(ship_sets)),
    }


def request_of(n: int, line: dict) -> LineRequest:
    """The engine's request for a reference's line dict (`draw_line`)."""
    return LineRequest(
        str(n), line["item"], line["quantity"], AS_OF + dt.timedelta(days=line["requested"]),
        line["location"], allow_split=line["split"], allow_partial=line["partial"],
        allow_substitutes=line["substitutes"], ship_set_id=line["ship_set"],
    )  # fmt: skip
