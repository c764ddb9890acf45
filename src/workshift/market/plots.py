"""Plotly HTML figures of a run: aggregate paths, the Beveridge curve, the most affected occupations.

The page is ``figures.html.j2`` on the shared report layout of :mod:`workshift.reports`.
"""

from __future__ import annotations

from pathlib import Path

from workshift.files import write_text_atomic
from workshift.i18n import t
from workshift.market.run import SimulationResult
from workshift.market.tables import aggregate_table, node_summary
from workshift.reports import Figures, render


def figures(result: SimulationResult, lang: str = "en", top: int = 15) -> list:
    import plotly.graph_objects as go

    agg = aggregate_table(result)
    paths = go.Figure()
    for key in ("unemployment_rate", "long_term_unemployment_rate", "vacancy_rate", "flexible_share",
                "training_share"):
        if agg[key].abs().sum() > 0:
            paths.add_trace(go.Scatter(x=agg["week"] / 52.0, y=100 * agg[key], name=t(f"market.{key}", lang)))
    paths.update_layout(title=t("market.plot_paths", lang), xaxis_title=t("market.years", lang),
                        yaxis_title="%")
    bev = go.Figure(go.Scatter(x=100 * agg["unemployment_rate"], y=100 * agg["vacancy_rate"], mode="lines",
                               line={"color": "#555"}, name=t("market.plot_beveridge", lang)))
    bev.update_layout(title=t("market.plot_beveridge", lang), xaxis_title=t("market.unemployment_rate", lang) + " %",
                      yaxis_title=t("market.vacancy_rate", lang) + " %")
    nodes = node_summary(result).nlargest(top, "unemployment_rate_change")
    worst = go.Figure(go.Bar(x=100 * nodes["unemployment_rate_change"], y=nodes["title"], orientation="h",
                             customdata=nodes[["automation_probability", "degree"]],
                             hovertemplate="%{y}: +%{x:.2f} pp<br>p=%{customdata[0]:.2f}, "
                                           "degree=%{customdata[1]}<extra></extra>"))
    worst.update_layout(title=t("market.plot_affected", lang), xaxis_title=t("market.peak_change_pp", lang),
                        yaxis={"autorange": "reversed"}, height=300 + 25 * top)
    return [paths, bev, worst]


def write_html(result: SimulationResult, path: str | Path, lang: str = "en") -> Path:
    """All figures in one self-contained HTML file (plotly.js embedded once), written atomically."""
    pictures = Figures(lang)
    page = render("figures.html.j2", t("market.report_title", lang), lang,
                  figures=[pictures.html(fig) for fig in figures(result, lang)])
    return write_text_atomic(path, page)
