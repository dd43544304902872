"""Snapshot files → validated `SnapshotData` → `SupplyModel`: the only code that reads files.

load_snapshot(path)   manifest + tables → SnapshotData, or SnapshotError
load_model(path)      the same, built into a SupplyModel, with a LoadReport
write_snapshot(...)   in-memory Arrow tables → a snapshot directory
generate_snapshot()   a realistic, seeded snapshot of any size (loaders.generator)
"""

from __future__ import annotations

from loaders.generator import GenerateSummary, generate_snapshot
from loaders.manifest import Manifest, read_manifest
from loaders.report import LoadReport, load_model
from loaders.snapshot import load_snapshot
from loaders.writer import write_snapshot

__all__ = [
    "GenerateSummary",
    "LoadReport",
    "Manifest",
    "generate_snapshot",
    "load_model",
    "load_snapshot",
    "read_manifest",
    "write_snapshot",
]
