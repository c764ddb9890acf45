"""`workshift fit` / `predict`: known relationships recovered, honest splits, calibrated intervals, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workshift.cli import main
from workshift.errors import DataError, InputError, NotFoundError
from workshift.evidence import predict
from workshift.files import sha256_file
from workshift.store import Store


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def employment(n: int, seed: int) -> pd.DataFrame:
    """The seed's table shape with a known truth: 就业率 = 80 - 1.5 AI技术影响 + 2 政策影响 + N(0, 1)."""
    rng = np.random.default_rng(seed)
    ai, policy = rng.uniform(0, 10, n), rng.uniform(0, 5, n)
    return pd.DataFrame({"AI技术影响": ai.round(3), "政策影响": policy.round(3),
                         "就业率": (80 - 1.5 * ai + 2 * policy + rng.normal(0, 1, n)).round(3)})


def test_chinese_columns_fit_and_predict(tmp_path: Path, fresh_home: Path, capsys) -> None:
    data = tmp_path / "就业数据.csv"
    employment(160, seed=1).to_csv(data, index=False)
    model = tmp_path / "就业模型.joblib"
    code, out, err = run_cli(["fit", str(data), "--target", "就业率", "--features", "AI技术影响,政策影响",
                              "--seed", "3", "--out", str(model), "--json", "--search-iter", "2",
                              "--folds", "3", "--models", "ridge,random_forest",
                              "--report", str(tmp_path / "fit.html"), "--lang", "zh"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["features"] == ["AI技术影响", "政策影响"]
    for name in ("mse", "mae", "r2"):
        assert set(result["cv"][name]) == {"mean", "std"}
        assert name in result["holdout"] and name in result["baseline"]
    assert result["model"]["name"] in ("ridge", "random_forest") and isinstance(result["model"]["params"], dict)
    # The truth is linear with unit noise: the holdout MSE is near 1, far below the mean baseline (~25).
    assert 0.4 < result["holdout"]["mse"] < 2.0
    assert result["holdout"]["r2"] > 0.9
    assert result["baseline"]["method"] == "mean" and result["baseline"]["mse"] > 10 * result["holdout"]["mse"]
    # AI's share of the signal variance (1.5² · 100/12 = 18.8) beats policy's (2² · 25/12 = 8.3).
    assert [r["feature"] for r in result["importances"]] == ["AI技术影响", "政策影响"]
    sidecar = json.loads(model.with_suffix(".json").read_text(encoding="utf-8"))
    assert sidecar["data"]["sha256"] == sha256_file(data) and sidecar["seed"] == 3
    assert {"scikit-learn", "numpy", "workshift"} <= set(sidecar["versions"])
    assert [run.run_id for run in Store().runs("fit")] == [result["run_id"]]
    page = (tmp_path / "fit.html").read_text(encoding="utf-8")
    assert "预测模型" in page and "部分依赖图" in page and "plotly" in page.lower()

    fresh = employment(50, seed=9).drop(columns="就业率")
    new = tmp_path / "新数据.csv"
    fresh.to_csv(new, index=False)
    code, out, err = run_cli(["predict", str(model), str(new), "--json", "--out", str(tmp_path / "p.csv")], capsys)
    assert code == 0, err
    rows = pd.DataFrame(json.loads(out)["predictions"])
    truth = 80 - 1.5 * fresh["AI技术影响"] + 2 * fresh["政策影响"]
    assert np.mean(np.abs(rows["prediction"] - truth)) < 0.6
    width = rows["upper"] - rows["lower"]
    assert np.allclose(width, 2 * sidecar["interval"]["halfwidth"])
    assert (rows["lower"] < rows["prediction"]).all() and (rows["prediction"] < rows["upper"]).all()
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "p.csv"), rows, check_dtype=False)


def test_conformal_halfwidth_rank_rule() -> None:
    residuals = np.arange(1.0, 20.0)  # 19 calibration residuals
    assert predict.conformal_halfwidth(-residuals, 0.90) == 18.0  # ceil(20 · 0.9) = 18th smallest
    assert predict.conformal_halfwidth(residuals, 0.50) == 10.0
    with pytest.raises(DataError, match="calibration rows"):
        predict.conformal_halfwidth(residuals[:5], 0.90)


