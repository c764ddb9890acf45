"""The optimisation report: one self-contained HTML file per language (plotly inlined, works offline).

Rendered from ``workshift/reports/templates/policy.html.j2`` on the shared layout (autoescape: lever names,
sources and scenario names are escaped); this module computes the figures, numbers and sentences.

Sections: headline table (recommended vs no new policy, economy-wide effect), Pareto front, recommended
portfolio and its yearly schedule, employment and unemployment paths against the baseline, occupations most
affected, where the money goes, and the assumptions behind every lever with references.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workshift._version import __version__
from workshift.files import write_text_atomic
from workshift.i18n import normalise_lang, t
from workshift.i18n.names import source_text
from workshift.i18n.numbers import currency_name, money, money_unit, number, percent
from workshift.optimize.brief import methods, recommendation
from workshift.optimize.pipeline import Prepared
from workshift.optimize.plan import Paths
from workshift.policy.catalogue import localised, reference_summary
from workshift.reports import Figures
from workshift.reports import render as render_page

PERCENT = ("employment_rate", "employment_to_population", "coverage", "insurance_coverage", "unemployment_rate",
           "long_term_unemployment_rate", "earnings_stability", "low_long_term_unemployment")
# the section headings and column names of the page, each ``policy.<key>`` in the catalogue
STRINGS = ("brief_title", "brief_nothing", "brief_risks", "headline", "objective", "baseline", "recommended",
           "interval", "economy_wide", "pareto_title", "pareto_text", "schedule_title", "schedule_text", "lever",
           "paths_title", "paths_text", "occupations_title", "occupations_text", "money_title",
           "assumptions_title", "assumptions_text", "unit", "cost_per_unit", "effects", "references",
           "methods_title")


def cost_basis_text(costs: dict[str, Any], lang: str = "en") -> str:
    """Where the lever-cost factor comes from, in the reader's language (PPP / exchange rate / the user)."""
    basis = costs.get("basis") if costs.get("basis") in ("ppp", "exchange_rate", "user") else "user"
    return t(f"policy.basis_{basis}", lang, year=costs.get("year") or (costs.get("country") or {}).get("year", ""))


def cost_note(costs: dict[str, Any] | None, lang: str = "en") -> str | None:
    """The sentence saying how lever costs and the budget entered the pack's currency (None: US dollars)."""
    if not costs or (costs.get("to") == "USD" and costs.get("factor", 1.0) == 1.0):
        return None
    currency = costs["to"]
    note = t("policy.cost_note", lang, currency=currency_name(currency, lang), factor=f"{costs['factor']:.4g}",
             basis=cost_basis_text(costs, lang))
    given = costs.get("budget_given")
    if given:
        note += " " + t("policy.budget_given", lang, given=money(given["value"], given["currency"], lang))
    return note


def _vintage(vintage: dict[str, str], lang: str) -> str:
    """The data behind a result: ``pack: us, built: ..., oews: May 2025`` (source ids and their versions)."""
    if normalise_lang(lang) != "zh":
        return ", ".join(f"{k}: {v}" for k, v in vintage.items())
    names = {"pack": t("policy.vintage_pack", lang), "built": t("policy.vintage_built", lang)}
    return "，".join(f"{names.get(k, k)}：{source_text(k, 'version', str(v), lang)}" for k, v in vintage.items())


def _unit_cost(value: float, currency: str, lang: str) -> str:
    """A lever's cost per unit: ``26,700 USD`` in English, ``26,700 美元`` in Chinese."""
    if normalise_lang(lang) != "zh":
        return f"{value:,.0f} {currency}"
    return f"{value:,.0f} {currency_name(currency, 'zh')}"


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


def _label(lever, lang: str) -> str:
    return lever.label["zh" if lang == "zh" else "en"]


