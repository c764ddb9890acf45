"""HTML report of a `workshift fit` run: metrics against the baseline, interval, importances, partial dependence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workshift.evidence.report_monitor import Figures, esc, render_page, table_html, write_report
from workshift.i18n import normalise_lang, t


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def fit_report(meta: dict[str, Any], path: str | Path, lang: str = "en") -> Path:
    """Write the report of a fitted model from its metadata (the JSON sidecar's content)."""
    import plotly.graph_objects as go

    lang = normalise_lang(lang)

    def s(key: str, **fields: Any) -> str:
        return t(f"evidence.report.{key}", lang, **fields)

    figures = Figures(lang)
    cv, hold, base = meta["cv"], meta["holdout"], meta["baseline"]
    metrics = [[name.upper() if name != "r2" else "R²", f"{_fmt(cv[name]['mean'])} ± {_fmt(cv[name]['std'])}",
                _fmt(hold[name]), _fmt(base[name])] for name in ("mse", "mae", "r2")]
    model = meta["model"]
    summary = table_html(metrics, [s("metric"), s("cv"), s("holdout"), s("baseline", method=base["method"])])
    summary += table_html([[s("chosen"), model["name"]], [s("params"), model["params"]]], ["", ""])
    summary += f"<p>{esc(s('candidates'))}</p>" + table_html(
        [[c["model"], _fmt(c["cv_mse"]), c["params"]] for c in model["candidates"]],
        [s("model"), "MSE", s("params")])
    interval = meta["interval"]
    interval_html = "<p>" + esc(s("interval_text", level=f"{interval['level']:.0%}",
                                  halfwidth=_fmt(interval["halfwidth"]), n=interval["calibration_rows"],
                                  coverage=f"{interval['holdout_coverage']:.1%}")) + "</p>"
    imp = meta["importances"]
    fig = go.Figure(go.Bar(x=[r["importance"] for r in imp][::-1], y=[r["feature"] for r in imp][::-1],
                           error_x={"array": [r["std"] for r in imp][::-1]}, orientation="h"))
    fig.update_layout(height=120 + 28 * len(imp), margin={"l": 40, "r": 20, "t": 20, "b": 30}, xaxis_title="ΔMSE")
    importance_html = figures.html(fig) + table_html(
        [[r["feature"], _fmt(r["importance"]), _fmt(r["std"])] for r in imp], [s("feature"), s("importance"), "sd"])
    pdp_html = ""
    for curve in meta.get("partial_dependence", []):
        fig = go.Figure(go.Scatter(x=curve["grid"], y=curve["average"], mode="lines+markers"))
        fig.update_layout(height=300, xaxis_title=curve["feature"], yaxis_title=s("average_prediction"),
                          margin={"l": 40, "r": 20, "t": 20, "b": 40})
        pdp_html += figures.html(fig)
    split, clean = meta["splits"], meta["cleaning"]
    data = meta.get("data", {})
    data_html = "<p>" + esc(s("split_text", train=split["train_rows"], calibration=split["calibration_rows"],
                              holdout=split["holdout_rows"], folds=split["cv_folds"],
                              by_time=s("yes") if split["by_time"] else s("no"))) + "</p>"
    data_html += "<p>" + esc(s("cleaning_text", read=clean["rows_read"], dups=clean["duplicate_rows_dropped"],
                               missing=clean["missing_target_dropped"], used=clean["rows_used"])) + "</p>"
    data_html += table_html([[k, v] for k, v in data.items()] + [["seed", meta["seed"]]], ["", ""])
    sections = [(s("summary"), summary), (s("interval"), interval_html), (s("importances"), importance_html)]
    if pdp_html:
        sections.append((s("pdp"), pdp_html))
    sections.append((s("data"), data_html))
    return write_report(path, render_page(s("fit_title", target=meta["target"]), lang, sections))
