"""The hand-written response encoder against the generated protobuf classes, byte for byte."""

from __future__ import annotations

import datetime as dt

from google.type import date_pb2
from hypothesis import given
from hypothesis import strategies as st

from promising.domain import Decision, LineStatus
from promising.pegging import SupplySource
from promising.promise import Fulfillment, LinePromise, OrderPromise
from promising.rpc import wire
from promising.v1 import promising_service_pb2 as pb

STATUS = {
    LineStatus.ON_TIME: pb.LINE_STATUS_ON_TIME,
    LineStatus.LATE: pb.LINE_STATUS_LATE,
    LineStatus.PARTIAL: pb.LINE_STATUS_PARTIAL,
    LineStatus.UNAVAILABLE: pb.LINE_STATUS_UNAVAILABLE,
}
SOURCE = {"ATP": pb.SOURCE_TYPE_ATP, "CTP": pb.SOURCE_TYPE_CTP, "SUPPLIER": pb.SOURCE_TYPE_SUPPLIER}


def date_msg(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def reference(order_id, snapshot_id, lsn, promise, reservation, hold_id, expires_at) -> bytes:
    """The same response built with the generated classes: the slow, obvious encoder."""
    out = pb.PromiseOrderResponse(
        order_id=order_id, snapshot_id=snapshot_id, lsn=lsn, hold_id=hold_id,
        reservation=reservation,
    )  # fmt: skip
    for line in promise.lines:
        message = out.lines.add(
            line_id=line.line_id,
            status=STATUS[line.status],
            promised_quantity=line.promised_quantity,
        )
        if line.promised_date is not None:
            message.promised_date.CopyFrom(date_msg(line.promised_date))
        for f in line.fulfillments:
            fulfilment = message.fulfillments.add(
                item_id=f.item_id, location_id=f.location_id, quantity=f.quantity,
                ship_date=date_msg(f.ship_date), arrival_date=date_msg(f.arrival_date),
                source_type=SOURCE.get(f.source_type, 0), cost=f.cost,
            )  # fmt: skip
            for source in f.supplied_by:
                fulfilment.supplied_by.add(
                    supply_type=source.supply_type, date=date_msg(source.date),
                    quantity=source.quantity,
                )  # fmt: skip
    if expires_at is not None:
        out.hold_expire_time.FromNanoseconds(round(expires_at * 1e9))
    out.decision = int(promise.decision)
    return out.SerializeToString(deterministic=True)


ids = st.text(max_size=20)
days = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
quantities = st.integers(min_value=0, max_value=2**63 - 1)
fulfillments = st.builds(
    Fulfillment, ids, ids, quantities, days, days,
    st.sampled_from(["ATP", "CTP", "SUPPLIER", "OTHER"]),
    st.floats(allow_nan=False, allow_infinity=False) | st.just(0.0),
    st.lists(st.builds(SupplySource, ids, days, quantities), max_size=2).map(tuple),
)  # fmt: skip
lines = st.builds(
    LinePromise, ids, ids, st.sampled_from(list(LineStatus)), quantities, days, quantities,
    st.none() | days, st.lists(fulfillments, max_size=3).map(tuple), st.just(()),
)  # fmt: skip


@given(
    order_id=ids,
    snapshot_id=ids,
    lsn=st.integers(min_value=0, max_value=2**63 - 1),
    answers=st.lists(lines, max_size=5),
    reservation=st.integers(min_value=0, max_value=4),
    hold_id=ids,
    expires_at=st.none() | st.floats(min_value=0, max_value=4e9),
    decision=st.sampled_from(list(Decision)),
)
def test_wire_matches_generated_classes(
    order_id, snapshot_id, lsn, answers, reservation, hold_id, expires_at, decision
) -> None:
    """wire.promise_response writes exactly the bytes SerializeToString(deterministic) does."""
    promise = OrderPromise("s", tuple(answers), decision)
    args = (order_id, snapshot_id, lsn, promise, reservation, hold_id, expires_at)
    assert wire.promise_response(*args) == reference(*args)


@given(st.integers(min_value=-(2**63), max_value=2**64 - 1))
def test_varint_round_trips_through_protobuf(value: int) -> None:
    """A varint reads back as the same int64 (negatives as two's complement)."""
    encoded = b"\x18" + wire.varint(value)
    parsed = pb.LinePromise.FromString(encoded).promised_quantity
    assert parsed == (value if value < 2**63 else value - 2**64)
