"""The plain-language recommendation on top of the policy report (en, zh): what to fund, why, the risks and
the range of outcomes, every figure with its unit. Methods (hypervolume, convergence) go to the end.

Text only, from the result dict of :func:`workshift.optimize.pipeline.summarise` (with ``uncertainty`` from
:func:`workshift.optimize.uncertainty.ensemble` when it was run); the page's markup is the ``policy.html.j2``
template of :mod:`workshift.reports`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workshift.i18n import t
from workshift.i18n.numbers import money

SHARE_NAMED = 0.05  # levers with at least this share of the spend are named in the recommendation


@dataclass(frozen=True)
class Recommendation:
    """The recommendation section's sentences, in the reader's language.

    Attributes
    ----------
    intro : str or None
        'Fund, over N years, a total of X:' (None when nothing is worth funding).
    funding : list of str
        One line per lever with a real share of the spend.
    because : str
        Job-years bought, cost per job-year and workers displaced by AI, against no new policy.
    risks : list of str
        Unevidenced levers, the probability of beating no new policy, no jobs gained.
    range : str or None
        The range of outcomes over the uncertainty draws (None when they were not run).
    """

    intro: str | None
    funding: list[str] = field(default_factory=list)
    because: str = ""
    risks: list[str] = field(default_factory=list)
    range: str | None = None


def _bn(value: float, currency: str, lang: str = "en") -> str:
    return money(value, currency, lang)


def _range(values: tuple[float, float, float] | list[float] | None, scale: float = 1.0, digits: int = 0) -> str:
    if not values or any(v is None for v in (values[0], values[2])):
        return "-"
    return f"{values[0] * scale:,.{digits}f} – {values[2] * scale:,.{digits}f}"


def _money_range(values: tuple[float, float, float] | list[float] | None, currency: str, lang: str) -> str:
    """'1.25 – 3.66 million CNY' style: both ends through the reader's money format."""
    if not values or any(v is None for v in (values[0], values[2])):
        return "-"
    return f"{money(values[0], currency, lang)} – {money(values[2], currency, lang)}"


def funding_lines(result: dict[str, Any], labels: dict[str, str], lang: str) -> list[str]:
    """'Lever: X bn over the horizon (Y participants)' for the levers with a real share of the spend."""
    sched = pd.DataFrame(result["recommended"]["schedule"])
    if sched.empty:
        return []
    totals = sched.groupby("lever", sort=False)[["spending", "participants"]].sum()
    spend = float(totals["spending"].sum())
    out = []
    for lid, row in totals.sort_values("spending", ascending=False).iterrows():
        if spend > 0 and row["spending"] / spend >= SHARE_NAMED:
            out.append(t("policy.brief_fund", lang, lever=labels.get(lid, lid),
                         amount=_bn(row["spending"], result["currency"], lang), share=f"{100 * row['spending'] / spend:.0f}",
                         participants=f"{row['participants']:,.0f}"))
    return out


def recommendation(result: dict[str, Any], labels: dict[str, str], assumed: list[str], lang: str) -> Recommendation:
    """The recommendation section; ``assumed`` lists the labels of funded levers without causal evidence."""
    rec = result["recommended"]["objectives"]
    base = result["baseline"]
    cur = result["currency"]
    cost = result["recommended"]["cost"]
    unc = result.get("uncertainty") or {}
    lines = funding_lines(result, labels, lang)
    if not lines or cost <= 0:
        return Recommendation(intro=None)
    jobs = rec.get("policy_effect", 0.0)
    per_job = cost / jobs if jobs > 0 else None
    because = t("policy.brief_because", lang, jobs=f"{jobs:,.0f}",
                per_job="-" if per_job is None else money(per_job, cur, lang),
                ai=f"{rec.get('ai_displacement', 0.0):,.0f}", ai_base=f"{base.get('ai_displacement', 0.0):,.0f}")
    risks = []
    if assumed:
        risks.append(t("policy.brief_risk_assumed", lang, levers=", ".join(assumed)))
    if "p_beats_no_policy" in unc:
        risks.append(t("policy.brief_risk_probability", lang, p=f"{100 * unc['p_beats_no_policy']:.0f}",
                       draws=unc["draws"]))
    if jobs <= 0:
        risks.append(t("policy.brief_risk_no_jobs", lang))
    spread = None
    if unc:
        obj = unc["objectives"]
        spread = t("policy.brief_range", lang, draws=unc["draws"], jobs=_range(obj.get("policy_effect")),
                   epop=_range(obj.get("employment_to_population"), 100.0, 2),
                   per_job=_money_range(unc.get("cost_per_job_year"), cur, lang))
    intro = t("policy.brief_fund_intro", lang, years=result["horizon_years"], total=_bn(cost, cur, lang))
    return Recommendation(intro=intro, funding=lines, because=because, risks=risks, range=spread)


def methods(result: dict[str, Any], lang: str) -> list[str]:
    """The methods' paragraphs: the hypervolume and whether the search converged (stated rule)."""
    conv = result.get("convergence") or {}
    text = [t("policy.hypervolume", lang, value=f"{result['hypervolume']:.3f}")]
    if conv:
        key = "policy.converged_yes" if conv.get("converged") else "policy.converged_no"
        rule = conv.get("rule", "")
        if lang == "zh" and "tolerance" in conv:  # the stored rule is English; older results lack its parts
            rule = t("policy.convergence_rule", lang, tolerance=f"{conv['tolerance']:g}", window=conv["window"])
        text.append(t(key, lang, generations=conv.get("generations_run", 0), rule=rule))
    return text
