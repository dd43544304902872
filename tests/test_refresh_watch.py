"""`serve --watch DIR` and the admin CLI: folders dropped into a directory are applied in name
order, once; `promising load`, `apply-delta` and `status` talk to a running server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from refresh_data import FileServer, supply, with_op, write_base, write_changes
from typer.testing import CliRunner

from cli.app import app
from loaders.manifest import manifest_kind
from promising.refresh.watch import Watcher
from promising.v1 import admin_service_pb2 as admin_pb
from promising.v1 import admin_service_pb2_grpc as admin_grpc

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def _upsert(quantity: int) -> list[dict]:
    return with_op([supply("S1", "A", "L1", 0, quantity)], "UPSERT")


def _drop(watched: Path) -> None:
    """A delta, a bad delta, a new snapshot, a delta on it, and a folder still being written."""
    write_changes(watched / "0001-delta", 1, _upsert(11))
    write_changes(watched / "0002-delta", 2, with_op([supply("S2", "Z", "L1", 0, 1)], "UPSERT"))
    write_base(watched / "0003-snapshot", [supply("S1", "A", "L1", 0, 20)], snapshot_id="snap-2")
    write_changes(watched / "0004-delta", 1, _upsert(21), snapshot_id="snap-2")
    (watched / "0005-delta").mkdir()


def test_watched_folders_apply_in_order_once(tmp_path: Path) -> None:
    """Complete folders are taken in name order; a refused one is reported and skipped; a
    folder without its manifest waits; after a restart nothing is taken twice."""
    base = write_base(tmp_path / "base", [supply("S1", "A", "L1", 0, 10)])
    watched = tmp_path / "watched"
    watched.mkdir()
    with FileServer(base, tmp_path / "data") as server:
        assert server.server is not None and server.server.refresher is not None
        watcher = Watcher(watched, server.server.refresher, manifest_kind)
        _drop(watched)
        assert watcher.scan() == ["0001-delta", "0002-delta", "0003-snapshot", "0004-delta"]
        status = server.status()
        assert (status.version.snapshot_id, status.version.delta_sequence) == ("snap-2", 1)
        assert status.last_error.startswith("0002-delta: supply.item_id: unknown item 'Z'")
        assert server.columns("A", "L1")["supply"][0] == 21
        assert watcher.scan() == []
        write_changes(watched / "0005-delta", 2, _upsert(22), snapshot_id="snap-2")
        write_changes(watched / "0000-late", 3, _upsert(23), snapshot_id="snap-2")
        assert watcher.scan() == ["0005-delta"]
        server.restart()
        assert server.server is not None and server.server.refresher is not None
        assert Watcher(watched, server.server.refresher, manifest_kind).scan() == []
        assert server.columns("A", "L1")["supply"][0] == 22


def test_admin_cli_against_a_running_server(tmp_path: Path) -> None:
    """`promising apply-delta`, `load` and `status` print what the server did; a refused
    delta exits 1 with the reason and changes nothing."""
    base = write_base(tmp_path / "base", [supply("S1", "A", "L1", 0, 10)])
    with FileServer(base, tmp_path / "data") as server:
        assert server.server is not None
        address = ["--address", server.server.address]
        delta = write_changes(tmp_path / "d1", 1, _upsert(12))
        code, output = run("apply-delta", str(delta), *address)
        assert code == 0 and "snapshot snap-1, delta 1" in output and "supply.UPSERT 1" in output
        bad = write_changes(tmp_path / "d2", 9, _upsert(13))
        code, output = run("apply-delta", str(bad), *address)
        assert code == 1 and "FAILED_PRECONDITION" in output and "the next one is 2" in output
        snap = write_base(tmp_path / "s2", [supply("S1", "A", "L1", 0, 5)], snapshot_id="snap-2")
        code, output = run("load", str(snap), *address)
        assert code == 0 and "snapshot snap-2, delta 0" in output
        code, output = run("status", *address)
        assert code == 0 and "snap-2" in output and "lines reserved 0" in output
        assert "last refused delta 9" in output


def run(*args: str) -> tuple[int, str]:
    """Exit code and output (words joined by single spaces: rich wraps long lines)."""
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.replace("│", " ").split())


def _status(address: str) -> admin_pb.GetStatusResponse | None:
    with grpc.insecure_channel(address) as channel:
        try:
            return admin_grpc.SupplyAdminServiceStub(channel).GetStatus(
                admin_pb.GetStatusRequest(), timeout=2
            )
        except grpc.RpcError:
            return None


def _until(address: str, done: object, seconds: float = 30.0) -> admin_pb.GetStatusResponse:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = _status(address)
        if status is not None and done(status):  # type: ignore[operator]
            return status
        time.sleep(0.1)
    raise AssertionError(f"not reached in {seconds}s: last status {_status(address)}")


def _start(base: Path, data: Path, watched: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "--snapshot", str(base), "--data-dir", str(data),
         "--port", "0", "--watch", str(watched), "--watch-interval", "0.1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.readline()
    assert first.startswith("listening on "), first
    return process, first.removeprefix("listening on ").strip()


@pytest.mark.timeout(120)
def test_server_process_watches_and_restarts_on_the_last_version(tmp_path: Path) -> None:
    """`python -m server --watch`: dropped folders are applied by the process; after SIGTERM
    and a restart it serves the last version and applies nothing twice."""
    base = write_base(tmp_path / "base", [supply("S1", "A", "L1", 0, 10)])
    watched = tmp_path / "watched"
    watched.mkdir()
    process, address = _start(base, tmp_path / "data", watched)
    try:
        _until(address, lambda s: s.version.snapshot_id == "snap-1")
        write_changes(watched / "0001-delta", 1, _upsert(11))
        write_changes(watched / "0002-delta", 2, _upsert(12))
        status = _until(address, lambda s: s.version.delta_sequence == 2)
        assert status.watch_path == str(watched.resolve())
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(30)
    process, address = _start(base, tmp_path / "data", watched)
    try:
        status = _until(address, lambda s: s.version.snapshot_id == "snap-1")
        time.sleep(0.3)  # a few scans
        status = _status(address)
        assert status is not None and status.version.delta_sequence == 2
        assert status.last_delta_path.endswith("0002-delta") and status.last_error == ""
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(30)
