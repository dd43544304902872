"""Capable-to-promise: the planner against the plain-Python reference, competition for
capacity, holds and their release."""

from __future__ import annotations

import dataclasses
import itertools

import naive
import numpy as np
from factories import Event, Item, Snapshot
from hypothesis import given, settings
from hypothesis import strategies as st
from sizes import examples

from promising.ctp import CtpPlanner
from promising.ledger import Reservation, ReservationLedger
from promising.manufacturing import MILLI, Component, Manufacturing, Operation
from promising.model import build_model

HORIZON = 12


@dataclasses.dataclass
class Plant:
    """A one-plant world described once, built both as a model and as a naive.CtpWorld."""

    items: int
    supply: dict[int, list[int]]
    demand: dict[int, list[int]]
    components: dict[int, list[tuple[int, int]]]
    routings: dict[int, list[tuple[int, int]]]  # item → [(resource, usage units per unit)]
    capacity: dict[int, list[int]]  # resource → units per day
    lead: dict[int, int]

    def planner(self) -> CtpPlanner:
        ids = [f"I{i}" for i in range(self.items)]
        snap = Snapshot(
            items=[Item(i) for i in ids],
            locations=["P"],
            supply=[
                Event(ids[i], "P", t, q)
                for i, row in self.supply.items()
                for t, q in enumerate(row)
                if q
            ],
            demand=[
                Event(ids[i], "P", t, q)
                for i, row in self.demand.items()
                for t, q in enumerate(row)
                if q
            ],
            horizon_days=HORIZON,
        )
        data = snap.data()
        lead = np.array([self.lead.get(i, 0) for i in range(self.items)], dtype=np.int32)
        data = dataclasses.replace(
            data, items=dataclasses.replace(data.items, make_lead_time_days=lead)
        )
        model = build_model(data)
        resources = len(self.capacity)
        capacity = np.array([self.capacity[r] for r in range(resources)], dtype=np.int64)
        mfg = Manufacturing(
            components={
                (i, 0): tuple(Component(c, per) for c, per in comps)
                for i, comps in self.components.items()
            },
            routings={
                (i, 0): tuple(Operation(r, usage * MILLI) for r, usage in ops)
                for i, ops in self.routings.items()
            },
            resource_ids=tuple(f"R{r}" for r in range(resources)),
            capacity_milli=(capacity * MILLI).reshape(resources, HORIZON),
        )
        ledger = ReservationLedger(model.row_count, HORIZON, resources)
        return CtpPlanner(model, ledger, mfg)

    def world(self) -> naive.CtpWorld:
        return naive.CtpWorld(
            self.supply, self.demand, self.components, self.routings, self.capacity, self.lead,
            HORIZON,
        )  # fmt: skip


@st.composite
def plants(draw: st.DrawFn) -> Plant:
    """Random BOMs up to 4 levels with shared components and tight capacity."""
    levels = [[0]]
    next_item = 1
    for _ in range(draw(st.integers(1, 3))):
        width = draw(st.integers(1, 3))
        levels.append(list(range(next_item, next_item + width)))
        next_item += width
    components: dict[int, list[tuple[int, int]]] = {}
    for upper, lower in itertools.pairwise(levels):
        for item in upper:
            chosen = draw(st.lists(st.sampled_from(lower), min_size=1, max_size=3, unique=True))
            components[item] = [(c, draw(st.integers(1, 3))) for c in chosen]
    makeable = [i for i in range(next_item) if i in components or draw(st.booleans())]
    resources = draw(st.integers(1, 2))
    routings = {
        i: [
            (r, draw(st.integers(1, 3)))
            for r in draw(st.lists(st.integers(0, resources - 1), max_size=2, unique=True))
        ]
        for i in makeable
    }
    routings = {i: ops for i, ops in routings.items() if ops}
    components = {i: c for i, c in components.items() if i in makeable}
    day_quantity = st.sampled_from([0, 0, 0, 1, 2, 5, 10])
    capacity = {
        r: draw(st.lists(day_quantity, min_size=HORIZON, max_size=HORIZON))
        for r in range(resources)
    }
    supply, demand = {}, {}
    for i in range(1, next_item):  # every component has a row (at least one supply event)
        row = draw(st.lists(day_quantity, min_size=HORIZON, max_size=HORIZON))
        row[draw(st.integers(0, HORIZON - 1))] += 1
        supply[i] = row
        demand[i] = draw(
            st.lists(st.sampled_from([0, 0, 0, 1, 3]), min_size=HORIZON, max_size=HORIZON)
        )
    lead = {i: draw(st.integers(0, 3)) for i in range(next_item)}
    return Plant(next_item, supply, demand, components, routings, capacity, lead)


@settings(max_examples=examples(200, test=60), deadline=None)
@given(plant=plants(), quantity=st.integers(1, 6), first=st.integers(0, 4))
def test_planner_matches_reference(plant: Plant, quantity: int, first: int) -> None:
    """The earliest make date and the component and capacity holds equal the reference."""
    planner = plant.planner()
    plan = planner.plan(0, 0, quantity, first)
    expected = naive.ctp(plant.world(), 0, quantity, first)
    if expected is None:
        assert plan is None
        return
    assert plan is not None
    assert plan.done == expected[0]
    world = expected[1]
    held = {i: [0] * HORIZON for i in plant.supply}
    for a in plan.all_allocations():
        held[int(planner.model.row_item[a.row])][a.bucket] += a.quantity
    assert held == world.reserved
    used = {r: [0] * HORIZON for r in plant.capacity}
    for d in plan.all_capacity():
        used[d.resource][d.bucket] += d.milli // MILLI
    assert used == world.used


def two_level() -> Plant:
    """Item 0 = 2 × item 1 + 1 × item 2, made on R0 (1 unit each, 5 a day), lead time 2;
    item 1 is itself made from item 2 on R0, lead time 1."""
    return Plant(
        items=3,
        supply={1: [4] + [0] * 11, 2: [100] + [0] * 11},
        demand={1: [0] * 12, 2: [0] * 12},
        components={0: [(1, 2), (2, 1)], 1: [(2, 1)]},
        routings={0: [(0, 1)], 1: [(0, 1)]},
        capacity={0: [5] * 12},
        lead={0: 2, 1: 1},
    )


def test_second_order_for_the_same_capacity_gets_a_later_date() -> None:
    """Two make orders compete for one resource: the second, planned after the first is
    held, completes later."""
    planner = two_level().planner()
    first = planner.plan(0, 0, 2)
    assert first is not None and first.done == 2  # 4 of item 1 on hand
    planner.ledger.add(
        "o1", Reservation(tuple(first.all_allocations()), tuple(first.all_capacity()))
    )
    second = planner.plan(0, 0, 2)
    assert second is not None and second.done > first.done
    # releasing the first frees its components and capacity: the answer comes back
    planner.ledger.remove("o1")
    again = planner.plan(0, 0, 2)
    assert again is not None and again.done == first.done
    assert not planner.ledger.capacity_used.any() and not planner.ledger.reserved.any()


def test_component_made_when_atp_is_short() -> None:
    """When a component's ATP cannot cover the need, the plan makes it (a sub-plan)."""
    plant = two_level()
    plant.supply[1] = [3] + [0] * 11
    plan = plant.planner().plan(0, 0, 2)  # needs 4 of item 1, only 3 on hand
    assert plan is not None
    assert [sub.item for sub in plan.made] == [1]
    assert plan.made[0].done <= plan.done - 2


def test_nothing_to_make_is_none() -> None:
    """An item without a BOM or routing at the plant cannot be made."""
    assert two_level().planner().plan(2, 0, 1) is None
