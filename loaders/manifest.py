"""`manifest.json`: what a snapshot directory is, as of when, over how many days (DESIGN §11)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promising.errors import SnapshotError, SnapshotProblem

MANIFEST_FILE = "manifest.json"
FORMAT = "promising-snapshot"
VERSION = 1


@dataclass(frozen=True)
class Manifest:
    """The validated manifest of a snapshot."""

    snapshot_id: str
    as_of: dt.date
    horizon_days: int
    format: str = FORMAT
    version: int = VERSION

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": self.format,
                "version": self.version,
                "snapshot_id": self.snapshot_id,
                "as_of": self.as_of.isoformat(),
                "horizon_days": self.horizon_days,
            },
            indent=2,
        )


def _refuse(field: str | None, message: str) -> SnapshotError:
    return SnapshotError(SnapshotProblem("manifest", field, message))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_manifest(fields: Any) -> Manifest:
    """Check the decoded JSON of a manifest; raise `SnapshotError` naming the bad field."""
    if not isinstance(fields, dict):
        raise _refuse(None, "must be a JSON object")
    if fields.get("format") != FORMAT:
        raise _refuse("format", f"must be {FORMAT!r}, got {fields.get('format')!r}")
    version = fields.get("version")
    if not _is_int(version) or version != VERSION:
        raise _refuse("version", f"must be {VERSION}, got {version!r}")
    snapshot_id = fields.get("snapshot_id")
    if not isinstance(snapshot_id, str) or not snapshot_id:
        raise _refuse("snapshot_id", f"must be a non-empty string, got {snapshot_id!r}")
    as_of = fields.get("as_of")
    try:
        as_of_date = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else None
    except ValueError:
        as_of_date = None
    if as_of_date is None or len(as_of) != 10:
        raise _refuse("as_of", f"must be a date YYYY-MM-DD, got {as_of!r}")
    horizon_days = fields.get("horizon_days")
    if not _is_int(horizon_days) or horizon_days <= 0:
        raise _refuse("horizon_days", f"must be an integer > 0, got {horizon_days!r}")
    return Manifest(snapshot_id=snapshot_id, as_of=as_of_date, horizon_days=horizon_days)


def read_manifest(path: str | Path) -> Manifest:
    """Read and check `manifest.json` of the snapshot directory `path`."""
    file = Path(path) / MANIFEST_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _refuse(None, f"{file} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _refuse(None, f"cannot read {file}: {exc}") from None
    try:
        fields = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _refuse(None, f"not valid JSON: {exc}") from None
    return parse_manifest(fields)
