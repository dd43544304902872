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


def group_ptr(groups: Sequence[int], count: int) -> list[int]:
    """Where group g starts once members are sorted by group: how many are in lower groups."""
    return [sum(1 for g in groups if g < k) for k in range(count + 1)]


# --- patching grouped events with a delta (kernels/refresh.py) ------------------------------

Event = tuple[int, int, int, int]
"""(bucket, quantity, kind, demand class): events are values, equal ones interchangeable."""


def patch_grouped(
    rows: Sequence[Sequence[Event]],
    row_count: int,
    removed: Sequence[tuple[int, Event]],
    added: Sequence[tuple[int, Event]],
) -> tuple[list[list[Event]], int]:
    """Each row's events (rows appended empty up to `row_count`) without one equal event per
    (row, event) removed, then with the added ones in their order; and how many removed
    events no row had."""
    out = [list(rows[r]) if r < len(rows) else [] for r in range(row_count)]
    missing = 0
    for r, event in removed:
        if event in out[r]:
            out[r].remove(event)
        else:
            missing += 1
    for r, event in added:
        out[r].append(event)
    return out, missing


def merge_column(
    old: Sequence[int], keep: Sequence[bool], added: Sequence[int], at: Sequence[int]
) -> list[int]:
    """The kept old values in order, each added value placed just before old position at[j]
    (added values at one position keep their order): a stable sort by position."""
    placed = [(i, 1, v) for i, v in enumerate(old) if keep[i]]
    placed += [(a, 0, v) for a, v in zip(at, added, strict=True)]
    return [v for _, _, v in sorted(placed, key=lambda p: (p[0], p[1]))]


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
    """Class ATP by the definition: its own pool's ATP plus what the other pools it reaches
    hold, capped by plain ATP less what higher classes' pools hold, then the minimum over
    later buckets."""
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
                atps[k][t] + sum(max(atps[p][t], 0) for p in reach[1:]),
                overall[t] - sum(max(atps[p][t], 0) for p in range(k)),
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


# --- sourcing (promising/sourcing): every assignment of a small order, tried -----------------


class SourcingWorld:
    """A tiny multi-location world in plain dicts: nets per (item, location), closed days per
    location, sourcing rules (item or "*", region, location, rank, transit, ship cost),
    substitutes (item, substitute, rank), unit costs and prices."""

    def __init__(self, horizon, net, closed, rules, substitutes, unit_cost, price) -> None:
        self.horizon, self.net, self.closed = horizon, net, closed
        self.rules, self.substitutes = rules, substitutes
        self.unit_cost, self.price = unit_cost, price

    def works(self, location: str, day: int) -> bool:
        return 0 <= day < self.horizon and day not in self.closed.get(location, ())

    def candidates(self, item: str, region: str, location: str | None) -> list[tuple]:
        """(location, transit, ship cost): the item's own rules by rank, then `*` rules for
        other locations by rank; a named location is the only one (free without a rule)."""
        own = sorted((r for r in self.rules if r[0] == item and r[1] == region), key=lambda r: r[3])
        named = {r[2] for r in own}
        anyone = sorted(
            (r for r in self.rules if r[0] == "*" and r[1] == region and r[2] not in named),
            key=lambda r: r[3],
        )
        found = [(r[2], r[4], r[5]) for r in own + anyone]
        if location is None:
            return found
        return [c for c in found if c[0] == location][:1] or [(location, 0, 0.0)]

    def sources(self, line: dict, region: str) -> list[tuple]:
        """(item, location, transit, cost per unit, substitute rank position: 0 for the
        ordered item) a line may ship from."""
        items = [(line["item"], 0)]
        if line["substitutes"]:
            ranked = sorted(
                (s for s in self.substitutes if s[0] == line["item"]), key=lambda s: s[2]
            )
            ranks = sorted({s[2] for s in ranked})  # equal ranks share a position
            items += [(s[1], ranks.index(s[2]) + 1) for s in ranked]
        out = []
        for item, position in items:
            for location, transit, ship_cost in self.candidates(item, region, line["location"]):
                cost = self.unit_cost.get(item, 0.0) + ship_cost - self.price.get(item, 0.0)
                out.append((item, location, transit, cost, position))
        return out


