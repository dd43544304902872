"""`manifest.json` of a snapshot or a delta directory, and the checks both kinds share.

A snapshot's manifest says what it is, as of when, over how many days (DESIGN §11); a
delta's names the snapshot it applies to and its place in the sequence of deltas on it:

    {"format": "promising-snapshot", "version": 1, "snapshot_id": "...",
     "as_of": "2026-01-05", "horizon_days": 365}
    {"format": "promising-delta", "version": 1, "snapshot_id": "...", "sequence": 1}

Both are read and checked by the same code, so a delta refuses all that a snapshot refuses
(an unreadable file, not a JSON object, another format, a version that is not the integer
1, an empty snapshot id), each as a `SnapshotError` naming the field.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promising.errors import SnapshotError, SnapshotProblem

MANIFEST_FILE = "manifest.json"
FORMAT = "promising-snapshot"
DELTA_FORMAT = "promising-delta"
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


@dataclass(frozen=True)
class DeltaManifest:
    """The validated manifest of a delta: number `sequence` (1 first) on `snapshot_id`."""

    snapshot_id: str
    sequence: int

    def to_json(self) -> str:
        fields = {"format": DELTA_FORMAT, "version": VERSION}
        fields |= {"snapshot_id": self.snapshot_id, "sequence": self.sequence}
        return json.dumps(fields, indent=2)


def _refuse(field: str | None, message: str) -> SnapshotError:
    return SnapshotError(SnapshotProblem("manifest", field, message))


def _integer(fields: dict[str, Any], name: str, minimum: int) -> int:
    """An integer field (JSON `true` and `1.0` are not integers), at least `minimum`."""
    value = fields.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise _refuse(name, f"must be an integer >= {minimum}, got {value!r}")
    return value


SNAPSHOT_ID_SIZE_MAX = 128
"""Longest snapshot id, in characters (like request and order ids)."""


def _snapshot_id(fields: Any, format: str) -> str:
    """Check what every manifest has (a JSON object, its format and version, a snapshot id)
    and return the snapshot id."""
    if not isinstance(fields, dict):
        raise _refuse(None, "must be a JSON object")
    if fields.get("format") != format:
        raise _refuse("format", f"must be {format!r}, got {fields.get('format')!r}")
    version = fields.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version != VERSION:
        raise _refuse("version", f"must be {VERSION}, got {version!r}")
    snapshot_id = fields.get("snapshot_id")
    if not isinstance(snapshot_id, str) or not snapshot_id:
        raise _refuse("snapshot_id", f"must be a non-empty string, got {snapshot_id!r:.80}")
    if len(snapshot_id) > SNAPSHOT_ID_SIZE_MAX:
        # Every answer carries it: a huge id would push answers past the message limit, and a
        # commit could be made yet answered as failed.
        raise _refuse(
            "snapshot_id", f"at most {SNAPSHOT_ID_SIZE_MAX} characters, got {len(snapshot_id)}"
        )
    return snapshot_id


def parse_manifest(fields: Any) -> Manifest:
    """Check the decoded JSON of a snapshot's manifest; raise `SnapshotError` naming the field."""
    snapshot_id = _snapshot_id(fields, FORMAT)
    as_of = fields.get("as_of")
    try:
        as_of_date = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else None
    except ValueError:
        as_of_date = None
    if as_of_date is None or len(as_of) != 10:  # fromisoformat also takes 20260105
        raise _refuse("as_of", f"must be a date YYYY-MM-DD, got {as_of!r}")
    horizon_days = _integer(fields, "horizon_days", 1)
    return Manifest(snapshot_id=snapshot_id, as_of=as_of_date, horizon_days=horizon_days)


def parse_delta_manifest(fields: Any) -> DeltaManifest:
    """Check the decoded JSON of a delta's manifest; raise `SnapshotError` naming the field."""
    snapshot_id = _snapshot_id(fields, DELTA_FORMAT)
    return DeltaManifest(snapshot_id, _integer(fields, "sequence", 1))


def _read(path: str | Path) -> Any:
    """The decoded JSON of `manifest.json` in directory `path`."""
    file = Path(path) / MANIFEST_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _refuse(None, f"{file} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _refuse(None, f"cannot read {file}: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _refuse(None, f"not valid JSON: {exc}") from None


def manifest_kind(path: str | Path) -> str:
    """ "snapshot" or "delta": what directory `path` holds, by its manifest's format."""
    fields = _read(path)
    if not isinstance(fields, dict):
        raise _refuse(None, "must be a JSON object")
    kinds = {FORMAT: "snapshot", DELTA_FORMAT: "delta"}
    if fields.get("format") not in kinds:
        wanted = f"{FORMAT!r} or {DELTA_FORMAT!r}"
        raise _refuse("format", f"must be {wanted}, got {fields.get('format')!r}")
    return kinds[fields["format"]]


def read_manifest(path: str | Path) -> Manifest:
    """Read and check `manifest.json` of the snapshot directory `path`."""
    return parse_manifest(_read(path))


def read_delta_manifest(path: str | Path) -> DeltaManifest:
    """Read and check `manifest.json` of the delta directory `path`."""
    return parse_delta_manifest(_read(path))
