"""`promising client scenario …` against a real server: create, quote on it, delete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from refresh_data import FileServer, demand, supply, write_base
from typer.testing import CliRunner

from cli import output
from cli.client import client_app

runner = CliRunner()


def test_create_quote_delete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scenario made from flags answers quotes and profiles with --scenario; live does not
    change; a bad flag or an unknown supply id is refused with its field; delete drops it."""
    monkeypatch.setattr(output.console, "_width", 200)  # whole status names in the tables
    base = write_base(
        tmp_path / "snap-1",
        [supply("S1", "A", "L1", 0, 10), supply("S2", "A", "L1", 5, 6, "PURCHASE_ORDER")],
        [demand("D1", "A", "L1", 3, 2)],
    )
    with FileServer(base, tmp_path / "data") as fs:
        assert fs.server is not None
        address = ["--address", fs.server.address]

        def run(*args: str):
            return runner.invoke(client_app, [*args, *address])

        made = run(
            "scenario", "create", "--move", "S2=2026-01-06", "--set", "S1=12",
            "--add-supply", "A:L1:2026-01-07:5:onhand", "--add-demand", "A:L1:2026-01-08:1",
        )  # fmt: skip
        assert made.exit_code == 0, made.output
        scenario_id = re.search(r"scenario ([0-9a-f]{32})", made.output).group(1)  # type: ignore[union-attr]
        on_it = run("promise", "A:16:2026-01-06:L1", "--scenario", scenario_id)
        assert on_it.exit_code == 0 and "ON_TIME" in on_it.output, on_it.output
        live = run("promise", "A:16:2026-01-06:L1")
        assert live.exit_code == 0 and "ON_TIME" not in live.output
        profile = run("availability", "A", "--scenario", scenario_id, "--to", "2026-01-07")
        assert profile.exit_code == 0 and "2026-01-06" in profile.output
        unknown = run("scenario", "create", "--remove", "S9")
        assert unknown.exit_code == 1 and "changes[0].remove_supply.supply_id" in unknown.output
        bad = run("scenario", "create", "--add-supply", "A:L1:2026-01-07:5:gift")
        assert bad.exit_code != 0 and "ONHAND" in bad.output
        assert run("scenario", "delete", scenario_id).exit_code == 0
        gone = run("promise", "A:1:2026-01-06:L1", "--scenario", scenario_id)
        assert gone.exit_code == 1 and "NOT_FOUND" in gone.output