def _ship_days(world: SourcingWorld, line: dict, source: tuple, in_set: bool) -> list[int]:
    """Days a shipment may leave: on time only on the latest working day on or before
    requested − transit (a ship-set line: any working day), late on any working day after."""
    location, transit = source[1:3]
    latest = line["requested"] - transit
    days = [d for d in range(world.horizon) if world.works(location, d)]
    if in_set:
        return days
    on_time = [d for d in days if d <= latest][-1:]
    return on_time + [d for d in days if d > latest]


def _line_plans(world: SourcingWorld, line: dict, sources: list[tuple], in_set: bool):
    """Every way to ship one line: tuples of (source index, units, day)."""
    quantity = line["quantity"]
    amounts = range(1, quantity + 1) if line["partial"] or line["split"] else [quantity]
    per_source = [
        [(k, units, day) for day in _ship_days(world, line, source, in_set) for units in amounts]
        for k, source in enumerate(sources)
    ]
    plans: list[tuple] = [()]
    if not line["split"] or line["ship_set"]:
        plans += [(one,) for choices in per_source for one in choices]
    else:

        def extend(k: int, plan: tuple, total: int) -> None:
            if k == len(per_source):
                if plan:
                    plans.append(plan)
                return
            extend(k + 1, plan, total)
            for shipment in per_source[k]:
                if total + shipment[1] <= quantity:
                    extend(k + 1, (*plan, shipment), total + shipment[1])

        extend(0, (), 0)
    return [p for p in plans if line["partial"] or sum(s[1] for s in p) in (0, quantity)]


def _line_service(line: dict, shipments: tuple, arrivals: list[int]) -> tuple[int, int, int]:
    """(units shipped, 1 if the whole line arrives in time, days late) of one line."""
    total = sum(s[1] for s in shipments)
    on_time = int(total == line["quantity"] and all(a <= line["requested"] for a in arrivals))
    return total, on_time, max([a - line["requested"] for a in arrivals] + [0])


def _ship_sets_apart(sets: dict[str, list]) -> bool:
    """True when some ship set does not ship all together from one location on one day
    (`sets`: per set, each member line's list of (location, day))."""
    for members in sets.values():
        apart = any(len(where) != 1 for where in members) or len({w[0] for w in members}) > 1
        if len(members) > 1 and any(members) and apart:
            return True
    return False


def sourcing_objective(world: SourcingWorld, lines: list[dict], region: str, plans) -> tuple | None:
    """(−lines on time, −units, days late, substitute units × rank position, shipments,
    cost) of an assignment, or None when it breaks a rule: a ship set not shipping all
    together from one location on one day, or reserving more than LOOKAHEAD ATP allows
    (DESIGN §3: reserving q on day t needs ATP[t] >= q, and every later ATP follows)."""
    reserved: dict[tuple[str, str], list[int]] = {}
    on_time = units = late = substituted = 0
    cost = 0.0
    pairs = set()
    sets: dict[str, list] = {}
    for line, shipments in zip(lines, plans, strict=True):
        sources = world.sources(line, region)
        arrivals = []
        for k, quantity, day in shipments:
            item, location, transit, unit, position = sources[k]
            net_row = world.net.get((item, location), [0] * world.horizon)
            taken = reserved.setdefault((item, location), [0] * world.horizon)
            if lookahead([n - r for n, r in zip(net_row, taken, strict=True)])[day] < quantity:
                return None
            taken[day] += quantity
            arrivals.append(day + transit)
            pairs.add((location, day))
            cost += quantity * unit
            substituted += quantity * position
        if line["ship_set"]:
            where = [(sources[k][1], day) for k, _, day in shipments]
            sets.setdefault(line["ship_set"], []).append(where)
        shipped, in_time, days_late = _line_service(line, shipments, arrivals)
        units += shipped
        on_time += in_time
        late += days_late
    if _ship_sets_apart(sets):
        return None
    return (-on_time, -units, late, substituted, len(pairs), round(cost, 6))


