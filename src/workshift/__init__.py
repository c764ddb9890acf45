"""Workshift: employment policy in the age of AI.

Data flows one way through the sub-packages:
``data`` (sources -> region pack) -> ``market`` (engine) -> ``policy`` (levers, portfolios, objectives)
-> ``optimize`` (portfolio search) -> ``evidence`` (monitoring, evaluation, feedback);
``services`` serves individuals (transitions, training, matching) from the region pack.
"""

__version__ = "0.1.0"
