"""Where the commands write: results on stdout; progress, load reports and errors on stderr."""

from __future__ import annotations

from enum import StrEnum

import typer
from rich.console import Console

PIPED_WIDTH = 200
"""Columns of a table written to a pipe or a file: rich would cut it to 80 (issue 13)."""

console = Console()
if not console.is_terminal:
    console = Console(width=PIPED_WIDTH)
errors = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def fail(message: str) -> typer.Exit:
    """Print a usage error; the caller raises the exit it returns (code 2, as typer's own)."""
    errors.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)
