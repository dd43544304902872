"""A run's result as a stable JSON document, a rich table, and its ratio against a baseline.

The document (`schema` "promising.loadtest/1") is documented in README.md ("Load testing");
new keys may be added, existing ones keep their meaning. Latencies are microseconds from the
HDR histogram, throughput is successful calls (and their order lines) a second over the
measured window, which runs until the last measured call was answered.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram
from rich.console import Console
from rich.table import Table

from cli.loadtest.recorder import Recorder, Tally

SCHEMA = "promising.loadtest/1"
PERCENTILES = (("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99_9", 99.9))
COMPARED = (
    *(f"latency_us_{name}" for name, _ in PERCENTILES),
    "latency_us_max",
    "throughput_per_s",
    "lines_per_s",
)

LATE_US = 1000  # open loop: a send lag p99 above this is worth a warning
LABELS = {"throughput_per_s": "calls/s", "lines_per_s": "lines/s"}


def latency(h: HdrHistogram) -> dict[str, float]:
    out: dict[str, float] = {
        f"latency_us_{name}": h.get_value_at_percentile(p) for name, p in PERCENTILES
    }
    out["latency_us_max"] = h.get_max_value() if h.get_total_count() else 0
    out["latency_us_mean"] = round(h.get_mean_value(), 1) if h.get_total_count() else 0.0
    return out


def tally_json(tally: Tally, seconds: float) -> dict[str, Any]:
    ok = tally.latency.get_total_count()
    return {
        "calls_ok": ok,
        "calls_error": sum(tally.errors.values()),
        "throughput_per_s": round(ok / seconds, 1),
        "lines_per_s": round(tally.lines / seconds, 1),
        **latency(tally.latency),
        "errors": dict(sorted(tally.errors.items())),
    }


def document(recorder: Recorder, head: dict[str, Any], released: dict[str, int]) -> dict[str, Any]:
    """The JSON document of a finished run; `head` holds who, what and when."""
    seconds = max(recorder.duration, recorder.last_completed - recorder.measure_from)
    lag = recorder.send_lag
    return {
        "schema": SCHEMA,
        **head,
        "measured_s": round(seconds, 3),
        "calls_warmup": recorder.warmup_calls,
        "total": tally_json(recorder.total, seconds),
        "by_kind": {
            kind.value: tally_json(tally, seconds)
            for kind, tally in sorted(recorder.by_kind.items())
        },
        "send_lag_us_p50": lag.get_value_at_percentile(50),
        "send_lag_us_p99": lag.get_value_at_percentile(99),
        "send_lag_us_max": lag.get_max_value() if lag.get_total_count() else 0,
        "timeline": {
            "bin_seconds": recorder.bin_seconds,
            "bins": [
                {
                    "t_s": round(i * recorder.bin_seconds, 3),
                    **tally_json(tally, recorder.bin_seconds),
                }
                for i, tally in enumerate(recorder.timeline)
            ],
        },
        "released": released,
        "histogram": _encode(recorder.total.latency),
        "send_lag_histogram": _encode(lag),
    }


def _encode(h: HdrHistogram) -> str:
    return base64.b64encode(h.encode()).decode("ascii")


def decode_histogram(doc: dict[str, Any], key: str = "histogram") -> HdrHistogram:
    """The latency histogram of all successful calls a document carries (or, with key
    `send_lag_histogram`, how late the calls were sent)."""
    return HdrHistogram.decode(base64.b64decode(doc[key]))


def read_baseline(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text())
    if doc.get("schema") != SCHEMA:
        raise ValueError(f"{path}: not a promising loadtest result (schema {SCHEMA})")
    return doc


def comparison(doc: dict[str, Any], baseline: dict[str, Any], path: Path) -> dict[str, Any]:
    """What `--compare` adds to the document: the ratios, and the workload keys that differ
    from the baseline's (a ratio between different workloads is read with them in mind)."""
    before, after = baseline["workload"], doc["workload"]
    changed = {
        key: [before.get(key), after[key]]
        for key in after
        if key not in ("seed", "items") and before.get(key) != after[key]
    }
    return {"baseline": str(path), "ratios": ratios(doc, baseline), "workload_changes": changed}


def ratios(doc: dict[str, Any], baseline: dict[str, Any]) -> dict[str, float | None]:
    """This run over the baseline, per percentile and throughput (None where the baseline is
    0). Latency: below 1 is better; throughput: above 1 is better."""
    return {
        key: (
            round(doc["total"][key] / baseline["total"][key], 3) if baseline["total"][key] else None
        )
        for key in COMPARED
    }


