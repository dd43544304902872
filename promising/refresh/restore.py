"""After a restart, come back on the data the server last answered from.

Every refresh is journaled (`records.REFRESH`): which snapshot directory or delta directory,
and the rows kept for reservations. A restart reads those records before the journal's
writer opens, loads the last snapshot loaded (or the one it was started with, when none
was), appends the kept rows, and applies the deltas that followed, in order. The journal's
replay then moves every reservation onto that version, exactly as the running server held
them; the absorbed lines are dropped again from the same records.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np

from promising.errors import Conflict, PromisingError
from promising.item_locations import key_of
from promising.refresh.patch import apply_delta
from promising.refresh.refresher import Sources
from promising.refresh.rows import plan_rows, with_rows
from promising.refresh.version import Version, snapshot_version


def refresh_records(journal_file: Path | str) -> list[dict[str, Any]]:
    """The bodies of the journal's refresh records, oldest first ([] without a journal).

    Read through a short-lived connection of its own, before the writer opens the file:
    one connection at a time, never two writing at once.
    """
    path = Path(journal_file)
    if not path.exists():
        return []
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT body FROM log WHERE kind = 'refresh' ORDER BY lsn").fetchall()
    except sqlite3.OperationalError:  # no log table yet
        return []
    finally:
        db.close()
    return [json.loads(body) for (body,) in rows]


def restore(
    start: Path | str, records: list[dict[str, Any]], sources: Sources
) -> tuple[Version, list[str]]:
    """The version to serve after a restart, and notes on what could not be restored.

    `start` is the snapshot the server was started with: used when no snapshot was loaded
    since, or when the one last loaded can no longer be read.
    """
    notes: list[str] = []
    snapshots = [i for i, r in enumerate(records) if r.get("op") == "snapshot"]
    version = None
    if snapshots:
        record = records[snapshots[-1]]
        try:
            version = _snapshot(Path(record["path"]), sources, record)
        except (PromisingError, OSError) as error:
            notes.append(
                f"cannot restore snapshot {record['snapshot']!r} from {record['path']}: "
                f"{error}; serving {start} instead"
            )
    if version is None:
        version = _snapshot(Path(start), sources, None)
    after = records[snapshots[-1] + 1 :] if snapshots else records
    for record in after:
        if record.get("op") != "delta":
            continue
        if record["snapshot"] != version.snapshot_id:
            notes.append(
                f"delta {record['sequence']} ({record['path']}) is for snapshot "
                f"{record['snapshot']!r}, not {version.snapshot_id!r}: not applied"
            )
            continue
        try:
            delta = sources.delta(Path(record["path"]), version)
            delta = dataclasses.replace(delta, path=record["path"])
            version, _ = apply_delta(version, delta)
        except (PromisingError, OSError) as error:
            notes.append(
                f"cannot restore delta {record['sequence']} from {record['path']}: {error}; "
                f"serving {version.snapshot_id!r} with {version.delta_sequence} deltas"
            )
            break
    return version, notes


def _snapshot(path: Path, sources: Sources, record: dict[str, Any] | None) -> Version:
    data, model = sources.snapshot(path)
    if record is not None and model.snapshot_id != record["snapshot"]:
        raise Conflict(f"the directory now holds snapshot {model.snapshot_id!r}")
    version = snapshot_version(data, model, str(path.resolve()), order_lines=False)
    if record is None or not record.get("rows"):
        return version
    location_count = len(model.locations.ids)
    keys = [
        key_of(model.item_index[item], model.location_index[location], location_count)
        for item, location in record["rows"]
        if item in model.item_index and location in model.location_index
    ]
    plan = plan_rows(model, np.array(keys, dtype=np.int64))
    return dataclasses.replace(version, model=with_rows(model, plan))
