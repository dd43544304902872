"""Benchmark fixtures and the closing table of same-run ratios."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ratio import RESULTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not RESULTS:
        return
    terminalreporter.section("ratios against same-run baselines (median)")
    for r in RESULTS:
        terminalreporter.write_line(r.line())