def test_interval_coverage_matches_nominal_on_fresh_data() -> None:
    rng = np.random.default_rng(0)
    n = 1500
    x = rng.normal(size=(n + 20000, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=len(x))
    frame = pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=y)
    result = predict.fit(frame.iloc[:n], "y", seed=0, families=["ridge"], n_iter=2, folds=3)
    fresh = predict.predict(result.pipeline, result.meta, frame.iloc[n:])
    inside = (fresh["lower"] <= fresh["y"]) & (fresh["y"] <= fresh["upper"])
    # Split conformal with 300 calibration rows: coverage ~ Beta around 0.90 with sd ~0.017.
    assert abs(inside.mean() - 0.90) < 0.05
    assert result.meta["interval"]["halfwidth"] == pytest.approx(1.645, rel=0.12)  # noise sd 1
    assert abs(result.meta["interval"]["holdout_coverage"] - 0.90) < 0.07


def common_shock_panel(seed: int = 0, groups: int = 8, periods: int = 40) -> pd.DataFrame:
    """y depends on a shock shared across groups at each period: rows of other groups in the SAME period
    reveal it. A random split leaks it (high score); a time split must forecast it (poor score)."""
    rng = np.random.default_rng(seed)
    shock = np.cumsum(rng.normal(0, 1, periods))
    rows = [{"year": 1980 + t, "region": f"r{g}", "trend": float(t), "y": shock[t] + rng.normal(0, 0.1)}
            for g in range(groups) for t in range(periods)]
    return pd.DataFrame(rows)


def test_time_split_never_trains_on_the_future() -> None:
    panel = common_shock_panel()
    timed = predict.fit(panel, "y", features=["trend"], time="year", group="region", seed=0,
                        families=["random_forest"], n_iter=1, folds=3)
    years = panel["year"].to_numpy()
    s = timed.splits
    assert s.by_time and len(s.folds) == 3
    assert years[s.train].max() < years[s.calibration].min()
    assert years[s.calibration].max() < years[s.holdout].min()
    train_years = years[s.train]
    for fit_rows, test_rows in s.folds:
        assert train_years[fit_rows].max() < train_years[test_rows].min()
    assert timed.meta["baseline"]["method"] == "last_value"
    # The check that catches leakage: the same model on a random split "predicts" the shared shock
    # from other regions' rows in the same year; the time split cannot.
    shuffled = predict.fit(panel, "y", features=["trend"], seed=0, families=["random_forest"], n_iter=1, folds=3)
    assert shuffled.meta["holdout"]["r2"] > 0.9
    assert timed.meta["holdout"]["r2"] < shuffled.meta["holdout"]["r2"] - 0.5


def test_panel_baseline_is_last_value_per_group() -> None:
    known = pd.DataFrame({"g": ["a", "a", "b", "b"], "t": [1, 2, 1, 2], "y": [1.0, 2.0, 10.0, 20.0]})
    new = pd.DataFrame({"g": ["b", "a", "c"], "t": [3, 3, 3]})
    schema = predict.Schema("y", [], [], time="t", group="g")
    method, values = predict.baseline_predictions(known["y"].to_numpy(), known, new, schema)
    assert method == "last_value"
    assert values.tolist() == [20.0, 2.0, 8.25]  # an unseen group gets the known mean


def test_same_seed_same_numbers() -> None:
    frame = employment(120, seed=4)
    a = predict.fit(frame, "就业率", seed=7, families=["ridge", "gradient_boosting"], n_iter=1, folds=3)
    b = predict.fit(frame, "就业率", seed=7, families=["ridge", "gradient_boosting"], n_iter=1, folds=3)
    assert a.meta["holdout"] == b.meta["holdout"] and a.meta["model"] == b.meta["model"]


