"""The lever catalogue: one TOML file per lever (``levers/<id>.toml``), plus recorded updates.

A lever file is PolicyEngine-style data: id, label and description (en, zh), the intensity's unit, bounds
and dated default values, the cost per unit with currency and price year, references, and effect
parameters, each with value, unit, period and source (and ``sd`` where the effect is uncertain).

Feedback contract (evaluation -> next optimisation): :func:`record_lever_update` writes a row to the
store table ``lever_updates`` (lever, parameter, value, sd, provenance JSON, created) in one transaction;
:func:`load_catalogue` reads the packaged files and then overlays the latest row per (lever, parameter).
``parameter`` is an effect name (``effect_gt2y``) or ``cost``.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from workshift.errors import DataError, InputError, NotFoundError, closest
from workshift.i18n import normalise_lang
from workshift.policy.currency import TARGET_PRICE_YEAR, convert
from workshift.store import Store

LEVER_DIR = Path(__file__).with_name("levers")
KINDS = ("programme", "insurance", "regulation", "incentive")
TARGET_GROUPS = ("unemployed", "flexible", "employed", "at_risk", "demand_separations")
UPDATES_TABLE = "lever_updates"
CHARGED_ON = ("places", "trainee_starts", "hours_cut")


@dataclass(frozen=True)
class Effect:
    name: str
    value: float
    unit: str
    period: str
    source: str
    sd: float | None = None
    provenance: dict[str, Any] | None = None  # set when a recorded update replaced the packaged value
    low: float | None = None  # explicit range of an assumption (sensitivity, uncertainty ensemble)
    high: float | None = None
    zh: dict[str, str] = field(default_factory=dict)  # name, unit, period, source for Chinese readers


@dataclass(frozen=True)
class Cost:
    value: float
    currency: str  # ISO code, or "share_of_earnings" (a share of the covered worker's earnings)
    price_year: int
    per: str
    source: str
    low: float | None = None
    high: float | None = None
    provenance: dict[str, Any] | None = None
    # "places": intensity x target group; "trainee_starts": course starts simulated; "hours_cut": the pay of
    # the hours short-time work cut in the run, in full-time years at the mean wage
    charged_on: str = "places"
    zh: dict[str, str] = field(default_factory=dict)  # per, source for Chinese readers

    @property
    def is_share_of_earnings(self) -> bool:
        return self.currency == "share_of_earnings"

    def per_unit(self, currency: str = "USD", earnings: float | None = None) -> float:
        """Cost of one unit (participant, covered worker-year) in ``currency`` at target-year prices.

        ``earnings`` (annual, in ``currency``) is needed when the cost is a share of earnings.
        """
        if self.is_share_of_earnings:
            if earnings is None:
                raise InputError(f"cost per {self.per} is a share of earnings: earnings are needed")
            return self.value * earnings
        return convert(self.value, self.currency, self.price_year, to=currency, to_year=TARGET_PRICE_YEAR)


@dataclass(frozen=True)
class Lever:
    id: str
    kind: str
    programme_type: str
    target_group: str
    requires: tuple[str, ...]
    label: dict[str, str]
    description: dict[str, str]
    unit: str
    bounds: tuple[float, float]
    values: dict[str, float]  # dated defaults: ISO date -> intensity in force from that date
    cost: Cost
    effects: dict[str, Effect]
    references: tuple[dict[str, str], ...] = field(default_factory=tuple)
    # [evidence]: the cost per job-year comparable programmes achieved, where the lever's effect on
    # participants cannot give it (cost_per_job_year = [low, high] in the cost's currency, source)
    evidence: dict[str, Any] = field(default_factory=dict)
    # [displacement]: the share of the participants' gain taken from other job seekers that evaluations of
    # comparable programmes report (low, high in [0, 1], source); read by the audit, never by the engine
    displacement: dict[str, Any] = field(default_factory=dict)
    zh: dict[str, str] = field(default_factory=dict)  # the intensity's unit for Chinese readers

    def effect(self, name: str) -> float:
        if name not in self.effects:
            raise NotFoundError(f"lever '{self.id}' has no effect parameter '{name}'",
                                hint=_did_you_mean(name, self.effects))
        return self.effects[name].value

    def default(self, on: str = "9999-12-31") -> float:
        """The intensity in force on date ``on`` (ISO), from the dated defaults."""
        dates = sorted(d for d in self.values if d <= on)
        return self.values[dates[-1]] if dates else 0.0

    @property
    def participant_profile(self) -> tuple[float, float, float] | None:
        """Cited effect on participants' employment probability (pp) at <1 y, 1-2 y, >2 y, if any."""
        names = ("effect_lt1y", "effect_1to2y", "effect_gt2y")
        if all(n in self.effects for n in names):
            return tuple(self.effects[n].value for n in names)  # type: ignore[return-value]
        return None