def line_options(world: SourcingWorld, lines: list[dict], region: str) -> list[list[tuple]]:
    """Every plan of each line of the order (`_line_plans`); the assignments are their
    product."""
    sizes: dict[str, int] = {}
    for line in lines:
        if line["ship_set"]:
            sizes[line["ship_set"]] = sizes.get(line["ship_set"], 0) + 1
    return [
        _line_plans(world, line, world.sources(line, region), sizes.get(line["ship_set"], 0) > 1)
        for line in lines
    ]


def best_sourcing(world: SourcingWorld, lines: list[dict], region: str) -> tuple:
    """The lexicographically smallest objective over every assignment of the order
    (depth first over lines; an assignment that over-reserves is cut as soon as it does)."""
    sources = [world.sources(line, region) for line in lines]
    options = line_options(world, lines, region)
    best: list[tuple] = []
    reserved: dict[tuple[str, str], list[int]] = {}

    def fits(line_sources: list[tuple], plan: tuple) -> bool:
        """Reserve the plan's shipments one by one; on a refusal take them back."""
        for n, (k, quantity, day) in enumerate(plan):
            item, location = line_sources[k][:2]
            net_row = world.net.get((item, location), [0] * world.horizon)
            taken = reserved.setdefault((item, location), [0] * world.horizon)
            if lookahead([a - r for a, r in zip(net_row, taken, strict=True)])[day] < quantity:
                undo(line_sources, plan[:n])
                return False
            taken[day] += quantity
        return True

    def undo(line_sources: list[tuple], plan: tuple) -> None:
        for k, quantity, day in plan:
            reserved[line_sources[k][:2]][day] -= quantity

    def visit(i: int, chosen: list[tuple]) -> None:
        if i == len(lines):
            value = sourcing_objective(world, lines, region, chosen)
            if value is not None and (not best or value < best[0]):
                best[:] = [value]
            return
        for plan in options[i]:
            if fits(sources[i], plan):
                chosen.append(plan)
                visit(i + 1, chosen)
                chosen.pop()
                undo(sources[i], plan)

    visit(0, [])
    assert best  # shipping nothing is always allowed
    return best[0]


# --- the whole pipeline (promising/sourcing): classes, suppliers and making composed ----------


