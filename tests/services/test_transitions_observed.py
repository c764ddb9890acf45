"""The observed-mobility model's target, features and validation folds: invariants and known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workshift.services import transitions_observed as obs
from workshift.services import transitions_validation as validation


@pytest.fixture(scope="module")
def flows(us_pack):
    codes = pd.Index(us_pack.occupations["soc_code"])
    return codes, *obs.observed_flows(us_pack, codes)


def test_target_is_each_origins_movers_shared_out(flows, us_pack) -> None:
    codes, y, known = flows
    nodes, shares = obs.node_shares(us_pack, codes)
    # each origin's movers are shared out over the destinations: a row sums to the share of its node's moves
    # that land in nodes some pack occupation is employed in (moves to e.g. Legislators, with no OEWS
    # employment, have nowhere to go)
    p = obs.network_matrix(us_pack, nodes, "empirical")
    np.fill_diagonal(p, 0.0)
    p = np.divide(p, p.sum(axis=1, keepdims=True), out=np.zeros_like(p), where=p.sum(axis=1, keepdims=True) > 0)
    employment = us_pack.occupations["employment"].fillna(0).to_numpy(float)
    reached = (shares * employment[:, None]).sum(axis=0) > 0
    np.testing.assert_allclose(y.sum(axis=1), shares @ (p @ reached.astype(float)), atol=1e-9)
    assert np.median(y[known.any(axis=1)].sum(axis=1)) == pytest.approx(1.0)
    assert not np.diag(known).any() and (y >= 0).all()
    # pairs inside one node are never used for fitting (moves inside a node are not observed)
    same_node = ((shares > 0).astype(float) @ (shares > 0).T.astype(float)) > 0
    assert not (known & same_node).any()


def test_validation_folds_hold_out_whole_nodes_and_minor_groups(us_pack) -> None:
    codes = pd.Index(us_pack.occupations["soc_code"])
    groups = validation.origin_groups(us_pack, codes)
    nodes, shares = obs.node_shares(us_pack, codes)
    main = shares.argmax(axis=1)
    frame = pd.DataFrame({"node": main, "group": groups})[shares.sum(axis=1) > 0]
    assert (frame.groupby("node")["group"].nunique() == 1).all()  # a node never straddles two folds
    assert len(set(groups)) > 50


def test_ranking_metrics_known_answers() -> None:
    truth = np.array([[0.0, 0.6, 0.4, 0.0], [0.5, 0.0, 0.0, 0.5], [0, 0, 0, 0], [1.0, 0, 0, 0]])
    perfect = truth.copy()
    out = validation.ranking_metrics(perfect, truth, ks=(1, 2))
    assert out["recall@2"] == pytest.approx(1.0) and out["ndcg@2"] == pytest.approx(1.0)
    assert out["mass@1"] == pytest.approx((0.6 + 0.5 + 1.0) / 3)
    worst = -truth
    worst[np.arange(4), np.arange(4)] = 9.0  # the diagonal is never ranked
    assert validation.ranking_metrics(worst, truth, ks=(1,))["recall@1"] == pytest.approx(0.0)


def test_features_are_finite_and_known(us_pack) -> None:
    from workshift.services.similarity import SkillSpace

    space = SkillSpace.for_pack(us_pack)
    exposure = us_pack.exposure_wide()["gpts_beta"].reindex(us_pack.occupations["soc_code"]).to_numpy(float)
    features = obs.pair_features(us_pack, space, exposure)
    assert features.shape == (len(space.codes), len(space.codes), len(obs.FEATURES))
    assert np.isfinite(features).all()
    column = dict(zip(obs.FEATURES, np.moveaxis(features, -1, 0), strict=True))
    np.testing.assert_allclose(column["coverage"], space.full(), atol=1e-6)
    np.testing.assert_allclose(column["coverage_reverse"], space.full().T, atol=1e-6)
    assert np.allclose(column["log_wage_ratio"], -column["log_wage_ratio"].T, atol=1e-5)
    assert (np.diag(column["same_minor"]) == 1).all()
