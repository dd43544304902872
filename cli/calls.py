"""One gRPC call from the command line: the address and deadline options, refusals printed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import grpc
import typer

from cli.output import errors
from promising.rpc.status import field_violations

S = TypeVar("S")
T = TypeVar("T")

DEFAULT_ADDRESS = "127.0.0.1:50051"
Address = Annotated[
    str,
    typer.Option("--address", "-a", envvar="PROMISING_ADDRESS", help="Server address, HOST:PORT."),
]
Timeout = Annotated[float, typer.Option(help="Deadline of the call, in seconds.")]


def call(
    stub_type: Callable[[grpc.Channel], S],
    address: str,
    call: Callable[[S], T],
    *,
    repeat_violations: bool = True,
) -> T:
    """One call on a fresh channel. A refusal prints its status and each bad field, then
    exits 1; `repeat_violations=False` leaves out fields whose description the message shows
    already (a command that sends one field)."""
    with grpc.insecure_channel(address) as channel:
        try:
            return call(stub_type(channel))
        except grpc.RpcError as error:
            code = error.code() if hasattr(error, "code") else None
            name = code.name if code is not None else "ERROR"
            message = error.details() if hasattr(error, "details") else str(error)
            errors.print(f"[bold red]{name}[/]: {message}")
            for field, description in field_violations(error):
                if repeat_violations or description not in (message or ""):
                    errors.print(f"  [red]{field or '(request)'}[/]: {description}")
            raise typer.Exit(code=1) from None
