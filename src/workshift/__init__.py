"""Workshift: employment policy in the age of AI.

Data flows one way through the sub-packages:
``data`` (sources -> region pack) -> ``market`` (engine) -> ``policy`` (levers, portfolios, objectives)
-> ``optimize`` (portfolio search) -> ``evidence`` (monitoring, evaluation, feedback) and ``services``
(transitions, training, matching) -> ``api`` (the library, re-exported here) -> ``cli``.

``import workshift as ws`` gives the library API of :mod:`workshift.api` (``ws.load_pack``, ``ws.simulate``,
``ws.optimise``...; see ``docs/python.md``). It is loaded on first use, so that ``workshift --help`` and the
modules that only need the version stay light.
"""

from __future__ import annotations

import importlib
from typing import Any

from workshift import _jitcache
from workshift._version import __version__

# Before any kernel is compiled: numba's cache keyed by the kernels' source (see _jitcache for why).
_jitcache.configure()

_API = ("Context", "Plan", "Reform", "Scenario", "Simulation", "TransitionTable", "evaluate", "evaluate_reform",
        "load_pack", "load_scenario", "optimise", "optimize", "simulate", "transition_model", "transitions")

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    """The API's names, imported from :mod:`workshift.api` on first use (PEP 562)."""
    if name in _API:
        return getattr(importlib.import_module("workshift.api"), name)
    raise AttributeError(f"module 'workshift' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
