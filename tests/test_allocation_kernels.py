"""Allocation by demand class: the kernel against the reference, Oracle's examples, protection."""

from __future__ import annotations

import naive
import numpy as np
import pytest
from factories import frozen
from hypothesis import given, settings
from hypothesis import strategies as st
from sizes import examples

from kernels.allocation import FIXED, class_atp, pool_supply


def run(supply, demand, percent_bp, fixed, can_lower) -> np.ndarray:
    classes = len(percent_bp)
    out = np.empty((classes, len(supply)), dtype=np.int64)
    class_atp(
        frozen(supply),
        np.asarray(demand, dtype=np.int64).reshape(classes + 1, len(supply)),
        np.asarray(percent_bp, dtype=np.int64),
        np.asarray(fixed, dtype=np.int64),
        np.asarray(can_lower, dtype=np.bool_),
        out,
    )
    return out


@pytest.mark.parametrize(
    ("supply", "percent_bp", "expected"),
    [
        (1000, [2000, 8000], [200, 800]),  # Oracle: 20% of 1,000 caps the class at 200
        (2000, [7500, 2500], [1500, 500]),  # Oracle: a 3:1 ratio on 2,000 gives 1,500 and 500
        (1000, [2000], [1000]),  # 20% allocated, the other 80% unallocated and open to all
        (1000, [3333, 3333, 3333], [334, 334, 334]),  # floors: 333 each, 1 left open to all
    ],
)
def test_oracle_examples(supply: int, percent_bp: list[int], expected: list[int]) -> None:
    """Percent allocations cap each class as Oracle's documented examples say."""
    classes = len(percent_bp)
    got = run([supply], [0] * (classes + 1), percent_bp, [0] * classes, [False] * classes)
    assert got[:, 0].tolist() == expected


def test_fixed_quantities_by_priority() -> None:
    """Fixed allocations are served most important class first, never beyond the supply."""
    pools = np.empty((3, 2), dtype=np.int64)
    pool_supply(frozen([150, 0]), np.array([FIXED, FIXED]), np.array([100, 100]), pools)
    assert pools.tolist() == [[100, 0], [50, 0], [0, 0]]


@st.composite
def allocation_case(draw: st.DrawFn) -> tuple:
    horizon = draw(st.integers(1, 8))
    classes = draw(st.integers(1, 3))
    supply = draw(st.lists(st.integers(0, 60), min_size=horizon, max_size=horizon))
    demand = [
        draw(st.lists(st.sampled_from([0, 0, 0, 1, 5, 20]), min_size=horizon, max_size=horizon))
        for _ in range(classes + 1)
    ]
    percent_bp = draw(
        st.lists(
            st.sampled_from([FIXED, 0, 1000, 2500, 3333, 5000]), min_size=classes, max_size=classes
        )
    )
    fixed = draw(st.lists(st.integers(0, 30), min_size=classes, max_size=classes))
    can_lower = draw(st.lists(st.booleans(), min_size=classes, max_size=classes))
    return supply, demand, percent_bp, fixed, can_lower


@settings(max_examples=examples(300, test=100), deadline=None)
@given(case=allocation_case())
def test_class_atp_matches_reference(case: tuple) -> None:
    """Pools, greedy draws and capped class ATP equal the plain-Python definition."""
    supply, demand, percent_bp, fixed, can_lower = case
    got = run(supply, demand, percent_bp, fixed, can_lower)
    assert got.tolist() == naive.class_atp(supply, demand, percent_bp, fixed, can_lower)


@settings(max_examples=examples(300, test=100), deadline=None)
@given(case=allocation_case(), data=st.data())
def test_class_atp_never_exceeds_plain_atp(case: tuple, data: st.DataObject) -> None:
    """No class can be promised more than the plain LOOKAHEAD ATP: allocation never oversells."""
    supply, demand, percent_bp, fixed, can_lower = case
    got = run(supply, demand, percent_bp, fixed, can_lower)
    net = [supply[t] - sum(row[t] for row in demand) for t in range(len(supply))]
    plain = naive.lookahead(net)
    assert all(got[k, t] <= plain[t] for k in range(len(percent_bp)) for t in range(len(supply)))
    assert all(np.diff(got[k]).min(initial=0) >= 0 for k in range(len(percent_bp)))


@settings(max_examples=examples(300, test=100), deadline=None)
@given(case=allocation_case(), data=st.data())
def test_lower_class_promises_leave_higher_pool(case: tuple, data: st.DataObject) -> None:
    """Lines promised to the lowest class (within its class ATP) never lower the top class's ATP
    below what the top class's own pool held for it before: higher allocations are protected."""
    supply, demand, percent_bp, fixed, can_lower = case
    classes = len(percent_bp)
    horizon = len(supply)
    low = classes - 1
    if low == 0:
        return
    before = run(supply, demand, percent_bp, fixed, can_lower)
    own = naive.pool_atps(supply, demand, percent_bp, fixed, can_lower)[0]
    floor = [min(own[t], before[0][t]) for t in range(horizon)]
    demand = [list(row) for row in demand]
    for _ in range(data.draw(st.integers(1, 5))):
        atp = run(supply, demand, percent_bp, fixed, can_lower)
        want = data.draw(st.integers(1, 30))
        start = data.draw(st.integers(0, horizon - 1))
        # class ATP never decreases, so the first bucket with enough is the earliest
        t = next((u for u in range(start, horizon) if atp[low][u] >= want), -1)
        if t >= 0:
            demand[low][t] += want
    after = run(supply, demand, percent_bp, fixed, can_lower)
    # What the top class can still be promised (ATP below 0 promises nothing, whatever its
    # depth: a shortage of demand without a class may show there) never drops below what its
    # own pool held for it.
    assert all(max(after[0][t], 0) >= max(floor[t], 0) for t in range(horizon))
