"""HTML reports of causal evaluations (English or Chinese), self-contained with inline plotly.js.

:func:`did_report` (staggered DiD and event study): estimates table, event-study plot, group-time plot.
:func:`synth_report` (SC / SDID / DID): estimates and fit, actual vs synthetic path, placebo gaps and the
distribution of post/pre RMSPE ratios, donor weights. Both are rendered from templates
on the shared layout of :mod:`workshift.reports` (``did.html.j2``, ``synth.html.j2``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workshift.evidence.report_monitor import write_report
from workshift.i18n import normalise_lang, t, term
from workshift.reports import Figures, render

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from workshift.evidence.did import DidResult
    from workshift.evidence.synth import SynthResult

_PRE, _POST, _GREY = "#c0392b", "#1f5fa8", "rgba(120,120,120,0.35)"



def _inference_text(inference: dict, lang: str) -> str:
    """How the standard errors were computed: ``method=..., replications=...`` (English, as always printed);
    for Chinese readers the method and each setting in words."""
    if lang != "zh":
        return ", ".join(f"{k}={v}" for k, v in inference.items())
    parts = []
    for key, value in inference.items():
        if key == "method":
            value = term("evaluate.console.inference_" + str(value).split(" ")[0], value, lang)
        elif isinstance(value, bool):
            value = t("evaluate.console.yes" if value else "evaluate.console.no", lang)
        else:
            value = term(f"evaluate.console.value_{value}", value, lang)
        parts.append(f"{term(f'evaluate.console.setting_{key}', key, lang)}：{value}")
    return "；".join(parts)


def _se_rule(rule: str | None, lang: str) -> str | None:
    """The synthetic-control standard-error rule for Chinese readers (the two rules of evidence.synth)."""
    if lang != "zh" or rule is None:
        return rule
    if rule.startswith("exact: "):
        return t("evaluate.console.se_rule_exact", lang)
    found = re.match(r"(\d+) random placebo assignments of (\d+) controls \(seed (\d+)\)", rule)
    if found:
        return t("evaluate.console.se_rule_random", lang, replications=found[1], controls=found[2], seed=found[3])
    return rule

def _fmt(value: object, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "—"
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}f}"
    return str(value)


def _ci(low: float, high: float, digits: int = 4) -> str:
    return f"[{_fmt(low, digits)}, {_fmt(high, digits)}]"


def _effects_figure(frame: pd.DataFrame, x: str, post: pd.Series, crit_label: str, s, x_title: str) -> go.Figure:
    """Point estimates with confidence bars, pre-treatment in red and post-treatment in blue."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for mask, name, colour in ((~post, s("pre"), _PRE), (post, s("post"), _POST)):
        part = frame[mask.to_numpy()]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part[x], y=part["estimate"], mode="markers", name=name, marker={"color": colour, "size": 9},
            error_y={"type": "data", "symmetric": False, "array": part["ci_high"] - part["estimate"],
                     "arrayminus": part["estimate"] - part["ci_low"], "color": colour},
        ))
    fig.add_hline(y=0, line={"color": "#888", "dash": "dot"})
    fig.update_layout(xaxis={"title": x_title, "type": "linear", "tickformat": "d", "dtick": 1},
                      yaxis_title=crit_label, template="plotly_white", height=420, margin={"t": 30})
    return fig


def _setup(result: DidResult | SynthResult, lang: str) -> tuple[str, Any, int, str]:
    """What both reports start from: the language, its message lookup, the confidence level (%) and the
    outcome's label with its unit."""
    lang = normalise_lang(lang)

    def s(key: str, **fields: Any) -> str:
        return t(f"evaluate.{key}", lang, **fields)

    label = f"{result.outcome}" + (f" ({result.outcome_unit})" if result.outcome_unit else "")
    return lang, s, round(100 * (1 - result.alpha)), label


def event_study_figure(result: DidResult, lang: str = "en") -> go.Figure:
    """The event-study chart of a DiD result: effects by periods since treatment with their confidence bars
    (uniform bands when the run asked for them), pre-treatment in red, post-treatment in blue."""
    lang, s, _, label = _setup(result, lang)
    dynamic = result.aggregations["dynamic"]
    return _effects_figure(dynamic.detail, "event_time", dynamic.detail["event_time"] >= 0, label, s,
                           s("event_time"))


