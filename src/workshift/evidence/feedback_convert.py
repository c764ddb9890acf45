"""Feedback conversions: an evaluation's outcome read as a kind and converted to pp of employment probability.

Split from :mod:`workshift.evidence.feedback` (which re-exports these names); rules in docs/feedback.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workshift.errors import InputError, closest
from workshift.evidence.evaluated import EMPLOYMENT_KINDS as OUTCOME_KINDS
from workshift.files import sha256_file
from workshift.i18n import t
from workshift.tabular import read_table, to_numeric

if TYPE_CHECKING:
    from workshift.evidence.feedback import Evidence

EFFECT_UNIT = "percentage points of employment probability"
# Declared outcome units (evaluate --outcome-unit) read as a kind; anything else needs --outcome-kind.
UNIT_ALIASES = {
    **{k: k for k in OUTCOME_KINDS},
    "employment probability": "employment_probability", "probability of employment": "employment_probability",
    "employment_rate": "employment_rate_pct", "employment rate (%)": "employment_rate_pct",
    "employment rate, %": "employment_rate_pct", "log employment": "log_employment",
}
_KIND_LABELS = {"employment_probability": "an employment probability",
                "employment_rate_pct": "an employment rate in percent", "log_employment": "a log of employment"}


@dataclass(frozen=True)
class Conversion:
    kind: str
    estimate_pp: float
    se_pp: float
    formula: str
    baseline_rate: float | None = None
    participant_share: float = 1.0



def source_zh(source: str) -> str:
    """Where an evaluation comes from, for Chinese readers (``evaluate run ID`` -> ``评估运行 ID``)."""
    if source.startswith("evaluate run "):
        return t("feedback.source_run", "zh", run=source.removeprefix("evaluate run "))
    return t("feedback.source_manual", "zh") if source == "typed in by hand" else source

def _positive(value: float, what: str) -> float:
    if value is None or not math.isfinite(value) or value <= 0:
        raise InputError(f"{what} must be a positive finite number, got {value}")
    return float(value)


def resolve_kind(evidence: Evidence, kind: str | None) -> str:
    """The outcome kind: the one asked for, else the run's declared unit; refuse an undeclared outcome."""
    declared = UNIT_ALIASES.get(evidence.outcome_unit.strip().lower())
    if kind is not None and kind not in OUTCOME_KINDS:
        found = closest(kind, OUTCOME_KINDS)
        raise InputError(f"unknown outcome kind '{kind}'",
                         hint=f"did you mean '{found}'?" if found else f"use one of {', '.join(OUTCOME_KINDS)}")
    unit = evidence.outcome_unit.strip()
    # an explicit kind may name an undeclared unit, never overrule a declared one ("packs per capita")
    if kind is not None and unit and (declared or "employ" not in unit.lower()) and kind != declared:
        raise InputError(f"the evaluation declared its outcome unit as '{unit}', not {kind}",
                         hint="re-run the evaluation with `outcome_unit` naming the employment outcome's kind",
                         mentions=("outcome_unit",))
    if kind or declared:
        return kind or declared  # type: ignore[return-value]
    named = f"outcome '{evidence.outcome}'" if evidence.outcome else "the outcome"
    where = f" in '{unit}'" if unit else " (no unit declared)"
    named_zh = t("feedback.err_outcome_named", "zh", outcome=evidence.outcome) if evidence.outcome else \
        t("feedback.err_outcome", "zh")
    where_zh = t("feedback.err_unit", "zh", unit=unit) if unit else t("feedback.err_no_unit", "zh")
    raise InputError(
        f"{named}{where} of {evidence.source} is not an employment probability: the lever's effect is in "
        f"{EFFECT_UNIT}, so the result is refused",
        hint="if it is one, say which with outcome_kind='employment_probability' | 'employment_rate_pct' | "
             "'log_employment' (the last with baseline_rate=R, the participants' employment rate without the "
             "programme)", mentions=("outcome_kind", "baseline_rate"),
        zh=t("feedback.err_not_probability", "zh", named=named_zh, where=where_zh, source=source_zh(evidence.source)),
        hint_zh=t("feedback.err_not_probability_hint", "zh"))


