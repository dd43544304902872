"""What the in-process commands print: availability profiles and promises, as tables or JSON."""

from __future__ import annotations

import datetime as dt

from rich.table import Table

from promising.availability import AvailabilityProfile
from promising.engine import Engine
from promising.pegging import peg_fulfillment
from promising.promise import Fulfillment, LinePromise


def profile_table(p: AvailabilityProfile, show_all: bool) -> Table:
    """Days with movement (and the first and last) unless `show_all`; negative ATP in red."""
    table = Table(title=f"{p.item_id} @ {p.location_id}  (rule {p.rule_id})", title_justify="left")
    for column in ("date", "supply", "demand", "reserved", "ATP"):
        table.add_column(column, justify="right" if column != "date" else "left")
    hidden = 0
    last = len(p.dates) - 1
    for i, day in enumerate(p.dates):
        moved = p.supply[i] or p.demand[i] or p.reserved[i]
        if not (show_all or moved or i in (0, last)):
            hidden += 1
            continue
        atp = int(p.atp[i])
        style = "red" if atp < 0 else ""
        table.add_row(
            day.isoformat(),
            f"{int(p.supply[i]):,}",
            f"{int(p.demand[i]):,}",
            f"{int(p.reserved[i]):,}",
            f"[{style}]{atp:,}[/]" if style else f"{atp:,}",
        )
    if hidden:
        table.caption = f"{hidden} days without movement hidden (--all shows them)"
    return table


def profile_json(p: AvailabilityProfile) -> dict:
    return {
        "item_id": p.item_id,
        "location_id": p.location_id,
        "rule_id": p.rule_id,
        "buckets": [
            {
                "date": day.isoformat(),
                "supply": int(p.supply[i]),
                "demand": int(p.demand[i]),
                "reserved": int(p.reserved[i]),
                "atp": int(p.atp[i]),
            }
            for i, day in enumerate(p.dates)
        ],
    }


def promise_json(answer: LinePromise) -> dict:
    return {
        "line_id": answer.line_id,
        "item_id": answer.item_id,
        "status": answer.status.name,
        "requested_quantity": answer.requested_quantity,
        "requested_date": answer.requested_date.isoformat(),
        "promised_quantity": answer.promised_quantity,
        "promised_date": answer.promised_date.isoformat() if answer.promised_date else None,
        "fulfillments": [
            {
                "item_id": f.item_id,
                "location_id": f.location_id,
                "quantity": f.quantity,
                "ship_date": f.ship_date.isoformat(),
                "arrival_date": f.arrival_date.isoformat(),
                "source_type": f.source_type,
                "cost": f.cost,
            }
            for f in answer.fulfillments
        ],
    }


def promise_table(engine: Engine, answer: LinePromise, decision: str) -> Table:
    """The answer's status in the title, one row per fulfilment with the supplies it pegs to;
    an item column for substitutes and a source column for CTP and suppliers."""
    item, quantity = answer.item_id, answer.requested_quantity
    colour = {"ON_TIME": "green", "LATE": "yellow"}.get(answer.status.name, "red")
    promised = (
        f"{answer.promised_quantity:,} by {answer.promised_date}" if answer.fulfillments else ""
    )
    table = Table(
        title=f"promise {quantity:,} × {item} wanted {answer.requested_date}: "
        f"[{colour}]{answer.status.name}[/] {promised}",
        title_justify="left",
        caption=f"sources chosen by {decision}" if decision else None,
    )
    shown = answer.fulfillments
    columns = ["from", "qty", "ship", "arrive", "cost"]
    if any(f.item_id != item for f in shown):
        columns.insert(0, "item")  # a substitute
    if any(f.source_type != "ATP" for f in shown):
        columns.append("source")
    columns.append("supplied by")
    for column in columns:
        table.add_column(column, justify="right" if column in ("qty", "cost") else "left")
    for f in shown:
        cells = {
            "item": f.item_id,
            "from": f.location_id or "-",
            "qty": f"{f.quantity:,}",
            "ship": str(f.ship_date),
            "arrive": str(f.arrival_date),
            "cost": f"{f.cost:,.2f}",
            "source": f.source_type,
            "supplied by": _supplied_by(engine, f) if f.source_type == "ATP" else "-",
        }
        table.add_row(*(cells[c] for c in columns))
    return table


def _supplied_by(engine: Engine, f: Fulfillment) -> str:
    """Which supplies an ATP fulfilment pegs to, first in first out: "PO 2026-01-12 ×4"."""
    sources = peg_fulfillment(
        engine.model, engine.ledger.reserved, f.item_id, f.location_id, f.ship_date, f.quantity
    )
    merged: dict[tuple[str, dt.date], int] = {}
    for source in sources:  # supplies of one type and date read as one
        key = (source.supply_type, source.date)
        merged[key] = merged.get(key, 0) + source.quantity
    short = {"ONHAND": "on hand", "PURCHASE_ORDER": "PO", "WORK_ORDER": "WO"}
    parts = [
        f"{short.get(kind, kind.lower().replace('_', ' '))} {day} ×{quantity:,}"
        for (kind, day), quantity in merged.items()
    ]
    return ", ".join(parts) or "-"
