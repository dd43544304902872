"""The promising.v1.PlanningService handlers: what-if scenarios (create, delete).

Like PromisingService, handlers take and return raw bytes. A scenario is quoted through
PromisingService (`scenario_id` on PromiseOrder and CheckAvailability), which reads the same
`Scenarios` registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import grpc
from google.protobuf import timestamp_pb2
from google.type import date_pb2

from promising.book import Reservations
from promising.domain import DemandType, SupplyType
from promising.engine import QUANTITY_MAX
from promising.errors import FieldPath, NotReady
from promising.fork import DemandChange, SupplyChange
from promising.refresh.version import Version
from promising.rpc import convert
from promising.rpc.status import abort
from promising.scenarios import (
    MoveSupply,
    RemoveSupply,
    ScenarioChange,
    Scenarios,
    SetSupplyQuantity,
    fork_live,
)
from promising.v1 import planning_service_pb2 as pb

PLANNING_SERVICE_NAME = "promising.v1.PlanningService"
CHANGES_MAX = 10_000
"""Most changes in one CreateScenario: far above a planner's edits, small enough to check."""

_SUPPLY_TYPES = {
    pb.SUPPLY_TYPE_UNSPECIFIED: SupplyType.PURCHASE_ORDER,
    pb.SUPPLY_TYPE_ONHAND: SupplyType.ONHAND,
    pb.SUPPLY_TYPE_PURCHASE_ORDER: SupplyType.PURCHASE_ORDER,
    pb.SUPPLY_TYPE_TRANSFER: SupplyType.TRANSFER,
    pb.SUPPLY_TYPE_WORK_ORDER: SupplyType.WORK_ORDER,
    pb.SUPPLY_TYPE_PLANNED_ORDER: SupplyType.PLANNED_ORDER,
}
_DEMAND_TYPES = {
    pb.DEMAND_TYPE_UNSPECIFIED: DemandType.SALES_ORDER,
    pb.DEMAND_TYPE_SALES_ORDER: DemandType.SALES_ORDER,
    pb.DEMAND_TYPE_TRANSFER: DemandType.TRANSFER,
    pb.DEMAND_TYPE_FORECAST: DemandType.FORECAST,
}


@dataclass(frozen=True)
class Live:
    """What scenarios fork: the reservations (with their writer) and the version in use."""

    reservations: Reservations
    current: Callable[[], Version]


class PlanningServicer:
    """Answers PlanningService calls; UNAVAILABLE until `attach` gives it the live state."""

    def __init__(self, scenarios: Scenarios) -> None:
        self.scenarios = scenarios
        self._live: Live | None = None

    def attach(self, reservations: Reservations, current: Callable[[], Version]) -> None:
        self._live = Live(reservations, current)

    def detach(self) -> None:
        self._live = None

    @property
    def live(self) -> Live:
        live = self._live
        if live is None:
            raise NotReady("the server is loading its snapshot; retry shortly")
        return live

    # --- the RPCs ------------------------------------------------------------------------
    def create_scenario(self, data: bytes, context: grpc.ServicerContext) -> bytes:
        try:
            request = convert.parse(pb.CreateScenarioRequest, data)
            live = self.live
            changes = changes_in(request)
            ttl_seconds = self.scenarios.ttl_seconds(request.ttl_seconds)
            self.scenarios.check_room()
            forked = fork_live(live.reservations, live.current, changes)
            scenario = self.scenarios.add(forked.engine, forked.lsn, ttl_seconds, forked.live)
            expire = timestamp_pb2.Timestamp()
            expire.FromNanoseconds(round(scenario.expire_at * 1e9))
            return pb.CreateScenarioResponse(
                scenario_id=scenario.scenario_id,
                snapshot_id=scenario.snapshot_id,
                delta_sequence=scenario.delta_sequence,
                lsn=scenario.lsn,
                expire_time=expire,
                held_bytes=scenario.held_bytes(),
            ).SerializeToString()
        except Exception as error:
            abort(context, error)

    def delete_scenario(self, data: bytes, context: grpc.ServicerContext) -> bytes:
        try:
            request = convert.parse(pb.DeleteScenarioRequest, data)
            violations = convert.Violations()
            convert.check_id(violations, ("scenario_id",), request.scenario_id)
            violations.raise_if_any()
            self.live  # noqa: B018 - UNAVAILABLE while loading, like every RPC
            scenario = self.scenarios.delete(request.scenario_id)
            return pb.DeleteScenarioResponse(scenario_id=scenario.scenario_id).SerializeToString()
        except Exception as error:
            abort(context, error)

    # --- wiring --------------------------------------------------------------------------
    def method_handlers(self) -> dict[str, grpc.RpcMethodHandler]:
        """This service's methods, served as raw bytes."""
        unary = grpc.unary_unary_rpc_method_handler
        return {
            "CreateScenario": unary(self.create_scenario),
            "DeleteScenario": unary(self.delete_scenario),
        }


