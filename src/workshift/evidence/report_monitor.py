"""HTML report of a `workshift monitor check` run (English or Chinese), with plotly figures.

Rendered from ``workshift/reports/templates/monitor.html.j2`` on the shared layout (plotly.js inlined once,
so a report opens offline); :func:`write_report` writes any report page atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from workshift.evidence.monitor_check import alert_message
from workshift.files import write_text_atomic
from workshift.i18n import normalise_lang, t, term
from workshift.reports import Figures, render

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from workshift.evidence.monitor_check import CheckResult


def write_report(path: str | Path, page: str) -> Path:
    return write_text_atomic(path, page)


def _series_figure(block: pd.DataFrame, lang: str) -> go.Figure:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    def s(key: str) -> str:
        return t(f"evidence.report.{key}", lang)

    x = block["period"].astype(str).tolist()
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=(s("trajectory"), s("ewma"), "CUSUM"))
    fig.add_trace(go.Scatter(x=x, y=block["upper"], line={"width": 0}, showlegend=False, hoverinfo="skip"), 1, 1)
    fig.add_trace(go.Scatter(x=x, y=block["lower"], fill="tonexty", line={"width": 0}, name=s("band"),
                             fillcolor="rgba(31,119,180,0.18)"), 1, 1)
    fig.add_trace(go.Scatter(x=x, y=block["projected"], name=s("projected"), line={"dash": "dash"}), 1, 1)
    fig.add_trace(go.Scatter(x=x, y=block["observed"], name=s("observed"), mode="lines+markers"), 1, 1)
    fig.add_trace(go.Scatter(x=x, y=block["ewma"], name=s("ewma"), mode="lines+markers"), 2, 1)
    for sign in (1, -1):
        fig.add_trace(go.Scatter(x=x, y=sign * block["ewma_limit"], name=s("limit"), showlegend=sign > 0,
                                 line={"color": "#a40000", "dash": "dot"}), 2, 1)
    fig.add_trace(go.Scatter(x=x, y=block["cusum_upper"], name=s("cusum_upper"), mode="lines+markers"), 3, 1)
    fig.add_trace(go.Scatter(x=x, y=block["cusum_lower"], name=s("cusum_lower"), mode="lines+markers"), 3, 1)
    fig.add_trace(go.Scatter(x=x, y=block["cusum_limit"], name="h", line={"color": "#a40000", "dash": "dot"}), 3, 1)
    fig.update_layout(height=720, margin={"l": 40, "r": 20, "t": 60, "b": 30},
                      title=f"{block['indicator'].iloc[0]} — {block['region'].iloc[0]}")
    return fig


def _sahm_figure(table: pd.DataFrame, lang: str) -> go.Figure:
    import plotly.graph_objects as go

    fig = go.Figure()
    for (indicator, region), block in table.groupby(["indicator", "region"]):
        fig.add_trace(go.Scatter(x=block["period"], y=block["gap"], name=f"{indicator} — {region}"))
    fig.add_hline(y=0.5, line={"color": "#a40000", "dash": "dot"}, annotation_text=t("evidence.report.threshold", lang))
    fig.update_layout(height=360, yaxis_title=t("evidence.report.sahm_gap", lang),
                      margin={"l": 40, "r": 20, "t": 30, "b": 30})
    return fig


def monitor_report(result: CheckResult, path: str | Path, lang: str = "en") -> Path:
    """Write the HTML report of a monitoring check."""

    lang = normalise_lang(lang)

    def s(key: str, **fields: Any) -> str:
        return t(f"evidence.report.{key}", lang, **fields)

    meta = result.meta
    figures = Figures(lang)
    strings = {key: s(key) for key in ("alerts", "action", "no_alerts", "trajectory", "sahm_title", "rules_title",
                                       "provenance", "sources", "source_file", "ingested")}
    alerts = [[term("evidence.cli.rule_" + a["rule"], a["rule"], lang), f"{a['indicator']} ({a['region']})", a["since"], a["detected"],
               s("yes") if a["active"] else s("no"), alert_message(a, lang)]
              for a in result.alerts.to_dict("records")]
    rules = meta["rules"]
    rules_text = s("rules_text", level=f"{meta['band_level']:.0%}", lam=rules["ewma_lambda"], L=rules["ewma_L"],
                   arl_ewma=f"{meta['in_control_arl']['ewma']:.0f}", k=rules["cusum_k"], h=rules["cusum_h"],
                   arl_cusum=f"{meta['in_control_arl']['cusum']:.0f}")
    series = [figures.html(_series_figure(block, lang))
              for _, block in result.residuals.groupby(["indicator", "region"], sort=True)]
    sahm = figures.html(_sahm_figure(result.sahm, lang)) if result.sahm["gap"].notna().any() else None
    page = render(
        "monitor.html.j2", s("monitor_title", plan=result.plan_id), lang, s=strings,
        alerts=alerts, alert_header=[s("rule"), s("series"), s("since"), s("detected"), s("active"), s("message")],
        action=t("evidence.action_reoptimise", lang, scenario=meta.get("scenario") or "SCENARIO.toml"),
        series=series, sahm=sahm, rules_text=rules_text,
        provenance=[[s("plan"), meta["plan"]], [s("scenario"), meta.get("scenario") or "—"],
                    [s("vintage"), meta.get("plan_vintage") or "—"], [s("matched"), meta["observations"]["matched"]]],
        sources=[[src.get("source_file"), src.get("source_sha256", "")[:12], src.get("ingested")]
                 for src in meta["observations"]["sources"]])
    return write_report(path, page)
