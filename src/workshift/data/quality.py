"""The data quality report of a region pack: counts, employment, coverage, imputation, provenance."""

from __future__ import annotations

import pandas as pd

from workshift.data.harmonise import employment_weighted_mean


def exposure_coverage(exposure: pd.DataFrame, occupations: pd.DataFrame) -> dict[str, dict]:
    """Per index: occupations and employment share with an OBSERVED value, imputed count, mean values."""
    emp = occupations.set_index("soc_code")["employment"]
    total = float(emp.sum())
    out: dict[str, dict] = {}
    for name, part in exposure.groupby("index", sort=False):
        seen = part[part["observed"]]
        values = part.set_index("soc_code")["value"]
        out[str(name)] = {
            "occupations": int(len(seen)),
            "employment_share": float(seen["soc_code"].map(emp).sum() / total),
            "imputed": int((~part["observed"]).sum()),
            "mean_observed_unweighted": float(seen["value"].mean()) if len(seen) else None,
            "mean_employment_weighted": employment_weighted_mean(values, emp),
        }
    return out


def network_summary(edges: pd.DataFrame, network: str, nodes: int, employment_share: float) -> dict:
    part = edges[edges["network"] == network]
    sums = part.groupby("source")["weight"].sum()
    return {
        "nodes": int(nodes) if len(part) else 0,
        "edges": int(len(part)),
        "employment_share": employment_share if len(part) else 0.0,
        "max_row_sum_error": float((sums - 1.0).abs().max()) if len(sums) else None,
    }


def imputed_counts(occupations: pd.DataFrame, exposure: pd.DataFrame) -> dict[str, int]:
    counts = {c.removesuffix("_imputed"): int(occupations[c].sum())
              for c in occupations.columns if c.endswith("_imputed")}
    for name, part in exposure.groupby("index", sort=False):
        counts[f"exposure.{name}"] = int((~part["observed"]).sum())
    return counts


def build_report(*, name: str, occupations: pd.DataFrame, exposure: pd.DataFrame, edges: pd.DataFrame,
                 nodes: pd.DataFrame, mapping_facts: dict, facts: dict, sources: list[dict],
                 vintages: dict[str, str]) -> dict:
    """The report stored in the pack's meta and printed by `workshift data info`."""
    total = float(occupations["employment"].sum())
    published = facts["occupations"].get("published_total")
    share = mapping_facts["employment_share"]
    mobility = {net: network_summary(edges, net, len(nodes), share) for net in ("empirical", "skills")}
    mobility["mapping"] = {k: v for k, v in mapping_facts.items() if k != "employment_share"}
    mobility["mapping"]["employment_share"] = share
    return {
        "pack": name,
        "occupations": int(len(occupations)),
        "aggregate_occupations": int(occupations["is_aggregate"].sum()),
        "employment_total": total,
        "employment_published_total": published,
        "employment_total_vs_published": (total / published - 1.0) if published else None,
        "exposure": exposure_coverage(exposure, occupations),
        "exposure_absent": facts["exposure"]["absent"],
        "mobility": mobility,
        "nodes": mobility["empirical"]["nodes"],
        "edges": mobility["empirical"]["edges"],
        "imputed": imputed_counts(occupations, exposure),
        "duplicates_removed": facts["duplicates_removed"],
        "coverage": facts["coverage"],
        "state_employment": facts["states"],
        "vintages": vintages,
        "sources": sources,
    }
