"""Whether reservations planned earlier still fit the ledger as it is now.

A slow order (CP-SAT) is planned outside the single writer, against a ledger the writer goes
on changing; before the plan is reserved, the writer checks it against the ledger as it is
then, in microseconds where the plan took up to seconds:

- units: at every item-location row the plan takes from, LOOKAHEAD ATP with all the plan's
  units added is >= 0 from the plan's earliest bucket at that row on (over the item's
  counted types, inside its infinite time fence): no commitment there or later breaks,
  which is the rule every promise is made by (DESIGN §3); for units reserved for a demand
  class whose item has allocation rules, that class's ATP likewise (DESIGN §6);
- capacity: used + the plan's draws <= capacity, for every plant resource and supplier day.

A plan that fits is exactly as safe as one made inside the writer; one that does not is
promised again there.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from kernels.promise import atp_with
from promising.allocation import class_atp_row
from promising.ledger import Reservation, ReservationLedger
from promising.manufacturing import supplier_sources
from promising.model import SupplyModel


def fits(
    model: SupplyModel, ledger: ReservationLedger, reservations: Iterable[Reservation]
) -> bool:
    """True when adding every one of `reservations` to `ledger` oversells nothing."""
    horizon = model.horizon_days
    pending: dict[int, np.ndarray] = {}
    first: dict[int, int] = {}
    by_class: dict[tuple[int, str], np.ndarray] = {}
    class_first: dict[tuple[int, str], int] = {}
    capacity: dict[tuple[int, int], int] = {}
    supplier: dict[tuple[int, int], int] = {}
    for r in reservations:
        for a in r.allocations:
            row = pending.get(a.row)
            if row is None:
                row = pending[a.row] = np.zeros(horizon, dtype=np.int64)
                first[a.row] = a.bucket
            row[a.bucket] += a.quantity
            first[a.row] = min(first[a.row], a.bucket)
            if r.demand_class:
                key = (a.row, r.demand_class)
                held = by_class.get(key)
                if held is None:
                    held = by_class[key] = np.zeros(horizon, dtype=np.int64)
                    class_first[key] = a.bucket
                held[a.bucket] += a.quantity
                class_first[key] = min(class_first[key], a.bucket)
        for d in r.capacity:
            capacity[d.resource, d.bucket] = capacity.get((d.resource, d.bucket), 0) + d.milli
        for d in r.supplier_draws:
            supplier[d.resource, d.bucket] = supplier.get((d.resource, d.bucket), 0) + d.milli

    fences = model.item_scalars.infinite_time_fence_days
    for row, extra in pending.items():
        fence = fences[int(model.row_item[row])]
        limit = min(fence, horizon) if fence > 0 else horizon
        start = first[row]
        if start >= limit:
            continue  # past the fence nothing constrains
        supply, demand = model.supply_row(row), model.demand_row(row)
        if atp_with(supply, demand, ledger.reserved_row(row), extra, start, limit) < 0:
            return False
    for (row, demand_class), extra in by_class.items():
        atp = class_atp_row(model, ledger, model.allocation, row, demand_class, extra)
        if atp is not None and atp[class_first[row, demand_class]] < 0:
            return False

    limits = model.manufacturing.capacity_milli
    for (resource, bucket), milli in capacity.items():
        if ledger.capacity_used[resource, bucket] + milli > limits[resource, bucket]:
            return False
    if supplier:
        sources = supplier_sources(model.suppliers)
        for (index, bucket), units in supplier.items():
            if ledger.supplier_used[index, bucket] + units > sources[index][1].capacity_per_day:
                return False
    return True
