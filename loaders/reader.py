"""Find and read one table file of a snapshot: `NAME.parquet` or `NAME.arrow` (Arrow IPC).

Only the columns the loader uses are read; repeated strings (ids in supply and demand, enum
values) are read dictionary-encoded so that they are decoded once per distinct value, not
once per row. Any read failure (truncated file, not Parquet, bad footer) becomes a
`SnapshotError` naming the table.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from loaders.tables import TableSpec
from loaders.validate import check_schema, refuse

EXTENSIONS = ("parquet", "arrow")


def table_file(directory: Path, name: str) -> Path | None:
    """The file holding table `name`, or None; both formats at once is ambiguous."""
    found = [directory / f"{name}.{ext}" for ext in EXTENSIONS]
    found = [path for path in found if path.exists()]
    if len(found) > 1:
        refuse(name, None, f"both {found[0].name} and {found[1].name} exist; keep one")
    return found[0] if found else None


def read_table(directory: Path, spec: TableSpec) -> pa.Table | None:
    """Read the columns of `spec` from its file (None if absent); refuse a bad schema."""
    path = table_file(directory, spec.name)
    if path is None:
        if spec.required:
            refuse(spec.name, None, "missing table (no .parquet or .arrow file)")
        return None
    try:
        if path.suffix == ".parquet":
            return _read_parquet(path, spec)
        return _read_ipc(path, spec)
    except (pa.ArrowException, OSError) as exc:
        refuse(spec.name, None, f"cannot read {path.name}: {exc}")


def _read_parquet(path: Path, spec: TableSpec) -> pa.Table:
    columns = check_schema(spec, pq.read_schema(path))
    names = [c.name for c in columns if c.read]
    dictionary = [c.name for c in columns if c.read and c.dictionary]
    # One chunk per row group (the dataset reader splits row groups into more batches, and
    # each batch would repeat the dictionary lookups).
    file = pq.ParquetFile(path, read_dictionary=dictionary, memory_map=True)
    return file.read(columns=names, use_threads=True)


def _read_ipc(path: Path, spec: TableSpec) -> pa.Table:
    # Memory-mapped and zero-copy: the encoder copies whatever it keeps, so nothing of the
    # snapshot still points into the file once it is loaded (the file may be rewritten).
    with pa.memory_map(str(path), "r") as source:
        reader = pa.ipc.open_file(source)
        columns = check_schema(spec, reader.schema)
        table = reader.read_all()
    return table.select([c.name for c in columns if c.read])