def _did_you_mean(name: str, choices) -> str | None:
    found = closest(name, list(choices))
    return f"did you mean '{found}'?" if found else None


def _need(raw: dict, key: str, path: Path, kind: type | tuple[type, ...]) -> Any:
    if key not in raw:
        raise DataError(f"missing key '{key}'", file=path)
    if not isinstance(raw[key], kind):
        raise DataError(f"key '{key}' has the wrong type", file=path, expected=str(kind))
    return raw[key]


def _zh(table: dict) -> dict[str, str]:
    """The Chinese texts of a lever table: ``unit_zh = "..."`` becomes ``{"unit": "..."}``."""
    return {key[:-3]: str(value) for key, value in table.items() if key.endswith("_zh") and isinstance(value, str)}


def localised(item: Lever | Cost | Effect, key: str, lang: str | None = "en") -> str:
    """The text ``key`` (``unit``, ``per``, ``source``, ``name``, ``period``) of a lever, its cost or one of its
    effects in ``lang``: the ``*_zh`` field of the lever file for Chinese readers, the English one otherwise
    (and where the file has no Chinese text)."""
    if normalise_lang(lang) == "zh" and key in item.zh:
        return item.zh[key]
    return str(getattr(item, key))


def reference_summary(reference: dict[str, str], lang: str | None = "en") -> str | None:
    """A reference's one-line Chinese summary (``summary_zh``) for Chinese readers; None otherwise. The
    reference itself stays in its original language, as bibliographies do (GB/T 7714)."""
    return reference.get("summary_zh") if normalise_lang(lang) == "zh" else None


