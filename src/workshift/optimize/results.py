"""Store an optimisation: the run (kind ``optimize``) with its front, schedule and baseline tables, then the
recommended plan as a monitoring plan (kind ``plan``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from workshift.optimize.pipeline import Prepared
from workshift.optimize.plan import Paths, paths, save_plan
from workshift.store import Store


def member_table(members: list[dict[str, Any]]) -> pd.DataFrame:
    """Portfolios of a result as rows: ``member``, ``cost``, ``objective_<key>`` and ``<lever>__phase<k>``
    (the intensity of each lever in each phase)."""
    rows = []
    for k, member in enumerate(members):
        row = {"member": k, "cost": member["cost"], **{f"objective_{o}": v for o, v in member["objectives"].items()}}
        for lever, values in member["portfolio"].items():
            for phase, value in enumerate(values):
                row[f"{lever}__phase{phase}"] = value
        rows.append(row)
    return pd.DataFrame(rows)


def tables(summary: dict[str, Any]) -> dict[str, pd.DataFrame]:
    baseline = pd.DataFrame([{"metric": k, "value": v} for k, v in summary["baseline"].items()])
    return {"pareto": member_table(summary["pareto"]), "schedule": pd.DataFrame(summary["recommended"]["schedule"]),
            "baseline": baseline}


def save(prepared: Prepared, summary: dict[str, Any], home: str | Path | None = None,
         before_commit: Callable[[str, str, Paths], None] | None = None) -> tuple[str, str, Paths]:
    """Save the run and the monitoring plan; returns (run id, plan id, the recommended paths).

    ``before_commit(run_id, plan_id, paths)`` writes the run's files (reports) before anything is stored:
    if it fails, neither the run nor the plan is.
    """
    p = paths(prepared, prepared.evaluator.space.from_dict(summary["recommended"]["portfolio"]))
    meta = {k: v for k, v in summary.items() if k not in ("pareto",)}
    store = Store(home)
    run_id = store.new_run_id("optimize")
    if before_commit is not None:
        before_commit(run_id, run_id.replace("optimize-", "plan-", 1), p)
    store.save_run("optimize", meta, tables(summary), run_id=run_id)
    plan_id = save_plan(prepared, p, summary, run_id, home=str(home) if home else None)
    return run_id, plan_id, p
