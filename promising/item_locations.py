"""Item-location keys: one int64 for an (item, location) pair of dense indices.

key = item × width + location, width the number of locations (1 when there are none), so
keys sort by item, then location. `SupplyModel.row_index` maps keys to rows and a refresh
appends rows by key; every key is made and taken apart here, and nowhere else.
"""

from __future__ import annotations

import numpy as np


def key_of(item: int, location: int, location_count: int) -> int:
    """The key of one pair, in plain ints (the one-line promise looks its row up by it)."""
    return item * max(location_count, 1) + location


def keys_of(items: np.ndarray, locations: np.ndarray, location_count: int) -> np.ndarray:
    """int64 key of each (item, location) pair."""
    return items.astype(np.int64) * max(location_count, 1) + locations


def split_keys(keys: np.ndarray, location_count: int) -> tuple[np.ndarray, np.ndarray]:
    """(items, locations), int32, of each key."""
    width = max(location_count, 1)
    return (keys // width).astype(np.int32), (keys % width).astype(np.int32)


def key_count(item_count: int, location_count: int) -> int:
    """How many keys there can be: the size of a table indexed by key."""
    return item_count * max(location_count, 1)
