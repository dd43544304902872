"""The reservation book behind its journal: all-or-none, holds, expiry, idempotency, replay."""

from __future__ import annotations

import datetime as dt
import pickle
import random
from pathlib import Path

import numpy as np
import pytest
from factories import AS_OF, Item, Snapshot, series

from promising.book import (
    ConfirmCommand,
    HoldState,
    PromiseCommand,
    PromiseMode,
    ReleaseCommand,
    Reservations,
    ReservationState,
    line_key,
)
from promising.engine import Engine
from promising.errors import Conflict, DuplicateRequest, InvalidInput, NotFound
from promising.promise import LineRequest


class Clock:
    """A settable server clock."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def snapshot() -> Snapshot:
    """A: 10 on day 0 only; B: 5 a day; C: 3 on day 0 at L1 and at L2."""
    return Snapshot(
        items=[Item("A"), Item("B"), Item("C")],
        locations=["L1", "L2"],
        supply=[
            *series("A", "L1", [10]),
            *series("B", "L1", [5] * 10),
            *series("C", "L1", [3]),
            *series("C", "L2", [3]),
        ],
        horizon_days=10,
    )


def engine() -> Engine:
    return snapshot().engine()


def day(n: int) -> dt.date:
    return AS_OF + dt.timedelta(days=n)


def line(line_id: str, item: str, quantity: int, n: int = 0, where: str | None = None):
    return LineRequest(line_id, item, quantity, day(n), where)


def cmd(request_id: str, order_id: str, mode: PromiseMode, *lines: LineRequest, ttl: int = 0):
    return PromiseCommand(request_id, repr((order_id, mode, lines, ttl)).encode(), order_id, mode,
                          lines, ttl)  # fmt: skip


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def book(tmp_path: Path, clock: Clock):
    reservations = Reservations(engine(), tmp_path, clock=clock)
    reservations.open()
    yield reservations
    reservations.close()


def run(reservations: Reservations, command):
    """Submit a command and wait for its durable answer."""
    if isinstance(command, PromiseCommand):
        future = reservations.promise(command, pickle.dumps)
    elif isinstance(command, ConfirmCommand):
        future = reservations.confirm(command, pickle.dumps)
    else:
        future = reservations.release(command, pickle.dumps)
    return future.result(5)


def reserved(reservations: Reservations) -> int:
    return int(reservations.engine.ledger.reserved.sum())


def test_commit_reserves_every_line(book: Reservations) -> None:
    """COMMIT reserves each line under its own ledger key; the ledger sums them."""
    answer = run(book, cmd("r1", "o1", PromiseMode.COMMIT, line("1", "A", 4), line("2", "B", 7)))
    assert answer.outcome.state is ReservationState.COMMITTED
    assert answer.outcome.lsn == 1
    assert line_key("o1", "1") in book.engine.ledger and line_key("o1", "2") in book.engine.ledger
    assert reserved(book) == 11
    assert book.book.reserved_lines() == {("o1", "1"): "", ("o1", "2"): ""}
    book.engine.ledger.audit()


def test_one_unavailable_line_reserves_nothing(book: Reservations) -> None:
    """All lines or none: one UNAVAILABLE line means REJECTED and an untouched ledger."""
    answer = run(book, cmd("r1", "o1", PromiseMode.COMMIT, line("1", "A", 4), line("2", "A", 7)))
    assert answer.outcome.state is ReservationState.REJECTED
    assert [x.status.name for x in answer.outcome.promise.lines] == ["ON_TIME", "UNAVAILABLE"]
    assert reserved(book) == 0 and book.book.orders == {}


def test_late_lines_are_reserved(book: Reservations) -> None:
    """A LATE line has a date, so the order is reserved at that date."""
    answer = run(book, cmd("r1", "o1", PromiseMode.COMMIT, line("1", "B", 8)))
    assert answer.outcome.promise.lines[0].status.name == "LATE"
    assert answer.outcome.state is ReservationState.COMMITTED


def test_hold_expires_exactly_once_and_frees_units(book: Reservations, clock: Clock) -> None:
    """A hold frees its units when its TTL passes; confirming it then is FAILED_PRECONDITION."""
    answer = run(book, cmd("r1", "o1", PromiseMode.HOLD, line("1", "A", 10), ttl=60))
    hold_id = answer.outcome.hold_id
    assert answer.outcome.hold_expires_at == clock.now + 60 and reserved(book) == 10
    clock.now += 61
    with pytest.raises(Conflict, match="expired"):
        run(book, ConfirmCommand("r2", b"c", hold_id))
    assert reserved(book) == 0 and book.book.holds[hold_id].state is HoldState.EXPIRED
    with pytest.raises(Conflict, match="expired"):
        run(book, ReleaseCommand("r3", b"x", hold_id=hold_id))
    kinds = [r.kind for r in _records(book)]
    assert kinds.count("expire") == 1


def test_default_ttl_is_fifteen_minutes(book: Reservations, clock: Clock) -> None:
    """hold_ttl_seconds = 0 holds for 900 seconds."""
    answer = run(book, cmd("r1", "o1", PromiseMode.HOLD, line("1", "A", 1)))
    assert answer.outcome.hold_expires_at == clock.now + 900


def test_confirm_turns_a_hold_into_a_commitment(book: Reservations, clock: Clock) -> None:
    """A confirmed hold's lines stay reserved after its TTL."""
    hold_id = run(
        book, cmd("r1", "o1", PromiseMode.HOLD, line("1", "A", 4), ttl=10)
    ).outcome.hold_id
    confirmed = run(book, ConfirmCommand("r2", b"c", hold_id)).outcome
    assert confirmed.line_ids == ("1",) and confirmed.order_id == "o1"
    clock.now += 100
    run(book, cmd("r3", "o2", PromiseMode.COMMIT, line("1", "B", 1)))  # lets the writer tick
    assert reserved(book) == 5 and book.book.reserved_lines()[("o1", "1")] == ""
    with pytest.raises(Conflict, match="confirmed"):
        run(book, ConfirmCommand("r4", b"c", hold_id))


