"""The gRPC service against same-run baselines on the same server process.

The server runs in its own process (benchmarks/grpc_bench_server.py) on the "medium"
generated snapshot (5,000 items × 8 locations, 365 days, 1M supply and demand rows). The
client sends pre-encoded requests and takes raw response bytes, so both sides of each ratio
cost the client the same and the ratio measures the server.

- one-line QUOTE vs health Check, calls interleaved: p50 and p99 ratios;
- a 10-line QUOTE vs a one-line QUOTE;
- StreamPromiseOrders QUOTE of 100-line batches vs an echo stream of the same messages;
- StreamPromiseOrders COMMIT (durable group commit) vs the same stream as QUOTE.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import numpy as np
import pytest
from datasets import DATA_DIR, SNAPSHOT_SIZES
from grpc_health.v1 import health_pb2
from ratio import RESULTS, Ratio, interleaved

from loaders import load_model
from promising.v1 import promising_service_pb2 as pb

HERE = Path(__file__).resolve().parent
PROMISE = "/promising.v1.PromisingService/PromiseOrder"
STREAM = "/promising.v1.PromisingService/StreamPromiseOrders"
HEALTH = "/grpc.health.v1.Health/Check"
ECHO = "/bench.Echo/Stream"
WINDOW = 16
"""Stream messages in flight per client: enough to keep the server busy, bounded memory."""


class BenchServer:
    def __init__(self, snapshot: Path, data_dir: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "grpc_bench_server.py"), "--snapshot", str(snapshot),
             "--data-dir", str(data_dir)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            self._connect()
        except BaseException:
            self.process.kill()
            raise

    def _connect(self) -> None:
        line = self.process.stdout.readline()
        assert line.startswith("listening on "), line
        self.channel = grpc.insecure_channel(
            line.split()[-1], options=[("grpc.max_receive_message_length", 64 << 20)]
        )
        self.unary = {m: self.channel.unary_unary(m) for m in (PROMISE, HEALTH)}
        self.streams = {m: self.channel.stream_stream(m) for m in (STREAM, ECHO)}
        check = health_pb2.HealthCheckRequest().SerializeToString()
        deadline = time.monotonic() + 120
        while True:
            assert self.process.poll() is None, "the benchmark server died"
            status = health_pb2.HealthCheckResponse.FromString(self.unary[HEALTH](check))
            if status.status == health_pb2.HealthCheckResponse.SERVING:
                break
            assert time.monotonic() < deadline
            time.sleep(0.05)

    def close(self) -> str:
        """Stop the server; returns what it printed after it started listening."""
        self.channel.close()
        self.process.terminate()
        printed, _ = self.process.communicate(timeout=30)
        return printed

    def stream(self, method: str, messages: list[bytes]) -> float:
        """Seconds to send `messages` over one stream and receive every answer."""
        window = threading.Semaphore(WINDOW)

        def send() -> Iterator[bytes]:
            for message in messages:
                window.acquire()
                yield message

        started = time.perf_counter()
        count = 0
        for _ in self.streams[method](send()):
            window.release()
            count += 1
        assert count == len(messages)
        return time.perf_counter() - started


class Lines:
    """Random order lines on the snapshot's item-locations (explicit ship-from)."""

    def __init__(self, snapshot: Path, seed: int = 3) -> None:
        model, _ = load_model(snapshot)
        self.model = model
        self.rng = np.random.default_rng(seed)
        cum = np.cumsum(model.supply - model.demand, axis=1)
        atp = np.minimum.accumulate(cum[:, ::-1], axis=1)[:, ::-1]
        self.all_rows = np.arange(model.row_count)
        self.rich_rows = np.flatnonzero(atp[:, 200] >= 2_000)  # commits here never run short

    def lines(self, count: int, rows: np.ndarray, day: int | None = None) -> list[pb.OrderLine]:
        model = self.model
        picked = self.rng.choice(rows, count)
        days = self.rng.integers(0, 300, count) if day is None else np.full(count, day)
        out = []
        for k, (row, offset) in enumerate(zip(picked.tolist(), days.tolist(), strict=True)):
            when = model.as_of + dt.timedelta(days=offset)
            out.append(
                pb.OrderLine(
                    line_id=str(k + 1),
                    item_id=model.items.ids[model.row_item[row]],
                    quantity=int(self.rng.integers(1, 20)) if day is None else 1,
                    requested_date={"year": when.year, "month": when.month, "day": when.day},
                    ship_from_location_id=model.locations.ids[model.row_location[row]],
                )
            )
        return out


