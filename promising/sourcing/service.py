"""How well a choice serves the lines — the first five objective levels — and a bound no
choice can beat: each line (each ship set) with the stock to itself.

If a choice reaches the bound, no choice serves the order better on those levels (they are
sums over lines, and the lexicographic order is compatible with addition), so the solver may
fix them and go straight to shipments and cost: on a typical order, with the stock there,
this saves the first of its solves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import NamedTuple

from promising.sourcing.problem import Problem


class Service(NamedTuple):
    """A line's service: on time (0/1), units promised, days late, substitute units × rank,
    units made or bought."""

    on_time: int
    units: int
    late_days: int
    substituted: int
    made: int

    def key(self) -> tuple[int, int, int, int, int]:
        """Smaller is better, in objective order."""
        return (-self.on_time, -self.units, self.late_days, self.substituted, self.made)


NONE = Service(0, 0, 0, 0, 0)
LEVELS = len(NONE)


def served(problem: Problem, position: int, shipped: Iterable[tuple[int, int]]) -> Service:
    """The service of line `position` shipped as (option, units) pairs."""
    units = late = substituted = made = 0
    all_on_time = True
    for i, count in shipped:
        o = problem.options[i]
        units += count
        late = max(late, o.late_days)
        substituted += o.variant * count
        made += o.made * count
        all_on_time = all_on_time and o.on_time
    if not units:
        return NONE
    on_time = int(all_on_time and units == problem.lines[position].quantity)
    return Service(on_time, units, late, substituted, made)


def total(services: Iterable[Service]) -> tuple[int, ...]:
    """The service levels of a choice, summed over lines as the solver counts them."""
    keys = [s.key() for s in services]
    return tuple(sum(level) for level in zip(*keys, strict=True)) if keys else (0,) * LEVELS


def bound(problem: Problem) -> tuple[int, ...]:
    """Service levels no choice can beat (reached when no two lines compete for stock)."""
    by_line: dict[int, list[int]] = defaultdict(list)
    for i, o in enumerate(problem.options):
        by_line[o.line].append(i)
    best: list[Service] = []
    sets: dict[int, list[int]] = defaultdict(list)
    for position, line in enumerate(problem.lines):
        mine = by_line.get(position, [])
        if line.ship_set >= 0:
            sets[line.ship_set].append(position)
        elif line.split:
            best.append(_best_split(problem, position, mine))
        else:
            best.append(_best_single(problem, position, mine))
    keys = [total(best)]
    for members in sets.values():
        keys.append(_best_set(problem, members, by_line))
    return tuple(sum(level) for level in zip(*keys, strict=True))


def _best_single(problem: Problem, position: int, mine: list[int]) -> Service:
    candidates = [served(problem, position, [(i, problem.options[i].quantity_max)]) for i in mine]
    return min(candidates, key=Service.key, default=NONE)


def _best_split(problem: Problem, position: int, mine: list[int]) -> Service:
    plan = split_plan(problem, position, mine, lambda i: problem.options[i].quantity_max)
    return served(problem, position, plan.items())


def split_plan(
    problem: Problem, position: int, mine: list[int], room: Callable[[int], int]
) -> dict[int, int]:
    """The best service for a line that may split, alone, when option i may ship at most
    `room(i)` units: option → units.

    The least lateness L at which the sources, each at its roomiest option no later than
    L, hold the quantity (L = 0: on time); then the fewest substitutes by filling from the
    ordered item first, then stock before making or buying. A partial line short even at the
    latest takes all there is, at the least lateness that holds as much. A make option ships
    the whole line alone: it is weighed against that plan.
    """
    options = problem.options
    shared = [i for i in mine if options[i].plan < 0]
    plan = _shared_plan(problem, position, shared, room)
    best = served(problem, position, plan.items()).key()
    quantity = problem.lines[position].quantity
    for i in mine:
        if options[i].plan >= 0 and room(i) >= quantity:
            alone = served(problem, position, [(i, quantity)]).key()
            if alone < best:
                plan, best = {i: quantity}, alone
    return plan


def _shared_plan(
    problem: Problem, position: int, mine: list[int], room: Callable[[int], int]
) -> dict[int, int]:
    line = problem.lines[position]
    options = problem.options
    roomy = [(i, room(i)) for i in mine]
    roomy = [(i, units) for i, units in roomy if units > 0]
    if not roomy:
        return {}

    def at(limit: int) -> list[tuple[int, int]]:
        best: dict[int, tuple[int, int]] = {}
        for i, units in roomy:
            o = options[i]
            if o.late_days <= limit and units > best.get(o.source, (-1, 0))[1]:
                best[o.source] = (i, units)
        return sorted(
            best.values(),
            key=lambda c: (options[c[0]].variant, options[c[0]].made, options[c[0]].cost_key),
        )

    thresholds = sorted({options[i].late_days for i, _ in roomy})
    most = sum(units for _, units in at(thresholds[-1]))
    if most < line.quantity and not line.partial:
        return {}
    want = min(most, line.quantity)
    for limit in thresholds:
        chosen = at(limit)
        if sum(units for _, units in chosen) >= want:
            plan, need = {}, want
            for i, units in chosen:
                if need == 0:
                    break
                plan[i] = min(units, need)
                need -= plan[i]
            return plan
    raise AssertionError("the latest threshold holds `want`")


def _best_set(
    problem: Problem, members: list[int], by_line: dict[int, list[int]]
) -> tuple[int, ...]:
    """The set at its best (location, day), each line its best option there."""
    at: dict[tuple[int, int], dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for position in members:
        for i in by_line.get(position, []):
            o = problem.options[i]
            at[o.location, o.bucket][position].append(i)
    best = total([NONE])
    for per_line in at.values():
        if len(per_line) == len(members):
            found = [_best_single(problem, p, per_line[p]) for p in members]
            best = min(best, total(found))
    return best
