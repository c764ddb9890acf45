"""Causal evaluation from the library: ``ws.evaluate.did(df, unit=..., time=..., cohort=..., outcome=...)``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workshift.evidence.did import DidResult, estimate_did
from workshift.evidence.panel import panel_from_frame
from workshift.evidence.report_eval import did_report, event_study_figure
from workshift.jsontext import finite
from workshift.provenance import environment


@dataclass
class DidEvaluation:
    """A staggered difference-in-differences (Callaway & Sant'Anna 2021) evaluation.

    Attributes
    ----------
    att : float
        The simple aggregation of ATT(g,t) (R ``did::aggte(type="simple")``), in the outcome's units.
    group_time : pandas.DataFrame
        ATT(g,t) per cohort and period with standard errors and confidence intervals.
    meta : dict
        Estimator, control group, base period, inference, the data's provenance, warnings, software versions.
    result : workshift.evidence.did.DidResult
    """

    att: float
    group_time: pd.DataFrame
    meta: dict[str, Any]
    result: DidResult = field(repr=False)

    def summary(self) -> pd.DataFrame:
        """One row per aggregation (simple, group, dynamic, calendar): estimate, se, ci_low, ci_high."""
        rows = [{"aggregation": kind, **a.overall.to_dict()} for kind, a in self.result.aggregations.items()]
        return pd.DataFrame(rows)[["aggregation", "estimate", "se", "ci_low", "ci_high"]]

    def detail(self, kind: str = "dynamic") -> pd.DataFrame:
        """Per-key estimates of one aggregation (``dynamic``: by event time; ``group``; ``calendar``)."""
        return self.result.aggregations[kind].detail.copy()

    def plot(self, lang: str = "en"):
        """The event-study chart (a plotly Figure)."""
        return event_study_figure(self.result, lang)

    def report(self, path: str | Path, lang: str = "en") -> Path:
        """Write the HTML report (as ``workshift evaluate did --report``)."""
        return did_report(self.result, path, lang)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result, as ``workshift evaluate did --json`` prints (less the run id)."""
        return finite(self.result.to_dict())


def did(data: pd.DataFrame, *, unit: str, time: str, cohort: str, outcome: str, control: str = "never",
        base_period: str = "varying", bootstrap: int = 1000, seed: int = 1, multiplier: str = "mammen",
        alpha: float = 0.05, cband: bool = False, unbalanced: str = "keep", outcome_unit: str = "") -> DidEvaluation:
    """Staggered DiD on a long panel: ATT(g,t) and the simple, group, dynamic and calendar aggregations.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit and period.
    unit, time, cohort, outcome : str
        Columns: unit id, integer period, first treated period (0 or empty: never treated), outcome.
    control : str
        ``never`` (never-treated units) or ``notyet`` (not-yet-treated units) as the comparison.
    base_period : str
        ``varying`` or ``universal`` pre-period base.
    bootstrap : int
        Multiplier-bootstrap draws (0: analytic standard errors).
    seed : int
        Seed of the bootstrap.
    multiplier : str
        ``mammen`` or ``rademacher`` bootstrap weights.
    alpha : float
        One minus the confidence level.
    cband : bool
        Uniform (simultaneous) bands for the detail effects.
    unbalanced : str
        ``keep`` (R did's allow_unbalanced_panel) or ``drop`` units not observed in every period.
    outcome_unit : str
        Unit of the outcome, for labels (``"log employment"``).

    Returns
    -------
    DidEvaluation
        ``.summary()``, ``.plot()``, ``.meta``.
    """
    panel = panel_from_frame(data, unit=unit, time=time, outcome=outcome, cohort=cohort)
    result = estimate_did(panel, control=control, base_period=base_period, bootstrap=bootstrap, seed=seed,
                          multiplier=multiplier, alpha=alpha, cband=cband, unbalanced=unbalanced,
                          outcome_unit=outcome_unit)
    meta = {"method": "callaway_santanna", "outcome": result.outcome, "outcome_unit": result.outcome_unit,
            "control": result.control, "base_period": result.base_period, "inference": result.inference,
            "panel": result.panel_kind, "n_units": result.n_units, "n_obs": result.n_obs,
            "provenance": result.provenance, "warnings": result.warnings, "versions": environment()}
    return DidEvaluation(result.att, result.group_time.copy(), meta, result)
