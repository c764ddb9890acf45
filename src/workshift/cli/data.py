"""`workshift data ...`: build, inspect and fetch region packs and their sources."""

from __future__ import annotations

import typer

data_app = typer.Typer(help="Region packs and their raw sources: build, info, pull, verify.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the `data` command group (pack commands here; source commands from cli.data_sources)."""
    from workshift.cli import data_sources

    data_sources.register(data_app)
    app.add_typer(data_app, name="data")
