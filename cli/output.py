"""Where the commands write: results on stdout; progress, load reports and errors on stderr."""

from __future__ import annotations

from enum import StrEnum

import typer
from rich.console import Console

console = Console()
errors = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def fail(message: str) -> typer.Exit:
    """Print a usage error; the caller raises the exit it returns (code 2, as typer's own)."""
    errors.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)