def test_release_by_order_lines_and_hold(book: Reservations) -> None:
    """Release frees an order's named lines, the rest of it, or a hold's lines, at once."""
    run(book, cmd("r1", "o1", PromiseMode.COMMIT, line("1", "B", 1), line("2", "B", 2),
                  line("3", "B", 3)))  # fmt: skip
    out = run(book, ReleaseCommand("r2", b"a", order_id="o1", line_ids=("2",))).outcome
    assert out.line_ids == ("2",) and reserved(book) == 4
    out = run(book, ReleaseCommand("r3", b"b", order_id="o1")).outcome
    assert out.line_ids == ("1", "3") and reserved(book) == 0 and "o1" not in book.book.orders
    hold_id = run(book, cmd("r4", "o2", PromiseMode.HOLD, line("1", "A", 3))).outcome.hold_id
    out = run(book, ReleaseCommand("r5", b"c", hold_id=hold_id)).outcome
    assert (out.order_id, out.line_ids, out.hold_id) == ("o2", ("1",), hold_id)
    assert reserved(book) == 0 and book.book.holds[hold_id].state is HoldState.RELEASED


def test_releasing_a_holds_last_line_by_order_ends_the_hold(book: Reservations) -> None:
    """When its lines are released by order, the hold is RELEASED and cannot be confirmed."""
    hold_id = run(book, cmd("r1", "o1", PromiseMode.HOLD, line("1", "A", 3))).outcome.hold_id
    run(book, ReleaseCommand("r2", b"a", order_id="o1"))
    with pytest.raises(Conflict, match="released"):
        run(book, ConfirmCommand("r3", b"c", hold_id))


