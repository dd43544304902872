"""`promising client …` against a real server: readable tables, errors with their fields."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from server_harness import Harness
from typer.testing import CliRunner

from cli.client import client_app

runner = CliRunner()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with Harness(tmp_path_factory.mktemp("client")) as harness:
        yield harness


def run(server: Harness, *args: str):
    result = runner.invoke(client_app, [*args, "--address", server.server.address])
    return result


def test_availability_table(server: Harness) -> None:
    """availability prints a table per location with supply and ATP."""
    result = run(server, "availability", "C", "--to", "2026-01-07")
    assert result.exit_code == 0, result.output
    assert "C @ L1" in result.output and "C @ L2" in result.output
    assert "2026-01-05" in result.output


def test_quote_then_commit(server: Harness) -> None:
    """promise quotes by default and commits with --commit; the server holds the units."""
    quoted = run(server, "promise", "A:4:2026-01-05", "B:8:2026-01-05")
    assert quoted.exit_code == 0, quoted.output
    assert "QUOTED" in quoted.output and "LATE" in quoted.output
    assert server.reserved("A") == 0
    committed = run(server, "promise", "A:4:2026-01-05", "--commit", "--order-id", "cli-1")
    assert committed.exit_code == 0 and "COMMITTED" in committed.output
    assert server.reserved("A") == 4
    released = run(server, "release", "--order-id", "cli-1")
    assert released.exit_code == 0 and "released order cli-1" in released.output
    assert server.reserved("A") == 0


def test_hold_confirm_release(server: Harness) -> None:
    """hold prints the hold id; confirm commits it; release by hold of a confirmed one fails."""
    held = run(server, "hold", "D:1:2026-01-05", "--ttl", "600", "--order-id", "cli-2")
    assert held.exit_code == 0, held.output
    hold_id = re.search(r"confirm ([0-9a-f]{32})", held.output).group(1)
    confirmed = run(server, "confirm", hold_id)
    assert confirmed.exit_code == 0 and "confirmed" in confirmed.output
    again = run(server, "release", "--hold-id", hold_id)
    assert again.exit_code == 1 and "FAILED_PRECONDITION" in again.output
    run(server, "release", "--order-id", "cli-2")


def test_errors_name_the_bad_fields(server: Harness) -> None:
    """A refused call exits 1 and prints the status and each bad field."""
    result = run(server, "promise", "NOPE:0:2026-01-05")
    assert result.exit_code == 1
    assert "INVALID_ARGUMENT" in result.output and "lines[0].quantity" in result.output


def test_bad_line_syntax_exits_2(server: Harness) -> None:
    """A line that is not ITEM:QTY[:DATE[:LOCATION]] is refused before any call."""
    assert run(server, "promise", "A").exit_code == 2
    assert run(server, "promise", "A:x").exit_code == 2
    assert run(server, "promise", "A:1:tomorrow").exit_code == 2


def test_unreachable_server(tmp_path: Path) -> None:
    """No server at the address: exit 1 with UNAVAILABLE."""
    result = runner.invoke(
        client_app, ["availability", "A", "--address", "127.0.0.1:9", "--timeout", "1"]
    )
    assert result.exit_code == 1 and "UNAVAILABLE" in result.output
