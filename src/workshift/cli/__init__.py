"""The ``workshift`` command line: a thin layer over the stage packages.

Each stage's commands live in their own module with a ``register(app)`` function; heavy libraries are
imported inside the commands so that ``workshift --help`` stays fast.

Lazy CLI (the one documented exception to "own modules imported at module level", issue 14 item 3): every
``cli/`` module imports the workshift modules a command needs inside that command. Measured on the shared
2-core machine under load (5 runs each, 2026-12-08): ``workshift --help`` takes 2.6-3.0 s CPU (6.2-7.0 s wall)
lazy against 7.0-7.6 s CPU (16-20 s wall) with all 148 imports at module level, which pulls in numba
(~1.2 s) and scikit-learn (~3.1 s) for every command; ``python -X importtime -c "import workshift.cli"``
4.8 s against 13.7 s. tests/core/test_imports.py allows function-level imports of workshift modules only
here and on lines marked ``# lazy: <reason>``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from workshift import config
from workshift._version import __version__
from workshift.cli.output import print_error
from workshift.errors import WorkshiftError
from workshift.i18n import LANG_ENV, current_lang, set_lang

app = typer.Typer(
    name="workshift",
    help="Employment policy in the age of AI: data, engine, policy optimisation, evaluation, services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


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
    encoding: str | None = typer.Option(
        None, "--encoding", envvar=config.ENCODING_ENV,
        help="Text encoding of the tables you bring (e.g. cp1252, latin-1, gb18030); default: UTF-8 or a "
        "GB18030 guess, named on stderr.",
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    config.set_data_dir(data_dir)
    config.set_home(home)
    if encoding:
        os.environ[config.ENCODING_ENV] = encoding
    set_lang(lang)
    from workshift.store import clean_home  # duckdb and pandas: only once a command runs, not for --help

    clean_home()


#: library parameters whose flag is not ``--`` + the name with dashes (the rest map by that rule)
FLAGS = {"horizon_months": "--horizon", "n_iter": "--search-iter", "specials": "--special"}


def flag(parameter: str) -> str:
    """The command line's flag of a library argument (``baseline_rate`` -> ``--baseline-rate``)."""
    return FLAGS.get(parameter, "--" + parameter.replace("_", "-"))


def _register_all() -> None:
    from workshift.cli import data, demo, evaluate, evidence, market, matching, occupations, policy, services

    for module in (data, occupations, market, policy, services, matching, evidence, evaluate, demo):
        module.register(app)


_register_all()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; every error becomes one ``Error:`` line on stderr and a non-zero exit.

    Bad input (a :class:`WorkshiftError`, a usage error of typer's own click) exits 2; an unexpected
    exception exits 1 with one line asking for a bug report (``WORKSHIFT_DEBUG=1`` shows the traceback).
    """
    try:
        result = app(args=argv, standalone_mode=False)
    except WorkshiftError as exc:
        # the library names its arguments (pop, control='notyet'); the command line names its flags (--pop)
        exc = exc.restated({name: flag(name) for name in exc.arguments})
        print_error(*exc.text(current_lang()))
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print_error("aborted")
        sys.exit(130)
    except NoArgsIsHelpError as exc:
        typer.echo(exc.format_message())
        sys.exit(0)
    except UsageError as exc:
        command = exc.ctx.command_path if exc.ctx is not None else "workshift"
        print_error(exc.format_message(), f"see '{command} --help'")
        sys.exit(2)
    except ClickException as exc:
        print_error(exc.format_message())
        sys.exit(exc.exit_code if exc.exit_code else 1)
    except Exception as exc:
        if os.environ.get("WORKSHIFT_DEBUG"):
            raise
        print_error(f"internal error ({type(exc).__name__}: {exc})",
                    "this is a bug in Workshift: please report it with the command you ran; "
                    "WORKSHIFT_DEBUG=1 shows the traceback")
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)
