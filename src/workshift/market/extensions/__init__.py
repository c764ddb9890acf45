"""Extensions beyond the paper, each switched on by name in ``market.extensions``.

``flexible`` (灵活就业), ``training`` and ``exit`` change the dynamics (their flows are part of
:func:`workshift.market.step.step`; these modules calibrate and set them up); ``income`` and ``insurance``
are accounting on top of the state (:func:`income.accountant`, :func:`insurance.accountant`).
"""
