"""Individual-level programme evaluation: NSW experimental and NSW-CPS references, known answers, bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from workshift.cli import main
from workshift.data.registry import source_file
from workshift.evidence.programme import METHODS, _matching, estimate_programme
from workshift.evidence.programme_data import Sample, parse_terms, read_sample
from workshift.evidence.programme_diagnostics import e_value

NSW = source_file("evaluation/nsw_dehejia_wahba.csv", required=False)
CPS = source_file("evaluation/nsw_cps_comparison.csv", required=False)
# Dehejia & Wahba (1999): the LaLonde covariates, the zero-earnings indicators u74, u75 and squares.
DW = "age,age^2,educ,educ^2,black,hisp,marr,nodegree,re74,re75,re74==0,re75==0,re74^2,re75^2"
EXPERIMENTAL = 1794.342404270271  # treated mean - control mean of re78 in the NSW experiment
pytestmark = pytest.mark.skipif(NSW is None or CPS is None, reason="shared evaluation data not available")


@pytest.fixture(scope="module")
def cps_sample() -> Sample:
    return read_sample(NSW, treatment="treat", outcome="re78", covariates=DW, comparison=CPS)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_default_method_on_nsw_cps_recovers_the_experimental_effect(cps_sample, seed):
    result = estimate_programme(cps_sample, seed=seed)
    assert result.method == "aipw" and result.n_treated == 185 and result.n_comparison == 15992
    assert abs(result.estimate - EXPERIMENTAL) <= 700
    assert result.ci_low <= EXPERIMENTAL <= result.ci_high
    assert result.naive_difference["estimate"] == pytest.approx(-8497.516, abs=0.01)
    # weighting removes the large raw imbalance (|SMD| > 1 for earnings before)
    assert max(abs(b["smd_after"]) for b in result.balance.values()) < 0.1
    assert max(abs(b["smd_before"]) for b in result.balance.values()) > 1


@pytest.mark.parametrize("method", [m for m in METHODS if m != "aipw"])
def test_other_methods_on_nsw_cps(cps_sample, method):
    result = estimate_programme(cps_sample, method=method, seed=1)
    assert abs(result.estimate - EXPERIMENTAL) <= 700
    assert result.ci_low <= EXPERIMENTAL <= result.ci_high
    if method == "dml":
        assert len(result.nuisance["repetitions"]) == 3


def test_experiment_gives_the_difference_in_means_with_its_se():
    frame = pd.read_csv(NSW)
    treated, control = frame.loc[frame.treat == 1, "re78"], frame.loc[frame.treat == 0, "re78"]
    se = math.sqrt(treated.var() / len(treated) + control.var() / len(control))
    sample = read_sample(NSW, treatment="treat", outcome="re78")
    for method in METHODS:
        result = estimate_programme(sample, method=method)
        assert result.estimate == pytest.approx(EXPERIMENTAL, abs=1e-6)
        assert result.estimate == pytest.approx(treated.mean() - control.mean(), rel=1e-12)
        assert result.se == pytest.approx(se, rel=1e-12)
        assert result.naive_difference["estimate"] == pytest.approx(EXPERIMENTAL, abs=1e-6)


def _confounded(seed: int, n: int = 3000) -> Sample:
    """x drives participation and the outcome; the true effect on everyone is 2."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    d = (rng.random(n) < 1 / (1 + np.exp(-(x[:, 0] - 0.5 * x[:, 1])))).astype(float)
    y = 1 + 3 * x[:, 0] + x[:, 1] + 2 * d + rng.normal(size=n)
    return Sample(d, y, x, ["x1", "x2"], "d", "y", {})


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_every_method_recovers_a_known_effect(seed):
    sample = _confounded(seed)
    naive = sample.y[sample.d == 1].mean() - sample.y[sample.d == 0].mean()
    assert naive > 3.5  # confounding nearly doubles the raw difference
    for method in METHODS:
        for estimand in ("att", "ate"):
            result = estimate_programme(sample, method=method, estimand=estimand, seed=seed, trim=0)
            assert abs(result.estimate - 2) < 4 * result.se, (method, estimand, result.estimate, result.se)
            assert 0 < result.se < 0.3


