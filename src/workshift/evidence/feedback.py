"""Feedback: an evaluation result updates a programme lever's effect on participants' employment probability.

The lever parameter (``effect_lt1y``, ``effect_1to2y`` or ``effect_gt2y``, percentage points) is the effect
theta of *this* programme on its participants. Before any local evidence its prior is the random-effects
predictive distribution of the meta-analysis the lever cites:

    theta ~ N(mu_hat, SE(mu_hat)^2 + tau^2)

(pooled mean, its standard error, between-study variance). An evaluation gives y ~ N(theta, s^2) after its
outcome is converted to percentage points (:func:`to_percentage_points`). The normal-normal update is

    1 / v1 = 1 / v0 + 1 / s^2,    m1 = v1 (m0 / v0 + y / s^2),    B = v1 / v0 = s^2 / (s^2 + v0),

B the shrinkage weight (the share of the way from y back to the prior mean: m1 = B m0 + (1 - B) y).
Updates chain (sequential Bayes): once a feedback is recorded, the next one starts from the recorded
posterior; the same run (or the same data file and outcome) is never fed twice. Records go through
:func:`workshift.policy.catalogue.record_lever_update`, so ``load_catalogue`` and the next ``optimize`` see
them. Docs: docs/feedback.md.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from workshift._version import __version__
from workshift.errors import DataError, InputError, NotFoundError, closest
from workshift.evidence.evaluated import EMPLOYMENT_KINDS, Subject, mismatches, parameter_for
from workshift.evidence.feedback_convert import (  # noqa: F401  (re-exported: the conversions' public names)
    EFFECT_UNIT,
    UNIT_ALIASES,
    Conversion,
    _positive,
    check_outcome_range,
    resolve_kind,
    to_percentage_points,
)
from workshift.i18n import t
from workshift.policy import catalogue
from workshift.policy.catalogue import (
    UPDATES_TABLE,
    get_lever,
    load_catalogue,
    packaged_levers,
    record_lever_update,
)
from workshift.store import Store

PARAMETERS = ("effect_lt1y", "effect_1to2y", "effect_gt2y")
DEFAULT_PARAMETER = "effect_lt1y"
OUTCOME_KINDS = EMPLOYMENT_KINDS
DOMINANT_SHARE = 0.8  # warn when one study takes more than this share of the weight
SOURCE = "workshift evaluate feedback"


@dataclass(frozen=True)
class Prior:
    mean: float  # pp, as sd
    sd: float
    kind: str  # "meta_analysis" | "previous_update"
    source: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    """One evaluation result in its own outcome units, with where it came from."""

    estimate: float
    se: float
    outcome: str
    outcome_unit: str
    method: str
    evidence_id: str  # the run id, or a content hash for a result not stored as a run
    source: str
    run_id: str | None = None
    data_sha256: str | None = None
    data_file: str | None = None
    date: str | None = None
    evaluated: dict[str, Any] | None = None  # what the run evaluated (workshift.evidence.evaluated.Subject)


@dataclass
class Update:
    lever: str
    parameter: str
    prior: Prior
    evidence: Evidence
    conversion: Conversion
    posterior_mean: float
    posterior_sd: float
    shrinkage_weight: float
    notes: list[str] = field(default_factory=list)
    recorded: dict[str, Any] | None = None
    mismatches: list[str] = field(default_factory=list)
    accepted_mismatch: str | None = None
    notes_zh: list[str] = field(default_factory=list)  # the notes for Chinese readers (same order)

    def to_dict(self) -> dict[str, Any]:
        c = self.conversion
        return {
            "lever": self.lever, "parameter": self.parameter, "unit": EFFECT_UNIT,
            "prior": asdict(self.prior),
            "likelihood": {"mean": c.estimate_pp, "sd": c.se_pp, "outcome_kind": c.kind, "conversion": c.formula,
                           "baseline_rate": c.baseline_rate, "participant_share": c.participant_share,
                           "estimate_raw": self.evidence.estimate, "se_raw": self.evidence.se},
            "posterior": {"mean": self.posterior_mean, "sd": self.posterior_sd},
            "shrinkage_weight": self.shrinkage_weight, "data_weight": 1.0 - self.shrinkage_weight,
            "weights": {"prior": self.shrinkage_weight, "evidence": 1.0 - self.shrinkage_weight},
            "evidence": asdict(self.evidence), "notes": self.notes, "recorded": self.recorded,
            "mismatches": self.mismatches, "accepted_mismatch": self.accepted_mismatch,
        }


def conjugate_update(prior_mean: float, prior_sd: float, estimate: float, se: float) -> tuple[float, float, float]:
    """Normal-normal posterior (mean, sd) and shrinkage weight B = s^2 / (s^2 + prior variance)."""
    v0, s2 = _positive(prior_sd, "prior sd") ** 2, _positive(se, "standard error") ** 2
    if not (math.isfinite(prior_mean) and math.isfinite(estimate)):
        raise InputError("prior mean and estimate must be finite")
    v1 = 1.0 / (1.0 / v0 + 1.0 / s2)
    return v1 * (prior_mean / v0 + estimate / s2), math.sqrt(v1), v1 / v0


def random_effects(estimates, ses) -> dict[str, float]:
    """DerSimonian-Laird random-effects meta-analysis: pooled mean, its SE, tau^2 and the predictive sd."""
    y, v = np.asarray(estimates, dtype=float), np.asarray(ses, dtype=float) ** 2
    if y.ndim != 1 or y.shape != v.shape or len(y) < 2 or not (np.isfinite(y).all() and (v > 0).all()):
        raise InputError("random_effects needs two or more finite estimates with positive standard errors")
    w = 1.0 / v
    q = float(np.sum(w * (y - np.sum(w * y) / w.sum()) ** 2))
    tau2 = max(0.0, (q - (len(y) - 1)) / (w.sum() - np.sum(w**2) / w.sum()))
    w_re = 1.0 / (v + tau2)
    mean, se = float(np.sum(w_re * y) / w_re.sum()), float(math.sqrt(1.0 / w_re.sum()))
    return {"mean": mean, "se": se, "tau2": tau2, "q": q, "k": len(y), "predictive_sd": math.sqrt(se**2 + tau2)}


def _check_parameter(lever: Any, parameter: str) -> None:
    if lever.participant_profile is None:
        raise InputError(f"lever '{lever.id}' has no effect on participants' employment probability to update",
                         hint="feedback applies to programme levers with effect_lt1y/effect_1to2y/effect_gt2y")
    if parameter not in PARAMETERS:
        found = closest(parameter, PARAMETERS)
        raise NotFoundError(f"'{parameter}' is not a participant employment effect",
                            hint=f"did you mean '{found}'?" if found else f"use one of {', '.join(PARAMETERS)}")
    if not lever.effects[parameter].unit.startswith(EFFECT_UNIT):
        raise DataError(f"{lever.id}.{parameter} is in '{lever.effects[parameter].unit}', not {EFFECT_UNIT}")


def meta_prior(lever_id: str, parameter: str = DEFAULT_PARAMETER) -> Prior:
    """The packaged meta-analytic prior N(mu_hat, SE^2 + tau^2) of one lever parameter (no recorded updates).

    mu_hat is the lever file's ``value``; SE its ``pooled_se`` key, else its ``sd``; tau its ``tau`` key, else
    no default (the lever file is the one home of its evidence).
    """

    lever = get_lever(lever_id, packaged_levers())
    _check_parameter(lever, parameter)
    effect = lever.effects[parameter]
    # read through the module: LEVER_DIR is looked up at call time (a test points it at a modified copy)
    with open(catalogue.LEVER_DIR / f"{lever_id}.toml", "rb") as handle:
        raw = tomllib.load(handle)["effects"][parameter]
    se = raw.get("pooled_se", effect.sd)
    if "tau" in raw:
        tau, tau_source = float(raw["tau"]), str(raw.get("tau_source", effect.source))
    else:
        raise InputError(f"lever '{lever_id}' carries no between-study variance for {parameter}",
                         hint=f"add `tau` (between-study sd, pp) and `pooled_se` to [effects.{parameter}] "
                              f"in levers/{lever_id}.toml")
    if se is None or not (float(se) >= 0 and tau >= 0 and float(se) + tau > 0):
        raise DataError(f"{lever_id}.{parameter}: pooled SE and tau must be >= 0 and not both 0")
    se = float(se)
    return Prior(effect.value, math.sqrt(se**2 + tau**2), "meta_analysis", effect.source,
                 {"pooled_mean": effect.value, "pooled_se": se, "tau": tau, "tau2": tau**2,
                  "tau_source": tau_source})


def current_prior(lever_id: str, parameter: str = DEFAULT_PARAMETER, home: str | Path | None = None) -> Prior:
    """The prior of the next update: the latest recorded value of the parameter, else :func:`meta_prior`."""

    lever = get_lever(lever_id, load_catalogue(home))
    _check_parameter(lever, parameter)
    effect = lever.effects[parameter]
    if effect.provenance is None:
        return meta_prior(lever_id, parameter)
    if effect.sd is None or not effect.sd > 0:
        raise DataError(f"the recorded value of {lever_id}.{parameter} has no positive sd to update from",
                        hint="record it again with its standard deviation")
    prov = effect.provenance
    return Prior(effect.value, effect.sd, "previous_update",
                 f"recorded update of {prov.get('created', '?')} ({prov.get('source', 'unknown source')})",
                 {"evidence_id": prov.get("evidence_id", prov.get("run_id")), "created": prov.get("created")})


def evidence_from_run(run_id: str, home: str | Path | None = None) -> Evidence:
    """The headline ATT (estimate, se) of a stored ``evaluate`` run, with its provenance."""

    store = Store(home)
    runs = {r.run_id: r for r in store.runs()}
    if run_id not in runs:
        found = closest(run_id, [r for r, v in runs.items() if v.kind == "evaluate"])
        raise NotFoundError(f"no run '{run_id}' in {store.path}",
                            hint=f"did you mean '{found}'?" if found else "list runs of kind 'evaluate'")
    run = runs[run_id]
    if run.kind != "evaluate":
        raise InputError(f"run '{run_id}' is a '{run.kind}' run, not an evaluation",
                         hint="feed back runs of `workshift evaluate did|synth|event-study`")
    att, meta = run.meta.get("att") or {}, run.meta
    if att.get("estimate") is None:
        raise DataError(f"run '{run_id}' carries no ATT estimate")
    if att.get("se") is None or not att["se"] > 0:
        raise InputError(f"run '{run_id}' has no positive standard error: it cannot be weighed against the prior",
                         hint="re-run the evaluation with inference (bootstrap or placebo draws)")
    return Evidence(float(att["estimate"]), float(att["se"]), str(meta.get("outcome", "")),
                    str(meta.get("outcome_unit") or ""), str(meta.get("method", meta.get("command", ""))),
                    run_id, f"evaluate run {run_id}", run_id, meta.get("data_sha256"), meta.get("data_file"),
                    run.created, meta.get("evaluated") or {})


def evidence_from_result(result: Any, run_id: str | None = None, evaluated: Subject | None = None) -> Evidence:
    """Evidence from a did/synth/programme result object (``att``, ``se``, ``outcome``, ``provenance``,
    ``to_dict()``) and what it evaluated."""
    summary = result.to_dict()
    method = str(summary["method"])
    ident = run_id or "result:" + hashlib.sha256(json.dumps(
        {"method": method, "outcome": result.outcome, "att": summary["att"], "provenance": result.provenance},
        sort_keys=True, default=str).encode()).hexdigest()[:16]
    prov = result.provenance or {}
    if not (result.se is not None and result.se > 0):
        raise InputError("the result has no positive standard error: it cannot be weighed against the prior")
    return Evidence(float(result.att), float(result.se), result.outcome, result.outcome_unit or "", method,
                    ident, f"{method} result" + (f" (run {run_id})" if run_id else ""), run_id,
                    prov.get("data_sha256"), prov.get("data_file"), datetime.now(UTC).date().isoformat(),
                    (evaluated or Subject()).to_dict())


def _note_zh(note: str) -> str:
    """A note of :func:`check_outcome_range` for Chinese readers."""
    if note.startswith("outcome range not checked: the evaluated data file"):
        return t("feedback.note_range_no_file", "zh")
    if note.startswith("outcome range not checked: column"):
        return t("feedback.note_range_no_column", "zh")
    return note


def manual_evidence(estimate: float, se: float, source: str = "typed in by hand", outcome_unit: str = "") -> Evidence:
    """A result typed in by hand; identified by its content so the same entry is not fed twice."""
    _positive(se, "standard error")
    if not math.isfinite(estimate):
        raise InputError(f"estimate must be finite, got {estimate}")
    ident = "manual:" + hashlib.sha256(f"{estimate!r}|{se!r}|{source}".encode()).hexdigest()[:16]
    return Evidence(float(estimate), float(se), "", outcome_unit, "manual", ident, source,
                    date=datetime.now(UTC).date().isoformat())


def feedback_history(lever_id: str, home: str | Path | None = None) -> list[dict[str, Any]]:
    """Every recorded feedback of one lever (oldest first), from the ``lever_updates`` table."""

    store = Store(home)
    if not store.path.exists():
        return []
    con = store.connect(read_only=True)  # waits while another command writes the store
    try:
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                           [UPDATES_TABLE]).fetchone()[0]:
            return []
        rows = con.execute(f"SELECT parameter, value, sd, provenance, created FROM {UPDATES_TABLE} "
                           "WHERE lever = ? ORDER BY created, seq", [lever_id]).fetchall()
    finally:
        con.close()
    records = [({"parameter": r[0], "value": r[1], "sd": r[2], "created": r[4]}, json.loads(r[3] or "{}"))
               for r in rows]
    return [{**row, **prov} for row, prov in records if prov.get("source") == SOURCE]


def _refuse_double_counting(lever_id: str, parameter: str, evidence: Evidence, home: str | Path | None) -> None:
    for past in feedback_history(lever_id, home):
        same_data = (evidence.data_sha256 and past.get("data_sha256") == evidence.data_sha256
                     and past.get("outcome") == evidence.outcome and past["parameter"] == parameter)
        if past.get("evidence_id") == evidence.evidence_id or same_data:
            what = (f"{evidence.source} ({evidence.evidence_id})" if past.get("evidence_id") == evidence.evidence_id
                    else f"the same data (sha256 {evidence.data_sha256}) and outcome, via {past['evidence_id']},")
            raise InputError(f"{what} was already fed back into {lever_id}.{past['parameter']} on "
                             f"{past['created']}: counting it twice would overstate the evidence",
                             hint="feed back an independent evaluation (new data) instead")


def _fit_to_lever(lever_id: str, parameter: str, evidence: Evidence, outcome_kind: str | None,
                  accept_mismatch: str | None, home: str | Path | None) -> list[str]:
    """Refuse evidence whose recorded subject does not fit the lever (unless accepted with a reason)."""

    if evidence.evaluated is None:  # typed in by hand for this lever: the user vouches for it
        return []
    problems = mismatches(get_lever(lever_id, load_catalogue(home)), parameter,
                          Subject.from_dict(evidence.evaluated), outcome_kind)
    if problems and not (accept_mismatch and accept_mismatch.strip()):
        raise InputError(f"{evidence.source} does not fit lever '{lever_id}' ({parameter}): " + "; ".join(problems),
                         hint='use evidence on the lever\'s programme, or pass accept_mismatch="REASON" '
                              "(the reason is stored with the update)", mentions=("accept_mismatch", "programme_type"))
    return problems


def feedback(lever_id: str, evidence: Evidence, *, parameter: str | None = None,
             outcome_kind: str | None = None, baseline_rate: float | None = None, participant_share: float = 1.0,
             record: bool = True, home: str | Path | None = None, accept_mismatch: str | None = None) -> Update:
    """Update one lever parameter with one evaluation result; record it unless ``record`` is False.

    ``parameter`` defaults to the window of the run's recorded horizon, else ``effect_lt1y``. Evidence whose
    recorded programme type, outcome kind or horizon does not fit the lever is refused unless
    ``accept_mismatch`` gives the reason (stored). Every check runs before the single write, so a refused
    result leaves the store unchanged.
    """

    evaluated = Subject.from_dict(evidence.evaluated)
    parameter = parameter or parameter_for(evaluated.horizon_months) or DEFAULT_PARAMETER
    prior = current_prior(lever_id, parameter, home)
    asked_kind = outcome_kind
    if outcome_kind is None and evaluated.outcome_kind in EMPLOYMENT_KINDS:
        outcome_kind = evaluated.outcome_kind
    kind = resolve_kind(evidence, outcome_kind)
    conversion = to_percentage_points(evidence, kind, baseline_rate, participant_share)
    notes = [n for n in [check_outcome_range(evidence, kind)] if n]
    notes_zh = [_note_zh(n) for n in notes]
    problems = _fit_to_lever(lever_id, parameter, evidence, asked_kind, accept_mismatch, home)
    _refuse_double_counting(lever_id, parameter, evidence, home)
    mean, sd, shrink = conjugate_update(prior.mean, prior.sd, conversion.estimate_pp, conversion.se_pp)
    if problems:
        notes.append(f"accepted despite: {'; '.join(problems)} (reason: {accept_mismatch.strip()})")
        notes_zh.append(t("feedback.note_accepted", "zh", problems="；".join(problems), reason=accept_mismatch.strip()))
    if 1 - shrink > DOMINANT_SHARE:
        notes.append(f"warning: this one study takes {1 - shrink:.0%} of the weight (over "
                     f"{DOMINANT_SHARE:.0%}): the posterior is essentially this study; check that its population "
                     "and programme are the lever's")
        notes_zh.append(t("feedback.note_dominant", "zh", share=f"{1 - shrink:.0%}", limit=f"{DOMINANT_SHARE:.0%}"))
    update = Update(lever_id, parameter, prior, evidence, conversion, mean, sd, shrink, notes, None, problems,
                    accepted_mismatch=accept_mismatch.strip() if problems and accept_mismatch else None,
                    notes_zh=notes_zh)
    if not record:
        return update
    provenance = {
        "source": SOURCE, "evidence_id": evidence.evidence_id, "run_id": evidence.run_id,
        "data_sha256": evidence.data_sha256, "data_file": evidence.data_file, "method": evidence.method,
        "date": evidence.date, "outcome": evidence.outcome, "outcome_unit": evidence.outcome_unit,
        "evidence_source": evidence.source, "outcome_kind": kind, "conversion": asdict(conversion),
        "estimate": evidence.estimate, "se": evidence.se,
        "prior": asdict(prior), "posterior": {"mean": mean, "sd": sd}, "shrinkage_weight": shrink,
        "chained": prior.kind == "previous_update", "workshift": __version__,
        "evaluated": evidence.evaluated, "mismatches": problems, "accepted_mismatch": update.accepted_mismatch,
    }
    record_lever_update(lever_id, parameter, mean, sd, provenance, home=home)
    update.recorded = {"store": str(Store(home).path), "table": "lever_updates", "lever": lever_id,
                       "parameter": parameter}
    return update
