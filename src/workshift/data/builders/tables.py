"""The user-tables builder: a pack from a folder of the user's own CSV files (`workshift data build
--from-tables DIR NAME`), in any code system of :data:`workshift.data.contract.CODE_SYSTEMS`.

Files (UTF-8 CSV; format and a worked example in ``docs/pack.md``):

- ``pack.toml`` (required): ``code_system`` ('SOC 2018' / 'ISCO-08' / 'CSCO 2022'), ``currency`` (ISO 4217),
  optional ``title``, ``year``.
- ``occupations.csv`` (required): ``code``, ``title``, ``employment`` (persons), ``wage_mean`` (currency per
  year); optional ``wage_median``, ``self_employment_share`` (0-1), ``job_zone`` (1-5), ``education``,
  ``growth`` (fractional change over the user's horizon).
- ``exposure.csv`` (optional): ``code``, ``index``, ``value``; optional ``rule`` (how the engine rescales the
  index: share | quantile | probability, see :data:`workshift.data.contract.EXPOSURE_RULES`), needed for an index
  that is not in the catalogue (indices.toml, whose rule it otherwise takes); an index missing for an occupation
  takes the mean of the same group (finest first), flagged ``observed = False``.
- ``skills.csv`` (optional): ``code``, ``element``, ``importance`` (1-5); optional ``domain`` (default
  'skills'), ``level`` (0-7, O*NET's level scale; missing: ``(importance - 1) * 7 / 4``, the linear map of the
  importance scale onto the level scale, a stated assumption recorded in ``meta.rules``).
- ``mobility.csv`` (optional): ``source``, ``target``, ``weight`` (any non-negative numbers; rows are
  renormalised to 1): the 'empirical' network.

At least one of ``skills.csv`` (for the skills-based network, built as in the US pack) and ``mobility.csv`` is
needed. The nodes of the networks are the occupations themselves.
"""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pandera.pandas as pa

from workshift.data import schemas
from workshift.data.builders.base import BuildContext, Builder, Tables
from workshift.data.contract import CODE, CODE_PATTERNS, CODE_SYSTEMS, check_rule, empty, group_codes
from workshift.data.exposure import index_catalogue
from workshift.data.occupations import impute_from_groups
from workshift.data.reading import read_table
from workshift.data.skills_network import similarity_edges
from workshift.errors import DataError

STEPS = ("pack.toml", "occupations", "exposure", "skills", "mobility")
def level_from_importance(importance: pd.Series) -> pd.Series:
    """A skill's level (0-7) where the user gives only its importance (1-5): the linear map of the scales."""
    return (importance.astype(float) - 1.0) * 7.0 / 4.0


OPTIONAL = {"wage_median": "wage_median", "self_employment_share": "self_employment_share",
            "job_zone": "job_zone", "education": "education", "growth": "growth_2022_32"}


def _schemas(system: str) -> dict[str, pa.DataFrameSchema]:
    code = schemas.code(CODE_PATTERNS[system], f"{system} occupation code")
    return {
        "occupations": schemas.schema(
            "user occupations", code=code, title=schemas.text("occupation title"),
            employment=schemas.number("employment, persons", 0, nullable=False),
            wage_mean=schemas.number("mean wage, currency per year", 0, nullable=False),
            wage_median=pa.Column(float, pa.Check.ge(0), nullable=True, coerce=True, required=False),
            self_employment_share=pa.Column(float, pa.Check.in_range(0, 1), nullable=True, coerce=True,
                                            required=False),
            job_zone=pa.Column(float, pa.Check.in_range(1, 5), nullable=True, coerce=True, required=False),
            growth=pa.Column(float, pa.Check.ge(-1), nullable=True, coerce=True, required=False)),
        "exposure": schemas.schema("user exposure", code=code, index=schemas.text("index name"),
                                   value=schemas.number("index value", nullable=False)),
        "skills": schemas.schema("user skills", code=code, element=schemas.text("skill element"),
                                 importance=schemas.number("importance (1-5)", 0, 7, nullable=False)),
        "mobility": schemas.schema("user mobility", source=code, target=code,
                                   weight=schemas.number("flow or probability", 0, nullable=False)),
    }


