"""Live refresh against same-run baselines (issue 6).

- a 100k-row delta applied (read, validated, built aside, swapped in through the writer) on
  the medium and large generated snapshots, vs a plain pyarrow read of the same files
  (target: ≤ 100 ms);
- one-line QUOTE latency on a real server process while a 100k-row delta arrives every
  second, vs the same quotes with no delta, phases interleaved (target: p99 ≤ 2× idle);
- a 10M-row snapshot swapped in under continuous quotes: every quote answered, the longest
  wait and p99 during the load vs idle before it.
"""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import grpc
import numpy as np
import pyarrow.parquet as pq
import pytest
from datasets import DATA_DIR, SNAPSHOT_SIZES, snapshot_dir
from ratio import RESULTS, Ratio, interleaved
from refresh_deltas import delta_run

from loaders.report import load_model_data
from loaders.sources import FileSources
from promising.engine import Engine
from promising.refresh.version import snapshot_version
from promising.rpc import PromisingServer, ServerOptions
from promising.v1 import admin_service_pb2 as admin_pb
from promising.v1 import promising_service_pb2 as pb

ROOT = Path(__file__).resolve().parent.parent
PROMISE = "/promising.v1.PromisingService/PromiseOrder"
APPLY = "/promising.v1.SupplyAdminService/ApplyDelta"
LOAD = "/promising.v1.SupplyAdminService/LoadSnapshot"
STATUS = "/promising.v1.SupplyAdminService/GetStatus"
DELTA_ROWS = 100_000
WARM_DELTAS = 8
"""Deltas applied before measuring: the first builds the id index, the next few touch
memory this VM has never mapped (its first touch costs ~10 µs a page)."""


def _read(paths: list[Path]) -> int:
    """The baseline: read every table file of the deltas with pyarrow, nothing else."""
    return sum(pq.read_table(f).num_rows for p in paths for f in sorted(p.glob("*.parquet")))


@pytest.mark.parametrize(("size", "nice"), [("medium", 0), ("medium", 10), ("large", 0)], ids=str)
def test_delta_100k_rows(benchmark, size: str, nice: int, tmp_path: Path) -> None:
    """A 100k-row delta (60% UPSERT, 20% new, 20% DELETE) applied end to end on a server in
    process, vs a plain pyarrow read of the same files (target ≤ 100 ms). Builds run at
    nice 0 (as fast as they go) or 10 (the default: they yield to anything else running)."""
    base = snapshot_dir(size)
    rounds = 7
    paths = delta_run(base, DELTA_ROWS, WARM_DELTAS + rounds + 2, DATA_DIR / f"refresh-{size}-100k")
    model, _, data = load_model_data(base)
    server = PromisingServer(ServerOptions(port=0, refresh_nice=nice))
    server.start()
    server.serve(
        Engine(model), tmp_path, sources=FileSources(),
        version=snapshot_version(data, model, str(base), order_lines=False),
    )  # fmt: skip
    refresher = server.refresher
    assert refresher is not None
    try:
        started = time.perf_counter()
        refresher.apply_delta(paths[0])
        first_s = time.perf_counter() - started
        for path in paths[1:WARM_DELTAS]:
            refresher.apply_delta(path)
        todo = iter(paths[WARM_DELTAS:])
        seconds: list[tuple[float, float]] = []  # (built, swapped); not the outcomes: they
        # hold their version, and old versions kept alive would cost fresh memory each time
        cpu: list[float] = []  # CPU seconds of the whole process: the shared machine's other
        # load stretches the wall time of a build, much less the CPU time it needs

        def apply() -> None:
            started = time.process_time()
            outcome = refresher.apply_delta(next(todo))
            cpu.append(time.process_time() - started)
            seconds.append((outcome.build_seconds, outcome.swap_seconds))

        r = interleaved(
            f"apply a 100k-row delta ({size}: {model.row_count:,} item-locations, "
            f"{sum(model.stats.rows_read[t] for t in ('supply', 'demand')) / 1e6:.0f}M rows; "
            f"builds at nice {nice})",
            apply,
            lambda: _read([paths[0]]),
            "plain pyarrow read of the delta files",
            rounds=rounds,
        )
        build = statistics.median(b for b, _ in seconds)
        swap = statistics.median(s for _, s in seconds)
        verdict = "ok" if r.subject_median_s <= 0.1 else "MISSED"
        r.note = (
            f"target ≤ 100 ms: {verdict}; CPU {statistics.median(cpu) * 1e3:.0f} ms; "
            f"built aside {build * 1e3:.1f} ms, writer held "
            f"{swap * 1e3:.2f} ms; first delta on the snapshot (builds the id index) "
            f"{first_s * 1e3:.0f} ms"
        )
        benchmark.extra_info.update(seconds=r.subject_median_s, ratio=r.ratio, first_s=first_s)
        benchmark.pedantic(lambda: refresher.apply_delta(next(todo)), rounds=1, iterations=1)
    finally:
        server.stop(1.0)


