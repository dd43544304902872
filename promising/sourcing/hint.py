"""A quick feasible answer to start CP-SAT from, to skip its first solve when it already
serves every line as well as it possibly could (`service`), and to fall back on if CP-SAT
finds nothing in its time limit.

Lines one at a time in order: a ship set at the (location, day) that serves its lines best
and still fits; a line that may split, its best plan in what is left (`split_plan`); any
other line, its best single option that still fits.
"""

from __future__ import annotations

from collections import defaultdict

from promising.sourcing.problem import Problem
from promising.sourcing.service import served, split_plan


class _Reserved:
    """Units the hint has reserved per pool and bucket, and what still fits."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.used: dict[int, dict[int, int]] = defaultdict(dict)
        self.checks: dict[int, list[int]] = defaultdict(list)
        for o in problem.options:
            if o.pool >= 0:
                self.checks[o.pool].append(o.bucket)

    def room(self, option: int) -> int:
        """Units option `option` may still ship: the least, over the capacity checks on or
        after its day, of capacity minus what is reserved up to there (DESIGN §3)."""
        o = self.problem.options[option]
        if o.pool < 0:
            return o.quantity_max
        capacity = self.problem.capacity[o.pool]
        used = self.used[o.pool]
        room = o.quantity_max
        for c in {o.bucket, *self.checks[o.pool]}:
            if c >= o.bucket:
                room = min(room, int(capacity[c]) - sum(u for b, u in used.items() if b <= c))
        return room

    def take(self, option: int, units: int) -> None:
        """Reserve `units` for the option (negative: give them back)."""
        o = self.problem.options[option]
        if o.pool >= 0:
            self.used[o.pool][o.bucket] = self.used[o.pool].get(o.bucket, 0) + units


def greedy_hint(problem: Problem) -> dict[int, int]:
    """Option index → units, for options that ship."""
    by_line: dict[int, list[int]] = defaultdict(list)
    for i, o in enumerate(problem.options):
        by_line[o.line].append(i)
    sets: dict[int, list[int]] = defaultdict(list)
    for position, line in enumerate(problem.lines):
        if line.ship_set >= 0:
            sets[line.ship_set].append(position)
    reserved = _Reserved(problem)
    chosen: dict[int, int] = {}
    done: set[int] = set()
    for position, line in enumerate(problem.lines):
        if line.ship_set >= 0:
            if line.ship_set not in done:
                done.add(line.ship_set)
                chosen.update(_ship_set(problem, sets[line.ship_set], by_line, reserved))
            continue
        mine = sorted(by_line.get(position, []), key=lambda i: _rank(problem, i))
        if line.split:
            picked = split_plan(problem, position, mine, reserved.room)
        else:
            picked = _single(problem, position, mine, reserved)
        for i, units in picked.items():
            reserved.take(i, units)
        chosen.update(picked)
    return chosen


def _rank(problem: Problem, i: int) -> tuple:
    o = problem.options[i]
    return (
        not o.on_time,
        -o.quantity_max,
        o.late_days,
        o.variant,
        o.made,
        o.cost_key,
        o.preference,
    )


def _single(problem: Problem, position: int, mine: list[int], reserved: _Reserved) -> dict:
    line = problem.lines[position]
    for i in mine:
        units = reserved.room(i)
        if units > 0 and (units >= line.quantity or line.partial):
            return {i: min(units, line.quantity)}
    return {}


def _ship_set(
    problem: Problem, lines: list[int], by_line: dict[int, list[int]], reserved: _Reserved
) -> dict[int, int]:
    """The set's lines at the (location, day) serving them best that fits, or none."""
    at: dict[tuple[int, int], dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for position in lines:
        for i in by_line.get(position, []):
            o = problem.options[i]
            at[o.location, o.bucket][position].append(i)
    best: tuple | None = None
    for pair, per_line in at.items():
        if len(per_line) < len(lines):
            continue
        picked = {}
        for position in lines:
            i = min(per_line[position], key=lambda i: _rank(problem, i))
            picked[i] = problem.options[i].quantity_max
        total = [served(problem, p, [(i, u)]) for p in lines for i, u in picked.items()
                 if problem.options[i].line == p]  # fmt: skip
        key = tuple(sum(level) for level in zip(*(s.key() for s in total), strict=True))
        if best is None or key < best[0]:
            best = (key, pair, picked)
    if best is None:
        return {}
    picked = best[2]
    for i in picked:
        units = reserved.room(i)
        line = problem.lines[problem.options[i].line]
        if units <= 0 or (units < line.quantity and not line.partial):
            for taken in picked:  # give back what the set's earlier lines took
                if taken == i:
                    break
                reserved.take(taken, -picked[taken])
            return {}
        picked[i] = min(units, line.quantity)
        reserved.take(i, picked[i])
    return picked