def _settings(context: BuildContext) -> dict:
    path = context.source_dir / "pack.toml"
    if not path.is_file():
        raise DataError("is missing", file=path, expected="pack.toml with code_system and currency")
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"is not valid TOML ({exc})", file=path) from exc
    settings = raw.get("pack", raw)
    for key in ("code_system", "currency"):
        if not isinstance(settings.get(key), str):
            raise DataError(f"key '{key}' is missing", file=path, column=key, expected="a string")
    if settings["code_system"] not in CODE_SYSTEMS:
        raise DataError(f"unknown code system '{settings['code_system']}'", file=path, column="code_system",
                        expected=" / ".join(CODE_SYSTEMS))
    return settings


def _unknown_codes(frame: pd.DataFrame, columns: list[str], known: pd.Index, path) -> None:
    for column in columns:
        bad = frame.index[~frame[column].isin(known)]
        if len(bad):
            raise DataError(f"code {frame.loc[bad[0], column]!r} is not in occupations.csv", file=path,
                            row=int(bad[0]) + 2, column=column, expected="a code listed in occupations.csv")


def read_occupations(path, system: str) -> pd.DataFrame:
    raw = read_table(path, _schemas(system)["occupations"])
    dupes = raw.index[raw["code"].duplicated()]
    if len(dupes):
        raise DataError(f"code {raw.loc[dupes[0], 'code']!r} is listed twice", file=path, row=int(dupes[0]) + 2,
                        column="code", expected="one row per occupation")
    occ = pd.DataFrame({CODE: raw["code"], "title": raw["title"]})
    occ = pd.concat([occ, group_codes(raw["code"], system)], axis=1)
    occ["is_aggregate"] = False
    occ["employment"] = raw["employment"].astype(float)
    occ["wage_mean"] = raw["wage_mean"].astype(float)
    for source, column in OPTIONAL.items():
        occ[column] = raw[source] if source in raw else np.nan
    occ["wage_median_imputed"] = occ["wage_median"].isna()
    occ["wage_median"] = occ["wage_median"].fillna(occ["wage_mean"])
    return occ.reset_index(drop=True)


