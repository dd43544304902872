"""The planner's CLI end to end: generate a snapshot, read availability, promise a line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app

AS_OF = "2026-03-02"
runner = CliRunner()


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "snap"
    result = runner.invoke(
        app,
        [
            *("generate", "--out", str(out), "--items", "40", "--locations", "3"),
            *("--horizon-days", "60", "--seed", "4", "--as-of", AS_OF),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def _first_item(snapshot: Path) -> tuple[str, str]:
    import pyarrow.parquet as pq

    row = pq.read_table(snapshot / "supply.parquet").slice(0, 1).to_pylist()[0]
    return row["item_id"], row["location_id"]


def test_availability_json_matches_engine(snapshot: Path) -> None:
    """`availability --format json` returns one profile per location with 60 daily buckets."""
    item, location = _first_item(snapshot)
    result = runner.invoke(
        app, ["availability", "-s", str(snapshot), "--item", item, "--format", "json", "-q"]
    )
    assert result.exit_code == 0, result.output
    profiles = json.loads(result.stdout)
    assert location in [p["location_id"] for p in profiles]
    assert all(len(p["buckets"]) == 60 for p in profiles)
    assert profiles[0]["buckets"][0]["date"] == AS_OF


def test_availability_table_and_plot(snapshot: Path, tmp_path: Path) -> None:
    """The table view prints the profile and the plot option writes a PNG."""
    item, location = _first_item(snapshot)
    png = tmp_path / "atp.png"
    result = runner.invoke(
        app,
        [
            *("availability", "-s", str(snapshot), "--item", item, "--location", location),
            *("--from", AS_OF, "--to", "2026-03-20", "--plot", str(png)),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"{item} @ {location}" in result.stdout
    assert "rows read" in result.stderr  # the load report
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_promise_json(snapshot: Path) -> None:
    """`promise --format json` answers a status and, unless unavailable, a date in the horizon."""
    item, location = _first_item(snapshot)
    result = runner.invoke(
        app,
        [
            *("promise", "-s", str(snapshot), "--item", item, "--location", location),
            *("--quantity", "1", "--date", "2026-03-10", "--format", "json", "-q"),
        ],
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["status"] in {"ON_TIME", "LATE", "UNAVAILABLE"}
    if answer["status"] != "UNAVAILABLE":
        promised = dt.date.fromisoformat(answer["promised_date"])
        assert dt.date(2026, 3, 10) <= promised <= dt.date(2026, 4, 30)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--item", "NOPE", "--quantity", "1", "--date", AS_OF], "unknown item"),
        (["--item", "X", "--quantity", "1", "--date", "03/10/2026"], "not a date"),
    ],
)
def test_promise_errors_are_clear(snapshot: Path, args: list[str], message: str) -> None:
    """Bad input exits with code 2 and a readable message, never a traceback."""
    result = runner.invoke(app, ["promise", "-s", str(snapshot), "-q", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_bad_snapshot_is_refused(tmp_path: Path) -> None:
    """A directory that is not a snapshot is refused with a message naming what is missing."""
    result = runner.invoke(app, ["availability", "-s", str(tmp_path), "--item", "A"])
    assert result.exit_code == 2
    assert "manifest" in result.stderr


def test_a_piped_table_is_not_cut_to_80_columns(snapshot: Path) -> None:
    """Written to a pipe, the commands' console is wide enough for the widest table (the
    client's order table has ten columns; rich would cut every column to fit 80), and the
    local `promise` keeps whole ids and dates."""
    import subprocess
    import sys

    from cli.output import PIPED_WIDTH

    width = subprocess.run(
        [sys.executable, "-c", "from cli.output import console; print(console.width)"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert int(width) == PIPED_WIDTH > 80
    item, location = _first_item(snapshot)
    out = subprocess.run(
        [sys.executable, "-m", "cli", "promise", "-s", str(snapshot), "--item", item,
         "--location", location, "--quantity", "1", "--date", AS_OF],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    assert item in out and location in out and AS_OF in out
