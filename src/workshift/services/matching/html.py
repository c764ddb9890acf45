"""The HTML summary for caseworkers and managers (English or Chinese): ``matching.html.j2`` on the shared
report layout of :mod:`workshift.reports` (autoescape, one style, the CJK font stack)."""

from __future__ import annotations

import numpy as np

from workshift.i18n import normalise_lang
from workshift.reports import render
from workshift.services.matching.explain import messages, pair_frame
from workshift.services.matching.report import CONGESTED, GROUP_METRICS
from workshift.services.matching.score import FACTORS

EXAMPLE_SEEKERS = 10
EXAMPLE_RANKS = 3
_METRICS = ("good_match_share", "realised_good_match_share", "matched_share", "mean_best_score",
            "gini_recommendations", "applicants_median", "applicants_p90", "applicants_max",
            "congested_vacancy_share", "unseen_vacancy_share")
_SHARES = {"good_match_share", "realised_good_match_share", "matched_share", "congested_vacancy_share",
           "unseen_vacancy_share"}


def _value(metrics: dict, name: str) -> float:
    if name.startswith("applicants_"):
        return metrics["applicants_per_opening"][name.removeprefix("applicants_")]
    return metrics[name]


def _fmt(name: str, value: float) -> str:
    return f"{100 * value:.1f}%" if name in _SHARES else f"{value:.3f}"


def render_html(result, lang: str = "en") -> str:
    """The summary page of a run: scoring, policy comparison, group gaps, example explanations, provenance."""
    code = normalise_lang(lang)
    m = messages(code)
    summary, meta = result.summary, result.meta
    top = summary["top"]
    policies = [("top_n", m["policy_top_n"].format(top=top))]
    if "assignment" in summary["policies"]:
        policies.append(("assignment", m["policy_assignment"]))
    metric_rows = [{"name": m[f"metric_{name}"].format(limit=CONGESTED),
                    "values": [_fmt(name, _value(summary["policies"][p], name)) for p, _ in policies]}
                   for name in _METRICS]
    groups = []
    for column, table in summary["groups"].items():
        header = [f"{label} · {m[f'metric_{g}']}" for _, label in policies for g in GROUP_METRICS]
        rows = [[value, info["seekers"], *[_fmt(g, info[p][g]) for p, _ in policies for g in GROUP_METRICS]]
                for value, info in table["values"].items()]
        rows.append([m["gap_row"], "", *[_fmt(g, table["gaps"][p][g]) for p, _ in policies for g in GROUP_METRICS]])
        groups.append({"heading": m["groups_heading"].format(column=column), "header": header, "rows": rows})
    n = min(EXAMPLE_SEEKERS, len(result.seekers))
    ids = result.candidates.ids[:n, :min(EXAMPLE_RANKS, top)]
    si, slot = np.nonzero(ids >= 0)
    examples = pair_frame(result, si, ids[si, slot], code).assign(rank=slot + 1)
    # a summary page travels further than the files: example seekers appear by position, never by their id
    examples = examples.assign(seeker_id=[f"#{k + 1}" for k in si]).to_dict("records")
    weights = meta["weights"]
    factors = [{"name": m[f"factor_{f}"], "weight": f"{weights[f]:.2f}",
                "meaning": m[f"meaning_{f}"].format(index=result.ctx.index)} for f in FACTORS]
    def named(prefix: str, raw: str) -> str:  # an internal name (class path, method id) in the reader's words
        return m.get(prefix + raw.split(".")[-1], raw) if code == "zh" else raw

    return render(
        "matching.html.j2", m["title"], code, m=m, factors=factors, metric_rows=metric_rows,
        policies=[{"name": name} for _, name in policies], groups=groups, examples=examples,
        intro=m["intro"].format(seekers=summary["seekers"], vacancies=summary["vacancies"],
                                openings=summary["openings"], top=top),
        threshold_note=m["threshold_note"].format(threshold=summary["threshold"]),
        policies_note=m["policies_note"].format(top=top, candidates=meta["candidates"]),
        provenance=m["provenance"].format(pack=meta["pack"], built=meta.get("pack_built"), index=result.ctx.index,
                                          source=named("source_", meta["transition_similarity"]["source"]),
                                          method=named("method_", meta["retrieval"]["method"]),
                                          reverse=named("method_", result.reverse_method)),
        imputed=m["imputed"].format(desired=meta["imputed"]["desired_wage"], wage=meta["imputed"]["wage"],
                                    core=meta["imputed"]["required_skills_from_occupation"]),
    )
