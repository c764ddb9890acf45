"""Stage 3a: policy levers (the catalogue as data), portfolios and plans, objectives.

Public API: :func:`workshift.policy.catalogue.load_catalogue`, :func:`record_lever_update`,
:func:`training_cost_per_participant`; :class:`workshift.policy.portfolio.PortfolioSpace` and
:class:`CostModel`; :mod:`workshift.policy.objectives`; the ``[policy]`` section in
:mod:`workshift.policy.spec`. See ``docs/policy.md``.
"""

from workshift.policy.catalogue import load_catalogue, record_lever_update, training_cost_per_participant

__all__ = ["load_catalogue", "record_lever_update", "training_cost_per_participant"]
