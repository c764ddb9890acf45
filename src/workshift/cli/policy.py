"""CLI of the policy stage: ``workshift optimize SCENARIO.toml``, ``workshift policy evaluate REFORM.toml`` (a
reform against no new policy) and ``workshift policy audit SCENARIO.toml`` (each lever alone against its
evidence)."""

# Lazy CLI: workshift modules are imported inside the commands (workshift --help: 2.6-3.0 s CPU lazy,
# 7.0-7.6 s with them at module level; measured in cli/__init__.py's docstring).
from __future__ import annotations

from pathlib import Path

import typer

from workshift.cli.output import echo_json
from workshift.i18n import lang_option
from workshift.outputs import FORCE_HELP, check_output_folder


def optimize(
    scenario: Path = typer.Argument(..., help="Scenario TOML with a \\[policy] section (see scenarios/genai_policy.toml)."),
    algorithm: str = typer.Option("nsga2", "--algorithm", help="nsga2 | nsga3 | ga | pso | random"),
    pop: int = typer.Option(100, "--pop", help="Population size (portfolios per generation)."),
    generations: int = typer.Option(100, "--generations", help="Generations (evaluations = pop x generations)."),
    seed: int = typer.Option(1, "--seed", help="Random seed: same seed, same result."),
    objectives: str | None = typer.Option(None, "--objectives", help="Comma-separated objective keys "
                                          "(default: the scenario's, else employment_to_population,job_quality,income,cost)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    dask: bool = typer.Option(False, "--dask", help="Evaluate populations on a local Dask cluster (same result)."),
    dask_address: str | None = typer.Option(None, "--dask-address", help="Use an existing Dask scheduler "
                                            "(tcp://host:8786) instead of a local cluster."),
    out: Path | None = typer.Option(None, "--out", help="Folder for result.json and the HTML reports "
                                    "(en and zh); default: none written."),
    lang: str = typer.Option(None, "--lang", help="Language of the table printed: en or zh.", callback=lang_option),
    ensemble: int = typer.Option(16, "--ensemble", help="Uncertainty draws of the recommended portfolio (seeded; "
                                 "exposure index, displacement share, effects, costs); 0 = none."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Optimise a portfolio of policy levers for a scenario: Pareto front, hypervolume, recommended plan."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from workshift import api
    from workshift.i18n import normalise_lang, t
    from workshift.optimize.algorithms import check_algorithm, check_settings
    from workshift.optimize.report import format_objective

    lang = normalise_lang(lang)
    check_output_folder(out, inputs=[scenario], force=force)
    check_algorithm(algorithm)
    check_settings(pop, generations, seed)
    console = Console(stderr=True)
    sc = api.load_scenario(scenario)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, disable=as_json, transient=True) as bar:
        tasks = {"prepare": bar.add_task(t("policy.progress_prepare", lang), total=1)}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(t("policy.progress_optimise", lang), total=total)
            bar.update(tasks[stage], completed=done)

        plan = api.optimise(sc, algorithm, pop, generations, seed, objectives=objectives, ensemble=ensemble,
                            dask=dask_address or dask, out=out, progress=progress)
    summary = plan.result
    if as_json:
        typer.echo(plan.to_json())
        return
    table = Table(title=t("policy.headline", lang))
    table.add_column(t("policy.objective", lang))
    table.add_column(t("policy.baseline", lang), justify="right")
    table.add_column(t("policy.recommended", lang), justify="right")
    rec = summary["recommended"]["objectives"]
    for key in summary["objectives"]:
        table.add_row(t(f"policy.{key}", lang),
                      format_objective(key, summary["baseline"][key], summary["currency"], lang,
                                       summary.get("wage_currency")),
                      format_objective(key, rec[key], summary["currency"], lang, summary.get("wage_currency")))
    out_console = Console()
    out_console.print(table)
    out_console.print(t("policy.hypervolume", lang, value=f"{summary['hypervolume']:.3f}"))
    out_console.print(t("policy.optimise_done", lang, pareto=len(summary["pareto"]), evaluations=summary["evaluations"],
                        seconds=summary["seconds"], run=plan.run_id))
    out_console.print(t("policy.plan_saved", lang, plan_id=plan.plan_id))


def _table_row(key: str, values: list[float], currency: str, lang: str) -> list[str]:
    """Status quo, reform (with units) and their difference (shares in percentage points)."""
    from workshift.optimize.report import PERCENT, format_objective

    *levels, diff = values
    change = f"{100 * diff:+.2f} pp" if key in PERCENT else format_objective(key, diff, currency, lang)
    return [*(format_objective(key, v, currency, lang) for v in levels), change]


def evaluate(
    reform: Path = typer.Argument(..., help="Scenario TOML with [policy.reform] (lever = intensity or [per phase])."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    lang: str = typer.Option(None, "--lang", help="Language of the table printed: en or zh.", callback=lang_option),
) -> None:
    """Evaluate a hand-picked reform against no new policy (every lever at its dated default, cost 0)."""
    from rich.console import Console
    from rich.table import Table

    from workshift import api
    from workshift.i18n import normalise_lang, t

    lang = normalise_lang(lang)
    result = api.evaluate_reform(api.load_scenario(reform)).evaluation
    if as_json:
        echo_json(result.to_dict(), indent=None)
        return
    cur = result.currency
    table = Table(title=t("policy.reform_title", lang))
    for head in ("objective", "status_quo", "reform", "difference"):
        table.add_column(t(f"policy.{head}", lang), justify="left" if head == "objective" else "right")
    for key in result.reform:
        table.add_row(t(f"policy.{key}", lang), *_table_row(
            key, [result.status_quo[key], result.reform[key], result.difference[key]], cur, lang))
    Console().print(table)


def audit(
    scenario: Path = typer.Argument(..., help="Scenario TOML with a \\[policy] section."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    lang: str = typer.Option(None, "--lang", help="Language of the table printed: en or zh.", callback=lang_option),
) -> None:
    """Each lever alone at three spend levels: participants, job-years, cost per job-year, against its evidence."""
    from rich.console import Console
    from rich.table import Table

    from workshift.i18n import normalise_lang, t
    from workshift.i18n.numbers import money, number
    from workshift.optimize.audit import audit_levers
    from workshift.optimize.pipeline import load_policy_scenario

    lang = normalise_lang(lang)
    result = audit_levers(load_policy_scenario(scenario))
    if as_json:
        echo_json(result.to_dict(), indent=None)
        return
    table = Table(title=t("policy.audit_title", lang))
    for head in ("lever", "spend", "participants", "job_years", "cost_per_job_year", "evidence_job_years",
                 "displacement_share", "evidence_range", "verdict"):
        table.add_column(t(f"policy.audit_{head}", lang), justify="left" if head in ("lever", "verdict")
                         else "right")
    for row in result.levers:
        low, high = row.evidence_cost_per_job_year
        table.add_row(_lever_name(row.id, lang), money(row.spend, result.meta.get("currency", ""), lang, 2),
                      number(row.participants, lang), number(row.job_years, lang),
                      number(row.cost_per_job_year, lang), number(row.evidence_job_years, lang),
                      "-" if row.displacement_share is None else f"{100 * row.displacement_share:.0f} %",
                      "-" if low is None else f"{low:,.0f}-{high:,.0f}",
                      t(f"policy.audit_verdict_{row.verdict}", lang))
    Console().print(table)


def sensitivity(
    scenario: Path = typer.Argument(..., help="Scenario TOML with a \\[policy] section."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    lang: str = typer.Option(None, "--lang", help="Language of the table printed: en or zh.", callback=lang_option),
) -> None:
    """Each lever alone at half its maximum: job-years and cost per job-year at every assumption's low and high."""
    from dataclasses import asdict

    from rich.console import Console
    from rich.table import Table

    from workshift.i18n import normalise_lang, t
    from workshift.optimize.pipeline import load_policy_scenario, prepare
    from workshift.optimize.uncertainty import sensitivity as run_sensitivity

    sc = load_policy_scenario(scenario)
    rows = run_sensitivity(prepare(sc))
    if as_json:
        echo_json({"rows": [asdict(r) for r in rows]}, indent=None)
        return
    lang = normalise_lang(lang)
    table = Table(title=t("policy.sensitivity_title", lang))
    for head in ("lever", "parameter", "values", "job_years", "cost_per_job_year"):
        table.add_column(t(f"policy.sensitivity_{head}", lang))
    for r in rows:
        table.add_row(_lever_name(r.lever, lang), _parameter_name(r.lever, r.parameter, lang), " / ".join(f"{v:g}" for v in r.values),
                      " / ".join(f"{v:,.0f}" for v in r.job_years),
                      " / ".join("-" if v is None else f"{v:,.0f}" for v in r.cost_per_job_year))
    Console().print(table)


def _lever_name(lever_id: str, lang: str) -> str:
    """A lever as a Chinese reader names it (its label); English keeps the lever id, as it always printed."""
    from workshift.policy.catalogue import packaged_levers

    lever = packaged_levers().get(lever_id)
    return lever.label["zh"] if lang == "zh" and lever is not None else lever_id


def _parameter_name(lever_id: str, parameter: str, lang: str) -> str:
    """An assumption of a lever (an effect, or its cost) by its Chinese name; English keeps the parameter id."""
    from workshift.i18n import t
    from workshift.policy.catalogue import localised, packaged_levers

    if lang != "zh":
        return parameter
    lever = packaged_levers().get(lever_id)
    if parameter == "cost":
        return t("policy.sensitivity_cost", lang)
    if lever is None or parameter not in lever.effects:
        return parameter
    return localised(lever.effects[parameter], "name", lang)


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the main app."""
    app.command("optimize")(optimize)
    policy = typer.Typer(help="Policy levers: evaluate a reform against no new policy, audit the levers.",
                         no_args_is_help=True)
    policy.command("evaluate")(evaluate)
    policy.command("audit")(audit)
    policy.command("sensitivity")(sensitivity)
    app.add_typer(policy, name="policy")
