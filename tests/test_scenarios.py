"""Scenario changes by supply id: a scenario answers as a snapshot rebuilt with the same rows
changed would (hypothesis), and what a scenario holds apart from live is counted."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from refresh_data import AS_OF, demand, supply, write_base

from loaders.sources import FileSources
from promising.domain import SupplyType
from promising.engine import Engine
from promising.fork import SupplyChange, held_bytes
from promising.ledger import reserved_rows
from promising.pegging import explain
from promising.promise import LinePromise, LineRequest
from promising.refresh.version import Version, snapshot_version
from promising.scenarios import (
    MoveSupply,
    RemoveSupply,
    ScenarioChange,
    SetSupplyQuantity,
    changed_model,
)

HORIZON = 30
BASE_SUPPLY = [
    supply("S1", "A", "L1", 0, 10),
    supply("S2", "A", "L1", 5, 6, "PURCHASE_ORDER"),
    supply("S3", "B", "L1", 0, 4),
    supply("S4", "C", "L2", 2, 8, "WORK_ORDER"),
    supply("S5", "A", "L1", 12, 7, "TRANSFER"),
]
# Demand at every item-location, so that removing supply never removes a row.
BASE_DEMAND = [
    demand("D1", "A", "L1", 3, 2),
    demand("D2", "B", "L1", 9, 1),
    demand("D3", "C", "L2", 4, 1),
]
ROWS = [("A", "L1"), ("B", "L1"), ("C", "L2")]
IDS = [row["supply_id"] for row in BASE_SUPPLY]


def day(n: int) -> dt.date:
    return AS_OF + dt.timedelta(days=n)


def load(path: Path) -> tuple[Engine, Version]:
    data, model = FileSources().snapshot(path)
    return Engine(model), snapshot_version(data, model)


days = st.integers(-3, HORIZON + 3)  # past due and past the horizon too
change = st.one_of(
    st.builds(MoveSupply, st.sampled_from(IDS), days.map(day)),
    st.builds(SetSupplyQuantity, st.sampled_from(IDS), st.integers(0, 20)),
    st.builds(RemoveSupply, st.sampled_from(IDS)),
    st.builds(
        SupplyChange,
        st.sampled_from(ROWS).map(lambda r: r[0]),
        st.just("L1"),
        days.map(day),
        st.integers(1, 20),
        st.sampled_from(list(SupplyType)),
    ),
)


def rebuilt_rows(changes: list[ScenarioChange]) -> tuple[list[ScenarioChange], list[dict]]:
    """The changes a scenario takes (none on a removed id) and the supply rows they leave."""
    rows = {row["supply_id"]: dict(row) for row in BASE_SUPPLY}
    kept: list[ScenarioChange] = []
    for n, c in enumerate(changes):
        if isinstance(c, SupplyChange):
            if c.item_id == "C":  # C is stocked at L2 only
                c = c._replace(location_id="L2")
            rows[f"X{n}"] = supply(f"X{n}", c.item_id, c.location_id, 0, c.quantity)
            rows[f"X{n}"].update(date=c.date, supply_type=c.supply_type.name)
        elif c.supply_id not in rows:
            continue
        elif isinstance(c, MoveSupply):
            rows[c.supply_id]["date"] = c.date
        elif isinstance(c, SetSupplyQuantity):
            rows[c.supply_id]["quantity"] = c.quantity
        else:
            del rows[c.supply_id]
        kept.append(c)
    return kept, [row for row in rows.values() if row["quantity"] > 0]


def answers(engine: Engine) -> list[object]:
    """Every row's profile and a few quotes on it, with the supplies they peg to."""
    out: list[object] = []
    for item, location in ROWS:
        (p,) = engine.availability(item, [location])
        out.append((item, location, p.supply.tolist(), p.demand.tolist(), p.atp.tolist()))
        for quantity in (1, 6, 15, 30):
            line = LineRequest("1", item, quantity, day(2), location)
            promise = explain(
                engine.model, reserved_rows(engine.ledger), engine.promise_order([line])
            )
            (answer,) = promise.lines
            out.append((item, quantity, answer.status, answer.promised_date, pegged(answer)))
    return out


def pegged(answer: LinePromise) -> dict[dt.date, int]:
    """Units pegged to supply by date, however the rows split (within a day, FIFO takes
    the types in the order their rows were loaded, which a rebuilt snapshot may change)."""
    out: dict[dt.date, int] = {}
    for f in answer.fulfillments:
        for source in f.supplied_by:
            out[source.date] = out.get(source.date, 0) + source.quantity
    return out


@settings(max_examples=25, deadline=None)
@given(st.lists(change, max_size=5))
def test_a_scenario_answers_as_the_snapshot_rebuilt_with_its_changes(changes) -> None:
    """Changes by supply id (moved, set, removed) and added supply give the profiles,
    quotes and pegged supplies of a snapshot whose rows were changed alike."""
    kept, rows = rebuilt_rows(changes)
    with tempfile.TemporaryDirectory() as tmp:
        live, version = load(write_base(Path(tmp) / "base", BASE_SUPPLY, BASE_DEMAND))
        rebuilt, _ = load(write_base(Path(tmp) / "rebuilt", rows, BASE_DEMAND))
    scenario = Engine(changed_model(version, kept), live.ledger.fork(), like=live)
    assert answers(scenario) == answers(rebuilt)


def test_held_bytes_counts_changed_rows_and_kept_rows(tmp_path: Path) -> None:
    """A fork holds its changed row; when live then reserves at a row the fork shares, the
    fork keeps its own copy of that row, and holds that much more."""
    live, version = load(write_base(tmp_path / "base", BASE_SUPPLY, BASE_DEMAND))
    plain = Engine(changed_model(version, []), live.ledger.fork(), like=live)
    changed = Engine(
        changed_model(version, [MoveSupply("S2", day(1))]),
        live.ledger.fork(),
        like=live,
    )
    assert held_bytes(changed) > held_bytes(plain)
    before = held_bytes(plain)
    promise = live.promise_order([LineRequest("1", "B", 2, day(0), "L1")])
    live.reserve(promise, ["o/1"])
    assert held_bytes(plain) >= before + HORIZON * np.dtype(np.int64).itemsize
    model = live.model
    row = model.row_of(model.item_index["B"], model.location_index["L1"])
    assert int(plain.ledger.reserved_row(row).sum()) == 0
    assert int(live.ledger.reserved_row(row).sum()) == 2
