"""`workshift optimize` and the policy demo: bad input fails cleanly with nothing written; the US pack end to end."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from workshift.cli import main
from workshift.config import CHECKOUT_ROOT
from workshift.store import Store

SCENARIO = CHECKOUT_ROOT / "scenarios" / "genai_policy.toml"


def _write(tmp_path, policy: dict, market: dict | None = None):
    import tomli_w

    raw = tomllib.loads(SCENARIO.read_text())
    raw["policy"] = {**raw["policy"], **policy}
    if market:
        raw["market"] = {**raw["market"], **market}
    path = tmp_path / "scenario.toml"
    path.write_bytes(tomli_w.dumps(raw).encode())
    return path


@pytest.mark.parametrize(("policy", "args", "message"), [
    ({"budget": -5.0}, [], "negative"),
    ({"levers": {"training": {"min": 0.3, "max": 0.1}}}, [], "inverted"),
    ({"levers": {"trainin": {"max": 0.1}}}, [], "did you mean 'training'"),
    ({}, ["--objectives", "employment_rate,incom"], "did you mean 'income'"),
    ({}, ["--algorithm", "nsga4"], "unknown algorithm"),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path, fresh_home, capsys, policy, args, message) -> None:
    path = _write(tmp_path, policy)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main(["optimize", str(path), "--pop", "4", "--generations", "1", "--out", str(out), *args])
    assert exit_.value.code == 2
    assert message in re.sub(r"\s+", " ", capsys.readouterr().err)
    assert not out.exists() and Store().runs() == []


def test_objective_that_the_run_cannot_compute(tmp_path, fresh_home, capsys) -> None:
    path = _write(tmp_path, {}, {"extensions": ["flexible", "training", "exit", "income"]})
    with pytest.raises(SystemExit) as exit_:
        main(["optimize", str(path), "--objectives", "employment_rate,job_quality,cost"])
    assert exit_.value.code == 2
    assert "cannot be computed" in capsys.readouterr().err and Store().runs() == []


def test_optimize_on_the_us_pack_json_store_plan_and_reports(us_pack, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    main_args = ["optimize", str(SCENARIO), "--pop", "6", "--generations", "2", "--seed", "3", "--json", "--ensemble", "2",
                 "--out", str(out)]
    with pytest.raises(SystemExit) as exit_:
        main(main_args)
    assert exit_.value.code == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("baseline", "pareto", "recommended", "hypervolume", "evaluations", "seconds", "plan_id"):
        assert key in result
    assert result["evaluations"] == 12
    assert set(result["recommended"]) >= {"portfolio", "objectives", "cost", "schedule"}
    assert all(m["cost"] <= result["budget"] * (1 + 1e-9) for m in result["pareto"])
    store = Store()
    plan = store.table(result["plan_id"], "trajectory")
    assert list(plan.columns) == ["indicator", "region", "period", "projected", "lower", "upper"]
    assert set(plan["indicator"]) == {"unemployment_rate", "employment_rate", "long_term_unemployment_rate"}
    assert (plan["lower"] < plan["projected"]).all() and (plan["projected"] < plan["upper"]).all()
    assert store.run(result["run_id"]).kind == "optimize"
    en = (out / "policy_report.en.html").read_text()
    zh = (out / "policy_report.zh.html").read_text()
    assert "Pareto front" in en and "帕累托前沿" in zh
    # a minister reads the recommendation first; hypervolume and convergence are in the methods at the end
    assert en.index("<h2>Recommendation</h2>") < en.index("<h2>Pareto front") < en.index("<h2>Methods</h2>")
    assert zh.index("<h2>政策建议</h2>") < zh.index("<h2>方法说明</h2>") and "job-years" in en
    assert result["convergence"]["generations_run"] == 2 and "uncertainty" in result
    assert 0.0 <= result["uncertainty"]["p_beats_no_policy"] <= 1.0
    assert 'src="http' not in en and "plotly" in en  # plotly inlined: the report works offline


def test_policy_demo_returns_headline_and_writes_both_reports(us_pack, tmp_path) -> None:
    from workshift.optimize.demo import run_policy_demo

    stages = []
    got = run_policy_demo(us_pack, tmp_path, pop=4, generations=2, ensemble_draws=0,
                          progress=lambda stage, done, total: stages.append(stage))
    assert [row["objective"] for row in got["headline"]][:4] == ["employment_to_population", "job_quality", "income",
                                                                 "cost"]
    assert set(got["reports"]) == {"en", "zh"} and all((tmp_path / f"policy_report.{k}.html").exists()
                                                        for k in ("en", "zh"))
    assert {"prepare", "optimise", "report"} <= set(stages)
    assert got["plan_id"].startswith("plan-") and got["evaluations"] == 8
    # the pack has the empirical network: the demo runs on it and says nothing about a fallback
    assert got["network"] == "empirical" and got["network_fallback"] is None and got["network_note"] is None
    assert "skills-based mobility network" not in (tmp_path / "policy_report.en.html").read_text(encoding="utf-8")


def test_demo_network_falls_back_to_skills_only_when_the_empirical_one_is_absent() -> None:
    from workshift.optimize.demo import demo_network
    from workshift.optimize.report import network_note

    assert demo_network("empirical", {"empirical", "skills"}) == ("empirical", False)
    assert demo_network("empirical", {"skills"}) == ("skills", True)
    assert demo_network("complete", {"skills"}) == ("complete", False)
    assert demo_network("empirical", set()) == ("empirical", False)  # nothing to fall back to: the engine says so
    note = network_note({"wanted": "empirical", "used": "skills"}, "zh")
    assert "基于技能" in note and "--accept-licence mobility_asec" in note


def test_policy_evaluate_a_reform_on_the_us_pack(us_pack, tmp_path, capsys) -> None:
    """`workshift policy evaluate REFORM.toml --json`: status quo (cost 0), reform (with cost), difference."""
    path = _write(tmp_path, {"reform": {"job_matching": 0.3, "working_time": 0.1}})
    with pytest.raises(SystemExit) as exit_:
        main(["policy", "evaluate", str(path), "--json"])
    assert exit_.value.code == 0
    got = json.loads(capsys.readouterr().out)
    assert {"status_quo", "reform", "difference"} <= set(got)
    assert got["status_quo"]["cost"] == 0.0 and got["reform"]["cost"] > 0
    assert got["status_quo"]["policy_effect"] == 0.0
    assert got["difference"]["policy_effect"] == pytest.approx(got["reform"]["policy_effect"])
    with pytest.raises(SystemExit) as exit_:
        main(["policy", "evaluate", str(path), "--lang", "zh"])
    table = capsys.readouterr().out
    assert exit_.value.code == 0 and "无新政策" in table and "就业人年" in table and " pp" in table


@pytest.mark.parametrize(("command", "policy", "message"), [
    ("evaluate", {}, "no [policy.reform]"),
    ("evaluate", {"reform": {"trainin": 0.1}}, "did you mean 'training'"),
    ("audit", {"levers": {"trainin": {"max": 0.1}}}, "did you mean 'training'"),
])
def test_policy_commands_bad_input_exit_2(tmp_path, fresh_home, capsys, command, policy, message) -> None:
    path = _write(tmp_path, policy)
    with pytest.raises(SystemExit) as exit_:
        main(["policy", command, str(path), "--json"])
    assert exit_.value.code == 2
    assert message in re.sub(r"\s+", " ", capsys.readouterr().err)