def user_exposure(path, occupations: pd.DataFrame, system: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = read_table(path, _schemas(system)["exposure"])
    _unknown_codes(raw, ["code"], pd.Index(occupations[CODE]), path)
    known = {spec["index"]: spec for spec in index_catalogue()}
    groups = occupations[[CODE, "major_group", "minor_group", "broad_group"]]
    frames, catalogue = [], []
    for name, part in raw.groupby("index", sort=False):
        frame = groups.copy()
        frame["value"] = frame[CODE].map(part.groupby("code")["value"].mean())
        frame["observed"] = frame["value"].notna()
        frame["value"] = impute_from_groups(frame, "value").fillna(frame["value"].mean())
        frame["index"] = name
        frames.append(frame[[CODE, "index", "value", "observed"]])
        spec = known.get(name, {})
        catalogue.append({"index": name, "description": spec.get("description", f"user index {name}"),
                          "scale": spec.get("scale", "as supplied"),
                          "low": float(spec.get("low", part["value"].min())),
                          "high": float(spec.get("high", part["value"].max())),
                          "source": f"user table {path.name}", "code_system": system,
                          "harmonisation": "supplied on the pack's own codes", "user_supplied": True,
                          "rule": _index_rule(name, part, spec, path)})
    return pd.concat(frames, ignore_index=True), pd.DataFrame(catalogue)


def _index_rule(name: str, part: pd.DataFrame, spec: dict, path) -> str:
    """The rule of a user index: its ``rule`` column (one value per index), else the catalogue's."""
    given = part["rule"].dropna().astype(str).str.strip().unique() if "rule" in part else []
    given = [g for g in given if g]
    if len(given) > 1:
        raise DataError(f"exposure index '{name}' has several rules ({', '.join(sorted(given))})", file=path,
                        column="rule", expected="one rule per index")
    return check_rule(name, given[0] if given else spec.get("rule"), path.name)


def user_skills(path, occupations: pd.DataFrame, system: str) -> pd.DataFrame:
    raw = read_table(path, _schemas(system)["skills"])
    _unknown_codes(raw, ["code"], pd.Index(occupations[CODE]), path)
    return pd.DataFrame({CODE: raw["code"], "domain": raw["domain"] if "domain" in raw else "skills",
                         "element_id": raw["element"], "element_name": raw["element"],
                         "importance": raw["importance"].astype(float),
                         "level": pd.to_numeric(raw["level"], errors="coerce").fillna(level_from_importance(
                             raw["importance"])) if "level" in raw else level_from_importance(raw["importance"]),
                         "imputed": False})


def user_mobility(path, occupations: pd.DataFrame, system: str) -> pd.DataFrame:
    raw = read_table(path, _schemas(system)["mobility"])
    _unknown_codes(raw, ["source", "target"], pd.Index(occupations[CODE]), path)
    edges = raw.groupby(["source", "target"], as_index=False)["weight"].sum()
    sums = edges.groupby("source")["weight"].transform("sum")
    edges = edges[sums > 0].assign(weight=lambda e: e["weight"] / e.groupby("source")["weight"].transform("sum"))
    missing = occupations.loc[~occupations[CODE].isin(edges["source"]), CODE]  # no flows out: stays put
    stay = pd.DataFrame({"source": missing, "target": missing, "weight": 1.0})
    return pd.concat([edges, stay], ignore_index=True).assign(network="empirical")


def skill_vectors(skills: pd.DataFrame, codes: list[str]) -> np.ndarray:
    """Occupation x element importance, each element standardised over occupations (NaN rows: no data)."""
    wide = skills.pivot_table(index=CODE, columns="element_id", values="importance", aggfunc="mean")
    wide = wide.reindex(codes)
    values = wide.to_numpy(dtype=float)
    have = ~np.isnan(values).any(axis=1)
    std = values[have].std(axis=0) if have.any() else np.ones(values.shape[1])
    std[std == 0] = 1.0
    return (values - values[have].mean(axis=0)) / std if have.any() else values


def assemble_tables(context: BuildContext) -> tuple[Tables, dict]:
    folder = context.source_dir
    context.step()
    settings = _settings(context)
    system = settings["code_system"]
    context.step()
    occupations = read_occupations(folder / "occupations.csv", system)
    codes = occupations[CODE].tolist()
    context.step()
    if (folder / "exposure.csv").is_file():
        exposure, indices = user_exposure(folder / "exposure.csv", occupations, system)
    else:
        exposure, indices = empty("exposure"), empty("exposure_indices")
    context.step()
    has_skills = (folder / "skills.csv").is_file()
    skills = user_skills(folder / "skills.csv", occupations, system) if has_skills else empty("skills")
    context.step()
    networks = []
    if (folder / "mobility.csv").is_file():
        networks.append(user_mobility(folder / "mobility.csv", occupations, system))
    if has_skills:
        networks.append(similarity_edges(skill_vectors(skills, codes), codes)[0])
    if not networks:
        raise DataError("has neither skills.csv nor mobility.csv", file=folder,
                        expected="at least one of them, to build a mobility network")
    edges = pd.concat(networks, ignore_index=True)[["network", "source", "target", "weight"]]
    nodes = pd.DataFrame({"node": codes, "title": occupations["title"], "employment": occupations["employment"],
                          "source_employment": np.nan})
    mapping = pd.DataFrame({CODE: codes, "node": codes, "share": 1.0, "rule": "the occupation is its own node"})
    titles = pd.DataFrame({CODE: codes, "onet_code": None, "title": occupations["title"], "kind": system})
    tables = {"occupations": occupations, "exposure": exposure, "exposure_indices": indices, "skills": skills,
              "tasks": empty("tasks"), "titles": titles, "mobility_nodes": nodes, "mobility_edges": edges,
              "occupation_nodes": mapping, "state_employment": empty("state_employment"), "macro": empty("macro")}
    quality = {
        "pack": context.name, "occupations": len(occupations), "aggregate_occupations": 0,
        "employment_total": float(occupations["employment"].sum()),
        "employment_published_total": None, "employment_total_vs_published": None,
        "networks": sorted(edges["network"].unique()), "source_dir": str(folder),
        "imputed": {"wage_median": int(occupations["wage_median_imputed"].sum()),
                    **{f"exposure.{n}": int((~p["observed"]).sum()) for n, p in exposure.groupby("index")}},
    }
    meta = {"code_system": system, "currency": settings["currency"], "title": settings.get("title", context.name),
            "year": settings.get("year"), "quality": quality,
            "rules": {"user_tables": " ".join((__doc__ or "").split())}}
    return tables, meta


TABLES_BUILDER = Builder(name="tables", title="a pack from the user's own tables", code_system="SOC 2018",
                         currency="", steps=STEPS, assemble=assemble_tables, needs_source_dir=True)
