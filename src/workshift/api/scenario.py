"""Region packs and scenarios for the library: :func:`load_pack`, :func:`load_scenario`, :class:`Scenario`."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from workshift.context import Context, resolve
from workshift.data import RegionPack, build_pack
from workshift.data import load_pack as load_built_pack
from workshift.data.pack import check_pack_name
from workshift.errors import InputError, closest
from workshift.market.inputs import MarketInputs, from_pack
from workshift.market.scenario import SCHEMA, from_dict, set_keys
from workshift.market.scenario import Scenario as EngineScenario
from workshift.optimize.pipeline import PolicyScenario, load_policy_scenario, read_scenario
from workshift.policy.spec import POLICY_KEYS
from workshift.store import pack_path


def load_pack(name: str | None = None, *, context: Context | None = None, build: bool = True) -> RegionPack:
    """A region pack: its tables as DataFrames (occupations, exposure, skills, mobility...) and ``meta``
    (sources with vintages and checksums, code system, currency, quality).

    Parameters
    ----------
    name : str, optional
        Pack name (``us``, ``cn``, an ISCO country, or a user pack); default: the context's pack.
    context : Context, optional
        Data directory and home (default: :meth:`Context.create`).
    build : bool
        Build the pack from the context's data directory when it is not built yet (default True).

    Returns
    -------
    workshift.data.RegionPack
        ``.meta`` holds the pack's provenance.
    """
    ctx = resolve(context)
    name = name or ctx.pack
    check_pack_name(name, ctx.home)
    if build and not pack_path(name, ctx.home).is_file():
        build_pack(name, context=ctx)
    return load_built_pack(name, home=ctx.home)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the engine's part (``[market]``, ``[shock]``, ``[cycle]``, ``[parameters]``, policy
    hooks) and, when the file has one, the policy stage's ``[policy]`` section, with the context it was loaded in.

    Attributes
    ----------
    raw : dict
        The scenario as read, with the overrides applied (sections of TOML tables).
    path : str or None
        The file it came from.
    engine : workshift.market.scenario.Scenario
        The engine scenario (what ``workshift simulate`` runs); needs no ``[policy]`` stage keys.
    context : Context
    policy : PolicyScenario
        Engine scenario, policy spec and lever catalogue; read on first use, so a scenario without a
        ``[policy]`` budget can still be simulated (optimising or evaluating a reform needs one).
    """

    raw: dict[str, Any]
    path: str | None
    engine: EngineScenario = field(repr=False)
    context: Context = field(repr=False)

    @cached_property
    def policy(self) -> PolicyScenario:
        """The policy stage (raises InputError when the scenario has no ``[policy]`` section)."""
        return load_policy_scenario(copy.deepcopy(self.raw), home=self.context.home, path=self.path)

    def replace(self, **overrides: Any) -> Scenario:
        """A copy with more keyword overrides (validated as in :func:`load_scenario`)."""
        return _load(self.raw, self.path, self.context, overrides)

    def market_inputs(self) -> MarketInputs:
        """The engine's inputs from the scenario's region pack, read from the context's home."""
        market = self.engine.market
        return from_pack(load_pack(market["pack"], context=self.context), market["region"])


def load_scenario(source: str | Path | dict[str, Any], *, context: Context | None = None,
                  **overrides: Any) -> Scenario:
    """Read and validate a scenario (a TOML file or a dict of sections), with keyword overrides.

    An override names a key of any section when the key is unique across sections (``budget=2e11``,
    ``steps=60``, ``index="aioe"``), or a whole section as a dict merged into it
    (``shock={"start_step": 10}``, needed where a key exists in two sections). Overrides are validated with
    the file: an unknown key is an error that says the closest known one.

    Parameters
    ----------
    source : str, Path or dict
        Scenario file (see ``scenarios/``) or its sections.
    context : Context, optional
        Data directory and home (default: :meth:`Context.create`).
    **overrides
        Scenario keys and their values.

    Returns
    -------
    Scenario

    Raises
    ------
    workshift.errors.InputError
        An unknown or ambiguous key, a value of the wrong type or out of range.
    workshift.errors.DataError
        The file is missing or not valid TOML.
    """
    ctx = resolve(context)
    if isinstance(source, dict):
        return _load(copy.deepcopy(source), None, ctx, overrides)
    return _load(read_scenario(source), str(source), ctx, overrides)


def _sections_of() -> dict[str, list[str]]:
    """key -> the sections that have it (``[policy]`` holds engine hooks and the policy stage's keys)."""
    where: dict[str, list[str]] = {}
    for section, schema in SCHEMA.items():
        for key in schema:
            where.setdefault(key, []).append(section)
    for key in POLICY_KEYS:
        if "policy" not in where.setdefault(key, []):
            where[key].append("policy")
    return where


def _apply(raw: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    where = _sections_of()
    for key, value in overrides.items():
        if key in SCHEMA and isinstance(value, dict):
            set_keys(out.setdefault(key, {}), copy.deepcopy(value), key)
            continue
        sections = where.get(key)
        if not sections:
            guess = closest(key, [*where, *SCHEMA])
            raise InputError(f"unknown scenario key '{key}'", parameter=key,
                             hint=f"did you mean '{guess}'?" if guess else "see docs/engine.md and docs/policy.md")
        if len(sections) > 1:
            raise InputError(f"scenario key '{key}' is in several sections ({', '.join(sections)})", parameter=key,
                             hint=f"name the section, e.g. {sections[0]}={{'{key}': {value!r}}}")
        set_keys(out.setdefault(sections[0], {}), {key: value}, sections[0])
    return out


def _load(raw: dict[str, Any], path: str | None, ctx: Context, overrides: dict[str, Any]) -> Scenario:
    merged = _apply(raw, overrides)
    section = merged.get("policy")
    if section is None or (isinstance(section, dict) and not any(key in POLICY_KEYS for key in section)):
        # no policy stage (at most engine hooks under [policy]): the engine scenario alone, validated now
        return Scenario(merged, path, from_dict(copy.deepcopy(merged), path), ctx)
    policy = load_policy_scenario(copy.deepcopy(merged), home=ctx.home, path=path)
    scenario = Scenario(merged, path, policy.engine, ctx)
    scenario.__dict__["policy"] = policy  # already read and validated: cache it
    return scenario


def as_scenario(scenario: Scenario | str | Path | dict[str, Any], context: Context | None = None) -> Scenario:
    """``scenario`` if already loaded, else :func:`load_scenario` of it."""
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario, context=context)