def to_percentage_points(evidence: Evidence, kind: str, baseline_rate: float | None = None,
                         participant_share: float = 1.0) -> Conversion:
    """Convert the estimate and its se to pp of employment probability per participant (docs/feedback.md)."""
    share = _positive(participant_share, "participant share")
    if share > 1:
        raise InputError(f"participant share must be in (0, 1], got {share}")
    if kind != "log_employment" and baseline_rate is not None:
        raise InputError("a baseline rate converts only log-employment effects (outcome_kind='log_employment')",
                         parameter="baseline_rate", mentions=("outcome_kind",))
    b, s = evidence.estimate, evidence.se
    if kind == "employment_probability":
        est, se, formula = 100 * b, 100 * s, "pp = 100 x effect on the probability"
    elif kind == "employment_rate_pct":
        est, se, formula = b, s, "pp = effect on the rate in percent (probability = percent / 100)"
    elif kind == "log_employment":
        if baseline_rate is None:
            raise InputError("a log-employment effect needs the baseline employment rate to become pp",
                             hint="pass baseline_rate=R (participants' employment rate without the programme, "
                                  "0 < R < 1)", parameter="baseline_rate")
        rate = _positive(baseline_rate, "baseline rate")
        if rate >= 1:
            raise InputError(f"baseline rate must be a probability in (0, 1), got {rate} (62% is 0.62)")
        est, se = 100 * rate * math.expm1(b), 100 * rate * math.exp(b) * s
        formula = "pp = 100 R (exp(b) - 1), se = 100 R exp(b) se_b (population unchanged by the programme)"
    else:
        raise InputError(f"unknown outcome kind '{kind}'", hint=f"use one of {', '.join(OUTCOME_KINDS)}")
    if share < 1:
        formula += f"; divided by the participant share {share:g} (Bloom: no effect on non-participants)"
    est, se = est / share, se / share
    if abs(est) > 100:
        raise InputError(f"{est:.1f} pp is not a possible effect on an employment probability: is the outcome "
                         f"really {_KIND_LABELS[kind]}?",
                         zh=t("feedback.err_impossible", "zh", estimate=f"{est:.1f}",
                              kind=t(f"feedback.kind_{kind}", "zh")))
    return Conversion(kind, est, se, formula, baseline_rate, share)


def check_outcome_range(evidence: Evidence, kind: str) -> str | None:
    """Refuse a declared probability/percent outcome whose data leave [0, 1] / [0, 100]; None when checked."""

    if kind == "log_employment" or not evidence.outcome:
        return None
    path = Path(evidence.data_file) if evidence.data_file else None
    if path is None or not path.is_file() or (evidence.data_sha256 and sha256_file(path) != evidence.data_sha256):
        return "outcome range not checked: the evaluated data file is not available unchanged"
    frame = read_table(path)
    if evidence.outcome not in frame.columns:
        return f"outcome range not checked: column '{evidence.outcome}' not in {path.name}"
    values = to_numeric(frame[evidence.outcome]).dropna()
    top = 1.0 if kind == "employment_probability" else 100.0
    if len(values) and (values.min() < 0 or values.max() > top):
        raise InputError(f"outcome '{evidence.outcome}' of {evidence.source} runs from {values.min():g} to "
                         f"{values.max():g}: not {_KIND_LABELS[kind]} (expected 0 to {top:g})",
                         hint="check `outcome_kind`; a log or a count needs a documented conversion",
                         mentions=("outcome_kind",))
    if kind == "employment_rate_pct" and len(values) and values.max() <= 1:
        raise InputError(f"outcome '{evidence.outcome}' never exceeds 1: it looks like a probability, not a "
                         "percentage", hint="use outcome_kind='employment_probability'", mentions=("outcome_kind",))
    return None


