"""Store an evaluation run (kind ``evaluate``): method, data file and sha256, options, the assumptions the method
rests on, the estimate, and what was evaluated (programme type, population, outcome kind, horizon)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workshift.evidence.evaluated import Subject
from workshift.jsontext import finite
from workshift.store import Store

ASSUMPTIONS = {
    "did": [
        "parallel trends between each cohort and its control group, unconditionally (no covariates)",
        "no anticipation (0 periods)",
        "staggered adoption: once treated, a unit stays treated",
    ],
    "synth": [
        "the treated unit's untreated path is a fixed weighted combination of the controls' paths "
        "(plus a constant and lambda-weighted pre-period level for SDID/DID)",
        "no spillovers to the control units; no other shock specific to the treated unit",
    ],
    "programme": [
        "unconfoundedness: given the covariate terms, taking part is unrelated to the untreated outcome",
        "overlap: every participant has comparable non-participants (propensity below 1)",
        "no spillovers from participants to the comparison group (SUTVA)",
    ],
}


def save_evaluation(command: str, result: Any, options: dict[str, Any], evaluated: Subject | None = None,
                    home: str | Path | None = None) -> str:
    """Save a run (kind ``evaluate``) with what it evaluated (``evaluated``: a Subject) and its tables."""
    prov = result.provenance
    meta = {
        "command": command,
        "method": result.to_dict()["method"],
        "data_file": prov.get("data_file"),
        "data_sha256": prov.get("data_sha256"),
        "data": prov,
        "outcome": result.outcome,
        "outcome_unit": result.outcome_unit,
        "options": options,
        "assumptions": ASSUMPTIONS.get(command, ASSUMPTIONS["did"]),
        "att": {"estimate": result.att, "se": result.se, "ci_low": result.ci_low, "ci_high": result.ci_high},
        "evaluated": (evaluated or Subject()).to_dict(),
    }
    return Store(home).save_run("evaluate", finite(meta), result.tables())
