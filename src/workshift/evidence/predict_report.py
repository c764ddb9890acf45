"""HTML report of a `workshift fit` run: metrics against the baseline, interval, importances, partial dependence.

Rendered from ``workshift/reports/templates/fit.html.j2`` on the shared layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workshift.evidence.report_monitor import write_report
from workshift.i18n import normalise_lang, t, term
from workshift.reports import Figures, render


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
    model, interval, imp = meta["model"], meta["interval"], meta["importances"]
    fig = go.Figure(go.Bar(x=[r["importance"] for r in imp][::-1], y=[r["feature"] for r in imp][::-1],
                           error_x={"array": [r["std"] for r in imp][::-1]}, orientation="h"))
    fig.update_layout(height=120 + 28 * len(imp), margin={"l": 40, "r": 20, "t": 20, "b": 30}, xaxis_title="ΔMSE")
    importance_figure = figures.html(fig)
    pdp = []
    for curve in meta.get("partial_dependence", []):
        fig = go.Figure(go.Scatter(x=curve["grid"], y=curve["average"], mode="lines+markers"))
        fig.update_layout(height=300, xaxis_title=curve["feature"], yaxis_title=s("average_prediction"),
                          margin={"l": 40, "r": 20, "t": 20, "b": 40})
        pdp.append(figures.html(fig))
    split, clean = meta["splits"], meta["cleaning"]
    strings = {key: s(key) for key in ("summary", "candidates", "model", "params", "interval", "importances",
                                       "feature", "importance", "pdp", "data")}
    page = render(
        "fit.html.j2", s("fit_title", target=meta["target"]), lang, s=strings,
        metrics=[[name.upper() if name != "r2" else "R²", f"{_fmt(cv[name]['mean'])} ± {_fmt(cv[name]['std'])}",
                  _fmt(hold[name]), _fmt(base[name])] for name in ("mse", "mae", "r2")],
        metrics_header=[s("metric"), s("cv"), s("holdout"),
                        s("baseline", method=term(f"evidence.cli.baseline_{base['method']}", base["method"], lang))],
        model_rows=[[s("chosen"), term(f"evidence.cli.model_{model['name']}", model["name"], lang)],
                    [s("params"), model["params"]]],
        candidates=[[term(f"evidence.cli.model_{c['model']}", c["model"], lang), _fmt(c["cv_mse"]), c["params"]]
                    for c in model["candidates"]],
        interval_text=s("interval_text", level=f"{interval['level']:.0%}", halfwidth=_fmt(interval["halfwidth"]),
                        n=interval["calibration_rows"], coverage=f"{interval['holdout_coverage']:.1%}"),
        importance_figure=importance_figure,
        importances=[[r["feature"], _fmt(r["importance"]), _fmt(r["std"])] for r in imp], pdp=pdp,
        split_text=s("split_text", train=split["train_rows"], calibration=split["calibration_rows"],
                     holdout=split["holdout_rows"], folds=split["cv_folds"],
                     by_time=s("yes") if split["by_time"] else s("no")),
        cleaning_text=s("cleaning_text", read=clean["rows_read"], dups=clean["duplicate_rows_dropped"],
                        missing=clean["missing_target_dropped"], used=clean["rows_used"]),
        data_rows=[[term(f"evidence.cli.data_{k}", k, lang), v] for k, v in meta.get("data", {}).items()]
        + [[term("evidence.cli.data_seed", "seed", lang), meta["seed"]]])
    return write_report(path, page)
