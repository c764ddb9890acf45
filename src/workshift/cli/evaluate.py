"""`workshift evaluate did|event-study|synth|programme`: causal evaluation of a policy or programme.

Each run is stored in the Workshift store (kind ``evaluate``) with its data file's sha256, the method, the
options and the library versions; ``--json`` prints the result, ``--report FILE.html`` writes an HTML
report (``--lang en|zh``). Heavy libraries are imported inside the commands.
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
from workshift.cli.evaluate_programme import register as register_programme
from workshift.cli.evaluate_text import stored_line, term_of
from workshift.cli.feedback import register as register_feedback
from workshift.cli.output import echo_json
from workshift.evidence.evaluated import subject
from workshift.evidence.evaluation_runs import save_evaluation as _store
from workshift.i18n import normalise_lang
from workshift.outputs import check_output

evaluate_app = typer.Typer(
    help="Causal evaluation: staggered difference-in-differences, event studies, synthetic control.",
    no_args_is_help=True,
)

def _print_did(result: Any, focus: str, lang: str = "en") -> None:
    from rich.console import Console
    from rich.table import Table

    from workshift.i18n import t

    console = Console()
    method = result.inference["method"]
    table = Table(title=t("evaluate.console.did_title", lang, outcome=result.outcome,
                          control=term_of(f"control_{result.control}", result.control, lang),
                          inference=term_of("inference_" + method.split(" ")[0], method, lang)))
    for column in ("aggregation", "estimate", "se", "ci_low", "ci_high"):
        table.add_column(term_of(column, column, lang), justify="left" if column == "aggregation" else "right")
    for kind, agg in result.aggregations.items():
        o = agg.overall
        table.add_row(term_of(f"kind_{kind}", kind, lang), *(f"{v:.4f}" for v in (o.estimate, o.se, o.ci_low, o.ci_high)))
    console.print(table)
    detail = result.aggregations["dynamic"].detail if focus == "event-study" else result.group_time
    cells = Table(title=t("evaluate.console.event_study" if focus == "event-study" else "evaluate.console.group_time",
                          lang))
    keys = ["event_time"] if focus == "event-study" else ["group", "time"]
    value = "estimate" if focus == "event-study" else "att"
    for column in [*keys, value, "se", "ci_low", "ci_high"]:
        cells.add_column(term_of(column, column, lang), justify="right")
    for row in detail.to_dict("records"):
        cells.add_row(*(str(row[k]) for k in keys),
                      *(f"{row[c]:.4f}" if row[c] == row[c] else "—" for c in (value, "se", "ci_low", "ci_high")))
    console.print(cells)
    for note in result.warnings:
        console.print(f"[yellow]{t('evaluate.console.note', lang)}[/] {note}", highlight=False)


def _did_command(focus: str):
    def command(
        data: Path = typer.Option(..., "--data", help="Panel file: CSV/TSV (delimiter detected; UTF-8 or GB18030/GBK), Parquet or .xlsx."),
        unit: str = typer.Option(..., "--unit", help="Column identifying the unit (e.g. county)."),
        time: str = typer.Option(..., "--time", help="Column with the (integer) period."),
        cohort: str = typer.Option(..., "--cohort", help="Column with the first treated period; 0 = never treated."),
        outcome: str = typer.Option(..., "--outcome", help="Column with the outcome."),
        control: str = typer.Option("never", "--control", help="Control group: never | notyet."),
        base_period: str = typer.Option("varying", "--base-period", help="Pre-period base: varying | universal."),
        bootstrap: int = typer.Option(1000, "--bootstrap", help="Multiplier-bootstrap draws; 0 = analytic SEs."),
        seed: int = typer.Option(1, "--seed", help="Seed of the bootstrap."),
        multiplier: str = typer.Option("mammen", "--multiplier", help="Bootstrap weights: mammen | rademacher."),
        alpha: float = typer.Option(0.05, "--alpha", help="1 - confidence level."),
        cband: bool = typer.Option(False, "--cband", help="Uniform (simultaneous) bands for the detail effects."),
        unbalanced: str = typer.Option("keep", "--unbalanced",
                                       help="Unbalanced panel: keep (R did's allow_unbalanced_panel) | drop units."),
        outcome_unit: str = typer.Option("", "--outcome-unit", help="Unit of the outcome, e.g. 'log employment'."),
        programme_type: str | None = PROGRAMME_TYPE,
        population: str | None = POPULATION,
        outcome_kind: str | None = OUTCOME_KIND,
        horizon: float | None = HORIZON,
        as_json: bool = AS_JSON,
        report: Path | None = REPORT,
        lang: str = REPORT_LANG,
        force: bool = FORCE,
    ) -> None:
        from workshift.evidence.did import estimate_did
        from workshift.evidence.panel import read_panel

        lang = normalise_lang(lang)
        check_output(report, flag="--report", formats=(".html",), inputs=[data], force=force)
        evaluated = subject(programme_type, population, outcome_kind, horizon)
        panel = read_panel(data, unit=unit, time=time, outcome=outcome, cohort=cohort)
        options = {"control": control, "base_period": base_period, "bootstrap": bootstrap, "seed": seed,
                   "multiplier": multiplier, "alpha": alpha, "cband": cband, "unbalanced": unbalanced}
        result = estimate_did(panel, outcome_unit=outcome_unit, **options)
        run_id = _store("event-study" if focus == "event-study" else "did", result, options, evaluated)
        if report is not None:
            from workshift.evidence.report_eval import did_report

            did_report(result, report, normalise_lang(lang), focus=focus)
        if as_json:
            echo_json({**result.to_dict(), "run_id": run_id})
            return
        _print_did(result, focus, normalise_lang(lang))
        typer.echo(stored_line(run_id, report, normalise_lang(lang)))

    command.__doc__ = (
        "Event study: Callaway-Sant'Anna effects by periods since treatment, with an event-study plot."
        if focus == "event-study" else
        "Staggered DiD: Callaway-Sant'Anna ATT(g,t) with simple, group, dynamic and calendar aggregations."
    )
    return command



def _parse_period(value: str, panel: Any) -> Any:
    """The --treatment-start text as a value of the panel's period column."""
    import pandas as pd

    from workshift.errors import InputError

    times = panel.frame["time"]
    if pd.api.types.is_numeric_dtype(times):
        try:
            number = float(value)
        except ValueError:
            raise InputError(f"--treatment-start {value!r} is not a number, but column '{panel.time}' is "
                             "numeric") from None
        return int(number) if pd.api.types.is_integer_dtype(times) and number.is_integer() else number
    return value.strip()