def medium_snapshot() -> Path:
    """The "medium" generated data set, in a directory of its own (other benchmarks may
    regenerate theirs while this one runs)."""
    from loaders.generator import generate_snapshot

    out = DATA_DIR / "grpc-medium-v2-parquet"  # v2: the generator writes allocation rules
    if not (out / "manifest.json").exists():
        items, locations, rows = SNAPSHOT_SIZES["medium"]
        generate_snapshot(out, items=items, locations=locations, horizon_days=365, seed=42,
                          as_of=dt.date(2026, 1, 5), target_rows=rows)  # fmt: skip
    return out


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory):
    snapshot = medium_snapshot()
    server = BenchServer(snapshot, tmp_path_factory.mktemp("grpc-journal"))
    yield server, Lines(snapshot)
    server.close()


def quotes(lines: Lines, count: int, size: int, demand_class: str = "") -> Iterator[bytes]:
    messages = [
        pb.PromiseOrderRequest(
            mode=pb.PROMISE_MODE_QUOTE,
            lines=lines.lines(size, lines.all_rows),
            demand_class=demand_class,
        ).SerializeToString()
        for _ in range(count)
    ]
    while True:
        yield from messages


def _quote_vs_health(benchmark, bench, name: str, target: float, demand_class: str = "") -> Ratio:
    """One-line QUOTEs against health Check on the same server, calls interleaved."""
    server, lines = bench
    promise, health = server.unary[PROMISE], server.unary[HEALTH]
    requests = quotes(lines, 2_000, 1, demand_class)
    check = health_pb2.HealthCheckRequest().SerializeToString()
    for _ in range(500):  # warm both paths (and numba's dispatch) first
        promise(next(requests))
        health(check)
    r = interleaved(
        name,
        lambda: promise(next(requests)),
        lambda: health(check),
        "health Check",
        rounds=5_000,
        target=target,
    )
    benchmark.extra_info.update(p50_ratio=r.ratio, p99_ratio=r.quantile_ratio(0.99))
    benchmark.pedantic(lambda: promise(next(requests)), rounds=200, iterations=1)
    return r


def test_quote_one_line_vs_health_check(benchmark, bench) -> None:
    """One-line QUOTE vs health Check, interleaved (targets: p50 ≤ 1.10, p99 ≤ 1.3)."""
    r = _quote_vs_health(benchmark, bench, "PromiseOrder QUOTE, 1 line, p50", 1.10)
    p99 = Ratio("PromiseOrder QUOTE, 1 line, p99", r.subject_s, r.baseline_s, "health Check p99",
                target=1.3)  # fmt: skip
    p99.subject_s, p99.baseline_s = _tail(r.subject_s), _tail(r.baseline_s)
    RESULTS.append(p99)


def test_class_quote_vs_health_check(benchmark, bench) -> None:
    """One-line QUOTE for a demand class (every item has allocation rules: pools, draws and
    class ATP per call) vs health Check, interleaved (target p50 ≤ 1.2)."""
    assert bench[1].model.allocation, "the data set must have allocation rules"
    name = "PromiseOrder QUOTE, 1 line, demand class SILVER, p50"
    _quote_vs_health(benchmark, bench, name, 1.2, demand_class="SILVER")


def test_ten_lines_vs_one_line(benchmark, bench) -> None:
    """A 10-line QUOTE vs a one-line QUOTE, interleaved (target ≤ 1.2)."""
    server, lines = bench
    promise = server.unary[PROMISE]
    ten, one = quotes(lines, 1_000, 10), quotes(lines, 1_000, 1)
    for _ in range(300):
        promise(next(ten))
        promise(next(one))
    r = interleaved(
        "PromiseOrder QUOTE, 10 lines",
        lambda: promise(next(ten)),
        lambda: promise(next(one)),
        "1 line",
        rounds=3_000,
        target=1.2,
    )
    benchmark.extra_info.update(ratio=r.ratio)
    benchmark.pedantic(lambda: promise(next(ten)), rounds=200, iterations=1)


