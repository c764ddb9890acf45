"""The AI shock's channels: displacement (a share of exposure, not all of it), augmentation (demand kept, or
raised only through its explicit parameter) and reinstatement (new tasks), and what the summary reports."""

from __future__ import annotations

import numpy as np
import pytest

from workshift.errors import InputError
from workshift.market import scenario
from workshift.market.inputs import synthetic
from workshift.market.run import build, simulate
from workshift.market.shock import shock_channels

INPUTS = synthetic(40, 5, isolated=2)


def _built(**shock):
    sc = scenario.from_dict({"market": {"extensions": [], "steps": 80},
                             "shock": {"index": "gpts_beta", "start_step": 2, "adoption_steps": 30, **shock}})
    return build(sc, INPUTS)


def test_full_reinstatement_without_augmentation_is_the_papers_renormalisation() -> None:
    built = _built(displacement_share=0.4)
    d0, x = built.model.demand.d0[0], built.exposure_share
    paper = d0 * (1 - 0.4 * x) * d0.sum() / (d0 * (1 - 0.4 * x)).sum()
    np.testing.assert_allclose(built.model.demand.d_final[0], paper, rtol=1e-12)
    assert built.channels.totals()["net_change"] == pytest.approx(0.0, abs=1e-6 * d0.sum())


def test_each_channel_moves_demand_by_exactly_its_own_amount() -> None:
    base = _built(displacement_share=0.5, reinstatement=0.0)
    d0, x = base.model.demand.d0[0], base.exposure_share
    # no reinstatement: total demand falls by the gross displacement, s x D0, and nothing else
    np.testing.assert_allclose(base.model.demand.d_final[0], d0 * (1 - 0.5 * x), rtol=1e-12)
    assert _built(displacement_share=0.5, net_loss=True).channels.totals() == base.channels.totals()
    # augmentation adds g (1 - s) x D0 on top, node by node: not a rescaling of the displacement
    aug = _built(displacement_share=0.5, reinstatement=0.0, augmentation=0.1)
    gain = aug.model.demand.d_final[0] - base.model.demand.d_final[0]
    np.testing.assert_allclose(gain, d0 * 0.1 * 0.5 * x, rtol=1e-12)
    # reinstatement R adds R times the gross displacement, spread by demand after displacement
    half = _built(displacement_share=0.5, reinstatement=0.5)
    new = half.model.demand.d_final[0] - base.model.demand.d_final[0]
    gross = (d0 * 0.5 * x).sum()
    assert new.sum() == pytest.approx(0.5 * gross, rel=1e-12)
    np.testing.assert_allclose(new / new.sum(), d0 * (1 - 0.5 * x) / (d0 * (1 - 0.5 * x)).sum(), rtol=1e-10)


def test_exposure_is_not_automation_the_displacement_share_scales_the_loss() -> None:
    d0 = np.array([[100.0, 200.0, 300.0]])
    x = np.array([0.8, 0.2, 0.0])
    low, high = (shock_channels(d0, x, s, 0.0, 0.0).totals()["displaced_gross"] for s in (0.23, 0.75))
    assert low == pytest.approx(0.23 * 120.0) and high == pytest.approx(0.75 * 120.0)


def test_displaced_workers_is_the_net_reallocation_and_gross_is_reported_beside_it() -> None:
    sc = scenario.from_dict({"market": {"extensions": [], "steps": 80},
                             "shock": {"index": "gpts_beta", "start_step": 2, "adoption_steps": 30}})
    result = simulate(sc, INPUTS, record_nodes=False)
    s, ch = result.summary, result.built.channels
    change = ch.change  # persons per node at full adoption; 80 steps reach it to within 1e-3
    assert s["displaced_workers"] == pytest.approx(np.maximum(-change, 0).sum(), rel=1e-3)
    assert s["displaced_workers_gross"] == pytest.approx(ch.displaced.sum(), rel=1e-3)
    assert s["displaced_workers_gross"] > s["displaced_workers"] > 0
    assert s["reinstated_demand"] == pytest.approx(s["displaced_workers_gross"], rel=1e-9)
    meta = result.meta["shock_channels"]
    assert meta["displacement_share"] == 0.5 and meta["reinstatement"] == 1.0 and meta["augmentation"] == 0.0


@pytest.mark.parametrize("shock", [{"reinstatement": 2.5}, {"reinstatement": -0.1}, {"augmentation": 11.0}])
def test_bad_channel_values_are_clear_errors(shock) -> None:
    with pytest.raises(InputError, match="shock"):
        scenario.from_dict({"shock": {"index": "gpts_beta", **shock}})
