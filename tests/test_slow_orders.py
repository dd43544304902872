"""Orders that go to CP-SAT are planned outside the writer: the writer reserves a plan that
still fits without solving again, solves again a plan that a conflicting commit made stale
(and oversells nothing), and is never held up by a slow solve; retries stay idempotent."""

from __future__ import annotations

import datetime as dt
import pickle
import threading
import time
from pathlib import Path

import naive
import pytest
from factories import AS_OF, Event, Item, Snapshot, SourcingRule
from test_reservations import Clock

from promising.book import PromiseCommand, PromiseMode, Reservations, ReservationState
from promising.engine import Engine
from promising.promise import LineRequest


def day(n: int) -> dt.date:
    return AS_OF + dt.timedelta(days=n)


def engine() -> Engine:
    """A, B and C: 5 each at W1 (preferred for region R) and at W2."""
    return Snapshot(
        items=[Item("A"), Item("B"), Item("C")],
        locations=["W1", "W2"],
        supply=[Event(i, w, 0, 5) for i in "ABC" for w in ("W1", "W2")],
        sourcing=[SourcingRule("*", "R", "W1"), SourcingRule("*", "R", "W2", rank=2)],
        horizon_days=10,
    ).engine()


def sourced(request_id: str, order_id: str, *lines: tuple[str, int]) -> PromiseCommand:
    """A COMMIT for region R: several lines, so the sourcing solver chooses (slow)."""
    requests = tuple(LineRequest(str(k + 1), i, q, day(3)) for k, (i, q) in enumerate(lines))
    return PromiseCommand(request_id, repr((order_id, lines)).encode(), order_id,
                          PromiseMode.COMMIT, requests, ship_to_region="R")  # fmt: skip


def located(request_id: str, order_id: str, item: str, quantity: int) -> PromiseCommand:
    """A one-line COMMIT at W1: promised inside the writer (fast)."""
    request = (LineRequest("1", item, quantity, day(3), "W1"),)
    return PromiseCommand(request_id, repr((order_id, item, quantity)).encode(), order_id,
                          PromiseMode.COMMIT, request)  # fmt: skip


@pytest.fixture
def book(tmp_path: Path):
    reservations = Reservations(engine(), tmp_path, clock=Clock())
    reservations.open()
    yield reservations
    reservations.close()


def solves(reservations: Reservations) -> list[int]:
    """Count the engine's promise_order calls (every plan, every promise in the writer)."""
    engine = reservations.book.engine
    original = engine.promise_order
    count = [0]

    def counted(*args, **kwargs):
        count[0] += 1
        return original(*args, **kwargs)

    engine.promise_order = counted  # type: ignore[method-assign]
    return count


def write_with(reservations: Reservations, command: PromiseCommand, planned):
    """Submit a promise to the writer with a plan made earlier, and wait for it."""
    book = reservations.book
    future = reservations.writer.submit(
        lambda journal: book.promise(command, journal, pickle.dumps, planned)
    )
    return future.result(10)


def oversold(reservations: Reservations) -> bool:
    """True when some reservation breaks a commitment: LOOKAHEAD ATP < 0 at one of its
    buckets (the plain-Python reference)."""
    engine = reservations.book.engine
    model, ledger = engine.model, engine.ledger
    for reservation in ledger.entries().values():
        for a in reservation.allocations:
            net = naive.net(model.supply[a.row], model.demand[a.row], ledger.reserved[a.row])
            if naive.lookahead(net)[a.bucket] < 0:
                return True
    return False


def shipped_from(answer) -> list[tuple[str, str, int]]:
    return [
        (f.item_id, f.location_id, f.quantity)
        for line in answer.outcome.promise.lines
        for f in line.fulfillments
    ]


def test_a_plan_that_still_fits_is_reserved_without_a_second_solve(book: Reservations) -> None:
    """A commit elsewhere lands between planning and writing: the plan still fits and is
    reserved as planned; the order is solved once."""
    count = solves(book)
    command = sourced("r1", "o1", ("A", 5), ("B", 5))
    planned = book.book.plan(command)
    assert planned is not None and count[0] == 1
    book.promise(located("r2", "o2", "C", 4), pickle.dumps).result(10)
    answer = write_with(book, command, planned)
    assert answer.outcome.state is ReservationState.COMMITTED
    assert answer.outcome.promise is planned.promise
    assert shipped_from(answer) == [("A", "W1", 5), ("B", "W1", 5)]
    assert count[0] == 2  # the plan, and the located commit: no second solve of o1
    assert (book.book.plans.kept, book.book.plans.promised_again) == (1, 0)
    assert not oversold(book)
    book.book.engine.ledger.audit()