class Served:
    """`python -m server` in its own process, with a raw-bytes client."""

    def __init__(self, snapshot: Path, data_dir: Path, nice: int = 10) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server", "--snapshot", str(snapshot), "--data-dir",
             str(data_dir), "--port", "0", "--log-level", "WARNING", "--refresh-nice",
             str(nice)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            line = self.process.stdout.readline()  # type: ignore[union-attr]
            assert line.startswith("listening on "), line
            self.channel = grpc.insecure_channel(line.split()[-1])
            self.promise = self.channel.unary_unary(PROMISE)
            self.admin = {m: self.channel.unary_unary(m) for m in (APPLY, LOAD, STATUS)}
            deadline = time.monotonic() + 300
            while True:
                assert self.process.poll() is None, "the server died"
                try:
                    self.admin[STATUS](b"", timeout=5)
                    break
                except grpc.RpcError:
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
        except BaseException:
            self.process.kill()
            raise

    def apply(self, path: Path) -> admin_pb.ApplyDeltaResponse:
        request = admin_pb.ApplyDeltaRequest(path=str(path)).SerializeToString()
        return admin_pb.ApplyDeltaResponse.FromString(self.admin[APPLY](request, timeout=60))

    def load(self, path: Path) -> admin_pb.LoadSnapshotResponse:
        request = admin_pb.LoadSnapshotRequest(path=str(path)).SerializeToString()
        return admin_pb.LoadSnapshotResponse.FromString(self.admin[LOAD](request, timeout=600))

    def close(self) -> None:
        self.channel.close()
        self.process.terminate()
        self.process.wait(60)


def _quotes(snapshot: Path, count: int = 2_000, seed: int = 5) -> list[bytes]:
    """One-line QUOTEs on random item-locations of the snapshot (explicit ship-from)."""
    model, _, _ = load_model_data(snapshot)
    rng = np.random.default_rng(seed)
    out = []
    for row in rng.integers(0, model.row_count, count).tolist():
        when = model.as_of + dt.timedelta(days=int(rng.integers(0, 300)))
        line = pb.OrderLine(
            line_id="1",
            item_id=model.items.ids[model.row_item[row]],
            quantity=int(rng.integers(1, 20)),
            requested_date={"year": when.year, "month": when.month, "day": when.day},
            ship_from_location_id=model.locations.ids[model.row_location[row]],
        )
        request = pb.PromiseOrderRequest(mode=pb.PROMISE_MODE_QUOTE, lines=[line])
        out.append(request.SerializeToString())
    return out


def _timed(
    served: Served, requests: list[bytes], seconds: float, offset: int = 0, rate: float = 0
) -> list[float]:
    """Latencies of quotes for `seconds`: back to back, or `rate` a second."""
    latencies = []
    clock = time.perf_counter
    end = clock() + seconds
    due = clock()
    k = offset
    while due < end:
        if rate:
            pause = due - clock()
            if pause > 0:
                time.sleep(pause)
        start = clock()
        served.promise(requests[k % len(requests)], timeout=30)
        latencies.append(clock() - start)
        due = due + 1.0 / rate if rate else clock()
        k += 1
    return latencies


