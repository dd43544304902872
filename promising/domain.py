"""Domain vocabulary: the enums of DESIGN sections 2–3 and 11, coded as small integers.

Codes are positions in the tuples below; kernels see only the integers. The order of
`LineStatus` is its precedence (best first), as in TigerBeetle's result enums.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class SupplyType(IntEnum):
    ONHAND = 0
    PURCHASE_ORDER = 1
    TRANSFER = 2
    WORK_ORDER = 3
    PLANNED_ORDER = 4


class DemandType(IntEnum):
    SALES_ORDER = 0
    TRANSFER = 1
    FORECAST = 2


class Consumption(IntEnum):
    """Matches the codes in kernels/atp.py."""

    LOOKAHEAD = 0
    NONE = 1
    BACKWARD = 2
    BACKWARD_FORWARD = 3


class PromisingMode(IntEnum):
    SUPPLY = 0
    LEAD_TIME = 1
    INFINITE = 2


class ItemType(IntEnum):
    BUY = 0
    MAKE = 1


class LocationKind(IntEnum):
    WAREHOUSE = 0
    PLANT = 1
    STORE = 2
    SUPPLIER = 3


class LineStatus(IntEnum):
    """Outcome of promising a line, best first."""

    ON_TIME = 0
    LATE = 1
    PARTIAL = 2
    UNAVAILABLE = 3


class SourceType(StrEnum):
    """Where a fulfilment's units come from; values are the proto's `SourceType` names."""

    ATP = "ATP"
    """Taken from a location's available-to-promise stock."""
    CTP = "CTP"
    """Made at a plant (capable-to-promise): components and resource capacity held."""
    SUPPLIER = "SUPPLIER"
    """Bought from a supplier within its daily capacity."""


class Decision(IntEnum):
    """Which path chose an order's sources (DESIGN §5); values match the proto's
    `DecisionPath`."""

    LOCATION = 1
    """Every line at its named (or only) location, promised in order."""
    GREEDY = 2
    """One sourced line without a split, decided by the kernel over its candidates."""
    SOLVER = 3
    """The whole order optimized by CP-SAT, optimal."""
    SOLVER_TIME_LIMIT = 4
    """CP-SAT's best order within its time limit, not proven optimal."""


def type_mask(types: list[IntEnum] | tuple[IntEnum, ...]) -> int:
    """Bit mask with one bit per counted supply or demand type."""
    mask = 0
    for t in types:
        mask |= 1 << int(t)
    return mask


ALL_SUPPLY_MASK = type_mask(list(SupplyType))
DEFAULT_DEMAND_MASK = type_mask([DemandType.SALES_ORDER, DemandType.TRANSFER])
DEFAULT_RULE_ID = "DEFAULT"
"""The built-in rule: every supply type, every demand type but FORECAST, LOOKAHEAD."""
