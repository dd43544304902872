"""The snapshot tables the loader reads, and their columns (DESIGN §11).

Only the tables that `SnapshotData` holds are listed; the others (`allocation_rules`, `bom`,
`suppliers`, `routings`, `resources`) are read after the build (`loaders.manufacturing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    """The logical type of a column; each accepts a family of Arrow types (see `validate`)."""

    STR = "string"
    INT = "integer"
    FLOAT = "float"
    DATE = "date"
    BOOL = "bool"
    STR_LIST = "list<string>"


@dataclass(frozen=True)
class Column:
    """One column: `required` = present and never null (else `?`: absent or null → default).

    `dictionary` columns repeat a few values over many rows and are read dictionary-encoded;
    `read=False` columns are type-checked from the schema but not read (nothing uses them yet).
    """

    name: str
    kind: Kind
    required: bool = True
    dictionary: bool = False
    read: bool = True


@dataclass(frozen=True)
class TableSpec:
    """A table: its columns and whether a snapshot must have it."""

    name: str
    columns: tuple[Column, ...]
    required: bool = True


def _events(id_column: str, type_column: str, *extra: Column) -> tuple[Column, ...]:
    return (
        Column(id_column, Kind.STR),
        Column("item_id", Kind.STR, dictionary=True),
        Column("location_id", Kind.STR, dictionary=True),
        Column("date", Kind.DATE),
        Column("quantity", Kind.INT),
        Column(type_column, Kind.STR, dictionary=True),
        *extra,
    )


ITEMS = TableSpec(
    "items",
    (
        Column("item_id", Kind.STR),
        Column("item_type", Kind.STR, dictionary=True),
        Column("atp_rule_id", Kind.STR, required=False, dictionary=True),
        Column("promising_mode", Kind.STR, required=False, dictionary=True),
        Column("lead_time_days", Kind.INT, required=False),
        Column("make_lead_time_days", Kind.INT, required=False),
        Column("infinite_time_fence_days", Kind.INT, required=False),
        Column("unit_cost", Kind.FLOAT, required=False),
        Column("unit_price", Kind.FLOAT, required=False),
    ),
)
LOCATIONS = TableSpec(
    "locations",
    (
        Column("location_id", Kind.STR),
        Column("kind", Kind.STR),
        Column("region", Kind.STR, required=False),
        Column("calendar_id", Kind.STR, required=False),
    ),
)
SUPPLY = TableSpec("supply", _events("supply_id", "supply_type"))
DEMAND = TableSpec(
    "demand",
    _events(
        "demand_id",
        "demand_type",
        Column("demand_class", Kind.STR, required=False, dictionary=True),
        Column("order_line_id", Kind.STR, required=False),
    ),
)
ATP_RULES = TableSpec(
    "atp_rules",
    (
        Column("rule_id", Kind.STR),
        Column("consumption", Kind.STR),
        Column("accumulate", Kind.BOOL),
        Column("supply_types", Kind.STR_LIST, required=False),
        Column("demand_types", Kind.STR_LIST, required=False),
    ),
    required=False,
)
CALENDARS = TableSpec(
    "calendars",
    (
        Column("calendar_id", Kind.STR, dictionary=True),
        Column("date", Kind.DATE),
        Column("is_working", Kind.BOOL),
    ),
    required=False,
)

SOURCING_RULES = TableSpec(
    "sourcing_rules",
    (
        Column("item_id", Kind.STR, dictionary=True),
        Column("region", Kind.STR, dictionary=True),
        Column("location_id", Kind.STR, dictionary=True),
        Column("rank", Kind.INT),
        Column("transit_days", Kind.INT),
        Column("ship_cost", Kind.FLOAT),
    ),
    required=False,
)
SUBSTITUTES = TableSpec(
    "substitutes",
    (
        Column("item_id", Kind.STR),
        Column("substitute_item_id", Kind.STR),
        Column("rank", Kind.INT),
    ),
    required=False,
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        ITEMS,
        LOCATIONS,
        SUPPLY,
        DEMAND,
        ATP_RULES,
        CALENDARS,
        SOURCING_RULES,
        SUBSTITUTES,
    )
}
"""Every table the loader reads, by name."""
