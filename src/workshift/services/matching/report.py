"""Outcome metrics of a matching run: good matches, congestion, gaps between groups (``docs/matching.md``).

For a *policy* (plain top-N lists, or the capacity-aware assignment):

- ``good_match_share``: share of seekers offered a match with score >= the threshold (top-N: the best of
  their list; assignment: their assigned vacancy).
- ``realised_good_match_share``: share of seekers who end up in a good match once openings run out (top-N:
  the greedy stable outcome of :func:`assign.greedy_top_n`; assignment: as offered, capacities hold).
- ``matched_share``: share of seekers who end up with any vacancy.
- ``gini_recommendations``: Gini coefficient of the recommendations each vacancy receives (0 = spread
  evenly, 1 = all on one vacancy), over every vacancy.
- ``applicants_per_opening``: expected applicants per opening of each vacancy when every seeker sends one
  application to one of their recommendations chosen with equal probability (top-N: r_v / (N x openings);
  assignment: assigned / openings); its median, 90th percentile and maximum over vacancies, and the share
  of vacancies above :data:`CONGESTED` (congested) or with none (unseen).

Group gaps: for each group column, each metric's maximum minus minimum over the group's values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CONGESTED = 5.0  # expected applicants per opening above which a vacancy counts as congested
MISSING_GROUP = "(missing)"
GROUP_METRICS = ("good_match_share", "realised_good_match_share", "matched_share", "mean_best_score")


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 when all are equal or all zero)."""
    x = np.sort(np.asarray(values, dtype=float))
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        return 0.0
    return float((2.0 * np.sum(np.arange(1, n + 1) * x) / (n * total)) - (n + 1) / n)


def _distribution(per_opening: np.ndarray) -> dict:
    if not len(per_opening):
        return {"median": 0.0, "p90": 0.0, "max": 0.0}
    return {"median": float(np.median(per_opening)), "p90": float(np.percentile(per_opening, 90)),
            "max": float(per_opening.max())}


def policy_metrics(received: np.ndarray, per_opening: np.ndarray, offered_best: np.ndarray,
                   realised: np.ndarray, threshold: float) -> dict:
    """Metrics of one policy: recommendations received per vacancy, applicants per opening, seekers' scores.

    ``offered_best``: each seeker's best offered score (NaN = none); ``realised``: their final score (NaN = none).
    """
    return {
        "good_match_share": float(np.mean(np.nan_to_num(offered_best, nan=-1.0) >= threshold)),
        "realised_good_match_share": float(np.mean(np.nan_to_num(realised, nan=-1.0) >= threshold)),
        "matched_share": float(np.mean(np.isfinite(realised))),
        "mean_best_score": float(np.nanmean(offered_best)) if np.isfinite(offered_best).any() else 0.0,
        "gini_recommendations": gini(received),
        "applicants_per_opening": _distribution(per_opening),
        "congested_vacancy_share": float(np.mean(per_opening > CONGESTED)) if len(per_opening) else 0.0,
        "unseen_vacancy_share": float(np.mean(received == 0)) if len(received) else 0.0,
    }


def top_n_policy(ids: np.ndarray, scores: np.ndarray, top: int, openings: np.ndarray, baseline,
                 threshold: float) -> tuple[dict, dict]:
    """(metrics, per-seeker arrays) of plain top-N lists; ``baseline`` is :func:`assign.greedy_top_n`'s result."""
    lists = ids[:, :top]
    received = np.bincount(lists[lists >= 0], minlength=len(openings)).astype(float)
    best = np.where(lists[:, 0] >= 0, scores[:, 0], np.nan)
    per_opening = received / (top * np.asarray(openings, dtype=float))
    seekers = {"offered_best": best, "realised": baseline.score}
    return seekers, policy_metrics(received, per_opening, best, baseline.score, threshold)


def assignment_policy(assignment, openings: np.ndarray, threshold: float) -> tuple[dict, dict]:
    received = assignment.load(len(openings)).astype(float)
    per_opening = received / np.asarray(openings, dtype=float)
    seekers = {"offered_best": assignment.score, "realised": assignment.score}
    return seekers, policy_metrics(received, per_opening, assignment.score, assignment.score, threshold)


def _seeker_shares(arrays: dict, mask: np.ndarray, threshold: float) -> dict:
    best, realised = arrays["offered_best"][mask], arrays["realised"][mask]
    if not len(best):
        return dict.fromkeys(GROUP_METRICS, 0.0)
    return {
        "good_match_share": float(np.mean(np.nan_to_num(best, nan=-1.0) >= threshold)),
        "realised_good_match_share": float(np.mean(np.nan_to_num(realised, nan=-1.0) >= threshold)),
        "matched_share": float(np.mean(np.isfinite(realised))),
        "mean_best_score": float(np.nanmean(best)) if np.isfinite(best).any() else 0.0,
    }


def group_gaps(frame: pd.DataFrame, groups: list[str], per_policy: dict[str, dict], threshold: float) -> dict:
    """For each group column: each value's seeker metrics under each policy, and the max - min gaps."""
    out = {}
    for column in groups:
        values = frame[column].astype("string").fillna(MISSING_GROUP).to_numpy(dtype=object)
        table = {}
        for value in sorted(set(values)):
            mask = values == value
            table[str(value)] = {"seekers": int(mask.sum()),
                                 **{p: _seeker_shares(a, mask, threshold) for p, a in per_policy.items()}}
        gaps = {p: {m: float(max(v[p][m] for v in table.values()) - min(v[p][m] for v in table.values()))
                    for m in GROUP_METRICS} for p in per_policy}
        out[column] = {"values": table, "gaps": gaps}
    return out


def summarise(candidates, top: int, openings: np.ndarray, baseline, assignment, frame: pd.DataFrame,
              groups: list[str], threshold: float) -> dict:
    """Everything the report shows, as plain JSON-able numbers (see the module docstring)."""
    arrays, policies = {}, {}
    arrays["top_n"], policies["top_n"] = top_n_policy(candidates.ids, candidates.scores, top, openings, baseline,
                                                      threshold)
    if assignment is not None:
        arrays["assignment"], policies["assignment"] = assignment_policy(assignment, openings, threshold)
    return {
        "threshold": threshold, "top": top, "seekers": int(len(frame)), "vacancies": int(len(openings)),
        "openings": int(np.sum(openings)), "policies": policies,
        "groups": group_gaps(frame, groups, arrays, threshold),
    }
