"""A time-consistent engine with a converged start, on the US pack: the paper's steady state does not depend on
the step length, a run without a shock is flat from step 0, and the Beveridge-curve fit runs at any step."""

from __future__ import annotations

import numpy as np
import pytest

from workshift.market import scenario
from workshift.market.calibrate import calibrate
from workshift.market.hooks import PolicyHooks
from workshift.market.inputs import from_pack, synthetic
from workshift.market.run import build, simulate, simulate_batch

MONTH = 52 / 12


@pytest.fixture(scope="module")
def inputs(us_pack):
    return from_pack(us_pack)


def _paper(inputs, step_weeks, steps=12, **market):
    sc = scenario.load("scenarios/paper.toml").replace(market={"step_weeks": step_weeks, "steps": steps, **market},
                                                       shock={"index": "none"})
    return simulate(sc, inputs, record_nodes=False)


def test_paper_steady_state_at_monthly_steps_matches_the_papers_step(inputs) -> None:
    paper, month = _paper(inputs, 6.75), _paper(inputs, MONTH)
    p = month.built.model.params
    assert p.applications_per_step == pytest.approx(MONTH / 6.75) and p.ltu_steps == 6
    assert month.built.scenario.parameter("ui_duration_steps") == 6  # 26 weeks of UI
    for key in ("unemployment_rate", "long_term_unemployment_rate", "vacancy_rate"):
        a, b = paper.series[key][0], month.series[key][0]
        assert 0.005 < a < 0.1 and abs(a - b) < 0.002, key  # within 0.2 pp
    for result in (paper, month):
        burn = result.meta["burn_in"]
        assert burn["converged"] and burn["steps"] > 100 and burn["tolerance"] > 0


@pytest.mark.parametrize(("step_weeks", "extensions"), [(6.75, []), (MONTH, ["flexible", "training", "exit",
                                                                               "income", "insurance"])])
def test_a_run_without_shock_is_flat_from_step_0(inputs, step_weeks, extensions) -> None:
    result = _paper(inputs, step_weeks, steps=int(600 * 6.75 / step_weeks), extensions=extensions)
    for key in ("unemployment_rate", "long_term_unemployment_rate", "employment_rate"):
        series = np.array(result.series[key])
        assert np.max(np.abs(series - series[0])) < 5e-4, key  # 0.05 pp at every step


def test_calibration_runs_at_monthly_steps_and_improves_on_the_papers_rates(inputs) -> None:
    """Re-fitting at the step used: rates per 6.75 weeks, simulated at monthly steps (the cycle's dynamics,
    unlike the steady state, carry the discretisation: the paper's rates give a cycle-mean u about 0.3 pp
    lower at monthly steps, which the fit absorbs)."""
    fit = calibrate(inputs=inputs, max_evals=8, step_weeks=MONTH)
    assert fit.rmse_pp <= fit.paper_rmse_pp
    report = fit.to_json()
    assert report["meta"]["step_weeks"] == MONTH and report["meta"]["period_steps"] == pytest.approx(103 * 6.75 / MONTH)
    assert abs(report["fit"]["model_mean_unemployment_rate"] - report["fit"]["data_mean_unemployment_rate"]) < 0.02


def test_the_response_to_matching_efficiency_converges_as_the_step_shrinks() -> None:
    """+2 % matching efficiency, job-years in work (employed + flexible) over 10 years, the same economy at
    6.75-week, monthly and 2-week steps. The network's self-loop is that of one application period: with the
    step's self-loop the network grew diagonal as the step shrank and, with the flexible extension on, the
    response went -314 / -251 / -158 / -82 workers at 6.75 / 4.33 / 2 / 1-week steps (40 nodes, 20 years);
    now -314 / -318 / -322 / -324, and here 860.7 / 861.6 / 861.8 job-years (flexible) and 9,799 / 9,770 /
    9,738 (no extension)."""
    inputs = synthetic(20, seed=3)
    for extensions in (["flexible"], []):
        gains, loops = [], []
        for step in (6.75, MONTH, 2.0):
            sc = scenario.from_dict({"market": {"step_weeks": step, "steps": int(round(520 / step)),
                                                "extensions": extensions}, "shock": {"index": "none"}})
            built = build(sc, inputs)
            res = simulate_batch(sc, PolicyHooks(matching_efficiency=np.array([1.0, 1.02])), built=built)
            work = (res.trajectory.aggregate["employed"] + res.trajectory.aggregate["flexible"]).sum(axis=1)
            gains.append((work[1] - work[0]) * step / 52)
            loops.append(built.model.network.r)
        assert gains[0] > 100, extensions
        np.testing.assert_allclose(gains, gains[0], rtol=0.03, err_msg=str(extensions))
        np.testing.assert_allclose(loops, loops[0])  # one self-loop for every step
