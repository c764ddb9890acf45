"""The "Done when" invariants of issue 13 (policy economics), pinned on small synthetic economies.

- With no AI shock every portfolio's ``ai_displacement`` is 0 (|x| < 1,000 worker-years), for random
  portfolios and each lever at its maximum, on several seeds; under an AI shock it is never negative: the
  same policy employs at least as many people without AI as with it, step by step.
- No lever creates demand from nothing: AI augmentation only undoes part of the shock's reallocation, so
  total target demand never exceeds the economy's without AI.
- The optimiser's no-policy path without a shock is flat from step 0 (converged start), and the steady state
  at monthly steps matches the 6.75-week one within 0.2 pp with every engine extension on.
- Every lever file that cites the sensitivity in docs/policy.md finds a row with figures there, at the
  file's own low / value / high.
- Every audit verdict agrees with the cost per job-year and the evidence range beside it.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from workshift.market import scenario
from workshift.market.inputs import synthetic
from workshift.market.run import simulate
from workshift.optimize.pipeline import load_policy_scenario, prepare

ROOT = Path(__file__).resolve().parents[2]
LEVERS = ROOT / "src" / "workshift" / "policy" / "levers"
MONTH = 52 / 12
EXTENSIONS = ["flexible", "training", "exit", "income", "insurance"]
SHOCK = {"index": "gpts_beta", "start_weeks": 26, "adoption_weeks": 156}
SEEDS = (3, 8, 21)


def _raw(shock: dict, step: float = MONTH) -> dict:
    return {"market": {"step_weeks": step, "extensions": EXTENSIONS}, "shock": shock,
            "policy": {"budget": 1e13, "horizon_years": 3, "phases": 3}}


@cache
def _prepared(shocked: bool, seed: int):
    sc = load_policy_scenario(_raw(SHOCK if shocked else {"index": "none"}), path="synthetic.toml")
    return prepare(sc, ["employment_to_population", "ai_displacement", "policy_effect", "cost"],
                   inputs=synthetic(40, seed=seed))


def _portfolios(ev, seed: int) -> np.ndarray:
    """No new policy, six random portfolios and each lever alone at its maximum."""
    rng = np.random.default_rng(seed)
    random = ev.space.xl + rng.random((6, ev.space.n_vars)) * (ev.space.xu - ev.space.xl)
    singles = [ev.space.from_dict({lv.id: float(ev.space.upper[i])}) for i, lv in enumerate(ev.levers)]
    return np.vstack([ev.space.zero()[None], random, *singles])


@pytest.mark.parametrize("seed", SEEDS)
def test_without_ai_every_portfolios_ai_displacement_is_zero(seed: int) -> None:
    ev = _prepared(False, seed).evaluator
    x = _portfolios(ev, seed)
    values = ev(x)
    assert np.all(np.abs(values["ai_displacement"]) < 1000), values["ai_displacement"]
    assert values["policy_effect"][0] == 0.0
    assert np.ptp(values["policy_effect"]) > 100  # the portfolios do differ


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_under_ai_the_same_policy_never_employs_more_with_ai_than_without(seed: int) -> None:
    ev = _prepared(True, seed).evaluator
    x = _portfolios(ev, seed)
    series = ev.simulate(x)["series"]
    lost = series["work_no_ai"] - (series["employed"] + series["flexible"])  # (P, T) workers
    # per step, not exactly 0: with the no-AI twin on its own demand limits (gap 1), flexible entry under AI
    # has more room in the occupations AI grows (the room uses the horizon-mean demand ratio, so it is there
    # before their demand has grown) and can employ a few more people early in the shock (measured: at most
    # 746 workers = 1.6e-4 POP, flexible_support at max, seed 3, month 13); the horizon sum stays positive
    assert lost.min() > -2.5e-4 * ev.population, lost.min(axis=1)
    values = ev.metrics(x, series)
    assert np.all(values["ai_displacement"] > 1000), values["ai_displacement"]
    np.testing.assert_allclose(values["ai_displacement"], lost.sum(axis=1) * ev.dt_years, rtol=1e-12)


def test_ai_augmentation_never_lifts_total_demand_above_the_economy_without_ai() -> None:
    ev = _prepared(True, SEEDS[0]).evaluator
    i = [lv.id for lv in ev.levers].index("ai_augmentation")
    yearly = ev.space.yearly(ev.space.from_dict({"ai_augmentation": float(ev.space.upper[i])})[None])
    years = np.arange(ev.space.horizon_years)
    kept = ev._hooks_by_year(yearly, years)[3][:, 0]  # (Y,) share of the reallocation undone
    assert 0 < kept.max() <= 1
    year_of = np.minimum((np.arange(ev.horizon_steps) / ev.ctx.steps_per_year).astype(int), years[-1])
    shocked = np.stack([ev.model.demand.at(ev.start_step + k + 1)[0] for k in range(ev.horizon_steps)])
    with_lever = shocked + kept[year_of][:, None] * ev.shift
    without_ai = shocked + ev.shift
    assert np.all(with_lever.sum(axis=1) <= without_ai.sum(axis=1) * (1 + 1e-12))
    assert np.all(with_lever >= np.minimum(shocked, without_ai) - 1e-9)  # each occupation between the two
    assert np.all(with_lever <= np.maximum(shocked, without_ai) + 1e-9)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_the_optimisers_no_policy_path_without_a_shock_is_flat_from_step_0(seed: int) -> None:
    ev = _prepared(False, seed).evaluator
    s = ev.simulate(ev.space.zero()[None])["series"]
    lf = s["labour_force"][0]
    for name, share in (("unemployment", s["unemployed"][0] / lf), ("long-term unemployment", s["ltu"][0] / lf),
                        ("employment", (s["employed"][0] + s["flexible"][0]) / ev.population)):
        assert np.max(np.abs(share - share[0])) < 5e-4, name  # 0.05 pp at every step


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_steady_state_at_monthly_steps_matches_six_and_three_quarter_weeks_with_every_extension(seed: int) -> None:
    out = {}
    for step in (6.75, MONTH):
        sc = scenario.load(ROOT / "scenarios" / "paper.toml").replace(
            market={"step_weeks": step, "steps": 4, "extensions": EXTENSIONS}, shock={"index": "none"})
        result = simulate(sc, synthetic(40, seed=seed), record_nodes=False)
        assert result.meta["burn_in"]["converged"]
        out[step] = result.series
    for key in ("unemployment_rate", "long_term_unemployment_rate"):
        a, b = out[6.75][key][0], out[MONTH][key][0]
        assert 0.005 < a < 0.2 and abs(a - b) < 0.002, (key, a, b)  # within 0.2 pp


def _sensitivity_rows() -> dict[tuple[str, str], list[str]]:
    text = (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
    match = re.search(r"^## Sensitivity\n(.*?)(?=^## )", text, flags=re.M | re.S)
    assert match, "docs/policy.md has no '## Sensitivity' section"
    rows = {}
    for line in match.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0].startswith("`"):
            rows[(cells[0].strip("`"), cells[1].strip("`"))] = cells[2:]
    return rows


def _numbers(cell: str) -> list[float]:
    return [float(p.replace(",", "")) for p in re.findall(r"-?[\d,]*\.?\d+", cell)]


def test_every_lever_file_citing_the_sensitivity_in_docs_policy_finds_it_with_figures() -> None:
    rows = _sensitivity_rows()
    cited = []
    for path in sorted(LEVERS.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        lever = data["id"]
        for name, effect in data.get("effects", {}).items():
            if "docs/policy.md" not in str(effect.get("source", "")):
                continue
            cited.append((lever, name))
            assert (lever, name) in rows, f"{path.name}: [effects.{name}] cites docs/policy.md, no row there"
            values, jobs, _ = rows[(lever, name)][:3]
            assert _numbers(values) == pytest.approx([effect["low"], effect["value"], effect["high"]]), (lever, name)
            assert len(_numbers(jobs)) == 3, (lever, name, jobs)  # job-years at low / value / high
        if "docs/policy.md" in path.read_text(encoding="utf-8"):
            assert any(k[0] == lever for k in rows), f"{path.name} cites docs/policy.md; no sensitivity row"
    assert len(cited) >= 7, cited


def test_every_audit_verdict_agrees_with_its_cost_per_job_year_and_evidence_range() -> None:
    from workshift.optimize.audit import audit_levers

    sc = load_policy_scenario(_raw(SHOCK), path="audit.toml")
    data = audit_levers(sc, inputs=synthetic(40, seed=SEEDS[0])).to_dict()
    for row in data["levers"]:
        cpj, (low, high), verdict = row["cost_per_job_year"], row["evidence_cost_per_job_year"], row["verdict"]
        if cpj is None:
            expected = "no_jobs"
        elif low is None and high is None:
            expected = "no_evidence"
        elif low is not None and cpj < low:
            expected = "below"
        elif high is not None and cpj > high:
            expected = "above"
        else:
            expected = "inside"
        assert verdict == expected, row
        assert row["reason"], row
        if cpj is not None:
            assert row["job_years"] > 0 and row["spend"] > 0


def test_the_reports_economy_wide_jobs_are_the_plans_job_years_per_year_not_an_employment_rate() -> None:
    """Trainees are in the labour force and not at work: a plan that adds job-years can lower W / LF, so the
    report's economy-wide jobs come from W (policy_effect over the horizon's years), with the course starts
    the run made as the training participants."""
    from workshift.optimize.report import economy_wide

    prep = _prepared(True, SEEDS[0])
    ev = prep.evaluator
    ids = [lv.id for lv in ev.levers]
    x = ev.space.from_dict({k: float(ev.space.upper[ids.index(k)]) for k in ("training", "flexible_support")})
    values = ev(np.vstack([ev.space.zero()[None], x[None]]))
    assert values["policy_effect"][1] > 1000 > 0 > values["employment_rate"][1] - values["employment_rate"][0]
    wide = economy_wide(prep, None, {"recommended": {"portfolio": ev.space.as_dict(x)}})
    assert wide["jobs"] == pytest.approx(values["policy_effect"][1] / ev.space.horizon_years, rel=1e-9)
    served = ev.participants(x[None], ev.simulate(x[None])["series"])[0]
    assert wide["participants"] == pytest.approx(float(served[ids.index("training")].sum()), rel=1e-9)
    assert wide["per100"] == pytest.approx(100 * wide["jobs"] / wide["participants"])


def test_the_no_ai_twin_reads_its_own_demand_limits_not_the_ai_scenarios() -> None:
    """Gap 1 (rev13): the twin's no-AI half maps the levers with its own demand path (demand ratio 1 in every
    occupation, nothing grows), so its ai_displacement for flexible_support at its maximum is the one a
    separately built no-AI economy gives (up to the no-policy gap between the two builds, 17b); with the AI
    scenario's room in the twin it was 3.8 k worker-years above it (synthetic seed 3: 27.9 k vs 24.1 k)."""
    seed = SEEDS[0]
    ev, none = _prepared(True, seed).evaluator, _prepared(False, seed).evaluator
    ids = [lv.id for lv in ev.levers]
    i = ids.index("flexible_support")
    x = np.vstack([ev.space.zero()[None], ev.space.from_dict({"flexible_support": float(ev.space.upper[i])})[None]])
    years = np.arange(ev.space.horizon_years)
    yearly = ev.space.yearly(x[1:])
    factor = ev._hooks_by_year(np.concatenate([yearly, yearly]), years, twin=True)[0]["flexible_multiplier"]
    assert np.ptp(factor[:, 0]) > 0  # under AI the room differs by occupation
    assert np.ptp(factor[:, 1]) == 0  # without AI every occupation has the same room (the headroom)
    sa, sb = ev.simulate(x)["series"], none.simulate(x)["series"]
    stepped = ev.simulate(x, record_nodes=True)["series"]["work_no_ai"]  # the step-by-step path maps alike
    np.testing.assert_allclose(stepped, sa["work_no_ai"], rtol=1e-9)
    w_ai = sa["employed"] + sa["flexible"]
    gap = ((sb["employed"] + sb["flexible"]) - sa["work_no_ai"]).sum(axis=1) * ev.dt_years  # separate - twin
    assert abs(gap[1] - gap[0]) < 500, gap
    assert (sa["work_no_ai"] - w_ai).sum(axis=1)[1] * ev.dt_years > 0
