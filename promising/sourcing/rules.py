"""Candidate ship-from locations by (item, ship-to region), and ranked substitutes.

Candidates for (item, region) are the item's own rules for the region, by rank, then the `*`
rules for the region, by rank, for the locations the item's rules do not name: the most
specific rule comes first, and for one location an item's rule beats the `*` rule (its
transit and ship cost apply). Equal ranks keep file order.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from promising.snapshot import SourcingRuleTable, SubstituteTable


class Candidate(NamedTuple):
    """One candidate ship-from location for an item shipped to a region."""

    location: int
    rank: int
    transit_days: int
    ship_cost: float


class SourcingRules:
    """The sourcing rules and substitutes of one model, indexed for lookups by item."""

    def __init__(self, rules: SourcingRuleTable, substitutes: SubstituteTable) -> None:
        by_key: dict[tuple[int, str], list[tuple[int, int, Candidate]]] = defaultdict(list)
        regions = rules.regions
        columns = zip(
            rules.item.tolist(),
            rules.region.tolist(),
            rules.location.tolist(),
            rules.rank.tolist(),
            rules.transit_days.tolist(),
            rules.ship_cost.tolist(),
            strict=True,
        )
        for order, (item, region, location, rank, transit, cost) in enumerate(columns):
            candidate = Candidate(location, rank, transit, cost)
            by_key[item, regions[region]].append((rank, order, candidate))
        self._rules = {key: [c for _, _, c in sorted(found)] for key, found in by_key.items()}
        self._regions = frozenset(regions)
        ranked: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        pairs = zip(substitutes.item.tolist(), substitutes.substitute.tolist(), strict=True)
        for order, ((item, substitute), rank) in enumerate(
            zip(pairs, substitutes.rank.tolist(), strict=True)
        ):
            ranked[item].append((rank, order, substitute))
        self._substitutes = {item: _dense_ranks(sorted(found)) for item, found in ranked.items()}
        self._cache: dict[tuple[int, str], tuple[Candidate, ...]] = {}

    def has_region(self, region: str) -> bool:
        """True when some rule names `region`."""
        return region in self._regions

    def candidates(self, item: int, region: str) -> tuple[Candidate, ...]:
        """Candidate locations for `item` shipped to `region`, most specific first."""
        key = (item, region)
        found = self._cache.get(key)
        if found is None:
            own = self._rules.get(key, [])
            named = {c.location for c in own}
            anyone = [c for c in self._rules.get((-1, region), []) if c.location not in named]
            found = self._cache[key] = (*own, *anyone)
        return found

    def substitutes(self, item: int) -> tuple[tuple[int, int], ...]:
        """(substitute, rank position) for `item`, best rank first (not transitive); equal
        ranks share a position, the best rank is position 1."""
        return self._substitutes.get(item, ())


def _dense_ranks(ranked: list[tuple[int, int, int]]) -> tuple[tuple[int, int], ...]:
    """(substitute, 1 + number of distinct better ranks) from sorted (rank, order, item)."""
    out = []
    position, previous = 0, None
    for rank, _, substitute in ranked:
        if rank != previous:
            position, previous = position + 1, rank
        out.append((substitute, position))
    return tuple(out)
