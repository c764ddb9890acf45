"""The lever audit: ``workshift policy audit SCENARIO``: each lever alone at three spend levels, against the
evidence it cites.

For every lever and level (:data:`LEVELS`, shares of the lever's maximum intensity, held over the horizon;
every other lever at its lower bound) the engine gives the spend (the cost objective: places planned, or
course starts made), the participants actually served, the job-years the lever adds under AI against no new
policy (``policy_effect``) and the cost per job-year. Beside them:

- ``evidence_job_years``: what the lever's cited effect on participants implies if nobody else lost a job:
  participants of year y (starting mid-year) gain the cited employment probabilities (pp) in the three years
  after the programme ends, counted inside the horizon (Card, Kluve & Weber 2018 windows); levers without a
  cited participant effect have none;
- ``displacement_share`` = 1 - job_years / evidence_job_years: the share of the direct effect that the
  engine's finite vacancies absorb (other job seekers displaced);
- ``evidence_cost_per_job_year`` = [low, high]: for a lever with a cited participant effect, the cost per
  participant (the lever's low and high) over the job-years per participant its effect supports (the three
  windows at their values plus and minus one sd); otherwise the lever file's ``[evidence]`` range; none
  where no evidence exists (an assumption, flagged).

- ``evidence_displacement_share`` = [low, high]: the displacement of other job seekers that evaluations of
  comparable programmes report (the lever file's ``[displacement]``), beside the engine's own.

``verdict``: ``inside`` the evidence range, ``above`` it (dearer than the evidence supports), ``below`` it
(cheaper than the evidence supports: a channel the evidence does not carry), ``no_jobs`` (it adds no
job-years), ``no_evidence``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from workshift.optimize.pipeline import PolicyScenario, prepare, run_meta
from workshift.policy.calibration import WINDOWS_MONTHS
from workshift.policy.catalogue import Lever

LEVELS = (0.25, 0.5, 1.0)


@dataclass
class LeverAudit:
    """One lever at one spend level (money in the pack's currency at target-year prices)."""

    id: str
    level: float  # share of the lever's maximum intensity
    intensity: float
    spend: float
    participants: float
    job_years: float
    cost_per_job_year: float | None
    evidence_job_years: float | None
    displacement_share: float | None
    evidence_cost_per_job_year: tuple[float | None, float | None]
    verdict: str
    reason: str
    # the displacement comparable evaluations report, [low, high] shares of the participants' gain ([None,
    # None] where the lever file cites none)
    evidence_displacement_share: tuple[float | None, float | None] = (None, None)


@dataclass
class Audit:
    levers: list[LeverAudit]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"levers": [asdict(r) | {"evidence_cost_per_job_year": list(r.evidence_cost_per_job_year),
                                        "evidence_displacement_share": list(r.evidence_displacement_share)}
                           for r in self.levers], "meta": self.meta}


def job_years_per_participant(profile: tuple[float, ...], start_year: float, duration_months: float,
                              horizon_years: float) -> float:
    """Job-years a participant starting at ``start_year`` gains from the cited effects (pp per window),
    counted inside the horizon."""
    end = start_year + duration_months / 12.0
    total = 0.0
    for pp, (lo, hi) in zip(profile, WINDOWS_MONTHS, strict=True):
        a, b = end + lo / 12.0, end + hi / 12.0
        total += pp / 100.0 * max(0.0, min(b, horizon_years) - a)
    return total


def evidence_range(lever: Lever, unit_cost: float) -> tuple[float | None, float | None]:
    """Cost per job-year [low, high] the lever's evidence supports (see the module docstring)."""
    scale = unit_cost / lever.cost.value
    low_cost = (lever.cost.low if lever.cost.low is not None else lever.cost.value) * scale
    high_cost = (lever.cost.high if lever.cost.high is not None else lever.cost.value) * scale
    if lever.participant_profile is not None:
        names = ("effect_lt1y", "effect_1to2y", "effect_gt2y")
        sd = [lever.effects[n].sd or 0.0 for n in names]
        best = sum(p + s for p, s in zip(lever.participant_profile, sd, strict=True)) / 100.0
        worst = sum(p - s for p, s in zip(lever.participant_profile, sd, strict=True)) / 100.0
        return (low_cost / best if best > 0 else None, high_cost / worst if worst > 0 else None)
    if lever.evidence:
        lo, hi = lever.evidence["cost_per_job_year"]
        return lo * scale, hi * scale
    return None, None


