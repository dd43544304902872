"""Order lines checked against the model and resolved to their sources."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from promising.errors import FieldViolation, InvalidInput
from promising.model import SupplyModel
from promising.promise import QUANTITY_MAX, LineRequest
from promising.sourcing.sources import LineSources, SourceBook


class SourcedLine(NamedTuple):
    """A line ready to source: its item, bucket and sources, and what it allows."""

    index: int
    request: LineRequest
    item: int
    quantity: int
    requested: int  # bucket of the requested date; negative when it is past
    sources: LineSources
    split: bool
    partial: bool
    ship_set: int  # -1: none; lines with the same value ship together


def resolve(
    model: SupplyModel, book: SourceBook, lines: Sequence[LineRequest], region: str
) -> list[SourcedLine]:
    """Check each line (unknown ids, quantity, date) and find its sources."""
    set_numbers: dict[str, int] = {}
    if len(lines) > 1 and any(line.ship_set_id for line in lines):
        sizes = Counter(line.ship_set_id for line in lines if line.ship_set_id)
        set_numbers = {name: n for n, name in enumerate(sorted(sizes)) if sizes[name] > 1}
    out = []
    for i, line in enumerate(lines):
        item = model.item_index.get(line.item_id)
        if item is None:
            raise InvalidInput(
                f"unknown item {line.item_id!r}",
                [FieldViolation(("lines", i, "item_id"), "unknown item")],
            )
        if not 0 < line.quantity <= QUANTITY_MAX:
            raise InvalidInput(
                f"quantity must be in 1..{QUANTITY_MAX}, got {line.quantity}",
                [FieldViolation(("lines", i, "quantity"), "must be > 0 and <= 10^12")],
            )
        requested = model.bucket_of(line.requested_date)
        if requested >= model.horizon_days:
            raise InvalidInput(
                f"requested_date {line.requested_date} is after the horizon end "
                f"{model.horizon_end}",
                [FieldViolation(("lines", i, "requested_date"), "past the horizon")],
            )
        location = -1
        if line.location_id:
            location = model.location_index.get(line.location_id, -1)
            if location < 0:
                raise InvalidInput(
                    f"unknown location {line.location_id!r}",
                    [FieldViolation(("lines", i, "ship_from_location_id"), "unknown location")],
                )
        substitutes = line.allow_substitutes
        sources = book.of(item, region, location, substitutes)
        if (
            location < 0
            and not sources.sources
            and not _has_candidates(book, item, region, substitutes)
        ):
            count = model.rows_of_item(item).shape[0]
            where = f"no sourcing rule for region {region!r}" if region else "no ship_to_region"
            raise InvalidInput(
                f"item {line.item_id!r} is at {count} locations and there is {where}; "
                "name ship_from_location_id",
                [FieldViolation(("lines", i, "ship_from_location_id"), "required for this item")],
            )
        split = line.allow_split and not line.ship_set_id
        out.append(  # positional: this runs on every quote
            SourcedLine(
                i, line, item, line.quantity, requested, sources, split, line.allow_partial,
                set_numbers.get(line.ship_set_id, -1),
            )
        )  # fmt: skip
    return out


def _has_candidates(book: SourceBook, item: int, region: str, substitutes: bool) -> bool:
    if book.candidates(item, region, -1):
        return True
    return substitutes and any(
        book.candidates(s, region, -1) for s, _ in book.rules.substitutes(item)
    )
