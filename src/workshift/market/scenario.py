"""Scenarios as TOML files: load, validate (closest-key suggestions), and turn into model parameters.

A scenario has the sections ``[market]``, ``[shock]``, ``[cycle]`` (as in the engine issue), plus optional
``[parameters]`` (overrides of documented extension rates, per ``rate_period_weeks`` like the market rates) and ``[policy]`` (scalar policy hooks,
see :data:`workshift.market.hooks.HOOKS`; the policy stage's portfolio keys such as ``budget`` may sit beside
them and are left to ``workshift optimize``). When ``market.extensions`` is absent all extensions are on;
``extensions = []`` is exactly the paper's model.
"""

from __future__ import annotations

import copy
import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workshift.errors import DataError, InputError, closest
from workshift.i18n import t
from workshift.market.hooks import HOOKS, PolicyHooks
from workshift.market.network import NETWORKS
from workshift.market.params import (
    EXTENSIONS,
    PARAMETERS,
    PERIOD_RATES,
    RATE_PERIOD_WEEKS,
    ModelParams,
    steps_of,
    value,
)
from workshift.validation import validate_section

MODES = ("mean-field", "agents")
LOG = logging.getLogger("workshift")

# The policy stage's [policy] keys (parsed by workshift.policy.spec): the engine accepts them beside its own
# policy hooks and leaves them to `workshift optimize`. Declared here, below the policy stage, so that the
# engine needs nothing from it.
RATE_SOURCES = ("pack", "paper")
POLICY_KEYS = ("budget", "currency", "horizon_years", "phases", "discount_rate", "start_year", "levers",
               "objectives", "weights", "reform", "cost_factor", "cost_basis")

# section -> key -> (default, type); None default = required-free optional
SCHEMA: dict[str, dict[str, tuple[Any, type | tuple[type, ...]]]] = {
    "market": {
        "pack": ("us", str), "region": ("US", str), "network": ("empirical", str), "mode": ("mean-field", str),
        "agents": (1_000_000, int), "seed": (1, int), "step_weeks": (value("step_weeks"), (int, float)),
        "rate_period_weeks": (RATE_PERIOD_WEEKS, (int, float)),
        **{k: (value(k), (int, float)) for k in ("delta_u", "delta_v", "gamma_u", "gamma_v", "ltu_weeks")},
        "ltu_steps": (None, int),
        "rates": ("pack", str),  # "pack": a pack's calibrated separation rate where it ships one; "paper"
        "steps": (600, int),
        "extensions": (list(EXTENSIONS), list), "name": ("", str), "description": ("", str),
    },
    "shock": {
        "index": ("none", str), "displacement_share": (None, (int, float)), "augmentation": (0.0, (int, float)),
        "reinstatement": (None, (int, float)),
        "net_loss": (False, bool), "start_step": (None, int), "start_weeks": (None, (int, float)),
        "adoption_steps": (None, (int, float)), "adoption_weeks": (None, (int, float)),
    },
    "cycle": {"amplitude": (0.0, (int, float)), "period_steps": (None, (int, float)),
              "period_weeks": (None, (int, float)), "start_step": (None, int), "start_weeks": (None, (int, float))},
    "parameters": {name: (None, (int, float)) for name in (
        "flexible_search_intensity", "flexible_to_unemployment", "training_rate", "training_steps",
        "ltu_exit_rate", "reentry_rate", "training_edge_weight", "training_targets", "ui_replacement_ratio",
        "ui_duration_steps", "ui_duration_weeks", "ui_recipiency", "coverage_employed", "coverage_flexible",
        "flexible_income_ratio", "flexible_income_cv", "annual_occupational_mobility",
        "reference_unemployment", "trainee_job_finding", "wage_curve_elasticity")},
    "policy": {name: (None, (int, float)) for name in HOOKS},
}


# Durations of the shock and the cycle are given in weeks, so a scenario means the same at any step length;
# (section, key in steps) -> (key in weeks, default in weeks or None, whole steps?). The key in steps still
# works (deprecated): it is taken as it is and noted once. The validated scenario carries both.
TIME_KEYS: dict[tuple[str, str], tuple[str, str | None, bool]] = {
    ("shock", "start_step"): ("start_weeks", "shock_start_weeks", True),
    ("shock", "adoption_steps"): ("adoption_weeks", "adoption_weeks", False),
    ("cycle", "period_steps"): ("period_weeks", "cycle_period_weeks", False),
    ("cycle", "start_step"): ("start_weeks", None, True),  # none: the cycle starts with the shock
}
_NOTED: set[tuple[str | None, str]] = set()


