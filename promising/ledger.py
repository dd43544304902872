"""The engine's reservations: one value per reserved line, one ledger holding them all.

A `Reservation` is everything one line takes (TigerBeetle's one transfer type): units by
item-location row and day (`Allocation`s), plant resource capacity (thousandths) and
supplier capacity (units) by day, and the demand class it was promised for. The ledger holds
every reservation by key, and the sums derived from them:

- `reserved` (rows × horizon): units, the R[t] of DESIGN §3;
- `class_reserved(row, class)`: the units of a row reserved for one demand class;
- `capacity_used` (resources × horizon, milli) and `supplier_used` (suppliers × horizon).

A sum is never a counter that drifts: `audit()` rebuilds each one from the reservations.
Adding and removing are all or nothing: every reservation is checked first, then each sum
changes in one step that completes or changes nothing (a numpy or kernel update on checked
indices, a dict swapped in by one update), and a step that fails takes back the steps
before it, in reverse order.

Only one thread (the writer) changes a ledger. A reader may see a reservation applied to one
sum and not yet to the next, which can make a concurrent quote more cautious (an add) or
let it count units being released anyway (a remove), never oversell: every reservation is
checked inside the writer.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from kernels.reserve import apply_reservations
from promising.errors import InvalidInput, NotFound
from promising.manufacturing import CapacityDraw, supplier_sources

if TYPE_CHECKING:
    from promising.model import SupplyModel

SMALL_CELLS = 16
"""Up to this many cells of one kind are applied by a Python loop, beyond by one kernel call
(the kernel's argument unboxing costs more than a few scalar updates)."""


class Allocation(NamedTuple):
    """`quantity` units reserved at item-location `row` in `bucket`."""

    row: int
    bucket: int
    quantity: int


class Reservation(NamedTuple):
    """Everything one reserved line takes, as one value."""

    allocations: tuple[Allocation, ...] = ()
    capacity: tuple[CapacityDraw, ...] = ()  # plant resources, thousandths (CTP)
    supplier_draws: tuple[CapacityDraw, ...] = ()  # supplier index, units (SUPPLIER)
    demand_class: str = ""


Cell = tuple[int, int, int]
"""(row or resource or supplier, bucket, amount)."""


class ReservationLedger:
    """Every reservation by key (an order line), and its sums."""

    forked = False
    """True for a fork (`ForkedLedger`): read its rows through `reserved_row`."""

    def __init__(
        self, row_count: int, horizon_days: int, resource_count: int = 0, supplier_count: int = 0
    ) -> None:
        self.reserved = np.zeros((row_count, horizon_days), dtype=np.int64)
        self.capacity_used = np.zeros((resource_count, horizon_days), dtype=np.int64)
        self.supplier_used = np.zeros((supplier_count, horizon_days), dtype=np.int64)
        self._entries: dict[str, Reservation] = {}
        # Units reserved for a demand class, also summed per (row, class): allocation by
        # class needs them apart; most rows have none, so the map stays small.
        self._class_rows: dict[tuple[int, str], np.ndarray] = {}
        self._forks: weakref.WeakSet[ForkedLedger] = weakref.WeakSet()

    @classmethod
    def for_model(cls, model: SupplyModel) -> ReservationLedger:
        """An empty ledger shaped for `model`'s rows, resources and suppliers."""
        return cls(
            model.row_count,
            model.horizon_days,
            len(model.manufacturing.resource_ids),
            len(supplier_sources(model.suppliers)),
        )

    def shaped_for(self, model: SupplyModel) -> bool:
        """True when the ledger is shaped for `model`."""
        horizon = model.horizon_days
        return (
            self.reserved.shape == (model.row_count, horizon)
            and self.capacity_used.shape == (len(model.manufacturing.resource_ids), horizon)
            and self.supplier_used.shape == (len(supplier_sources(model.suppliers)), horizon)
        )

    # --- reading ---------------------------------------------------------------------------
    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[str]:
        return list(self._entries)

    def entries(self) -> dict[str, Reservation]:
        """Every reservation, by key (a copy)."""
        return dict(self._entries)

    def get(self, key: str) -> Reservation:
        try:
            return self._entries[key]
        except KeyError:
            raise NotFound(f"no reservation {key!r}") from None

    def class_reserved(self, row: int, demand_class: str) -> np.ndarray | None:
        """What reservations for `demand_class` hold at `row` per bucket (None: nothing)."""
        return self._class_rows.get((row, demand_class))

    def reserved_row(self, row: int) -> np.ndarray:
        """Units reserved at one row per bucket (read only: a view of `reserved` here)."""
        return self.reserved[row]

    # --- changing (writer thread only) -----------------------------------------------------
    def add(self, key: str, reservation: Reservation) -> None:
        """Record one reservation; the key must be new."""
        self.add_many({key: reservation})

    def add_many(self, entries: Mapping[str, Reservation]) -> None:
        """Record several reservations, all or none; every key must be new."""
        index = self._entries
        for key in entries:
            if key in index:
                raise InvalidInput(f"reservation {key!r} exists already")
        cells = _Cells.of(entries.values())
        cells.check(self)
        self._change(dict(entries), cells, 1)

    def remove(self, key: str) -> Reservation:
        """Free one reservation at once and return it."""
        return self.remove_many([key])[key]

    def remove_many(self, keys: Iterable[str]) -> dict[str, Reservation]:
        """Free several reservations at once, all or none, and return them by key."""
        index = self._entries
        entries: dict[str, Reservation] = {}
        for key in keys:
            entry = index.get(key)
            if entry is None:
                raise NotFound(f"no reservation {key!r}")
            entries[key] = entry
        self._change(entries, _Cells.of(entries.values()), -1)
        return entries

    def _change(self, entries: dict[str, Reservation], cells: _Cells, sign: int) -> None:
        """Apply (sign +1) or take back (-1) checked reservations, one step at a time: units,
        capacity, supplier capacity, class sums, the index. If a step fails, the steps
        before it are undone in reverse order."""
        classes = self._class_sums(entries.values(), sign)
        sums = (
            (self.reserved, cells.units),
            (self.capacity_used, cells.capacity),
            (self.supplier_used, cells.supplier),
        )
        done = 0
        previous: dict[tuple[int, str], np.ndarray | None] = {}
        try:
            for matrix, kind in sums:
                if kind:
                    self._add(matrix, kind, sign)
                done += 1
            if classes:
                previous = self._swap_classes(classes)
            done += 1
            self._index(entries, sign)
        except BaseException:
            if done > 3:
                self._swap_classes(previous)
            for matrix, kind in reversed(sums[: min(done, 3)]):
                if kind:
                    self._add(matrix, kind, -sign)
            raise

    def _add(self, sums: np.ndarray, cells: Sequence[Cell], sign: int) -> None:
        """One sum changes; before the rows of `reserved` change, every fork keeps its own
        copy of them (it must not see what the live ledger does after it forked)."""
        if sums is self.reserved and self._forks:
            rows = {cell[0] for cell in cells}
            for fork in list(self._forks):
                fork._keep(rows)
        _add_cells(sums, cells, sign)

    def _class_sums(
        self, reservations: Iterable[Reservation], sign: int
    ) -> dict[tuple[int, str], np.ndarray | None]:
        """The per-(row, class) sums the change leads to, built aside."""
        sums = self._class_rows
        fresh: dict[tuple[int, str], np.ndarray | None] = {}
        for reservation in reservations:
            if not reservation.demand_class:
                continue
            for a in reservation.allocations:
                key = (a.row, reservation.demand_class)
                row = fresh.get(key)
                if row is None:
                    old = sums.get(key)
                    row = fresh[key] = (
                        np.zeros(self.reserved.shape[1], dtype=np.int64)
                        if old is None
                        else old.copy()
                    )
                row[a.bucket] += sign * a.quantity
        return fresh

    def _swap_classes(
        self, rows: dict[tuple[int, str], np.ndarray | None]
    ) -> dict[tuple[int, str], np.ndarray | None]:
        """Put `rows` in (None: remove the key) and return what they replace."""
        sums = self._class_rows
        before = {key: sums.get(key) for key in rows}
        sums.update({key: row for key, row in rows.items() if row is not None})
        for key in [key for key, row in rows.items() if row is None]:
            del sums[key]
        return before

    def _index(self, entries: dict[str, Reservation], sign: int) -> None:
        if sign > 0:
            self._entries.update(entries)
        else:
            for key in entries:
                del self._entries[key]

    # --- forks -----------------------------------------------------------------------------
    def fork(self) -> ForkedLedger:
        """A copy-on-write copy to change apart (a what-if scenario; see `ForkedLedger`)."""
        return ForkedLedger(self, {})

    def _full_reserved(self) -> np.ndarray:
        return self.reserved

    # --- audits ----------------------------------------------------------------------------
    def audit(self) -> None:
        """Assert that every sum equals the sum of the reservations (tests, audits)."""
        again = ReservationLedger(
            self.reserved.shape[0],
            self.reserved.shape[1],
            self.capacity_used.shape[0],
            self.supplier_used.shape[0],
        )
        for key, reservation in self._entries.items():
            again._entries[key] = reservation
            for a in reservation.allocations:
                again.reserved[a.row, a.bucket] += a.quantity
                if reservation.demand_class:
                    key_class = (a.row, reservation.demand_class)
                    row = again._class_rows.setdefault(
                        key_class, np.zeros(self.reserved.shape[1], dtype=np.int64)
                    )
                    row[a.bucket] += a.quantity
            for d in reservation.capacity:
                again.capacity_used[d.resource, d.bucket] += d.milli
            for d in reservation.supplier_draws:
                again.supplier_used[d.resource, d.bucket] += d.milli
        assert np.array_equal(self._full_reserved(), again.reserved), "reserved drifted"
        assert np.array_equal(self.capacity_used, again.capacity_used), "capacity drifted"
        assert np.array_equal(self.supplier_used, again.supplier_used), "supplier drifted"
        for key, row in self._class_rows.items():
            expected = again._class_rows.get(key)
            if expected is None:
                assert not row.any(), f"class sum {key} drifted"
            else:
                assert np.array_equal(row, expected), f"class sum {key} drifted"
        assert again._class_rows.keys() <= self._class_rows.keys(), "class sum missing"


class ForkedLedger(ReservationLedger):
    """A fork of a ledger, copy-on-write by row: it shares the live `reserved` matrix and
    holds its own copy of a row only once either side changes it — the fork by reserving or
    releasing, the live ledger by keeping the row as it was for every fork before it writes
    (`_add`). The reservations index and the small sums (class rows, capacity) are copied.
    So a fork costs what its reservations index holds, not the model's size; and neither
    side sees what the other does after the fork. Read rows through `reserved_row`: the
    `reserved` matrix here is the live one, and only rows neither side changed are as at the
    fork. Changed by one thread at a time, like any ledger; the live writer may keep rows
    concurrently (each row copied before it is published, and published before the live
    row changes)."""

    forked = True

    def __init__(self, parent: ReservationLedger, rows: dict[int, np.ndarray]) -> None:
        live = parent._live if isinstance(parent, ForkedLedger) else parent
        self._live = live
        self.reserved = live.reserved  # shared, never written here
        self._rows = {row: values.copy() for row, values in rows.items()}
        self.capacity_used = parent.capacity_used.copy()
        self.supplier_used = parent.supplier_used.copy()
        self._entries = dict(parent._entries)
        self._class_rows = {key: row.copy() for key, row in parent._class_rows.items()}
        self._forks = weakref.WeakSet()
        live._forks.add(self)

    def fork(self) -> ForkedLedger:
        return ForkedLedger(self, self._rows)

    def reserved_row(self, row: int) -> np.ndarray:
        own = self._rows.get(row)
        if own is not None:
            return own
        copied = self.reserved[row].copy()
        own = self._rows.get(row)  # kept by the live writer meanwhile: that is the fork's
        return copied if own is None else own

    def _keep(self, rows: Iterable[int]) -> None:
        """Before the live writer changes `rows`: keep them as they are (live writer)."""
        for row in rows:
            if row not in self._rows:
                self._rows.setdefault(row, self.reserved[row].copy())

    def _add(self, sums: np.ndarray, cells: Sequence[Cell], sign: int) -> None:
        if sums is not self.reserved:
            _add_cells(sums, cells, sign)
            return
        for row, bucket, amount in cells:
            own = self._rows.get(row)
            if own is None:
                own = self._rows.setdefault(row, self.reserved[row].copy())
            own[bucket] += sign * amount

    def _full_reserved(self) -> np.ndarray:
        full = self.reserved.copy()
        for row, values in list(self._rows.items()):
            full[row] = values
        return full


class _Cells(NamedTuple):
    """The cells of some reservations, by kind."""

    units: Sequence[Cell]
    capacity: Sequence[Cell]
    supplier: Sequence[Cell]

    @staticmethod
    def of(reservations: Collection[Reservation]) -> _Cells:
        if len(reservations) == 1:  # the common case: one line, its tuples as they are
            (r,) = reservations
            return _Cells(r.allocations, r.capacity, r.supplier_draws)
        units: list[Cell] = []
        capacity: list[Cell] = []
        supplier: list[Cell] = []
        for r in reservations:
            units.extend(r.allocations)
            capacity.extend(r.capacity)
            supplier.extend(r.supplier_draws)
        return _Cells(units, capacity, supplier)

    def check(self, ledger: ReservationLedger) -> None:
        """Refuse a cell outside the ledger's shape or an amount that is not > 0."""
        if self.units:
            _check_cells("allocation", self.units, ledger.reserved)
        if self.capacity:
            _check_cells("capacity draw", self.capacity, ledger.capacity_used)
        if self.supplier:
            _check_cells("supplier draw", self.supplier, ledger.supplier_used)


def _check_cells(what: str, cells: Sequence[Cell], sums: np.ndarray) -> None:
    places, horizon = sums.shape
    if len(cells) <= SMALL_CELLS:
        for cell in cells:
            place, bucket, amount = cell
            if not (0 <= place < places and 0 <= bucket < horizon and amount > 0):
                break
        else:
            return
    else:
        table = np.array(cells, dtype=np.int64)
        bad = (
            (table[:, 0] < 0)
            | (table[:, 0] >= places)
            | (table[:, 1] < 0)
            | (table[:, 1] >= horizon)
            | (table[:, 2] <= 0)
        )
        if not bad.any():
            return
        cell = cells[int(np.argmax(bad))]
    raise InvalidInput(
        f"{what} {tuple(cell)}: outside the ledger {sums.shape} or a quantity that is not > 0"
    )


def _add_cells(sums: np.ndarray, cells: Sequence[Cell], sign: int) -> None:
    """sums[place, bucket] += sign × amount for every (checked) cell."""
    if len(cells) <= SMALL_CELLS:
        for place, bucket, amount in cells:
            sums[place, bucket] += sign * amount
        return
    table = np.array(cells, dtype=np.int64)
    places, buckets, amounts = (np.ascontiguousarray(table[:, k]) for k in range(3))
    apply_reservations(sums, places, buckets, amounts, sign)
