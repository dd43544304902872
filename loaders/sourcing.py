"""Sourcing tables → encoded tables: `sourcing_rules` and `substitutes` (DESIGN §5, §11).

Item and location ids are looked up in the snapshot's own tables; `*` in
`sourcing_rules.item_id` means every item. Regions are free strings (a customer's ship-to
region need not be any location's region) and are encoded as indices into the table's
sorted distinct regions.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loaders import tables as t
from loaders.encode import encode_categories, floats, index_of, integers
from loaders.validate import check_unique_keys, refuse
from promising.snapshot import SourcingRuleTable, SubstituteTable

ANY_ITEM = "*"
"""`sourcing_rules.item_id` of a rule for every item."""


def encode_sourcing_rules(
    table: pa.Table | None, item_ids: pa.Array, location_ids: pa.Array
) -> SourcingRuleTable:
    """Rules in file order; refuses unknown ids, negative ranks, transit or costs, and a
    repeated (item, region, location)."""
    if table is None:
        return SourcingRuleTable.empty()
    name, n = t.SOURCING_RULES.name, table.num_rows
    items = table.column("item_id")
    wildcard = np.asarray(pc.equal(items, ANY_ITEM).fill_null(False), dtype=bool)
    ids = pa.concat_arrays([pa.array([ANY_ITEM], item_ids.type), item_ids])
    item = index_of(name, "item_id", items, ids, "item") - 1  # `*` → -1
    item[wildcard] = -1
    regions, region = encode_categories(name, "region", table.column("region"))
    location = index_of(name, "location_id", table.column("location_id"), location_ids, "location")
    rank = integers(name, "rank", table.column("rank"), n, np.int32, 0, "negative rank")
    transit = integers(
        name, "transit_days", table.column("transit_days"), n, np.int32, 0, "negative transit"
    )
    ship_cost = floats(table.column("ship_cost"), n)
    bad = ~np.isfinite(ship_cost) | (ship_cost < 0)
    if bad.any():
        refuse(name, "ship_cost", "must be a number >= 0", bad)
    keys = ((item.astype(np.int64) + 1) * len(regions) + region) * len(location_ids) + location
    check_unique_keys(name, "location_id", keys, "(item_id, region, location_id)")
    return SourcingRuleTable(
        item=item.astype(np.int32),
        region=region.astype(np.int32),
        location=location,
        rank=rank,
        transit_days=transit,
        ship_cost=ship_cost,
        regions=tuple(regions.to_pylist()),
    )


def encode_substitutes(table: pa.Table | None, item_ids: pa.Array) -> SubstituteTable:
    """Substitutes in file order; refuses unknown items, an item substituting itself, a
    negative rank, and a repeated (item, substitute)."""
    if table is None:
        return SubstituteTable.empty()
    name, n = t.SUBSTITUTES.name, table.num_rows
    item = index_of(name, "item_id", table.column("item_id"), item_ids, "item")
    substitute = index_of(
        name, "substitute_item_id", table.column("substitute_item_id"), item_ids, "item"
    )
    same = item == substitute
    if same.any():
        refuse(name, "substitute_item_id", "an item cannot substitute itself", same)
    rank = integers(name, "rank", table.column("rank"), n, np.int32, 0, "negative rank")
    keys = (item.astype(np.int64) << 32) | substitute.astype(np.int64)
    check_unique_keys(name, "substitute_item_id", keys, "(item_id, substitute_item_id)")
    return SubstituteTable(item=item, substitute=substitute, rank=rank)
