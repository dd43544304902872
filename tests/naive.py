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
