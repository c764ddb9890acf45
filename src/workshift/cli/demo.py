"""`workshift demo`: the main job, end to end on real data.

1. build the region pack (``--pack``, default the US) if it is missing and print its data quality report;
2. optimise a policy portfolio for the GenAI adoption scenario under its budget (NSGA-II on the batched
   engine), print the headline table, and write the self-contained HTML reports (English and Chinese).
"""

# Lazy CLI: workshift modules are imported inside the commands (workshift --help: 2.6-3.0 s CPU lazy,
# 7.0-7.6 s with them at module level; measured in cli/__init__.py's docstring).
from __future__ import annotations

from pathlib import Path

import typer

from workshift.i18n import lang_option
from workshift.outputs import FORCE_HELP, check_output_folder, mark_output_folder


def run_demo(lang: str = "en", rebuild: bool = False, out_dir: Path = Path("out/demo"),
             pop: int | None = None, generations: int | None = None, pack_name: str = "us",
             ensemble: int | None = None) -> dict:
    """Run the whole demo; returns the policy demo's result dict."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from workshift import store
    from workshift.cli.data import build_with_progress, print_report
    from workshift.data import get_builder, load_pack
    from workshift.data.pack import check_pack_name
    from workshift.data.registry import pull_everything_hint
    from workshift.errors import DataError
    from workshift.i18n import t, term
    from workshift.i18n.numbers import currency_name, number
    from workshift.optimize.demo import (
        DEMO_ENSEMBLE,
        DEMO_GENERATIONS,
        DEMO_POP,
        DEMO_SCENARIO,
        demo_network,
        network_note,
        run_policy_demo,
    )
    from workshift.optimize.pipeline import load_policy_scenario
    from workshift.optimize.report import cost_basis_text, format_objective

    console = Console()
    path = store.pack_path(pack_name)
    if path.is_file():
        check_pack_name(pack_name)  # a registered pack or the user's own
    else:
        get_builder(pack_name)  # unknown names fail here, before anything is built
    if rebuild or not path.is_file():
        typer.echo(t("data.demo_building", lang, name=pack_name))
        try:
            build_with_progress(pack_name, lang=lang)
        except DataError as exc:  # a fresh machine without ../shared: say the one command, not file by file
            hint = pull_everything_hint()
            if hint is None:
                raise
            raise DataError(exc.message, hint=hint) from exc
    else:
        typer.echo(t("data.demo_ready", lang, path=path))
    print_report(pack_name, lang)

    pack = load_pack(pack_name)
    wanted = load_policy_scenario(DEMO_SCENARIO).engine.market["network"]
    network, fell_back = demo_network(wanted, pack.networks(), pack.meta.get("default_network"))
    if fell_back:  # said before the long optimisation starts, and again at the top of the reports
        console.print(f"[bold yellow]{network_note({'wanted': wanted, 'used': network}, lang)}[/]", highlight=False)
    labels = {stage: t(f"data.demo_stage_{stage}", lang) for stage in ("prepare", "optimise", "report")}
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        result = run_policy_demo(pack, out_dir, lang=("en", "zh"), progress=progress,
                                 pop=pop or DEMO_POP, generations=generations or DEMO_GENERATIONS,
                                 ensemble_draws=DEMO_ENSEMBLE if ensemble is None else ensemble)

    table = Table(title=t("data.demo_table_title", lang, pack=pack_name.upper()))
    table.add_column(t("data.demo_objective", lang))
    table.add_column(t("data.demo_no_policy", lang), justify="right")
    table.add_column(t("data.demo_recommended", lang), justify="right")
    cur, wages = result.get("currency", pack.currency), result.get("wage_currency")
    for row in result["headline"]:
        key = row["objective"]
        table.add_row(t(f"policy.{key}", lang), format_objective(key, row["baseline"], cur, lang, wages),
                      format_objective(key, row["recommended"], cur, lang, wages))
    console.print(table)
    unc, conv = result.get("uncertainty"), result.get("convergence") or {}
    if unc:
        low, _, high = unc["objectives"]["policy_effect"]
        console.print(t("data.demo_uncertainty", lang, low=number(low, lang), high=number(high, lang),
                        draws=unc["draws"], p=f"{unc['p_beats_no_policy']:.2f}"), highlight=False)
    state = "demo_converged" if conv.get("converged") else "demo_not_converged"
    console.print(t(f"data.{state}", lang, generations=conv.get("generations_run", 0)), highlight=False)
    console.print(t("data.demo_done", lang, evaluations=result["evaluations"], seconds=f"{result['seconds']:.1f}",
                    hypervolume=f"{result['hypervolume']:.4f}", network=term(f"data.network_{result['network']}", result["network"], lang), run=result["run_id"],
                    plan=result["plan_id"]))
    if pack.code_system != "SOC 2018" or pack.currency != "USD":
        costs = result.get("cost_conversion") or {}
        console.print(t("data.demo_units_note", lang, code_system=pack.code_system,
                        currency=currency_name(pack.currency, lang), factor=f"{costs.get('factor', 1.0):.4g}",
                        basis=cost_basis_text(costs, lang)))
    reports = result["reports"]
    for item in reports.values() if isinstance(reports, dict) else reports:
        console.print(t("data.demo_report", lang, path=item), highlight=False)
    return result


def register(app: typer.Typer) -> None:
    """Add the `demo` command to the main app."""

    @app.command("demo")
    def demo(
        lang: str = typer.Option(None, "--lang", help="Language of the console report: en or zh.", callback=lang_option),
        rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild the pack even if it exists."),
        pack: str = typer.Option("us", "--pack", help="Region pack to run the demo on (e.g. us, de, cn)."),
        out: Path = typer.Option(Path("out/demo"), "--out", help="Folder for the HTML reports."),
        pop: int | None = typer.Option(None, "--pop", help="Population size (default: the demo's)."),
        generations: int | None = typer.Option(None, "--generations", help="Generations (default: the demo's)."),
        ensemble: int | None = typer.Option(None, "--ensemble", help="Uncertainty draws of the recommended portfolio "
                                            "(default: the demo's; 0 = none)."),
        force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    ) -> None:
        """Run the demo: a region pack and its quality report, then the GenAI policy optimisation and reports."""
        from workshift.i18n import normalise_lang

        check_output_folder(out, force=force)
        run_demo(normalise_lang(lang), rebuild, out, pop, generations, pack, ensemble)
        mark_output_folder(out)
