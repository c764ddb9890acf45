"""The scenario's ``[policy]`` section: budget, currency, horizon, phases, discounting, levers in play.

```toml
[policy]
budget = 2.0e11          # total over the horizon, in ``currency`` (the pack's currency)
currency = "USD"
horizon_years = 10
phases = 10              # equal phases (10 over 10 years = one intensity per year), or a list of lengths
discount_rate = 0.03     # optional; default 0 = undiscounted
start_year = 2026        # optional; the calendar year of the first policy year
objectives = ["employment_rate", "job_quality", "income", "cost"]   # optional
cost_basis = "ppp"       # optional: how the catalogue's US-dollar costs enter a non-USD pack: "ppp" (default,
                         # the pack's purchasing-power parity) or "exchange_rate"
cost_factor = 4.4        # optional: pack currency per US dollar, overriding the pack's factor
[policy.levers.training]  # optional; no lever named = every catalogue lever with its default bounds
min = 0.0
max = 0.2
```
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workshift.data.price_levels import BASES as COST_BASES
from workshift.errors import InputError, closest
from workshift.market.scenario import POLICY_KEYS
from workshift.policy.catalogue import Lever
from workshift.validation import Number, Text, Whole, validate_section

LEVER_KEYS = ("min", "max")
# the type of each [policy] key, checked by workshift.validation (strict: finite numbers, whole numbers)
POLICY_SCHEMA: dict[str, Any] = {
    "budget": float, "currency": str, "horizon_years": int, "phases": Whole | list[Whole],
    "discount_rate": float, "start_year": int, "levers": dict[str, dict[str, Number]],
    "objectives": list[Text], "weights": list[Number], "cost_factor": float, "cost_basis": str,
}
POLICY_WORDS = {"phases": "a whole number or a list of whole numbers",
                "levers": "tables [policy.levers.NAME] with numbers min and max",
                "objectives": "a list of objective names", "weights": "a list of finite numbers"}
START_YEARS = (1950, 2200)


@dataclass(frozen=True)
class PolicySpec:
    budget: float
    currency: str = "USD"
    horizon_years: int = 10
    phases: int | tuple[int, ...] = 10
    discount_rate: float = 0.0
    start_year: int = 2026
    levers: dict[str, tuple[float, float]] = field(default_factory=dict)  # empty = all, default bounds
    objectives: tuple[str, ...] | None = None
    weights: tuple[float, ...] | None = None
    reform: dict[str, tuple[float, ...]] = field(default_factory=dict)  # lever -> intensity per phase (or one)
    cost_factor: float | None = None  # pack currency per US dollar for lever costs (None: the pack's factor)
    cost_basis: str | None = None  # 'ppp' / 'exchange_rate' (None: the pack's default, ppp)
    currency_given: bool = True  # False: [policy] has no currency key, so the budget is in the pack's currency

    @property
    def n_phases(self) -> int:
        return self.phases if isinstance(self.phases, int) else len(self.phases)

    def lever_ids(self, catalogue: dict[str, Lever]) -> list[str]:
        return list(self.levers) if self.levers else list(catalogue)

    def bounds(self, catalogue: dict[str, Lever]) -> dict[str, tuple[float, float]]:
        return {lid: self.levers.get(lid, catalogue[lid].bounds) for lid in self.lever_ids(catalogue)}


def _where(file: str | Path | None) -> str:
    return f"{file}: " if file else ""


def _unknown(key: str, known: tuple[str, ...] | list[str], what: str, file: str | Path | None) -> InputError:
    near = closest(key, list(known))
    return InputError(f"{_where(file)}unknown {what} '{key}'",
                      hint=(f"did you mean '{near}'? " if near else "") + f"known: {', '.join(known)}")


def _number(raw: dict, key: str, default: float | None, file: str | Path | None) -> float:
    if key not in raw:
        if default is None:
            raise InputError(f"{_where(file)}[policy] needs '{key}'")
        return default
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{_where(file)}[policy] {key} = {value!r} is not a finite number")
    return float(value)


def parse_policy(raw: dict[str, Any] | None, catalogue: dict[str, Lever],
                 file: str | Path | None = None, pack_currency: str | None = None) -> PolicySpec:
    """Validate a ``[policy]`` table; every error names the key and suggests the closest valid one.

    ``pack_currency``: when given, the budget's currency must be it; else (the pack is not known yet) the
    check is :func:`workshift.policy.local_costs.resolve`'s, once the pack is loaded (it also converts a
    US-dollar budget)."""
    if raw is None:
        raise InputError(f"{_where(file)}the scenario has no [policy] section",
                         hint="add [policy] with at least budget = <total over the horizon>")
    if not isinstance(raw, dict):
        raise InputError(f"{_where(file)}'policy' must be a table ([policy])")
    for key in raw:
        if key not in POLICY_KEYS:
            raise _unknown(key, POLICY_KEYS, "[policy] key", file)
    raw = {**raw, **validate_section(raw, POLICY_SCHEMA, "policy", file, POLICY_WORDS)}
    budget = _number(raw, "budget", None, file)
    if budget < 0:
        raise InputError(f"{_where(file)}[policy] budget = {budget:g} is negative")
    currency = str(raw.get("currency", pack_currency or "USD"))
    if pack_currency is not None and currency.upper() != pack_currency.upper():
        raise InputError(f"{_where(file)}[policy] currency '{currency}' differs from the pack's '{pack_currency}'",
                         hint="give the budget in the pack's currency")
    horizon = raw.get("horizon_years", 10)
    if not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 1:
        raise InputError(f"{_where(file)}[policy] horizon_years = {horizon!r} must be a whole number >= 1")
    phases = raw.get("phases", horizon)
    if isinstance(phases, list):
        phases = tuple(int(p) for p in phases)
        if any(p < 1 for p in phases) or sum(phases) != horizon:
            raise InputError(f"{_where(file)}[policy] phases {list(phases)} must be positive and sum to "
                             f"horizon_years = {horizon}")
    elif not isinstance(phases, int) or isinstance(phases, bool) or not 1 <= phases <= horizon:
        raise InputError(f"{_where(file)}[policy] phases = {phases!r} must be between 1 and {horizon}")
    rate = _number(raw, "discount_rate", 0.0, file)
    if not 0.0 <= rate < 1.0:
        raise InputError(f"{_where(file)}[policy] discount_rate = {rate:g} must be in [0, 1)")
    levers: dict[str, tuple[float, float]] = {}
    for lid, table in (raw.get("levers") or {}).items():
        if lid not in catalogue:
            raise _unknown(lid, list(catalogue), "lever", file)
        if not isinstance(table, dict):
            raise InputError(f"{_where(file)}[policy.levers.{lid}] must be a table with min and max")
        for key in table:
            if key not in LEVER_KEYS:
                raise _unknown(key, LEVER_KEYS, f"key of [policy.levers.{lid}]", file)
        low = _number(table, "min", catalogue[lid].bounds[0], file)
        high = _number(table, "max", catalogue[lid].bounds[1], file)
        if low < 0:
            raise InputError(f"{_where(file)}[policy.levers.{lid}] min = {low:g} is negative")
        if low > high:
            raise InputError(f"{_where(file)}[policy.levers.{lid}] bounds inverted: min {low:g} > max {high:g}")
        feasible = catalogue[lid].bounds
        if high > feasible[1]:
            raise InputError(f"{_where(file)}[policy.levers.{lid}] max = {high:g} exceeds the lever's range "
                             f"[{feasible[0]:g}, {feasible[1]:g}] ({catalogue[lid].unit})",
                             hint=f"the range is set in the lever file policy/levers/{lid}.toml")
        levers[lid] = (low, high)
    reform = _reform(raw.get("reform") or {}, catalogue, phases if isinstance(phases, int) else len(phases), file)
    objectives = raw.get("objectives")
    weights = raw.get("weights")
    if weights is not None and (objectives is None or len(weights) != len(objectives)):
        raise InputError(f"{_where(file)}[policy] weights need one value per listed objective")
    if weights is not None and (any(w < 0 for w in weights) or not sum(weights) > 0):
        raise InputError(f"{_where(file)}[policy] weights {list(weights)} must be >= 0 with a positive sum")
    cost_factor = raw.get("cost_factor")
    if cost_factor is not None and not cost_factor > 0:
        raise InputError(f"{_where(file)}[policy] cost_factor = {cost_factor:g} must be positive",
                         hint="the pack's currency per US dollar, e.g. 4.4 for CNY at purchasing-power parity")
    cost_basis = raw.get("cost_basis")
    if cost_basis is not None and cost_basis not in COST_BASES:
        raise _unknown(cost_basis, list(COST_BASES), "[policy] cost_basis", file)
    start_year = raw.get("start_year", 2026)
    if not START_YEARS[0] <= start_year <= START_YEARS[1]:
        raise InputError(f"{_where(file)}[policy] start_year = {start_year} must be a calendar year in "
                         f"[{START_YEARS[0]}, {START_YEARS[1]}]")
    return PolicySpec(
        budget=budget, currency=currency.upper(), horizon_years=horizon, phases=phases, discount_rate=rate,
        start_year=int(start_year), levers=levers,
        objectives=tuple(objectives) if objectives is not None else None,
        weights=tuple(float(w) for w in weights) if weights is not None else None, reform=reform,
        cost_factor=float(cost_factor) if cost_factor is not None else None, cost_basis=cost_basis,
        currency_given="currency" in raw,
    )


def _reform(raw: Any, catalogue: dict[str, Lever], n_phases: int,
            file: str | Path | None) -> dict[str, tuple[float, ...]]:
    """``[policy.reform]``: lever = intensity (every phase) or a list with one intensity per phase."""
    if not isinstance(raw, dict):
        raise InputError(f"{_where(file)}[policy.reform] must be a table: lever = intensity or [per phase]")
    out = {}
    for lid, value in raw.items():
        if lid not in catalogue:
            raise _unknown(lid, list(catalogue), "lever in [policy.reform]", file)
        values = value if isinstance(value, list) else [value]
        if len(values) not in (1, n_phases):
            raise InputError(f"{_where(file)}[policy.reform] {lid} has {len(values)} values; expected 1 or one per "
                             f"phase ({n_phases})")
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
                raise InputError(f"{_where(file)}[policy.reform] {lid} = {value!r}: intensities must be finite "
                                 "numbers >= 0", hint=catalogue[lid].unit)
        out[lid] = tuple(float(v) for v in values) * (n_phases if len(values) == 1 else 1)
    return out
