"""Chosen shipments → line promises: fulfilments with ship and arrival dates, status, and the
allocations that reserving the promise holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from promising.domain import LineStatus
from promising.ledger import Allocation
from promising.model import SupplyModel
from promising.promise import Fulfillment, LinePromise
from promising.sourcing.lines import SourcedLine


class Shipment(NamedTuple):
    """`quantity` units of a line from its source `source`, shipped on `bucket`."""

    source: int
    bucket: int
    quantity: int


def line_promise(
    model: SupplyModel, line: SourcedLine, shipments: Sequence[Shipment]
) -> LinePromise:
    """The promise for one line shipped as `shipments` (none: unavailable)."""
    request = line.request
    if not shipments:
        return LinePromise(
            request.line_id, request.item_id, LineStatus.UNAVAILABLE, request.quantity,
            request.requested_date, 0, None, (), (),
        )  # fmt: skip
    sources = line.sources.sources
    items, locations = model.items.ids, model.locations.ids
    fulfillments = []
    allocations = []
    promised = 0
    last_arrival = -(1 << 62)
    if len(shipments) > 1:
        shipments = sorted(shipments, key=lambda s: (s.bucket, sources[s.source].preference))
    for shipment in shipments:
        source = sources[shipment.source]
        arrival = shipment.bucket + source.transit_days
        last_arrival = max(last_arrival, arrival)
        promised += shipment.quantity
        fulfillments.append(
            Fulfillment(
                items[source.item],
                locations[source.location],
                shipment.quantity,
                model.date_of(shipment.bucket),
                model.date_of(arrival),
                "ATP",
                shipment.quantity * source.unit_cost,
            )
        )
        if source.row >= 0 and shipment.bucket < source.limit:
            allocations.append(Allocation(source.row, shipment.bucket, shipment.quantity))
    if promised < request.quantity:
        status = LineStatus.PARTIAL
    elif last_arrival <= line.requested:
        status = LineStatus.ON_TIME
    else:
        status = LineStatus.LATE
    return LinePromise(
        request.line_id, request.item_id, status, request.quantity, request.requested_date,
        promised, model.date_of(last_arrival), tuple(fulfillments), tuple(allocations),
    )  # fmt: skip
