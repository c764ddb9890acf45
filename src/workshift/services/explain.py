"""Explanations a caseworker can read, in English or Chinese, for one ranked transition."""

from __future__ import annotations

from workshift.i18n import normalise_lang, t
from workshift.i18n.names import element_title
from workshift.i18n.numbers import money_full
from workshift.services.similarity import SkillGap
from workshift.services.transitions import Thresholds, Transition

EXPOSURE_SAME = 0.01  # index units treated as 'about the same' in the wording (not in the labels)
GAPS_SHOWN = 3
IMPORTANT = 3.0


def element_name(gap: SkillGap, lang: str) -> str:
    """The element's name in ``lang`` (O*NET's English name when the translation table has none)."""
    return element_title(gap.element_id, gap.skill, lang)


def main_gaps(gaps: list[SkillGap], count: int = GAPS_SHOWN) -> list[SkillGap]:
    """The largest gaps on elements the destination rates important (IM >= 3; all when O*NET gives none)."""
    return [g for g in gaps if not g.importance < IMPORTANT][:count]


def zone_text(value: float) -> str:
    """A job zone as O*NET writes it (an imputed or aggregate occupation's mean with one decimal)."""
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def gap_list(gaps: list[SkillGap], lang: str, count: int = GAPS_SHOWN) -> str:
    sep = "、" if normalise_lang(lang) == "zh" else ", "
    return sep.join(t("services.explain.gap_item", lang, skill=element_name(g, lang), gap=f"{g.gap:.1f}")
                    for g in main_gaps(gaps, count))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}"


def explain(origin: dict, item: Transition, thresholds: Thresholds, lang: str = "en", currency: str = "USD") -> str:
    """A few sentences: coverage, pay, exposure, preparation, gaps, growth, training and the verdict; wages in
    ``currency`` (the pack's), training costs in the plan's."""
    lang = normalise_lang(lang)
    sep = "" if lang == "zh" else " "
    cov = item.coverage
    parts = [t("services.explain.cover", lang, score=_pct(item.score), skills=_pct(cov.get("skills")),
               knowledge=_pct(cov.get("knowledge")), activities=_pct(cov.get("work_activities")))]
    if item.imputed_skills:
        parts.append(t("services.explain.imputed", lang))
    if item.wage_ratio is not None and item.wage is not None:
        parts.append(t("services.explain.pay", lang, ratio=f"{item.wage_ratio:.2f}",
                       wage=money_full(item.wage, currency, lang)))
    parts.append(_exposure_sentence(origin, item, thresholds.index, lang))
    if item.job_zone is not None and origin.get("job_zone") is not None:
        steps = item.job_zone - origin["job_zone"]
        if abs(steps) < 0.5:
            parts.append(t("services.explain.zone_same", lang, zone=zone_text(item.job_zone)))
        else:
            key = "zone_up" if steps > 0 else "zone_down"
            parts.append(t(f"services.explain.{key}", lang, steps=zone_text(abs(steps)),
                           origin=zone_text(origin["job_zone"]), dest=zone_text(item.job_zone)))
    if main_gaps(item.skill_gaps):
        parts.append(t("services.explain.gaps", lang, gaps=gap_list(item.skill_gaps, lang)))
    else:
        parts.append(t("services.explain.no_gaps", lang))
    if item.growth is not None:
        key = "growth_up" if item.growth >= 0 else "growth_down"
        parts.append(t(f"services.explain.{key}", lang, pct=f"{abs(100 * item.growth):.1f}"))
    plan = item.training
    if plan is not None and plan.courses:
        illustrative = t("services.explain.training_illustrative", lang) if plan.illustrative else ""
        parts.append(t("services.explain.training", lang, months=f"{plan.months:.1f}",
                       cost=money_full(plan.cost, plan.currency, lang),
                       illustrative=illustrative))
    parts.append(_verdict(item, thresholds, lang))
    return sep.join(parts)


def _exposure_sentence(origin: dict, item: Transition, index: str, lang: str) -> str:
    if item.exposure_change is None or origin.get("exposure") is None or item.exposure is None:
        return t("services.explain.exposure_unknown", lang, index=index)
    change = item.exposure_change
    fields = {"index": index, "change": f"{abs(change):.2f}", "origin": f"{origin['exposure']:.2f}",
              "dest": f"{item.exposure:.2f}"}
    if abs(change) < EXPOSURE_SAME:
        return t("services.explain.exposure_same", lang, **fields)
    return t("services.explain.exposure_lower" if change < 0 else "services.explain.exposure_higher", lang, **fields)


def _verdict(item: Transition, thresholds: Thresholds, lang: str) -> str:
    if not item.viable:
        why = []
        if item.score < thresholds.viable:
            why.append(t("services.explain.why_score", lang, threshold=f"{thresholds.viable:.2f}"))
        if item.job_zone_change is not None and abs(item.job_zone_change) > thresholds.job_zone_gap:
            why.append(t("services.explain.why_zone", lang, gap=thresholds.job_zone_gap))
        joiner = "；" if lang == "zh" else "; "
        return t("services.explain.verdict_not_viable", lang, why=joiner.join(why))
    if item.desirable and item.safe:
        return t("services.explain.verdict_safe", lang)
    but = ""
    if not item.desirable:
        but += t("services.explain.but_pay", lang, ratio=f"{thresholds.wage_ratio:g}")
    if not item.safe and not item.safe_exposure:
        but += t("services.explain.but_exposure", lang)
    if not item.safe and not item.not_declining:
        growth = "-" if item.growth is None else f"{100 * item.growth:.1f}"
        but += t("services.explain.but_declining", lang, growth=growth,
                 threshold=f"{100 * thresholds.safe_min_growth:.0f}")
    return t("services.explain.verdict_viable", lang, but=but)