def set_keys(section: dict[str, Any], changes: dict[str, Any], name: str) -> None:
    """Update a raw ``[name]`` section with ``changes``; a duration set in weeks drops the same duration in
    steps from the section and the other way round (so an override never meets its twin)."""
    for (sec, steps_key), (weeks_key, _, _) in TIME_KEYS.items():
        if sec != name:
            continue
        if steps_key in changes and weeks_key not in changes:
            section.pop(weeks_key, None)
        elif weeks_key in changes and steps_key not in changes:
            section.pop(steps_key, None)
    section.update(changes)


def _resolve_durations(sections: dict[str, dict[str, Any]], path: str | None) -> None:
    """Fill each duration of :data:`TIME_KEYS` in steps and in weeks from the one given (or its default)."""
    step = float(sections["market"]["step_weeks"])
    where = f"{path}: " if path else ""
    for (sec, steps_key), (weeks_key, default, whole) in TIME_KEYS.items():
        values = sections[sec]
        steps, weeks = values.get(steps_key), values.get(weeks_key)
        if steps is not None and weeks is not None:
            raise InputError(f"{where}{sec}.{steps_key} and {sec}.{weeks_key} are both given",
                             hint=f"give {weeks_key} only ({steps_key} is in steps of market.step_weeks and "
                                  "deprecated)")
        if steps is not None:
            if (path, f"{sec}.{steps_key}") not in _NOTED:
                _NOTED.add((path, f"{sec}.{steps_key}"))
                LOG.warning("%s%s.%s is deprecated (it is in steps, so its meaning changes with market.step_weeks):"
                            " use %s.%s = %g", where, sec, steps_key, sec, weeks_key, steps * step)
            values[weeks_key] = float(steps) * step
            continue
        if weeks is None and default is None:
            continue
        weeks = float(value(default) if weeks is None else weeks)
        values[weeks_key] = weeks
        values[steps_key] = int(round(weeks / step)) if whole else weeks / step


@dataclass
class Scenario:
    """A validated scenario: ``sections[section][key]`` with defaults filled in."""

    sections: dict[str, dict[str, Any]]
    path: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.sections[section]

    @property
    def market(self) -> dict[str, Any]:
        return self.sections["market"]

    @property
    def shock(self) -> dict[str, Any]:
        return self.sections["shock"]

    @property
    def cycle(self) -> dict[str, Any]:
        return self.sections["cycle"]

    @property
    def steps(self) -> int:
        return int(self.market["steps"])

    def replace(self, **changes: dict[str, Any]) -> Scenario:
        """A copy with some keys changed, e.g. ``s.replace(market={"steps": 50})`` (validated again)."""
        raw = copy.deepcopy(self.raw)
        for section, values in changes.items():
            set_keys(raw.setdefault(section, {}), values, section)
        return from_dict(raw, self.path)

    def parameter(self, name: str) -> float:
        """An extension parameter: the scenario's override or the documented default. ``ui_duration_steps``
        is ``ui_duration_weeks`` in steps of this scenario unless given."""
        given = self.sections["parameters"].get(name)
        if name == "ui_duration_steps" and given is None:
            return float(steps_of(self.parameter("ui_duration_weeks"), float(self.market["step_weeks"])))
        return float(PARAMETERS[name].value if given is None else given)

    def model_params(self) -> ModelParams:
        """The run's parameters: [market] and [parameters] rates are per ``rate_period_weeks`` and converted to
        the step; the long-term threshold is ``ltu_steps`` if given, else ``ltu_weeks`` in steps."""
        m, par = self.market, self.sections["parameters"]
        rates = {k: float(m[k]) for k in ("delta_u", "delta_v", "gamma_u", "gamma_v")}
        rates.update({k: float(par[k]) for k in PERIOD_RATES if par.get(k) is not None})
        if par.get("flexible_search_intensity") is not None:
            rates["flexible_search_intensity"] = float(par["flexible_search_intensity"])
        if par.get("trainee_job_finding") is not None:
            rates["trainee_job_finding"] = float(par["trainee_job_finding"])
        return ModelParams.per_period(float(m["step_weeks"]), float(m["rate_period_weeks"]),
                                      ltu_weeks=float(m["ltu_weeks"]), ltu_steps=m["ltu_steps"],
                                      training_periods=par.get("training_steps"),
                                      extensions=frozenset(m["extensions"]), **rates)

    def hooks(self) -> PolicyHooks:
        given = {k: v for k, v in self.sections["policy"].items() if v is not None}
        return PolicyHooks(**given)

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self.sections)


def _portfolio_keys() -> tuple[str, ...]:
    """[policy] keys of the policy stage (budget, levers, objectives, ...), accepted and left to it."""
    return POLICY_KEYS


def _unknown(key: str, known: list[str], where: str, path: str | None) -> InputError:
    guess = closest(key, known)
    hint = f"did you mean '{guess}'?" if guess else f"known keys: {', '.join(sorted(known))}"
    return InputError(f"{path + ': ' if path else ''}unknown key '{key}' in {where}", hint=hint)


