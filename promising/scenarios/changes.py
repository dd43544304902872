"""A scenario's changes, as a planner names them, turned into fork changes.

A planner names live supply rows by `supply_id` (move it, set its quantity, remove it) and
adds supply or demand at an item-location. The fork (`promising.fork`) knows only events
added at an item-location (negative: taken away), so each change by id becomes such events,
read from the version's id index: a move takes the row's quantity away on its date and adds
it on the new one; a new quantity adds the difference; a removal takes the quantity away.
Changes apply in order, so a later change sees what an earlier one did to the same row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from promising.domain import SupplyType
from promising.errors import FieldPath, FieldViolation, InvalidInput, SnapshotError
from promising.fork import DemandChange, SupplyChange, changed
from promising.model import SupplyModel
from promising.refresh.keys import id_keys
from promising.refresh.version import Version


class MoveSupply(NamedTuple):
    """Move live supply row `supply_id` to `date` (its quantity and type stay)."""

    supply_id: str
    date: dt.date


class SetSupplyQuantity(NamedTuple):
    """Give live supply row `supply_id` the quantity `quantity`."""

    supply_id: str
    quantity: int


class RemoveSupply(NamedTuple):
    """Take live supply row `supply_id` away."""

    supply_id: str


ScenarioChange = MoveSupply | SetSupplyQuantity | RemoveSupply | SupplyChange | DemandChange
"""One change of a scenario; `SupplyChange` and `DemandChange` add supply or demand."""

KIND_NAMES: dict[type, str] = {
    MoveSupply: "move_supply",
    SetSupplyQuantity: "set_supply_quantity",
    RemoveSupply: "remove_supply",
    SupplyChange: "add_supply",
    DemandChange: "add_demand",
}
"""Each change's name in the API, for the paths of bad fields."""


class _Row(NamedTuple):
    """A live supply row as the changes so far left it (`removed_by`: the change index)."""

    item_id: str
    location_id: str
    date: dt.date
    quantity: int
    supply_type: SupplyType
    removed_by: int = -1


def changed_model(version: Version, changes: Sequence[ScenarioChange]) -> SupplyModel:
    """`version`'s model with `changes` applied (copy-on-write; see `promising.fork`).

    Raises `InvalidInput` naming the change's field, e.g. ("changes", 2, "move_supply",
    "supply_id"), for an unknown supply id, item or location, or a supply removed before."""
    model = version.model
    events, origins = fork_changes(version, changes)
    try:
        return changed(model, events)
    except InvalidInput as error:
        raise InvalidInput(
            str(error), [_origin_path(v, origins, changes) for v in error.violations]
        ) from None


def fork_changes(
    version: Version, changes: Sequence[ScenarioChange]
) -> tuple[list[SupplyChange | DemandChange], list[int]]:
    """The fork changes that `changes` come to, and for each the index of its change."""
    rows = _live_rows(version, changes)
    out: list[SupplyChange | DemandChange] = []
    origins: list[int] = []

    def emit(i: int, row: _Row, date: dt.date, quantity: int) -> None:
        if quantity:
            out.append(SupplyChange(row.item_id, row.location_id, date, quantity, row.supply_type))
            origins.append(i)

    for i, change in enumerate(changes):
        if isinstance(change, SupplyChange | DemandChange):
            out.append(change)
            origins.append(i)
            continue
        row = rows[change.supply_id]
        if row.removed_by >= 0:
            path = ("changes", i, KIND_NAMES[type(change)], "supply_id")
            raise InvalidInput(
                f"supply {change.supply_id!r} was removed by changes[{row.removed_by}]",
                [FieldViolation(path, f"removed by changes[{row.removed_by}]")],
            )
        if isinstance(change, MoveSupply):
            if change.date != row.date:
                emit(i, row, row.date, -row.quantity)
                emit(i, row, change.date, row.quantity)
            rows[change.supply_id] = row._replace(date=change.date)
        elif isinstance(change, SetSupplyQuantity):
            emit(i, row, row.date, change.quantity - row.quantity)
            rows[change.supply_id] = row._replace(quantity=change.quantity)
        else:
            emit(i, row, row.date, -row.quantity)
            rows[change.supply_id] = row._replace(removed_by=i)
    return out, origins


def _live_rows(version: Version, changes: Sequence[ScenarioChange]) -> dict[str, _Row]:
    """The live supply rows the changes name by id, looked up at once in the version's index;
    `InvalidInput` naming every unknown id."""
    named = [
        (i, change.supply_id)
        for i, change in enumerate(changes)
        if isinstance(change, MoveSupply | SetSupplyQuantity | RemoveSupply)
    ]
    if not named:
        return {}
    ids = sorted({supply_id for _, supply_id in named})
    rows: dict[str, _Row] = {}
    why = "unknown supply"
    try:
        events = version.index("supply").events
    except SnapshotError:  # built without files: no row has an id
        events = None
        why = "unknown supply (the live data has no supply ids)"
    model = version.model
    for supply_id, at in zip(ids, _positions(version, ids, events is not None), strict=True):
        if at < 0 or events is None:
            continue
        row = int(events.row[at])
        rows[supply_id] = _Row(
            model.items.ids[int(model.row_item[row])],
            model.locations.ids[int(model.row_location[row])],
            model.as_of + dt.timedelta(days=int(events.day[at])),
            int(events.quantity[at]),
            SupplyType(int(events.kind[at])),
        )
    unknown = [
        FieldViolation(("changes", i, KIND_NAMES[type(changes[i])], "supply_id"), why)
        for i, supply_id in named
        if supply_id not in rows
    ]
    if unknown:
        first = next(supply_id for _, supply_id in named if supply_id not in rows)
        raise InvalidInput(f"unknown supply {first!r}", unknown)
    return rows


def _positions(version: Version, ids: list[str], indexed: bool) -> list[int]:
    """Each id's position in the version's supply index, -1 where absent."""
    if not indexed:
        return [-1] * len(ids)
    keys = id_keys(ids)
    first, second = (np.ascontiguousarray(keys[:, k]) for k in range(2))
    return [int(at) for at in version.index("supply").find(first, second).tolist()]


def _origin_path(
    violation: FieldViolation, origins: list[int], changes: Sequence[ScenarioChange]
) -> FieldViolation:
    """A fork's violation ("changes", j, field) as the path of the change it came from."""
    path: FieldPath = violation.path
    if len(path) >= 2 and path[0] == "changes" and isinstance(path[1], int):
        i = origins[path[1]]
        path = ("changes", i, KIND_NAMES[type(changes[i])], *path[2:])
    return FieldViolation(path, violation.description)
