"""`workshift data ...`: build, inspect and fetch region packs and their sources."""

from __future__ import annotations

from pathlib import Path

import typer

from workshift.cli.output import echo_json
from workshift.i18n import lang_option

data_app = typer.Typer(help="Region packs and their raw sources: build, info, pull, verify.", no_args_is_help=True)

PACK_ARG = typer.Argument("us", help="Region pack name (known: us).")


def build_with_progress(name: str, data_dir: Path | None = None, lang: str = "en") -> Path:
    """Build a pack with a rich progress bar; returns the pack's path."""
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from workshift.data import build_pack
    from workshift.data.assemble import STEPS
    from workshift.i18n import t

    started = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task(t("data.building", lang, name=name), total=len(STEPS))

        def step(description: str, done: int, total: int) -> None:
            bar.update(task, completed=done, description=f"{t('data.building', lang, name=name)}: {description}")

        path = build_pack(name, data_dir=data_dir, progress=step)
        bar.update(task, completed=len(STEPS))
    typer.echo(t("data.built_ok", lang, name=name, seconds=f"{time.perf_counter() - started:.1f}", path=path))
    return path


def print_report(name: str, lang: str = "en") -> None:
    from rich.console import Console

    from workshift.data import load_pack
    from workshift.data.report import render

    Console().print(render(load_pack(name).meta, lang))


def register(app: typer.Typer) -> None:
    """Add the `data` command group (pack commands here; source commands from cli.data_sources)."""
    from workshift.cli import data_sources

    @data_app.command("build")
    def build(
        name: str = PACK_ARG,
        data_dir: Path | None = typer.Option(None, "--data-dir", help="Raw data directory (overrides the global)."),
    ) -> None:
        """Build a region pack from the raw sources (atomic: a failed build keeps the previous pack)."""
        build_with_progress(name, data_dir)

    @data_app.command("info")
    def info(
        name: str = PACK_ARG,
        as_json: bool = typer.Option(False, "--json", help="Print the quality report as JSON."),
        lang: str = typer.Option(None, "--lang", help="Language of the report: en or zh.", callback=lang_option),
    ) -> None:
        """The data quality report of a built pack: counts, coverage, imputation, vintages, sources."""
        from workshift.data import load_pack
        from workshift.data.report import info_json
        from workshift.i18n import normalise_lang

        if as_json:
            echo_json(info_json(load_pack(name).meta))
        else:
            print_report(name, normalise_lang(lang))

    data_sources.register(data_app)
    app.add_typer(data_app, name="data")
