"""Item-location keys: one per pair, split back into the pair, sorted by item then location."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from promising.item_locations import key_count, key_of, keys_of, split_keys


@st.composite
def pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int, int]:
    item_count = draw(st.integers(1, 50))
    location_count = draw(st.integers(0, 12))
    n = draw(st.integers(0, 40))
    items = draw(st.lists(st.integers(0, item_count - 1), min_size=n, max_size=n))
    locations = draw(st.lists(st.integers(0, max(location_count - 1, 0)), min_size=n, max_size=n))
    return np.array(items, np.int32), np.array(locations, np.int32), item_count, location_count


@given(pairs())
def test_keys_round_trip_and_order(case: tuple[np.ndarray, np.ndarray, int, int]) -> None:
    """split_keys undoes keys_of; key_of agrees with keys_of; keys fit below key_count and
    sort as (item, location) does."""
    items, locations, item_count, location_count = case
    keys = keys_of(items, locations, location_count)
    assert keys.dtype == np.int64
    back_items, back_locations = split_keys(keys, location_count)
    assert back_items.tolist() == items.tolist()
    assert back_locations.tolist() == locations.tolist()
    one_by_one = zip(items.tolist(), locations.tolist(), strict=True)
    assert keys.tolist() == [key_of(i, loc, location_count) for i, loc in one_by_one]
    assert all(0 <= k < key_count(item_count, location_count) for k in keys.tolist())
    by_pair = sorted(range(len(keys)), key=lambda k: (items[k], locations[k]))
    assert keys[by_pair].tolist() == sorted(keys.tolist())