@pytest.mark.parametrize("shape", ["1x100", "100x1"])
def test_stream_quote_vs_echo(benchmark, bench, shape: str) -> None:
    """Stream QUOTE of 100-line batches vs an echo stream of the same messages.

    1x100: each message is one order of 100 lines; 100x1: 100 one-line orders. Target:
    promised lines/s ≥ 0.5× the echo's, i.e. a time ratio ≤ 2.
    """
    server, lines = bench
    orders, size = (1, 100) if shape == "1x100" else (100, 1)
    messages = [
        pb.StreamPromiseOrdersRequest(
            orders=[
                pb.PromiseOrderRequest(
                    mode=pb.PROMISE_MODE_QUOTE, lines=lines.lines(size, lines.all_rows)
                )
                for _ in range(orders)
            ]
        ).SerializeToString()
        for _ in range(200)
    ]
    stream_vs_echo(
        benchmark, server, messages, f"StreamPromiseOrders QUOTE, {shape} lines per message",
        "promised", 0.5,
    )  # fmt: skip


def stream_vs_echo(
    benchmark, server, messages: list[bytes], name: str, what: str, lines_ratio_min: float
) -> Ratio:
    """A QUOTE stream against an echo stream of the same messages (100 lines each), calls
    interleaved; the target is on lines per second, so the time ratio's is its inverse."""
    line_count = len(messages) * 100
    server.stream(STREAM, messages)
    server.stream(ECHO, messages)
    r = interleaved(
        name,
        lambda: server.stream(STREAM, messages),
        lambda: server.stream(ECHO, messages),
        "echo stream, same messages",
        rounds=7,
        target=1 / lines_ratio_min,
    )
    r.note = (
        f"{line_count / r.subject_median_s:,.0f} {what} lines/s vs "
        f"{line_count / r.baseline_median_s:,.0f} echoed lines/s = "
        f"{r.baseline_median_s / r.subject_median_s:.2f}× (target ≥ {lines_ratio_min}×)"
    )
    benchmark.extra_info.update(lines_per_s=line_count / r.subject_median_s, ratio=r.ratio)
    benchmark.pedantic(lambda: server.stream(STREAM, messages), rounds=1, iterations=1)
    return r


def test_stream_commit_throughput(benchmark, bench) -> None:
    """Stream COMMIT of 100-line orders, durable group commit, vs the same stream as QUOTE.

    Target ≥ 50k committed lines/s. Lines take 1 unit on item-locations rich enough that no
    order is short, so every order is reserved and journaled.
    """
    server, lines = bench
    rounds = 5
    batches = []
    for round_ in range(rounds + 3):  # warm-ups: ours, interleaved's; one for pytest-benchmark
        batch = []
        for n in range(100):
            order_lines = lines.lines(100, lines.rich_rows, day=200)
            batch.append(
                pb.StreamPromiseOrdersRequest(
                    orders=[
                        pb.PromiseOrderRequest(
                            request_id=f"bench-{round_}-{n}",
                            order_id=f"bench-{round_}-{n}",
                            mode=pb.PROMISE_MODE_COMMIT,
                            lines=order_lines,
                        )
                    ]
                )
            )
        batches.append(batch)
    quote_messages = [_as_quote(m) for m in batches[0]]
    commits = iter([[m.SerializeToString() for m in batch] for batch in batches])
    line_count = 100 * 100
    server.stream(STREAM, next(commits))  # warm-up round
    r = interleaved(
        "StreamPromiseOrders COMMIT, 100-line orders, durable",
        lambda: server.stream(STREAM, next(commits)),
        lambda: server.stream(STREAM, quote_messages),
        "same stream as QUOTE",
        rounds=rounds,
    )
    r.note = (
        f"{line_count / r.subject_median_s:,.0f} committed lines/s (target ≥ 50,000); "
        f"QUOTE {line_count / r.baseline_median_s:,.0f} lines/s"
    )
    benchmark.extra_info.update(lines_per_s=line_count / r.subject_median_s, ratio=r.ratio)
    benchmark.pedantic(lambda: server.stream(STREAM, next(commits)), rounds=1, iterations=1)


def _as_quote(message: pb.StreamPromiseOrdersRequest) -> bytes:
    copy = pb.StreamPromiseOrdersRequest()
    copy.CopyFrom(message)
    for order in copy.orders:
        order.mode = pb.PROMISE_MODE_QUOTE
        order.request_id = ""
    return copy.SerializeToString()


def _tail(samples: list[float]) -> list[float]:
    """The slowest 1% of samples: their median is the p99."""
    ordered = sorted(samples)
    return ordered[int(len(ordered) * 0.98) :]
