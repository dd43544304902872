"""The SQLite journal and its single writer thread: durability, group commit, fail-stop."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from promising.errors import Overloaded
from promising.journal import Journal, JournalUnavailable, Writer


def test_journal_is_wal_with_full_sync(tmp_path: Path) -> None:
    """The journal runs in WAL mode with synchronous=FULL (2)."""
    journal = Journal(tmp_path / "j.sqlite")
    assert journal._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert journal._db.execute("PRAGMA synchronous").fetchone()[0] == 2
    journal.close()


def test_committed_records_survive_reopen_in_lsn_order(tmp_path: Path) -> None:
    """Records appended and committed come back after reopening, numbered 1, 2, 3…"""
    journal = Journal(tmp_path / "j.sqlite")
    assert journal.append("a", "{}", "r1", b"d1", b"resp1") == 1
    assert journal.append("b", '{"x":1}') == 2
    assert journal.commit() == 2
    journal.append("c", "{}")
    journal.close()  # the third was never committed
    reopened = Journal(tmp_path / "j.sqlite")
    records = list(reopened.records())
    assert [(r.lsn, r.kind, r.body, r.request_id) for r in records] == [
        (1, "a", "{}", "r1"),
        (2, "b", '{"x":1}', None),
    ]
    assert reopened.lsn == 2 and reopened.next_lsn == 3
    assert reopened.response(1) == b"resp1"


def test_rollback_to_mark_forgets_pending_records(tmp_path: Path) -> None:
    """rollback_to(mark) drops only the records appended after the mark."""
    journal = Journal(tmp_path / "j.sqlite")
    journal.append("keep", "{}")
    mark = journal.mark()
    journal.append("drop", "{}", response=b"x")
    journal.rollback_to(mark)
    journal.commit()
    assert [r.kind for r in journal.records()] == ["keep"]


def test_pending_response_is_readable_before_commit(tmp_path: Path) -> None:
    """A response appended in the current group is found before it is committed."""
    journal = Journal(tmp_path / "j.sqlite")
    lsn = journal.append("a", "{}", "r", b"d", b"pending")
    assert journal.response(lsn) == b"pending"


def test_future_resolves_only_after_commit(tmp_path: Path) -> None:
    """When a command's future resolves, its record is already visible to another reader."""
    writer = Writer(tmp_path / "j.sqlite")
    writer.start()
    try:
        lsn = writer.submit(lambda j: j.append("a", "{}")).result(5)
        reader = sqlite3.connect(tmp_path / "j.sqlite")
        assert reader.execute("SELECT lsn FROM log").fetchall() == [(lsn,)]
        reader.close()
        assert writer.lsn == lsn
    finally:
        writer.stop()


def test_concurrent_commands_are_committed_in_groups(tmp_path: Path) -> None:
    """Commands queued during one commit share the next: fewer commits than commands."""
    writer = Writer(tmp_path / "j.sqlite")
    writer.start()
    gate = threading.Event()
    try:
        first = writer.submit(lambda j: (gate.wait(5), j.append("slow", "{}"))[1])
        futures = [writer.submit(lambda j: j.append("x", "{}")) for _ in range(200)]
        gate.set()
        lsns = [f.result(5) for f in [first, *futures]]
        assert lsns == list(range(1, 202))
        assert writer.commands == 201 and writer.commits <= 3
    finally:
        writer.stop()


def test_failing_command_leaves_no_record(tmp_path: Path) -> None:
    """A command that raises gets its error; its records are dropped, others commit."""
    writer = Writer(tmp_path / "j.sqlite")
    writer.start()

    def bad(journal: Journal) -> None:
        journal.append("half", "{}")
        raise ValueError("boom")

    try:
        failed = writer.submit(bad)
        ok = writer.submit(lambda j: j.append("ok", "{}"))
        with pytest.raises(ValueError, match="boom"):
            failed.result(5)
        assert ok.result(5) == 1
    finally:
        writer.stop()
    assert [r.kind for r in Journal(tmp_path / "j.sqlite").records()] == ["ok"]


def test_full_queue_is_overloaded(tmp_path: Path) -> None:
    """Beyond queue_max waiting commands, submit raises Overloaded at once."""
    writer = Writer(tmp_path / "j.sqlite", queue_max=2)
    writer.start()
    gate = threading.Event()
    try:
        blocker = writer.submit(lambda j: gate.wait(5))
        time.sleep(0.05)  # the writer is now inside the blocker; the queue is empty
        writer.submit(lambda j: None)
        writer.submit(lambda j: None)
        with pytest.raises(Overloaded):
            writer.submit(lambda j: None)
        gate.set()
        blocker.result(5)
    finally:
        gate.set()
        writer.stop()


def test_stop_commits_queued_commands_then_refuses(tmp_path: Path) -> None:
    """stop() finishes what is queued; later submits raise JournalUnavailable."""
    writer = Writer(tmp_path / "j.sqlite")
    writer.start()
    futures = [writer.submit(lambda j: j.append("x", "{}")) for _ in range(50)]
    writer.stop()
    assert [f.result(0) for f in futures] == list(range(1, 51))
    with pytest.raises(JournalUnavailable):
        writer.submit(lambda j: None)


def test_commit_failure_stops_the_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed commit fails its group with JournalUnavailable and refuses everything after."""
    writer = Writer(tmp_path / "j.sqlite")
    writer.start()

    def broken(self: Journal) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Journal, "commit", broken)
    future = writer.submit(lambda j: j.append("x", "{}"))
    with pytest.raises(JournalUnavailable):
        future.result(5)
    assert isinstance(writer.failed, sqlite3.OperationalError)
    with pytest.raises(JournalUnavailable, match="restart"):
        writer.submit(lambda j: None)
    writer.stop()


def test_tick_runs_when_due_and_its_records_commit(tmp_path: Path) -> None:
    """The tick runs at the time it asks for, without commands, and its records are durable."""
    due = [time.time() + 0.2]
    fired = threading.Event()

    def tick(journal: Journal) -> float | None:
        if due and time.time() >= due[0]:
            due.clear()
            journal.append("expire", "{}")
            fired.set()
        return due[0] if due else None

    writer = Writer(tmp_path / "j.sqlite", tick=tick)
    writer.start()
    try:
        assert fired.wait(3)
        deadline = time.time() + 3
        while writer.lsn < 1 and time.time() < deadline:
            time.sleep(0.01)
        assert writer.lsn == 1
    finally:
        writer.stop()


def test_replay_error_fails_start(tmp_path: Path) -> None:
    """An error while replaying is raised by start(), and no command is accepted."""

    def replay(journal: Journal) -> None:
        raise ValueError("corrupt")

    writer = Writer(tmp_path / "j.sqlite", replay=replay)
    with pytest.raises(ValueError, match="corrupt"):
        writer.start()
    with pytest.raises(JournalUnavailable):
        writer.submit(lambda j: None)
