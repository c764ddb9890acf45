"""The China pack (`workshift data build cn`): ILO modelled employment by ISCO-08 major group, disaggregated by
the validated priors, shown in CSCO 2022 medium groups; NBS monthly urban unemployment for monitoring; CNY.

Observed (modelled by the ILO, published) level: 7 major groups (1, 2, 3, 4, 5, 7, 8) and groups 6 and 9
merged (``ocu_details_96``), latest year. Groups 6 and 9 are split by agriculture's share of employment
(ILOSTAT employment by activity, latest year): group 6 = that share x total employment (at most the merged
group), group 9 = the rest — an assumption (agricultural labourers, ISCO 921, sit in group 9 though they work
in agriculture; the assumption moves them into group 6). Below, 1->2 and 2->3 digits: pooled EU-LFS shares;
3->4: the US OEWS structure (as for every ISCO pack; no Chinese test of them is possible, no observed
occupational detail for China is public). Wages: no earnings by occupation are published for China; the US
relative wage structure is scaled so that the employment-weighted mean is :data:`WAGE_LEVEL`.
"""

from __future__ import annotations

import hashlib

import pandas as pd

from workshift.data import international
from workshift.data.builders.base import BuildContext, Builder, Tables
from workshift.data.builders.isco import STEPS, Employment, isco_pack
from workshift.data.contract import CODE
from workshift.data.csco import CSCO_FILE, read_csco
from workshift.data.csco_isco import __doc__ as CSCO_ISCO_DOC
from workshift.data.csco_isco import csco_titles, display_columns, medium_groups, unit_scores
from workshift.data.disaggregate import aggregate, disaggregate, prior_levels

WAGE_LEVEL = {"value": 120_698.0, "unit": "CNY per year",
              "source": "NBS (2024-05-17): 2023 average annual wage of employed persons in urban non-private units "
                        "(全国城镇非私营单位就业人员年平均工资 120698元); urban private units: 68340元 — the level "
                        "is an upper reference for all workers"}
GROUP6_RULE = ("ISCO group 6 (skilled agricultural, forestry and fishery workers; 22.8 % of China's employment) "
               "is split to sub-major and minor groups by the pooled EU-LFS 2018 shares (61 crop and animal "
               "producers 95 %, 62 forestry and fishery 5 %; 611 crop growers 67 %, 612 animal producers 27 %, 613 "
               "mixed 6 %), and within each minor group into unit groups in equal shares: the US OEWS structure "
               "used elsewhere for 3->4 digits puts 86 % of group 611 into gardeners (6113) because its wage-and-"
               "salary mass there is landscaping supervisors and tree trimmers (SOC 37-1012, 37-3013: grounds "
               "maintenance, not farming), and no unit-level farming detail for China is in the data. Subsistence "
               "farmers (63) get none: the EU-LFS prior has no group 63 (a limitation for China)")
# The engine's separation rate delta_u (per 6.75 weeks; delta_v, gamma at the paper's 0.012, 0.16) fitted so
# that the no-shock steady state of the default configuration (all extensions, the skills network) equals
# the target below, one fit per step length (the steady state depends on the step). Regenerate after the
# pack's inputs change: `workshift calibrate --pack cn --to-unemployment --step-weeks W` (Brent's method;
# 4-6 steady states, about a minute each). Fitted 2026-12-08 on the pack built from ../shared (the engine
# with the trainee search credit, main at 437fd2a).
CALIBRATION_FITS = (
    {"network": "skills", "step_weeks": 6.75, "parameter": "delta_u", "value": 0.0113723,
     "steady_state_unemployment_rate": 0.051330, "paper_steady_state_unemployment_rate": 0.074485},
    # refitted after the network's self-loop became that of one rate period at every step (was 0.0124336,
    # paper-rate steady state 6.923 %, with the monthly step's self-loop r = 0.71)
    {"network": "skills", "step_weeks": 52.0 / 12.0, "parameter": "delta_u", "value": 0.0118809,
     "steady_state_unemployment_rate": 0.051336, "paper_steady_state_unemployment_rate": 0.072287},
)
TARGET_MONTHS = 12
FITTED_INPUTS_SHA256 = "c2edcdfffca78836c12631308de4f90f3f8a7a29ba163821ed600205328c00c3"  # engine_inputs_sha256 of the pack the fits were made on
NOTE_EN = ("the occupational detail is modelled from 7 observed groups: the ILO modelled estimates publish "
           "employment by ISCO-08 major group only (groups 6 and 9 merged); no observed employment by occupation "
           "for China is public")