def did_report(result: DidResult, path: str | Path, lang: str = "en", focus: str = "did") -> Path:
    """Write the report of a staggered DiD (``focus`` "did") or event-study (``focus`` "event-study") run."""
    lang, s, level, label = _setup(result, lang)
    figures = Figures(lang)
    estimates = [[s(kind), _fmt(a.overall.estimate), _fmt(a.overall.se), _ci(a.overall.ci_low, a.overall.ci_high)]
                 for kind, a in result.aggregations.items()]
    dynamic = result.aggregations["dynamic"]
    band = s("band" if result.inference.get("uniform_bands") else "ci", level=level)
    event_study = [[int(r.event_time), _fmt(r.estimate), _fmt(r.se), _ci(r.ci_low, r.ci_high)]
                   for r in dynamic.detail.itertuples()]
    gt = result.group_time.rename(columns={"att": "estimate"})
    group_time = [[int(r.group), int(r.time), _fmt(r.estimate), _fmt(r.se), _ci(r.ci_low, r.ci_high)]
                  for r in gt.itertuples()]

    def detail_rows(kind: str) -> list[list[object]]:
        agg = result.aggregations[kind]
        return [[int(r[agg.key]), _fmt(r["estimate"]), _fmt(r["se"]), _ci(r["ci_low"], r["ci_high"])]
                for r in agg.detail.to_dict("records")]

    prov = result.provenance
    setup_rows = [
        [s("outcome"), label], [s("units"), result.n_units], [s("observations"), result.n_obs],
        [s("panel"), term(f"evaluate.console.panel_{result.panel_kind}", result.panel_kind, lang)],
        [s("control_group"), s(f"control_{result.control}")],
        [s("base_period"), term(f"evaluate.console.base_{result.base_period}", result.base_period, lang)],
        [s("inference"), _inference_text(result.inference, lang)],
        [s("cohort_sizes"), ", ".join(f"{g}: {n}" for g, n in result.cohorts.items())],
        [s("data_file"), prov.get("data_file")], [s("sha256"), prov.get("data_sha256")],
    ]
    strings = {key: s(key) for key in ("estimates", "aggregation", "estimate", "se", "reading_did", "event_study",
                                       "event_time", "group_time", "cohort", "period", "att_gt", "by_group",
                                       "by_calendar", "setup", "notes")}
    did = focus == "did"
    title = s("title_event_study" if focus == "event-study" else "title_did", outcome=result.outcome)
    page = render(
        "did.html.j2", title, lang, s=strings, ci=s("ci", level=level), band=band, estimates=estimates,
        event_study_figure=figures.html(event_study_figure(result, lang)), event_study=event_study,
        group_time_figure=figures.html(_group_time_figure(gt, s, label)) if did else None,
        group_time=group_time if did else None, by_group=detail_rows("group") if did else None,
        by_calendar=detail_rows("calendar") if did else None, setup=setup_rows, warnings=list(result.warnings))
    return write_report(path, page)


def _group_time_figure(gt: pd.DataFrame, s, label: str) -> go.Figure:
    import plotly.graph_objects as go

    fig = go.Figure()
    for g, part in gt.groupby("group"):
        fig.add_trace(go.Scatter(
            x=part["time"], y=part["estimate"], mode="lines+markers", name=f"{s('cohort')} {g}",
            error_y={"type": "data", "symmetric": False, "array": part["ci_high"] - part["estimate"],
                     "arrayminus": part["estimate"] - part["ci_low"]},
        ))
    fig.add_hline(y=0, line={"color": "#888", "dash": "dot"})
    fig.update_layout(xaxis={"title": s("period"), "type": "linear", "tickformat": "d", "dtick": 1},
                      yaxis_title=label, template="plotly_white", height=420, margin={"t": 30})
    return fig


def _period_axis(title: str, numeric: bool) -> dict[str, Any]:
    """A period axis: linear with whole-number ticks ("1989", never "1,989" or "2,004.5") when numeric."""
    if not numeric:
        return {"title": title, "type": "category"}
    return {"title": title, "type": "linear", "tickformat": "d"}


