"""Pegging: which supply covers a demand, first in, first out.

Demands, in date order, take the earliest supply not yet taken (a demand may take supply
dated after it: that demand is covered late). This is the usual explanation a planner reads
("your 40 units come from the on-hand and the PO of the 12th"), not a second availability
rule: promises are decided by LOOKAHEAD ATP alone.
"""

from __future__ import annotations

import numpy as np

from kernels.config import jit


@jit
def peg_fifo(
    supply_quantity: np.ndarray,
    demand_quantity: np.ndarray,
    target: int,
    out_supply: np.ndarray,
    out_quantity: np.ndarray,
) -> int:
    """Peg demands (already in date order) to supplies (in date order); return the pieces
    of demand `target` as (supply index, quantity) in out_*; the count is returned.

    Demand that no supply is left for stays unpegged (not reported)."""
    s = 0
    left = supply_quantity[0] if supply_quantity.shape[0] > 0 else 0
    count = 0
    for d in range(demand_quantity.shape[0]):
        need = demand_quantity[d]
        while need > 0 and s < supply_quantity.shape[0]:
            if left == 0:
                s += 1
                if s < supply_quantity.shape[0]:
                    left = supply_quantity[s]
                continue
            take = min(need, left)
            if d == target:
                out_supply[count] = s
                out_quantity[count] = take
                count += 1
            need -= take
            left -= take
        if d == target:
            return count
    return count