class ComposedWorld(SourcingWorld):
    """A `SourcingWorld` where an item may also be allocated by demand class, bought from
    suppliers and made at a plant, and an order has a demand class.

    `supply`/`demand`: per (item, location), plain lists (demand without a class);
    `allocation`: item → (class names by priority, percent_bp, can_lower);
    `suppliers`: item → [(location, lead, capacity per day, unit cost)];
    `plant`: (item made, plant location, CtpWorld of that plant with items by name)."""

    def __init__(self, horizon, supply, demand, closed, rules, substitutes, unit_cost, price,
                 allocation, suppliers, plant, demand_class) -> None:  # fmt: skip
        net = {
            key: [s - d for s, d in zip(supply[key], demand.get(key, [0] * horizon), strict=True)]
            for key in supply
        }
        super().__init__(horizon, net, closed, rules, substitutes, unit_cost, price)
        self.supply, self.demand = supply, demand
        self.allocation, self.suppliers, self.plant = allocation, suppliers, plant
        self.demand_class = demand_class

    def sources(self, line: dict, region: str) -> list[tuple]:
        """(item, location, transit, cost per unit, substitute position, kind) in the engine's
        order: per item, its stock candidates, its suppliers, then making at candidate
        plants."""
        items = [(line["item"], 0)]
        if line["substitutes"]:
            ranked = sorted(
                (s for s in self.substitutes if s[0] == line["item"]), key=lambda s: s[2]
            )
            ranks = sorted({s[2] for s in ranked})
            items += [(s[1], ranks.index(s[2]) + 1) for s in ranked]
        out = []
        for item, position in items:
            price = self.price.get(item, 0.0)
            candidates = self.candidates(item, region, line["location"])
            for location, transit, ship_cost in candidates:
                if (item, location) in self.supply:  # the item-location has a row
                    cost = self.unit_cost.get(item, 0.0) + ship_cost - price
                    out.append((item, location, transit, cost, position, "ATP"))
            for location, _lead, _capacity, unit in self.suppliers.get(item, []):
                out.append((item, location, 0, unit - price, position, "SUPPLIER"))
            for location, transit, ship_cost in candidates:
                if item == self.plant[0] and location == self.plant[1]:
                    cost = self.unit_cost.get(item, 0.0) + ship_cost - price
                    out.append((item, location, transit, cost, position, "CTP"))
        return out

    def classed(self, source: tuple) -> bool:
        """True when the source's units are the order's class's allocation."""
        return source[5] == "ATP" and bool(self.demand_class) and source[0] in self.allocation

    def curve(self, source: tuple, taken: list[int]) -> list[int]:
        """What the source's pool can ship on or before each day with `taken` reserved."""
        item, location, kind = source[0], source[1], source[5]
        horizon = self.horizon
        if kind == "SUPPLIER":
            lead, capacity = next((s[1], s[2]) for s in self.suppliers[item] if s[0] == location)
            supplied = [0 if t < lead else capacity for t in range(horizon)]
            return lookahead([s - r for s, r in zip(supplied, taken, strict=True)])
        supply = self.supply[(item, location)]
        demand = self.demand.get((item, location), [0] * horizon)
        rules = self.allocation.get(item)
        if not self.demand_class or rules is None:
            return lookahead(net(supply, demand, taken))
        names, percent_bp, can_lower = rules
        k = names.index(self.demand_class)
        by_class = [[0] * horizon for _ in range(len(names) + 1)]
        by_class[len(names)] = list(demand)
        by_class[k] = list(taken)
        return class_atp(supply, by_class, percent_bp, [0] * len(names), can_lower)[k]


def _ship_day_on_time(world: ComposedWorld, location: str, latest: int) -> int:
    return max((d for d in range(min(latest, world.horizon - 1) + 1) if world.works(location, d)),
               default=-1)  # fmt: skip


def composed_make_days(world: ComposedWorld, lines: list[dict], region: str) -> list[dict]:
    """Per line, source index → make (done, ship day) for its make sources: planned in line
    order with earlier plans held, unless a stock or supplier pool holds the line on time
    whatever the other lines take (the engine's rule, promising/sourcing/problem.py)."""
    sources = [world.sources(line, region) for line in lines]
    wanted: dict[tuple, int] = {}
    for line, found in zip(lines, sources, strict=True):
        for pool in {(s[0], s[1], s[5]) for s in found if s[5] != "CTP"}:
            wanted[pool] = wanted.get(pool, 0) + line["quantity"]
    plant = world.plant[2].copy()
    out: list[dict] = []
    for line, found in zip(lines, sources, strict=True):
        days: dict = {}
        out.append(days)
        makers = [k for k, s in enumerate(found) if s[5] == "CTP"]
        if not makers:
            continue
        covered = False
        for s in found:
            if s[5] == "CTP":
                continue
            on_time = _ship_day_on_time(world, s[1], line["requested"] - s[2])
            if on_time >= 0:
                curve = world.curve(s, [0] * world.horizon)
                covered = covered or curve[on_time] >= wanted[(s[0], s[1], s[5])]
        if covered:
            continue
        for k in makers:
            item, location, transit = found[k][:3]
            first = max(_ship_day_on_time(world, location, line["requested"] - transit), 0)
            made = ctp(plant.copy(), item, line["quantity"], first)  # a failed plan holds nothing
            if made is None:
                continue
            done, plant = made
            ship = next((d for d in range(done, world.horizon) if world.works(location, d)), -1)
            if ship >= 0:
                days[k] = (done, ship)
    return out


