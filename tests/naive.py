"""Slow, obvious references for every kernel: the definitions of DESIGN section 3, written
literally in plain Python (lists, no numpy tricks), for property tests to compare against."""

from __future__ import annotations

from collections.abc import Sequence

LOOKAHEAD, NONE, BACKWARD, BACKWARD_FORWARD = 0, 1, 2, 3


def net(supply: Sequence[int], demand: Sequence[int], reserved: Sequence[int]) -> list[int]:
    return [s - d - r for s, d, r in zip(supply, demand, reserved, strict=True)]


def lookahead(values: Sequence[int]) -> list[int]:
    """ATP[t] = min over s >= t of cum[s], with cum[s] = sum of values[0..s]."""
    cum = [sum(values[: s + 1]) for s in range(len(values))]
    return [min(cum[t:]) for t in range(len(values))]


def backward(values: Sequence[int]) -> list[int]:
    """Each negative period, in time order, takes from the nearest earlier positives."""
    out = list(values)
    for t in range(len(out)):
        u = t - 1
        while out[t] < 0 and u >= 0:
            if out[u] > 0:
                take = min(-out[t], out[u])
                out[u] -= take
                out[t] += take
            u -= 1
    return out


def forward(values: Sequence[int]) -> list[int]:
    """Each negative period, earliest first, takes from the following positives, earliest first."""
    out = list(values)
    for t in range(len(out)):
        u = t + 1
        while out[t] < 0 and u < len(out):
            if out[u] > 0:
                take = min(-out[t], out[u])
                out[u] -= take
                out[t] += take
            u += 1
    return out


def accumulate(values: Sequence[int]) -> list[int]:
    """A[t] = max(A[t-1], 0) + c[t]."""
    out: list[int] = []
    for t, c in enumerate(values):
        out.append((max(out[t - 1], 0) if t else 0) + c)
    return out


def atp(
    supply: Sequence[int],
    demand: Sequence[int],
    reserved: Sequence[int],
    consumption: int,
    accumulated: bool,
) -> list[int]:
    values = net(supply, demand, reserved)
    if consumption == LOOKAHEAD:
        return lookahead(values)
    if consumption in (BACKWARD, BACKWARD_FORWARD):
        values = backward(values)
    if consumption == BACKWARD_FORWARD:
        values = forward(values)
    return accumulate(values) if accumulated else values


def earliest(
    supply: Sequence[int],
    demand: Sequence[int],
    reserved: Sequence[int],
    start: int,
    quantity: int,
    limit: int,
) -> int:
    """Earliest t in [start, limit) with LOOKAHEAD ATP over [0, limit) >= quantity, else -1."""
    values = lookahead(net(supply[:limit], demand[:limit], reserved[:limit]))
    for t in range(max(start, 0), limit):
        if values[t] >= quantity:
            return t
    return -1


def bucketize(days: Sequence[int], horizon: int) -> tuple[list[int], int, int]:
    """Past due → 0, past the horizon → -1; also the two counts."""
    buckets = [0 if d < 0 else (-1 if d >= horizon else d) for d in days]
    return buckets, sum(d < 0 for d in days), sum(d >= horizon for d in days)


def dense(
    rows: Sequence[int],
    buckets: Sequence[int],
    quantities: Sequence[int],
    kinds: Sequence[int],
    row_mask: Sequence[int],
    horizon: int,
) -> list[list[int]]:
    """Sum counted events per (row, bucket)."""
    out = [[0] * horizon for _ in row_mask]
    for r, b, q, k in zip(rows, buckets, quantities, kinds, strict=True):
        if b >= 0 and row_mask[r] & (1 << k):
            out[r][b] += q
    return out


def apply_reservations(
    reserved: list[list[int]],
    allocations: Sequence[tuple[int, int, int]],
    sign: int,
) -> list[list[int]]:
    out = [list(r) for r in reserved]
    for row, bucket, quantity in allocations:
        out[row][bucket] += sign * quantity
    return out


# --- allocation by demand class (kernels/allocation.py) -------------------------------------


def pool_supply(
    supply: Sequence[int], percent_bp: Sequence[int], fixed: Sequence[int]
) -> list[list[int]]:
    """Rows 0..K-1: each class's share of every bucket, most important first; row K: the rest."""
    classes = len(percent_bp)
    pools = [[0] * len(supply) for _ in range(classes + 1)]
    for t, s in enumerate(supply):
        left = max(s, 0)
        for k in range(classes):
            if s <= 0:
                share = 0
            elif percent_bp[k] >= 0:
                share = s * percent_bp[k] // 10000
            else:
                share = fixed[k]
            share = min(share, left)
            pools[k][t] = share
            left -= share
        pools[classes][t] = left
    return pools


def draw_order(k: int, classes: int, can_lower: Sequence[bool]) -> list[int]:
    if k == classes:  # demand without a class
        return [classes, *range(classes - 1, -1, -1)]
    lower = list(range(classes - 1, k, -1)) if can_lower[k] else []
    return [k, classes, *lower]


def pool_atps(
    supply: Sequence[int],
    demand: Sequence[Sequence[int]],
    percent_bp: Sequence[int],
    fixed: Sequence[int],
    can_lower: Sequence[bool],
) -> list[list[int]]:
    """LOOKAHEAD ATP of every pool after demand without a class, then each class by priority,
    drew greedily in time order from the pools it may use."""
    classes = len(percent_bp)
    horizon = len(supply)
    pools = pool_supply(supply, percent_bp, fixed)
    consumed = [[0] * horizon for _ in range(classes + 1)]

    def pool_atp(p: int) -> list[int]:
        return lookahead([pools[p][t] - consumed[p][t] for t in range(horizon)])

    for k in [classes, *range(classes)]:
        order = draw_order(k, classes, can_lower)
        for t in range(horizon):
            need = demand[k][t]
            for p in order:
                if need <= 0:
                    break
                take = min(need, max(pool_atp(p)[t], 0))
                consumed[p][t] += take
                need -= take
            if need > 0:
                consumed[order[0]][t] += need
    return [pool_atp(p) for p in range(classes + 1)]