@pytest.mark.parametrize(
    ("rate", "nice"), [(0, 10), (1000, 10), (0, 0)], ids=["back-to-back", "1000-per-s", "nice-0"]
)
def test_quote_p99_while_deltas_arrive(benchmark, rate: int, nice: int) -> None:
    """One-line QUOTE latency while a 100k-row delta is applied every second, vs no delta,
    in alternating 3 s phases on one server process (target: p99 ≤ 2× idle p99). Quotes go
    back to back (one client, one at a time), or 1,000 a second; builds at nice 10 (the
    default) or 0."""
    snapshot = snapshot_dir("medium")
    paths = delta_run(snapshot, DELTA_ROWS, 40, DATA_DIR / "refresh-medium-100k")
    requests = _quotes(snapshot)
    with tempfile.TemporaryDirectory() as data_dir:
        served = Served(snapshot, Path(data_dir), nice)
        try:
            for path in paths[:WARM_DELTAS]:
                served.apply(path)
            _timed(served, requests, 1.0)
            todo = iter(paths[WARM_DELTAS:])
            idle: list[float] = []
            busy: list[float] = []
            applied: list[float] = []
            for phase in range(8):
                if phase % 2 == 0:
                    idle += _timed(served, requests, 3.0, len(idle), rate)
                    continue
                stop = threading.Event()

                def feed(stop: threading.Event = stop) -> None:
                    while not stop.is_set():
                        started = time.perf_counter()
                        applied.append(served.apply(next(todo)).build_seconds)
                        stop.wait(max(0.0, 1.0 - (time.perf_counter() - started)))

                feeder = threading.Thread(target=feed)
                feeder.start()
                busy += _timed(served, requests, 3.0, len(busy), rate)
                stop.set()
                feeder.join()
        finally:
            served.close()
    build = statistics.median(applied)
    for q, name, target in ((0.5, "p50", None), (0.99, "p99", 2.0)):
        pace = f"{rate:,} a second" if rate else "back to back"
        r = Ratio(
            f"QUOTE 1 line ({pace}), {name}, while a 100k-row delta arrives every second "
            f"(builds at nice {nice})",
            baseline_name=f"the same quotes with no delta, {name}", target=target,
        )  # fmt: skip
        r.subject_s, r.baseline_s = [_quantile(busy, q)], [_quantile(idle, q)]
        r.note = (
            f"{len(busy):,} quotes under {len(applied)} deltas (built in {build * 1e3:.0f} ms "
            f"median), {len(idle):,} idle"
        )
        RESULTS.append(r)
    benchmark.extra_info.update(
        p99_ratio=_quantile(busy, 0.99) / _quantile(idle, 0.99), deltas=len(applied)
    )
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def second_large() -> Path:
    """Another 10M-row snapshot, a day later (its own id): what the swap loads."""
    from loaders.generator import generate_snapshot

    out = DATA_DIR / "large-next-parquet"
    if not (out / "manifest.json").exists():
        items, locations, rows = SNAPSHOT_SIZES["large"]
        generate_snapshot(out, items=items, locations=locations, horizon_days=365, seed=43,
                          as_of=dt.date(2026, 1, 6), target_rows=rows)  # fmt: skip
    return out


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("rate", [0, 1000], ids=["back-to-back", "1000-per-s"])
def test_snapshot_10m_swap_under_quotes(benchmark, rate: int) -> None:
    """A 10M-row snapshot loaded while a client quotes (back to back, or 1,000 a second):
    every quote answered; p99 and the longest wait during the load vs idle before it."""
    first, second = snapshot_dir("large"), second_large()
    requests = _quotes(first)
    with tempfile.TemporaryDirectory() as data_dir:
        served = Served(first, Path(data_dir))
        try:
            idle = _timed(served, requests, 3.0, rate=rate)
            during: list[tuple[float, float, str]] = []
            done = threading.Event()
            clock = time.perf_counter

            def quote() -> None:
                k = 0
                due = clock()
                while not done.is_set():
                    if rate:
                        due += 1.0 / rate
                        time.sleep(max(0.0, due - clock()))
                    t0 = clock()
                    answer = pb.PromiseOrderResponse.FromString(
                        served.promise(requests[k % len(requests)], timeout=30)
                    )
                    during.append((t0, clock() - t0, answer.snapshot_id))
                    k += 1

            client = threading.Thread(target=quote)
            client.start()
            time.sleep(0.5)
            started = clock()
            loaded = served.load(second)
            load_s = clock() - started
            time.sleep(0.5)
            done.set()
            client.join()
        finally:
            served.close()
    window = [(t0, s) for t0, s, _ in during if started <= t0 <= started + load_s]
    versions = [sid for _, _, sid in during]
    assert versions[0] != versions[-1], "the new snapshot was never answered from"
    latencies = [s for _, s in window]
    pace = f"{rate:,} a second" if rate else "back to back"
    r = Ratio(
        f"QUOTE 1 line ({pace}), p99, while a 10M-row snapshot loads and swaps in",
        baseline_name="idle p99 before the load",
    )
    r.subject_s, r.baseline_s = [_quantile(latencies, 0.99)], [_quantile(idle, 0.99)]
    r.note = (
        f"load {load_s:.1f} s (built aside {loaded.build_seconds:.1f} s, writer held "
        f"{loaded.swap_seconds * 1e3:.0f} ms); {len(window):,} quotes answered during it, "
        f"none failed, longest {max(latencies) * 1e3:.0f} ms"
    )
    RESULTS.append(r)
    benchmark.extra_info.update(load_s=load_s, quotes=len(window), longest_s=max(latencies))
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