def register(app: typer.Typer) -> None:
    """Add the `evaluate` command group to the main app."""
    evaluate_app.command("did")(_did_command("did"))
    evaluate_app.command("event-study")(_did_command("event-study"))

    @evaluate_app.command("synth")
    def synth(
        data: Path = typer.Option(..., "--data", help="Balanced panel file: CSV/TSV (delimiter detected; UTF-8 or GB18030/GBK), Parquet or .xlsx."),
        unit: str = typer.Option(..., "--unit", help="Column identifying the unit (e.g. state)."),
        time: str = typer.Option(..., "--time", help="Column with the period."),
        outcome: str = typer.Option(..., "--outcome", help="Column with the outcome."),
        treated: list[str] = typer.Option(..., "--treated", help="Treated unit (repeat for several)."),
        treatment_start: str = typer.Option(..., "--treatment-start", help="First treated period."),
        method: str = typer.Option("sc", "--method", help="sc (synthetic control) | sdid | did."),
        replications: int = typer.Option(200, "--replications",
                                         help="Placebo draws for the SE with several treated units."),
        seed: int = typer.Option(1, "--seed", help="Seed of the placebo draws."),
        alpha: float = typer.Option(0.05, "--alpha", help="1 - confidence level."),
        outcome_unit: str = typer.Option("", "--outcome-unit", help="Unit of the outcome, e.g. 'packs per capita'."),
        predictors: str = typer.Option("", "--predictors",
                                       help="Covariates averaged over --predictor-periods (Abadie-style SC)."),
        predictor_periods: str | None = typer.Option(None, "--predictor-periods", help="YYYY, YYYY-YYYY or YYYY,YYYY."),
        special: list[str] = typer.Option([], "--special", help="COL:PERIODS predictor (repeatable)."),
        v_periods: str | None = typer.Option(None, "--v-periods",
                                             help="Pre-periods whose outcome fit chooses V (default: all)."),
        v_method: str = typer.Option("nested", "--v-method", help="nested | regression | equal | cv."),
        v_train_periods: str | None = typer.Option(None, "--v-train-periods", help="Training periods (cv)."),
        v_validate_periods: str | None = typer.Option(None, "--v-validate-periods", help="Validation periods (cv)."),
        programme_type: str | None = PROGRAMME_TYPE,
        population: str | None = POPULATION,
        outcome_kind: str | None = OUTCOME_KIND,
        horizon: float | None = HORIZON,
        as_json: bool = AS_JSON,
        report: Path | None = REPORT,
        lang: str = REPORT_LANG,
        force: bool = FORCE,
    ) -> None:
        """Synthetic control (SC), synthetic DiD (SDID) or DiD for one treated unit, with placebo tests."""
        from workshift.evidence.panel import read_panel
        from workshift.evidence.synth import estimate_synth

        lang = normalise_lang(lang)
        check_output(report, flag="--report", formats=(".html",), inputs=[data], force=force)
        evaluated = subject(programme_type, population, outcome_kind, horizon)
        panel = read_panel(data, unit=unit, time=time, outcome=outcome)
        start = _parse_period(treatment_start, panel)
        options = {"method": method, "treated": treated, "treatment_start": start, "replications": replications,
                   "seed": seed, "alpha": alpha}
        if predictors or special:
            result = _synth_with_predictors(data, panel, treated, start, method, alpha, outcome_unit, predictors,
                                            predictor_periods, special, v_periods, v_method, v_train_periods,
                                            v_validate_periods, options)
        else:
            result = estimate_synth(panel, outcome_unit=outcome_unit, **options)
        run_id = _store("synth", result, options, evaluated)
        if report is not None:
            from workshift.evidence.report_eval import synth_report

            synth_report(result, report, lang)
        if as_json:
            echo_json({**result.to_dict(), "run_id": run_id})
            return
        _print_synth(result, normalise_lang(lang))
        typer.echo(stored_line(run_id, report, normalise_lang(lang)))

    register_programme(evaluate_app)
    register_feedback(evaluate_app)
    app.add_typer(evaluate_app, name="evaluate")