def china_employment(context: BuildContext, units: pd.Index, us: pd.Series) -> Employment:
    series = international.modelled_major(context.reader, "chn")
    year = int(series["time"].max())
    latest = series[series["time"] == year].set_index("group")["employment"]
    total = float(latest["total"])
    agri, agri_year = international.agriculture_share(context.reader)
    merged = float(latest["96"])
    six = min(agri * total, merged)
    observed = latest.drop(["total", "96"])
    observed = pd.concat([observed, pd.Series({"6": six, "9": merged - six})]).sort_index()
    pooled = pd.concat([international.eu_lfs_minor(context.reader, c)
                        for c in international.EU_LFS_COUNTRIES]).groupby(level=0).sum()
    levels = prior_levels("eu_lfs", us, pooled)
    levels[2] = aggregate(levels[3], 2)
    # group 6 below 3 digits: equal shares, not the US structure (see GROUP6_RULE)
    farm = levels[4].index.str.startswith("6")
    levels[4] = levels[4].where(~farm, 1.0)
    employment, informed = disaggregate(observed, units, levels)
    informed = informed.where(~informed.index.str.startswith("6"), False)  # equal shares: not informed
    observed_share = {"1": (total - merged) / total, "2": 0.0, "3": 0.0, "4": 0.0}
    facts = {"source": "ILO modelled estimates EMP_2EMP_SEX_OCU_NB", "year": year, "level": "ISCO-08 major group",
             "published_total": total, "observed_groups": 7, "merged_6_9": merged,
             "split_6_9": {"rule": "group 6 = agriculture's employment share x total (ILOSTAT "
                                   f"EMP_TEMP_SEX_ECO_NB {agri_year}: {agri:.4f})", "group_6": six,
                           "group_9": merged - six},
             "priors": {"1->2": "pooled EU-LFS 2018 shares", "2->3": "pooled EU-LFS 2018 shares",
                        "3->4": "US OEWS May 2025 via SOC->ISCO; group 6: equal shares", "group_6": GROUP6_RULE},
             "observed": {k: float(v) for k, v in observed.items()},
             "series_years": [int(series["time"].min()), year],
             "earnings": None, "wage_level": WAGE_LEVEL}
    return Employment(employment, informed, 1, observed_share, facts)


def assemble_cn(context: BuildContext) -> tuple[Tables, dict]:
    return isco_pack(context, china_employment, "CNY", None, extend=lambda t, m, links: china_extras(
        context, t, m, links))


def engine_inputs_sha256(tables: Tables) -> str:
    """A fingerprint of what the engine's steady state reads from the pack (unit employment, the networks):
    a shipped fit is stale when it changes (e.g. a new disaggregation prior)."""
    occ = tables["occupations"].sort_values(CODE)
    edges = tables["mobility_edges"].sort_values(["network", "source", "target"])
    # coarse on purpose (employment to 1,000 persons, which edges exist): the same pack on another machine
    # (other floating-point sums) keeps its fingerprint
    text = "".join(f"{c}:{round(e, -3):.0f};" for c, e in zip(occ[CODE], occ["employment"], strict=True)) + "".join(
        f"{n}:{s}>{t};" for n, s, t in edges[["network", "source", "target"]].itertuples(index=False))
    return hashlib.sha256(text.encode()).hexdigest()


def china_calibration(macro: pd.DataFrame, inputs_sha256: str) -> dict:
    """The target (mean of the latest published months of NBS's urban surveyed rate, gaps skipped) and the
    shipped fits of the separation rate to it, stale (with a note) when the data moved the target or the
    engine's inputs since the fit."""
    rate = macro[macro["series"] == "urban_surveyed_unemployment_rate"].dropna(subset=["value"]).sort_values("date")
    last = rate.tail(TARGET_MONTHS)
    target = {"value": float(last["value"].mean()) / 100.0, "unit": "share of the labour force (0-1)",
              "series": "urban_surveyed_unemployment_rate (NBS, monthly)", "months": int(len(last)),
              "period": [last["date"].min().strftime("%Y-%m"), last["date"].max().strftime("%Y-%m")],
              "rule": f"mean of the {TARGET_MONTHS} latest published months (months without a release skipped, "
                      "never interpolated)"}
    fitted_to = 0.051333  # the target the shipped fits were made for (2024-06..2025-11: 5.133 %)
    fits = [{**f, "target": fitted_to, "residual_pp": round(100 * (f["steady_state_unemployment_rate"]
                                                                  - fitted_to), 4)} for f in CALIBRATION_FITS]
    stale = abs(target["value"] - fitted_to) > 5e-5 or inputs_sha256 != FITTED_INPUTS_SHA256
    return {"target": target, "fits": fits, "paper_delta_u": 0.016, "inputs_sha256": inputs_sha256,
            "fitted_inputs_sha256": FITTED_INPUTS_SHA256,
            "applies": "the engine uses the fit of the scenario's network at the nearest step length unless the "
                       "scenario gives [market] delta_u or rates = \"paper\"; the us_empirical network keeps the "
                       "paper's rates (no fit)",
            "stale": stale, "note": "the target or the pack's engine inputs changed since the fit: refit "
                                    "(`workshift calibrate --pack cn --to-unemployment`)" if stale else None}