def test_matching_by_hand():
    # treated scores 0.5, 0.8; controls 0.4, 0.55, 0.9 -> matches 0.55 and 0.9 (1 neighbour, logit order)
    d = np.array([1, 1, 0, 0, 0.0])
    e = np.array([0.5, 0.8, 0.4, 0.55, 0.9])
    y = np.array([10, 20, 1, 4, 8.0])
    theta, se, used = _matching(d, y, e, "att", 1)
    assert theta == pytest.approx(((10 - 4) + (20 - 8)) / 2)
    assert used.tolist() == [0, 0, 0, 1, 1]
    assert se > 0


def test_e_value_formula():
    out = e_value(0.5, 0.1, 0.9, 1.0)
    rr = math.exp(0.91 * 0.5)
    assert out["e_value"] == pytest.approx(rr + math.sqrt(rr * (rr - 1)))
    assert e_value(0.5, -0.1, 0.9, 1.0)["e_value_ci"] == 1.0


def test_terms():
    terms = parse_terms("age, age^2, educ*re74, re74==0")
    frame = pd.DataFrame({"age": [20.0, 30.0], "educ": [10.0, 12.0], "re74": [0.0, 5.0]})
    assert [t.values(frame).tolist() for t in terms] == [[20, 30], [400, 900], [0, 60], [1, 0]]


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "programme", *args])
    out = capsys.readouterr()
    return exit_info.value.code, out.out, " ".join(out.err.split())


def test_cli_json_keys_and_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WORKSHIFT_HOME", str(tmp_path / "home"))
    report = tmp_path / "r.html"
    code, out, err = run(capsys, "--data", str(NSW), "--treatment", "treat", "--outcome", "re78", "--covariates",
                         "age,educ,re75", "--method", "ipw", "--json", "--report", str(report), "--lang", "zh",
                         "--programme-type", "training", "--outcome-kind", "earnings")
    assert code == 0, err
    body = json.loads(out)
    assert set(body["att"]) >= {"estimate", "se", "ci"} and len(body["att"]["ci"]) == 2
    for key in ("method", "n_treated", "n_comparison", "trimmed", "balance", "naive_difference"):
        assert key in body
    assert set(body["balance"]["re75"]) >= {"smd_before", "smd_after"}
    assert body["evaluated"]["programme_type"] == "training"
    assert "NaN" not in out and report.read_text(encoding="utf-8").count("plotly") > 0


@pytest.mark.parametrize("args, needle", [
    (["--outcome", "re79"], "re79"),
    (["--outcome", "re78", "--covariates", "age^4"], "age^4"),
    (["--outcome", "re78", "--comparison", str(NSW)], "marked treated"),
    (["--outcome", "age", "--covariates", "age"], "different columns"),
    (["--outcome", "re78", "--method", "lasso"], "unknown method"),
])
def test_cli_bad_input(tmp_path, monkeypatch, capsys, args, needle):
    monkeypatch.setenv("WORKSHIFT_HOME", str(tmp_path / "home"))
    code, out, err = run(capsys, "--data", str(NSW), "--treatment", "treat", *args)
    assert code == 2 and needle in err and "Traceback" not in err + out
    assert not (tmp_path / "home").exists() or not list((tmp_path / "home").rglob("*.html"))


def test_non_binary_treatment(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("t,y,a\n1,2,3\n0,1,2\n2,1,1\n0,1,0\n", encoding="utf-8")
    with pytest.raises(Exception, match="row 4"):
        read_sample(path, treatment="t", outcome="y", covariates="a")


def test_cli_report_never_overwrites_an_input_or_an_existing_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WORKSHIFT_HOME", str(tmp_path / "home"))
    data = tmp_path / "nsw.csv"
    data.write_bytes(NSW.read_bytes())
    before = data.read_bytes()
    base = ["--data", str(data), "--treatment", "treat", "--outcome", "re78", "--method", "ipw"]
    code, _, err = run(capsys, *base, "--report", str(data))
    assert code == 2 and "--report" in err and data.read_bytes() == before
    existing = tmp_path / "old.html"
    existing.write_text("keep", encoding="utf-8")
    code, _, err = run(capsys, *base, "--report", str(existing))
    assert code == 2 and "--force" in err and existing.read_text(encoding="utf-8") == "keep"
