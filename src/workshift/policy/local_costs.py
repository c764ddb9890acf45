"""Lever costs and the budget in the pack's currency: the factor applied, where it comes from, what was given.

The catalogue's costs are US dollars at 2024 prices (:mod:`workshift.policy.currency`). A pack in another
currency carries a factor (pack currency per US dollar, ``meta.cost_conversion``; default the purchasing-power
parity of household consumption, :mod:`workshift.data.price_levels`). The factor used is, in this order:
``[policy] cost_factor`` (the user's number), the pack's factor on ``[policy] cost_basis`` (``"ppp"`` or
``"exchange_rate"``), the pack's default factor. Costs quoted as a share of earnings are not converted: the
earnings are the pack's own. A budget given in US dollars (``[policy] currency = "USD"``) on a non-USD pack is
converted by the same factor, and the plan records both amounts; a budget in a third currency is refused; a
``[policy]`` without ``currency`` gives the budget in the pack's currency.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from workshift.data.price_levels import basis_factor
from workshift.errors import InputError
from workshift.policy.spec import PolicySpec


def resolve(spec: PolicySpec, currency: str, conversion: dict[str, Any] | None, pack: str = "",
            file: str | None = None) -> tuple[PolicySpec, dict[str, Any]]:
    """The spec with its budget in the pack's ``currency``, and the record of the cost factor used."""
    where = f"{file}: " if file else ""
    currency = currency.upper()
    if spec.cost_factor is not None:
        factor = spec.cost_factor
        record = {"factor": factor, "basis": "user", "from": "USD", "to": currency,
                  "unit": f"{currency} per US dollar", "rule": "[policy] cost_factor (given by the user)",
                  "pack_factor": conversion}
    elif conversion is None:
        if currency != "USD":
            raise InputError(f"{where}pack '{pack}' is in {currency} and carries no factor for the lever costs "
                             "(US dollars)", hint=f"set [policy] cost_factor = <{currency} per US dollar>, "
                             "e.g. the purchasing-power parity of household consumption")
        factor = 1.0
        record = {"factor": 1.0, "basis": "none", "from": "USD", "to": "USD", "unit": "USD per US dollar",
                  "rule": "the pack's amounts are US dollars"}
    elif spec.cost_basis is not None:
        factor = basis_factor(conversion, spec.cost_basis)
        record = {**conversion, "factor": factor}
        if conversion.get("to") != "USD":  # a US-dollar pack keeps factor 1 on either basis
            record |= {"basis": spec.cost_basis, "unit": f"{currency} per US dollar ({spec.cost_basis})"}
    else:
        factor = float(conversion["factor"])
        record = dict(conversion)
    given = spec.currency.upper() if spec.currency_given else currency  # no currency key: the pack's
    budget = spec.budget
    if given != currency:
        if given != "USD":
            raise InputError(f"{where}[policy] currency '{spec.currency}' differs from the pack's '{currency}'",
                             hint=f"give the budget in {currency} (or in USD, converted by the cost factor)")
        budget = spec.budget * factor
        record["budget_given"] = {"value": spec.budget, "currency": "USD",
                                  "rule": "converted to the pack's currency by the cost factor"}
    record["budget"] = {"value": budget, "currency": currency}
    return replace(spec, budget=budget, currency=currency, currency_given=True), record
