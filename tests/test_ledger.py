"""The one reservation ledger: sums equal their reservations, and reserving and releasing are
all or nothing, also when a step fails midway (injected) and across an engine's lines."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_capable import day, engine
from test_reservations import Clock, cmd, line, run

from promising import ledger as ledger_module
from promising.book import PromiseMode, Reservations, line_key
from promising.errors import InvalidInput, NotFound
from promising.ledger import Allocation, Reservation, ReservationLedger
from promising.manufacturing import CapacityDraw
from promising.promise import LineRequest


class Boom(Exception):
    """The injected failure."""


def state(ledger: ReservationLedger):
    """Everything a ledger holds, copied."""
    classes = {key: row.copy() for key, row in ledger._class_rows.items()}
    return (
        ledger.reserved.copy(), ledger.capacity_used.copy(), ledger.supplier_used.copy(),
        ledger.entries(), classes,
    )  # fmt: skip


def assert_same(a, b) -> None:
    for x, y in zip(a[:3], b[:3], strict=True):
        np.testing.assert_array_equal(x, y)
    assert a[3] == b[3]
    assert a[4].keys() == b[4].keys()
    for key in a[4]:
        np.testing.assert_array_equal(a[4][key], b[4][key])


def small_ledger() -> ReservationLedger:
    ledger = ReservationLedger(3, 5, resource_count=2, supplier_count=2)
    ledger.add("held", Reservation((Allocation(0, 1, 4),), demand_class="GOLD"))
    return ledger


def full(key_row: int = 1) -> Reservation:
    """A reservation with every kind of cell."""
    return Reservation(
        (Allocation(key_row, 0, 2), Allocation(2, 3, 5)),
        (CapacityDraw(1, 2, 1500),),
        (CapacityDraw(0, 4, 3),),
        "GOLD",
    )


def fail_at(monkeypatch: pytest.MonkeyPatch, position: int) -> None:
    """Make the next change's step `position` fail (0-2: units, capacity, supplier capacity,
    each counted when the change has cells of that kind; 3: class sums; 4: the index), after
    the steps before it have made their changes."""
    calls = {"sums": 0, "classes": 0, "index": 0}

    def failing(name: str, original, when: int):
        def wrapper(*args):
            calls[name] += 1
            if calls[name] == when + 1:
                raise Boom
            return original(*args)

        return wrapper

    if position < 3:
        monkeypatch.setattr(ledger_module, "_add_cells",
                            failing("sums", ledger_module._add_cells, position))  # fmt: skip
    elif position == 3:
        monkeypatch.setattr(ReservationLedger, "_swap_classes",
                            failing("classes", ReservationLedger._swap_classes, 0))  # fmt: skip
    else:
        monkeypatch.setattr(ReservationLedger, "_index",
                            failing("index", ReservationLedger._index, 0))  # fmt: skip


@pytest.mark.parametrize("position", range(5))
def test_add_is_all_or_nothing_when_a_step_fails(
    monkeypatch: pytest.MonkeyPatch, position: int
) -> None:
    """A failure in any step of adding (after its change) leaves the ledger as it was."""
    ledger = small_ledger()
    before = state(ledger)
    fail_at(monkeypatch, position)
    with pytest.raises(Boom):
        ledger.add_many({"a": full(), "b": full(0)})
    assert_same(state(ledger), before)
    monkeypatch.undo()
    ledger.add_many({"a": full(), "b": full(0)})
    ledger.audit()


@pytest.mark.parametrize("position", range(5))
def test_remove_is_all_or_nothing_when_a_step_fails(
    monkeypatch: pytest.MonkeyPatch, position: int
) -> None:
    """A failure in any step of removing leaves every reservation and sum in place."""
    ledger = small_ledger()
    ledger.add_many({"a": full(), "b": full(0)})
    before = state(ledger)
    fail_at(monkeypatch, position)
    with pytest.raises(Boom):
        ledger.remove_many(["a", "held"])
    assert_same(state(ledger), before)
    monkeypatch.undo()
    assert ledger.remove_many(["a", "held"]).keys() == {"a", "held"}
    ledger.audit()


# (what is wrong, the reservations added)
REFUSED = [
    ("key exists", {"held": Reservation()}),
    ("row outside", {"a": Reservation((Allocation(3, 0, 1),))}),
    ("negative row", {"a": Reservation((Allocation(-1, 0, 1),))}),
    ("bucket outside", {"a": Reservation((Allocation(0, 5, 1),))}),
    ("zero quantity", {"a": Reservation((Allocation(0, 0, 0),))}),
    ("resource outside", {"a": Reservation(capacity=(CapacityDraw(2, 0, 1),))}),
    ("supplier outside", {"a": Reservation(supplier_draws=(CapacityDraw(0, -1, 1),))}),
    ("second entry bad", {"a": full(), "b": Reservation((Allocation(0, 0, -2),))}),
    ("many cells, one bad", {"a": Reservation((*[Allocation(0, 0, 1)] * 40, Allocation(9, 0, 1)))}),
]


@pytest.mark.parametrize(("why", "entries"), REFUSED, ids=[r[0] for r in REFUSED])
def test_bad_reservations_are_refused_whole(why: str, entries: dict[str, Reservation]) -> None:
    """A reservation outside the ledger's shape, with a quantity ≤ 0 or a taken key is refused
    before anything changes."""
    ledger = small_ledger()
    before = state(ledger)
    with pytest.raises(InvalidInput):
        ledger.add_many(entries)
    assert_same(state(ledger), before)


def test_remove_unknown_key_changes_nothing() -> None:
    """Removing several keys when one is unknown frees none of them."""
    ledger = small_ledger()
    before = state(ledger)
    with pytest.raises(NotFound):
        ledger.remove_many(["held", "nope"])
    assert_same(state(ledger), before)


RESERVATIONS = st.builds(
    Reservation,
    st.lists(st.builds(Allocation, st.integers(0, 2), st.integers(0, 4), st.integers(1, 9)),
             max_size=20).map(tuple),
    st.lists(st.builds(CapacityDraw, st.integers(0, 1), st.integers(0, 4), st.integers(1, 999)),
             max_size=3).map(tuple),
    st.lists(st.builds(CapacityDraw, st.integers(0, 1), st.integers(0, 4), st.integers(1, 9)),
             max_size=3).map(tuple),
    st.sampled_from(["", "GOLD", "SILVER"]),
)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.booleans(), st.lists(RESERVATIONS, min_size=1, max_size=3)), max_size=15
    )
)
def test_sums_follow_the_reservations(steps) -> None:
    """After any sequence of adds and removes, every sum (units, by class, capacity, supplier)
    equals the plain sum of the reservations held."""
    ledger = ReservationLedger(3, 5, 2, 2)
    n = 0
    for add, batch in steps:
        if add or not len(ledger):
            ledger.add_many({f"k{n + i}": r for i, r in enumerate(batch)})
            n += len(batch)
        else:
            ledger.remove_many(ledger.keys()[: len(batch)])
        ledger.audit()
        naive = np.zeros((3, 5), dtype=np.int64)
        for r in ledger.entries().values():
            for a in r.allocations:
                naive[a.row, a.bucket] += a.quantity
        np.testing.assert_array_equal(ledger.reserved, naive)
        gold = ledger.class_reserved(0, "GOLD")
        expected = sum(
            a.quantity
            for r in ledger.entries().values()
            if r.demand_class == "GOLD"
            for a in r.allocations
            if a.row == 0
        )
        assert (0 if gold is None else int(gold.sum())) == expected


# --- the engine: several lines of one promise ------------------------------------------------
def test_engine_reserve_is_atomic_across_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """A promise with a class line, a CTP line and a supplier line reserves all of them or,
    when the ledger fails midway, none: units, class sums, capacity and supplier capacity."""
    eng = engine()
    promise = eng.promise_order(
        [
            LineRequest("1", "A", 100, day(1), "P"),
            LineRequest("2", "B", 8, day(0), "P"),
            LineRequest("3", "D", 4, day(0), "P"),
        ],
        demand_class="GOLD",
    )
    assert [f.source_type for ln in promise.lines for f in ln.fulfillments] == [
        "ATP", "CTP", "SUPPLIER",
    ]  # fmt: skip
    keys = ["o/1", "o/2", "o/3"]
    before = state(eng.ledger)
    for position in range(5):
        fail_at(monkeypatch, position)
        with pytest.raises(Boom):
            eng.reserve(promise, keys)
        assert_same(state(eng.ledger), before)
        monkeypatch.undo()
    eng.reserve(promise, keys)
    assert eng.ledger.capacity_used.any() and eng.ledger.supplier_used.any()
    assert eng.ledger.class_reserved(0, "GOLD") is not None
    eng.ledger.audit()
    with pytest.raises(InvalidInput):  # taken keys: nothing more is added
        eng.reserve(promise, ["o/9", "o/2", "o/8"])
    assert sorted(eng.ledger.keys()) == keys
    for key in keys:
        eng.release(key)
    assert not (eng.ledger.reserved.any() or eng.ledger.capacity_used.any())
    assert not eng.ledger.supplier_used.any()
    eng.ledger.audit()


def test_engine_refuses_one_key_for_two_lines() -> None:
    """Two lines under one key are refused, and nothing is reserved."""
    eng = engine()
    promise = eng.promise_order(
        [LineRequest("1", "A", 1, day(1), "P"), LineRequest("2", "A", 1, day(1), "P")]
    )
    with pytest.raises(InvalidInput):
        eng.reserve(promise, ["o/1", "o/1"])
    assert not len(eng.ledger) and not eng.ledger.reserved.any()


def test_failed_reserve_leaves_book_journal_and_ledger_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A COMMIT whose ledger change fails midway is refused: nothing journaled, nothing in the
    book or the ledger; the same request then succeeds."""
    from test_reservations import engine as plain_engine

    book = Reservations(plain_engine(), tmp_path, clock=Clock())
    book.open()
    try:
        command = cmd("r1", "o1", PromiseMode.COMMIT, line("1", "A", 4), line("2", "B", 7))
        fail_at(monkeypatch, 4)
        with pytest.raises(Boom):
            run(book, command)
        monkeypatch.undo()
        assert book.lsn == 0 and not book.book.reserved_lines()
        assert not len(book.engine.ledger) and not book.engine.ledger.reserved.any()
        answer = run(book, command)
        assert answer.outcome.lsn == 1 and line_key("o1", "2") in book.engine.ledger
        assert pickle.loads(answer.response) == answer.outcome
    finally:
        book.close()


def test_failed_release_leaves_book_journal_and_ledger_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Releasing an order whose ledger change fails midway frees none of its lines: nothing
    journaled, the book and the ledger as they were; the same request then frees both."""
    from test_reservations import engine as plain_engine

    from promising.book import ReleaseCommand

    book = Reservations(plain_engine(), tmp_path, clock=Clock())
    book.open()
    try:
        run(book, cmd("r1", "o1", PromiseMode.COMMIT, line("1", "A", 4), line("2", "B", 7)))
        before = state(book.engine.ledger), book.book.reserved_lines(), book.lsn
        release = ReleaseCommand("r2", b"r2", order_id="o1")
        fail_at(monkeypatch, 4)
        with pytest.raises(Boom):
            run(book, release)
        monkeypatch.undo()
        assert_same(state(book.engine.ledger), before[0])
        assert (book.book.reserved_lines(), book.lsn) == before[1:]
        run(book, release)
        assert not len(book.engine.ledger) and not book.book.reserved_lines()
    finally:
        book.close()