def parse_lever(raw: dict, path: Path) -> Lever:
    """Validate one lever file's content and build a :class:`Lever`."""
    lever_id = _need(raw, "id", path, str)
    if lever_id != path.stem:
        raise DataError(f"id '{lever_id}' differs from the file name", file=path)
    kind = _need(raw, "kind", path, str)
    if kind not in KINDS:
        raise DataError(f"unknown kind '{kind}'", file=path, expected=" | ".join(KINDS))
    target = _need(raw, "target_group", path, str)
    if target not in TARGET_GROUPS:
        raise DataError(f"unknown target_group '{target}'", file=path, expected=" | ".join(TARGET_GROUPS))
    for text in ("label", "description"):
        table = _need(raw, text, path, dict)
        if not {"en", "zh"} <= set(table):
            raise DataError(f"'{text}' needs both en and zh", file=path)
    intensity = _need(raw, "intensity", path, dict)
    low, high = float(intensity.get("min", 0.0)), float(intensity.get("max", 1.0))
    if not 0.0 <= low <= high:
        raise DataError(f"intensity bounds [{low}, {high}] are not 0 <= min <= max", file=path)
    cost_raw = _need(raw, "cost", path, dict)
    for key in ("value", "currency", "price_year", "per", "source"):
        _need(cost_raw, key, path, (int, float, str))
    cost = Cost(
        value=float(cost_raw["value"]), currency=str(cost_raw["currency"]),
        price_year=int(cost_raw["price_year"]), per=str(cost_raw["per"]), source=str(cost_raw["source"]),
        low=cost_raw.get("low"), high=cost_raw.get("high"), charged_on=str(cost_raw.get("charged_on", "places")),
        zh=_zh(cost_raw),
    )
    if cost.charged_on not in CHARGED_ON:
        raise DataError(f"unknown cost.charged_on '{cost.charged_on}'", file=path, expected=" | ".join(CHARGED_ON))
    if cost.value <= 0:
        raise DataError("cost per unit must be positive (a regulation has an administrative cost)", file=path)
    effects: dict[str, Effect] = {}
    for name, eff in raw.get("effects", {}).items():
        for key in ("value", "unit", "period", "source"):
            if key not in eff:
                raise DataError(f"effect '{name}' lacks '{key}'", file=path)
        e_low, e_high = eff.get("low"), eff.get("high")
        if (e_low is None) != (e_high is None) or (e_low is not None and not e_low <= eff["value"] <= e_high):
            raise DataError(f"effect '{name}': low and high must come together and bracket the value", file=path)
        effects[name] = Effect(name, float(eff["value"]), str(eff["unit"]), str(eff["period"]),
                               str(eff["source"]), float(eff["sd"]) if "sd" in eff else None,
                               low=None if e_low is None else float(e_low),
                               high=None if e_high is None else float(e_high), zh=_zh(eff))
    refs = tuple(raw.get("references", []))
    if not refs:
        raise DataError("a lever needs at least one reference", file=path)
    return Lever(
        id=lever_id, kind=kind, programme_type=str(raw.get("programme_type", kind)), target_group=target,
        requires=tuple(raw.get("requires", [])), label=dict(raw["label"]), description=dict(raw["description"]),
        unit=str(intensity.get("unit", "")), bounds=(low, high),
        values={str(k): float(v) for k, v in intensity.get("values", {}).items()},
        cost=cost, effects=effects, references=refs, evidence=_evidence(raw.get("evidence", {}), path),
        displacement=_displacement(raw.get("displacement", {}), path),
        zh=_zh(intensity),
    )


def _evidence(raw: Any, path: Path) -> dict[str, Any]:
    if not raw:
        return {}
    span = raw.get("cost_per_job_year") if isinstance(raw, dict) else None
    if (not isinstance(span, list) or len(span) != 2 or not all(isinstance(v, int | float) for v in span)
            or not 0 < span[0] <= span[1] or "source" not in raw):
        raise DataError("[evidence] needs cost_per_job_year = [low, high] (0 < low <= high) and source", file=path)
    return {"cost_per_job_year": (float(span[0]), float(span[1])), "source": str(raw["source"]),
            **({"source_zh": str(raw["source_zh"])} if "source_zh" in raw else {})}


def _displacement(raw: Any, path: Path) -> dict[str, Any]:
    if not raw:
        return {}
    lo, hi = (raw.get("low"), raw.get("high")) if isinstance(raw, dict) else (None, None)
    if (not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lo, hi))
            or not 0.0 <= lo <= hi <= 1.0 or "source" not in raw):
        raise DataError("[displacement] needs low and high (0 <= low <= high <= 1) and source", file=path)
    return {"low": float(lo), "high": float(hi), "source": str(raw["source"]),
            **({"source_zh": str(raw["source_zh"])} if "source_zh" in raw else {})}


@cache
def packaged_levers() -> dict[str, Lever]:
    """The lever files shipped with Workshift, without recorded updates."""
    levers: dict[str, Lever] = {}
    for path in sorted(LEVER_DIR.glob("*.toml")):
        with open(path, "rb") as handle:
            try:
                raw = tomllib.load(handle)
            except tomllib.TOMLDecodeError as exc:
                raise DataError(f"not valid TOML: {exc}", file=path) from exc
        lever = parse_lever(raw, path)
        levers[lever.id] = lever
    if not levers:
        raise DataError("no lever files", file=LEVER_DIR)
    return levers


