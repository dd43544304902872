"""Loading a snapshot to a ready model, against a plain pyarrow read of the same files."""

from __future__ import annotations

import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from datasets import snapshot_dir
from ratio import interleaved

from loaders import load_model


def plain_read(path) -> int:
    """Read every table file as Arrow and nothing else: the floor for any loader."""
    rows = 0
    for f in sorted(path.iterdir()):
        if f.suffix == ".parquet":
            rows += pq.read_table(f).num_rows
        elif f.suffix == ".arrow":
            rows += feather.read_table(f).num_rows
    return rows


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_load_10m_rows(benchmark, fmt: str) -> None:
    """10M supply+demand rows → validated, built SupplyModel (target ≤ 2 s), vs pyarrow read."""
    path = snapshot_dir("large", fmt)
    model, report = load_model(path)
    rows = report.rows_read["supply"] + report.rows_read["demand"]
    assert rows >= 9_000_000
    steps = ", ".join(f"{k} {v:.2f}s" for k, v in report.step_seconds.items())
    r = interleaved(
        f"load {rows / 1e6:.1f}M-row snapshot ({fmt}) to a ready model",
        lambda: load_model(path),
        lambda: plain_read(path),
        "plain pyarrow read of the same files",
        rounds=3,
        note=f"{model.row_count:,} item-locations; last load: {steps}",
    )
    benchmark.extra_info.update(
        ratio=r.ratio, seconds=r.subject_median_s, baseline_s=r.baseline_median_s
    )
    benchmark.pedantic(lambda: load_model(path), rounds=1, iterations=1)
    assert r.subject_median_s > 0
