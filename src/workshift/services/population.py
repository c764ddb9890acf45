"""Population view: workers in high-exposure occupations with no safe and desirable option, by state.

High-exposure occupations are those at or above the employment-weighted 75th percentile of the chosen index
(the top quartile of workers by exposure). An occupation "has an option" when at least one of its transitions
is viable, desirable and safe (:mod:`.transitions`: safe = clearly less exposed **and** not projected to
decline beyond the growth bar). The JSON's ``meta.thresholds`` and the HTML's note state the rules used. Workers are OEWS May 2025 state employment
(``pack.state_employment``); the national row uses the national employment of the occupations (state cells that
OEWS suppresses make the states' sum smaller).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from workshift.files import write_text_atomic
from workshift.i18n import normalise_lang, t
from workshift.reports import Figures, render
from workshift.services.transitions import TransitionModel


@dataclass
class PopulationView:
    occupations: pd.DataFrame  # high-exposure occupations: soc_code, title, employment, exposure, has_option
    states: pd.DataFrame  # state, workers_high, workers_without, share_without
    national: dict
    meta: dict

    def to_dict(self) -> dict:
        return {"national": self.national, "states": self.states.to_dict(orient="records"),
                "occupations": self.occupations.to_dict(orient="records"), "meta": self.meta}


def option_flags(model: TransitionModel, safe_rule: str | None = None) -> np.ndarray:
    """Per occupation: at least one viable, desirable and safe transition."""
    labels = model.labels(safe_rule=safe_rule)
    return (labels["viable"] & labels["desirable"] & labels["safe"]).any(axis=1)


def population_view(model: TransitionModel, safe_rule: str | None = None) -> PopulationView:
    high = model.high_exposure
    has_option = option_flags(model, safe_rule)
    occ = pd.DataFrame({"soc_code": model.codes, "title": model.titles, "employment": model.employment,
                        "exposure": model.exposure, "has_option": has_option})[high].reset_index(drop=True)
    state = model.pack.state_employment.merge(occ[["soc_code", "has_option"]], on="soc_code", how="inner")
    state["without"] = np.where(state["has_option"], 0.0, state["employment"])
    states = state.groupby("state", as_index=False).agg(workers_high=("employment", "sum"),
                                                        workers_without=("without", "sum"))
    states["share_without"] = (states["workers_without"] / states["workers_high"]).fillna(0.0).round(4)
    states = states.sort_values(["share_without", "state"], ascending=[False, True], ignore_index=True)
    workers_high = float(occ["employment"].sum())
    workers_without = float(occ.loc[~occ["has_option"], "employment"].sum())
    national = {"high_exposure_occupations": int(len(occ)), "without_option": int((~occ["has_option"]).sum()),
                "workers_high": workers_high, "workers_without": workers_without,
                "share_without": round(workers_without / workers_high, 4) if workers_high else 0.0,
                "threshold": round(model.thresholds.high_exposure, 4)}
    meta = model.meta()
    if safe_rule:
        meta["thresholds"]["safe_rule"] = safe_rule
    return PopulationView(occ, states, national, meta)


def population_figure(view: PopulationView, lang: str = "en"):
    """A plotly stacked bar chart: workers in high-exposure jobs by state, with and without an option."""
    import plotly.graph_objects as go

    lang = normalise_lang(lang)
    states = view.states.sort_values("workers_high", ascending=True)
    with_option = states["workers_high"] - states["workers_without"]
    fig = go.Figure([
        go.Bar(y=states["state"], x=states["workers_without"], orientation="h",
               name=t("services.population.without_option", lang), marker_color="#c0392b",
               customdata=states["share_without"] * 100,
               hovertemplate="%{y}: %{x:,.0f} (%{customdata:.1f}%)<extra></extra>"),
        go.Bar(y=states["state"], x=with_option, orientation="h",
               name=t("services.population.with_option", lang), marker_color="#95a5a6"),
    ])
    th = view.meta["thresholds"]
    note = t("services.population.rules", lang, viable=f"{th['viable']:.3f}", wage_ratio=th["wage_ratio"],
             rule=th["safe_rule"], margin=f"{th['safe_margin']:.3f}", growth=f"{100 * th['safe_min_growth']:.0f}",
             ranked_by=th["ranked_by"])
    fig.add_annotation(text=note, xref="paper", yref="paper", x=0, y=1.0, yanchor="bottom", showarrow=False,
                       align="left", font={"size": 11})
    fig.update_layout(barmode="stack", height=max(500, 16 * len(states)),
                      title=t("services.population.plot_title", lang, index=view.meta["index"]["name"]),
                      xaxis_title=t("services.column.workers_high", lang), yaxis_title=t("services.column.state", lang),
                      legend={"orientation": "h", "y": -0.05})
    return fig


def write_figure(view: PopulationView, path: str | Path, lang: str = "en") -> Path:
    """Write the plot as a self-contained HTML file (works offline; the shared report layout), atomically."""
    lang = normalise_lang(lang)
    title = t("services.population.plot_title", lang, index=view.meta["index"]["name"])
    page = render("figures.html.j2", title, lang, figures=[Figures(lang).html(population_figure(view, lang))])
    return write_text_atomic(path, page)