def china_extras(context: BuildContext, tables: Tables, meta: dict, links: pd.DataFrame) -> None:
    """Wages in CNY, the monitoring series, the CSCO 2022 display and the quality note."""
    occ = tables["occupations"]
    # wages: the US relative structure at the Chinese level (CNY)
    mean = float((occ["wage_mean"] * occ["employment"]).sum() / occ["employment"].sum())
    for column in ("wage_mean", "wage_median"):
        occ[column] = occ[column] * WAGE_LEVEL["value"] / mean
    meta["currency"] = "CNY"
    meta["wage_basis"] = (f"US OEWS relative wages of the linked occupations, scaled so that the employment-"
                          f"weighted mean is {WAGE_LEVEL['value']:,.0f} {WAGE_LEVEL['unit']} ({WAGE_LEVEL['source']})")
    meta["rules"]["wages"] = meta["wage_basis"]
    meta["rules"]["employment"] = " ".join((__doc__ or "").split())
    # monitoring: NBS monthly urban surveyed unemployment and the ILO modelled series by major group
    series = international.modelled_major(context.reader, "chn")
    modelled = pd.DataFrame({"series": "ilo_modelled_employment_major_" + series["group"],
                             "date": pd.to_datetime(series["time"].astype(str) + "-01-01"),
                             "value": series["employment"]})
    tables["macro"] = pd.concat([international.nbs_unemployment(context.reader), modelled], ignore_index=True)
    meta["monitoring_indicator"] = "urban_surveyed_unemployment_rate"
    meta["calibration"] = china_calibration(tables["macro"], engine_inputs_sha256(tables))
    # CSCO 2022 display (user-supplied CSCO file: without it the pack stays ISCO-08 only)
    path = context.reader.path(CSCO_FILE, required=False)
    quality = meta["quality"]
    quality["notes"] = [NOTE_EN]
    quality["calibration"] = meta["calibration"]
    quality["note_zh"] = "职业细分数据由7个有观测的大类模型推算：国际劳工组织模型估计只公布ISCO-08大类就业（第6、9类合并），中国没有公开的分职业就业观测数据"
    if path is not None:
        csco = read_csco(path)
        units = pd.Index(occ[CODE])
        medium = medium_groups(csco)
        scores = unit_scores(links, units, medium)
        display = display_columns(scores, csco, units)
        for column in display.columns:
            occ[column] = display[column].to_numpy()
        titles = csco_titles(csco, scores)
        tables["titles"] = pd.concat([tables["titles"], titles], ignore_index=True)
        quality["csco"] = {"mapping": " ".join((CSCO_ISCO_DOC or "").split()),
                           "units_mapped": int(occ["csco_code"].notna().sum()),
                           **{f"employment_weighted_confidence_{level}": float(
                               (occ[column].fillna(0) * occ["employment"]).sum() / occ["employment"].sum())
                              for level, column in (("major", "csco_major_confidence"),
                                                    ("medium", "csco_confidence"))},
                           "csco_titles": int(len(titles))}
        meta["display_code_system"] = "CSCO 2022"
    else:
        quality["csco"] = None
        quality["notes"].append("CSCO 2022 file (user-supplied) absent: occupations shown in ISCO-08 only")
    tables["occupations"] = occ


CN = Builder(name="cn", title="China (ISCO-08 from ILO modelled major groups; shown in CSCO 2022)",
             code_system="ISCO-08", currency="CNY", steps=STEPS, assemble=assemble_cn)
