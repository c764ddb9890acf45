"""Feedback: evaluation results update a lever's participant employment effect (normal-normal, meta prior)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workshift.cli import evaluate, main
from workshift.cli import feedback as feedback_cli
from workshift.data.registry import source_file
from workshift.errors import InputError, NotFoundError
from workshift.evidence import feedback as fb
from workshift.evidence.did import estimate_did
from workshift.evidence.evaluated import Subject
from workshift.evidence.panel import panel_from_frame
from workshift.policy import catalogue as cat
from workshift.store import Store

# job_matching.effect_lt1y: pooled mean 2 pp, SE 1 pp (lever file), tau 5 pp (lever file) -> var 26.
PRIOR_MEAN, PRIOR_VAR = 2.0, 1.0**2 + 5.0**2


@pytest.fixture(autouse=True, scope="module")
def hooked() -> None:
    feedback_cli.register(evaluate.evaluate_app)  # what cli/evaluate.py's register does once it calls us


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", *args])
    out = capsys.readouterr()
    return exit_info.value.code, out.out, " ".join(out.err.split())


def updates_rows(home: Path) -> list[tuple]:
    """Every row of lever_updates (empty when there is no store or table): 'unchanged' means equal lists."""
    import duckdb

    path = Store(home).path
    if not path.exists():
        return []
    con = duckdb.connect(str(path), read_only=True)
    try:
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'lever_updates'"
                           ).fetchone()[0]:
            return []
        return con.execute("SELECT * FROM lever_updates ORDER BY seq").fetchall()
    finally:
        con.close()


def simulated_panel(effect: float = 0.04, n: int = 300, periods: int = 6, seed: int = 7) -> pd.DataFrame:
    """Regional employment probabilities: unit and period effects, noise, +effect once treated (cohorts 3, 4)."""
    rng = np.random.default_rng(seed)
    first = rng.choice([0, 3, 4], size=n, p=[0.4, 0.3, 0.3])
    level = 0.55 + 0.1 * rng.random(n)
    rows = []
    for i in range(n):
        for t in range(1, periods + 1):
            treated = first[i] > 0 and t >= first[i]
            y = level[i] + 0.01 * t + effect * treated + rng.normal(0, 0.01)
            rows.append({"region": i, "period": t, "first": first[i], "emp_rate": y})
    return pd.DataFrame(rows)


def test_conjugate_update_by_hand() -> None:
    mean, sd, shrink = fb.conjugate_update(1.0, 2.0, 4.0, 1.0)
    # precisions add: 1/4 + 1/1 = 1.25 -> variance 0.8; mean = 0.8 (1/4 + 4) = 3.4; B = 0.8 / 4 = 0.2
    assert sd**2 == pytest.approx(0.8) and 1 / sd**2 == pytest.approx(1 / 4 + 1 / 1)
    assert mean == pytest.approx(3.4) and shrink == pytest.approx(0.2)
    assert mean == pytest.approx(shrink * 1.0 + (1 - shrink) * 4.0)
    precise = fb.conjugate_update(2.0, 5.0, -3.0, 0.01)
    noisy = fb.conjugate_update(2.0, 5.0, -3.0, 500.0)
    assert precise[0] == pytest.approx(-3.0, abs=1e-3) and precise[1] < 0.0101
    assert noisy[0] == pytest.approx(2.0, abs=1e-3) and noisy[1] == pytest.approx(5.0, rel=1e-4)
    with pytest.raises(InputError):
        fb.conjugate_update(2.0, 5.0, 1.0, 0.0)


def test_random_effects_matches_metafor_dersimonian_laird_on_bcg() -> None:
    # BCG vaccine trials (Colditz et al. 1994; metafor dat.bcg): log risk ratios. metafor rma(method="DL"):
    # estimate -0.7141, se 0.1787, tau^2 0.3088.
    tpos, tneg, cpos, cneg = np.array([
        [4, 119, 11, 128], [6, 300, 29, 274], [3, 228, 11, 209], [62, 13536, 248, 12619], [33, 5036, 47, 5761],
        [180, 1361, 372, 1079], [8, 2537, 10, 619], [505, 87886, 499, 87892], [29, 7470, 45, 7232],
        [17, 1699, 65, 1600], [186, 50448, 141, 27197], [5, 2493, 3, 2338], [27, 16886, 29, 17825]], float).T
    y = np.log(tpos / (tpos + tneg)) - np.log(cpos / (cpos + cneg))
    v = 1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg)
    out = fb.random_effects(y, np.sqrt(v))
    assert out["mean"] == pytest.approx(-0.7141, abs=1e-4) and out["se"] == pytest.approx(0.1787, abs=1e-4)
    assert out["tau2"] == pytest.approx(0.3088, abs=1e-4)
    assert out["predictive_sd"] == pytest.approx(math.sqrt(0.1787**2 + 0.3088), abs=1e-3)


def test_meta_prior_is_the_random_effects_predictive(monkeypatch, tmp_path) -> None:
    prior = fb.meta_prior("job_matching")
    assert prior.kind == "meta_analysis" and prior.mean == PRIOR_MEAN
    assert prior.sd == pytest.approx(math.sqrt(PRIOR_VAR)) and prior.details["tau2"] == 25.0
    # a lever file that carries pooled_se and tau is used as it is
    text = (cat.LEVER_DIR / "job_matching.toml").read_text(encoding="utf-8")
    text = text.replace('[effects.effect_lt1y]\ntau = 5.0', '[effects.effect_lt1y]\npooled_se = 0.5\ntau = 3.0', 1)
    (tmp_path / "job_matching.toml").write_text(text, encoding="utf-8")
    cat.packaged_levers()  # cached from the packaged files before the directory is swapped
    monkeypatch.setattr(cat, "LEVER_DIR", tmp_path)
    assert fb.meta_prior("job_matching").sd == pytest.approx(math.sqrt(0.25 + 9.0))
    with pytest.raises(InputError, match="no effect on participants"):
        fb.meta_prior("flexible_insurance")
    with pytest.raises(NotFoundError, match="effect_lt1y"):
        fb.meta_prior("job_matching", "effect_lt1")


def test_conversions_to_percentage_points() -> None:
    ev = fb.manual_evidence(0.1, 0.02)
    log = fb.to_percentage_points(ev, "log_employment", baseline_rate=0.5)
    assert log.estimate_pp == pytest.approx(50 * (math.exp(0.1) - 1))
    assert log.se_pp == pytest.approx(50 * math.exp(0.1) * 0.02)
    assert fb.to_percentage_points(ev, "employment_probability").estimate_pp == pytest.approx(10.0)
    assert fb.to_percentage_points(fb.manual_evidence(3.0, 1.0), "employment_rate_pct").estimate_pp == 3.0
    bloom = fb.to_percentage_points(fb.manual_evidence(0.01, 0.004), "employment_probability",
                                    participant_share=0.25)
    assert (bloom.estimate_pp, bloom.se_pp) == pytest.approx((4.0, 1.6))
    with pytest.raises(InputError, match="baseline employment rate"):
        fb.to_percentage_points(ev, "log_employment")
    with pytest.raises(InputError, match="0.62"):
        fb.to_percentage_points(ev, "log_employment", baseline_rate=62)
    with pytest.raises(InputError, match="only log-employment"):
        fb.to_percentage_points(ev, "employment_probability", baseline_rate=0.5)
    with pytest.raises(InputError, match="not a possible effect"):
        fb.to_percentage_points(fb.manual_evidence(3.0, 1.0), "employment_probability")
    with pytest.raises(InputError, match="did you mean 'employment_probability'"):
        fb.resolve_kind(ev, "employment_probabilty")
    # a declared unit is read as a kind when it names one; an explicit kind may name an employment unit
    # the aliases do not know, but never overrule a declared unit of something else
    declared = fb.Evidence(0.1, 0.02, "emp", "Employment probability", "did", "x", "run x")
    assert fb.resolve_kind(declared, None) == "employment_probability"
    shares = fb.Evidence(0.1, 0.02, "emp", "share employed", "did", "y", "run y")
    assert fb.resolve_kind(shares, "employment_probability") == "employment_probability"
    with pytest.raises(InputError, match="not an employment probability"):
        fb.resolve_kind(shares, None)
    with pytest.raises(InputError, match="declared its outcome unit as 'log employment'"):
        fb.resolve_kind(fb.Evidence(0.1, 0.02, "lemp", "log employment", "did", "z", "run z"),
                        "employment_probability")


def test_updates_chain_record_and_refuse_double_counting(fresh_home) -> None:
    first = fb.feedback("job_matching", fb.manual_evidence(3.0, 1.0, "pilot A"), outcome_kind="employment_rate_pct")
    assert first.prior.kind == "meta_analysis"
    assert first.posterior_mean == pytest.approx((PRIOR_MEAN / PRIOR_VAR + 3.0) / (1 / PRIOR_VAR + 1))  # 80/27
    assert first.posterior_sd**2 == pytest.approx(1 / (1 / PRIOR_VAR + 1))
    assert first.shrinkage_weight == pytest.approx(1 / 27)
    eff = cat.load_catalogue(fresh_home)["job_matching"].effects["effect_lt1y"]
    assert (eff.value, eff.sd) == pytest.approx((80 / 27, math.sqrt(26 / 27)))
    assert eff.provenance["evidence_source"] == "pilot A" and eff.provenance["chained"] is False
    second = fb.feedback("job_matching", fb.manual_evidence(0.0, 2.0, "pilot B"), outcome_kind="employment_rate_pct")
    assert second.prior.kind == "previous_update" and second.prior.mean == pytest.approx(80 / 27)
    # sequential = batch: all three precisions add up
    precision = 1 / PRIOR_VAR + 1 / 1.0 + 1 / 4.0
    assert second.posterior_sd == pytest.approx(precision**-0.5)
    assert second.posterior_mean == pytest.approx((PRIOR_MEAN / PRIOR_VAR + 3.0 / 1.0 + 0.0 / 4.0) / precision)
    assert cat.load_catalogue(fresh_home)["job_matching"].effects["effect_lt1y"].value == second.posterior_mean
    assert cat.load_catalogue(fresh_home)["job_matching"].participant_profile[0] == second.posterior_mean
    before = updates_rows(fresh_home)
    with pytest.raises(InputError, match="already fed back"):
        fb.feedback("job_matching", fb.manual_evidence(3.0, 1.0, "pilot A"), outcome_kind="employment_rate_pct")
    assert updates_rows(fresh_home) == before and len(before) == 2
    dry = fb.feedback("job_matching", fb.manual_evidence(1.0, 1.0, "pilot C"), outcome_kind="employment_rate_pct",
                      record=False)
    assert dry.recorded is None and updates_rows(fresh_home) == before


def test_simulated_panel_end_to_end_through_the_did_api(fresh_home) -> None:
    frame = simulated_panel(effect=0.04)
    panel = panel_from_frame(frame, unit="region", time="period", outcome="emp_rate", cohort="first")
    result = estimate_did(panel, bootstrap=0, outcome_unit="employment probability")
    assert result.ci_low <= 0.04 <= result.ci_high
    evaluated = Subject("job_search_assistance", "regions", "employment_probability", 6)
    update = fb.feedback("job_matching", fb.evidence_from_result(result, evaluated=evaluated), home=fresh_home)
    est, se = 100 * result.att, 100 * result.se
    expected_b = se**2 / (se**2 + PRIOR_VAR)
    assert update.shrinkage_weight == pytest.approx(expected_b)
    value = cat.load_catalogue(fresh_home)["job_matching"].effects["effect_lt1y"].value
    assert value == pytest.approx(expected_b * PRIOR_MEAN + (1 - expected_b) * est)
    assert abs(value - 4.0) < abs(PRIOR_MEAN - 4.0)  # moved from the prior toward the injected 4 pp


def test_cli_from_run_records_provenance_and_refuses_the_same_data_twice(capsys, fresh_home, tmp_path) -> None:
    data = tmp_path / "regions.csv"
    simulated_panel(effect=0.04).to_csv(data, index=False)
    args = ["--data", str(data), "--unit", "region", "--time", "period", "--cohort", "first", "--outcome",
            "emp_rate", "--bootstrap", "200", "--json", "--programme-type", "job_search_assistance"]
    code, out, err = cli(capsys, "did", *args)
    assert code == 0, err
    run = json.loads(out)
    code, out, err = cli(capsys, "feedback", "--lever", "job_matching", "--from-run", run["run_id"], "--json")
    assert code == 2 and "not an employment probability" in err and "--outcome-kind" in err  # no unit declared
    code, out, err = cli(capsys, "feedback", "--lever", "job_matching", "--from-run", run["run_id"],
                         "--outcome-kind", "employment_probability", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["likelihood"]["mean"] == pytest.approx(100 * run["att"]["estimate"])
    assert shown["recorded"]["table"] == "lever_updates"
    prov = cat.load_catalogue()["job_matching"].effects["effect_lt1y"].provenance
    meta = Store().run(run["run_id"])
    assert prov["run_id"] == run["run_id"] and prov["data_sha256"] == meta.meta["data_sha256"]
    assert prov["method"] == "callaway_santanna" and prov["date"] == meta.created
    before = updates_rows(fresh_home)
    code, _, err = cli(capsys, "feedback", "--lever", "job_matching", "--from-run", run["run_id"],
                       "--outcome-kind", "employment_probability")
    assert code == 2 and "already fed back" in err
    code, out, err = cli(capsys, "event-study", *args)  # same data file, new run id: not independent
    code, _, err = cli(capsys, "feedback", "--lever", "job_matching", "--from-run", json.loads(out)["run_id"],
                       "--outcome-kind", "employment_probability")
    assert code == 2 and "same data" in err
    assert updates_rows(fresh_home) == before
    code, out, _ = cli(capsys, "feedback", "--lever", "job_matching", "--estimate", "1.5", "--se", "2",
                       "--outcome-kind", "employment_rate_pct", "--dry-run", "--lang", "zh")
    assert code == 0 and "先验（上一次记录的更新）" in out and "试运行" in out


def test_lemp_from_mpdta_is_refused_unless_converted(capsys, fresh_home, data_dir) -> None:
    mpdta = source_file("evaluation/mpdta.csv", data_dir)
    code, out, err = cli(capsys, "did", "--data", str(mpdta), "--unit", "countyreal", "--time", "year", "--cohort",
                         "first.treat", "--outcome", "lemp", "--bootstrap", "0", "--json", "--programme-type",
                         "job_search_assistance")
    assert code == 0, err
    run = json.loads(out)
    base = ["feedback", "--lever", "job_matching", "--from-run", run["run_id"]]
    code, _, err = cli(capsys, *base)
    assert code == 2 and "outcome 'lemp'" in err and "not an employment probability" in err
    code, _, err = cli(capsys, *base, "--outcome-kind", "employment_probability")
    assert code == 2 and "runs from" in err and "not an employment probability (expected 0 to 1)" in err
    code, _, err = cli(capsys, *base, "--outcome-kind", "log_employment")
    assert code == 2 and "--baseline-rate" in err
    assert updates_rows(fresh_home) == []
    code, out, err = cli(capsys, *base, "--outcome-kind", "log_employment", "--baseline-rate", "0.6", "--json")
    assert code == 0, err
    like = json.loads(out)["likelihood"]
    att, se = run["att"]["estimate"], run["att"]["se"]
    assert like["mean"] == pytest.approx(60 * math.expm1(att)) and like["sd"] == pytest.approx(60 * math.exp(att) * se)


def test_bad_runs_are_refused_and_nothing_written(capsys, fresh_home) -> None:
    store = Store()
    att = {"estimate": -19.6, "se": 9.0, "ci_low": -37.2, "ci_high": -2.0}
    prop99 = store.save_run("evaluate", {"method": "sc", "outcome": "PacksPerCapita",
                                         "outcome_unit": "packs per capita", "att": att})
    plan = store.save_run("plan", {"note": "not an evaluation"})
    no_se = store.save_run("evaluate", {"method": "sc", "outcome": "emp", "outcome_unit": "employment probability",
                                        "att": {"estimate": 0.02, "se": None}})
    before = updates_rows(fresh_home)
    for args, message in [
        (["--from-run", prop99], "in 'packs per capita'"),
        (["--from-run", prop99, "--outcome-kind", "employment_rate_pct"], "declared its outcome"),
        (["--from-run", plan], "not an evaluation"),
        (["--from-run", no_se], "no positive standard error"),
        (["--from-run", prop99[:-1]], "did you mean"),
        (["--estimate", "0.02", "--se", "0.01"], "needs --outcome-kind"),
        (["--estimate", "0.02"], "needs --se"),
        ([], "either --from-run"),
    ]:
        code, _, err = cli(capsys, "feedback", "--lever", "job_matching", *args)
        assert code == 2 and message in err, (args, err)
    code, _, err = cli(capsys, "feedback", "--lever", "job_matchin", "--estimate", "2", "--se", "1",
                       "--outcome-kind", "employment_rate_pct")
    assert code == 2 and "did you mean 'job_matching'" in err
    assert updates_rows(fresh_home) == before


def test_mismatched_evidence_is_refused_unless_accepted(capsys, fresh_home, data_dir) -> None:
    """The issue's case: a minimum-wage DiD on teen employment must not update job matching silently."""
    mpdta = source_file("evaluation/mpdta.csv", data_dir)
    code, out, err = cli(capsys, "did", "--data", str(mpdta), "--unit", "countyreal", "--time", "year", "--cohort",
                         "first.treat", "--outcome", "lemp", "--bootstrap", "0", "--json", "--programme-type",
                         "other", "--population", "US counties, teen employment", "--outcome-kind",
                         "log_employment", "--horizon", "12")
    assert code == 0, err
    run = json.loads(out)["run_id"]
    assert Store().run(run).meta["evaluated"]["programme_type"] == "other"
    base = ["feedback", "--lever", "job_matching", "--from-run", run, "--baseline-rate", "0.6"]
    code, _, err = cli(capsys, *base)
    assert code == 2 and "'other' programme" in err and "--accept-mismatch" in err
    assert updates_rows(fresh_home) == []
    code, out, err = cli(capsys, *base, "--accept-mismatch", "no local job-matching evaluation exists", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["parameter"] == "effect_1to2y"  # 12 months after: the 1-2 year window
    assert shown["accepted_mismatch"] == "no local job-matching evaluation exists" and shown["mismatches"]
    assert shown["weights"]["prior"] + shown["weights"]["evidence"] == pytest.approx(1)
    prov = cat.load_catalogue()["job_matching"].effects["effect_1to2y"].provenance
    assert prov["accepted_mismatch"] == "no local job-matching evaluation exists"
    if shown["weights"]["evidence"] > 0.8:
        assert any("of the weight" in n for n in shown["notes"])


def test_individual_att_on_employment_feeds_the_training_lever(capsys, fresh_home, tmp_path, data_dir) -> None:
    frame = pd.read_csv(source_file("evaluation/nsw_dehejia_wahba.csv", data_dir))
    frame["employed78"] = (frame["re78"] > 0).astype(int)
    data = tmp_path / "nsw.csv"
    frame.to_csv(data, index=False)
    code, out, err = cli(capsys, "programme", "--data", str(data), "--treatment", "treat", "--outcome",
                         "employed78", "--covariates", "age,educ,black,re75", "--programme-type", "training",
                         "--outcome-kind", "employment_probability", "--horizon", "14", "--json")
    assert code == 0, err
    att = json.loads(out)
    code, out, err = cli(capsys, "feedback", "--lever", "training", "--from-run", att["run_id"], "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["parameter"] == "effect_1to2y"
    assert shown["likelihood"]["mean"] == pytest.approx(100 * att["att"]["estimate"])
    data_weight = shown["weights"]["evidence"]
    assert (data_weight > 0.8) == any("of the weight" in n for n in shown["notes"])
    code, _, err = cli(capsys, "feedback", "--lever", "job_matching", "--from-run", att["run_id"])
    assert code == 2 and "'training' programme" in err
