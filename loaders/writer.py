"""Write snapshot directories: table files (Parquet or Arrow IPC) and, last, the manifest.

The manifest is removed first and written last, so a directory whose writing stopped half
way has no manifest and is refused by the loader instead of being read half-written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Literal

import pyarrow as pa
import pyarrow.parquet as pq

from loaders.manifest import MANIFEST_FILE, DeltaManifest, Manifest
from loaders.reader import EXTENSIONS

Format = Literal["parquet", "arrow"]
PARQUET_COMPRESSION = "lz4"
"""Fast to decode: the loader's read time matters more than the file size."""


class TableWriter:
    """Write one table in batches (each batch a Parquet row group or an IPC record batch).

    Arrow IPC files cannot replace a dictionary between batches: pass batches whose
    dictionary columns share one dictionary (or use `write_snapshot`, which unifies them).
    """

    def __init__(
        self,
        directory: Path,
        name: str,
        schema: pa.Schema,
        fmt: Format = "parquet",
        dictionary_columns: Iterable[str] | None = None,
    ) -> None:
        if fmt not in EXTENSIONS:
            raise ValueError(f"format must be one of {EXTENSIONS}, got {fmt!r}")
        self.path = directory / f"{name}.{fmt}"
        for ext in EXTENSIONS:
            (directory / f"{name}.{ext}").unlink(missing_ok=True)
        self.rows = 0
        self._writer: pq.ParquetWriter | pa.ipc.RecordBatchFileWriter
        if fmt == "parquet":
            self._writer = pq.ParquetWriter(
                self.path,
                schema,
                compression=PARQUET_COMPRESSION,
                use_dictionary=True if dictionary_columns is None else list(dictionary_columns),
            )
        else:
            self._writer = pa.ipc.new_file(str(self.path), schema)

    def write(self, batch: pa.Table | pa.RecordBatch) -> None:
        if isinstance(self._writer, pq.ParquetWriter):
            table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
            self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
        else:
            self._writer.write(batch)
        self.rows += batch.num_rows

    def close(self) -> None:
        self._writer.close()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def start_snapshot(directory: str | Path) -> Path:
    """Create the directory if needed and remove its manifest (it is written last)."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    (path / MANIFEST_FILE).unlink(missing_ok=True)
    return path


def write_manifest(directory: str | Path, manifest: Manifest | DeltaManifest) -> None:
    """Write `manifest.json`: the step that makes the snapshot or delta loadable."""
    temporary = Path(directory) / f".{MANIFEST_FILE}.tmp"
    temporary.write_text(manifest.to_json() + "\n", encoding="utf-8")
    temporary.replace(Path(directory) / MANIFEST_FILE)


def write_snapshot(
    out_dir: str | Path,
    tables: dict[str, pa.Table],
    *,
    snapshot_id: str,
    as_of: dt.date | str,
    horizon_days: int,
    format: Format = "parquet",
) -> Path:
    """Write whole in-memory tables and the manifest; returns the snapshot directory."""
    directory = start_snapshot(out_dir)
    for name, table in tables.items():
        with TableWriter(directory, name, table.schema, format) as writer:
            writer.write(table.unify_dictionaries() if format == "arrow" else table)
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    manifest = Manifest(snapshot_id=snapshot_id, as_of=as_of, horizon_days=horizon_days)
    write_manifest(directory, manifest)
    return directory
