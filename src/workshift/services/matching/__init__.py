"""Job matching at public-employment-service scale: explainable, congestion-aware, fair (``docs/matching.md``).

Modules: :mod:`.data` (seeker/vacancy schemas, validation), :mod:`.resolve` (occupation values -> pack
occupations), :mod:`.synth` (synthetic population from OEWS and O*NET), :mod:`.features` (pack tables,
embeddings), :mod:`.score` (the five factors, numba pair kernels), :mod:`.retrieve` (exact blocks + hnswlib
candidates), :mod:`.assign` (min-cost-flow assignment, top-N baseline), :mod:`.report` (metrics),
:mod:`.explain` / :mod:`.html` (caseworker tables and summary), :mod:`.pipeline` (one run end to end).
"""

from workshift.services.matching.pipeline import MatchResult, run_match, write_outputs
from workshift.services.matching.score import FACTORS, GOOD_MATCH, Weights

__all__ = ["FACTORS", "GOOD_MATCH", "MatchResult", "Weights", "run_match", "write_outputs"]
