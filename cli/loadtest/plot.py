"""The picture of a run: latency over time beside the percentile curve (HdrHistogram style)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from cli.loadtest.report import decode_histogram


def _curve(doc: dict[str, Any], key: str = "histogram") -> tuple[np.ndarray, np.ndarray]:
    """Latency (ms) at percentiles spaced evenly in 1/(1-p), up to what the count supports."""
    h = decode_histogram(doc, key)
    count = h.get_total_count()
    nines = np.linspace(0, max(1.0, np.log10(max(count, 10))), 160)
    percentiles = 100.0 * (1.0 - 10.0**-nines)
    values = np.array([h.get_value_at_percentile(p) for p in percentiles]) / 1000.0
    return 1.0 / (1.0 - percentiles / 100.0), values


def plot_run(doc: dict[str, Any], path: Path, baseline: dict[str, Any] | None = None) -> Path:
    """Write the PNG: left, p50/p90/max and successful calls a second per timeline bin;
    right, the latency percentile curve (and the baseline's, when comparing; and in an open
    loop how late the generator sent, which the latencies include)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, NullFormatter

    fig, (over_time, curve) = plt.subplots(1, 2, figsize=(13, 4.6))
    bins = doc["timeline"]["bins"]
    t = np.array([b["t_s"] for b in bins]) + doc["timeline"]["bin_seconds"] / 2
    rate = over_time.twinx()
    rate.bar(
        t, [b["throughput_per_s"] for b in bins], width=doc["timeline"]["bin_seconds"] * 0.9,
        color="#9bbbd4", alpha=0.35, label="calls/s",
    )  # fmt: skip
    rate.bar(
        t, [b["calls_error"] / doc["timeline"]["bin_seconds"] for b in bins],
        width=doc["timeline"]["bin_seconds"] * 0.9, color="#c0392b", alpha=0.6, label="errors/s",
    )  # fmt: skip
    rate.set_ylabel("calls a second")
    over_time.set_zorder(rate.get_zorder() + 1)
    over_time.patch.set_visible(False)
    for key, colour, label in (
        ("latency_us_p50", "#1f4e79", "p50"),
        ("latency_us_p90", "#e67e22", "p90"),
        ("latency_us_max", "#c0392b", "max"),
    ):
        values = [b[key] / 1000.0 if b["calls_ok"] else np.nan for b in bins]
        over_time.plot(t, values, color=colour, linewidth=1.6, label=label)
    over_time.set_yscale("log")
    over_time.set_xlabel("seconds after warm-up (intended send time)")
    over_time.set_ylabel("latency, ms")
    over_time.set_title("latency over time", loc="left")
    over_time.grid(alpha=0.3, which="both")
    lines, labels = over_time.get_legend_handles_labels()
    bars, bar_labels = rate.get_legend_handles_labels()
    over_time.legend(lines + bars, labels + bar_labels, loc="upper left", fontsize=8, ncols=5)

    x, y = _curve(doc)
    curve.plot(x, y, color="#1f4e79", linewidth=2, label="this run")
    if baseline is not None:
        bx, by = _curve(baseline)
        curve.plot(bx, by, color="#7f8c8d", linewidth=1.6, linestyle="--", label="baseline")
    if doc["workload"]["loop"] == "open" and "send_lag_histogram" in doc:
        lx, ly = _curve(doc, "send_lag_histogram")
        curve.plot(lx, ly, color="#c0392b", linewidth=1.2, linestyle=":", label="send lag")
    curve.set_xscale("log")
    curve.set_yscale("log")
    ticks = [1, 2, 10, 100, 1000, 10000, 100000]
    curve.xaxis.set_major_locator(FixedLocator(ticks))
    curve.xaxis.set_minor_formatter(NullFormatter())
    curve.set_xticklabels(["0%", "50%", "90%", "99%", "99.9%", "99.99%", "99.999%"])
    curve.set_xlim(1, max(10.0, x[-1]))
    curve.set_xlabel("percentile")
    curve.set_ylabel("latency, ms")
    curve.set_title("latency by percentile (HDR histogram)", loc="left")
    curve.grid(alpha=0.3, which="both")
    curve.legend(loc="upper left", fontsize=8)
    w = doc["workload"]
    how = f"open loop {w['rate']:g}/s" if w["loop"] == "open" else f"{w['concurrency']} callers"
    mix = ", ".join(f"{k} {v:.0%}" for k, v in w["mix"].items())
    fig.suptitle(f"promising loadtest — {how}, {mix}; {doc['address']}", fontsize=11)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
