"""Crash safety of a real server process: SIGKILL under commit load loses nothing
acknowledged and, once every request is retried, has applied each exactly once."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pyarrow as pa
import pytest
from google.type import date_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from promising.v1 import promising_service_pb2 as pb
from promising.v1.promising_service_pb2_grpc import PromisingServiceStub

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 1, 5)
ITEMS = [f"I{i}" for i in range(8)]
SUPPLY = 10**9


def write_snapshot(out: Path) -> Path:
    """Eight items with ample stock at one warehouse, written as a real snapshot directory."""
    from loaders import write_snapshot as write

    n = len(ITEMS)
    strings = pa.array([], pa.string())
    tables = {
        # promising_mode is optional, but loaders.encode_enum sizes an absent column as 0 rows
        "items": pa.table(
            {"item_id": ITEMS, "item_type": ["BUY"] * n, "promising_mode": ["SUPPLY"] * n}
        ),
        "locations": pa.table({"location_id": ["L1"], "kind": ["WAREHOUSE"]}),
        "supply": pa.table(
            {
                "supply_id": [f"S{i}" for i in range(n)],
                "item_id": ITEMS,
                "location_id": ["L1"] * n,
                "date": pa.array([AS_OF] * n, pa.date32()),
                "quantity": pa.array([SUPPLY] * n, pa.int64()),
                "supply_type": ["ONHAND"] * n,
            }
        ),
        "demand": pa.table(
            {
                "demand_id": strings,
                "item_id": strings,
                "location_id": strings,
                "date": pa.array([], pa.date32()),
                "quantity": pa.array([], pa.int64()),
                "demand_type": strings,
            }
        ),
    }
    return write(out, tables, snapshot_id="crash", as_of=AS_OF, horizon_days=30)


STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_stray_servers():
    """Whatever happens in a test, no server process it started outlives it."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
            process.wait(10)


class ServerProcess:
    """`python -m server` on port 0; the address is read from its first line."""

    def __init__(self, snapshot: Path, data_dir: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server", "--snapshot", str(snapshot),
             "--data-dir", str(data_dir), "--port", "0", "--log-level", "WARNING"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        STARTED.append(self.process)
        first = self.process.stdout.readline()
        assert first.startswith("listening on "), first + self.process.stderr.read()
        self.address = first.split()[-1]
        self.channel = grpc.insecure_channel(self.address)
        self.stub = PromisingServiceStub(self.channel)
        health = health_pb2_grpc.HealthStub(self.channel)
        deadline = time.monotonic() + 60
        while True:
            try:
                status = health.Check(health_pb2.HealthCheckRequest(), timeout=2).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    break
            except grpc.RpcError:
                pass
            assert time.monotonic() < deadline, "the server never became SERVING"
            assert self.process.poll() is None, self.process.stderr.read()
            time.sleep(0.05)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.channel.close()

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(20)
        self.channel.close()
        return code

    def commit(self, request: pb.PromiseOrderRequest) -> pb.PromiseOrderResponse:
        return self.stub.PromiseOrder(request, timeout=10)

    def reserved(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for item in ITEMS:
            response = self.stub.CheckAvailability(
                pb.CheckAvailabilityRequest(item_id=item), timeout=10
            )
            out[item] = sum(b.reserved for p in response.profiles for b in p.buckets)
        return out


def commit_request(rng: random.Random, name: str) -> pb.PromiseOrderRequest:
    lines = [
        pb.OrderLine(
            line_id=str(k + 1),
            item_id=rng.choice(ITEMS),
            quantity=rng.randint(1, 9),
            requested_date=date_pb2.Date(year=AS_OF.year, month=AS_OF.month, day=AS_OF.day),
        )
        for k in range(rng.randint(1, 4))
    ]
    return pb.PromiseOrderRequest(
        request_id=f"req-{name}", order_id=f"ord-{name}", mode=pb.PROMISE_MODE_COMMIT, lines=lines
    )


class Load:
    """Client threads committing orders as fast as they can, recording what was acknowledged."""

    def __init__(self, server: ServerProcess, seed: int, tag: str, unary: int, streams: int):
        self.server = server
        self.sent: dict[str, pb.PromiseOrderRequest] = {}
        self.acked: dict[str, pb.PromiseOrderResponse] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self.unary, args=(random.Random(f"{seed}-{tag}-u{i}"), i))
            for i in range(unary)
        ] + [
            threading.Thread(target=self.stream, args=(random.Random(f"{seed}-{tag}-s{i}"), i))
            for i in range(streams)
        ]
        self.tag = tag

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def unary(self, rng: random.Random, index: int) -> None:
        n = 0
        while not self.stop.is_set():
            request = commit_request(rng, f"{self.tag}-u{index}-{n}")
            n += 1
            with self.lock:
                self.sent[request.request_id] = request
            try:
                response = self.server.stub.PromiseOrder(request, timeout=10)
            except grpc.RpcError:
                return  # the server died
            with self.lock:
                self.acked[request.request_id] = response

    def stream(self, rng: random.Random, index: int) -> None:
        batches: list[list[pb.PromiseOrderRequest]] = []
        window = threading.Semaphore(8)  # messages in flight

        def messages():
            n = 0
            while not self.stop.is_set():
                if not window.acquire(timeout=0.1):
                    continue
                batch = [commit_request(rng, f"{self.tag}-s{index}-{n}-{k}") for k in range(20)]
                n += 1
                with self.lock:
                    for request in batch:
                        self.sent[request.request_id] = request
                    batches.append(batch)
                yield pb.StreamPromiseOrdersRequest(orders=batch)

        try:
            for i, response in enumerate(self.server.stub.StreamPromiseOrders(messages())):
                with self.lock:
                    for request, result in zip(batches[i], response.results, strict=True):
                        assert result.WhichOneof("result") == "response"
                        self.acked[request.request_id] = result.response
                window.release()
        except grpc.RpcError:
            return


