"""`promising loadtest` against a real server on port 0 (a small generated snapshot): closed
and open loop, a QUOTE/COMMIT mix that releases what it reserved, errors by status code, the
JSON document, --compare and the PNG; and the parts that need no server."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pytest
from refresh_data import FileServer
from server_harness import Harness
from typer.testing import CliRunner

from cli.app import app
from cli.loadtest.catalogue import item_locations
from cli.loadtest.draw import item_weights
from cli.loadtest.recorder import Recorder
from cli.loadtest.report import SCHEMA, decode_histogram
from cli.loadtest.spec import Kind, workload
from loaders.generator import generate_snapshot
from promising.v1 import admin_service_pb2 as admin_pb
from promising.v1 import promising_service_pb2 as pb

runner = CliRunner()
# The documented keys (README, "Load testing a running server"): keys may be added, never
# renamed or dropped.
DOCUMENT_KEYS = {
    *("schema", "started_at", "address", "run_id", "interrupted", "server", "workload"),
    *("client_cpu_percent", "measured_s", "calls_warmup", "total", "by_kind", "timeline"),
    *("send_lag_us_p50", "send_lag_us_p99", "send_lag_us_max", "released", "histogram"),
    "send_lag_histogram",
}
TALLY_KEYS = {
    *("calls_ok", "calls_error", "throughput_per_s", "lines_per_s", "errors"),
    *(f"latency_us_{p}" for p in ("p50", "p90", "p99", "p99_9", "max", "mean")),
}
SHORT = ("--duration", "0.6", "--warmup", "0.1", "--timeout", "5")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("loadtest")
    snapshot = base / "snap"
    generate_snapshot(
        snapshot, items=40, locations=3, horizon_days=60, seed=5, as_of=dt.date.today()
    )
    with FileServer(snapshot, base / "data") as fs:
        yield fs


def loadtest(server: FileServer, *args: str) -> dict[str, Any]:
    """Run the command with JSON on stdout; the parsed document."""
    result = runner.invoke(
        app, ["loadtest", "-a", server.server.address, *SHORT, *args, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def reserved_lines(server: FileServer) -> int:
    return server.admin.GetStatus(admin_pb.GetStatusRequest(), timeout=5).lines_reserved


# --- against the server ---------------------------------------------------------------------
def test_closed_loop_document_shape(server: FileServer) -> None:
    """A closed-loop quote run: every documented key, ordered percentiles, and a histogram
    that holds exactly the successful calls."""
    doc = loadtest(server, "--concurrency", "2")
    assert doc["schema"] == SCHEMA and doc["interrupted"] is False
    assert set(doc) == DOCUMENT_KEYS and set(doc["total"]) == TALLY_KEYS
    assert doc["workload"]["loop"] == "closed" and doc["workload"]["concurrency"] == 2
    assert doc["server"]["item_locations"] > 0 and doc["server"]["catalogue"].endswith("snap")
    total = doc["total"]
    assert total["calls_ok"] > 10 and total["calls_error"] == 0 and total["errors"] == {}
    values = [total[f"latency_us_{p}"] for p in ("p50", "p90", "p99", "p99_9", "max")]
    assert values == sorted(values) and values[0] > 0
    assert total["throughput_per_s"] > 0 and total["lines_per_s"] >= total["throughput_per_s"]
    assert set(doc["by_kind"]) == {"quote"}
    assert decode_histogram(doc).get_total_count() == total["calls_ok"]
    bins = doc["timeline"]["bins"]
    assert len(bins) * doc["timeline"]["bin_seconds"] == pytest.approx(0.6)
    assert sum(b["calls_ok"] for b in bins) == total["calls_ok"]
    assert doc["calls_warmup"] > 0 and doc["released"] == {}
    assert doc["client_cpu_percent"] > 0


def test_open_loop_sends_on_schedule(server: FileServer) -> None:
    """At 100 calls a second for 0.6 s, exactly the scheduled 60 calls are measured."""
    doc = loadtest(server, "--rate", "100")
    assert doc["workload"]["loop"] == "open"
    assert doc["total"]["calls_ok"] + doc["total"]["calls_error"] == 60
    assert doc["calls_warmup"] == 10
    assert 0 < doc["send_lag_us_p50"] <= doc["send_lag_us_max"]


def test_quote_commit_mix_releases_what_it_reserved(server: FileServer) -> None:
    """A QUOTE/COMMIT mix of multi-line orders commits, then releases every order it
    reserved: the server holds no reserved line afterwards."""
    assert reserved_lines(server) == 0
    doc = loadtest(server, "-c", "2", "--mix", "quote=1,commit=1", "--lines", "1-3")
    assert set(doc["by_kind"]) == {"quote", "commit"}
    assert doc["by_kind"]["commit"]["calls_ok"] > 0
    assert doc["released"].get("OK", 0) > 0 and set(doc["released"]) == {"OK"}
    assert reserved_lines(server) == 0


def test_no_release_keeps_holds_under_run_ids(server: FileServer) -> None:
    """--no-release keeps what HOLD calls reserved and says how many orders; their ids are
    `lt-RUN-N`, so they can be released by hand afterwards."""
    doc = loadtest(server, "-c", "1", "--mix", "hold=1", "--duration", "0.3", "--no-release")
    kept = doc["released"]["kept"]
    status = server.admin.GetStatus(admin_pb.GetStatusRequest(), timeout=5)
    assert kept > 0 and status.holds_open == kept
    calls = doc["calls_warmup"] + doc["total"]["calls_ok"] + doc["total"]["calls_error"]
    for n in range(1, calls + 1):
        order_id = f"lt-{doc['run_id']}-{n}"
        request = pb.ReleaseReservationRequest(request_id=f"undo-{order_id}", order_id=order_id)
        with contextlib.suppress(grpc.RpcError):  # NOT_FOUND: a rejected order held nothing
            server.stub.ReleaseReservation(request, timeout=5)
    assert reserved_lines(server) == 0


def test_errors_counted_by_status_code(server: FileServer) -> None:
    """An unknown item asked for on purpose is counted under its status code, per kind and
    in total, and kept out of the latency histogram."""
    known = item_locations(Path(server.snapshot))[0]
    items = f"{known[0]}@{known[1]},NO-SUCH-ITEM@{known[1]}"
    doc = loadtest(server, "-c", "2", "--items", items, "--mix", "quote=1,check=1")
    total = doc["total"]
    assert total["calls_ok"] > 0 and total["calls_error"] > 0
    assert sum(total["errors"].values()) == total["calls_error"]
    assert set(total["errors"]) <= {"NOT_FOUND", "INVALID_ARGUMENT"}
    for kind in ("quote", "check"):
        assert doc["by_kind"][kind]["calls_error"] > 0
    assert decode_histogram(doc).get_total_count() == total["calls_ok"]


def test_compare_and_plot(server: FileServer, tmp_path: Path) -> None:
    """--compare prints this run's ratio to a baseline per percentile and throughput, keeps
    the ratios in the JSON, and --plot writes a PNG."""
    baseline, png = tmp_path / "baseline.json", tmp_path / "run.png"
    loadtest(server, "-c", "1", "--duration", "0.3", "--json", str(baseline))
    address = server.server.address
    result = runner.invoke(
        app,
        [
            *("loadtest", "-a", address, *SHORT, "-c", "2", "--compare", str(baseline)),
            *("--plot", str(png), "--json", str(tmp_path / "run.json")),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "ratio" in result.stdout and "p99.9 ms" in result.stdout
    doc = json.loads((tmp_path / "run.json").read_text())
    ratios = doc["comparison"]["ratios"]
    assert set(ratios) >= {"latency_us_p50", "latency_us_p99_9", "throughput_per_s"}
    assert doc["comparison"]["workload_changes"] == {
        "concurrency": [1, 2],
        "duration": [0.3, 0.6],
    }
    assert "workload changed: concurrency 1 → 2, duration 0.3 → 0.6" in result.stdout
    base = json.loads(baseline.read_text())
    expected = doc["total"]["latency_us_p50"] / base["total"]["latency_us_p50"]
    assert ratios["latency_us_p50"] == pytest.approx(expected, abs=1e-3)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_server_not_serving_is_an_error(tmp_path: Path) -> None:
    """A server that has not loaded its snapshot yet: exit 1 naming the status, no run."""
    with Harness(tmp_path, serve=False) as harness:
        assert harness.server is not None
        result = runner.invoke(app, ["loadtest", "-a", harness.server.address, *SHORT])
        assert result.exit_code == 1 and "UNAVAILABLE" in result.output


# --- without a server -----------------------------------------------------------------------
def test_latency_counts_from_the_intended_send_time() -> None:
    """A call sent late is charged from when it was meant to go (no coordinated omission);
    calls intended during the warm-up are counted apart and not measured."""
    recorder = Recorder(measure_from=10.0, duration=1.0)
    recorder.record(Kind.quote, 9.9, 9.9, 10.05, "OK", 1)
    recorder.record(Kind.quote, 10.0, 10.4, 10.5, "OK", 2)
    recorder.record(Kind.check, 10.2, 10.2, 10.21, "NOT_FOUND", 0)
    assert recorder.warmup_calls == 1
    assert recorder.total.latency.get_max_value() == pytest.approx(500_000, rel=1e-3)
    assert recorder.send_lag.get_max_value() == pytest.approx(400_000, rel=1e-3)
    assert recorder.total.errors == {"NOT_FOUND": 1} and recorder.total.lines == 2


def test_toml_workload_with_flags_over_it(tmp_path: Path) -> None:
    """Every TOML key is read in its type; a flag given wins over the file; an unknown key
    or a bad range is refused with its name."""
    file = tmp_path / "load.toml"
    file.write_text(
        "mix = { quote = 8, commit = 1, hold = 1 }\nlines = [1, 5]\nquantity = 3\n"
        'days = [0, 10]\nskew = 1.2\nitems = ["A@L1", "B"]\nrate = 250\nduration = 4\n'
        "warmup = 0.5\nseed = 9\n"
    )
    spec = workload(file, {"rate": None, "duration": "2", "lines": "2-3"})
    assert spec.mix == {Kind.quote: 8.0, Kind.commit: 1.0, Kind.hold: 1.0}
    assert (spec.lines, spec.quantity, spec.days) == ((2, 3), (3, 3), (0, 10))
    assert spec.items == ("A@L1", "B") and spec.open_loop and spec.rate == 250
    assert (spec.duration, spec.warmup, spec.seed, spec.skew) == (2.0, 0.5, 9, 1.2)
    file.write_text("rps = 5\n")
    with pytest.raises(ValueError, match="rps"):
        workload(file, {})
    with pytest.raises(ValueError, match="lines"):
        workload(None, {"lines": "5-1"})
    with pytest.raises(ValueError, match="unknown kind"):
        workload(None, {"mix": "quote=1,cancel=1"})


def test_zipf_skew_makes_hot_skus() -> None:
    """Skew 0 is uniform; skew 1.2 gives the hottest tenth of 1,000 item-locations most of
    the draws, and not simply the first ids (the ranks are shuffled by the seed)."""
    rng = np.random.default_rng(1)
    assert np.allclose(item_weights(1000, 0.0, rng), 1 / 1000)
    weights = item_weights(1000, 1.2, rng)
    assert weights.sum() == pytest.approx(1.0)
    assert np.sort(weights)[-100:].sum() > 0.7
    assert int(np.argmax(weights)) != 0 or int(np.argsort(weights)[-2]) != 1