def economy_wide(prepared: Prepared, p: Paths, result: dict[str, Any]) -> dict[str, float]:
    """Average extra work from the plan (employed plus flexible, persons, mean over the horizon against no new
    policy under AI: its ``policy_effect`` over the horizon's years), the participants its programme levers
    actually served (course starts, not places planned) and jobs per 100 of them, against the direct
    participant effect (the calibrated long-run profile, weighted by participants).

    The extra work is counted on W, not on the employment rate W / LF: trainees are in the labour force and
    not at work, so a rate difference times the labour force turns a training plan's job gains negative.
    ``p`` (the plan's monthly paths) is not needed for it; it stays in the signature for the callers."""
    ev = prepared.evaluator
    x = ev.space.from_dict(result["recommended"]["portfolio"])[None]
    series = ev.simulate(x)["series"]
    work = series["employed"][0] + series["flexible"][0]
    base = ev.work_base if ev.work_base is not None else work
    jobs = float((work - base).mean())
    part = ev.participants(x, series)[0]
    calibrated = [i for i, lv in enumerate(ev.space.levers) if lv.id in ev.ctx.calibration]
    participants = float(sum(part[i].sum() for i in calibrated))
    direct_num = sum(part[i].sum() * np.mean(ev.ctx.calibration[ev.space.levers[i].id].target) for i in calibrated)
    return {"jobs": jobs, "participants": participants,
            "per100": float(100 * jobs / participants) if participants else 0.0,
            "direct_per100": float(direct_num / participants) if participants else 0.0}


def network_note(fallback: dict[str, str] | None, lang: str = "en") -> str | None:
    """The plain line saying that a run used the skills network instead of the empirical one; None otherwise."""
    if not fallback:
        return None
    return t("policy.network_fallback", normalise_lang(lang), wanted=fallback["wanted"], used=fallback["used"])


def _assumptions(prepared: Prepared, lang: str) -> list[dict[str, Any]]:
    """Per lever: label, description, unit, cost per unit and its source, cited effects, the participant
    profile (target / fitted) when calibrated, and the references; the template lays them out."""
    ev = prepared.evaluator
    cur = prepared.scenario.policy.currency
    rows = []
    for i, lv in enumerate(ev.space.levers):
        cal = ev.ctx.calibration.get(lv.id)
        profile = None if cal is None else t(
            "policy.participant_profile", lang, target=" / ".join(f"{v:.1f}" for v in cal.target),
            fitted=" / ".join(f"{v:.1f}" for v in cal.fitted))
        rows.append({"label": _label(lv, lang), "description": lv.description["zh" if lang == "zh" else "en"],
                     "unit": localised(lv, "unit", lang),
                     "cost": f"{_unit_cost(ev.costs.unit_cost[i], cur, lang)} / {localised(lv.cost, 'per', lang)}",
                     "cost_source": localised(lv.cost, "source", lang), "profile": profile,
                     "effects": [{"name": localised(e, "name", lang),
                                  "text": f" = {e.value:g} ({localised(e, 'unit', lang)}; {localised(e, 'period', lang)})"
                                          f" — {localised(e, 'source', lang)}"}
                                 for e in lv.effects.values()],
                     # a reference keeps its original language (GB/T 7714); Chinese readers get a summary too
                     "references": [{"url": r.get("url", ""), "title": r["title"],
                                     "summary": reference_summary(r, lang)} for r in lv.references]})
    return rows


