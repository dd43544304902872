"""The gRPC server around the servicer: health, reflection, limits, start and stop.

Reusable by `server.py` (the process) and by tests (in-process, port 0). The server listens
before the snapshot is loaded, answering health NOT_SERVING and PromisingService calls
UNAVAILABLE, so orchestrators can tell "starting" from "down".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from promising.book import ReplayReport, Reservations
from promising.engine import Engine
from promising.refresh.refresher import BUILD_NICE, Refresher, Sources
from promising.refresh.version import Version, model_version
from promising.rpc.admin import ADMIN_SERVICE_NAME, SupplyAdminServicer
from promising.rpc.servicer import SERVICE_NAME, PromisingServicer
from promising.v1 import promising_service_pb2 as pb


@dataclass(frozen=True)
class ServerOptions:
    """Where to listen and how much to take at once."""

    host: str = "127.0.0.1"
    port: int = 50051
    workers: int = 8
    """Handler threads: calls running at once (the machines have 2 cores)."""
    max_concurrent_rpcs: int = 256
    """Calls admitted at once, running or waiting; more get RESOURCE_EXHAUSTED."""
    max_message_bytes: int = 4 * 1024 * 1024
    """Largest request or response message; a larger one gets RESOURCE_EXHAUSTED."""
    queue_max: int = 10_000
    """Reservation commands waiting for the writer; more get RESOURCE_EXHAUSTED."""
    refresh_nice: int = BUILD_NICE
    """CPU priority (nice) of the thread that builds snapshots and deltas aside: higher lets
    quotes go first (promising.refresh.refresher.BUILD_NICE), 0 refreshes fastest."""


class PromisingServer:
    """A gRPC server for PromisingService plus health and reflection."""

    def __init__(
        self,
        options: ServerOptions = ServerOptions(),
        extra_handlers: Sequence[grpc.GenericRpcHandler] = (),
    ) -> None:
        self.options = options
        self.servicer = PromisingServicer()
        self.admin = SupplyAdminServicer()
        self.health = health.HealthServicer()
        self.reservations: Reservations | None = None
        self.refresher: Refresher | None = None
        self._server = grpc.server(
            futures.ThreadPoolExecutor(options.workers, thread_name_prefix="grpc"),
            handlers=extra_handlers,
            maximum_concurrent_rpcs=options.max_concurrent_rpcs,
            options=[
                ("grpc.max_receive_message_length", options.max_message_bytes),
                ("grpc.max_send_message_length", options.max_message_bytes),
                ("grpc.so_reuseport", 0),
            ],
        )
        self._server.add_registered_method_handlers(SERVICE_NAME, self.servicer.method_handlers())
        self._server.add_registered_method_handlers(
            ADMIN_SERVICE_NAME, self.admin.method_handlers()
        )
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        reflection.enable_server_reflection(
            (
                SERVICE_NAME,
                ADMIN_SERVICE_NAME,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            ),
            self._server,
        )
        assert pb.DESCRIPTOR.services_by_name["PromisingService"].full_name == SERVICE_NAME
        self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        self.port = self._server.add_insecure_port(f"{options.host}:{options.port}")
        if self.port == 0:
            raise OSError(f"cannot listen on {options.host}:{options.port}")

    @property
    def address(self) -> str:
        host = self.options.host
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"

    def start(self) -> None:
        """Listen; PromisingService answers UNAVAILABLE until `serve`."""
        self._server.start()

    def serve(
        self,
        engine: Engine,
        data_dir: Path | str,
        clock: Callable[[], float] = time.time,
        sources: Sources | None = None,
        version: Version | None = None,
    ) -> ReplayReport:
        """Replay the journal in `data_dir` onto `engine` and start answering.

        With `sources` (where snapshot and delta directories are read), SupplyAdminService
        refreshes the data live; `version` is the engine's model with its row ids, without
        which deltas wait for a snapshot load."""
        reservations = Reservations(engine, data_dir, clock=clock, queue_max=self.options.queue_max)
        report = reservations.open()
        self.reservations = reservations
        self.servicer.attach(engine, reservations)
        if sources is not None:
            if version is not None and version.model is not engine.model:
                raise ValueError("version must be the engine's model")
            self.refresher = Refresher(
                version or model_version(engine.model),
                reservations,
                sources,
                lambda new: self.servicer.attach(new, reservations),
                clock,
                self.options.refresh_nice,
            )
            self.admin.attach(self.refresher)
        self._set_health(health_pb2.HealthCheckResponse.SERVING)
        return report

    def stop(self, grace_seconds: float = 5.0) -> None:
        """Refuse new calls, let running ones finish, then close the journal."""
        self.health.enter_graceful_shutdown()
        self._server.stop(grace_seconds).wait()
        self.servicer.detach()
        self.admin.detach()
        if self.refresher is not None:
            self.refresher.close()
        if self.reservations is not None:
            self.reservations.close()

    def wait(self, timeout: float | None = None) -> bool:
        return self._server.wait_for_termination(timeout)

    def _set_health(self, status: health_pb2.HealthCheckResponse.ServingStatus.ValueType) -> None:
        self.health.set("", status)
        self.health.set(SERVICE_NAME, status)
