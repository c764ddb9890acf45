"""The optimisation report: one self-contained HTML file per language (plotly inlined, works offline).

Sections: headline table (recommended vs no new policy, economy-wide effect), Pareto front, recommended
portfolio and its yearly schedule, employment and unemployment paths against the baseline, occupations most
affected, where the money goes, and the assumptions behind every lever with references.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workshift._version import __version__
from workshift.files import write_text_atomic
from workshift.i18n import normalise_lang, t
from workshift.i18n.charts import FONT_STACK, figure_html, locale_script
from workshift.i18n.numbers import money, money_unit, number, percent
from workshift.optimize.brief import methods_html, recommendation_html
from workshift.optimize.pipeline import Prepared
from workshift.optimize.plan import Paths

PERCENT = ("employment_rate", "employment_to_population", "coverage", "insurance_coverage", "unemployment_rate",
           "long_term_unemployment_rate", "earnings_stability", "low_long_term_unemployment")
STYLE = "body{font-family:" + FONT_STACK + """;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222}h1{font-size:1.6em}h2{margin-top:2em;
border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;
padding:4px 8px;font-size:.9em;vertical-align:top}th{background:#f4f4f4}.note{color:#555;font-size:.9em}
.warn{background:#fff4e5;border-left:4px solid #e69500;padding:.5em 1em}"""


def format_objective(key: str, value: float, currency: str, lang: str = "en", wage_currency: str | None = None) -> str:
    """A value with its unit (``currency``: the budget's; ``wage_currency``: the pack's wages', for income)."""
    if value is None:
        return "-"
    if key in PERCENT:
        return percent(value, lang, 2)
    if key in ("cost",):
        return money(value, currency, lang)
    if key == "income":
        return t("policy.per_year", lang, amount=money(value, wage_currency or currency, lang))
    if key == "job_quality":
        return number(value, lang, 4)
    if key == "policy_effect":
        return f"{number(value, lang)} {t('policy.job_years', lang)}"
    if key == "ai_displacement":
        return f"{number(value, lang)} {t('policy.worker_years', lang)}"
    return number(value, lang)


def _fig_html(fig, lang: str = "en") -> str:
    return figure_html(fig, lang)


def _label(lever, lang: str) -> str:
    return lever.label["zh" if lang == "zh" else "en"]


def economy_wide(prepared: Prepared, p: Paths, result: dict[str, Any]) -> dict[str, float]:
    """Average extra employment (persons) from the plan, participants, and jobs per 100 participants, against
    the direct participant effect (the calibrated long-run profile, weighted by participants)."""
    ev = prepared.evaluator
    x = ev.space.from_dict(result["recommended"]["portfolio"])
    part = ev.costs.participants(x[None])[0]
    lf = prepared.baseline_series["labour_force"].mean()
    jobs = (p.plan["employment_rate"] - p.baseline["employment_rate"]).mean() / 100 * lf
    direct_num = 0.0
    direct_den = 0.0
    for i, lv in enumerate(ev.space.levers):
        if lv.id in ev.ctx.calibration:
            direct_num += part[i].sum() * np.mean(ev.ctx.calibration[lv.id].target)
            direct_den += part[i].sum()
    participants = float(sum(part[i].sum() for i, lv in enumerate(ev.space.levers)
                             if lv.id in ev.ctx.calibration))
    return {"jobs": float(jobs), "participants": participants,
            "per100": float(100 * jobs / participants) if participants else 0.0,
            "direct_per100": float(direct_num / direct_den) if direct_den else 0.0}


def network_note(fallback: dict[str, str] | None, lang: str = "en") -> str | None:
    """The plain line saying that a run used the skills network instead of the empirical one; None otherwise."""
    if not fallback:
        return None
    return t("policy.network_fallback", normalise_lang(lang), wanted=fallback["wanted"], used=fallback["used"])


def render(prepared: Prepared, result: dict[str, Any], p: Paths, lang: str = "en") -> str:
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    lang = normalise_lang(lang)
    spec = prepared.scenario.policy
    ev = prepared.evaluator
    cur = spec.currency
    scale, unit = money_unit(cur, lang)  # large amounts on axes and in the schedule table
    levers = {lv.id: lv for lv in ev.space.levers}
    keys = result["objectives"]
    parts: list[str] = []
    title = t("policy.report_title", lang, scenario=Path(prepared.scenario.path or "scenario").stem)
    parts.append(f"<h1>{html.escape(title)}</h1>")
    parts.append("<p class='note'>" + html.escape(t(
        "policy.subtitle", lang, budget=format_objective("cost", spec.budget, cur, lang), years=spec.horizon_years, currency=cur,
        algorithm=result["algorithm"], evaluations=result["evaluations"], seconds=result["seconds"])) + "</p>")
    note = network_note(result.get("network_fallback"), lang)
    if note:
        parts.append(f"<p class='warn'><b>{html.escape(note)}</b></p>")

    # the plain-language recommendation first
    assumed = [_label(lv, lang) for lv in ev.space.levers if lv.participant_profile is None and not lv.evidence
               and result["recommended"]["portfolio"].get(lv.id) and max(result["recommended"]["portfolio"][lv.id]) > 0]
    parts.append(recommendation_html(result, {lid: _label(lv, lang) for lid, lv in levers.items()}, assumed, lang))

    # headline
    rec = result["recommended"]["objectives"]
    unc = (result.get("uncertainty") or {}).get("objectives", {})

    wages = getattr(prepared.built.inputs, "currency", None)  # income is in the pack's wage currency

    def interval(k: str) -> str:
        q = unc.get(k)
        return "-" if not q else f"{format_objective(k, q[0], cur, lang, wages)} – {format_objective(k, q[2], cur, lang, wages)}"

    rows = "".join(
        f"<tr><td>{html.escape(t('policy.' + k, lang))}</td><td>{format_objective(k, result['baseline'][k], cur, lang, wages)}"
        f"</td><td>{format_objective(k, rec[k], cur, lang, wages)}</td><td>{html.escape(interval(k))}</td></tr>"
        for k in [*keys, *[k for k in ("policy_effect", "ai_displacement", "insurance_coverage", "earnings_stability",
                                       "low_long_term_unemployment", "coverage") if k not in keys]]
        if k in rec and k in result["baseline"])
    parts.append(f"<h2>{html.escape(t('policy.headline', lang))}</h2><table><tr><th>"
                 f"{t('policy.objective', lang)}</th><th>{t('policy.baseline', lang)}</th><th>"
                 f"{t('policy.recommended', lang)}</th><th>{t('policy.interval', lang)}</th></tr>{rows}</table>")
    wide = economy_wide(prepared, p, result)
    parts.append(f"<h3>{html.escape(t('policy.economy_wide', lang))}</h3><p>" + html.escape(t(
        "policy.economy_wide_text", lang, jobs=f"{wide['jobs']:,.0f}", participants=f"{wide['participants']:,.0f}",
        per100=f"{wide['per100']:.1f}", direct=f"{wide['direct_per100']:.1f}")) + "</p>")

    # Pareto front: cost against the first benefit objective, coloured by the second
    front = pd.DataFrame([{**m["objectives"], "cost": m["cost"]} for m in result["pareto"]])
    benefit = [k for k in keys if k != "cost"]
    fig = go.Figure()
    if benefit:
        y = benefit[0]
        color = front[benefit[1]] if len(benefit) > 1 else None
        fig.add_trace(go.Scatter(x=front["cost"] / scale, y=100 * front[y] if y in PERCENT else front[y],
                                 mode="markers", name=t("policy.pareto_title", lang),
                                 marker={"color": color, "colorscale": "Viridis", "showscale": color is not None,
                                         "colorbar": {"title": t("policy." + benefit[1], lang)} if color is not None
                                         else None}))
        fig.add_trace(go.Scatter(x=[result["recommended"]["cost"] / scale],
                                 y=[100 * rec[y] if y in PERCENT else rec[y]], mode="markers",
                                 marker={"symbol": "star", "size": 18, "color": "red"},
                                 name=t("policy.recommended", lang)))
        fig.update_layout(xaxis_title=f"{t('policy.cost', lang)} ({unit})", yaxis_title=t("policy." + y, lang))
    parts.append(f"<h2>{html.escape(t('policy.pareto_title', lang))}</h2><p>{html.escape(t('policy.pareto_text', lang))}"
                 f"</p>{_fig_html(fig, lang)}")

    # schedule
    sched = pd.DataFrame(result["recommended"]["schedule"])
    fig = go.Figure()
    for lid, part in sched.groupby("lever", sort=False):
        fig.add_trace(go.Bar(x=part["year"], y=part["spending"] / scale, name=_label(levers[lid], lang)))
    fig.update_layout(barmode="stack", xaxis_title=t("policy.year", lang),
                      yaxis_title=f"{t('policy.spending', lang)} ({unit})")
    table = sched.pivot_table(index="lever", columns="year", values="spending", aggfunc="sum") / scale
    head = "".join(f"<th>{y}</th>" for y in table.columns)
    body = "".join(f"<tr><td>{html.escape(_label(levers[lid], lang))}</td>"
                   + "".join(f"<td>{v:,.2f}</td>" for v in row) + "</tr>" for lid, row in table.iterrows())
    parts.append(f"<h2>{html.escape(t('policy.schedule_title', lang))}</h2><p>{html.escape(t('policy.schedule_text', lang))}"
                 f"</p>{_fig_html(fig, lang)}<table><tr><th>{t('policy.lever', lang)}</th>{head}</tr>{body}</table>")

    # paths
    fig = go.Figure()
    for label, values, dash in ((t("policy.no_shock", lang), p.no_shock_unemployment, "dot"),
                                (t("policy.shock_baseline", lang), p.baseline["unemployment_rate"], "dash"),
                                (t("policy.shock_plan", lang), p.plan["unemployment_rate"], "solid")):
        fig.add_trace(go.Scatter(x=p.months, y=values, name=f"{t('policy.unemployment_rate', lang)}: {label}",
                                 line={"dash": dash}))
    for label, values, dash in ((t("policy.shock_baseline", lang), p.baseline["employment_rate"], "dash"),
                                (t("policy.shock_plan", lang), p.plan["employment_rate"], "solid")):
        fig.add_trace(go.Scatter(x=p.months, y=values, name=f"{t('policy.employment_rate', lang)}: {label}",
                                 line={"dash": dash}, yaxis="y2"))
    fig.update_layout(yaxis={"title": f"{t('policy.unemployment_rate', lang)} (%)"},
                      yaxis2={"title": f"{t('policy.employment_rate', lang)} (%)", "overlaying": "y", "side": "right"},
                      legend={"orientation": "h", "y": -0.2})
    parts.append(f"<h2>{html.escape(t('policy.paths_title', lang))}</h2><p>{html.escape(t('policy.paths_text', lang))}"
                 f"</p>{_fig_html(fig, lang)}")

    # occupations most affected
    titles = list(prepared.built.inputs.titles)
    extra_base = p.u_nodes["baseline"] - p.u_nodes["no_shock"]
    extra_plan = p.u_nodes["plan"] - p.u_nodes["no_shock"]
    top = np.argsort(-extra_base)[:15][::-1]
    fig = go.Figure([go.Bar(y=[titles[i][:60] for i in top], x=extra_base[top], orientation="h",
                            name=t("policy.shock_baseline", lang)),
                     go.Bar(y=[titles[i][:60] for i in top], x=extra_plan[top], orientation="h",
                            name=t("policy.shock_plan", lang))])
    fig.update_layout(barmode="group", height=620, xaxis_title=t("policy.persons", lang),
                      margin={"l": 320})
    parts.append(f"<h2>{html.escape(t('policy.occupations_title', lang))}</h2><p>"
                 f"{html.escape(t('policy.occupations_text', lang))}</p>{_fig_html(fig, lang)}")

    # money
    totals = sched.groupby("lever", sort=False)["spending"].sum()
    fig = go.Figure([go.Pie(labels=[_label(levers[k], lang) for k in totals.index], values=totals.values / scale,
                            hole=0.4)])
    parts.append(f"<h2>{html.escape(t('policy.money_title', lang))}</h2>{_fig_html(fig, lang)}")

    # assumptions
    rows = []
    for i, (lid, lv) in enumerate(levers.items()):
        effects = "<br>".join(f"<b>{html.escape(e.name)}</b> = {e.value:g} ({html.escape(e.unit)}; "
                              f"{html.escape(e.period)}) — {html.escape(e.source)}" for e in lv.effects.values())
        if lid in ev.ctx.calibration:
            cal = ev.ctx.calibration[lid]
            effects += "<br><i>" + html.escape(t("policy.participant_profile", lang,
                                                 target=" / ".join(f"{v:.1f}" for v in cal.target),
                                                 fitted=" / ".join(f"{v:.1f}" for v in cal.fitted))) + "</i>"
        refs = "<br>".join(f"<a href='{html.escape(r.get('url', ''))}'>{html.escape(r['title'])}</a>"
                           for r in lv.references)
        cost = (f"{ev.costs.unit_cost[i]:,.0f} {cur} / {html.escape(lv.cost.per)}<br>"
                f"<span class='note'>{html.escape(lv.cost.source)}</span>")
        rows.append(f"<tr><td><b>{html.escape(_label(lv, lang))}</b><br>{html.escape(lv.description['zh' if lang == 'zh' else 'en'])}"
                    f"</td><td>{html.escape(lv.unit)}</td><td>{cost}</td><td>{effects}</td><td>{refs}</td></tr>")
    parts.append(f"<h2>{html.escape(t('policy.assumptions_title', lang))}</h2><p>"
                 f"{html.escape(t('policy.assumptions_text', lang))}</p><table><tr><th>{t('policy.lever', lang)}</th>"
                 f"<th>{t('policy.unit', lang)}</th><th>{t('policy.cost_per_unit', lang)}</th><th>"
                 f"{t('policy.effects', lang)}</th><th>{t('policy.references', lang)}</th></tr>{''.join(rows)}</table>")
    parts.append(methods_html(result, lang))
    vintage = ", ".join(f"{k}: {v}" for k, v in (result["meta"].get("data_vintage") or {}).items())
    parts.append(f"<p class='note'>{html.escape(t('policy.data_vintage', lang, vintage=vintage))}<br>"
                 f"{html.escape(t('common.generated_by', lang, version=__version__))}</p>")
    doc_lang = "zh-CN" if lang == "zh" else "en"
    return (f"<!DOCTYPE html><html lang='{doc_lang}'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style><script>{get_plotlyjs()}</script>{locale_script(lang)}</head><body>{''.join(parts)}</body></html>")


def write_reports(prepared: Prepared, result: dict[str, Any], p: Paths, out_dir: str | Path,
                  langs: tuple[str, ...] = ("en", "zh")) -> dict[str, str]:
    """Write ``policy_report.<lang>.html`` for each language (atomically); returns {lang: path}."""
    out = {}
    for lang in langs:
        code = normalise_lang(lang)
        path = Path(out_dir) / f"policy_report.{code}.html"
        write_text_atomic(path, render(prepared, result, p, code))
        out[code] = str(path)
    return out
