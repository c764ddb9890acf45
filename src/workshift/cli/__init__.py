"""The ``workshift`` command line: a thin layer over the stage packages.

Each stage's commands live in their own module with a ``register(app)`` function; heavy libraries are
imported inside the commands so that ``workshift --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import typer
from rich.console import Console

from workshift import __version__, config
from workshift.errors import WorkshiftError
from workshift.i18n import LANG_ENV, set_lang

app = typer.Typer(
    name="workshift",
    help="Employment policy in the age of AI: data, engine, policy optimisation, evaluation, services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"workshift {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Raw data directory (default: $WORKSHIFT_DATA_DIR, ../shared/data, user cache)."
    ),
    home: Path | None = typer.Option(
        None, "--home", help="Workshift home: store, packs, runs (default: $WORKSHIFT_HOME or a user data dir)."
    ),
    lang: str | None = typer.Option(
        None,
        "--lang",
        envvar=LANG_ENV,
        help="Language of everything printed and written (en or zh), set once for every command.",
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    config.set_data_dir(data_dir)
    config.set_home(home)
    set_lang(lang)


def _register_all() -> None:
    from workshift.cli import data, demo, evaluate, evidence, market, matching, occupations, policy, services

    for module in (data, occupations, market, policy, services, matching, evidence, evaluate, demo):
        module.register(app)


_register_all()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; a WorkshiftError becomes a clear message and a non-zero exit."""
    try:
        result = app(args=argv, standalone_mode=False)
    except WorkshiftError as exc:
        err_console.print(f"[bold red]Error:[/] {exc.message}", highlight=False)
        if exc.hint:
            err_console.print(f"  [yellow]hint:[/] {exc.hint}", highlight=False)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err_console.print("Aborted.")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    sys.exit(result if isinstance(result, int) else 0)
