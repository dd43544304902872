"""The order's sources chosen by CP-SAT (OR-Tools): which options ship, and how many units.

Objective, lexicographic (DESIGN §5, with the issue's "late lines get the earliest arrival"):
1. most lines on time (full quantity, every shipment arriving by the requested date);
2. most units promised (partial lines promise what exists; others all or nothing);
3. fewest days late, summed over lines (a line is as late as its latest shipment);
4. fewest substitute units, each weighted by its substitute's rank position (1 for the
   first substitute, 2 for the second …): substitutes fill in, they do not replace the
   ordered item for a cheaper shipment;
5. fewest units made (CTP) or bought (SUPPLIER): stock first, when it serves as well;
6. fewest shipments (distinct location and ship day: lines leaving together count once);
7. lowest cost key (unit cost at the source plus ship cost, minus price: highest margin);
8. ship sets as late as they can still be on time (just in time, as lines outside sets);
9. the preferred sources (candidate order; for lines that split or ship in part, the most
   units from them), to break ties.

A make option (CTP) ships its line whole and alone: its plan is for the line's quantity.

Consecutive levels whose value ranges multiply to less than 2^50 are solved as one weighted
objective (exact: each weight exceeds everything below it); otherwise one solve per group,
each fixing the value found before the next. CP-SAT runs on one worker with its LP
relaxation on (linearization level 2): on these set-cover shaped models that is orders of
magnitude faster than the default portfolio on a 2-core machine.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from promising.sourcing.hint import greedy_hint
from promising.sourcing.lines import SourcedLine
from promising.sourcing.problem import Option, Problem
from promising.sourcing.service import bound, served, total

TIEBREAK_SECONDS = 0.02
"""Most time for a solve of tie-breaking levels only (8, 9): they are not the objective."""
WEIGHT_MAX = 1 << 44
"""Largest product of level ranges combined into one weighted objective. Exact far beyond
this, but CP-SAT's LP works in doubles: at 2^50 a 20-line order found no solution in 10 s,
at 2^45 and below it was solved in 15 ms."""


@dataclass(frozen=True)
class Choice:
    """Units shipped per chosen option, and whether CP-SAT proved them optimal."""

    quantities: dict[int, int]  # option index → units
    optimal: bool


class _Level:
    """One objective level: a linear expression to minimize, and bounds on its value."""

    def __init__(self, tiebreak: bool = False) -> None:
        self.tiebreak = tiebreak
        """Only breaks ties: not part of the objective, solved within a short budget."""
        self.variables: list[cp_model.IntVar] = []
        self.coefficients: list[int] = []
        self.low = 0
        self.high = 0

    def add(self, var: cp_model.IntVar, coefficient: int) -> None:
        if coefficient:
            self.variables.append(var)
            self.coefficients.append(coefficient)

    def widen(self, values: Sequence[int]) -> None:
        """Count one more independent part whose value is one of `values` (or 0)."""
        self.low += min(0, *values)
        self.high += max(0, *values)

    def expression(self) -> cp_model.LinearExpr:
        return cp_model.LinearExpr.weighted_sum(self.variables, self.coefficients)


def solve(problem: Problem, time_limit_seconds: float) -> Choice:
    """The best options for the whole order (see the module docstring for "best")."""
    model = cp_model.CpModel()
    options = problem.options
    x = [model.new_bool_var(f"x{i}") for i in range(len(options))]
    q: list[cp_model.LinearExprT] = []
    counted: dict[int, cp_model.IntVar] = {}  # option → its units variable (split, partial)
    by_line: dict[int, list[int]] = defaultdict(list)
    for i, o in enumerate(options):
        by_line[o.line].append(i)
    whole = [not line.split and not line.partial for line in problem.lines]
    for i, o in enumerate(options):
        if whole[o.line]:
            q.append(o.quantity_max * x[i])  # quantity_max is the line's quantity here
        else:
            units = model.new_int_var(0, o.quantity_max, f"q{i}")
            if o.plan >= 0:
                model.add(units == o.quantity_max * x[i])
            else:
                model.add(units >= x[i])
                model.add(units <= o.quantity_max * x[i])
            q.append(units)
            counted[i] = units

    on_time, promised, late, substituted, made, cost = (_Level() for _ in range(6))
    early, preference = _Level(tiebreak=True), _Level(tiebreak=True)
    for position, line in enumerate(problem.lines):
        mine = by_line.get(position, [])
        if not mine:
            continue
        _line_constraints(model, line, position, mine, options, x, q)
        late_options = [i for i in mine if not options[i].on_time]
        if len(late_options) < len(mine):
            flag = model.new_bool_var(f"on_time{position}")
            for i in late_options:
                model.add_implication(flag, x[i].Not())
            model.add(sum(q[i] for i in mine) >= line.quantity * flag)
            if position in problem.on_time_fixed:
                model.add(flag == 1)
            on_time.add(flag, -1)
            on_time.widen([-1])
        worst = max((options[i].late_days for i in late_options), default=0)
        if worst:
            days = model.new_int_var(0, worst, f"late{position}")
            for i in late_options:
                model.add(days >= options[i].late_days * x[i])
            late.add(days, 1)
            late.widen([worst])
        for i in mine:
            o = options[i]
            early.add(x[i], o.early)
            if whole[position]:
                promised.add(x[i], -line.quantity)
                substituted.add(x[i], o.variant * line.quantity)
                made.add(x[i], o.made * line.quantity)
                cost.add(x[i], o.cost_key * o.quantity_max)
                preference.add(x[i], o.preference)
            else:
                promised.add(q[i], -1)  # type: ignore[arg-type]
                substituted.add(q[i], o.variant)  # type: ignore[arg-type]
                made.add(q[i], o.made)  # type: ignore[arg-type]
                cost.add(q[i], o.cost_key)  # type: ignore[arg-type]
                preference.add(q[i], o.preference)  # type: ignore[arg-type]
        promised.widen([-line.quantity])
        early.widen([options[i].early for i in mine])
        if whole[position]:
            substituted.widen([options[i].variant * line.quantity for i in mine])
            made.widen([options[i].made * line.quantity for i in mine])
            cost.widen([options[i].cost_key * line.quantity for i in mine])
            preference.widen([options[i].preference for i in mine])
        else:
            for i in mine:
                most = options[i].quantity_max
                substituted.widen([options[i].variant * most])
                made.widen([options[i].made * most])
                cost.widen([options[i].cost_key * most])
                preference.widen([options[i].preference * most])

    _ship_sets(model, problem, by_line, x)
    _capacity(model, problem, q)
    shipments = _shipments(model, options, x)
    service = [on_time, promised, late, substituted, made]
    rest = [shipments, cost, early, preference]
    hint = greedy_hint(problem)
    reached = _hint_service(problem, hint, by_line)
    if reached == bound(problem):
        # No choice serves the order better (service.py): fix the service levels.
        for level, value in zip(service, reached, strict=True):
            if level.variables:
                model.add(level.expression() <= value)
        service = []
    return _lexicographic(model, service + rest, x, q, counted, hint, time_limit_seconds)


def _hint_service(
    problem: Problem, hint: dict[int, int], by_line: dict[int, list[int]]
) -> tuple[int, ...]:
    return total(
        served(problem, p, [(i, hint[i]) for i in by_line.get(p, []) if i in hint])
        for p in range(len(problem.lines))
    )


def _line_constraints(
    model: cp_model.CpModel,
    line: SourcedLine,
    position: int,
    mine: list[int],
    options: Sequence[Option],
    x: list[cp_model.IntVar],
    q: list[cp_model.LinearExprT],
) -> None:
    """At most one shipment (or one per source when split); all or nothing unless partial;
    a make option alone."""
    if not line.split:
        model.add_at_most_one(x[i] for i in mine)
        return
    for i in mine:
        if options[i].plan >= 0:
            model.add(sum(x[j] for j in mine if j != i) == 0).only_enforce_if(x[i])
    per_source: dict[int, list[int]] = defaultdict(list)
    for i in mine:
        per_source[options[i].source].append(i)
    for group in per_source.values():
        if len(group) > 1:
            model.add_at_most_one(x[i] for i in group)
    total = sum(q[i] for i in mine)
    if line.partial:
        model.add(total <= line.quantity)
    else:
        promised = model.new_bool_var(f"promised{position}")
        model.add(total == line.quantity * promised)


def _ship_sets(
    model: cp_model.CpModel,
    problem: Problem,
    by_line: dict[int, list[int]],
    x: list[cp_model.IntVar],
) -> None:
    """Lines of a set ship from one location on one day, each once, or none of them."""
    members: dict[int, list[int]] = defaultdict(list)
    for position, line in enumerate(problem.lines):
        if line.ship_set >= 0:
            members[line.ship_set].append(position)
    options = problem.options
    for lines in members.values():
        at: list[dict[tuple[int, int], list[int]]] = []
        for position in lines:
            where: dict[tuple[int, int], list[int]] = defaultdict(list)
            for i in by_line.get(position, []):
                where[options[i].location, options[i].bucket].append(i)
            at.append(where)
        common = set(at[0]).intersection(*at[1:])
        chosen = []
        for pair in sorted(common):
            together = model.new_bool_var(f"set{pair}")
            chosen.append(together)
            for where in at:
                model.add(sum(x[i] for i in where[pair]) == together)
        model.add_at_most_one(chosen)
        for where in at:
            for pair, found in where.items():
                if pair not in common:
                    for i in found:
                        model.add(x[i] == 0)


def _capacity(model: cp_model.CpModel, problem: Problem, q: list[cp_model.LinearExprT]) -> None:
    """Per pool and ship day c: units shipped on or before c <= the pool's capacity at c
    (DESIGN §3: reserving on a day lowers ATP from there on, and none may go below zero)."""
    on_pool: dict[int, list[int]] = defaultdict(list)
    for i, o in enumerate(problem.options):
        if o.pool >= 0:
            on_pool[o.pool].append(i)
    for pool, found in on_pool.items():
        capacity = problem.capacity[pool]
        found.sort(key=lambda i: problem.options[i].bucket)
        most = 0
        for k, i in enumerate(found):
            most += problem.options[i].quantity_max
            bucket = problem.options[i].bucket
            if k + 1 < len(found) and problem.options[found[k + 1]].bucket == bucket:
                continue
            if most > capacity[bucket]:
                model.add(sum(q[j] for j in found[: k + 1]) <= int(capacity[bucket]))


def _shipments(
    model: cp_model.CpModel, options: Sequence[Option], x: list[cp_model.IntVar]
) -> _Level:
    """Distinct (location, ship day) pairs used."""
    at: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, o in enumerate(options):
        at[o.location, o.bucket].append(i)
    level = _Level()
    for pair, found in at.items():
        level.widen([1])
        if len(found) == 1:
            level.add(x[found[0]], 1)
            continue
        used = model.new_bool_var(f"ship{pair}")
        for i in found:
            model.add_implication(x[i], used)
        level.add(used, 1)
    return level


def _lexicographic(
    model: cp_model.CpModel,
    levels: list[_Level],
    x: list[cp_model.IntVar],
    q: list[cp_model.LinearExprT],
    counted: dict[int, cp_model.IntVar],
    hint: dict[int, int],
    time_limit_seconds: float,
) -> Choice:
    """Solve group after group, each fixing its value for the next; start from `hint` and
    keep the last answer found if time runs out."""
    deadline = time.monotonic() + time_limit_seconds
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    found, optimal = hint, True
    for group in _groups(levels):
        tiebreak = all(level.tiebreak for level in group)
        _hint(model, x, counted, found)
        objective = cp_model.LinearExpr.constant(0)
        weight = 1
        for level in reversed(group):
            objective = objective + weight * level.expression()
            weight *= level.high - level.low + 1
        model.minimize(objective)
        budget = max(deadline - time.monotonic(), 0.001)
        solver.parameters.max_time_in_seconds = (
            min(budget, TIEBREAK_SECONDS) if tiebreak else budget
        )
        status = solver.solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = {
                i: int(solver.value(q[i])) for i, var in enumerate(x) if solver.boolean_value(var)
            }
        if status != cp_model.OPTIMAL:
            optimal = optimal and tiebreak
            break
        model.add(objective <= round(solver.objective_value))
    return Choice(found, optimal)


def _hint(
    model: cp_model.CpModel,
    x: list[cp_model.IntVar],
    counted: dict[int, cp_model.IntVar],
    found: dict[int, int],
) -> None:
    """A partial hint, the options that ship: CP-SAT completes it (hinting every variable
    cost more in Python than it saved in the search)."""
    model.clear_hints()
    for i, units in found.items():
        model.add_hint(x[i], True)
        if i in counted:
            model.add_hint(counted[i], units)


def _groups(levels: list[_Level]) -> list[list[_Level]]:
    """Consecutive levels whose ranges multiply to at most WEIGHT_MAX share one solve."""
    groups: list[list[_Level]] = []
    product = WEIGHT_MAX + 1
    for level in levels:
        if not level.variables:
            continue
        span = level.high - level.low + 1
        if product * span > WEIGHT_MAX or not groups:
            groups.append([level])
            product = span
        else:
            groups[-1].append(level)
            product *= span
    return groups
