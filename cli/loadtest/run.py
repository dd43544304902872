"""One load test from start to finish as a function: the command prints what it returns, and
the benchmark harness can call it directly (with `spec.workload` and `catalogue.discover`)."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from typing import Any

import grpc

from cli.loadtest.catalogue import Catalogue
from cli.loadtest.closed_loop import run_closed_loop
from cli.loadtest.draw import Draw
from cli.loadtest.open_loop import run_open_loop
from cli.loadtest.recorder import Recorder
from cli.loadtest.release import release_orders
from cli.loadtest.report import document
from cli.loadtest.send import Sender
from cli.loadtest.spec import Workload

START_DELAY_S = 0.05  # between drawing the first call and its intended time


def run_loadtest(
    channel: grpc.Channel,
    address: str,
    spec: Workload,
    catalogue: Catalogue,
    *,
    release: bool = True,
    say: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Warm up, measure, release what was reserved (unless `release` is False); the result
    document (`report.document`). `say` hears progress and warnings (rich markup). Ctrl-C
    ends the run early: what was measured is reported and released."""
    run_id = uuid.uuid4().hex[:8]
    how = f"closed loop, {spec.concurrency} callers"
    if spec.open_loop:
        how = f"open loop at {spec.rate:g}/s"
    say(
        f"[dim]loadtest {run_id}: {how}, {spec.warmup:g} s warm-up + {spec.duration:g} s "
        f"against {address}; {len(catalogue.item_locations):,} item-locations from "
        f"{catalogue.source}[/]"
    )
    started_at = dt.datetime.now(dt.UTC)
    draw = Draw(spec, catalogue, run_id)
    if draw.days != spec.days:
        say(
            f"[yellow]warning:[/] days {spec.days[0]}-{spec.days[1]} reach past the server's "
            f"{catalogue.horizon_days}-day horizon; asking for {draw.days[0]}-{draw.days[1]}"
        )
    start = time.perf_counter() + START_DELAY_S
    recorder = Recorder(start + spec.warmup, spec.duration)
    sender = Sender(channel, recorder, spec.timeout)
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    interrupted = False
    try:
        (run_open_loop if spec.open_loop else run_closed_loop)(spec, draw, sender, start)
    except KeyboardInterrupt:
        interrupted = True
        recorder.duration = max(1e-3, time.perf_counter() - recorder.measure_from)
        say("[yellow]interrupted:[/] the report covers the calls made so far")
    cpu_s, wall_s = time.process_time() - cpu_started, time.perf_counter() - wall_started
    released: dict[str, int] = {}
    if sender.reserved_order_ids and release:
        released = release_orders(channel, sender.reserved_order_ids, run_id, spec.timeout)
    elif sender.reserved_order_ids:
        released = {"kept": len(sender.reserved_order_ids)}
    head = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "address": address,
        "run_id": run_id,
        "interrupted": interrupted,
        "server": {
            "snapshot_id": catalogue.snapshot_id,
            "as_of": catalogue.as_of.isoformat(),
            "item_locations": len(catalogue.item_locations),
            "catalogue": catalogue.source,
        },
        "workload": {**spec.to_json(), "days": list(draw.days)},  # within the horizon
        # every thread of this process (gRPC's too) over the run: near 100, the generator is
        # the bottleneck
        "client_cpu_percent": round(100 * cpu_s / wall_s, 1),
    }
    return document(recorder, head, released)
