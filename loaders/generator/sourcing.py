"""Generated sourcing rules and substitutes (DESIGN §5, §11).

Every region is served by up to `CANDIDATES_MAX` locations through `*` rules: its own
locations first (1–2 days in transit), then the others (2–5 days), ranked in that order,
with a ship cost per unit that grows with the transit. A few items have rules of their own:
a MAKE item ships straight from its plant (rank 0) to two regions, and about 5% of items have
a preferred location for one region. About 8% of items have one or two ranked substitutes.
From its own child seed, so the other tables do not move.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from loaders.generator.master import Master
from promising.domain import ItemType, LocationKind

CANDIDATES_MAX = 10
"""Most `*` rules (candidate locations) per region."""
SPECIFIC_SHARE = 0.05
SUBSTITUTE_SHARE = 0.08


def _ship_cost(rng: np.random.Generator, transit: np.ndarray) -> np.ndarray:
    return np.round(0.4 + 0.3 * transit + rng.uniform(0.0, 0.3, transit.shape[0]), 2)


def sourcing_tables(rng: np.random.Generator, master: Master) -> dict[str, pa.Table]:
    """`sourcing_rules` and `substitutes` for the generated master data."""
    location_ids = master.locations.column("location_id").to_pylist()
    location_region = master.locations.column("region").to_pylist()
    regions = sorted({r for r in location_region if r is not None})
    shippers = np.flatnonzero(master.location_kind != LocationKind.SUPPLIER)
    rows: dict[str, list] = {k: [] for k in ("item_id", "region", "location_id", "rank")}
    transit: list[np.ndarray] = []
    for region in regions:
        local = [i for i in shippers if location_region[i] == region]
        other = [i for i in rng.permutation(shippers) if location_region[i] != region]
        chosen = (local + other)[:CANDIDATES_MAX]
        rows["item_id"] += ["*"] * len(chosen)
        rows["region"] += [region] * len(chosen)
        rows["location_id"] += [location_ids[i] for i in chosen]
        rows["rank"] += list(range(1, len(chosen) + 1))
        days = np.where(
            np.array([location_region[i] == region for i in chosen], dtype=bool),
            rng.integers(1, 3, len(chosen)),
            rng.integers(2, 6, len(chosen)),
        )
        transit.append(days)

    item_ids = master.items.column("item_id").to_pylist()
    plants = np.flatnonzero(master.location_kind == LocationKind.PLANT)
    make_rows = np.flatnonzero(master.item_type[master.il_item] == ItemType.MAKE)
    for il in make_rows[np.isin(master.il_location[make_rows], plants)]:
        for region in rng.choice(regions, size=min(2, len(regions)), replace=False):
            rows["item_id"].append(item_ids[master.il_item[il]])
            rows["region"].append(str(region))
            rows["location_id"].append(location_ids[master.il_location[il]])
            rows["rank"].append(0)
            transit.append(rng.integers(2, 5, 1))
    for item in np.flatnonzero(rng.random(len(item_ids)) < SPECIFIC_SHARE):
        stocked = master.il_location[master.il_item == item]
        if stocked.shape[0] == 0 or not regions:
            continue
        rows["item_id"].append(item_ids[item])
        rows["region"].append(str(rng.choice(regions)))
        rows["location_id"].append(location_ids[int(rng.choice(stocked))])
        rows["rank"].append(0)
        transit.append(rng.integers(1, 4, 1))
    rules = _unique_rules(rows, np.concatenate(transit) if transit else np.zeros(0, np.int64))
    cost = _ship_cost(rng, rules.column("transit_days").to_numpy())
    rules = rules.append_column("ship_cost", pa.array(cost, pa.float64()))
    return {"sourcing_rules": rules, "substitutes": _substitutes(rng, item_ids)}


def _unique_rules(rows: dict[str, list], transit: np.ndarray) -> pa.Table:
    """The rules, keeping the first of any repeated (item, region, location)."""
    seen: set[tuple[str, str, str]] = set()
    keep = []
    for k, key in enumerate(zip(rows["item_id"], rows["region"], rows["location_id"], strict=True)):
        if key not in seen:
            seen.add(key)
            keep.append(k)
    return pa.table(
        {
            "item_id": pa.array([rows["item_id"][k] for k in keep], pa.string()),
            "region": pa.array([rows["region"][k] for k in keep], pa.string()),
            "location_id": pa.array([rows["location_id"][k] for k in keep], pa.string()),
            "rank": pa.array([rows["rank"][k] for k in keep], pa.int32()),
            "transit_days": pa.array(transit[keep], pa.int32()),
        }
    )


def _substitutes(rng: np.random.Generator, item_ids: list[str]) -> pa.Table:
    """One or two substitutes, ranked 1 and 2, for a few items (never the item itself)."""
    count = len(item_ids)
    chosen = np.flatnonzero(rng.random(count) < SUBSTITUTE_SHARE) if count > 1 else []
    items, substitutes, ranks = [], [], []
    for item in chosen:
        others = rng.choice(count - 1, size=min(int(rng.integers(1, 3)), count - 1), replace=False)
        for rank, other in enumerate(others, start=1):
            other = int(other) + (other >= item)  # skip the item itself
            items.append(item_ids[item])
            substitutes.append(item_ids[other])
            ranks.append(rank)
    return pa.table(
        {
            "item_id": pa.array(items, pa.string()),
            "substitute_item_id": pa.array(substitutes, pa.string()),
            "rank": pa.array(ranks, pa.int32()),
        }
    )
