"""`promising serve`: this process becomes the gRPC server (`python -m server`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.local import Snapshot


def serve(
    snapshot: Snapshot,
    data_dir: Annotated[Path, typer.Option(help="Directory of the reservation journal.")],
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).")] = 50051,
    watch: Annotated[
        Path | None, typer.Option(help="Apply snapshot and delta folders dropped in here.")
    ] = None,
) -> None:
    """Serve the gRPC API (promising.v1) on a snapshot, with a durable journal."""
    args = [
        sys.executable,
        "-m",
        "server",
        "--snapshot",
        str(snapshot),
        "--data-dir",
        str(data_dir),
    ]
    args += ["--host", host, "--port", str(port)]
    args += ["--watch", str(watch)] if watch is not None else []
    os.execv(sys.executable, args)
