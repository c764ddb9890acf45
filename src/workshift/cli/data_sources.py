"""`workshift data pull|verify|sources`: the source registry's commands (registered into `data`)."""

from __future__ import annotations

import typer


def register(data_app: typer.Typer) -> None:
    """Add the source-registry commands to the `data` group."""
