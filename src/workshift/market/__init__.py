"""Stage 2: the labour-market engine (docs/engine.md).

The occupational-mobility-network model of del Rio-Chanona et al. (2021), batched over scenarios, in
expectation (mean-field) and as agents, with extensions (flexible work, training, exit, income, insurance)
and policy hooks. Entry points: :func:`workshift.market.run.simulate`,
:func:`workshift.market.run.simulate_batch`, :func:`workshift.market.scenario.load`.
"""
