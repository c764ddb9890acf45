"""Stage 3b: multi-objective portfolio search with pymoo over the batched engine (see ``docs/optimize.md``)."""