def from_dict(raw: dict[str, Any], path: str | None = None) -> Scenario:
    """Validate a scenario dict (as read from TOML) and fill in defaults."""
    sections: dict[str, dict[str, Any]] = {}
    for section in raw:
        if section not in SCHEMA:
            raise _unknown(section, list(SCHEMA), "the scenario (sections)", path)
        if not isinstance(raw[section], dict):
            raise InputError(f"'{section}' must be a table ([{section}])")
    for section, schema in SCHEMA.items():
        given = raw.get(section, {})
        values: dict[str, Any] = {}
        for key, val in given.items():
            if section == "policy" and key in _portfolio_keys():
                continue  # portfolio settings for `workshift optimize`; the engine ignores them
            if key not in schema:
                known = list(schema) + (list(_portfolio_keys()) if section == "policy" else [])
                raise _unknown(key, known, f"[{section}]", path)
            values[key] = val
        values = validate_section(values, {key: kind for key, (_, kind) in schema.items()}, section, path)
        sections[section] = {key: values.get(key, copy.deepcopy(default)) for key, (default, _) in schema.items()}
    _resolve_durations(sections, path)
    _check(sections, path)
    return Scenario(sections=sections, path=path, raw=copy.deepcopy(raw))


def _check(s: dict[str, dict[str, Any]], path: str | None) -> None:
    m, shock, cycle = s["market"], s["shock"], s["cycle"]
    where = f"{path}: " if path else ""
    if m["steps"] <= 0:
        raise InputError(f"{where}market.steps = {m['steps']} must be > 0")
    if m["mode"] not in MODES:
        guess = closest(m["mode"], MODES)
        raise InputError(f"{where}unknown mode '{m['mode']}'", hint=f"did you mean '{guess}'?" if guess else
                         f"choose from {list(MODES)}")
    if m["rates"] not in RATE_SOURCES:
        raise InputError(f"{where}[market] rates = '{m['rates']}' is unknown",
                         hint=f"known: {', '.join(RATE_SOURCES)} (the pack's calibrated separation rate, or the "
                              "paper's rates)")
    if m["network"] not in NETWORKS:
        guess = closest(m["network"], NETWORKS)
        raise InputError(f"{where}unknown network '{m['network']}'",
                         hint=f"did you mean '{guess}'?" if guess else f"choose from {list(NETWORKS)}")
    for name in m["extensions"]:
        if name not in EXTENSIONS:
            guess = closest(str(name), EXTENSIONS)
            raise InputError(f"{where}unknown extension '{name}'",
                             hint=f"did you mean '{guess}'?" if guess else f"choose from {list(EXTENSIONS)}")
    for key in ("delta_u", "delta_v", "gamma_u", "gamma_v"):
        if not 0.0 <= m[key] <= 1.0:
            raise InputError(f"{where}market.{key} = {m[key]} must be a rate in [0, 1] (per step)")
    if m["agents"] <= 0:
        raise InputError(f"{where}market.agents = {m['agents']} must be > 0")
    if m["step_weeks"] <= 0:
        raise InputError(f"{where}market.step_weeks = {m['step_weeks']} must be > 0")
    if m["rate_period_weeks"] <= 0 or m["step_weeks"] > m["rate_period_weeks"] * (1 + 1e-12):
        raise InputError(f"{where}market.step_weeks = {m['step_weeks']} must be > 0 and at most "
                         f"market.rate_period_weeks = {m['rate_period_weeks']}",
                         hint="rates are given per rate_period_weeks; a searcher applies at most once a step")
    if m["ltu_steps"] is not None and m["ltu_steps"] < 1:
        raise InputError(f"{where}market.ltu_steps = {m['ltu_steps']} must be >= 1")
    if m["ltu_weeks"] <= 0:
        raise InputError(f"{where}market.ltu_weeks = {m['ltu_weeks']} must be > 0")
    if not 0 <= m["seed"] < 2**32:
        raise InputError(f"{where}market.seed = {m['seed']} must be a whole number in [0, 2^32)")
    _check_memory(m, where)
    ds = shock["displacement_share"]
    if ds is not None and not 0.0 <= ds <= 1.0:
        raise InputError(f"{where}shock.displacement_share = {ds} must be in [0, 1]")
    if not 0.0 <= shock["augmentation"] <= 10.0:
        raise InputError(f"{where}shock.augmentation = {shock['augmentation']} must be in [0, 10]",
                         hint=PARAMETERS["augmentation"].note)
    if shock["reinstatement"] is not None and not 0.0 <= shock["reinstatement"] <= 2.0:
        raise InputError(f"{where}shock.reinstatement = {shock['reinstatement']} must be in [0, 2]",
                         hint=PARAMETERS["reinstatement"].note)
    if shock["start_weeks"] < 0 or shock["adoption_weeks"] <= 0:
        raise InputError(f"{where}shock.start_weeks must be >= 0 and shock.adoption_weeks > 0 (or, deprecated, "
                         "shock.start_step >= 0 and shock.adoption_steps > 0)")
    # the steady state is read over the steps before start_step; with no shock there is nothing to start
    if shock["index"] != "none" and shock["start_step"] >= m["steps"]:
        raise InputError(f"{where}shock.start_step = {shock['start_step']} is not before the last step (market.steps = "
                         f"{m['steps']}): the shock would never start and the steady state before it lies outside "
                         f"the run (shock.start_weeks = {shock['start_weeks']:g})",
                         hint="raise market.steps or lower shock.start_weeks")
    if not -1.0 < cycle["amplitude"] < 1.0 or cycle["period_weeks"] <= 0:
        raise InputError(f"{where}cycle.amplitude must be in (-1, 1) and cycle.period_weeks > 0")
    if cycle["start_weeks"] is not None and cycle["start_weeks"] < 0:
        raise InputError(f"{where}cycle.start_weeks = {cycle['start_weeks']:g} must be >= 0")
    for key, val in s["parameters"].items():
        if key == "wage_curve_elasticity":
            if val is not None and not -1.0 <= val <= 0.0:
                raise InputError(f"{where}parameters.{key} = {val} must be in [-1, 0] (pay falls when the "
                                 "occupation's unemployment rises)", hint=PARAMETERS[key].source)
            continue
        if val is not None and (val < 0 or (key not in ("training_steps", "training_targets",
                                                         "ui_duration_steps", "ui_duration_weeks") and val > 1)):
            raise InputError(f"{where}parameters.{key} = {val} is out of range", hint=PARAMETERS[key].note or None)
    for key, val in s["policy"].items():
        if val is not None:
            _, low, high, meaning = HOOKS[key]
            if not low <= val <= high:
                raise InputError(f"{where}policy.{key} = {val} must be in [{low}, {high}]", hint=meaning)


