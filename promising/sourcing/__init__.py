"""The promise pipeline (DESIGN §5): every order, whichever way its lines are filled.

    Sourcing(model, planner).promise(lines, region, demand_class, ledger) → OrderPromise

1. Resolve each line once (`lines`): ids, quantity, date window, and its candidate sources
   (`sources`): stock at each candidate location (the region's rules, the named location or
   the item's only one; ATP by the order's demand class where the item has allocation
   rules), a supplier, making it at a plant (CTP), and the same for ranked substitutes when
   the line allows them. Promising mode, infinite time fence, calendars and transit belong to
   the source, so they apply wherever the line ships from.
2. Decide once: lines that name their location (or have one) and ask for nothing else are
   promised in order, each seeing what the lines before it hold (Decision.LOCATION); a
   single sourced line without a split is decided by the kernel (Decision.GREEDY); every
   other order goes to CP-SAT (`solver`, Decision.SOLVER). The kernel decides stock and
   suppliers; making is planned (`promising.ctp`) when stock and suppliers are not on time,
   and chosen when it serves the line better.
3. Answer in one place (`answer.line_promise`): one `OrderPromise` whose lines carry
   everything reserving them holds, which `Engine.reserve` holds as one unit.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from kernels.promise import earliest_row
from kernels.sourcing import best_source
from promising.ctp import CtpPlanner
from promising.domain import Decision, SourceType
from promising.ledger import ReservationLedger
from promising.manufacturing import supplier_sources
from promising.model import SupplyModel
from promising.promise import LinePromise, LineRequest, OrderPromise
from promising.sourcing.answer import Shipment, line_promise
from promising.sourcing.calendar import WorkingDays
from promising.sourcing.lines import SourcedLine, resolve
from promising.sourcing.pools import Pools, read_as_is
from promising.sourcing.problem import build, plan_make
from promising.sourcing.rules import Candidate, SourcingRules
from promising.sourcing.solver import solve
from promising.sourcing.sources import Source, SourceBook

__all__ = ["Candidate", "Source", "Sourcing", "SourcingRules"]

TIME_LIMIT_SECONDS = 2.0
"""Longest CP-SAT search for one order; past it, the best order found is the answer."""


class Sourcing:
    """Promises orders on one model; caches candidates and sources per item."""

    def __init__(
        self,
        model: SupplyModel,
        planner: CtpPlanner,
        time_limit_seconds: float = TIME_LIMIT_SECONDS,
    ) -> None:
        self.model = model
        self.planner = planner
        self.rules = SourcingRules(model.sourcing_rules, model.substitutes)
        self.book = SourceBook(model, self.rules)
        self.days = WorkingDays(model.calendars, model.horizon_days)
        self.suppliers = [s for _, s in supplier_sources(model.suppliers)]
        self.time_limit_seconds = time_limit_seconds

    def on(self, model: SupplyModel, planner: CtpPlanner) -> Sourcing:
        """The same rules, sources and calendars on a fork of the model (same tables and
        rows; only row values differ), planning with `planner`."""
        other = copy.copy(self)
        other.model, other.planner = model, planner
        other.book = self.book.on(model)
        return other

    def needed(self, lines: Sequence[LineRequest], region: str | None) -> bool:
        """True when some line asks for a sourcing feature, or names no location while
        the rules have candidates for its item in `region`."""
        for line in lines:
            if line.allow_split or line.allow_partial or line.allow_substitutes:
                return True
            if line.ship_set_id:
                return True
        if not region or not self.rules.has_region(region):
            return False
        index = self.model.item_index
        for line in lines:
            if not line.location_id:
                item = index.get(line.item_id)
                if item is not None and self.rules.candidates(item, region):
                    return True
        return False

    def promise(
        self,
        lines: Sequence[LineRequest],
        region: str | None,
        demand_class: str,
        ledger: ReservationLedger,
    ) -> OrderPromise:
        """Promise the order against what `ledger` holds (nothing changes)."""
        model = self.model
        sourced = resolve(model, self.book, lines, region or "")
        if len(sourced) == 1:  # most orders: one line, often from one stock source
            line = sourced[0]
            first = line.sources.sources[0] if line.sources.single else None
            if (
                first is not None
                and not line.partial
                and read_as_is(model, ledger, demand_class, first)
            ):
                decision = Decision.GREEDY if self.needed(lines, region) else Decision.LOCATION
                shipped = self._earliest(line, line.sources.sources[0], ledger.reserved)
                answer = line_promise(model, line, shipped, demand_class)
                return OrderPromise(model.snapshot_id, (answer,), decision)
        pools = Pools(model, ledger, demand_class, self.suppliers)
        if not self.needed(lines, region):
            answers = []
            for n, line in enumerate(sourced):
                answer = self._greedy(line, pools, demand_class)
                if n + 1 < len(sourced):  # the lines after it see what it holds
                    pools.hold(answer.allocations)
                    pools.hold_capacity(answer.capacity)
                answers.append(answer)
            return OrderPromise(model.snapshot_id, tuple(answers), Decision.LOCATION)
        if len(sourced) == 1 and not sourced[0].split:
            answer = self._greedy(sourced[0], pools, demand_class)
            return OrderPromise(model.snapshot_id, (answer,), Decision.GREEDY)
        return self._solve(sourced, pools, demand_class)

    def _solve(self, sourced: list[SourcedLine], pools: Pools, demand_class: str) -> OrderPromise:
        model = self.model
        problem = build(self.days, pools, self.planner, sourced)
        choice = solve(problem, self.time_limit_seconds)
        shipments: dict[int, list[Shipment]] = defaultdict(list)
        bought = []
        for i, quantity in choice.quantities.items():
            o = problem.options[i]
            source = sourced[o.line].sources.sources[o.source]
            if o.plan >= 0:
                plan = problem.plans[o.plan]
                shipment = Shipment(
                    o.source, o.bucket, quantity,
                    tuple(plan.all_allocations()), tuple(plan.all_capacity()),
                )  # fmt: skip
            elif source.kind is SourceType.SUPPLIER:
                bought.append((o.bucket, o.line, o.source, quantity))
                continue
            else:
                shipment = Shipment(o.source, o.bucket, quantity)
            shipments[o.line].append(shipment)
        # Earliest ship day first: what the solver's capacity bound allows, this can draw.
        for bucket, position, k, quantity in sorted(bought):
            source = sourced[position].sources.sources[k]
            draws = pools.take_supplier(source, bucket, quantity)
            shipments[position].append(Shipment(k, bucket, quantity, supplier_draws=draws))
        answers = tuple(
            line_promise(model, line, shipments.get(p, ()), demand_class)
            for p, line in enumerate(sourced)
        )
        decision = Decision.SOLVER if choice.optimal else Decision.SOLVER_TIME_LIMIT
        return OrderPromise(model.snapshot_id, answers, decision)

    def _greedy(self, line: SourcedLine, pools: Pools, demand_class: str) -> LinePromise:
        """One line, by the kernel over its stock and supplier sources, then — unless that
        is on time — weighed against making it at each of its plants."""
        model = self.model
        sources = line.sources.sources
        if line.sources.single and not line.partial and pools.computed_by_kernel(sources[0]):
            shipped = self._earliest(line, sources[0], pools.ledger.reserved)
            return line_promise(model, line, shipped, demand_class)
        best: tuple | None = None
        shipment: Shipment | None = None
        if line.sources.table.shape[0]:
            table, curves = pools.table(line.sources)
            k, bucket, units = best_source(
                model.supply,
                model.demand,
                pools.ledger.reserved,
                table,
                model.calendars.working,
                line.requested,
                line.quantity,
                line.partial,
                curves,
            )
            if k >= 0:
                shipment = Shipment(k, bucket, units)
                best = _service(line, sources[k], bucket, units)
        if best is None or best[0]:  # not on time with the whole quantity
            for k, source in enumerate(sources):
                if source.kind is not SourceType.CTP:
                    continue
                planned = plan_make(self.days, pools, self.planner, line, source)
                if planned is None:
                    continue
                plan, ship = planned
                service = _service(line, source, ship, line.quantity)
                if best is None or service < best:
                    best = service
                    shipment = Shipment(
                        k, ship, line.quantity,
                        tuple(plan.all_allocations()), tuple(plan.all_capacity()),
                    )  # fmt: skip
        if shipment is not None and sources[shipment.source].kind is SourceType.SUPPLIER:
            draws = pools.take_supplier(
                sources[shipment.source], shipment.bucket, shipment.quantity
            )
            shipment = shipment._replace(supplier_draws=draws)
        return line_promise(model, line, () if shipment is None else (shipment,), demand_class)

    def _earliest(
        self, line: SourcedLine, source: Source, reserved: np.ndarray
    ) -> tuple[Shipment, ...]:
        """`best_source` for a line with one stock source, by the plain search: the earliest
        bucket from the on-time ship day on whose ATP holds the line, moved to the source's
        next working day (LOOKAHEAD ATP never decreases: a later day holds it too, and
        shipping just in time is the on-time day when it holds)."""
        model, days = self.model, self.days
        horizon = model.horizon_days
        calendar = source.calendar
        start = max(days.before(calendar, line.requested - source.transit_days), 0)
        limit = source.limit
        if start >= limit:
            bucket = start
        else:
            bucket = -1
            if source.row >= 0:
                bucket = earliest_row(
                    model.supply, model.demand, reserved, source.row, start,
                    line.quantity, limit,
                )  # fmt: skip
            if bucket < 0 and limit < horizon:
                bucket = limit  # beyond the limit, anything ships
        if bucket < 0:
            return ()
        if calendar >= 0:
            bucket = days.after(calendar, bucket)
        return (Shipment(0, bucket, line.quantity),) if bucket < horizon else ()


def _service(line: SourcedLine, source: Source, bucket: int, units: int) -> tuple:
    """A single shipment's place in the objective (smaller is better): on time, units, days
    late, substitute rank, made or bought, cost (`solver` has the same order)."""
    arrival = bucket + source.transit_days
    on_time = units == line.quantity and arrival <= line.requested
    late = max(arrival - line.requested, 0)
    return (not on_time, -units, late, source.variant, source.made, source.cost_key)
