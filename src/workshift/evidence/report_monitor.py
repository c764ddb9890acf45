"""Self-contained HTML reports of the evidence stage (English or Chinese), with plotly figures.

:func:`render_page` is the page shell (plotly.js inlined once, so a report opens offline);
:func:`monitor_report` writes the report of a `workshift monitor check` run.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from workshift._version import __version__
from workshift.files import write_text_atomic
from workshift.i18n import normalise_lang, t
from workshift.i18n.charts import FONT_STACK, figure_html

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from workshift.evidence.monitor_check import CheckResult

_STYLE = "\nbody{font-family:" + FONT_STACK + """;margin:2em auto;
max-width:1100px;color:#222;line-height:1.45}h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;
border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;
padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4}.muted{color:#666;font-size:.9em}
.alert{color:#a40000}
"""


class Figures:
    """Turns plotly figures into HTML divs in the reader's locale, inlining plotly.js with the first one only."""

    def __init__(self, lang: str | None = None) -> None:
        self.first = True
        self.lang = normalise_lang(lang)

    def html(self, fig: go.Figure) -> str:
        out = figure_html(fig, self.lang, include_plotlyjs=self.first)
        self.first = False
        return out


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def table_html(rows: list[list[object]], header: list[str]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render_page(title: str, lang: str, sections: list[tuple[str, str]]) -> str:
    """A complete HTML page: title, generation line, then (heading, html) sections."""
    lang = normalise_lang(lang)
    stamp = t("evidence.report.generated", lang, time=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
              version=__version__)
    parts = [f"<!DOCTYPE html><html lang=\"{t('evidence.report.language', lang)}\"><head><meta charset=\"utf-8\">",
             f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>",
             f"<h1>{esc(title)}</h1><p class=\"muted\">{esc(stamp)}</p>"]
    for heading, body in sections:
        parts.append(f"<h2>{esc(heading)}</h2>{body}")
    parts.append("</body></html>")
    return "".join(parts)


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
    from workshift.evidence.monitor_check import alert_message

    lang = normalise_lang(lang)

    def s(key: str, **fields: Any) -> str:
        return t(f"evidence.report.{key}", lang, **fields)

    meta = result.meta
    figures = Figures(lang)
    action = t("evidence.action_reoptimise", lang, scenario=meta.get("scenario") or "SCENARIO.toml")
    if result.alerts.empty:
        alerts_html = f"<p>{esc(s('no_alerts'))}</p>"
    else:
        rows = [[a["rule"], f"{a['indicator']} ({a['region']})", a["since"], a["detected"],
                 s("yes") if a["active"] else s("no"), alert_message(a, lang)]
                for a in result.alerts.to_dict("records")]
        alerts_html = (table_html(rows, [s("rule"), s("series"), s("since"), s("detected"), s("active"),
                                         s("message")])
                       + f"<p class=\"alert\"><b>{esc(s('action'))}:</b> {esc(action)}</p>")
    rules = meta["rules"]
    rules_html = "<p>" + esc(s("rules_text", level=f"{meta['band_level']:.0%}", lam=rules["ewma_lambda"],
                                 L=rules["ewma_L"], arl_ewma=f"{meta['in_control_arl']['ewma']:.0f}",
                                 k=rules["cusum_k"], h=rules["cusum_h"],
                                 arl_cusum=f"{meta['in_control_arl']['cusum']:.0f}")) + "</p>"
    series_html = "".join(figures.html(_series_figure(block, lang))
                          for _, block in result.residuals.groupby(["indicator", "region"], sort=True))
    sections = [(s("alerts"), alerts_html), (s("trajectory"), series_html)]
    if result.sahm["gap"].notna().any():
        sections.append((s("sahm_title"), figures.html(_sahm_figure(result.sahm, lang))))
    sources = [[src.get("source_file"), src.get("source_sha256", "")[:12], src.get("ingested")]
               for src in meta["observations"]["sources"]]
    provenance = table_html([[s("plan"), meta["plan"]], [s("scenario"), meta.get("scenario") or "—"],
                             [s("vintage"), meta.get("plan_vintage") or "—"],
                             [s("matched"), meta["observations"]["matched"]]], ["", ""])
    provenance += f"<p>{esc(s('sources'))}</p>" + table_html(sources, [s("source_file"), "sha256", s("ingested")])
    sections += [(s("rules_title"), rules_html), (s("provenance"), provenance)]
    return write_report(path, render_page(s("monitor_title", plan=result.plan_id), lang, sections))
