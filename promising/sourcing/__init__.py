"""Multi-location promising (DESIGN §5): where each line ships from, when, and how much.

    Sourcing(model).promise(lines, region, reserved) → OrderPromise

Lines that name no location take their candidates from the sourcing rules for the order's
ship-to region (a named location is the only candidate; substitutes add theirs when a line
allows them). An order of one line without a split is decided by the kernel
(`kernels.sourcing.best_source`, Decision.GREEDY); every other order goes to CP-SAT
(`solver`, Decision.SOLVER), whose objective is spelled out there. Either way the answer is
one `OrderPromise` whose allocations `Engine.reserve` holds as one unit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from kernels.sourcing import best_source
from promising.domain import Decision
from promising.model import SupplyModel
from promising.promise import LineRequest, OrderPromise
from promising.sourcing.answer import Shipment, line_promise
from promising.sourcing.calendar import WorkingDays
from promising.sourcing.lines import SourcedLine, resolve
from promising.sourcing.problem import build
from promising.sourcing.rules import Candidate, SourcingRules
from promising.sourcing.solver import solve
from promising.sourcing.sources import Source, SourceBook

__all__ = ["Candidate", "Source", "Sourcing", "SourcingRules"]

TIME_LIMIT_SECONDS = 2.0
"""Longest CP-SAT search for one order; past it, the best order found is the answer."""


class Sourcing:
    """Chooses sources for orders on one model; caches candidates and sources per item."""

    def __init__(self, model: SupplyModel, time_limit_seconds: float = TIME_LIMIT_SECONDS) -> None:
        self.model = model
        self.rules = SourcingRules(model.sourcing_rules, model.substitutes)
        self.book = SourceBook(model, self.rules)
        self.days = WorkingDays(model.calendars, model.horizon_days)
        self.time_limit_seconds = time_limit_seconds

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
        self, lines: Sequence[LineRequest], region: str | None, reserved: np.ndarray
    ) -> OrderPromise:
        """Promise the order against `reserved` (nothing changes)."""
        model = self.model
        sourced = resolve(model, self.book, lines, region or "")
        if len(sourced) == 1 and not sourced[0].split:
            line = sourced[0]
            answer = line_promise(model, line, self._greedy(line, reserved))
            return OrderPromise(model.snapshot_id, (answer,), Decision.GREEDY)
        problem = build(model, self.days, reserved, sourced)
        choice = solve(problem, self.time_limit_seconds)
        shipments: dict[int, list[Shipment]] = defaultdict(list)
        for i, quantity in choice.quantities.items():
            o = problem.options[i]
            shipments[o.line].append(Shipment(o.source, o.bucket, quantity))
        answers = tuple(
            line_promise(model, line, shipments.get(p, ())) for p, line in enumerate(sourced)
        )
        decision = Decision.SOLVER if choice.optimal else Decision.SOLVER_TIME_LIMIT
        return OrderPromise(model.snapshot_id, answers, decision)

    def _greedy(self, line: SourcedLine, reserved: np.ndarray) -> tuple[Shipment, ...]:
        model = self.model
        table = line.sources.table
        if table.shape[0] == 0:
            return ()
        k, bucket, units = best_source(
            model.supply,
            model.demand,
            reserved,
            table,
            model.calendars.working,
            line.requested,
            line.quantity,
            line.partial,
        )
        return () if k < 0 else (Shipment(k, bucket, units),)