def _short(value: Any) -> str:
    if isinstance(value, dict):  # the mix
        return ",".join(f"{k}={v:.0%}" for k, v in value.items())
    if isinstance(value, list):
        return "-".join(str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _ms(us: float) -> str:
    return f"{us / 1000:,.3f}"


def show(console: Console, doc: dict[str, Any], baseline: dict[str, Any] | None) -> None:
    """The run as tables: latency and throughput per kind, errors by code, the comparison."""
    w = doc["workload"]
    how = f"closed loop, {w['concurrency']} callers"
    if w["loop"] == "open":
        how = f"open loop at {w['rate']:g}/s"
    table = Table(
        title=(
            f"promising loadtest: {how}, {w['duration']:g} s after {w['warmup']:g} s warm-up"
            + (f" (interrupted after {doc['measured_s']:g} s)" if doc["interrupted"] else "")
        ),
        caption=(
            f"{doc['address']}, snapshot {doc['server']['snapshot_id']}, "
            f"{doc['server']['item_locations']:,} item-locations; "
            "latency in ms from the intended send time"
        ),
    )
    table.add_column("calls", no_wrap=True)
    for column in ("ok", "errors", "calls/s", "lines/s", "p50", "p90", "p99", "p99.9", "max"):
        table.add_column(column, justify="right", no_wrap=True)

    def row(name: str, t: dict[str, Any], style: str = "") -> None:
        table.add_row(
            name,
            f"{t['calls_ok']:,}",
            f"[red]{t['calls_error']:,}[/]" if t["calls_error"] else "0",
            f"{t['throughput_per_s']:,.0f}",
            f"{t['lines_per_s']:,.0f}",
            *(_ms(t[f"latency_us_{n}"]) for n, _ in PERCENTILES),
            _ms(t["latency_us_max"]),
            style=style,
        )

    for kind, t in doc["by_kind"].items():
        row(kind, t)
    row("all", doc["total"], "bold")
    console.print(table)
    errors = {(k, code): n for k, t in doc["by_kind"].items() for code, n in t["errors"].items()}
    if errors:
        failed = Table(title="errors by status code")
        for column in ("calls", "status", "count"):
            failed.add_column(column, justify="right" if column == "count" else "left")
        for (kind, code), n in sorted(errors.items()):
            failed.add_row(kind, f"[red]{code}[/]", f"{n:,}")
        console.print(failed)
    notes = [f"{doc['calls_warmup']:,} warm-up calls not measured"]
    if w["loop"] == "open":
        notes.append(
            f"send lag p50 {_ms(doc['send_lag_us_p50'])} ms, p99 {_ms(doc['send_lag_us_p99'])} "
            f"ms, max {_ms(doc['send_lag_us_max'])} ms"
        )
    notes.append(f"load generator CPU {doc['client_cpu_percent']:.0f}% of a core")
    if doc["released"]:
        notes.append("released " + ", ".join(f"{c} {n:,}" for c, n in doc["released"].items()))
    console.print("[dim]" + "; ".join(notes) + "[/]")
    if w["loop"] == "open" and doc["send_lag_us_p99"] > LATE_US:
        console.print(
            f"[yellow]the load generator sent late (send lag p99 "
            f"{_ms(doc['send_lag_us_p99'])} ms): the latencies include it; the load "
            "generator (or the machine it shares) limits this rate[/]"
        )
    if baseline is not None:
        show_comparison(console, doc, baseline)


def show_comparison(console: Console, doc: dict[str, Any], baseline: dict[str, Any]) -> None:
    changes = doc["comparison"]["workload_changes"]
    table = Table(title=f"against {doc['comparison']['baseline']} ({baseline['started_at']})")
    for column in ("", "baseline", "this run", "ratio"):
        table.add_column(column, justify="left" if not column else "right", no_wrap=True)
    for key, ratio in doc["comparison"]["ratios"].items():
        is_latency = key.startswith("latency")
        show_value = _ms if is_latency else (lambda v: f"{v:,.0f}")
        better = ratio is not None and (ratio < 1 if is_latency else ratio > 1)
        colour = "green" if better else ("red" if ratio not in (None, 1.0) else "")
        name = LABELS.get(key) or key.removeprefix("latency_us_").replace("_", ".") + " ms"
        table.add_row(
            name,
            show_value(baseline["total"][key]),
            show_value(doc["total"][key]),
            f"[{colour}]{ratio:.2f}×[/]" if ratio is not None else "-",
        )
    console.print(table)
    console.print(
        "[dim]workload changed: "
        + ", ".join(f"{key} {_short(b)} → {_short(a)}" for key, (b, a) in changes.items())
        + "[/]"
        if changes
        else "[dim]same workload[/]"
    )