def _absorbed(displaced: float | None, lever: Lever) -> str:
    """Why the engine's job-years fall short of the participants' evidence, against the displacement the
    lever's cited evaluations report."""
    if displaced is None:
        return "displacement or lock-in in the engine"
    text = (f"the engine absorbs {displaced:.0%} of the participants' gain (other job seekers displaced through "
            "finite vacancies; lock-in while in the programme; and job seekers placed no longer enter the "
            "engine's flexible work, which has no demand limit, docs/policy.md)")
    cited = lever.displacement
    if not cited:
        return text
    where = ("inside" if cited["low"] <= displaced <= cited["high"] else
             "above" if displaced > cited["high"] else "below")
    return (f"{text}; {where} the {cited['low']:.0%}-{cited['high']:.0%} its cited evaluations report "
            f"({cited['source']})")


def _verdict(cpj: float | None, span: tuple[float | None, float | None], lever: Lever,
             displaced: float | None = None) -> tuple[str, str]:
    low, high = span
    if cpj is None:
        return "no_jobs", "adds no job-years under AI against no new policy" + (
            f": {_absorbed(displaced, lever)}" if displaced is not None else "")
    if low is None and high is None:
        return "no_evidence", "no causal estimate of its employment effect: an assumption (see docs/policy.md)"
    if low is not None and cpj < low:
        return "below", "cheaper than its evidence supports: job-years from channels the evidence does not carry"
    if high is not None and cpj > high:
        return "above", f"dearer than its evidence supports: {_absorbed(displaced, lever)}"
    if displaced is not None and displaced < 0:
        return "inside", (f"inside the range of its evidence; its job-years are {-displaced:.0%} above what the "
                          "participants' cited effect gives inside the three evaluation windows (an effect that "
                          "lasts beyond them, or a channel the evaluations do not measure)")
    return "inside", "inside the range of its evidence"


def audit_levers(sc: PolicyScenario, inputs: Any = None, levels: tuple[float, ...] = LEVELS) -> Audit:
    """Run the audit for every lever the scenario can use (one evaluator, one batch)."""
    policy = replace(sc.policy, budget=float("inf"))
    prepared = prepare(replace(sc, policy=policy), sc.policy.objectives, inputs=inputs)
    ev = prepared.evaluator
    rows, xs = [], []
    for i, lever in enumerate(ev.levers):
        for level in levels:
            intensity = float(ev.space.lower[i] + level * (ev.space.upper[i] - ev.space.lower[i]))
            rows.append((i, lever, level, intensity))
            xs.append(ev.space.from_dict({lever.id: intensity}))
    x = np.vstack(xs)
    series = ev.simulate(x)["series"]
    values = ev.metrics(x, series)
    served = ev.participants(x, series)
    start_years = np.arange(ev.space.horizon_years) + 0.5
    out = []
    for r, (i, lever, level, intensity) in enumerate(rows):
        spend = float(values["cost"][r])
        jobs = float(values["policy_effect"][r])
        people = served[r, i]
        cpj = spend / jobs if jobs > 0 and spend > 0 else None
        evidence = None
        if lever.participant_profile is not None:
            months = lever.effect("duration") if "duration" in lever.effects else 0.0
            evidence = float(sum(people[y] * job_years_per_participant(
                lever.participant_profile, start_years[y], months, ev.space.horizon_years)
                for y in range(len(people))))
        span = evidence_range(lever, float(ev.costs.unit_cost[i]))
        displaced = (1.0 - jobs / evidence) if evidence else None
        verdict, reason = _verdict(cpj, span, lever, displaced)
        out.append(LeverAudit(
            id=lever.id, level=level, intensity=intensity, spend=spend, participants=float(people.sum()),
            job_years=jobs, cost_per_job_year=cpj, evidence_job_years=evidence,
            displacement_share=displaced, evidence_cost_per_job_year=span, verdict=verdict, reason=reason,
            evidence_displacement_share=((lever.displacement["low"], lever.displacement["high"])
                                         if lever.displacement else (None, None))))
    meta = run_meta(prepared) | {
        "scenario": sc.path, "currency": prepared.scenario.policy.currency, "levels": list(levels),
        "level_unit": "share of the lever's maximum intensity, held over the whole horizon",
        "job_years": "policy_effect: job-years under AI against no new policy, over the horizon",
        "evidence_job_years": "participants x cited effects (pp) over the three years after programme end, "
                              "inside the horizon; lock-in during the programme is not subtracted",
        "outside_evidence": sorted({r.id for r in out if r.verdict in ("above", "below")}),
    }
    return Audit(out, meta)
