"""Load a snapshot directory into validated, id-encoded `SnapshotData` (DESIGN §11).

A pure function of the files: it returns the whole snapshot or raises `SnapshotError`; no
part of a refused snapshot reaches the caller. Dates stay day offsets from `as_of` here;
folding past-due rows into bucket 0 and leaving out rows past the horizon is the model
builder's job.
"""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow as pa

from loaders import tables as t
from loaders.events import encode_events
from loaders.manifest import Manifest, read_manifest
from loaders.master import encode_calendars, encode_items, encode_locations, encode_rules
from loaders.reader import read_table
from loaders.sourcing import encode_sourcing_rules, encode_substitutes
from loaders.validate import check_not_null
from promising.errors import SnapshotError, SnapshotProblem
from promising.snapshot import SnapshotData

__all__ = ["Manifest", "load_snapshot", "read_manifest"]


def load_snapshot(path: str | Path, *, timings: dict[str, float] | None = None) -> SnapshotData:
    """Read, validate and encode the snapshot in directory `path`.

    `timings`, if given, receives the seconds spent reading files (`read`) and validating
    and encoding them (`encode`).
    """
    started = time.perf_counter()
    directory = Path(path)
    manifest = read_manifest(directory)
    read = {name: read_table(directory, spec) for name, spec in t.TABLES.items()}
    loaded = {name: table for name, table in read.items() if table is not None}
    for name, table in loaded.items():
        check_not_null(t.TABLES[name], table)
    encoding = time.perf_counter()

    try:
        rules, rule_ids = encode_rules(loaded.get("atp_rules"))
        calendars, calendar_ids = encode_calendars(loaded.get("calendars"), manifest)
        items, item_ids = encode_items(loaded["items"], rule_ids)
        locations, location_ids = encode_locations(loaded["locations"], calendar_ids)
        supply, demand, classes = encode_events(
            loaded["supply"], loaded["demand"], item_ids, location_ids, manifest.as_of
        )
        sourcing_rules = encode_sourcing_rules(loaded.get("sourcing_rules"), item_ids, location_ids)
        substitutes = encode_substitutes(loaded.get("substitutes"), item_ids)
    except pa.ArrowException as exc:
        # Values no check anticipated (a date beyond year 5 million): still a refusal, so the
        # caller keeps the snapshot it had.
        raise SnapshotError(SnapshotProblem("snapshot", None, f"cannot encode: {exc}")) from exc
    data = SnapshotData(
        snapshot_id=manifest.snapshot_id,
        as_of=manifest.as_of,
        horizon_days=manifest.horizon_days,
        items=items,
        locations=locations,
        rules=rules,
        calendars=calendars,
        supply=supply,
        demand=demand,
        demand_classes=tuple(classes.to_pylist()),
        rows_read={name: table.num_rows for name, table in loaded.items()},
        sourcing_rules=sourcing_rules,
        substitutes=substitutes,
    )
    if timings is not None:
        timings["read"] = encoding - started
        timings["encode"] = time.perf_counter() - encoding
    return data