def synth_report(result: SynthResult, path: str | Path, lang: str = "en") -> Path:
    """Write the report of a synthetic-control-type run."""
    import plotly.graph_objects as go

    lang, s, level, label = _setup(result, lang)
    figures = Figures(lang)
    path_frame = result.path
    start = str(result.treatment_start)
    periods = path_frame["period"].astype(str)

    numeric = pd.api.types.is_numeric_dtype(path_frame["period"])
    x_axis = _period_axis(s("period"), numeric)
    periods = path_frame["period"] if numeric else path_frame["period"].astype(str)
    marker = result.treatment_start if numeric else start

    paths = go.Figure()
    paths.add_trace(go.Scatter(x=periods, y=path_frame["actual"], name=s("actual"), line={"color": _POST}))
    paths.add_trace(go.Scatter(x=periods, y=path_frame["synthetic"], name=s("synthetic"),
                               line={"color": _PRE, "dash": "dash"}))
    paths.add_vline(x=marker, line={"color": "#888", "dash": "dot"}, annotation_text=s("treatment_start_line"),
                    annotation_position="top right")
    paths.update_layout(xaxis=x_axis, yaxis_title=label, template="plotly_white", height=420, margin={"t": 30})

    gaps = go.Figure()
    placebo_paths = result.placebo_paths.assign(
        period=pd.to_numeric(result.placebo_paths["period"]) if numeric else result.placebo_paths["period"])
    band = placebo_paths.groupby("period", sort=True)["gap"].quantile([0.05, 0.95]).unstack()
    gaps.add_trace(go.Scatter(x=list(band.index) + list(band.index[::-1]),
                              y=list(band[0.95]) + list(band[0.05][::-1]), fill="toself", mode="lines",
                              line={"width": 0}, fillcolor="rgba(120,120,120,0.18)", name=s("placebo_band"),
                              hoverinfo="skip"))
    for unit, part in placebo_paths.groupby("unit", sort=False):
        gaps.add_trace(go.Scatter(x=part["period"], y=part["gap"], mode="lines", line={"color": _GREY, "width": 1},
                                  name=str(unit), legendgroup="placebo", showlegend=False, opacity=0.6))
    gaps.add_trace(go.Scatter(x=periods, y=path_frame["gap"], mode="lines", line={"color": _POST, "width": 3},
                              name=", ".join(result.treated)))
    gaps.add_vline(x=marker, line={"color": "#888", "dash": "dot"})
    gaps.add_hline(y=0, line={"color": "#888"})
    gaps.update_layout(xaxis=x_axis, yaxis_title=s("gap"), template="plotly_white", height=420, margin={"t": 30})

    ratios = result.placebos.sort_values("ratio")
    bars = go.Figure(go.Bar(
        x=list(ratios["ratio"]) + [result.rmspe_ratio], y=list(ratios["unit"]) + [", ".join(result.treated)],
        orientation="h", marker={"color": [_GREY] * len(ratios) + [_POST]},
    ))
    bars.update_layout(xaxis_title=s("ratio"), template="plotly_white", height=max(420, 16 * (len(ratios) + 1)),
                       margin={"t": 30}, yaxis={"categoryorder": "total ascending"})

    summary = [
        [s("method"), s(f"method_{result.method}")],
        [s("treated"), ", ".join(result.treated)], [s("treatment_start"), start], [s("outcome"), label],
        [s("estimate"), _fmt(result.att, 3)], [s("se"), _fmt(result.se, 3)],
        [s("ci", level=level), _ci(result.ci_low, result.ci_high, 3)],
        [s("pre_rmspe"), _fmt(result.pre_rmspe, 3)], [s("post_rmspe"), _fmt(result.post_rmspe, 3)],
        [s("ratio"), _fmt(result.rmspe_ratio, 3)], [s("p_value"), _fmt(result.p_value, 3)],
        [s("inference"), _se_rule(result.inference.get("se_rule"), lang)],
        [s("data_file"), result.provenance.get("data_file")], [s("sha256"), result.provenance.get("data_sha256")],
    ]
    balance = [[b["predictor"], _fmt(b["v_weight"], 4), _fmt(b["treated"], 3), _fmt(b["synthetic"], 3),
                _fmt(b["donor_mean"], 3)] for b in result.predictor_balance or []]
    robust = result.robustness or {}
    robustness = None
    if robust.get("leave_one_out") or robust.get("in_time"):
        robustness = {
            "leave_one_out": [[r["dropped"], _fmt(r["estimate"], 3), _fmt(r["pre_rmspe"], 3)]
                              for r in robust.get("leave_one_out", [])],
            "in_time": [[r["placebo_start"], _fmt(r["estimate"], 3), _fmt(r["pre_rmspe"], 3)]
                        for r in robust.get("in_time", [])],
            "v_search": [[r["search"], _fmt(r["v_loss"], 1), _fmt(r["estimate"], 3),
                          ", ".join(f"{u} {w:.3f}" for u, w in sorted(r["weights"].items(), key=lambda i: -i[1]))]
                         for r in robust.get("v_search", [])]}
    time_weights = ([[p, _fmt(w, 4)] for p, w in result.time_weights.items() if w > 0]
                    if result.method == "sdid" else None)
    strings = {key: s(key) for key in (
        "summary", "reading_synth", "paths", "placebos", "placebo_gaps", "ratio_title", "weights", "unit", "weight",
        "predictor_balance", "predictor", "v_weight", "treated", "synthetic_value", "donor_mean", "robustness",
        "leave_one_out", "dropped", "estimate", "pre_rmspe", "in_time", "placebo_start", "v_search", "v_method",
        "v_loss", "time_weights", "period", "notes")}
    title = s("title_synth", method=result.method.upper(), outcome=result.outcome, treated=", ".join(result.treated))
    page = render(
        "synth.html.j2", title, lang, s=strings, summary=summary, paths_figure=figures.html(paths),
        gaps_figure=figures.html(gaps), ratios_figure=figures.html(bars),
        donors=[[u, _fmt(w, 4)] for u, w in result.weights.items() if w > 0], predictor_balance=balance,
        robustness=robustness, time_weights=time_weights, warnings=list(result.warnings))
    return write_report(path, page)
