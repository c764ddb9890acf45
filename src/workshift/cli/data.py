"""`workshift data ...`: build, inspect and fetch region packs and their sources."""

# Lazy CLI: workshift modules are imported inside the commands (workshift --help: 2.6-3.0 s CPU lazy,
# 7.0-7.6 s with them at module level; measured in cli/__init__.py's docstring).
from __future__ import annotations

from pathlib import Path

import typer

from workshift.cli.output import echo_json
from workshift.i18n import catalogue, current_lang, lang_option, t
from workshift.outputs import FORCE_HELP, check_output

data_app = typer.Typer(help="Region packs and their raw sources: build, info, pull, verify.", no_args_is_help=True)

PACK_ARG = typer.Argument("us", help="Region pack name (`workshift data packs` lists them); with --from-tables, "
                         "the name of your own pack.")


def build_with_progress(name: str, data_dir: Path | None = None, lang: str = "en",
                        from_tables: Path | None = None, accept_local_edits: bool | None = None) -> Path:
    """Build a pack with a rich progress bar; returns the pack's path."""
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from workshift.data import build_pack, get_builder
    from workshift.data.builders import BUILDERS
    from workshift.i18n import t

    steps = (BUILDERS["tables"] if from_tables is not None else get_builder(name)).steps

    started = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task(t("data.building", lang, name=name), total=len(steps))

        def step(description: str, done: int, total: int) -> None:
            bar.update(task, completed=done, description=f"{t('data.building', lang, name=name)}: {description}")

        path = build_pack(name, data_dir=data_dir, progress=step, from_tables=from_tables,
                          accept_local_edits=accept_local_edits)
        bar.update(task, completed=len(steps))
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
        from_tables: Path | None = typer.Option(
            None, "--from-tables", help="Build pack NAME from your own tables in this folder (pack.toml, "
            "occupations.csv, optional exposure.csv, skills.csv, mobility.csv; see docs/pack.md)."),
        accept_local_edits: bool = typer.Option(
            False, "--accept-local-edits", help="Build even from source files whose sha256 differs from the "
            "registry's (edited locally), with a warning; without it such a build is refused."),
    ) -> None:
        """Build a region pack from the raw sources (atomic: a failed build keeps the previous pack)."""
        build_with_progress(name, data_dir, lang=current_lang(), from_tables=from_tables, accept_local_edits=accept_local_edits or None)

    @data_app.command("series")
    def series(
        name: str = PACK_ARG,
        out: Path = typer.Option(..., "--out", help="CSV file to write (indicator, region, period, value)."),
        force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    ) -> None:
        """Write a pack's monthly macro series as monitoring observations (for `workshift monitor ingest`)."""
        from workshift.data import load_pack
        from workshift.files import atomic_path

        check_output(out, formats=(".csv",), force=force)
        frame = load_pack(name).observations()
        with atomic_path(out, suffix=".csv") as tmp:
            frame.to_csv(tmp, index=False)
        typer.echo(t("data.series_written", current_lang(), rows=len(frame), series=frame["indicator"].nunique(),
                     out=out))

    @data_app.command("packs")
    def packs(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
        """The region packs Workshift can build (name, code system, currency) and whether each is built."""
        from workshift.data import built_packs
        from workshift.data.builders import BUILDERS

        built = set(built_packs())
        rows = [{"name": b.name, "title": b.title, "code_system": b.code_system, "currency": b.currency,
                 "built": b.name in built} for b in BUILDERS.values() if not b.needs_source_dir]
        rows += [{"name": n, "title": "built from the user's own tables", "code_system": None, "currency": None,
                  "built": True} for n in sorted(built - set(BUILDERS))]
        if as_json:
            echo_json(rows)
        else:
            lang, messages = current_lang(), catalogue("en")
            for row in rows:
                mark = t("data.packs_built", lang) if row["built"] else "-"
                key = f"data.pack_title.{row['name']}" if row["code_system"] else "data.pack_title_user"
                title = t(key, lang) if lang == "zh" and key in messages else row["title"]
                typer.echo(f"{row['name']:<8} {row['code_system'] or '':<10} {row['currency'] or '':<4} {mark:<6} "
                           f"{title}")

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
