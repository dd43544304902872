"""Capable-to-promise kernels: resource capacity windows for a make order.

Capacity is int64 in milli-units (DESIGN gives capacity and usage as decimals; thousandths
keep the arithmetic exact). A make order completing at bucket d with lead time L loads its
resources over the window [d - L, d) (the day d itself when L = 0), earliest day first.
"""

from __future__ import annotations

import numpy as np

from kernels.config import jit


@jit
def window(done: int, lead_days: int) -> tuple[int, int]:
    """[first, last) buckets a make order completing at `done` works in."""
    if lead_days <= 0:
        return done, done + 1
    return done - lead_days, done


@jit
def earliest_capacity(free: np.ndarray, need: np.ndarray, lead_days: int, first_done: int) -> int:
    """Earliest completion d >= first_done whose window has `need[r]` free on every resource.

    `free` is (resources, horizon) free capacity; returns -1 when no window in the horizon
    fits. Prefix sums make each candidate O(resources).
    """
    resources, horizon = free.shape
    prefix = np.zeros((resources, horizon + 1), dtype=np.int64)
    for r in range(resources):
        for t in range(horizon):
            prefix[r, t + 1] = prefix[r, t] + max(free[r, t], 0)
    start = max(first_done, lead_days)
    for done in range(start, horizon):
        lo, hi = window(done, lead_days)
        fits = True
        for r in range(resources):
            if prefix[r, hi] - prefix[r, lo] < need[r]:
                fits = False
                break
        if fits:
            return done
    return -1


@jit
def take_capacity(free_row: np.ndarray, need: int, lo: int, hi: int, out: np.ndarray) -> int:
    """Plan `need` from free_row[lo:hi], earliest day first, into out[lo:hi]; returns the rest."""
    for t in range(lo, hi):
        if need <= 0:
            break
        take = min(need, max(free_row[t], 0))
        out[t] = take
        need -= take
    return need
