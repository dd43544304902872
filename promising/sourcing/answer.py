"""Chosen shipments → line promises: fulfilments with ship and arrival dates, status, and
everything reserving the promise holds (stock, components and capacity of a make plan,
supplier capacity). The one place an answer is built, whichever way a line is filled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from promising.domain import LineStatus, SourceType
from promising.ledger import Allocation
from promising.manufacturing import CapacityDraw
from promising.model import SupplyModel
from promising.promise import Fulfillment, LinePromise
from promising.sourcing.lines import SourcedLine
from promising.sourcing.sources import Source


class Shipment(NamedTuple):
    """`quantity` units of a line from its source `source`, shipped on `bucket`, and what
    besides the source's stock it holds (a make plan's, a supplier's draws)."""

    source: int
    bucket: int
    quantity: int
    allocations: tuple[Allocation, ...] = ()
    capacity: tuple[CapacityDraw, ...] = ()
    supplier_draws: tuple[CapacityDraw, ...] = ()


def line_promise(
    model: SupplyModel,
    line: SourcedLine,
    shipments: Sequence[Shipment],
    demand_class: str = "",
) -> LinePromise:
    """The promise for one line shipped as `shipments` (none: unavailable)."""
    request = line.request
    if not shipments:
        return LinePromise(
            request.line_id, request.item_id, LineStatus.UNAVAILABLE, request.quantity,
            request.requested_date, 0, None, (), (), demand_class,
        )  # fmt: skip
    sources = line.sources.sources
    if len(shipments) == 1 and not shipments[0].allocations:  # most lines: one from stock
        return _one_from_stock(
            model, line, shipments[0], sources[shipments[0].source], demand_class
        )
    items, locations = model.items.ids, model.locations.ids
    fulfillments = []
    allocations: list[Allocation] = []
    capacity: list[CapacityDraw] = []
    supplier_draws: list[CapacityDraw] = []
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
                locations[source.location] if source.location >= 0 else "",
                shipment.quantity,
                model.date_of(shipment.bucket),
                model.date_of(arrival),
                source.kind,
                shipment.quantity * source.unit_cost,
            )
        )
        if source.kind is SourceType.ATP and source.row >= 0 and shipment.bucket < source.limit:
            allocations.append(Allocation(source.row, shipment.bucket, shipment.quantity))
        allocations.extend(shipment.allocations)
        capacity.extend(shipment.capacity)
        supplier_draws.extend(shipment.supplier_draws)
    if promised < request.quantity:
        status = LineStatus.PARTIAL
    elif last_arrival <= line.requested:
        status = LineStatus.ON_TIME
    else:
        status = LineStatus.LATE
    return LinePromise(
        request.line_id, request.item_id, status, request.quantity, request.requested_date,
        promised, model.date_of(last_arrival), tuple(fulfillments), tuple(allocations),
        demand_class, tuple(capacity), tuple(supplier_draws),
    )  # fmt: skip


def _one_from_stock(
    model: SupplyModel, line: SourcedLine, shipment: Shipment, source: Source, demand_class: str
) -> LinePromise:
    """`line_promise` for one shipment holding no make plan (the usual answer)."""
    request = line.request
    arrival = shipment.bucket + source.transit_days
    quantity = shipment.quantity
    date = model.date_of(arrival)
    location = model.locations.ids[source.location] if source.location >= 0 else ""
    fulfillment = Fulfillment(
        model.items.ids[source.item], location, quantity, model.date_of(shipment.bucket), date,
        source.kind, quantity * source.unit_cost,
    )  # fmt: skip
    allocations: tuple[Allocation, ...] = ()
    if source.kind is SourceType.ATP and source.row >= 0 and shipment.bucket < source.limit:
        allocations = (Allocation(source.row, shipment.bucket, quantity),)
    if quantity < request.quantity:
        status = LineStatus.PARTIAL
    else:
        status = LineStatus.ON_TIME if arrival <= line.requested else LineStatus.LATE
    return LinePromise(
        request.line_id, request.item_id, status, request.quantity, request.requested_date,
        quantity, date, (fulfillment,), allocations, demand_class, (), shipment.supplier_draws,
    )  # fmt: skip