def latest_updates(home: str | Path | None = None) -> list[dict[str, Any]]:
    """The latest recorded update per (lever, parameter); empty when the store or table is absent."""

    store = Store(home)
    if not store.path.exists():
        return []
    con = store.connect(read_only=True)  # waits while another command writes the store
    try:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [UPDATES_TABLE]
        ).fetchone()[0]
        if not exists:
            return []
        rows = con.execute(
            f"SELECT lever, parameter, value, sd, provenance, created FROM {UPDATES_TABLE} "
            "QUALIFY row_number() OVER (PARTITION BY lever, parameter ORDER BY created DESC, seq DESC) = 1 "
            "ORDER BY lever, parameter"
        ).fetchall()
    finally:
        con.close()
    return [
        {"lever": r[0], "parameter": r[1], "value": r[2], "sd": r[3],
         "provenance": json.loads(r[4]) if r[4] else {}, "created": r[5]}
        for r in rows
    ]


def _apply(lever: Lever, update: dict[str, Any]) -> Lever:
    prov = dict(update["provenance"], created=update["created"])
    if update["parameter"] == "cost":
        return replace(lever, cost=replace(lever.cost, value=float(update["value"]), provenance=prov))
    old = lever.effects[update["parameter"]]
    sd = float(update["sd"]) if update["sd"] is not None else old.sd
    effects = dict(lever.effects)
    effects[old.name] = replace(old, value=float(update["value"]), sd=sd, provenance=prov)
    return replace(lever, effects=effects)


def load_catalogue(home: str | Path | None = None) -> dict[str, Lever]:
    """Every lever: the packaged files, then the latest recorded update of each (lever, parameter)."""
    levers = dict(packaged_levers())
    for update in latest_updates(home):
        if update["lever"] in levers and _known_parameter(levers[update["lever"]], update["parameter"]):
            levers[update["lever"]] = _apply(levers[update["lever"]], update)
    return levers


def _known_parameter(lever: Lever, parameter: str) -> bool:
    return parameter == "cost" or parameter in lever.effects


def record_lever_update(
    lever: str,
    parameter: str,
    value: float,
    sd: float | None,
    provenance: dict[str, Any],
    home: str | Path | None = None,
) -> None:
    """Record a new value (and sd) of one lever parameter, with its provenance, in one transaction."""
    import math


    levers = packaged_levers()
    if lever not in levers:
        raise NotFoundError(f"unknown lever '{lever}'", hint=_did_you_mean(lever, levers))
    if not _known_parameter(levers[lever], parameter):
        raise NotFoundError(f"lever '{lever}' has no parameter '{parameter}'",
                            hint=_did_you_mean(parameter, [*levers[lever].effects, "cost"]))
    if not math.isfinite(value) or (sd is not None and (not math.isfinite(sd) or sd < 0)):
        raise InputError(f"update of {lever}.{parameter}: value must be finite and sd >= 0")
    if parameter == "cost" and value <= 0:
        raise InputError("a lever's cost must stay positive")
    if not isinstance(provenance, dict):
        raise InputError("provenance must be a dict (source, method, run id, ...)")

    with Store(home).transaction() as con:
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {UPDATES_TABLE} (seq BIGINT, lever VARCHAR, parameter VARCHAR, "
            "value DOUBLE, sd DOUBLE, provenance JSON, created VARCHAR)"
        )
        seq = con.execute(f"SELECT coalesce(max(seq), 0) + 1 FROM {UPDATES_TABLE}").fetchone()[0]
        con.execute(
            f"INSERT INTO {UPDATES_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)",
            [seq, lever, parameter, float(value), None if sd is None else float(sd),
             json.dumps(provenance, default=str, ensure_ascii=False),
             datetime.now(UTC).isoformat(timespec="microseconds")],
        )


def get_lever(lever_id: str, catalogue: dict[str, Lever] | None = None) -> Lever:
    levers = catalogue if catalogue is not None else load_catalogue()
    if lever_id not in levers:
        raise NotFoundError(f"unknown lever '{lever_id}'", hint=_did_you_mean(lever_id, levers))
    return levers[lever_id]


def training_cost_per_participant(currency: str = "USD", home: str | Path | None = None) -> float:
    """Cost of one training place, in ``currency`` at target-year prices: the project's single source."""
    return get_lever("training", load_catalogue(home)).cost.per_unit(currency)
