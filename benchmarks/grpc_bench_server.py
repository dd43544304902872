"""The server the gRPC benchmarks run against, in its own process (its own core and GIL).

`python benchmarks/grpc_bench_server.py --snapshot DIR --data-dir DIR` is `python -m server`
plus one baseline the real server must not carry: `/bench.Echo/Stream`, a bidirectional
stream that sends every message back unchanged, as bytes, on the same server and threads.
On SIGTERM it prints what became of the orders planned outside the writer.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loaders import load_model  # noqa: E402
from promising.engine import Engine  # noqa: E402
from promising.rpc import PromisingServer, ServerOptions  # noqa: E402

ECHO_STREAM = "/bench.Echo/Stream"


def echo(requests: Iterator[bytes], context: grpc.ServicerContext) -> Iterator[bytes]:
    yield from requests


def echo_handler() -> grpc.GenericRpcHandler:
    return grpc.method_handlers_generic_handler(
        "bench.Echo", {"Stream": grpc.stream_stream_rpc_method_handler(echo)}
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snapshot", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    server = PromisingServer(ServerOptions(port=0), extra_handlers=[echo_handler()])
    server.start()
    print(f"listening on {server.address}", flush=True)
    model, _ = load_model(args.snapshot)
    server.serve(Engine(model), args.data_dir)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop(2.0)
    if server.reservations is not None:
        plans = server.reservations.book.plans
        print(f"plans kept {plans.kept} promised again {plans.promised_again}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
