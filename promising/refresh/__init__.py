"""Live refresh: new snapshots and deltas built aside and swapped in while the server answers.

    loaders (files) ─▶ Delta / SnapshotData ─▶ patch.apply_delta / snapshot_version ─▶ Version
                                                                                      │
    Refresher: build aside (caller's thread) ─▶ swap inside the journal writer ◀──────┘
               promising.remap (reservations by item, location, date; as-of roll-forward),
               rebase.absorbed_lines (committed lines the new demand carries), journal record,
               one reference assignment that quotes read through.

See DESIGN sections 4 and 11; `restore` brings the same version back after a restart.
"""

from promising.refresh.changes import Delta, TableChanges
from promising.refresh.patch import PatchReport, apply_delta
from promising.refresh.rebase import RebaseSummary
from promising.refresh.refresher import Refresher, RefreshOutcome, Sources
from promising.refresh.version import Version, model_version, snapshot_version

__all__ = [
    "Delta",
    "PatchReport",
    "RebaseSummary",
    "RefreshOutcome",
    "Refresher",
    "Sources",
    "TableChanges",
    "Version",
    "apply_delta",
    "model_version",
    "snapshot_version",
]