def changes_in(request: pb.CreateScenarioRequest) -> list[ScenarioChange]:
    """A request's changes; `InvalidInput` naming every malformed field (the ids are checked
    against the live data when the scenario forks)."""
    violations = convert.Violations()
    if len(request.changes) > CHANGES_MAX:
        violations.add(("changes",), f"at most {CHANGES_MAX}")
        violations.raise_if_any()
    out: list[ScenarioChange] = []
    for i, change in enumerate(request.changes):
        kind = change.WhichOneof("change")
        if kind is None:
            violations.add(("changes", i), "one change must be set")
            continue
        at = ("changes", i, kind)
        if kind in ("move_supply", "set_supply_quantity", "remove_supply"):
            by_id = getattr(change, kind)
            convert.check_id(violations, (*at, "supply_id"), by_id.supply_id)
            if kind == "move_supply":
                date = _date(change.move_supply.date, (*at, "date"), violations)
                out.append(MoveSupply(by_id.supply_id, date))
            elif kind == "set_supply_quantity":
                quantity = change.set_supply_quantity.quantity
                if not 0 <= quantity <= QUANTITY_MAX:
                    violations.add((*at, "quantity"), f"0 to {QUANTITY_MAX}")
                out.append(SetSupplyQuantity(by_id.supply_id, quantity))
            else:
                out.append(RemoveSupply(by_id.supply_id))
            continue
        added = change.add_supply if kind == "add_supply" else change.add_demand
        convert.check_id(violations, (*at, "item_id"), added.item_id)
        convert.check_id(violations, (*at, "location_id"), added.location_id)
        date = _date(added.date, (*at, "date"), violations)
        if not 1 <= added.quantity <= QUANTITY_MAX:
            violations.add((*at, "quantity"), f"1 to {QUANTITY_MAX}")
        if kind == "add_supply":
            supply_type = _SUPPLY_TYPES.get(change.add_supply.supply_type)
            if supply_type is None:
                violations.add((*at, "supply_type"), "unknown supply type")
                continue
            out.append(
                SupplyChange(added.item_id, added.location_id, date, added.quantity, supply_type)
            )
        else:
            demand_type = _DEMAND_TYPES.get(change.add_demand.demand_type)
            if demand_type is None:
                violations.add((*at, "demand_type"), "unknown demand type")
                continue
            out.append(
                DemandChange(added.item_id, added.location_id, date, added.quantity, demand_type)
            )
    violations.raise_if_any()
    return out


def _date(value: date_pb2.Date, path: FieldPath, violations: convert.Violations) -> dt.date:
    """A required date; a placeholder when bad (its violation is raised before any use)."""
    date = convert.date_in(value, path, violations)
    if date is None and not any(v.path == path for v in violations.items):
        violations.add(path, "required")
    return date or dt.date.min
