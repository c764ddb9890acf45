"""HTML report of an individual-level programme evaluation (English or Chinese), plotly inlined.

Sections: the estimate beside the naive difference; overlap (propensity histograms of both groups, share
trimmed, effective comparison size); covariate balance (table and a plot of |SMD| before and after
weighting); the E-value; the nuisance models the cross-validation chose. Rendered from
``workshift/reports/templates/programme.html.j2`` on the shared layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workshift.evidence.report_monitor import write_report
from workshift.i18n import normalise_lang, t, term
from workshift.reports import Figures, render

if TYPE_CHECKING:
    from workshift.evidence.programme import ProgrammeResult

_TREATED, _COMPARISON = "#1f5fa8", "#c0392b"



def _model_name(name: str, lang: str) -> str:
    """A nuisance model (``logistic(C=0.01)``, ``ridge(alpha=1000)``) with its family in the reader's words."""
    family, bracket, rest = name.partition("(")
    return term(f"evaluate.console.model_{family}", family, lang) + bracket + rest

def _fmt(value: object, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "—"
    return f"{value:,.{digits}f}" if isinstance(value, (float, np.floating)) else str(value)


def programme_report(result: ProgrammeResult, path: str | Path, lang: str = "en") -> Path:
    """Write the report of one ``evaluate programme`` run."""
    import plotly.graph_objects as go

    lang = normalise_lang(lang)

    def s(key: str, **fields: object) -> str:
        return t(f"programme.{key}", lang, **fields)

    level = round(100 * (1 - result.alpha))
    figures = Figures(lang)
    unit = f" ({result.outcome_unit})" if result.outcome_unit else ""
    naive = result.naive_difference
    summary = [
        [s("method"), term(f"evaluate.console.estimator_{result.method}", result.estimator, lang)], [s("estimand"), s(f"estimand_{result.estimand}")],
        [s("estimate"), _fmt(result.estimate) + unit], [s("se"), _fmt(result.se)],
        [s("ci", level=level), f"[{_fmt(result.ci_low)}, {_fmt(result.ci_high)}]"],
        [s("naive"), f"{_fmt(naive['estimate'])} ({s('se')} {_fmt(naive['se'])})"],
        [s("n_treated"), result.n_treated], [s("n_comparison"), result.n_comparison],
        [s("trimmed"), f"{result.trimmed['treated']} / {result.trimmed['comparison']}"],
        [s("data_file"), ", ".join(f["data_file"] for f in result.provenance.get("files", []))],
    ]

    hist = go.Figure()
    bins = {"start": 0.0, "end": 1.0, "size": 0.02}
    for flag, name, colour in ((1, s("treated"), _TREATED), (0, s("comparison"), _COMPARISON)):
        hist.add_trace(go.Histogram(x=result.propensity[result.treated_flag == flag], xbins=bins, name=name,
                                    histnorm="probability", marker={"color": colour}, opacity=0.6))
    hist.update_layout(barmode="overlay", xaxis={"title": s("propensity"), "range": [0, 1]},
                       yaxis={"title": s("share"), "type": "log"}, template="plotly_white", height=380,
                       margin={"t": 30})
    overlap_figure = figures.html(hist)
    terms = list(result.balance)
    love = go.Figure()
    for key, name, colour in (("smd_before", s("smd_before"), _COMPARISON), ("smd_after", s("smd_after"),
                                                                             _TREATED)):
        love.add_trace(go.Scatter(x=[abs(result.balance[k][key]) for k in terms], y=terms, mode="markers",
                                  name=name, marker={"color": colour, "size": 9}))
    love.add_vline(x=0.1, line={"color": "#888", "dash": "dot"})
    love.update_layout(xaxis_title="|SMD|", template="plotly_white", height=max(300, 24 * len(terms) + 100),
                       margin={"t": 30})
    balance_figure = figures.html(love) if terms else None
    sens, over = result.sensitivity, result.overlap
    strings = {key: s(key) for key in ("summary", "overlap", "overlap_note", "balance", "balance_note", "term",
                                       "smd_before", "smd_after", "sensitivity", "e_value_note", "models",
                                       "model_role", "model_chosen", "model_loss", "notes")}
    page = render(
        "programme.html.j2", s("title", outcome=result.outcome), lang, s=strings, summary=summary,
        overlap_figure=overlap_figure,
        overlap=[[s("ess"), _fmt(over["effective_comparison_size"])], [s("max_share"), _fmt(over["max_weight_share"], 4)]],
        balance_figure=balance_figure,
        balance=[[k, _fmt(v["smd_before"], 3), _fmt(v["smd_after"], 3)] for k, v in result.balance.items()],
        sensitivity=[[s("e_value"), _fmt(sens.get("e_value"), 2)], [s("e_value_ci"), _fmt(sens.get("e_value_ci"), 2)]],
        models=[[s(f"role_{role}"), _model_name(m["model"], lang),
                 f"{m['cv_loss']:.4g} ({term('evaluate.console.loss_' + m['loss'].replace(' ', '_'), m['loss'], lang)})"]
                for role, m in result.nuisance.items() if isinstance(m, dict) and "model" in m],
        warnings=list(result.warnings))
    return write_report(path, page)
