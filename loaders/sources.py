"""Snapshots and deltas from directories, for a server's live refresh (`promising.refresh`)."""

from __future__ import annotations

from pathlib import Path

from loaders.delta import read_delta
from loaders.report import LoadReport, load_model_data
from promising.delta import Delta
from promising.errors import FieldViolation, InvalidInput
from promising.model import SupplyModel
from promising.refresh.version import Version
from promising.snapshot import SnapshotData


def _directory(path: Path) -> Path:
    if not path.is_dir():
        message = f"{path} is not a directory on the server"
        raise InvalidInput(message, [FieldViolation(("path",), message)])
    return path


class FileSources:
    """`promising.refresh.refresher.Sources` over the server's file system."""

    def __init__(self) -> None:
        self.last_report: LoadReport | None = None
        """The load report of the last snapshot read, for the log."""

    def snapshot(self, path: Path) -> tuple[SnapshotData, SupplyModel]:
        model, self.last_report, data = load_model_data(_directory(path))
        return data, model

    def delta(self, path: Path, version: Version) -> Delta:
        return read_delta(_directory(path), version.model)