def expected_reserved(requests) -> Counter[str]:
    out: Counter[str] = Counter()
    for request in requests:
        for line in request.lines:
            out[line.item_id] += line.quantity
    return out


def test_sigkill_under_commit_load_loses_nothing_acknowledged(tmp_path: Path) -> None:
    """Two SIGKILLs under load: every acknowledged commit survives; retries apply each once."""
    kill_rounds(tmp_path, 2)


@pytest.mark.slow
def test_sigkill_soak(tmp_path: Path) -> None:
    """Ten SIGKILLs under load, each at a random moment, on one journal."""
    kill_rounds(tmp_path, 10)


def kill_rounds(tmp_path: Path, rounds: int) -> None:
    seed = random.randrange(2**32)
    print(f"crash seed {seed}")
    snapshot = write_snapshot(tmp_path / "snapshot")
    data_dir = tmp_path / "data"
    sent: dict[str, pb.PromiseOrderRequest] = {}
    acked: dict[str, pb.PromiseOrderResponse] = {}
    for round_ in range(rounds):
        server = ServerProcess(snapshot, data_dir)
        load = Load(server, seed, f"k{round_}", unary=3, streams=1)
        load.start()
        deadline = time.monotonic() + 10
        while len(load.acked) < 300 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(random.Random(seed + round_).uniform(0, 0.2))
        server.kill()
        load.join()
        sent.update(load.sent)
        acked.update(load.acked)
        assert len(load.acked) >= 300, f"seed {seed}: only {len(load.acked)} acks"

    server = ServerProcess(snapshot, data_dir)
    try:
        after_restart = server.reserved()
        floor = expected_reserved(sent[r] for r in acked)
        ceiling = expected_reserved(sent.values())
        for item in ITEMS:
            assert floor[item] <= after_restart[item] <= ceiling[item], f"seed {seed}: {item}"
        # Every request is sent once more, by eight clients at a time (one by one, the two
        # thousand or so retries took a quarter of the test).
        with ThreadPoolExecutor(8) as pool:
            retried = dict(zip(sent, pool.map(server.commit, sent.values()), strict=True))
        for request_id, first in acked.items():
            assert retried[request_id] == first, f"seed {seed}: {request_id} answered differently"
        for response in retried.values():
            assert response.reservation == pb.RESERVATION_STATE_COMMITTED, f"seed {seed}"
        assert server.reserved() == ceiling, f"seed {seed}: a commit was applied twice or lost"
    finally:
        assert server.terminate() == 0


def test_sigterm_stops_gracefully_and_keeps_the_journal(tmp_path: Path) -> None:
    """SIGTERM exits 0 after finishing calls; a restart finds every commit."""
    snapshot = write_snapshot(tmp_path / "snapshot")
    server = ServerProcess(snapshot, tmp_path / "data")
    rng = random.Random(7)
    requests = [commit_request(rng, f"t{i}") for i in range(50)]
    for request in requests:
        server.stub.PromiseOrder(request, timeout=10)
    assert server.terminate() == 0
    server = ServerProcess(snapshot, tmp_path / "data")
    try:
        assert server.reserved() == expected_reserved(requests)
    finally:
        assert server.terminate() == 0


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_bad_snapshot_exits_with_an_error(tmp_path: Path) -> None:
    """A snapshot that cannot be loaded ends the process with code 2 and a message."""
    process = subprocess.run(
        [sys.executable, "-m", "server", "--snapshot", str(tmp_path / "missing"),
         "--data-dir", str(tmp_path / "data"), "--port", "0", "--log-level", "CRITICAL"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert process.returncode == 2
    assert process.stdout.startswith("listening on ")
    assert "error:" in process.stderr