def test_a_stale_plan_is_solved_again_and_nothing_oversells(book: Reservations) -> None:
    """A conflicting commit takes 3 of the 5 A at W1 that the plan counted on: the writer
    finds that the plan no longer fits, promises the order again (from W2, in one shipment)
    and oversells nothing."""
    count = solves(book)
    command = sourced("r1", "o1", ("A", 5), ("B", 5))
    planned = book.book.plan(command)
    assert planned is not None
    assert shipped_from_plan(planned) == [("A", "W1", 5), ("B", "W1", 5)]
    book.promise(located("r2", "o2", "A", 3), pickle.dumps).result(10)
    answer = write_with(book, command, planned)
    assert answer.outcome.state is ReservationState.COMMITTED
    assert shipped_from(answer) == [("A", "W2", 5), ("B", "W2", 5)]
    assert count[0] == 3  # the plan, the located commit, the order again
    assert (book.book.plans.kept, book.book.plans.promised_again) == (0, 1)
    assert not oversold(book)
    engine = book.book.engine
    w1 = engine.model.row_of(engine.model.item("A"), engine.model.location("W1"))
    assert int(engine.ledger.reserved[w1].sum()) == 3


def shipped_from_plan(planned) -> list[tuple[str, str, int]]:
    return [(f.item_id, f.location_id, f.quantity)
            for line in planned.promise.lines for f in line.fulfillments]  # fmt: skip


def test_a_plan_made_on_replaced_data_is_solved_again(book: Reservations) -> None:
    """A plan made before the engine was replaced (a refresh) is not trusted: solved again."""
    command = sourced("r1", "o1", ("A", 5), ("B", 5))
    planned = book.book.plan(command)
    book.writer.submit(lambda journal: book.book.switch(engine())).result(10)
    answer = write_with(book, command, planned)
    assert answer.outcome.state is ReservationState.COMMITTED
    assert (book.book.plans.kept, book.book.plans.promised_again) == (0, 1)


def test_a_slow_solve_does_not_hold_the_writer(book: Reservations) -> None:
    """While a sourced order takes a second to plan, one-line commits are answered at once;
    then the order is reserved as planned."""
    sourcing = book.book.engine.sourcing
    original = sourcing.promise
    planning = threading.Event()

    def slow(lines, *args, **kwargs):
        if len(lines) > 1:  # the sourced order, not the one-line commits
            planning.set()
            time.sleep(1.0)
        return original(lines, *args, **kwargs)

    sourcing.promise = slow  # type: ignore[method-assign]
    started = time.perf_counter()
    order = book.promise(sourced("r1", "o1", ("A", 5), ("B", 5)), pickle.dumps)
    assert planning.wait(5)
    for k in range(5):
        book.promise(located(f"f{k}", f"f{k}", "C", 1), pickle.dumps).result(10)
    fast = time.perf_counter() - started
    answer = order.result(10)
    slow_seconds = time.perf_counter() - started
    assert fast < 0.5 < 1.0 <= slow_seconds, (fast, slow_seconds)
    assert answer.outcome.state is ReservationState.COMMITTED
    assert (book.book.plans.kept, book.book.plans.promised_again) == (1, 0)
    assert answer.outcome.lsn == 6  # journaled after the five one-line commits


def test_retries_of_a_slow_order_are_answered_once(book: Reservations) -> None:
    """The same request sent twice at once, and again after its answer, gets the same bytes
    and reserves once."""
    command = sourced("r1", "o1", ("A", 5), ("B", 5))
    first, second = (book.promise(command, pickle.dumps) for _ in range(2))
    a, b = first.result(10), second.result(10)
    assert a.response == b.response
    assert not book.book.slow(command)  # answered: straight to the writer's stored answer
    again = book.promise(command, pickle.dumps).result(10)
    assert again.response == a.response and again.replayed
    assert int(book.book.engine.ledger.reserved.sum()) == 10
    assert book.lsn == 1


def test_a_slow_order_refused_in_planning_is_refused_by_the_writer(book: Reservations) -> None:
    """An order the engine refuses (unknown item) is refused with the writer's error, and
    nothing is journaled."""
    from promising.errors import InvalidInput

    with pytest.raises(InvalidInput):
        book.promise(sourced("r1", "o1", ("A", 1), ("NOPE", 1)), pickle.dumps).result(10)
    assert book.lsn == 0


def test_too_many_orders_in_planning_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past PLANS_QUEUED_MAX orders waiting for a planner, the next is refused (overloaded)
    at once; a one-line order still goes through."""
    from promising.book import reservations as module
    from promising.errors import Overloaded

    monkeypatch.setattr(module, "PLANS_QUEUED_MAX", 2)
    book = Reservations(engine(), tmp_path, clock=Clock(), planners=1)
    book.open()
    release = threading.Event()
    original = book.book.engine.sourcing.promise

    def held(lines, *args, **kwargs):
        if len(lines) > 1:
            release.wait(10)
        return original(lines, *args, **kwargs)

    book.book.engine.sourcing.promise = held  # type: ignore[method-assign]
    try:
        waiting = [book.promise(sourced(f"r{k}", f"o{k}", ("A", 1), ("B", 1)), pickle.dumps)
                   for k in range(2)]  # fmt: skip
        with pytest.raises(Overloaded):
            book.promise(sourced("r9", "o9", ("A", 1), ("B", 1)), pickle.dumps)
        book.promise(located("f", "f", "C", 1), pickle.dumps).result(10)
        release.set()
        assert all(f.result(10).outcome.state is ReservationState.COMMITTED for f in waiting)
    finally:
        release.set()
        book.close()