def test_cleaning_dedupes_coerces_and_one_hot_encodes(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    n = 120
    sector = rng.choice(["制造业", "服务业", "农业"], n)
    hours = rng.uniform(20, 50, n)
    y = hours * 0.1 + np.select([sector == "制造业", sector == "服务业"], [3.0, 1.0], 0.0) + rng.normal(0, 0.1, n)
    frame = pd.DataFrame({"sector": sector, "hours": [f"{h:,.2f}" for h in hours], "y": y})
    frame.loc[5, "hours"] = None  # imputed inside the pipeline
    frame = pd.concat([frame, frame.iloc[:7]], ignore_index=True)  # 7 exact duplicates
    path = tmp_path / "t.tsv"
    frame.to_csv(path, sep="\t", index=False)
    from workshift.tabular import read_table

    result = predict.fit(read_table(path), "y", seed=0, families=["ridge"], n_iter=2, folds=3)
    assert result.meta["cleaning"]["duplicate_rows_dropped"] == 7
    assert result.meta["numeric"] == ["hours"] and result.meta["categorical"] == ["sector"]
    assert result.meta["holdout"]["r2"] > 0.95  # the categorical effect is learnt through one-hot columns


def test_bad_inputs_are_clear_errors(tmp_path: Path, fresh_home: Path, capsys) -> None:
    frame = employment(80, seed=0)
    words = frame.assign(就业率=frame["就业率"].astype(str))
    words.loc[3, "就业率"] = "高"
    with pytest.raises(DataError, match="target is not numeric") as err:
        predict.fit(words, "就业率")
    assert err.value.row == 5 and err.value.column == "就业率"
    with pytest.raises(DataError, match="at least 10 rows"):  # 10-49 rows: leave-one-out (test_inputs_zh)
        predict.fit(frame.iloc[:8], "就业率")
    with pytest.raises(DataError, match="duplicated panel rows"):
        panel = common_shock_panel(periods=10)
        predict.fit(pd.concat([panel, panel.iloc[:1].assign(y=9.0)]), "y", time="year", group="region")
    with pytest.raises(InputError, match="unknown model family"):
        predict.fit(frame, "就业率", families=["random_forrest"])

    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(b"x,y\ncaf\xe9,1\n")  # GBK is read (test_inputs_zh); Windows-1252 is refused
    code, _, err_text = run_cli(["fit", str(gbk), "--target", "就业率"], capsys)
    assert code == 2 and "not UTF-8" in err_text and "GB18030" in err_text

    good = tmp_path / "good.csv"
    frame.to_csv(good, index=False)
    code, _, err_text = run_cli(["fit", str(good), "--target", "就业"], capsys)
    assert code == 2 and "unknown column '就业'" in err_text and "did you mean '就业率'" in err_text

    with pytest.raises(NotFoundError):
        predict.load_model(tmp_path / "missing.joblib")
    broken = tmp_path / "broken.joblib"
    broken.write_bytes(b"not a pickle")
    with pytest.raises(DataError, match="not a Workshift model file"):
        predict.load_model(broken)


def test_values_whose_squares_overflow_are_refused(tmp_path: Path, fresh_home: Path, capsys) -> None:
    """Issue 12: a column of ~1e300 made scikit-learn's metrics overflow and `fit` exit 0 with null metrics."""
    frame = employment(80, seed=1)
    huge = tmp_path / "huge.csv"
    frame.assign(政策影响=frame["政策影响"] * 1e300).to_csv(huge, index=False)
    code, out, err_text = run_cli(["fit", str(huge), "--target", "就业率", "--json"], capsys)
    assert code == 2 and out == "" and len(err_text.strip().splitlines()) <= 2  # the error and its hint
    assert "column '政策影响'" in err_text and "too large" in err_text and "rescale" in err_text
    assert not (tmp_path / "huge.model.joblib").exists()
    with pytest.raises(DataError, match="too large") as err:
        predict.fit(frame.assign(就业率=frame["就业率"] * 1e300), "就业率")
    assert err.value.column == "就业率" and err.value.row == 2
    fitted = predict.fit(frame.assign(政策影响=frame["政策影响"] * 1e100), "就业率", families=["ridge"],
                         n_iter=1, folds=3)  # large but squarable values still fit, with finite metrics
    assert all(np.isfinite(v) for v in fitted.meta["holdout"].values() if isinstance(v, float))
    with pytest.raises(DataError, match="too large") as err:
        predict.predict(fitted.pipeline, fitted.meta, frame.assign(政策影响=1e200))
    assert err.value.column == "政策影响"


def test_predict_needs_the_model_features() -> None:
    frame = employment(80, seed=5)
    result = predict.fit(frame, "就业率", seed=0, families=["ridge"], n_iter=1, folds=3)
    with pytest.raises(DataError, match="unknown column 'AI技术影响'") as err:
        predict.predict(result.pipeline, result.meta, frame.rename(columns={"AI技术影响": "AI技术影向"}))
    assert "AI技术影向" in err.value.hint
