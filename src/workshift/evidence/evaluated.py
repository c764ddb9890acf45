"""What an evaluation evaluated: programme type, population, outcome kind and horizon, and whether it fits a lever.

Every ``workshift evaluate`` run records a :class:`Subject` (``--programme-type``, ``--population``,
``--outcome-kind``, ``--horizon``). ``evaluate feedback`` compares it with the lever it would update
(:func:`mismatches`): a different programme type, an outcome kind that is not an employment outcome the
lever's parameter can take, a horizon outside the parameter's window, or a subject not recorded at all, is
refused unless the user accepts it with a stated reason (stored with the update).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from workshift.errors import InputError, closest
from workshift.policy.catalogue import packaged_levers

# Outcome kinds a lever's participant employment effect (pp) can be computed from (docs/feedback.md).
EMPLOYMENT_KINDS = ("employment_probability", "employment_rate_pct", "log_employment")
OUTCOME_KINDS = (*EMPLOYMENT_KINDS, "earnings", "other")
OTHER_PROGRAMME = "other"
# Lever effect windows by months after the programme ends: [low, high).
WINDOWS = {"effect_lt1y": (0.0, 12.0), "effect_1to2y": (12.0, 24.0), "effect_gt2y": (24.0, math.inf)}


def programme_types() -> list[str]:
    """The programme types of the lever catalogue, and ``other``."""
    return sorted({lever.programme_type for lever in packaged_levers().values()}) + [OTHER_PROGRAMME]


@dataclass(frozen=True)
class Subject:
    """What a run evaluated; None where the user did not say."""

    programme_type: str | None = None
    population: str | None = None
    outcome_kind: str | None = None
    horizon_months: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> Subject:
        raw = raw or {}
        return cls(raw.get("programme_type"), raw.get("population"), raw.get("outcome_kind"),
                   raw.get("horizon_months"))


def subject(programme_type: str | None = None, population: str | None = None, outcome_kind: str | None = None,
            horizon_months: float | None = None) -> Subject:
    """A checked :class:`Subject` from command-line values."""
    if programme_type is not None:
        types = programme_types()
        if programme_type not in types:
            found = closest(programme_type, types)
            raise InputError(f"unknown programme type '{programme_type}'",
                             hint=f"did you mean '{found}'?" if found else f"use one of {', '.join(types)}")
    if outcome_kind is not None and outcome_kind not in OUTCOME_KINDS:
        found = closest(outcome_kind, OUTCOME_KINDS)
        raise InputError(f"unknown outcome kind '{outcome_kind}'",
                         hint=f"did you mean '{found}'?" if found else f"use one of {', '.join(OUTCOME_KINDS)}")
    if horizon_months is not None and not (math.isfinite(horizon_months) and horizon_months >= 0):
        raise InputError(f"horizon_months = {horizon_months} must be months after the programme (>= 0)",
                         parameter="horizon_months")
    return Subject(programme_type, population.strip() if population else None, outcome_kind, horizon_months)


def parameter_for(horizon_months: float | None) -> str | None:
    """The lever effect window that holds a horizon (months after the programme), if any."""
    if horizon_months is None:
        return None
    return next(p for p, (lo, hi) in WINDOWS.items() if lo <= horizon_months < hi)


def mismatches(lever: Any, parameter: str, evaluated: Subject, outcome_kind: str | None) -> list[str]:
    """Why the evaluated subject does not fit ``lever.parameter``; empty when it fits."""
    out = []
    if evaluated.programme_type is None:
        out.append(f"the run does not record which programme it evaluated (lever '{lever.id}' is "
                   f"'{lever.programme_type}'; re-run with `programme_type`)")
    elif evaluated.programme_type != lever.programme_type:
        out.append(f"the run evaluated a '{evaluated.programme_type}' programme, lever '{lever.id}' is "
                   f"'{lever.programme_type}'")
    recorded = evaluated.outcome_kind
    if recorded is not None and recorded not in EMPLOYMENT_KINDS:
        out.append(f"the run's outcome is '{recorded}', not an employment outcome ({', '.join(EMPLOYMENT_KINDS)})")
    elif recorded is not None and outcome_kind is not None and outcome_kind != recorded:
        out.append(f"the run recorded its outcome as '{recorded}', not '{outcome_kind}'")
    window = parameter_for(evaluated.horizon_months)
    if window is not None and window != parameter:
        out.append(f"the run measured the outcome {evaluated.horizon_months:g} months after the programme, "
                   f"in the window of {window}, not {parameter}")
    return out
