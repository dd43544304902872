"""Delta directories: what `loaders.delta.read_delta` encodes, and every way it refuses one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from refresh_data import (
    SUPPLY_SCHEMA,
    demand,
    supply,
    with_op,
    write_base,
    write_changes,
)

from loaders.delta import read_delta, write_delta
from loaders.sources import FileSources
from promising.errors import Conflict, SnapshotError
from promising.model import SupplyModel


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> SupplyModel:
    base = write_base(
        tmp_path_factory.mktemp("base") / "snap",
        [supply("S1", "A", "L1", 0, 10), supply("S2", "B", "L2", 3, 5)],
        [demand("D1", "A", "L1", 2, 4, demand_class="GOLD")],
    )
    return FileSources().snapshot(base)[1]


def _supply_table(rows: list[dict], **columns: pa.Array) -> pa.Table:
    table = pa.Table.from_pylist(rows, SUPPLY_SCHEMA.append(pa.field("op", pa.string())))
    for name, values in columns.items():
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, values)
    return table


def _write(out: Path, rows: list[dict], **columns: pa.Array) -> Path:
    table = _supply_table(rows, **columns)
    return write_delta(out, {"supply": table}, snapshot_id="snap-1", sequence=1)


GOOD = with_op([supply("S1", "A", "L1", 0, 7), supply("S9", "C", "L1", 1, 3)], "UPSERT")


def _truncated(out: Path) -> Path:
    path = _write(out, GOOD)
    file = path / "supply.parquet"
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])
    return path


def _manifest(out: Path, **fields: object) -> Path:
    path = _write(out, GOOD)
    manifest = json.loads((path / "manifest.json").read_text())
    (path / "manifest.json").write_text(json.dumps({**manifest, **fields}))
    return path


def _extra_table(out: Path) -> Path:
    path = _write(out, GOOD)
    (path / "items.parquet").write_bytes((path / "supply.parquet").read_bytes())
    return path


def _no_tables(out: Path) -> Path:
    return write_delta(out, {}, snapshot_id="snap-1", sequence=1)


def _no_manifest(out: Path) -> Path:
    path = _write(out, GOOD)
    (path / "manifest.json").unlink()
    return path


def _rows(*changes: dict, keep_good: bool = True) -> Callable[[Path], Path]:
    """Writes GOOD's rows, then GOOD[0] once per change with that change (and a fresh id)."""

    def make(out: Path) -> Path:
        changed = [{**GOOD[0], "supply_id": f"S{70 + i}", **c} for i, c in enumerate(changes)]
        return _write(out, [*(GOOD if keep_good else []), *changed])

    return make


def _text_quantity(out: Path) -> Path:
    return _write(out, GOOD, quantity=pa.array(["7", "3"]))


def _delete_then_zero(out: Path) -> Path:
    deleted = with_op([supply("S2", "", "", 0, 1)], "DELETE")
    return _write(out, [*deleted, {**GOOD[0], "quantity": 0}])


# name, how the delta is made, what is refused: "table.column@rows" or the error's class name
CASES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("truncated file", _truncated, "supply@"),
    ("quantity as text", _text_quantity, "supply.quantity@"),
    ("unknown item", _rows({"item_id": "Z"}), "supply.item_id@2"),
    ("unknown location", _rows({"location_id": "L9"}), "supply.location_id@2"),
    ("bad op", _rows({"op": "MERGE"}), "supply.op@2"),
    ("null op", _rows({"op": None}), "supply.op@2"),
    ("id twice", _rows({"supply_id": "S1"}), "supply.supply_id@2"),
    ("null id", _rows({"supply_id": None}), "supply.supply_id@2"),
    ("UPSERT without quantity", _rows({"quantity": None}), "supply.quantity@2"),
    ("quantity 0, named by its file row", _delete_then_zero, "supply.quantity@1"),
    ("unknown supply type", _rows({"supply_type": "GIFT"}), "supply.supply_type@2"),
    ("a master table", _extra_table, "items@"),
    ("no table", _no_tables, "delta@"),
    ("no manifest", _no_manifest, "manifest@"),
    (
        "a snapshot's manifest",
        lambda out: _manifest(out, format="promising-snapshot"),
        "manifest.format@",
    ),
    ("sequence 0", lambda out: _manifest(out, sequence=0), "manifest.sequence@"),
    ("for another snapshot", lambda out: _manifest(out, snapshot_id="snap-0"), "Conflict"),
    ("out of sequence", lambda out: _manifest(out, sequence=2), "Conflict"),
]


@pytest.mark.parametrize(("name", "make", "refused"), CASES, ids=[c[0] for c in CASES])
def test_bad_delta_is_refused(
    tmp_path: Path, model: SupplyModel, name: str, make: Callable[[Path], Path], refused: str
) -> None:
    """Each faulty delta is refused, naming the table, column and first bad rows of the file."""
    with pytest.raises((SnapshotError, Conflict)) as error:
        read_delta(make(tmp_path / "delta"), model)
    if isinstance(error.value, Conflict):
        assert refused == "Conflict", str(error.value)
        return
    problem = error.value.problem
    where = problem.table + (f".{problem.column}" if problem.column else "")
    assert f"{where}@{','.join(map(str, problem.rows))}" == refused, str(problem)


def test_upserts_and_deletes_are_encoded(tmp_path: Path, model: SupplyModel) -> None:
    """UPSERT rows become events on the model's indices; DELETE rows need only their id."""
    rows = [*GOOD, {"supply_id": "S2", "op": "DELETE"}]
    path = write_changes(
        tmp_path / "d",
        1,
        rows,
        with_op([demand("D2", "B", "L2", 40, 6, "SALES_ORDER", "O/1", "SILVER")], "UPSERT"),
    )
    delta = read_delta(path, model)
    upsert = delta.supply.upsert
    assert [model.items.ids[i] for i in upsert.item] == ["A", "C"]
    assert upsert.day.tolist() == [0, 1] and upsert.quantity.tolist() == [7, 3]
    assert delta.supply.delete_ids.to_pylist() == ["S2"]
    assert delta.supply.upsert_rows.tolist() == [0, 1] and delta.supply.delete_rows.tolist() == [2]
    assert delta.demand_classes == ("GOLD", "SILVER")
    assert delta.demand.upsert.demand_class.tolist() == [1]
    assert delta.demand.upsert.order_line_id.to_pylist() == ["O/1"]
    assert delta.counts() == {
        "supply.UPSERT": 2, "supply.DELETE": 1, "demand.UPSERT": 1, "demand.DELETE": 0,
    }  # fmt: skip


def test_arrow_ipc_delta_reads_like_parquet(tmp_path: Path, model: SupplyModel) -> None:
    """An Arrow IPC delta encodes to the same events as the Parquet one."""
    parquet = read_delta(write_changes(tmp_path / "p", 1, GOOD), model).supply.upsert
    arrow = read_delta(write_changes(tmp_path / "a", 1, GOOD, fmt="arrow"), model).supply.upsert
    for name in ("item", "location", "day", "quantity", "kind"):
        assert np.array_equal(getattr(parquet, name), getattr(arrow, name)), name
