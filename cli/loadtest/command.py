"""`promising loadtest`: load a running server and report latency, throughput and errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import grpc
import typer
from rich.console import Console

from cli.calls import DEFAULT_ADDRESS, Address
from cli.loadtest.catalogue import discover
from cli.loadtest.plot import plot_run
from cli.loadtest.report import comparison, read_baseline, show
from cli.loadtest.run import run_loadtest
from cli.loadtest.spec import workload
from cli.output import OutputFormat, console, errors, fail


def _flag(help: str, *names: str) -> Any:
    return typer.Option(*names, help=help, show_default=False)


def loadtest(
    address: Address = DEFAULT_ADDRESS,
    config: Annotated[
        Path | None, _flag("Workload TOML file (the flags' keys); flags win.", "--config", "-f")
    ] = None,
    mix: Annotated[str | None, _flag("Weights, e.g. quote=80,commit=15,check=5.", "--mix")] = None,
    lines: Annotated[str | None, _flag("Lines per order, N or LOW-HIGH [1].", "--lines")] = None,
    quantity: Annotated[str | None, _flag("Units per line, LOW-HIGH [1-50].", "--quantity")] = None,
    days: Annotated[
        str | None, _flag("Requested date, days after as_of, LOW-HIGH [5-100].", "--days")
    ] = None,
    skew: Annotated[
        float | None, _flag("Zipf exponent over item-locations: hot SKUs [0: uniform].", "--skew")
    ] = None,
    items: Annotated[
        str | None,
        _flag("ITEM@LOCATION,… to ask for (default: the server's snapshot).", "--items"),
    ] = None,
    snapshot: Annotated[
        Path | None, _flag("Read the item-locations from this snapshot directory.", "--snapshot")
    ] = None,
    rate: Annotated[
        float | None, _flag("Open loop: calls a second on a fixed schedule.", "--rate", "-r")
    ] = None,
    concurrency: Annotated[
        int | None, _flag("Closed loop (no --rate): concurrent callers [8].", "--concurrency", "-c")
    ] = None,
    duration: Annotated[float | None, _flag("Seconds measured [10].", "--duration", "-d")] = None,
    warmup: Annotated[
        float | None, _flag("Seconds sent first, not measured [1].", "--warmup")
    ] = None,
    timeout: Annotated[
        float | None, _flag("Deadline of each call, seconds [10].", "--timeout")
    ] = None,
    hold_ttl: Annotated[
        int | None, _flag("Seconds a HOLD lasts if not released [60].", "--hold-ttl")
    ] = None,
    max_in_flight: Annotated[
        int | None, _flag("Open loop: calls outstanding at most [5000].", "--max-in-flight")
    ] = None,
    seed: Annotated[int | None, _flag("Random seed [1].", "--seed")] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="Report on stdout as a table or JSON.")
    ] = OutputFormat.table,
    json_path: Annotated[Path | None, _flag("Also write the JSON result here.", "--json")] = None,
    plot: Annotated[
        Path | None, _flag("Write a PNG: latency over time, percentile curve.", "--plot")
    ] = None,
    compare: Annotated[
        Path | None, _flag("An earlier run's JSON: print this run's ratios to it.", "--compare")
    ] = None,
    release: Annotated[
        bool, typer.Option(help="Release what HOLD and COMMIT calls reserved, at the end.")
    ] = True,
) -> None:
    """Load a running server (QUOTE/HOLD/COMMIT/CheckAvailability) open- or closed-loop."""
    flags = {
        "mix": mix, "lines": lines, "quantity": quantity, "days": days, "skew": skew,
        "items": items, "rate": rate, "concurrency": concurrency, "duration": duration,
        "warmup": warmup, "timeout": timeout, "hold_ttl": hold_ttl,
        "max_in_flight": max_in_flight, "seed": seed,
    }  # fmt: skip
    try:
        spec = workload(config, flags)
        baseline = read_baseline(compare) if compare is not None else None
    except (OSError, ValueError) as error:
        raise fail(str(error)) from None
    with grpc.insecure_channel(address) as channel:
        try:
            catalogue = discover(channel, spec.items, snapshot, spec.timeout)
        except grpc.RpcError as error:
            errors.print(f"[bold red]{error.code().name}[/]: {address}: {error.details()}")
            raise typer.Exit(code=1) from None
        except ValueError as error:
            errors.print(f"[bold red]error:[/] {address}: {error}")
            raise typer.Exit(code=1) from None
        if catalogue.warning:
            errors.print(f"[yellow]warning:[/] {catalogue.warning}")
        doc = run_loadtest(channel, address, spec, catalogue, release=release, say=errors.print)
    if baseline is not None:
        doc["comparison"] = comparison(doc, baseline, compare)
    text = json.dumps(doc, indent=2)
    if json_path is not None:
        json_path.write_text(text + "\n")
    if plot is not None:
        plot_run(doc, plot, baseline)
    if output_format is OutputFormat.json:
        sys.stdout.write(text + "\n")
    else:
        # a pipe or a file gets the table whole, not wrapped to 80 columns
        show(console if console.is_terminal else Console(width=132), doc, baseline)
    if plot is not None:
        errors.print(f"[dim]wrote {plot}[/]")