# Memory of a mean-field run, measured on the US pack (about 800 nodes): a fixed part (network, inputs), the
# recorded paths per step, and the spell-duration state per long-term-unemployment step; agents add their
# own arrays. An estimate to refuse what cannot fit before anything is allocated, not an exact figure.
MEMORY_FIXED_BYTES = 50e6
MEMORY_PER_STEP_BYTES = 16e3
MEMORY_PER_LTU_STEP_BYTES = 26e3
MEMORY_PER_AGENT_BYTES = 24.0


def memory_needed(m: dict[str, Any]) -> float:
    """Estimated bytes a run of the ``[market]`` settings ``m`` needs (see the constants above)."""
    ltu = m["ltu_steps"] if m.get("ltu_steps") is not None else steps_of(m["ltu_weeks"], m["step_weeks"])
    need = MEMORY_FIXED_BYTES + MEMORY_PER_STEP_BYTES * m["steps"] + MEMORY_PER_LTU_STEP_BYTES * ltu
    if m["mode"] == "agents":
        need += MEMORY_PER_AGENT_BYTES * m["agents"]
    return need


def _physical_memory() -> float:
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 64 * 2.0**30


def _check_memory(m: dict[str, Any], where: str) -> None:
    need, have = memory_needed(m), _physical_memory()
    if need > have:
        raise InputError(f"{where}market.steps = {m['steps']}, ltu_steps = {m['ltu_steps']}, "
                         f"ltu_weeks = {m['ltu_weeks']}"
                         + (f", agents = {m['agents']}" if m["mode"] == "agents" else "")
                         + f" would need about {need / 2**30:,.0f} GiB of memory; this machine has "
                         f"{have / 2**30:,.0f} GiB", hint="fewer steps (or a longer market.step_weeks), "
                         "fewer ltu_steps (ltu_weeks) or agents")


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file."""
    path = Path(path)
    if not path.is_file():
        raise DataError("scenario file not found", file=path, expected="a TOML scenario (see scenarios/)",
                        zh=t("common.err_scenario_not_found", "zh"), expected_zh=t("common.err_scenario_expected", "zh"))
    return from_dict(read_toml(path, "a TOML scenario (see scenarios/)"), str(path))


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A TOML file as a dict (UTF-8, a leading BOM allowed); anything else is a one-line DataError."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})",
                        file=path, expected=what) from exc
    except OSError as exc:
        raise DataError(f"cannot be read ({exc.strerror or exc})", file=path, expected=what) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"not valid TOML: {exc}", file=path, expected=what) from exc


def paper(**market: Any) -> Scenario:
    """The paper's scenario (no extensions), with optional [market] overrides."""
    return from_dict({"market": {"extensions": [], **market}})
