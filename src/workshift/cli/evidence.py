"""`workshift fit`, `workshift predict` and `workshift monitor ingest|check` (stage 4: evidence)."""

# Lazy CLI: workshift modules are imported inside the commands (workshift --help: 2.6-3.0 s CPU lazy,
# 7.0-7.6 s with them at module level; measured in cli/__init__.py's docstring).
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from workshift.cli.output import echo_json, plain
from workshift.i18n import current_lang, lang_option, normalise_lang, t
from workshift.outputs import FORCE_HELP, check_output, check_outputs

monitor_app = typer.Typer(help="Watch indicators against a stored plan: ingest observations, check alerts.",
                          no_args_is_help=True)
PREDICTION_COLUMNS = ("prediction", "lower", "upper")  # what `predict` adds to the user's columns


def _print_json(payload: Any) -> None:
    echo_json(payload)



def _split_list(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def fit(
    data: Path = typer.Argument(..., help="CSV/TSV (UTF-8 or GB18030/GBK; delimiter detected), Parquet or .xlsx file."),
    target: str = typer.Option(..., "--target", help="Numeric column to predict."),
    features: list[str] | None = typer.Option(None, "--features", help="Feature columns, comma-separated or "
                                              "repeated (default: all but target, time and group)."),
    time: str | None = typer.Option(None, "--time", help="Time column: split by time, never training on the future."),
    group: str | None = typer.Option(None, "--group", help="Panel unit column (baseline: its last value)."),
    seed: int = typer.Option(0, "--seed", help="Seed of splits, search and models."),
    out: Path | None = typer.Option(None, "--out", help="Model file (default: <DATA stem>.model.joblib); "
                                    "metadata goes beside it as .json."),
    level: float = typer.Option(0.9, "--level", help="Coverage of the prediction intervals."),
    folds: int = typer.Option(5, "--folds", help="Cross-validation folds (at most)."),
    search_iter: int = typer.Option(4, "--search-iter", help="Hyper-parameter settings tried per model family."),
    models: list[str] | None = typer.Option(None, "--models", help="Model families to try, comma-separated: "
                                            "ridge, random_forest, gradient_boosting (default: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print metrics as JSON."),
    report: Path | None = typer.Option(None, "--report", help="Write an HTML report here."),
    lang: str = typer.Option(None, "--lang", help="Report language: en or zh.", callback=lang_option),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Fit a predictive model honestly: CV model choice, holdout vs a naive baseline, conformal intervals.

    The model file's sha256 is recorded in the store; `workshift predict` loads only such files.
    """
    from workshift import tabular
    from workshift.evidence import predict
    from workshift.evidence.predict_report import fit_report
    from workshift.files import sha256_file

    lang = normalise_lang(lang)
    out = out or Path(f"{data.stem}.model.joblib")
    check_outputs([out, predict.sidecar_path(out)], inputs=[data], force=force)
    check_output(report, flag="--report", formats=(".html",), inputs=[data, out], force=force)
    frame = tabular.read_table(data)
    result = predict.fit(frame, target, _split_list(features), time, group, seed=seed, level=level, folds=folds,
                         n_iter=search_iter, file=str(data), families=_split_list(models))
    info = {"file": str(data.resolve()), "sha256": sha256_file(data), "rows": int(len(frame))}
    meta = predict.save_model(result, out, info)
    if report:
        fit_report(meta, report, lang)
    run_id = _store_fit(meta, out)  # last: a stored fit always has its files
    if as_json:
        keys = ("cv", "holdout", "baseline", "model", "features", "interval", "importances", "splits", "cleaning",
                "target", "seed", "data", "versions")
        extra = {"warning": meta["warning"]} if meta.get("warning") else {}
        _print_json({**{k: meta[k] for k in keys}, **extra, "model_file": str(out), "run_id": run_id})
        return
    _print_fit(meta, out, report, lang)


def _store_fit(meta: dict[str, Any], out: Path) -> str:
    import pandas as pd

    from workshift.store import Store

    rows = [{"split": split, "metric": metric, "value": value}
            for split, values in (("holdout", meta["holdout"]), ("baseline", meta["baseline"]))
            for metric, value in values.items() if metric != "method"]
    rows += [{"split": f"cv_{stat}", "metric": metric, "value": values[stat]}
             for metric, values in meta["cv"].items() for stat in ("mean", "std")]
    keep = ("target", "features", "time", "group", "seed", "model", "interval", "splits", "cleaning", "data",
            "versions", "baseline", "model_sha256")
    return Store().save_run("fit", {**{k: meta[k] for k in keep}, "model_file": str(out.resolve())},
                            {"metrics": pd.DataFrame(rows), "importances": pd.DataFrame(meta["importances"])})


def _print_fit(meta: dict[str, Any], out: Path, report: Path | None, lang: str = "en") -> None:
    from rich.console import Console
    from rich.table import Table

    from workshift.i18n import catalogue, t

    console = Console(markup=False, highlight=False)  # column names and paths are the user's: never markup
    name, method = meta["model"]["name"], meta["baseline"]["method"]
    messages = catalogue("en")
    table = Table(title=t("evidence.cli.model_title", lang, target=meta["target"], params=meta["model"]["params"],
                          model=t(f"evidence.cli.model_{name}", lang) if f"evidence.cli.model_{name}" in messages
                          else name))
    baseline = t(f"evidence.cli.baseline_{method}", lang) if f"evidence.cli.baseline_{method}" in messages else method
    for column in (t("evidence.cli.metric", lang), t("evidence.cli.cv", lang), t("evidence.cli.holdout", lang),
                   t("evidence.cli.baseline", lang, method=baseline)):
        table.add_column(column)
    for name in ("mse", "mae", "r2"):
        cv = meta["cv"][name]
        table.add_row(t(f"evidence.cli.metric_{name}", lang), f"{cv['mean']:.4g} ± {cv['std']:.3g}", f"{meta['holdout'][name]:.4g}",
                      f"{meta['baseline'][name]:.4g}")
    console.print(table)
    interval = meta["interval"]
    console.print(t("evidence.cli.interval", lang, level=f"{interval['level']:.0%}",
                    halfwidth=f"{interval['halfwidth']:.4g}", coverage=f"{interval['holdout_coverage']:.1%}"))
    top = ", ".join(f"{r['feature']} ({r['importance']:.3g})" for r in meta["importances"][:5])
    console.print(t("evidence.cli.importance", lang, top=top))
    console.print(t("evidence.cli.model_written", lang, out=out, sidecar=out.with_suffix('.json').name) +
                  (t("evidence.cli.report_written", lang, report=report) if report else ""))
    if meta.get("warning"):
        Console(stderr=True).print(f"[yellow]{t('evidence.cli.warning', lang)}[/] {meta['warning']}", highlight=False)


def predict_cmd(
    model: Path = typer.Argument(..., help="Model file written by `workshift fit` with this store (see below)."),
    data: Path = typer.Argument(..., help="Rows to predict (CSV/TSV, Parquet or .xlsx) with the model's features."),
    out: Path | None = typer.Option(None, "--out", help="Write predictions (.csv, or .parquet)."),
    as_json: bool = typer.Option(False, "--json", help="Print predictions as JSON."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Predict with a fitted model: point predictions and conformal intervals.

    Safety: a model file is a pickle, and loading a pickle can run code. MODEL is loaded only if its sha256
    was recorded by a `workshift fit` run of this store; any other file (edited, copied from another
    machine, crafted) is refused without being read. Fit the model again on this store to use it.
    """
    from workshift import tabular
    from workshift.evidence import predict

    check_output(out, formats=(".csv", *tabular.PARQUET_SUFFIXES), inputs=[model, data, predict.sidecar_path(model)],
                 force=force)
    pipeline, meta, warnings = predict.load_model(model)
    frame = tabular.read_table(data)
    result = predict.predict(pipeline, meta, frame, file=str(data))
    if out:
        tabular.write_table(result, out)
    lang = current_lang()
    for warning in warnings:
        typer.echo(t("evidence.cli.version_warning", lang, warning=warning), err=True)
    if as_json:
        _print_json({"model": str(model), "target": meta["target"], "level": meta["interval"]["level"],
                     "rows": int(len(result)), "out": str(out) if out else None,
                     "predictions": json.loads(result.to_json(orient="records", force_ascii=False))})
        return
    from rich.console import Console
    from rich.table import Table

    shown = result.head(20)
    table = Table(title=t("evidence.cli.predict_title", lang, target=meta["target"],
                          level=f"{meta['interval']['level']:.0%}"))
    for column in shown.columns:
        table.add_column(t(f"evidence.cli.column_{column}", lang) if column in PREDICTION_COLUMNS else str(column))
    for row in shown.itertuples(index=False):
        table.add_row(*[f"{v:.4g}" if isinstance(v, float) else str(v) for v in row])
    Console(markup=False, highlight=False).print(table)  # the user's column names: never markup
    typer.echo(t("evidence.cli.rows_written", lang, rows=len(result), out=out) if out else
               t("evidence.cli.rows_shown", lang, rows=len(result)))


@monitor_app.command("ingest")
def monitor_ingest(
    file: Path = typer.Argument(..., help="CSV/TSV/Parquet/.xlsx with columns indicator, region, period, value."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Load observed indicator series into the store (idempotent; changed values are logged updates)."""
    from workshift.evidence.monitor import ingest

    report = ingest(file)
    if as_json:
        _print_json(report.__dict__)
        return
    typer.echo(t("evidence.cli.ingested", current_lang(), file=file, inserted=report.inserted, updated=report.updated,
                 unchanged=report.unchanged))


@monitor_app.command("check")
def monitor_check(
    plan: str = typer.Option(..., "--plan", help="Id of a stored plan (a run of kind 'plan')."),
    as_json: bool = typer.Option(False, "--json", help="Print the alerts as JSON."),
    report: Path | None = typer.Option(None, "--report", help="Write an HTML report here."),
    lang: str = typer.Option(None, "--lang", help="Report language: en or zh.", callback=lang_option),
    fail_on_alert: bool = typer.Option(False, "--fail-on-alert", help="Exit with status 1 when there are alerts."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Compare observations with the plan's trajectory and band: EWMA, CUSUM, band and Sahm-rule alerts."""
    from workshift.evidence.monitor_check import alert_message, check
    from workshift.evidence.report_monitor import monitor_report

    lang = normalise_lang(lang)
    check_output(report, flag="--report", formats=(".html",), force=force)
    result = check(plan)
    if report:
        monitor_report(result, report, lang)
    alerts = json.loads(result.alerts.to_json(orient="records", force_ascii=False))
    if as_json:
        _print_json({"plan": plan, "run_id": result.run_id, "alerts": alerts, "meta": result.meta})
    else:
        from rich.console import Console

        console = Console()
        console.print(t("evidence.cli.checked", lang, plan=escape(plan), matched=result.meta["observations"]["matched"],
                        alerts=len(alerts), run=result.run_id))
        for note in result.meta.get("notes_zh" if lang == "zh" else "notes", result.meta["notes"]):
            console.print(f"[yellow]{t('evidence.cli.note', lang)}[/] {escape(plain(note))}", highlight=False)
        for alert in alerts:
            message = alert["message"] if lang == "en" else alert_message(alert, lang)
            rule = t("evidence.cli.rule_" + alert["rule"], lang)
            console.print(f"[bold red]{escape(plain(rule))}[/]: {escape(plain(message))}", highlight=False)
        if alerts:
            action = (result.meta["action"] if lang == "en" else
                      t("evidence.action_reoptimise", lang, scenario=result.meta.get("scenario") or "SCENARIO.toml"))
            console.print(f"[yellow]{t('evidence.cli.action', lang)}[/] {escape(plain(action))}", highlight=False)
        if report:
            console.print(t("evidence.cli.monitor_report", lang, report=escape(str(report))), highlight=False)
    if fail_on_alert and alerts:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the main app."""
    app.command("fit")(fit)
    app.command("predict")(predict_cmd)
    app.add_typer(monitor_app, name="monitor")
