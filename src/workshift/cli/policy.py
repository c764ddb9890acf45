"""CLI of the policy stage: ``workshift optimize SCENARIO.toml``."""

from __future__ import annotations

from pathlib import Path

import typer

from workshift.cli.output import dumps, echo_json
from workshift.i18n import lang_option


def optimize(
    scenario: Path = typer.Argument(..., help="Scenario TOML with a \\[policy] section (see scenarios/genai_policy.toml)."),
    algorithm: str = typer.Option("nsga2", "--algorithm", help="nsga2 | nsga3 | ga | pso | random"),
    pop: int = typer.Option(100, "--pop", help="Population size (portfolios per generation)."),
    generations: int = typer.Option(100, "--generations", help="Generations (evaluations = pop x generations)."),
    seed: int = typer.Option(1, "--seed", help="Random seed: same seed, same result."),
    objectives: str | None = typer.Option(None, "--objectives", help="Comma-separated objective keys "
                                          "(default: the scenario's, else employment_rate,job_quality,income,cost)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    dask: bool = typer.Option(False, "--dask", help="Evaluate populations on a local Dask cluster (same result)."),
    dask_address: str | None = typer.Option(None, "--dask-address", help="Use an existing Dask scheduler "
                                            "(tcp://host:8786) instead of a local cluster."),
    out: Path | None = typer.Option(None, "--out", help="Folder for result.json and the HTML reports "
                                    "(en and zh); default: none written."),
    lang: str = typer.Option(None, "--lang", help="Language of the table printed: en or zh.", callback=lang_option),
) -> None:
    """Optimise a portfolio of policy levers for a scenario: Pareto front, hypervolume, recommended plan."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from workshift.files import write_text_atomic
    from workshift.i18n import normalise_lang, t
    from workshift.optimize.algorithms import check_algorithm
    from workshift.optimize.pipeline import load_policy_scenario, prepare, search, summarise
    from workshift.optimize.report import write_reports
    from workshift.optimize.results import save

    lang = normalise_lang(lang)
    check_algorithm(algorithm)
    console = Console(stderr=True)
    sc = load_policy_scenario(scenario)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, disable=as_json, transient=True) as bar:
        task = bar.add_task(t("policy.progress_prepare", lang), total=1)
        prepared = prepare(sc, objectives)
        bar.update(task, completed=1)
        task = bar.add_task(t("policy.progress_optimise", lang), total=generations)
        result = search(prepared, algorithm, pop, generations, seed, dask=dask_address or dask,
                        progress=lambda done, total: bar.update(task, completed=min(done, total)))
    summary = summarise(prepared, result)
    run_id, plan_id, paths = save(prepared, summary)
    summary["run_id"], summary["plan_id"] = run_id, plan_id
    if out is not None:
        summary["reports"] = write_reports(prepared, summary, paths, out)
        write_text_atomic(Path(out) / "result.json", dumps(summary, indent=1))
    if as_json:
        echo_json(summary, indent=None)
        return
    table = Table(title=t("policy.headline", lang))
    table.add_column(t("policy.objective", lang))
    table.add_column(t("policy.baseline", lang), justify="right")
    table.add_column(t("policy.recommended", lang), justify="right")
    from workshift.optimize.report import _fmt

    rec = summary["recommended"]["objectives"]
    for key in summary["objectives"]:
        table.add_row(t(f"policy.{key}", lang), _fmt(key, summary["baseline"][key], summary["currency"]),
                      _fmt(key, rec[key], summary["currency"]))
    out_console = Console()
    out_console.print(table)
    out_console.print(t("policy.hypervolume", lang, value=f"{summary['hypervolume']:.3f}"))
    out_console.print(f"pareto: {len(summary['pareto'])}, evaluations: {summary['evaluations']}, "
                      f"seconds: {summary['seconds']}, run: {run_id}")
    out_console.print(t("policy.plan_saved", lang, plan_id=plan_id))


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the main app."""
    app.command("optimize")(optimize)
