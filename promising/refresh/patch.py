"""Apply a delta to a version: a new model built aside, sharing what the delta leaves alone.

The delta's UPSERTs replace (or add) events by id and its DELETEs remove them. For each table
it touches, the grouped events are copied once without the replaced events and with the new
ones, the bucket matrix is copied and patched cell by cell, and the id index is merged. A
table it does not touch is shared with the old model as it is. Item-locations seen for the
first time are appended as rows (`promising.refresh.rows`), so every row keeps its index.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from kernels.events import clip_buckets
from kernels.refresh import patch_dense, patch_grouped
from promising.delta import ID_COLUMNS, TABLES, Delta
from promising.errors import SnapshotError, SnapshotProblem
from promising.item_locations import keys_of
from promising.model import GroupedEvents, LoadStats, SupplyModel
from promising.refresh.index import EventColumns, EventIndex
from promising.refresh.keys import id_keys, key_set
from promising.refresh.rows import RowPlan, grown_events, grown_matrix, plan_rows
from promising.refresh.version import EMPTY_KEYS, LazyIndex, Version


@dataclass(frozen=True)
class PatchReport:
    """What a delta changed: rows by table and op, and item-locations it added."""

    rows_applied: dict[str, int]
    item_locations_added: int


@dataclass(frozen=True)
class _Resolved:
    """One table's delta against the index: positions it replaces and the events it adds."""

    index: EventIndex
    removed: np.ndarray  # positions in the index
    keys: np.ndarray  # item-location key of each added event
    id_key: np.ndarray  # id key of each added event


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def _buckets(day: np.ndarray, horizon: int) -> np.ndarray:
    """Day offsets as buckets, as the model's build makes them (`kernels.events.bucket_of`)."""
    out = np.empty(day.shape[0], dtype=np.int64)
    clip_buckets(day, horizon, out)
    return out


def _resolve(version: Version, delta: Delta, table: str) -> _Resolved | None:
    changes = delta.table(table)
    if not len(changes):
        return None
    index = version.index(table)
    assert changes.upsert.ids is not None
    upsert_key = id_keys(changes.upsert.ids)
    delete_key = id_keys(changes.delete_ids)
    replaced = index.find(upsert_key[:, 0], upsert_key[:, 1])
    deleted = index.find(delete_key[:, 0], delete_key[:, 1])
    unknown = deleted < 0
    if unknown.any():
        raise SnapshotError(
            SnapshotProblem(
                table,
                ID_COLUMNS[table],
                "DELETE of an id that the running data does not have",
                changes.delete_rows[unknown][:5].tolist(),
            )
        )
    upsert = changes.upsert
    return _Resolved(
        index,
        np.concatenate([replaced[replaced >= 0], deleted]),
        keys_of(upsert.item, upsert.location, len(version.model.locations.ids)),
        upsert_key,
    )


def _patch_table(
    model: SupplyModel,
    plan: RowPlan,
    table: str,
    removed: EventColumns,
    added: EventColumns,
) -> tuple[np.ndarray, GroupedEvents]:
    """The table's new bucket matrix and grouped events."""
    horizon = model.horizon_days
    removed_bucket = _buckets(removed.day, horizon)
    added_bucket = _buckets(added.day, horizon)
    old: GroupedEvents = getattr(model, f"{table}_events")
    ptr, bucket, quantity, kind, demand_class, missing = patch_grouped(
        old.ptr, old.bucket, old.quantity, old.kind, old.demand_class, plan.count,
        removed.row.astype(np.int64), removed_bucket, removed.quantity, removed.kind,
        removed.demand_class,
        added.row.astype(np.int64), added_bucket, added.quantity, added.kind,
        added.demand_class,
    )  # fmt: skip
    assert missing == 0, f"{table}: {missing} replaced events not in the model"
    rules = model.rules
    masks = rules.supply_mask if table == "supply" else rules.demand_mask
    row_mask = np.ascontiguousarray(masks[model.items.atp_rule[plan.row_item]], dtype=np.int64)
    matrix = grown_matrix(getattr(model, table), plan.count)
    patch_dense(
        matrix, row_mask, removed.row.astype(np.int64), removed_bucket, removed.kind,
        removed.quantity, -1,
    )  # fmt: skip
    patch_dense(
        matrix, row_mask, added.row.astype(np.int64), added_bucket, added.kind,
        added.quantity, 1,
    )  # fmt: skip
    events = GroupedEvents(
        _frozen(ptr), _frozen(bucket), _frozen(quantity), _frozen(kind), _frozen(demand_class)
    )
    return _frozen(matrix), events


def _counts(stats: LoadStats, table: str, day: np.ndarray, horizon: int, sign: int) -> LoadStats:
    past_due = sign * int((day < 0).sum())
    beyond = sign * int((day >= horizon).sum())
    if table == "supply":
        return dataclasses.replace(
            stats,
            supply_past_due=stats.supply_past_due + past_due,
            supply_beyond_horizon=stats.supply_beyond_horizon + beyond,
        )
    return dataclasses.replace(
        stats,
        demand_past_due=stats.demand_past_due + past_due,
        demand_beyond_horizon=stats.demand_beyond_horizon + beyond,
    )


def apply_delta(version: Version, delta: Delta) -> tuple[Version, PatchReport]:
    """The version with `delta` applied (built aside: `version` is not changed).

    Raises `SnapshotError` for a DELETE of an id the version does not have; the caller has
    checked that the delta is the next one for this snapshot.
    """
    model = version.model
    resolved = {table: _resolve(version, delta, table) for table in TABLES}
    added_keys = [r.keys for r in resolved.values() if r is not None]
    plan = plan_rows(model, np.concatenate(added_keys) if added_keys else np.zeros(0, np.int64))
    changes: dict[str, object] = {}
    indexes = {"supply": version.supply, "demand": version.demand}
    rows = dict(version.rows)
    stats = model.stats
    for table in TABLES:
        r = resolved[table]
        if r is None:
            if plan.added:
                changes[table] = _frozen(grown_matrix(getattr(model, table), plan.count))
                events = grown_events(getattr(model, f"{table}_events"), plan.count)
                changes[f"{table}_events"] = events
            continue
        upsert = delta.table(table).upsert
        removed = r.index.events.take(r.removed)
        added = EventColumns.of(
            r.id_key, plan.rows_of(model, r.keys), upsert.day, upsert.quantity,
            upsert.kind, upsert.demand_class,
        )  # fmt: skip
        changes[table], changes[f"{table}_events"] = _patch_table(
            model, plan, table, removed, added
        )
        indexes[table] = LazyIndex.of(r.index.replaced(r.removed, added))
        rows[table] = rows[table] - len(removed) + len(added)
        stats = _counts(stats, table, removed.day, model.horizon_days, -1)
        stats = _counts(stats, table, added.day, model.horizon_days, 1)
    order_lines = delta.demand.upsert.order_line_id
    new_model = dataclasses.replace(
        model,
        row_item=plan.row_item,
        row_location=plan.row_location,
        item_row_ptr=plan.item_row_ptr,
        item_rows=plan.item_rows,
        row_index=plan.row_index,
        stats=stats,
        demand_classes=delta.demand_classes or model.demand_classes,
        delta_sequence=model.delta_sequence + 1,
        **changes,  # type: ignore[arg-type]
    )
    new_version = dataclasses.replace(
        version,
        model=new_model,
        supply=indexes["supply"],
        demand=indexes["demand"],
        rows=rows,
        order_lines=EMPTY_KEYS if order_lines is None else key_set(id_keys(order_lines)),
        delta_path=delta.path,
    )
    return new_version, PatchReport(delta.counts(), plan.added)
