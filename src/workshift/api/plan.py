"""Optimise a policy portfolio and evaluate a hand-made reform: :func:`optimise` -> :class:`Plan`,
:func:`evaluate_reform` -> :class:`Reform`."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pymoo.core.algorithm import Algorithm
from pymoo.core.termination import Termination

from workshift.api.scenario import Scenario, as_scenario
from workshift.context import Context
from workshift.errors import InputError
from workshift.files import write_text_atomic
from workshift.jsontext import dumps, finite
from workshift.optimize.pipeline import Prepared, prepare, search, summarise
from workshift.optimize.plan import Paths
from workshift.optimize.reform import ReformEvaluation
from workshift.optimize.reform import evaluate_reform as run_reform
from workshift.optimize.report import write_reports
from workshift.optimize.results import member_table, save
from workshift.optimize.uncertainty import attach_uncertainty
from workshift.outputs import mark_output_folder
from workshift.provenance import environment


@dataclass
class Plan:
    """An optimised portfolio search: the Pareto front, the recommended portfolio and how the search went.

    Attributes
    ----------
    front : pandas.DataFrame
        One row per Pareto member: ``member``, ``cost``, ``objective_<key>`` (natural units) and
        ``<lever>__phase<k>`` (intensity of each lever in each phase).
    recommended : pandas.DataFrame
        The recommended portfolio as one row of the same columns (with the extra metrics as objectives).
    schedule : pandas.DataFrame
        The recommended portfolio year by year (intensity, participants, spend per lever).
    history : pandas.DataFrame
        ``generation`` and ``hypervolume`` of everything evaluated so far (the convergence record).
    baseline : dict
        Objectives under no new policy.
    meta : dict
        Data vintage, region, engine settings, costs with sources, software versions.
    run_id, plan_id : str or None
        The stored run and monitoring plan (None when not saved).
    """

    front: pd.DataFrame
    recommended: pd.DataFrame
    schedule: pd.DataFrame
    history: pd.DataFrame
    baseline: dict[str, float]
    meta: dict[str, Any]
    run_id: str | None
    plan_id: str | None
    result: dict[str, Any] = field(repr=False)
    prepared: Prepared = field(repr=False)
    paths: Paths | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The whole result as JSON-ready values (baseline, pareto, recommended, hypervolume, convergence...)."""
        return finite(self.result)

    def to_json(self) -> str:
        """The result as JSON text, exactly what ``workshift optimize --json`` prints."""
        return dumps(self.result, indent=None)

    def write_reports(self, out: str | Path) -> dict[str, str]:
        """Write ``policy_report.en.html``, ``policy_report.zh.html`` and ``result.json`` into ``out``.

        Returns
        -------
        dict
            Language -> report path (also recorded in the result under ``reports``).
        """
        if self.paths is None:
            raise ValueError("the reports need the stored plan: optimise with save_plan=True")
        return _write_outputs(self.prepared, self.result, self.paths, out)


def _write_outputs(prepared: Prepared, result: dict[str, Any], paths: Paths, out: str | Path) -> dict[str, str]:
    """The HTML reports and ``result.json`` in ``out`` (marked as Workshift's output folder)."""
    result["reports"] = write_reports(prepared, result, paths, out)
    write_text_atomic(Path(out) / "result.json", dumps(result, indent=1))
    mark_output_folder(out)
    return result["reports"]


