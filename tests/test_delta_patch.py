"""A delta patched into a model equals the model rebuilt from the changed rows (hypothesis),
and the id keys and index it relies on find exactly what they should."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
import pytest
from factories import FORECAST, Event, Item, Rule, Snapshot
from hypothesis import given, settings
from hypothesis import strategies as st
from sizes import examples

from promising.delta import Delta, TableChanges
from promising.domain import ALL_SUPPLY_MASK, DemandType
from promising.errors import SnapshotError
from promising.model import SupplyModel, build_model
from promising.refresh.index import EventColumns, EventIndex
from promising.refresh.keys import contains, id_keys, key_set
from promising.refresh.patch import apply_delta
from promising.refresh.version import Version, snapshot_version
from promising.snapshot import EventTable

ITEMS = [Item("I0"), Item("I1", rule="NOFC"), Item("I2")]
LOCATIONS = ["L0", "L1", "L2"]
RULES = [Rule("NOFC", supply_mask=ALL_SUPPLY_MASK & ~1, demand_mask=1 << DemandType.TRANSFER)]
HORIZON = 10

Rows = dict[str, Event]  # id → event


def _snapshot(supply: Rows, demand: Rows) -> Snapshot:
    return Snapshot(
        items=ITEMS,
        locations=LOCATIONS,
        supply=list(supply.values()),
        demand=list(demand.values()),
        rules=RULES,
        horizon_days=HORIZON,
    )


def _table(rows: Rows, table: str) -> EventTable:
    events = (_snapshot(rows, {}) if table == "supply" else _snapshot({}, rows)).data()
    out = events.supply if table == "supply" else events.demand
    return dataclasses.replace(out, ids=pa.chunked_array([pa.array(list(rows), pa.string())]))


def _version(supply: Rows, demand: Rows) -> Version:
    data = _snapshot(supply, demand).data()
    data = dataclasses.replace(
        data, supply=_table(supply, "supply"), demand=_table(demand, "demand")
    )
    return snapshot_version(data, build_model(data))


def _changes(upserts: Rows, deletes: list[str], table: str) -> TableChanges:
    return TableChanges(
        upsert=_table(upserts, table),
        upsert_rows=np.arange(len(upserts)),
        delete_ids=pa.chunked_array([pa.array(deletes, pa.string())]),
        delete_rows=np.arange(len(deletes)),
    )


def _events(model: SupplyModel, name: str, row: int) -> list[tuple[int, int, int, int]]:
    if row < 0:
        return []
    g = getattr(model, f"{name}_events")
    span = slice(g.ptr[row], g.ptr[row + 1])
    cols = (g.bucket[span], g.quantity[span], g.kind[span], g.demand_class[span])
    return sorted(zip(*(c.tolist() for c in cols), strict=True))


def assert_same(patched: SupplyModel, rebuilt: SupplyModel) -> None:
    """Same buckets and events at every item-location; rows only the patch has are empty."""
    for item in range(len(ITEMS)):
        for location in range(len(LOCATIONS)):
            a, b = patched.row_of(item, location), rebuilt.row_of(item, location)
            assert a >= 0 or b < 0, "a row went missing"
            if a < 0:
                continue
            for name in ("supply", "demand"):
                expected = getattr(rebuilt, name)[b] if b >= 0 else np.zeros(HORIZON, np.int64)
                assert getattr(patched, name)[a].tolist() == expected.tolist(), (name, a, b)
                assert _events(patched, name, a) == _events(rebuilt, name, b), (name, a, b)
            locations = [int(patched.row_location[r]) for r in patched.rows_of_item(item)]
            assert locations == sorted(locations)
    for name in ("supply_past_due", "supply_beyond_horizon", "demand_past_due"):
        assert getattr(patched.stats, name) == getattr(rebuilt.stats, name), name


def event(kinds: int) -> st.SearchStrategy[Event]:
    return st.builds(
        Event,
        st.sampled_from([i.item_id for i in ITEMS]),
        st.sampled_from(LOCATIONS),
        st.integers(-3, HORIZON + 2),
        st.integers(1, 50),
        st.integers(0, kinds - 1),
    )


def rows(prefix: str, kinds: int, max_size: int) -> st.SearchStrategy[Rows]:
    return st.lists(event(kinds), max_size=max_size).map(
        lambda events: {f"{prefix}{i}": e for i, e in enumerate(events)}
    )


@st.composite
def delta_of(draw: st.DrawFn, current: Rows, kinds: int, prefix: str) -> tuple[Rows, list[str]]:
    ids = list(current)
    touched = draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
    split = draw(st.integers(0, len(touched)))
    upserts = {i: draw(event(kinds)) for i in touched[:split]}
    upserts |= {f"{prefix}{k}": e for k, e in enumerate(draw(st.lists(event(kinds), max_size=6)))}
    return upserts, touched[split:]


def _applied(current: Rows, upserts: Rows, deletes: list[str]) -> Rows:
    out = {i: e for i, e in current.items() if i not in deletes}
    out.update(upserts)
    return out


@settings(max_examples=examples(60, test=20), deadline=None)
@given(data=st.data(), supply=rows("S", 5, 25), demand=rows("D", 3, 25))
def test_patched_model_equals_rebuilt(data: st.DataObject, supply: Rows, demand: Rows) -> None:
    """Two deltas in a row (UPSERT existing and new ids, DELETE) patch to the rebuilt model."""
    version = _version(supply, demand)
    for sequence in (1, 2):
        s_up, s_del = data.draw(delta_of(supply, 5, f"S{sequence}x"))
        d_up, d_del = data.draw(delta_of(demand, 3, f"D{sequence}x"))
        delta = Delta(
            "test", sequence, "", _changes(s_up, s_del, "supply"), _changes(d_up, d_del, "demand")
        )
        version, report = apply_delta(version, delta)
        supply, demand = _applied(supply, s_up, s_del), _applied(demand, d_up, d_del)
        assert version.model.delta_sequence == sequence
        assert version.rows == {"supply": len(supply), "demand": len(demand)}
        assert report.rows_applied["supply.DELETE"] == len(s_del)
        assert_same(version.model, _snapshot(supply, demand).model())


def test_untouched_table_is_shared() -> None:
    """A supply-only delta leaves the demand matrix and events as they were (no copy)."""
    version = _version({"S0": Event("I0", "L0", 0, 5)}, {"D0": Event("I0", "L0", 1, 2)})
    delta = Delta("test", 1, "", supply=_changes({"S0": Event("I0", "L0", 0, 9)}, [], "supply"))
    patched, report = apply_delta(version, delta)
    assert patched.model.demand is version.model.demand
    assert patched.model.demand_events is version.model.demand_events
    assert patched.model.supply[0, 0] == 9 and report.item_locations_added == 0
    assert not patched.model.supply.flags.writeable


def test_delete_of_unknown_id_is_refused() -> None:
    """A DELETE naming no row of the running data is refused, naming its delta file row."""
    version = _version({"S0": Event("I0", "L0", 0, 5)}, {})
    delta = Delta("test", 1, "", supply=_changes({}, ["S0", "S404"], "supply"))
    with pytest.raises(SnapshotError) as refused:
        apply_delta(version, delta)
    assert refused.value.problem.column == "supply_id" and refused.value.problem.rows == [1]


def test_forecast_replaced_by_order_respects_the_rule() -> None:
    """An UPSERT changing a demand's type moves it in or out of what the item's rule counts."""
    version = _version({}, {"D0": Event("I0", "L0", 2, 7, FORECAST)})
    assert version.model.demand[0].sum() == 0
    order = {"D0": Event("I0", "L0", 2, 7, DemandType.SALES_ORDER)}
    patched, _ = apply_delta(version, Delta("test", 1, "", demand=_changes(order, [], "demand")))
    assert patched.model.demand[0, 2] == 7


def test_keys_do_not_depend_on_the_arrow_type() -> None:
    """The same ids give the same keys from lists, strings, large strings and dictionaries."""
    ids = ["PO-1", "PO-2", None, "é/1"]
    expected = id_keys(ids)
    for values in (
        pa.array(ids, pa.string()),
        pa.array(ids, pa.large_string()),
        pa.array(ids).dictionary_encode(),
        pa.chunked_array([pa.array(ids[:2]), pa.array(ids[2:])]),
    ):
        assert np.array_equal(id_keys(values), expected)
    assert expected[2].tolist() == [0, 0] and len({tuple(k) for k in expected.tolist()}) == 4


def test_key_set_and_index_find_exactly_the_members() -> None:
    """`contains` and `EventIndex.find` answer every member and no stranger, also when two
    keys share a first word."""
    members = id_keys([f"O-{i}/1" for i in range(500)])
    members[1, 0] = members[0, 0]  # a first-word collision
    strangers = id_keys([f"X-{i}/1" for i in range(500)])
    strangers[0, 0] = members[0, 0]
    assert contains(key_set(members), members).all()
    assert not contains(key_set(members), strangers).any()
    n = members.shape[0]
    zeros = np.zeros(n, np.int32)
    columns = EventColumns.of(members, zeros, zeros, np.arange(n), zeros, zeros)
    index = EventIndex.build(columns)
    found = index.find(members[:, 0], members[:, 1])
    assert index.events.quantity[found].tolist() == list(range(n))
    assert (index.find(strangers[:, 0], strangers[:, 1]) == -1).all()
