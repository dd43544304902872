"""`serve --watch DIR`: apply the snapshot and delta folders an ERP drops into a directory.

Each subdirectory with a `manifest.json` is a snapshot or a delta (`kind_of` reads which:
`loaders.manifest.manifest_kind`); the manifest is written last, so a folder still being
written is not looked at yet. Folders are taken in the order of their names (name them so that they
sort in export order, e.g. `20260105T0600-snapshot`, `20260105T0601-delta-0001`), each once:
a folder whose name sorts at or before the last one taken is left alone, also after a
restart (the last one taken is the data in use). A refused folder is logged and kept in the
status (`last_error`); the next folders are still taken.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from promising.errors import PromisingError
from promising.refresh.refresher import Refresher

log = logging.getLogger("promising.refresh")

MANIFEST_FILE = "manifest.json"


class Watcher:
    """Polls `directory` every `interval_seconds` and hands new folders to the refresher;
    `kind_of(folder)` says "snapshot" or "delta", or raises `SnapshotError`."""

    def __init__(
        self,
        directory: Path | str,
        refresher: Refresher,
        kind_of: Callable[[Path], str],
        interval_seconds: float = 1.0,
    ) -> None:
        self.directory = Path(directory).resolve()
        self.refresher = refresher
        self.kind_of = kind_of
        self.interval_seconds = interval_seconds
        self.last_name = self._in_use()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="watcher", daemon=True)

    def _in_use(self) -> str:
        """Name of the folder in this directory that the data in use came from, if any."""
        names = []
        current = self.refresher.current
        for path in (current.snapshot_path, current.delta_path):
            if path and Path(path).resolve().parent == self.directory:
                names.append(Path(path).name)
        return max(names, default="")

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.scan()
            except Exception:  # never let the watcher die; the next scan tries again
                log.exception("watching %s", self.directory)
            self._stop.wait(self.interval_seconds)

    def scan(self) -> list[str]:
        """Take every new complete folder, in name order; returns the names taken."""
        taken = []
        try:
            folders = sorted(p for p in self.directory.iterdir() if p.is_dir())
        except OSError as error:
            log.warning("cannot list %s: %s", self.directory, error)
            return taken
        for folder in folders:
            if self._stop.is_set():
                break
            if folder.name <= self.last_name or not (folder / MANIFEST_FILE).exists():
                continue
            self._take(folder)
            self.last_name = folder.name
            taken.append(folder.name)
        return taken

    def _take(self, folder: Path) -> None:
        try:
            if self.kind_of(folder) == "snapshot":
                outcome = self.refresher.load_snapshot(folder)
            else:
                outcome = self.refresher.apply_delta(folder)
        except PromisingError as error:
            self._refused(folder, str(error))
            return
        version = outcome.version
        log.info(
            "applied %s: snapshot %s, delta %d (lsn %d, built in %.3fs, swapped in %.3fs)",
            folder.name,
            version.snapshot_id,
            version.delta_sequence,
            outcome.lsn,
            outcome.build_seconds,
            outcome.swap_seconds,
        )

    def _refused(self, folder: Path, why: str) -> None:
        log.warning("refused %s: %s", folder.name, why)
        self.refresher.history.last_error = f"{folder.name}: {why}"