def render(prepared: Prepared, result: dict[str, Any], p: Paths, lang: str = "en") -> str:
    """The policy report page in ``lang`` (``policy.html.j2`` on the shared layout).

    Parameters
    ----------
    prepared : Prepared
        The prepared optimisation (scenario, evaluator, baseline).
    result : dict
        The summary of :func:`workshift.optimize.pipeline.summarise`, with ``uncertainty`` when it was run.
    p : Paths
        The recorded paths of the baseline, the plan and the no-shock run.
    lang : str
        ``en`` or ``zh``.

    Returns
    -------
    str
        The complete HTML page (plotly.js inlined once).
    """
    import plotly.graph_objects as go

    lang = normalise_lang(lang)
    spec = prepared.scenario.policy
    ev = prepared.evaluator
    cur = spec.currency
    scale, unit = money_unit(cur, lang)  # large amounts on axes and in the schedule table
    levers = {lv.id: lv for lv in ev.space.levers}
    keys = result["objectives"]
    figures = Figures(lang)
    title = t("policy.report_title", lang, scenario=Path(prepared.scenario.path or "scenario").stem)
    subtitle = t("policy.subtitle", lang, budget=format_objective("cost", spec.budget, cur, lang),
                 years=spec.horizon_years, currency=cur, algorithm=result["algorithm"],
                 evaluations=result["evaluations"], seconds=result["seconds"])

    # the plain-language recommendation first
    assumed = [_label(lv, lang) for lv in ev.space.levers if lv.participant_profile is None and not lv.evidence
               and result["recommended"]["portfolio"].get(lv.id) and max(result["recommended"]["portfolio"][lv.id]) > 0]
    advice = recommendation(result, {lid: _label(lv, lang) for lid, lv in levers.items()}, assumed, lang)

    # headline
    rec = result["recommended"]["objectives"]
    unc = (result.get("uncertainty") or {}).get("objectives", {})
    wages = getattr(prepared.built.inputs, "currency", None)  # income is in the pack's wage currency

    def interval(k: str) -> str:
        q = unc.get(k)
        return "-" if not q else f"{format_objective(k, q[0], cur, lang, wages)} – {format_objective(k, q[2], cur, lang, wages)}"

    headline = [[t("policy." + k, lang), format_objective(k, result["baseline"][k], cur, lang, wages),
                 format_objective(k, rec[k], cur, lang, wages), interval(k)]
                for k in [*keys, *[k for k in ("policy_effect", "ai_displacement", "insurance_coverage",
                                               "earnings_stability", "low_long_term_unemployment", "coverage")
                                   if k not in keys]]
                if k in rec and k in result["baseline"]]
    wide = economy_wide(prepared, p, result)
    wide_text = t("policy.economy_wide_text", lang, jobs=f"{wide['jobs']:,.0f}",
                  participants=f"{wide['participants']:,.0f}", per100=f"{wide['per100']:.1f}",
                  direct=f"{wide['direct_per100']:.1f}")

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
    pareto_figure = figures.html(fig)

    # schedule
    sched = pd.DataFrame(result["recommended"]["schedule"])
    fig = go.Figure()
    for lid, part in sched.groupby("lever", sort=False):
        fig.add_trace(go.Bar(x=part["year"], y=part["spending"] / scale, name=_label(levers[lid], lang)))
    fig.update_layout(barmode="stack", xaxis_title=t("policy.year", lang),
                      yaxis_title=f"{t('policy.spending', lang)} ({unit})")
    schedule_figure = figures.html(fig)
    table = sched.pivot_table(index="lever", columns="year", values="spending", aggfunc="sum") / scale
    schedule = [[_label(levers[lid], lang), *(f"{v:,.2f}" for v in row)] for lid, row in table.iterrows()]

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
    paths_figure = figures.html(fig)

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
    occupations_figure = figures.html(fig)

    # money
    totals = sched.groupby("lever", sort=False)["spending"].sum()
    money_figure = figures.html(go.Figure([go.Pie(labels=[_label(levers[k], lang) for k in totals.index],
                                                  values=totals.values / scale, hole=0.4)]))

    vintage = _vintage(result["meta"].get("data_vintage") or {}, lang)
    strings = {key: t(f"policy.{key}", lang) for key in STRINGS}
    return render_page(
        "policy.html.j2", title, lang, s=strings, subtitle=subtitle,
        network_note=network_note(result.get("network_fallback"), lang), advice=advice,
        cost_note=cost_note(prepared.costs, lang),
        headline=headline, economy_wide=wide_text, pareto_figure=pareto_figure,
        schedule_figure=schedule_figure, schedule=schedule, years=[str(y) for y in table.columns],
        paths_figure=paths_figure, occupations_figure=occupations_figure, money_figure=money_figure,
        assumptions=_assumptions(prepared, lang), methods=methods(result, lang),
        data_vintage=t("policy.data_vintage", lang, vintage=vintage),
        generated_by=t("common.generated_by", lang, version=__version__))


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