# (command, error, message) — each refused without a trace
REFUSALS = [
    (ConfirmCommand("x1", b"", "nope"), NotFound, "no hold"),
    (ReleaseCommand("x2", b"", order_id="nope"), NotFound, "nothing reserved"),
    (ReleaseCommand("x3", b"", order_id="o1", line_ids=("9",)), NotFound, "lines"),
    (ReleaseCommand("x4", b""), InvalidInput, "exactly one"),
    (ReleaseCommand("x5", b"", order_id="o1", hold_id="h"), InvalidInput, "exactly one"),
    (ReleaseCommand("", b"", order_id="o1"), InvalidInput, "request_id"),
    (cmd("x6", "o1", PromiseMode.COMMIT, line("1", "B", 1)), Conflict, "already has"),
    (cmd("", "o2", PromiseMode.COMMIT, line("1", "B", 1)), InvalidInput, "request_id"),
    (cmd("x7", "", PromiseMode.COMMIT, line("1", "B", 1)), InvalidInput, "order_id"),
    (cmd("x8", "o2", PromiseMode.HOLD, line("1", "B", 1), ttl=-1), InvalidInput, "ttl"),
    (cmd("x9", "o2", PromiseMode.HOLD, line("1", "B", 1), ttl=10**7), InvalidInput, "ttl"),
    (cmd("xa", "o2", PromiseMode.QUOTE, line("1", "B", 1)), InvalidInput, "only holds"),
    (cmd("xb", "o2", PromiseMode.COMMIT, line("1", "Z", 1)), InvalidInput, "unknown item"),
    (cmd("xc", "o2", PromiseMode.COMMIT, line("1", "B", 0)), InvalidInput, "quantity"),
    (cmd("xd", "o2", PromiseMode.COMMIT, line("1", "B", 1, 99)), InvalidInput, "horizon"),
    (cmd("xe", "o2", PromiseMode.COMMIT, line("1", "C", 1)), InvalidInput, "locations"),
    (
        cmd("xf", "o2", PromiseMode.COMMIT, line("1", "B", 1), line("1", "B", 1)),
        InvalidInput,
        "duplicate",
    ),
    (cmd("xg", "o2", PromiseMode.COMMIT), InvalidInput, "at least one"),
    (cmd("xh", "o" * 129, PromiseMode.COMMIT, line("1", "B", 1)), InvalidInput, "128"),
]


@pytest.mark.parametrize(("command", "error", "message"), REFUSALS)
def test_refused_commands_change_nothing(book: Reservations, command, error, message) -> None:
    """Every refusal raises its error class and leaves ledger, book and journal unchanged."""
    run(book, cmd("setup", "o1", PromiseMode.COMMIT, line("1", "B", 1)))
    before = (book.engine.ledger.reserved.copy(), book.book.reserved_lines(), book.lsn)
    with pytest.raises(error, match=message):
        run(book, command)
    np.testing.assert_array_equal(book.engine.ledger.reserved, before[0])
    assert book.book.reserved_lines() == before[1] and book.lsn == before[2]


def test_same_request_id_returns_the_first_answer(book: Reservations) -> None:
    """A retry gets the stored bytes back and reserves nothing twice."""
    command = cmd("r1", "o1", PromiseMode.COMMIT, line("1", "A", 4))
    first = run(book, command)
    again = run(book, command)
    assert again.replayed and again.response == first.response and reserved(book) == 4
    assert pickle.loads(again.response).lsn == 1


def test_same_request_id_other_content_is_refused(book: Reservations) -> None:
    """A request id reused for other content is DuplicateRequest, also across kinds."""
    run(book, cmd("r1", "o1", PromiseMode.COMMIT, line("1", "A", 4)))
    with pytest.raises(DuplicateRequest):
        run(book, cmd("r1", "o1", PromiseMode.COMMIT, line("1", "A", 5)))
    with pytest.raises(DuplicateRequest):
        run(book, ReleaseCommand("r1", b"other", order_id="o1"))
    assert reserved(book) == 4


def test_rejections_are_idempotent_too(book: Reservations) -> None:
    """A REJECTED answer is the answer: retrying it after units free up returns it again."""
    command = cmd("r1", "o1", PromiseMode.COMMIT, line("1", "A", 11))
    first = run(book, command)
    assert first.outcome.state is ReservationState.REJECTED
    assert run(book, command).response == first.response


def test_idempotency_survives_restart(tmp_path: Path, clock: Clock) -> None:
    """After a restart a retried request id gets the same bytes and reserves nothing."""
    command = cmd("r1", "o1", PromiseMode.COMMIT, line("1", "A", 4))
    first = Reservations(engine(), tmp_path, clock=clock)
    first.open()
    response = run(first, command).response
    first.close()
    second = Reservations(engine(), tmp_path, clock=clock)
    second.open()
    try:
        again = run(second, command)
        assert again.replayed and again.response == response and reserved(second) == 4
        with pytest.raises(DuplicateRequest):
            run(second, cmd("r1", "o9", PromiseMode.COMMIT, line("1", "A", 1)))
    finally:
        second.close()