def optimise(scenario: Scenario | str | Path | dict[str, Any], algorithm: str | Algorithm = "nsga2",
             pop: int = 100, generations: int = 100, seed: int = 1, *, termination: Termination | None = None,
             objectives: str | list[str] | None = None, ensemble: int = 16, dask: bool | str = False,
             save_plan: bool = True, out: str | Path | None = None,
             progress: Callable[[str, int, int], None] | None = None, context: Context | None = None) -> Plan:
    """Search portfolios of policy levers for a scenario: Pareto front, hypervolume, recommended plan.

    Parameters
    ----------
    scenario : Scenario, str, Path or dict
        A scenario with a ``[policy]`` section (loaded, or a file or dict to load).
    algorithm : str or pymoo Algorithm
        ``nsga2`` (default), ``nsga3``, ``ga``, ``pso``, ``random``, or a pymoo algorithm object used as given.
    pop : int
        Portfolios per generation.
    generations : int
        Most generations (the search stops earlier once the hypervolume has converged).
    seed : int
        Random seed: same seed, same result.
    termination : pymoo Termination, optional
        An extra stopping rule; the search stops at whichever rule comes first.
    objectives : str or list of str, optional
        Objective keys (default: the scenario's, else employment_to_population, job_quality, income, cost).
    ensemble : int
        Seeded uncertainty draws of the recommended portfolio (0: none).
    dask : bool or str
        Evaluate populations on a local Dask cluster (True) or at a scheduler address (same result).
    save_plan : bool
        Store the run and the recommended monitoring plan (``run_id``, ``plan_id``), as the CLI does.
    out : str or Path, optional
        Folder for ``policy_report.en.html``, ``policy_report.zh.html`` and ``result.json``, written before the
        run is stored (if writing fails, nothing is stored); needs ``save_plan``.
    progress : callable, optional
        ``progress(stage, done, total)`` with stage ``prepare`` or ``optimise``.
    context : Context, optional
        Used when ``scenario`` is not loaded yet.

    Returns
    -------
    Plan
    """
    sc = as_scenario(scenario, context)
    tick = progress or (lambda stage, done, total: None)
    tick("prepare", 0, 1)
    prepared = prepare(sc.policy, objectives, inputs=sc.market_inputs())
    tick("prepare", 1, 1)
    found = search(prepared, algorithm, pop, generations, seed, dask=dask, termination=termination,
                   progress=lambda done, total: tick("optimise", min(done, total), total))
    result = attach_uncertainty(prepared, summarise(prepared, found), ensemble, seed=seed)
    result["meta"]["versions"] = environment()
    run_id = plan_id = paths = None

    def before_commit(run: str, plan: str, recommended: Paths) -> None:
        result["run_id"], result["plan_id"] = run, plan
        if out is not None:
            _write_outputs(prepared, result, recommended, out)

    if save_plan:
        run_id, plan_id, paths = save(prepared, result, home=sc.context.home, before_commit=before_commit)
    elif out is not None:
        raise InputError("the reports need the stored plan: optimise with save_plan=True", parameter="out")
    history = result["convergence"]["hypervolume_per_generation"]
    return Plan(front=member_table(result["pareto"]), recommended=member_table([result["recommended"]]),
                schedule=pd.DataFrame(result["recommended"]["schedule"]),
                history=pd.DataFrame({"generation": range(1, len(history) + 1), "hypervolume": history}),
                baseline=dict(result["baseline"]), meta=result["meta"], run_id=run_id, plan_id=plan_id,
                result=result, prepared=prepared, paths=paths)


optimize = optimise


@dataclass
class Reform:
    """A hand-made reform against no new policy (every lever at its dated default, cost 0).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per objective and metric: ``status_quo``, ``reform``, ``difference`` (natural units).
    schedule : pandas.DataFrame
        The reform year by year.
    portfolio : dict
        Lever -> intensity per phase.
    within_budget : bool
    meta : dict
    evaluation : workshift.optimize.reform.ReformEvaluation
        The engine-side result; ``to_dict()`` is what ``workshift policy evaluate --json`` prints.
    """

    table: pd.DataFrame
    schedule: pd.DataFrame
    portfolio: dict[str, list[float]]
    within_budget: bool
    meta: dict[str, Any]
    evaluation: ReformEvaluation = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result: status_quo, reform, difference, budget, schedule, meta."""
        return finite(self.evaluation.to_dict())


def evaluate_reform(scenario: Scenario | str | Path | dict[str, Any], reform: dict[str, Any] | None = None, *,
                    context: Context | None = None) -> Reform:
    """Evaluate a reform against no new policy on the scenario's engine, start and shock.

    Parameters
    ----------
    scenario : Scenario, str, Path or dict
        A scenario with a ``[policy]`` section.
    reform : dict, optional
        Lever -> intensity, or one intensity per phase (``{"training": 0.1, "job_matching": 0.5}``); default:
        the scenario's ``[policy.reform]`` table. Validated as that table (unknown levers say the closest).
    context : Context, optional
        Used when ``scenario`` is not loaded yet.

    Returns
    -------
    Reform
    """
    sc = as_scenario(scenario, context)
    if reform is not None:
        policy = {**copy.deepcopy(sc.raw.get("policy", {})), "reform": dict(reform)}
        sc = sc.replace(policy=policy)
    result = run_reform(sc.policy, inputs=sc.market_inputs())
    result.meta = {**result.meta, "versions": environment()}
    keys = list(result.reform)
    table = pd.DataFrame({"objective": keys, "status_quo": [result.status_quo[k] for k in keys],
                          "reform": [result.reform[k] for k in keys],
                          "difference": [result.difference[k] for k in keys]})
    return Reform(table, pd.DataFrame(result.schedule), result.portfolio, result.within_budget, result.meta, result)
