"""`promising promise --region`: a multi-location promise from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from cli.app import app
from loaders import load_model

runner = CliRunner()


def _stocked_item(path: Path) -> tuple[str, str]:
    """An item with the most supply, and the first region of the rules."""
    import numpy as np

    model, _ = load_model(path)
    item = model.row_item[int(np.argmax(model.supply.sum(axis=1)))]
    return model.items.ids[item], model.sourcing_rules.regions[0]


def test_promise_region_json(generated_snapshot: Callable[[str], Path]) -> None:
    """With --region the answer names the path that chose and each fulfilment's dates."""
    path = generated_snapshot("parquet")
    item, region = _stocked_item(path)
    args = ["promise", "-s", str(path), "-q", "--item", item, "--quantity", "2"]
    args += ["--date", "2026-02-20", "--region", region, "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["decision"] == "GREEDY"
    assert answer["fulfillments"]
    for f in answer["fulfillments"]:
        assert f["ship_date"] <= f["arrival_date"]


def test_promise_region_table_with_split(generated_snapshot: Callable[[str], Path]) -> None:
    """The table lists the fulfilments and says the solver chose them when splitting."""
    path = generated_snapshot("parquet")
    item, region = _stocked_item(path)
    args = ["promise", "-s", str(path), "-q", "--item", item, "--quantity", "5"]
    args += ["--date", "2026-02-20", "--region", region, "--split"]
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "sources chosen by SOLVER" in result.output
    assert "arrive" in result.output