def test_replay_rebuilds_the_same_ledger(tmp_path: Path, clock: Clock) -> None:
    """A seeded random history replays into the same entries, R[t], holds and request ids."""
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    live = Reservations(engine(), tmp_path, clock=clock)
    live.open()
    holds: list[str] = []
    for i in range(300):
        op = rng.random()
        try:
            if op < 0.5:
                mode = rng.choice([PromiseMode.HOLD, PromiseMode.COMMIT])
                lines = [line(str(k), rng.choice("AB"), rng.randint(1, 4), rng.randint(0, 9))
                         for k in range(rng.randint(1, 3))]  # fmt: skip
                answer = run(live, cmd(f"p{i}", f"o{i}", mode, *lines, ttl=rng.randint(1, 50)))
                if answer.outcome.hold_id:
                    holds.append(answer.outcome.hold_id)
            elif op < 0.65 and holds:
                run(live, ConfirmCommand(f"c{i}", b"c", rng.choice(holds)))
            elif op < 0.85:
                run(live, ReleaseCommand(f"r{i}", b"r", order_id=f"o{rng.randrange(i + 1)}"))
            else:
                clock.now += rng.randint(1, 20)
        except (Conflict, NotFound):
            pass
    live.close()
    again = Reservations(engine(), tmp_path, clock=clock)
    report = again.open()
    again.close()
    assert report.records == live.lsn, f"seed {seed}"
    assert not report.allocations_dropped and report.allocations_moved == 0, f"seed {seed}"
    a, b = live.engine.ledger, again.engine.ledger
    np.testing.assert_array_equal(a.reserved, b.reserved, err_msg=f"seed {seed}")
    entries = [{key: ledger.get(key) for key in sorted(ledger.keys())} for ledger in (a, b)]
    assert entries[0] == entries[1], f"seed {seed}"
    assert live.book.reserved_lines() == again.book.reserved_lines(), f"seed {seed}"
    assert {h: x.state for h, x in live.book.holds.items()} == {
        h: x.state for h, x in again.book.holds.items()
    }, f"seed {seed}"
    assert live.book._requests == again.book._requests, f"seed {seed}"


def test_holds_overdue_at_restart_expire_on_open(tmp_path: Path, clock: Clock) -> None:
    """A hold whose TTL passed while the server was down is expired (and journaled) on open."""
    first = Reservations(engine(), tmp_path, clock=clock)
    first.open()
    run(first, cmd("r1", "o1", PromiseMode.HOLD, line("1", "A", 4), ttl=5))
    first.close()
    clock.now += 10
    second = Reservations(engine(), tmp_path, clock=clock)
    second.open()
    try:
        assert reserved(second) == 0 and second.lsn == 2
    finally:
        second.close()


def test_replay_onto_a_later_snapshot_moves_and_drops(tmp_path: Path, clock: Clock) -> None:
    """On a snapshot with a later as_of, past allocations fold into day 0; unknown rows drop."""
    first = Reservations(engine(), tmp_path, clock=clock)
    first.open()
    run(first, cmd("r1", "o1", PromiseMode.COMMIT, line("1", "A", 4), line("2", "B", 8)))
    first.close()
    later = Snapshot(
        items=[Item("B")], locations=["L1"], supply=series("B", "L1", [5] * 10), horizon_days=10,
        snapshot_id="later",
    ).data()  # fmt: skip
    later = type(later)(**{**later.__dict__, "as_of": AS_OF + dt.timedelta(days=3)})
    from promising.model import build_model

    second = Reservations(Engine(build_model(later)), tmp_path, clock=clock)
    report = second.open()
    second.close()
    assert report.allocations_moved == 1  # B's day-1 allocation is before the new as_of
    assert [a[0] for a in report.allocations_dropped] == ["A"]
    assert int(second.engine.ledger.reserved[0, 0]) == 8


def _records(reservations: Reservations):
    from promising.journal import Journal

    journal = Journal(reservations.writer.path)
    try:
        return list(journal.records())
    finally:
        journal.close()
