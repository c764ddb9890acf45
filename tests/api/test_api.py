"""The library API (`import workshift as ws`): the issue's snippet as written, overrides, pymoo objects, the CLI's
JSON equal to the library's, errors in the library's terms restated as flags by the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import workshift as ws
from workshift.cli import main
from workshift.config import CHECKOUT_ROOT
from workshift.data.registry import source_file
from workshift.errors import InputError

SCENARIO = CHECKOUT_ROOT / "scenarios" / "genai_policy.toml"


@pytest.mark.slow
def test_issue_snippet_runs_as_written(us_pack, data_dir, monkeypatch) -> None:
    monkeypatch.chdir(CHECKOUT_ROOT)
    df = pd.read_csv(source_file("evaluation/mpdta.csv", data_dir))
    # --- the snippet of issue 14, as written ---
    pack = ws.load_pack("us")                                   # tables as DataFrames, provenance
    sc   = ws.load_scenario("scenarios/genai_policy.toml", budget=2e11)   # keyword overrides, validated
    run  = ws.simulate(sc)          # .series and .nodes DataFrames, .summary, .meta
    plan = ws.optimise(sc, algorithm="nsga2", pop=100, generations=100, seed=1)
    plan.front, plan.recommended, plan.history, plan.to_json()      # DataFrames; to_json is what --json prints
    res  = ws.evaluate_reform(sc, {"training": 0.1, "job_matching": 0.5})
    ws.transitions("data entry keyers", lang="zh")                  # DataFrame
    result = ws.evaluate.did(df, unit="countyreal", time="year", cohort="first.treat", outcome="lemp")
    result.summary(), result.plot()
    # --- what it gave ---
    assert isinstance(pack.occupations, pd.DataFrame) and "vintages" in pack.meta
    assert sc.policy.policy.budget == 2e11
    assert isinstance(run.series, pd.DataFrame) and isinstance(run.nodes, pd.DataFrame)
    assert len(run.series) == sc.engine.market["steps"] + 1 and "versions" in run.meta
    assert 0 < run.summary["steady_state_unemployment_rate"] < 0.2
    assert all(isinstance(x, pd.DataFrame) for x in (plan.front, plan.recommended, plan.history))
    assert (plan.front["cost"] <= 2e11 * (1 + 1e-9)).all() and len(plan.recommended) == 1
    assert plan.history["hypervolume"].is_monotonic_increasing  # of everything evaluated so far
    got = json.loads(plan.to_json())
    assert got["plan_id"] == plan.plan_id and got["evaluations"] == len(plan.history) * 100
    assert res.table.set_index("objective").loc["cost", "status_quo"] == 0.0 and "data_vintage" in res.meta
    zh = ws.transitions("data entry keyers", lang="zh")
    assert len(zh) == 10 and zh.origin["soc_code"] == "43-9021" and "vintages" in zh.meta
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh["explanation"].iloc[0])  # explained in Chinese
    assert result.summary().set_index("aggregation").loc["simple", "estimate"] == pytest.approx(-0.0400, abs=5e-4)
    assert len(result.plot().data) >= 1 and "versions" in result.meta


def test_overrides_are_validated_and_land_in_their_section(fresh_home) -> None:
    sc = ws.load_scenario(SCENARIO, budget=2e11, steps=24, shock={"start_step": 6})
    assert sc.policy.policy.budget == 2e11 and sc.engine.market["steps"] == 24
    assert sc.engine.shock["start_step"] == 6 and sc.raw["policy"]["budget"] == 2e11
    assert ws.load_scenario(SCENARIO).policy.policy.budget == 3e11  # the file is not changed
    with pytest.raises(InputError, match="did you mean 'budget'"):
        ws.load_scenario(SCENARIO, budgt=1.0)
    with pytest.raises(InputError, match="several sections"):
        ws.load_scenario(SCENARIO, start_step=3)
    with pytest.raises(InputError, match="negative"):
        ws.load_scenario(SCENARIO, budget=-1.0)
    with pytest.raises(InputError, match="wrong type"):
        ws.load_scenario(SCENARIO, steps="many")


def test_pymoo_objects_and_the_cli_json_equal_the_library(us_pack, capsys) -> None:
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.termination import get_termination

    sc = ws.load_scenario(SCENARIO, steps=60)
    plan = ws.optimise(sc, algorithm=NSGA2(pop_size=6), pop=6, generations=50, seed=2,
                       termination=get_termination("n_gen", 2), ensemble=0, save_plan=False)
    assert plan.result["algorithm"] == "nsga2" and plan.result["evaluations"] == 12
    assert list(plan.history["generation"]) == [1, 2] and plan.run_id is None
    assert set(plan.front.columns) >= {"member", "cost", "objective_employment_to_population", "training__phase0"}
    lib = json.loads(ws.optimise(SCENARIO, pop=4, generations=2, seed=3, ensemble=2).to_json())
    with pytest.raises(SystemExit) as exit_:
        main(["optimize", str(SCENARIO), "--pop", "4", "--generations", "2", "--seed", "3", "--ensemble", "2",
              "--json"])
    assert exit_.value.code == 0
    cli = json.loads(capsys.readouterr().out)
    volatile = ("seconds", "run_id", "plan_id")
    assert {k: v for k, v in cli.items() if k not in volatile} == {k: v for k, v in lib.items() if k not in volatile}
    with pytest.raises(InputError, match="random search takes no termination"):
        ws.optimise(sc, algorithm="random", pop=4, generations=2, termination=get_termination("n_gen", 1))


def test_library_errors_name_arguments_and_the_cli_names_flags(us_pack, capsys) -> None:
    with pytest.raises(InputError, match=r"^pop must be at least 2") as err:
        ws.optimise(ws.load_scenario(SCENARIO, steps=24), pop=1, generations=1, save_plan=False)
    assert err.value.parameter == "pop"
    with pytest.raises(InputError, match=r"^top must be at least 1"):
        ws.transitions("43-9021", top=0)
    with pytest.raises(SystemExit) as exit_:
        main(["transitions", "43-9021", "--top", "0"])
    assert exit_.value.code == 2 and "--top must be at least 1" in capsys.readouterr().err


def test_transitions_table_and_did_result_carry_meta(us_pack, data_dir) -> None:
    table = ws.transitions("43-9021", top=3, filter="viable", training=False)
    assert list(table["rank"]) == [1, 2, 3] and table["viable"].all() and table["score"].between(0, 1).all()
    assert table.meta["index"]["name"] == "gpts_beta" and table.head(2).meta == table.meta
    df = pd.read_csv(source_file("evaluation/mpdta.csv", data_dir))
    res = ws.evaluate.did(df, unit="countyreal", time="year", cohort="first.treat", outcome="lemp", bootstrap=0)
    assert np.isclose(res.att, -0.0400, atol=5e-4) and res.meta["n_units"] == 500
    assert set(res.summary()["aggregation"]) == {"simple", "group", "dynamic", "calendar"}
