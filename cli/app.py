"""The `promising` command: every subcommand, mounted in one place.

In this process, on a snapshot directory: `generate`, `availability`, `promise`, `serve`.
Against a running server over gRPC: `client …` (quote, hold, commit, release) and `load`,
`apply-delta`, `status` (refresh it); these need the generated stubs (`make proto`).
"""

from __future__ import annotations

import typer

from cli.generate import generate
from cli.local import availability, promise
from cli.serve import serve

app = typer.Typer(
    help="promising: an order-promising engine (ATP). What can we deliver, from where, when?",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(generate)
app.command()(availability)
app.command()(promise)
app.command()(serve)


def _mount_clients() -> None:
    try:
        from cli import admin
        from cli.client import client_app
    except ImportError:  # no gRPC stubs generated: the commands above still work
        return
    app.add_typer(client_app, name="client", help="Talk to a running server.")
    app.command("load")(admin.load)
    app.command("apply-delta")(admin.apply_delta)
    app.command("status")(admin.status)


_mount_clients()
