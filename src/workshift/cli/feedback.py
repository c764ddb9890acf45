"""`workshift evaluate feedback`: an evaluation result updates a lever's effect on participants' employment.

Hooked into the ``evaluate`` group by ``register(evaluate_app)`` (called from :mod:`workshift.cli.evaluate`).
The model, conversions and refusals live in :mod:`workshift.evidence.feedback`; docs/feedback.md.
"""

# Lazy CLI: workshift modules are imported inside the commands (workshift --help: 2.6-3.0 s CPU lazy,
# 7.0-7.6 s with them at module level; measured in cli/__init__.py's docstring).
from __future__ import annotations

from typing import Any

import typer

from workshift.cli.output import echo_json
from workshift.i18n import lang_option


def feedback(
    lever: str = typer.Option(..., "--lever", help="Lever to update, e.g. job_matching."),
    from_run: str | None = typer.Option(None, "--from-run", help="Run id of a stored `workshift evaluate` run."),
    estimate: float | None = typer.Option(None, "--estimate", help="A result typed in by hand: the estimate."),
    se: float | None = typer.Option(None, "--se", help="Standard error of --estimate."),
    source: str = typer.Option("typed in by hand", "--source", help="Where a hand-typed result comes from."),
    parameter: str | None = typer.Option(None, "--parameter",
                                         help="Effect window: effect_lt1y | effect_1to2y | effect_gt2y "
                                              "(default: the run's horizon, else effect_lt1y)."),
    outcome_kind: str | None = typer.Option(
        None, "--outcome-kind",
        help="employment_probability | employment_rate_pct | log_employment (default: the run's declared unit)."),
    baseline_rate: float | None = typer.Option(
        None, "--baseline-rate", help="Employment rate without the programme (0-1), converts log_employment."),
    participant_share: float = typer.Option(
        1.0, "--participant-share", help="Share of the evaluated units' people who took part (effect / share)."),
    accept_mismatch: str | None = typer.Option(
        None, "--accept-mismatch", help="Use a run whose programme type, outcome kind or horizon does not fit "
                                        "the lever; the REASON given is stored with the update."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Compute the update but record nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the update as JSON."),
    lang: str = typer.Option(None, "--lang", help="Language of the printed summary: en | zh.", callback=lang_option),
) -> None:
    """Update a lever's participant employment effect (normal-normal, meta-analytic prior) with an evaluation."""
    from workshift.errors import InputError
    from workshift.evidence import feedback as fb
    from workshift.i18n import normalise_lang

    try:
        lang = normalise_lang(lang)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if (from_run is None) == (estimate is None):
        raise InputError("give either --from-run RUN_ID or --estimate X --se S")
    if from_run is not None:
        if se is not None:
            raise InputError("--se goes with --estimate; a run carries its own standard error")
        evidence = fb.evidence_from_run(from_run)
    else:
        if se is None:
            raise InputError("--estimate needs --se (its standard error)")
        if outcome_kind is None:
            raise InputError("a hand-typed result needs --outcome-kind (its units)",
                             hint="employment_probability (0.03 = 3 pp) | employment_rate_pct (3 = 3 pp) | "
                                  "log_employment (with --baseline-rate)")
        evidence = fb.manual_evidence(estimate, se, source)
    update = fb.feedback(lever, evidence, parameter=parameter, outcome_kind=outcome_kind,
                         baseline_rate=baseline_rate, participant_share=participant_share, record=not dry_run,
                         accept_mismatch=accept_mismatch)
    if as_json:
        echo_json(update.to_dict())
        return
    _print(update, lang)


def _print(update: Any, lang: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from workshift.evidence.feedback_convert import source_zh
    from workshift.i18n import t, term

    console = Console()
    c, e = update.conversion, update.evidence
    table = Table(title=t("feedback.title", lang, lever=update.lever, parameter=update.parameter,
                          unit=t("feedback.unit", lang)))
    for column, justify in (("quantity", "left"), ("mean", "right"), ("sd", "right"), ("weight", "right")):
        table.add_column(t(f"feedback.{column}", lang), justify=justify)
    b = update.shrinkage_weight
    table.add_row(t(f"feedback.prior_{update.prior.kind}", lang), f"{update.prior.mean:.3f}", f"{update.prior.sd:.3f}",
                  f"{b:.1%}")
    table.add_row(t("feedback.likelihood", lang, kind=term(f"feedback.kind_{c.kind}", c.kind, lang)), f"{c.estimate_pp:.3f}", f"{c.se_pp:.3f}",
                  f"{1 - b:.1%}")
    table.add_row(t("feedback.posterior", lang), f"{update.posterior_mean:.3f}", f"{update.posterior_sd:.3f}", "")
    console.print(table)
    lines = [
        t("feedback.shrinkage", lang, weight=f"{update.shrinkage_weight:.3f}",
          data_weight=f"{1 - update.shrinkage_weight:.3f}"),
        t("feedback.conversion", lang, formula=_formula(c, lang)),
        t("feedback.evidence", lang, source=source_zh(e.source) if lang == "zh" else e.source,
          method=term(f"feedback.method_{e.method}", e.method, lang),
          sha=e.data_sha256 or "—", date=e.date or "—"),
        *(t("feedback.note", lang, text=n) for n in (update.notes_zh if lang == "zh" else update.notes)),
        t("feedback.recorded", lang, table=update.recorded["table"], store=update.recorded["store"])
        if update.recorded else t("feedback.dry_run", lang),
    ]
    for line in lines:
        console.print(line, highlight=False, markup=False)


def _formula(conversion: Any, lang: str) -> str:
    """How the estimate became percentage points (the stored English formula; its Chinese form for zh)."""
    from workshift.i18n import t

    if lang != "zh":
        return conversion.formula
    text = t(f"feedback.formula_{conversion.kind}", lang)
    share = conversion.participant_share
    return text + (t("feedback.formula_share", lang, share=f"{share:g}") if share is not None and share < 1 else "")


def register(evaluate_app: typer.Typer) -> None:
    """Add `feedback` to the `evaluate` group (idempotent)."""
    if not any(command.name == "feedback" for command in evaluate_app.registered_commands):
        evaluate_app.command("feedback")(feedback)