def class_atp(
    supply: Sequence[int],
    demand: Sequence[Sequence[int]],
    percent_bp: Sequence[int],
    fixed: Sequence[int],
    can_lower: Sequence[bool],
) -> list[list[int]]:
    """Class ATP by the definition: the reachable pools' ATP summed, capped by plain ATP less
    what unreachable pools hold, then the minimum over later buckets."""
    classes = len(percent_bp)
    horizon = len(supply)
    atps = pool_atps(supply, demand, percent_bp, fixed, can_lower)
    overall = lookahead(
        [supply[t] - sum(demand[k][t] for k in range(classes + 1)) for t in range(horizon)]
    )
    result = []
    for k in range(classes):
        reach = draw_order(k, classes, can_lower)
        capped = [
            min(
                atps[k][t] + atps[classes][t] + sum(max(atps[p][t], 0) for p in reach[2:]),
                overall[t] - sum(max(atps[p][t], 0) for p in range(classes + 1) if p not in reach),
            )
            for t in range(horizon)
        ]
        result.append([min(capped[t:]) for t in range(horizon)])
    return result


# --- capable-to-promise (promising/ctp.py, kernels/ctp.py) -----------------------------------


class CtpWorld:
    """One plant in plain lists: ATP inputs per item, BOM, routings, capacity per resource."""

    def __init__(
        self,
        supply: dict[int, list[int]],
        demand: dict[int, list[int]],
        components: dict[int, list[tuple[int, int]]],
        routings: dict[int, list[tuple[int, int]]],
        capacity: dict[int, list[int]],
        lead: dict[int, int],
        horizon: int,
    ) -> None:
        self.supply, self.demand, self.components = supply, demand, components
        self.routings, self.capacity, self.lead, self.horizon = routings, capacity, lead, horizon
        self.reserved = {i: [0] * horizon for i in supply}
        self.used = {r: [0] * horizon for r in capacity}

    def copy(self) -> CtpWorld:
        other = CtpWorld(
            self.supply, self.demand, self.components, self.routings, self.capacity, self.lead,
            self.horizon,
        )  # fmt: skip
        other.reserved = {i: list(v) for i, v in self.reserved.items()}
        other.used = {r: list(v) for r, v in self.used.items()}
        return other

    def atp_ready(self, item: int, need: int) -> int:
        if item not in self.supply:
            return -1
        atp = lookahead(net(self.supply[item], self.demand[item], self.reserved[item]))
        return next((t for t in range(self.horizon) if atp[t] >= need), -1)

    def window(self, done: int, lead: int) -> range:
        return range(done, done + 1) if lead <= 0 else range(done - lead, done)


def ctp(world: CtpWorld, item: int, quantity: int, first_done: int = 0, level: int = 0):
    """(done, world after holding) for the earliest make plan, or None; same choices as the
    planner: per component ATP or make, whichever is ready first (ATP on ties)."""
    if level >= 12 or (item not in world.components and item not in world.routings):
        return None
    lead = world.lead.get(item, 0)
    ready = 0
    atp_holds = []
    for component, per in world.components.get(item, []):
        need = quantity * per
        atp_ready = world.atp_ready(component, need)
        made = None
        if (component in world.components or component in world.routings) and atp_ready != 0:
            made = ctp(world.copy(), component, need, 0, level + 1)
            if made is not None and (atp_ready < 0 or made[0] < atp_ready):
                world = made[1]
                ready = max(ready, made[0])
                continue
        if atp_ready < 0:
            return None
        world.reserved[component][atp_ready] += need
        atp_holds.append((component, need, atp_ready))
        ready = max(ready, atp_ready)
    first = max(first_done, ready + lead, lead)
    operations = world.routings.get(item, [])
    done = -1
    for d in range(first, world.horizon):
        days = world.window(d, lead)
        free = [
            sum(max(world.capacity[r][t] - world.used[r][t], 0) for t in days)
            for r, _ in operations
        ]
        if all(f >= quantity * usage for f, (_, usage) in zip(free, operations, strict=True)):
            done = d
            break
    if done < 0:
        return None
    start = world.window(done, lead)[0]
    for component, need, at in atp_holds:
        world.reserved[component][at] -= need
        world.reserved[component][start] += need
    for r, usage in operations:
        need = quantity * usage
        for t in world.window(done, lead):
            take = min(need, max(world.capacity[r][t] - world.used[r][t], 0))
            world.used[r][t] += take
            need -= take
    return done, world


def peg_fifo(supply: Sequence[int], demand: Sequence[int], target: int) -> list[tuple[int, int]]:
    """(supply index, quantity) pieces of demand `target`: earliest supply first, unit by unit."""
    units = [s for s, q in enumerate(supply) for _ in range(q)]
    start = sum(demand[:target])
    taken = units[start : start + demand[target]]
    pieces: list[tuple[int, int]] = []
    for s in taken:
        if pieces and pieces[-1][0] == s:
            pieces[-1] = (s, pieces[-1][1] + 1)
        else:
            pieces.append((s, 1))
    return pieces