def _composed_plans(world, line, sources, make_days, in_set):
    """Every way to ship one line: tuples of (source index, units, day); a make source ships
    the whole line alone on its ship day."""
    stock = [s if s[5] != "CTP" else None for s in sources]
    plain = [s for s in stock if s is not None]
    index = [k for k, s in enumerate(stock) if s is not None]
    plans = [
        tuple((index[k], units, day) for k, units, day in plan)
        for plan in _line_plans(world, line, plain, in_set)
    ]
    plans += [((k, line["quantity"], ship),) for k, (_, ship) in make_days.items()]
    return plans


def composed_objective(world: ComposedWorld, lines: list[dict], region: str, plans,
                       make_days) -> tuple | None:  # fmt: skip
    """(−lines on time, −units, days late, substitute units × position, units made or bought,
    shipments, cost) of an assignment, or None when it breaks a rule."""
    taken: dict[tuple, list[int]] = {}
    classed: dict[tuple, tuple] = {}
    on_time = units = late = substituted = made = 0
    cost = 0.0
    pairs = set()
    sets: dict[str, list] = {}
    for line, shipments, days in zip(lines, plans, make_days, strict=True):
        sources = world.sources(line, region)
        arrivals = []
        for k, quantity, day in shipments:
            source = sources[k]
            item, location, transit, unit, position, kind = source
            if kind == "CTP":
                if k not in days or days[k][1] != day or quantity != line["quantity"]:
                    return None
                if len(shipments) > 1:
                    return None
            elif world.classed(source):
                # A class's draws depend on when its units are taken, not in which order
                # they were asked: checked once, with the order's whole take, below.
                row = taken.setdefault((item, location, kind), [0] * world.horizon)
                row[day] += quantity
                classed[(item, location, kind)] = source
            else:
                row = taken.setdefault((item, location, kind), [0] * world.horizon)
                if world.curve(source, row)[day] < quantity:
                    return None
                row[day] += quantity
            arrivals.append(day + transit)
            pairs.add((location, day))
            cost += quantity * unit
            substituted += quantity * position
            made += quantity if kind != "ATP" else 0
        if line["ship_set"]:
            where = [(sources[k][1], d) for k, _, d in shipments]
            sets.setdefault(line["ship_set"], []).append(where)
        shipped, in_time, days_late = _line_service(line, shipments, arrivals)
        units += shipped
        on_time += in_time
        late += days_late
    if _ship_sets_apart(sets):
        return None
    for key, source in classed.items():  # with all of it reserved, the class is not short
        curve = world.curve(source, taken[key])
        if any(curve[t] < 0 for t, units in enumerate(taken[key]) if units):
            return None
    return (-on_time, -units, late, substituted, made, len(pairs), round(cost, 6))


def composed_options(world: ComposedWorld, lines: list[dict], region: str) -> list[list[tuple]]:
    """Every plan of each line of the order; the assignments are their product."""
    sizes: dict[str, int] = {}
    for line in lines:
        if line["ship_set"]:
            sizes[line["ship_set"]] = sizes.get(line["ship_set"], 0) + 1
    make_days = composed_make_days(world, lines, region)
    return [
        _composed_plans(
            world, line, world.sources(line, region), days, sizes.get(line["ship_set"], 0) > 1
        )
        for line, days in zip(lines, make_days, strict=True)
    ]


def best_composed(world: ComposedWorld, lines: list[dict], region: str) -> tuple:
    """The lexicographically smallest objective over every assignment of the order."""
    make_days = composed_make_days(world, lines, region)
    options = composed_options(world, lines, region)
    best: list[tuple] = []

    def visit(i: int, chosen: list[tuple]) -> None:
        if i == len(lines):
            value = composed_objective(world, lines, region, chosen, make_days)
            if value is not None and (not best or value < best[0]):
                best[:] = [value]
            return
        for plan in options[i]:
            chosen.append(plan)
            prefix = composed_objective(world, lines[: i + 1], region, chosen, make_days[: i + 1])
            if prefix is not None:
                visit(i + 1, chosen)
            chosen.pop()

    visit(0, [])
    assert best  # shipping nothing is always allowed
    return best[0]
