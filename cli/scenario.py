"""`promising client scenario …`: what-if scenarios on a running server (PlanningService).

    promising client scenario create --move S2=2026-01-20 --set S1=0 --add-supply A:L1:2026-01-08:50
    promising client promise A:14:2026-01-06:L1 --scenario ID
    promising client scenario delete ID

A scenario forks the live data and reservations on the server; quote on it with
`--scenario` on `client availability` and `client promise` (quotes only). It expires after
`--ttl` seconds (server default 900) and does not survive a restart.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.type import date_pb2

from cli.calls import DEFAULT_ADDRESS, Address, Timeout, call
from cli.output import console, fail
from promising.v1 import planning_service_pb2 as plan
from promising.v1 import planning_service_pb2_grpc as plan_grpc

scenario_app = typer.Typer(
    help="What-if scenarios: fork live with changes, quote on them (--scenario).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
Stub = plan_grpc.PlanningServiceStub

Repeated = list[str] | None


@scenario_app.command()
def create(
    move: Annotated[Repeated, typer.Option(help="SUPPLY_ID=DATE: move a supply row.")] = None,
    set_quantity: Annotated[
        Repeated, typer.Option("--set", help="SUPPLY_ID=QTY: give a supply row a quantity.")
    ] = None,
    remove: Annotated[Repeated, typer.Option(help="SUPPLY_ID: remove a supply row.")] = None,
    add_supply: Annotated[
        Repeated, typer.Option(help="ITEM:LOCATION:DATE:QTY[:TYPE]: add supply (TYPE e.g. ONHAND).")
    ] = None,
    add_demand: Annotated[
        Repeated, typer.Option(help="ITEM:LOCATION:DATE:QTY[:TYPE]: add demand (e.g. FORECAST).")
    ] = None,
    ttl: Annotated[int, typer.Option(help="Seconds it lives (0: server default).")] = 0,
    address: Address = DEFAULT_ADDRESS,
    timeout: Timeout = 30.0,
) -> None:
    """Fork live with changes (moves, quantities and removals first, then additions, each in
    the order given); prints the scenario id."""
    changes: list[plan.ScenarioChange] = []
    for text in move or []:
        supply_id, value = _pair(text, "--move", "SUPPLY_ID=DATE")
        m = plan.MoveSupply(supply_id=supply_id)
        m.date.CopyFrom(_date(value, f"--move {text!r}"))
        changes.append(plan.ScenarioChange(move_supply=m))
    for text in set_quantity or []:
        supply_id, value = _pair(text, "--set", "SUPPLY_ID=QTY")
        s = plan.SetSupplyQuantity(supply_id=supply_id, quantity=_int(value, f"--set {text!r}"))
        changes.append(plan.ScenarioChange(set_supply_quantity=s))
    for supply_id in remove or []:
        changes.append(plan.ScenarioChange(remove_supply=plan.RemoveSupply(supply_id=supply_id)))
    for text in add_supply or []:
        item, location, day, quantity, kind = _added(text, "--add-supply")
        supply_type = _enum(plan.SupplyType, "SUPPLY_TYPE_", kind, "--add-supply")
        added = plan.AddSupply(
            item_id=item, location_id=location, date=day, quantity=quantity,
            supply_type=supply_type,  # type: ignore[arg-type]
        )  # fmt: skip
        changes.append(plan.ScenarioChange(add_supply=added))
    for text in add_demand or []:
        item, location, day, quantity, kind = _added(text, "--add-demand")
        demand_type = _enum(plan.DemandType, "DEMAND_TYPE_", kind, "--add-demand")
        added_demand = plan.AddDemand(
            item_id=item, location_id=location, date=day, quantity=quantity,
            demand_type=demand_type,  # type: ignore[arg-type]
        )  # fmt: skip
        changes.append(plan.ScenarioChange(add_demand=added_demand))
    request = plan.CreateScenarioRequest(changes=changes, ttl_seconds=ttl)
    response = call(Stub, address, lambda stub: stub.CreateScenario(request, timeout=timeout))
    expires = response.expire_time.ToDatetime(dt.UTC).astimezone()
    console.print(
        f"scenario [bold]{response.scenario_id}[/] ({len(changes)} changes) on snapshot "
        f"{response.snapshot_id} (delta {response.delta_sequence}, lsn {response.lsn}), until "
        f"{expires:%Y-%m-%d %H:%M:%S %Z}; holds {response.held_bytes:,} bytes"
    )
    console.print(f"quote on it with: promising client promise … --scenario {response.scenario_id}")


@scenario_app.command()
def delete(
    scenario_id: Annotated[str, typer.Argument(help="The scenario.")],
    address: Address = DEFAULT_ADDRESS,
    timeout: Timeout = 10.0,
) -> None:
    """Delete a scenario at once."""
    request = plan.DeleteScenarioRequest(scenario_id=scenario_id)
    response = call(Stub, address, lambda stub: stub.DeleteScenario(request, timeout=timeout))
    console.print(f"scenario [bold]{response.scenario_id}[/] deleted")


# --- parsing -------------------------------------------------------------------------------
def _pair(text: str, option: str, form: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key or not value:
        raise fail(f"{option} {text!r}: write {form}")
    return key, value


def _added(text: str, option: str) -> tuple[str, str, date_pb2.Date, int, str]:
    parts = text.split(":")
    if not 4 <= len(parts) <= 5:
        raise fail(f"{option} {text!r}: write ITEM:LOCATION:DATE:QTY[:TYPE]")
    day = _date(parts[2], f"{option} {text!r}")
    quantity = _int(parts[3], f"{option} {text!r}")
    return parts[0], parts[1], day, quantity, parts[4] if len(parts) > 4 else ""


def _enum(enum: EnumTypeWrapper, prefix: str, name: str, option: str) -> int:
    if not name:
        return 0
    try:
        return int(enum.Value(prefix + name.upper()))
    except ValueError:
        values = enum.DESCRIPTOR.values
        names = [v.name.removeprefix(prefix) for v in values if v.number]
        raise fail(f"{option}: type {name!r} is none of {', '.join(names)}") from None


def _int(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise fail(f"{name}: {text!r} is not a whole number") from None


def _date(text: str, name: str) -> date_pb2.Date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise fail(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)
