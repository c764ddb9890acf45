"""The public library API, re-exported at the package root (``import workshift as ws``)::

    pack = ws.load_pack("us")
    sc   = ws.load_scenario("scenarios/genai_policy.toml", budget=2e11)
    run  = ws.simulate(sc)                     # .series, .nodes, .summary, .meta
    plan = ws.optimise(sc, algorithm="nsga2", pop=100, generations=100, seed=1)
    res  = ws.evaluate_reform(sc, {"training": 0.1, "job_matching": 0.5})
    ws.transitions("data entry keyers", lang="zh")
    ws.evaluate.did(df, unit=..., time=..., cohort=..., outcome=...)

Every result is a dataclass (or DataFrame) with ``.meta``; the command line is a thin layer over these calls.
See ``docs/python.md``.
"""

from workshift.api import evaluate
from workshift.api.plan import Plan, Reform, evaluate_reform, optimise, optimize
from workshift.api.scenario import Scenario, load_pack, load_scenario
from workshift.api.simulate import Simulation, simulate
from workshift.api.transitions import TransitionTable, transition_model, transitions
from workshift.context import Context

__all__ = ["Context", "Plan", "Reform", "Scenario", "Simulation", "TransitionTable", "evaluate", "evaluate_reform",
           "load_pack", "load_scenario", "optimise", "optimize", "simulate", "transition_model", "transitions"]
