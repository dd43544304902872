"""`promising client …`: talk to a running server over gRPC, with readable tables.

Mounted by `cli.app` as `promising client`. Lines are written `ITEM:QTY[:DATE[:LOCATION]]`
(date YYYY-MM-DD, default today, which means as soon as possible); line ids are 1, 2, … in
order. Mutating commands make a fresh request id unless `--request-id` is given: give the
same one to retry safely.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import typer
from google.type import date_pb2
from rich.table import Table

from cli.calls import DEFAULT_ADDRESS, Address, Timeout, call
from cli.output import console, fail
from promising.v1 import promising_service_pb2 as pb
from promising.v1 import promising_service_pb2_grpc as pb_grpc

client_app = typer.Typer(
    help="Talk to a running promising server (gRPC).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
RequestId = Annotated[
    str | None, typer.Option(help="Idempotency key (default: a fresh one); reuse it to retry.")
]
Lines = Annotated[list[str], typer.Argument(help="Lines, each ITEM:QTY[:DATE[:LOCATION]].")]
OrderId = Annotated[str | None, typer.Option(help="Order id (default: a fresh one).")]

_STATUS_COLOUR = {
    pb.LINE_STATUS_ON_TIME: "green",
    pb.LINE_STATUS_LATE: "yellow",
    pb.LINE_STATUS_PARTIAL: "yellow",
    pb.LINE_STATUS_UNAVAILABLE: "red",
}

Stub = pb_grpc.PromisingServiceStub


# --- commands ------------------------------------------------------------------------------
@client_app.command()
def availability(
    item_id: Annotated[str, typer.Argument(help="The item.")],
    location: Annotated[
        list[str] | None, typer.Option("--location", "-l", help="Location (repeatable).")
    ] = None,
    from_date: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    to_date: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    rule: Annotated[str | None, typer.Option(help="ATP rule instead of the item's.")] = None,
    every_day: Annotated[bool, typer.Option("--all", help="Every day, not only changes.")] = False,
    address: Address = DEFAULT_ADDRESS,
    timeout: Timeout = 10.0,
) -> None:
    """Availability (ATP) of an item, day by day, per location."""
    request = pb.CheckAvailabilityRequest(item_id=item_id, location_ids=location or [])
    if from_date:
        request.from_date.CopyFrom(_date(from_date, "--from"))
    if to_date:
        request.to_date.CopyFrom(_date(to_date, "--to"))
    if rule:
        request.atp_rule_id = rule
    response = call(Stub, address, lambda stub: stub.CheckAvailability(request, timeout=timeout))
    for profile in response.profiles:
        table = Table(
            title=f"{profile.item_id} @ {profile.location_id} (rule {profile.atp_rule_id})",
            caption=f"snapshot {response.snapshot_id}, lsn {response.lsn}",
        )
        for column in ("date", "supply", "demand", "reserved", "ATP"):
            table.add_column(column, justify="left" if column == "date" else "right", no_wrap=True)
        previous = None
        for i, b in enumerate(profile.buckets):
            changed = b.supply or b.demand or b.reserved or b.atp != previous or i == 0
            previous = b.atp
            if every_day or changed or i == len(profile.buckets) - 1:
                colour = "red" if b.atp < 0 else ""
                table.add_row(
                    _show_date(b.date),
                    f"{b.supply:,}",
                    f"{b.demand:,}",
                    f"{b.reserved:,}",
                    f"[{colour}]{b.atp:,}[/]" if colour else f"{b.atp:,}",
                )
        console.print(table)


Region = Annotated[
    str | None, typer.Option(help="Ship-to region: the sourcing rules choose the locations.")
]
Split = Annotated[bool, typer.Option(help="Lines may ship from several locations.")]


@client_app.command()
def promise(
    lines: Lines,
    commit: Annotated[
        bool, typer.Option("--commit", help="Reserve firmly (default: quote).")
    ] = False,
    order_id: OrderId = None,
    request_id: RequestId = None,
    region: Region = None,
    split: Split = False,
    address: Address = DEFAULT_ADDRESS,
    timeout: Timeout = 10.0,
) -> None:
    """Quote an order (nothing changes), or commit it with --commit."""
    mode = pb.PROMISE_MODE_COMMIT if commit else pb.PROMISE_MODE_QUOTE
    _promise(lines, mode, order_id, request_id, 0, address, timeout, region, split)


@client_app.command()
def hold(
    lines: Lines,
    ttl: Annotated[int, typer.Option(help="Seconds the hold lasts (0: server default).")] = 0,
    order_id: OrderId = None,
    request_id: RequestId = None,
    region: Region = None,
    split: Split = False,
    address: Address = DEFAULT_ADDRESS,
    timeout: Timeout = 10.0,
) -> None:
    """Promise an order and hold it for --ttl seconds (then confirm or release it)."""
    _promise(
        lines, pb.PROMISE_MODE_HOLD, order_id, request_id, ttl, address, timeout, region, split
    )


@client_app.command()
def confirm(
    hold_id: Annotated[str, typer.Argument(help="The hold to confirm.")],
    request_id: RequestId = None,
    address: Address = DEFAULT_ADDRESS,
    timeout: Timeout = 10.0,
) -> None:
    """Turn a hold into a commitment."""
    request = pb.ConfirmHoldRequest(request_id=request_id or _fresh(), hold_id=hold_id)
    response = call(Stub, address, lambda stub: stub.ConfirmHold(request, timeout=timeout))
    console.print(
        f"hold [bold]{response.hold_id}[/] confirmed: order {response.order_id} lines "
        f"{', '.join(response.line_ids)} committed [dim](lsn {response.lsn})[/]"
    )


@client_app.command()
def release(
    order_id: Annotated[str | None, typer.Option(help="Release this order's lines.")] = None,
    line: Annotated[
        list[str] | None, typer.Option("--line", help="Only this line (repeatable).")
    ] = None,
    hold_id: Annotated[str | None, typer.Option(help="Release this hold's lines.")] = None,
    request_id: RequestId = None,
    address: Address = DEFAULT_ADDRESS,
    timeout: Timeout = 10.0,
) -> None:
    """Free reserved units: an order's lines (all or --line …) or a hold's."""
    request = pb.ReleaseReservationRequest(
        request_id=request_id or _fresh(),
        order_id=order_id or "",
        line_ids=line or [],
        hold_id=hold_id or "",
    )
    response = call(Stub, address, lambda stub: stub.ReleaseReservation(request, timeout=timeout))
    what = f"hold {response.hold_id} of order" if response.hold_id else "order"
    console.print(
        f"released {what} [bold]{response.order_id}[/] lines {', '.join(response.line_ids)} "
        f"[dim](lsn {response.lsn})[/]"
    )


# --- helpers -------------------------------------------------------------------------------
def _promise(
    lines: list[str],
    mode: int,
    order_id: str | None,
    request_id: str | None,
    ttl: int,
    address: str,
    timeout: float,
    region: str | None = None,
    split: bool = False,
) -> None:
    reserving = mode != pb.PROMISE_MODE_QUOTE
    request = pb.PromiseOrderRequest(
        request_id=request_id or (_fresh() if reserving else ""),
        order_id=order_id or (f"cli-{uuid.uuid4().hex[:8]}" if reserving else ""),
        mode=mode,  # type: ignore[arg-type]
        hold_ttl_seconds=ttl,
        ship_to_region=region or "",
        lines=[_line(text, i + 1) for i, text in enumerate(lines)],
    )
    for line in request.lines:
        line.allow_split = split
    response = call(Stub, address, lambda stub: stub.PromiseOrder(request, timeout=timeout))
    _show_promise(request, response)


def _line(text: str, number: int) -> pb.OrderLine:
    parts = text.split(":")
    if not 2 <= len(parts) <= 4:
        raise fail(f"line {text!r}: write ITEM:QTY[:DATE[:LOCATION]]")
    try:
        quantity = int(parts[1])
    except ValueError:
        raise fail(f"line {text!r}: quantity {parts[1]!r} is not a whole number") from None
    day = _date(parts[2], f"line {text!r}") if len(parts) > 2 and parts[2] else _today()
    line = pb.OrderLine(
        line_id=str(number), item_id=parts[0], quantity=quantity, requested_date=day
    )
    if len(parts) > 3 and parts[3]:
        line.ship_from_location_id = parts[3]
    return line


def _show_promise(request: pb.PromiseOrderRequest, response: pb.PromiseOrderResponse) -> None:
    state = pb.ReservationState.Name(response.reservation).removeprefix("RESERVATION_STATE_")
    title = f"order {response.order_id or '(quote)'}: {state}"
    caption = f"snapshot {response.snapshot_id}, lsn {response.lsn}"
    if response.decision:
        path = pb.DecisionPath.Name(response.decision).removeprefix("DECISION_PATH_")
        caption += f"; sources chosen by {path}"
    if response.hold_id:
        expires = response.hold_expire_time.ToDatetime(dt.UTC).astimezone()
        caption = f"hold {response.hold_id} until {expires:%Y-%m-%d %H:%M:%S %Z}; " + caption
    table = Table(title=title, caption=caption)
    columns = ("line", "item", "quantity", "wanted", "status", "promised", "date", "from")
    for column in (*columns, "ship", "arrive"):
        numeric = column in ("quantity", "promised")
        table.add_column(column, justify="right" if numeric else "left", no_wrap=True)
    for asked, line in zip(request.lines, response.lines, strict=True):
        status = pb.LineStatus.Name(line.status).removeprefix("LINE_STATUS_")
        colour = _STATUS_COLOUR.get(line.status, "")
        cells = [
            line.line_id,
            asked.item_id,
            f"{asked.quantity:,}",
            _show_date(asked.requested_date),
            f"[{colour}]{status}[/]",
            f"{line.promised_quantity:,}",
            _show_date(line.promised_date) if line.HasField("promised_date") else "-",
        ]
        for f in line.fulfillments:  # one row per fulfilment: where, how many, when
            other = f" ({f.item_id})" if f.item_id != asked.item_id else ""
            where = f"{f.location_id} ×{f.quantity:,}{other}"
            table.add_row(*cells, where, _show_date(f.ship_date), _show_date(f.arrival_date))
            cells = [""] * len(cells)
        if not line.fulfillments:
            table.add_row(*cells, "-", "-", "-")
    console.print(table)
    if response.hold_id:
        console.print(f"confirm with: promising client confirm {response.hold_id}")


def _fresh() -> str:
    return uuid.uuid4().hex


def _today() -> date_pb2.Date:
    today = dt.date.today()
    return date_pb2.Date(year=today.year, month=today.month, day=today.day)


def _date(text: str, name: str) -> date_pb2.Date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise fail(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def _show_date(day: date_pb2.Date) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
