"""After a run: release what its HOLD and COMMIT calls reserved, so a load test leaves the
server's availability as it found it (the journal keeps both the reservations and their
release)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import grpc

from promising.v1 import promising_service_pb2 as pb
from promising.v1 import promising_service_pb2_grpc as pb_grpc

BATCH = 64


def release_orders(
    channel: grpc.Channel, order_ids: Sequence[str], run_id: str, timeout: float
) -> dict[str, int]:
    """Release every line of each order; returns counts by status code (NOT_FOUND: a hold
    that expired first, or an order released already)."""
    stub = pb_grpc.PromisingServiceStub(channel)
    outcome: Counter[str] = Counter()
    for at in range(0, len(order_ids), BATCH):
        futures = [
            stub.ReleaseReservation.future(
                pb.ReleaseReservationRequest(request_id=f"lt-{run_id}-release-{oid}", order_id=oid),
                timeout=timeout,
            )
            for oid in order_ids[at : at + BATCH]
        ]
        for future in futures:
            try:
                future.result()
                outcome["OK"] += 1
            except grpc.RpcError as error:
                outcome[error.code().name] += 1
    return dict(outcome)
