"""ISCO-08 region packs: any country with ILOSTAT employment by 2-digit occupation (or EU-LFS 3-digit counts).

Employment: the observed level is kept exactly (ILOSTAT 2-digit of the latest year, its 'not elsewhere
classified' workers spread over the groups in proportion, so the total is the published one; the UK: EU-LFS
2018 3-digit), finer levels by the validated priors of :mod:`workshift.data.disaggregate` (2->3 digits: the
country's own EU-LFS 2018 shares for France and Italy, else the pooled EU-LFS shares; 3->4: the US OEWS
structure). Everything else comes from the US pack's sources through the SOC 2018 -> ISCO-08 crosswalk
(:mod:`workshift.data.transfer`), except the ILO GenAI index (native ISCO-08) and ILO task statements.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from workshift.data import international, schemas
from workshift.data.builders.base import BuildContext, Builder, Tables, doc_text
from workshift.data.builders.us import us_tables
from workshift.data.contract import CODE, empty, group_codes
from workshift.data.disaggregate import __doc__ as DISAGGREGATE_DOC
from workshift.data.disaggregate import disaggregate, isco_links, prior_levels, us_prior
from workshift.data.quality import exposure_coverage
from workshift.data.reading import validate
from workshift.data.skills_network import FEATURES, similarity_edges
from workshift.data.transfer import __doc__ as TRANSFER_DOC
from workshift.data.transfer import fill_groups, heaviest, mapped_network, skills_on_units, weighted_means

STEPS = ("US sources", "employment", "occupations", "exposure", "skills, tasks, titles", "mobility",
         "quality report")
ILO_FILE = "exposure/ilo_genai/ilo_genai_exposure_isco08_4digit_2025.csv"
ILO_TASKS = "exposure/ilo_genai/ilo_genai_task_scores_isco08_2025.csv"
ESCO = "classifications/esco/occupations.csv"
RTI_FILE = "international/occupationRiskPack/source_rti_mihaylov_2019.csv"
TRANSFERRED = ("wage_mean", "wage_median", "job_zone", "self_employment_share", "growth_2022_32")
DEFAULT_NETWORK = "skills"


@dataclass(frozen=True)
class Country:
    """An ISCO-08 country: pack name, ILOSTAT area code, names, local currency, EU-LFS file (if any)."""

    pack: str
    iso3: str | None
    title: str
    ilo_name: str
    currency: str
    eu_lfs: str | None = None


COUNTRIES = (
    Country("de", "deu", "Germany", "Germany", "EUR"),
    Country("es", "esp", "Spain", "Spain", "EUR"),
    Country("fr", "fra", "France", "France", "EUR", "fra"),
    Country("it", "ita", "Italy", "Italy", "EUR", "ita"),
    Country("uk", None, "United Kingdom", "United Kingdom of Great Britain and Northern Ireland", "GBP", "uk"),
    Country("eg", "egy", "Egypt", "Egypt", "EGP"),
    Country("mx", "mex", "Mexico", "Mexico", "MXN"),
    Country("ph", "phl", "Philippines", "Philippines", "PHP"),
    Country("id", "idn", "Indonesia", "Indonesia", "IDR"),
    Country("in", "ind", "India", "India", "INR"),
    Country("vn", "vnm", "Viet Nam", "Viet Nam", "VND"),
)


@dataclass
class Employment:
    """Employment on ISCO-08 units with what was observed: ``observed_digits`` (the finest observed level),
    ``observed_share`` per level (share of employment whose value at that level is observed)."""

    units: pd.Series
    informed: pd.Series
    observed_digits: int
    observed_share: dict[str, float]
    facts: dict


def structure_frame(context: BuildContext) -> tuple[pd.DataFrame, pd.Index]:
    structure = international.isco_structure(context.reader)
    return structure, pd.Index(structure.loc[structure["level"] == 4, "code"])


def pooled_eu(context: BuildContext, exclude: str | None = None) -> pd.Series:
    parts = [international.eu_lfs_minor(context.reader, c) for c in international.EU_LFS_COUNTRIES if c != exclude]
    return pd.concat(parts).groupby(level=0).sum()


def country_employment(context: BuildContext, country: Country, units: pd.Index, us: pd.Series) -> Employment:
    """Observed employment kept exactly, disaggregated to units by the chosen priors."""
    own = international.eu_lfs_minor(context.reader, country.eu_lfs) if country.eu_lfs else None
    levels = prior_levels("eu_lfs", us, own if own is not None else pooled_eu(context))
    if country.iso3 is None:  # the UK: EU-LFS 3-digit counts are the observation
        observed = own
        facts = {"source": "EU-LFS (Nesta)", "year": int(international.EU_LFS_YEAR), "level": "ISCO-08 3-digit",
                 "published_total": float(own.sum()), "not_classified": 0.0,
                 "note": "cells below the EU-LFS reliability threshold are masked in the source and count as 0"}
    else:
        groups, facts = international.oc2_employment(context.reader, country.iso3)
        observed = groups * (facts["published_total"] / groups.sum())  # 'not classified' spread pro rata
        facts |= {"source": "ILOSTAT EMP_TEMP_SEX_OC2_NB", "level": "ISCO-08 2-digit",
                  "not_classified_rule": "spread over the 2-digit groups in proportion to their employment"}
    digits = len(observed.index[0])
    employment, informed = disaggregate(observed, units, levels)
    shares = {str(k): 1.0 if k <= digits else 0.0 for k in range(1, 5)}
    facts["priors"] = {f"{k}->{k + 1}": ("own EU-LFS 2018 shares" if own is not None and k == 2 else
                                         "pooled EU-LFS 2018 shares (UK, FR, IT)" if k < 3 else
                                         "US OEWS May 2025 via SOC->ISCO") for k in range(digits, 4)}
    facts["observed"] = {k: float(v) for k, v in observed.items()}
    return Employment(employment, informed, digits, shares, facts)


def occupations_table(units: pd.Index, structure: pd.DataFrame, employment: Employment, us_occ: pd.DataFrame,
                      links: pd.DataFrame, earnings: tuple[pd.Series, dict] | None) -> tuple[pd.DataFrame, dict]:
    titles = structure.set_index("code")["title"]
    occ = pd.DataFrame({CODE: units, "title": units.map(titles)})
    occ = pd.concat([occ, group_codes(occ[CODE], "ISCO-08")], axis=1)
    occ["is_aggregate"] = False
    occ["employment"] = employment.units.reindex(units).to_numpy()
    groups = occ.set_index(CODE)[["major_group", "minor_group", "broad_group"]]
    values, missing = fill_groups(weighted_means(us_occ.set_index(CODE)[list(TRANSFERRED)], links, units), groups)
    for column in TRANSFERRED:
        occ[column] = values[column].to_numpy()
    occ["education"] = heaviest(us_occ.set_index(CODE)["education"], links, units).to_numpy()
    occ["education"] = occ["education"].fillna(occ.groupby("major_group")["education"].transform(
        lambda s: s.mode().iloc[0] if s.notna().any() else None))
    wage_rule = "US OEWS wages (USD per year) of the linked US occupations, employment-weighted: the US level"
    if earnings is not None:
        monthly, info = earnings
        us_major = (occ["wage_mean"] * us_prior(links, units).to_numpy()).groupby(occ["major_group"]).sum() / \
            us_prior(links, units).groupby(occ["major_group"].to_numpy()).sum()
        factor = occ["major_group"].map(12.0 * monthly / us_major)
        factor = factor.fillna(float(np.nanmedian(factor)))
        for column in ("wage_mean", "wage_median"):
            occ[column] = occ[column] * factor.to_numpy()
        wage_rule = (f"ILOSTAT mean monthly earnings by major group ({info['year']}, local currency) x 12; within a "
                     "major group the relative wages of the linked US occupations (OEWS May 2025)")
    occ["employment_imputed"] = employment.observed_digits < 4
    occ["prior_informed"] = employment.informed.reindex(units).to_numpy()
    for column in (*TRANSFERRED, "job_zone"):
        occ[f"{column}_imputed"] = missing.to_numpy()
    occ = occ.loc[:, ~occ.columns.duplicated()]
    return occ[occ["employment"] > 0].reset_index(drop=True), {"wages": wage_rule,
                                                              "wages_local": earnings is not None}


def exposure_tables(context: BuildContext, occ: pd.DataFrame, us: Tables, links: pd.DataFrame
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    units = pd.Index(occ[CODE])
    groups = occ.set_index(CODE)[["major_group", "minor_group", "broad_group"]]
    frames, catalogue = [], []
    native = context.reader.table(ILO_FILE, schemas.ILO).groupby("ISCO_08")["mean_score_2025"].mean()
    rti = context.reader.table(RTI_FILE, schemas.RTI, required=False)
    observed_us = us["exposure"][us["exposure"]["observed"]].pivot_table(index=CODE, columns="index",
                                                                            values="value")
    for row in us["exposure_indices"].to_dict("records"):
        name = row["index"]
        if row["code_system"] == "ISCO-08":
            values = native.reindex(units)
            how = "native ISCO-08 unit groups (no harmonisation)"
        else:
            values = weighted_means(observed_us[[name]], links, units)[name]
            how = f"{row['code_system']} -> US occupations -> ISCO-08 units, weighted by linked US employment"
        frames.append(_index_frame(name, values, groups))
        catalogue.append({**row, "harmonisation": how})
    if rti is not None:
        values = rti.groupby("isco08_code")["rti"].mean().reindex(units)
        frames.append(_index_frame("rti", values, groups))
        catalogue.append({"index": "rti", "description": "Routine-task intensity of the unit group's tasks "
                          "(routine minus non-routine task shares; an extra index, not an AI exposure measure)",
                          "scale": "index, -1 to 1", "low": -1.0, "high": 1.0,
                          "source": "Mihaylov and Tijdens (2019), TI DP 2019-035/V", "code_system": "ISCO-08",
                          "harmonisation": "native ISCO-08 unit groups", "user_supplied": True,
                          "rule": "quantile"})
    return pd.concat(frames, ignore_index=True), pd.DataFrame(catalogue)


def _index_frame(name: str, values: pd.Series, groups: pd.DataFrame) -> pd.DataFrame:
    filled, missing = fill_groups(values.to_frame("value"), groups)
    return pd.DataFrame({CODE: groups.index, "index": name, "value": filled["value"].to_numpy(),
                         "observed": ~missing.to_numpy()})


def text_tables(context: BuildContext, occ: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    units = set(occ[CODE])
    raw = context.reader.table(ILO_TASKS, schemas.ILO_TASKS)
    raw = raw[raw["ISCO_08"].isin(units) & raw["Task_ISCO"].notna()]
    tasks = pd.DataFrame({CODE: raw["ISCO_08"], "onet_code": None, "task_id": raw["taskID"].astype("int64"),
                          "task": raw["Task_ISCO"], "task_type": "ILO", "ilo_score_2025": raw["score_2025"]})
    # ESCO's last row holds quoted line breaks and no final newline: read it whole, then validate
    path = context.reader.path(ESCO)
    esco = validate(pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                                usecols=list(schemas.ESCO_OCCUPATIONS.columns)), schemas.ESCO_OCCUPATIONS, path)
    esco = esco[esco["ISCOGROUPCODE"].isin(units)]
    alt = esco.assign(title=esco["ALTLABELS"].fillna("").str.split("\n")).explode("title")
    titles = pd.concat([
        pd.DataFrame({CODE: occ[CODE], "onet_code": None, "title": occ["title"], "kind": "isco"}),
        pd.DataFrame({CODE: esco["ISCOGROUPCODE"], "onet_code": None, "title": esco["PREFERREDLABEL"],
                      "kind": "esco"}),
        pd.DataFrame({CODE: alt["ISCOGROUPCODE"], "onet_code": None, "title": alt["title"].str.strip(),
                      "kind": "esco_alternate"}),
    ], ignore_index=True)
    titles = titles[titles["title"].fillna("").str.len() > 0]
    key = titles[CODE] + "|" + titles["title"].str.lower()
    return tasks.reset_index(drop=True), titles[~key.duplicated()].reset_index(drop=True)


def networks(occ: pd.DataFrame, skills: pd.DataFrame, us: Tables, links: pd.DataFrame
             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    codes = occ[CODE].tolist()
    blocks = [skills[skills["domain"] == d].pivot_table(index=CODE, columns="element_id", values=s)
              for d, s in FEATURES]
    matrix = pd.concat(blocks, axis=1).reindex(codes).to_numpy(dtype=float)
    std = matrix.std(axis=0)
    std[std == 0] = 1.0
    edges, facts = similarity_edges((matrix - matrix.mean(axis=0)) / std, codes)
    parts = [edges]
    empirical = us["mobility_edges"][us["mobility_edges"]["network"] == "empirical"]
    if len(empirical):
        parts.append(mapped_network(empirical, us["occupation_nodes"], us["mobility_nodes"]["node"].tolist(),
                                    links, pd.Index(codes)))
    nodes = pd.DataFrame({"node": codes, "title": occ["title"], "employment": occ["employment"],
                          "source_employment": np.nan})
    mapping = pd.DataFrame({CODE: codes, "node": codes, "share": 1.0, "rule": "the unit group is its own node"})
    facts |= {"default": DEFAULT_NETWORK, "us_empirical": bool(len(empirical))}
    return nodes, pd.concat(parts, ignore_index=True), mapping, facts


def isco_pack(context: BuildContext, employment_of, currency: str, ilo_name: str | None,
              extend=None) -> tuple[Tables, dict]:
    """The tables and meta of an ISCO-08 pack whose employment ``employment_of(context, units, us_prior)``
    gives (see :class:`Employment`); ``extend(tables, meta, links)`` may add to them (the China pack)."""
    quiet = replace(context, progress=None, steps=())
    context.step()
    us, _ = us_tables(quiet)
    structure, all_units = structure_frame(context)
    links = isco_links(context.reader, us["occupations"], all_units)
    context.step()
    employment = employment_of(context, all_units, us_prior(links, all_units))
    context.step()
    earnings = employment.facts.pop("earnings", None)
    occ, wage_facts = occupations_table(all_units, structure, employment, us["occupations"], links, earnings)
    units = pd.Index(occ[CODE])
    links = links[links["isco"].isin(units)]
    context.step()
    exposure, indices = exposure_tables(context, occ, us, links)
    context.step()
    skills = skills_on_units(us["skills"], links, occ.set_index(CODE)[["broad_group", "minor_group",
                                                                     "major_group"]])
    tasks, titles = text_tables(context, occ)
    context.step()
    nodes, edges, mapping, network_facts = networks(occ, skills, us, links)
    context.step()
    total = float(occ["employment"].sum())
    informality = international.informality_rate(context.reader, ilo_name) if ilo_name else None
    reached = occ[CODE].isin(links["isco"])
    quality = {
        "pack": context.name, "code_system": "ISCO-08", "occupations": int(len(occ)), "aggregate_occupations": 0,
        "employment_total": total, "employment_published_total": employment.facts.get("published_total"),
        "employment_total_vs_published": total / employment.facts["published_total"] - 1.0
        if employment.facts.get("published_total") else None,
        "employment_observed_share": employment.observed_share,
        "employment_modelled_share": 1.0 - employment.observed_share["4"],
        "employment": employment.facts,
        "crosswalk_employment_share": float(occ.loc[reached, "employment"].sum() / total),
        "exposure": exposure_coverage(exposure, occ),
        "mobility": {"networks": sorted(edges["network"].unique()), **network_facts},
        "nodes": int(len(nodes)), "edges": int((edges["network"] == DEFAULT_NETWORK).sum()),
        "informality": {"rate": informality[0], "year": informality[1],
                        "use": "reported only: informal employment is not self-employment, so it does not set "
                               "the flexible-work stock (self_employment_share comes from the US structure)"}
        if informality else None,
        "imputed": {c.removesuffix("_imputed"): int(occ[c].sum()) for c in occ.columns if c.endswith("_imputed")},
        "calibration": {"status": "not calibrated", "reason": "no unemployment series for this country in the "
                        "data (the ILOSTAT mirror has unemployment rates for China only): the engine runs with "
                        "the paper's rates; give [market] delta_u to set your own"},
    }
    meta = {"currency": currency if wage_facts["wages_local"] else "USD", "default_network": DEFAULT_NETWORK,
            "wage_basis": wage_facts["wages"], "quality": quality,
            "rules": {"disaggregation": doc_text(DISAGGREGATE_DOC), "transfer": doc_text(TRANSFER_DOC),
                      "wages": wage_facts["wages"],
                      "mobility": f"default network '{DEFAULT_NETWORK}' (skills-based over ISCO units, built as "
                                  "the US one from the transferred O*NET vectors); 'us_empirical' = the US "
                                  "CPS network mapped through the crosswalk"}}
    tables = {"occupations": occ, "exposure": exposure, "exposure_indices": indices, "skills": skills,
              "tasks": tasks, "titles": titles, "mobility_nodes": nodes, "mobility_edges": edges,
              "occupation_nodes": mapping, "state_employment": empty("state_employment"), "macro": empty("macro")}
    if extend is not None:
        extend(tables, meta, links)
    return tables, meta


def _builder(country: Country) -> Builder:
    def employment_of(context: BuildContext, units: pd.Index, us: pd.Series) -> Employment:
        result = country_employment(context, country, units, us)
        if country.iso3:
            result.facts["earnings"] = international.earnings_by_major(context.reader, country.iso3)
        return result

    def assemble(context: BuildContext) -> tuple[Tables, dict]:
        return isco_pack(context, employment_of, country.currency, country.ilo_name)

    return Builder(name=country.pack, title=f"{country.title} (ISCO-08; employment by occupation from "
                   f"{'EU-LFS 3-digit' if country.iso3 is None else 'ILOSTAT 2-digit'})", code_system="ISCO-08",
                   currency=country.currency, steps=STEPS, assemble=assemble)


ISCO_BUILDERS = tuple(_builder(c) for c in COUNTRIES)
__all__ = ["COUNTRIES", "ISCO_BUILDERS", "Employment", "isco_pack"]