def _synth_with_predictors(data, panel, treated, start, method, alpha, outcome_unit, predictors, predictor_periods,
                           special, v_periods, v_method, v_train, v_validate, options) -> Any:
    """Abadie-style SC on predictors (workshift.evidence.synth_covariates); ``options`` gains its settings."""
    from workshift.errors import InputError
    from workshift.evidence import synth_predictors as sp
    from workshift.evidence.synth_covariates import estimate_synth_predictors, predictor_options
    from workshift.tabular import read_table

    if method != "sc" or len(treated) != 1:
        raise InputError("predictors apply to synthetic control (--method sc) of one treated unit")
    specs = sp.predictor_specs(panel, [c.strip() for c in predictors.split(",") if c.strip()], predictor_periods,
                               special)
    periods = panel.periods

    def span(text, what):
        return sp.parse_periods(text, periods, what) if text else None

    result = estimate_synth_predictors(
        panel, read_table(data), treated=treated[0], treatment_start=start, specs=specs, v_method=v_method,
        v_periods=span(v_periods, "--v-periods"), v_train_periods=span(v_train, "--v-train-periods"),
        v_validate_periods=span(v_validate, "--v-validate-periods"), alpha=alpha, outcome_unit=outcome_unit)
    options.update(predictor_options(v_method, result.v_weights and span(v_periods, "--v-periods"), specs))
    return result


def _print_synth(result: Any, lang: str = "en") -> None:
    from rich.console import Console
    from rich.table import Table

    from workshift.i18n import t

    console = Console()
    table = Table(title=t("evaluate.console.synth_title", lang, method=result.method.upper(),
                          treated=", ".join(result.treated), start=result.treatment_start, outcome=result.outcome))
    table.add_column(term_of("quantity", "quantity", lang))
    table.add_column(term_of("value", "value", lang), justify="right")
    rows = [("estimate", result.att), ("se (placebo)", result.se), ("ci_low", result.ci_low),
            ("ci_high", result.ci_high), ("pre-treatment RMSPE", result.pre_rmspe),
            ("post-treatment RMSPE", result.post_rmspe), ("post/pre RMSPE ratio", result.rmspe_ratio),
            ("permutation p-value", result.p_value)]
    keys = ("estimate", "se_placebo", "ci_low", "ci_high", "pre_rmspe", "post_rmspe", "rmspe_ratio", "p_value")
    for key, (name, value) in zip(keys, rows, strict=True):
        table.add_row(term_of(key, name, lang), f"{value:.4f}")
    console.print(table)
    donors = Table(title=term_of("donors", "donor weights (> 0)", lang))
    donors.add_column(term_of("unit", "unit", lang))
    donors.add_column(term_of("weight", "weight", lang), justify="right")
    for unit, weight in result.weights.items():
        if weight > 0:
            donors.add_row(unit, f"{weight:.4f}")
    console.print(donors)
