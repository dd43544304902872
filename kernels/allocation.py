"""Allocation by demand class (DESIGN section 6): pools of supply per class, and class ATP.

For one item-location, classes are indexed in priority order (0 = most important); pool K
(one past the last class) is the unallocated supply, open to all.

1. Each bucket's supply is split into pools, most important class first: a class with
   `percent_bp >= 0` takes floor(supply × percent_bp / 10000), one with a fixed quantity takes
   that much, never more than the bucket has left; the rest stays unallocated.
2. Demand (snapshot demand and the engine's reservations, by class; row K is demand without a
   class) consumes pools: demand without a class first (it is the ERP's, already committed,
   and no later promise may push it elsewhere), then the classes, most important first, each
   bucket in time order. A class
   draws from its own pool, then the unallocated pool, then — if it may consume lower
   classes — the lower classes' pools, least important first. Demand without a class draws
   from the unallocated pool, then from every class, least important first. A draw at bucket
   t takes at most the pool's LOOKAHEAD ATP at t; what no pool can give stays as a shortage
   in the first pool of its list.
3. Class ATP at t is the class's own pool's LOOKAHEAD ATP (its shortage included) plus
   what the unallocated and — if it may — lower classes' pools still hold (their shortages
   are not its own: demand without a class bites through the cap below),
   capped by the item-location's overall LOOKAHEAD ATP less what higher classes' pools
   still hold, then made non-decreasing (min over later buckets, as LOOKAHEAD is):
   no class is promised more than the plain rule allows, and a promise to a lower class
   can never eat into a higher class's pool, even where uncovered demand has already
   lowered the overall ATP (hypothesis found that case: tests/test_allocation_kernels.py).
"""

from __future__ import annotations

import numpy as np

from kernels.atp import lookahead_inplace
from kernels.config import jit

FIXED = -1
"""`percent_bp` value of a class whose allocation is a fixed quantity per bucket."""


@jit
def pool_supply(
    supply: np.ndarray, percent_bp: np.ndarray, fixed: np.ndarray, out: np.ndarray
) -> None:
    """Split each bucket's supply into K class pools and the unallocated pool (row K)."""
    classes = percent_bp.shape[0]
    for t in range(supply.shape[0]):
        left = max(supply[t], 0)
        for k in range(classes):
            if percent_bp[k] >= 0:
                share = supply[t] * percent_bp[k] // 10000 if supply[t] > 0 else 0
            else:
                share = fixed[k] if supply[t] > 0 else 0
            share = min(share, left)
            out[k, t] = share
            left -= share
        out[classes, t] = left


@jit
def _draw_order(k: int, classes: int, can_lower: np.ndarray, order: np.ndarray) -> int:
    """Pools class k (k == classes: no class) may draw from, in order; returns the count."""
    n = 0
    if k < classes:
        order[n] = k
        n += 1
        order[n] = classes
        n += 1
        if can_lower[k]:
            for lower in range(classes - 1, k, -1):
                order[n] = lower
                n += 1
    else:
        order[n] = classes
        n += 1
        for lower in range(classes - 1, -1, -1):
            order[n] = lower
            n += 1
    return n


@jit
def _draw(cum: np.ndarray, atp: np.ndarray, t: int, quantity: int) -> None:
    """Take `quantity` from a pool at bucket t: cum and LOOKAHEAD ATP from t on drop by it;
    earlier ATP is the running minimum again, walked back only until it stops changing.
    (A Fenwick tree of draws made the shift O(log horizon) but the walk back slower: measured
    105 µs against 68 µs a row on dense demand, so the plain pass stays.)"""
    horizon = cum.shape[0]
    for s in range(t, horizon):
        cum[s] -= quantity
        atp[s] -= quantity
    for s in range(t - 1, -1, -1):
        v = min(cum[s], atp[s + 1])
        if v == atp[s]:
            break
        atp[s] = v


@jit
def class_atp(
    supply: np.ndarray,
    demand: np.ndarray,
    percent_bp: np.ndarray,
    fixed: np.ndarray,
    can_lower: np.ndarray,
    out: np.ndarray,
) -> None:
    """ATP per class for one item-location: `out[k, t]` for the K classes.

    `demand` is (K + 1, horizon): demand and reservations by class, row K without a class.
    """
    classes = percent_bp.shape[0]
    horizon = supply.shape[0]
    pools = np.empty((classes + 1, horizon), dtype=np.int64)
    pool_supply(supply, percent_bp, fixed, pools)
    # Per pool: cumulative (supply − drawn) and its LOOKAHEAD ATP, kept current draw by draw.
    cum = np.empty((classes + 1, horizon), dtype=np.int64)
    atp = np.empty((classes + 1, horizon), dtype=np.int64)
    for p in range(classes + 1):
        atp[p] = pools[p]
        lookahead_inplace(atp[p])
        total = 0
        for t in range(horizon):
            total += pools[p, t]
            cum[p, t] = total
    order = np.empty(classes + 1, dtype=np.int64)
    for step in range(classes + 1):
        k = (step + classes) % (classes + 1)  # K (no class) first, then 0, 1, …
        n = _draw_order(k, classes, can_lower, order)
        for t in range(horizon):
            need = demand[k, t]
            if need <= 0:
                continue
            for j in range(n):
                p = order[j]
                take = min(need, max(atp[p, t], 0))
                if take > 0:
                    _draw(cum[p], atp[p], t, take)
                    need -= take
                if need == 0:
                    break
            if need > 0:
                _draw(cum[order[0]], atp[order[0]], t, need)
    overall = np.empty(horizon, dtype=np.int64)
    for t in range(horizon):
        total = supply[t]
        for k in range(classes + 1):
            total -= demand[k, t]
        overall[t] = total
    lookahead_inplace(overall)
    reachable = np.empty(classes + 1, dtype=np.bool_)
    for k in range(classes):
        n = _draw_order(k, classes, can_lower, order)
        reachable[:] = False
        for j in range(n):
            reachable[order[j]] = True
        for t in range(horizon):
            reach = 0
            kept = 0
            for p in range(classes + 1):
                if p == k:
                    reach += atp[p, t]  # its own shortage is its own
                elif reachable[p]:  # the open pool's and lower classes': what they hold
                    reach += max(atp[p, t], 0)

                elif p < k and atp[p, t] > 0:  # a higher class's pool: protected
                    kept += atp[p, t]
            out[k, t] = min(reach, overall[t] - kept)
        for t in range(horizon - 2, -1, -1):
            out[k, t] = min(out[k, t], out[k, t + 1])


@jit
def demand_by_class(
    ptr: np.ndarray,
    buckets: np.ndarray,
    quantities: np.ndarray,
    kinds: np.ndarray,
    classes: np.ndarray,
    row: int,
    type_mask: int,
    class_to_pool: np.ndarray,
    out: np.ndarray,
) -> None:
    """Add one row's grouped demand events whose type counts into out[pool, bucket]; an
    event's class code c goes to pool class_to_pool[c] (c = -1, no class: the last entry)."""
    for i in range(ptr[row], ptr[row + 1]):
        b = buckets[i]
        if b >= 0 and (type_mask >> kinds[i]) & 1:
            out[class_to_pool[classes[i]], b] += quantities[i]
