"""Snapshot and delta manifests: one set of checks, so a delta refuses all a snapshot does."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from loaders.manifest import (
    DeltaManifest,
    Manifest,
    manifest_kind,
    read_delta_manifest,
    read_manifest,
)
from promising.errors import SnapshotError

SNAPSHOT = Manifest("snap-1", dt.date(2026, 1, 5), 30)
DELTA = DeltaManifest("snap-1", 1)
READERS: dict[str, tuple[Callable[[Path], Any], Any]] = {
    "snapshot": (read_manifest, SNAPSHOT),
    "delta": (read_delta_manifest, DELTA),
}
MISSING = object()


def _write(path: Path, kind: str, **changes: Any) -> Path:
    fields = json.loads(READERS[kind][1].to_json())
    fields.update(changes)
    fields = {key: value for key, value in fields.items() if value is not MISSING}
    (path / "manifest.json").write_text(json.dumps(fields), encoding="utf-8")
    return path


def _text(text: str | bytes) -> Callable[[Path, str], Path]:
    def write(path: Path, kind: str) -> Path:
        file = path / "manifest.json"
        file.write_bytes(text if isinstance(text, bytes) else text.encode())
        return path

    return write


def _fields(**changes: Any) -> Callable[[Path, str], Path]:
    return lambda path, kind: _write(path, kind, **changes)


def _other_format(path: Path, kind: str) -> Path:
    other = "promising-delta" if kind == "snapshot" else "promising-snapshot"
    return _write(path, kind, format=other)


# name, how the manifest is written, the field refused (None: the file as a whole)
BOTH: list[tuple[str, Callable[[Path, str], Path], str | None]] = [
    ("no manifest", lambda path, kind: path, None),
    ("not JSON", _text("{oops"), None),
    ("not UTF-8", _text(b'{"format": "\xff"}'), None),
    ("a list", _text("[]"), None),
    ("null", _text("null"), None),
    ("a number", _text("1"), None),
    ("wrong format", _fields(format="csv-dump"), "format"),
    ("the other kind's format", _other_format, "format"),
    ("no format", _fields(format=MISSING), "format"),
    ("version 2", _fields(version=2), "version"),
    ("version 0", _fields(version=0), "version"),
    ("version as text", _fields(version="1"), "version"),
    ("version true", _fields(version=True), "version"),
    ("version 1.0", _fields(version=1.0), "version"),
    ("no version", _fields(version=MISSING), "version"),
    ("no snapshot_id", _fields(snapshot_id=MISSING), "snapshot_id"),
    ("empty snapshot_id", _fields(snapshot_id=""), "snapshot_id"),
    ("snapshot_id a number", _fields(snapshot_id=7), "snapshot_id"),
    ("snapshot_id too long", _fields(snapshot_id="s" * 129), "snapshot_id"),
]
SNAPSHOT_ONLY: list[tuple[str, Callable[[Path, str], Path], str | None]] = [
    ("as_of month 13", _fields(as_of="2026-13-01"), "as_of"),
    ("as_of without dashes", _fields(as_of="20260105"), "as_of"),
    ("as_of a number", _fields(as_of=20260105), "as_of"),
    ("no as_of", _fields(as_of=MISSING), "as_of"),
    ("horizon 0", _fields(horizon_days=0), "horizon_days"),
    ("horizon negative", _fields(horizon_days=-1), "horizon_days"),
    ("horizon 30.0", _fields(horizon_days=30.0), "horizon_days"),
    ("horizon true", _fields(horizon_days=True), "horizon_days"),
    ("horizon as text", _fields(horizon_days="30"), "horizon_days"),
    ("no horizon", _fields(horizon_days=MISSING), "horizon_days"),
]
DELTA_ONLY: list[tuple[str, Callable[[Path, str], Path], str | None]] = [
    ("sequence 0", _fields(sequence=0), "sequence"),
    ("sequence negative", _fields(sequence=-1), "sequence"),
    ("sequence true", _fields(sequence=True), "sequence"),
    ("sequence 1.0", _fields(sequence=1.0), "sequence"),
    ("sequence as text", _fields(sequence="1"), "sequence"),
    ("no sequence", _fields(sequence=MISSING), "sequence"),
]
CASES = [
    *((kind, *case) for case in BOTH for kind in READERS),
    *(("snapshot", *case) for case in SNAPSHOT_ONLY),
    *(("delta", *case) for case in DELTA_ONLY),
]


@pytest.mark.parametrize(
    ("kind", "name", "write", "field"), CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES]
)
def test_bad_manifest_is_refused(
    tmp_path: Path, kind: str, name: str, write: Callable[[Path, str], Path], field: str | None
) -> None:
    """Each bad manifest is refused with a SnapshotError that names the bad field."""
    read, _ = READERS[kind]
    with pytest.raises(SnapshotError) as caught:
        read(write(tmp_path, kind))
    assert (caught.value.problem.table, caught.value.problem.column) == ("manifest", field)


@pytest.mark.parametrize("kind", READERS)
def test_written_manifest_reads_back(tmp_path: Path, kind: str) -> None:
    """What `to_json` writes, the reader takes back unchanged."""
    read, manifest = READERS[kind]
    assert read(_write(tmp_path, kind)) == manifest


@pytest.mark.parametrize("kind", READERS)
def test_manifest_kind(tmp_path: Path, kind: str) -> None:
    """A watched folder is a snapshot or a delta by its manifest's format."""
    assert manifest_kind(_write(tmp_path, kind)) == kind


KIND_CASES = [c for c in BOTH if c[2] in (None, "format") and c[1] is not _other_format]


@pytest.mark.parametrize(
    ("name", "write", "field"), KIND_CASES, ids=[case[0] for case in KIND_CASES]
)
def test_manifest_kind_refuses(
    tmp_path: Path, name: str, write: Callable[[Path, str], Path], field: str | None
) -> None:
    """A folder whose manifest is unreadable or of no known format is refused, by field."""
    with pytest.raises(SnapshotError) as caught:
        manifest_kind(write(tmp_path, "snapshot"))
    assert (caught.value.problem.table, caught.value.problem.column) == ("manifest", field)
