"""ATP (available-to-promise) kernels: net, consumption rules, accumulation, batch drivers.

Consumption codes (the order of `promising.domain.Consumption`):
0 LOOKAHEAD, 1 NONE, 2 BACKWARD, 3 BACKWARD_FORWARD.

All quantities are int64; nothing here allocates per bucket inside a loop.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from kernels.config import jit, jit_parallel

LOOKAHEAD = 0
NONE = 1
BACKWARD = 2
BACKWARD_FORWARD = 3


@jit
def net_row(supply: np.ndarray, demand: np.ndarray, reserved: np.ndarray, out: np.ndarray) -> None:
    """out[t] = supply[t] - demand[t] - reserved[t]."""
    for t in range(out.shape[0]):
        out[t] = supply[t] - demand[t] - reserved[t]


@jit
def lookahead_inplace(values: np.ndarray) -> None:
    """Turn period nets into cumulative ATP with look-ahead: min over s >= t of cum[s]."""
    horizon = values.shape[0]
    total = 0
    for t in range(horizon):
        total += values[t]
        values[t] = total
    running = total
    for t in range(horizon - 1, -1, -1):
        if values[t] < running:
            running = values[t]
        values[t] = running


@jit
def backward_inplace(values: np.ndarray) -> None:
    """Each negative period takes from the nearest earlier positive periods, latest first.

    A stack of earlier periods that still hold a positive quantity makes this O(horizon).
    """
    horizon = values.shape[0]
    stack = np.empty(horizon, dtype=np.int64)
    top = 0
    for t in range(horizon):
        v = values[t]
        if v > 0:
            stack[top] = t
            top += 1
        elif v < 0:
            need = -v
            while need > 0 and top > 0:
                u = stack[top - 1]
                take = min(need, values[u])
                values[u] -= take
                need -= take
                if values[u] == 0:
                    top -= 1
            values[t] = -need


@jit
def forward_inplace(values: np.ndarray) -> None:
    """Each negative period, earliest first, takes from the following positive periods."""
    horizon = values.shape[0]
    cursor = 0
    for t in range(horizon):
        if values[t] >= 0:
            continue
        need = -values[t]
        if cursor <= t:
            cursor = t + 1
        while need > 0 and cursor < horizon:
            if values[cursor] > 0:
                take = min(need, values[cursor])
                values[cursor] -= take
                need -= take
                if values[cursor] > 0:
                    break
            cursor += 1
        values[t] = -need


@jit
def accumulate_inplace(values: np.ndarray) -> None:
    """Carry period values forward: A[t] = max(A[t-1], 0) + c[t]."""
    carry = 0
    for t in range(values.shape[0]):
        values[t] = max(carry, 0) + values[t]
        carry = values[t]


@jit
def consume_inplace(values: np.ndarray, consumption: int, accumulate: bool) -> None:
    """Apply a consumption rule (and accumulation, except for LOOKAHEAD) to period nets."""
    if consumption == LOOKAHEAD:
        lookahead_inplace(values)
        return
    if consumption == BACKWARD:
        backward_inplace(values)
    elif consumption == BACKWARD_FORWARD:
        backward_inplace(values)
        forward_inplace(values)
    if accumulate:
        accumulate_inplace(values)


@jit
def atp_row(
    supply: np.ndarray,
    demand: np.ndarray,
    reserved: np.ndarray,
    consumption: int,
    accumulate: bool,
    out: np.ndarray,
) -> None:
    """ATP of one item-location under a rule, written into `out`."""
    net_row(supply, demand, reserved, out)
    consume_inplace(out, consumption, accumulate)


@jit_parallel
def atp_batch_driver(
    supply: np.ndarray,
    demand: np.ndarray,
    reserved: np.ndarray,
    consumption: np.ndarray,
    accumulate: np.ndarray,
    out: np.ndarray,
) -> None:
    """ATP for every row of (rows, horizon) matrices; rows are independent."""
    for r in prange(supply.shape[0]):
        atp_row(supply[r], demand[r], reserved[r], consumption[r], accumulate[r], out[r])


def atp_batch(
    supply: np.ndarray,
    demand: np.ndarray,
    reserved: np.ndarray,
    consumption: np.ndarray | int = LOOKAHEAD,
    accumulate: np.ndarray | bool = False,
) -> np.ndarray:
    """ATP for many item-locations at once: (rows, horizon) int64 in, (rows, horizon) out."""
    if supply.shape != demand.shape or supply.shape != reserved.shape or supply.ndim != 2:
        raise ValueError(
            f"supply, demand and reserved must share one 2-D shape, got "
            f"{supply.shape}, {demand.shape}, {reserved.shape}"
        )
    rows = supply.shape[0]
    consumption_arr = np.broadcast_to(np.asarray(consumption, dtype=np.int8), (rows,))
    accumulate_arr = np.broadcast_to(np.asarray(accumulate, dtype=np.bool_), (rows,))
    out = np.empty(supply.shape, dtype=np.int64)
    atp_batch_driver(
        supply,
        demand,
        reserved,
        np.ascontiguousarray(consumption_arr),
        np.ascontiguousarray(accumulate_arr),
        out,
    )
    return out
