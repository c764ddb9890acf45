"""`workshift evaluate programme`: the effect of a programme on its participants from individual records.

Hooked into the ``evaluate`` group by :func:`register` (called from :mod:`workshift.cli.evaluate`); the
estimators live in :mod:`workshift.evidence.programme` (docs/evaluation.md).
"""

# Lazy CLI: workshift modules are imported inside the commands (workshift --help: 2.6-3.0 s CPU lazy,
# 7.0-7.6 s with them at module level; measured in cli/__init__.py's docstring).
from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from workshift.cli.evaluate_options import (
    AS_JSON,
    FORCE,
    HORIZON,
    OUTCOME_KIND,
    POPULATION,
    PROGRAMME_TYPE,
    REPORT,
    REPORT_LANG,
)
from workshift.cli.output import echo_json
from workshift.evidence.evaluated import subject
from workshift.evidence.evaluation_runs import save_evaluation as _store
from workshift.i18n import normalise_lang
from workshift.outputs import check_output


def programme(
    data: Path = typer.Option(..., "--data", help="Participant records: CSV/TSV (delimiter detected) or Parquet."),
    treatment: str = typer.Option(..., "--treatment", help="Column: 1 = took part, 0 = comparison."),
    outcome: str = typer.Option(..., "--outcome", help="Column with the outcome (e.g. earnings in 1978)."),
    covariates: str = typer.Option("", "--covariates",
                                   help="Comma-separated terms: col, col^2, a*b, col==0 (none: difference "
                                        "in means, for randomised data)."),
    comparison: Path | None = typer.Option(None, "--comparison",
                                           help="Comparison-group file (then --data gives the participants)."),
    method: str = typer.Option("aipw", "--method", help="ipw | aipw | dml | match."),
    estimand: str = typer.Option("att", "--estimand", help="att (effect on participants) | ate."),
    trim: float = typer.Option(0.01, "--trim", help="Propensity trimming threshold (0 = none)."),
    learners: str = typer.Option("linear", "--learners",
                                 help="Nuisance learner families chosen among by cross-validation: "
                                      "linear, boosting (comma-separated)."),
    folds: int = typer.Option(5, "--folds", help="Cross-fitting and cross-validation folds."),
    repetitions: int = typer.Option(3, "--repetitions", help="Sample splits of dml (median aggregated)."),
    neighbours: int = typer.Option(1, "--neighbours", help="Matches per unit (match)."),
    seed: int = typer.Option(1, "--seed", help="Seed of the folds and the boosting learners."),
    alpha: float = typer.Option(0.05, "--alpha", help="1 - confidence level."),
    outcome_unit: str = typer.Option("", "--outcome-unit", help="Unit of the outcome, e.g. 'USD of 1982'."),
    programme_type: str | None = PROGRAMME_TYPE,
    population: str | None = POPULATION,
    outcome_kind: str | None = OUTCOME_KIND,
    horizon: float | None = HORIZON,
    as_json: bool = AS_JSON,
    report: Path | None = REPORT,
    lang: str = REPORT_LANG,
    force: bool = FORCE,
) -> None:
    """Programme effect on participants: IPW, doubly robust AIPW, DML or matching, with diagnostics."""
    from workshift.cli.evaluate_text import stored_line
    from workshift.evidence.programme import estimate_programme
    from workshift.evidence.programme_data import read_sample

    lang = normalise_lang(lang)
    check_output(report, flag="--report", formats=(".html",), inputs=[data, comparison], force=force)
    evaluated = subject(programme_type, population, outcome_kind, horizon)
    sample = read_sample(data, treatment=treatment, outcome=outcome, covariates=covariates, comparison=comparison)
    options = {"method": method, "estimand": estimand, "trim": trim, "folds": folds, "seed": seed,
               "learners": learners, "repetitions": repetitions, "neighbours": neighbours, "alpha": alpha}
    result = estimate_programme(sample, outcome_unit=outcome_unit, **options)
    run_id = _store("programme", result, {**options, "covariates": sample.terms,
                                          "comparison": str(comparison) if comparison else None}, evaluated)
    if report is not None:
        from workshift.evidence.report_programme import programme_report

        programme_report(result, report, lang)
    if as_json:
        echo_json({**result.to_dict(), "evaluated": evaluated.to_dict(), "run_id": run_id})
        return
    _print(result, lang)
    typer.echo(stored_line(run_id, report, lang))


def _print(result: Any, lang: str = "en") -> None:
    from rich.console import Console
    from rich.table import Table

    from workshift.cli.evaluate_text import term_of
    from workshift.i18n import t

    console = Console()
    table = Table(title=t("evaluate.console.programme_title", lang, estimand=result.estimand.upper(),
                          treatment=result.treatment, outcome=result.outcome,
                          estimator=term_of(f"estimator_{result.method}", result.estimator, lang)))
    table.add_column(term_of("quantity", "quantity", lang))
    table.add_column(term_of("value", "value", lang), justify="right")
    naive = result.naive_difference
    level = round(100 * (1 - result.alpha))
    rows = [("estimate", "estimate", f"{result.estimate:,.2f}"), ("se", "se", f"{result.se:,.2f}"),
            ("ci", f"{level}% CI", f"[{result.ci_low:,.2f}, {result.ci_high:,.2f}]"),
            ("naive", "naive difference", t("evaluate.console.with_se", lang, estimate=f"{naive['estimate']:,.2f}",
                                            se=f"{naive['se']:,.2f}")),
            ("counts", "treated / comparison", f"{result.n_treated} / {result.n_comparison}"),
            ("trimmed", "trimmed (treated / comparison)",
             f"{result.trimmed['treated']} / {result.trimmed['comparison']}"),
            ("e_value", "E-value", f"{result.sensitivity.get('e_value', float('nan')):.2f}")]
    for key, name, value in rows:
        table.add_row(t("evaluate.console.ci", lang, level=level) if key == "ci" and lang == "zh"
                      else term_of(key, name, lang), value)
    console.print(table)
    if result.balance:
        balance = Table(title=term_of("balance", "balance (standardised mean differences)", lang))
        for column in ("term", "before", "after"):
            balance.add_column(term_of(column, column, lang), justify="left" if column == "term" else "right")
        for term, smd in result.balance.items():
            balance.add_row(term, f"{smd['smd_before']:.3f}", f"{smd['smd_after']:.3f}")
        console.print(balance)
    for note in result.warnings:
        console.print(f"[yellow]{t('evaluate.console.note', lang)}[/] {note}", highlight=False)


def register(evaluate_app: typer.Typer) -> None:
    """Add `programme` to the `evaluate` group (idempotent)."""
    if not any(command.name == "programme" for command in evaluate_app.registered_commands):
        evaluate_app.command("programme")(programme)
