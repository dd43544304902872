"""`python -m cli`: the `promising` command without the installed script."""

from cli.app import app

app(prog_name="promising")
