"""One validation layer for scenario and policy files (issue 12, items 2, 8, 12): non-finite numbers, wrong
types, impossible sizes and unreadable files are one-line errors naming the file, section and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from workshift.errors import DataError, InputError
from workshift.market import scenario as scenario_mod
from workshift.policy.catalogue import load_catalogue
from workshift.policy.spec import parse_policy


def scenario_file(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, needle", [
    ("[shock]\nadoption_steps = nan\n", "[shock] adoption_steps = nan is not a finite number"),
    ("[shock]\nadoption_steps = inf\n", "[shock] adoption_steps = inf is not a finite number"),
    ("[shock]\nadoption_steps = 1e309\n", "[shock] adoption_steps = inf is not a finite number"),
    ("[cycle]\nperiod_steps = nan\n", "[cycle] period_steps = nan is not a finite number"),
    ("[parameters]\nui_replacement_ratio = nan\n", "[parameters] ui_replacement_ratio = nan is not a finite"),
    ("[parameters]\nui_replacement_ratio = -inf\n", "ui_replacement_ratio = -inf is not a finite number"),
    ("[market]\nsteps = \"600\"\n", "[market] steps = '600' has the wrong type (expected a whole number)"),
    ("[market]\nsteps = 60.0\n", "[market] steps = 60.0 has the wrong type (expected a whole number)"),
    ("[market]\nsteps = true\n", "[market] steps = true has the wrong type"),
    ("[market]\nstep_weeks = \"6.75\"\n", "step_weeks = '6.75' has the wrong type (expected a finite number)"),
    ("[market]\nextensions = [\"training\", nan]\n", "[market] extensions[1] = nan is not a finite number"),
    ("[market]\nseed = -5\n", "market.seed = -5 must be a whole number in [0, 2^32)"),
    ("[market]\nseed = 99999999999999999999\n", "seed = 99999999999999999999 is out of range"),
    ("[market]\nsteps = 1000000000000\n", "would need about"),
    ("[market]\nltu_steps = 10000000000\n", "GiB of memory"),
    ("[market]\nsteps = 50\n[shock]\nindex = \"gpts_beta\"\nstart_step = 60\n", "the shock would never start"),
    ("[market]\nsteps = 50\n[shock]\nindex = \"gpts_beta\"\n",
     "shock.start_step = 100 is not before the last step (market.steps = 50)"),
    ("market = 3\n", "'market' must be a table"),
])
def test_bad_scenarios_are_one_line_errors(text, needle, tmp_path):
    path = scenario_file(tmp_path, text)
    with pytest.raises(InputError) as err:
        scenario_mod.load(path)
    assert needle in err.value.message
    assert "\n" not in err.value.message


def test_unreadable_scenario_files(tmp_path):
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    with pytest.raises(DataError, match="is not UTF-8 text"):
        scenario_mod.load(binary)
    bom = scenario_file(tmp_path, "\ufeff[market]\nsteps = 50\n[shock]\nstart_step = 10\n", "bom.toml")
    assert scenario_mod.load(bom).steps == 50  # a BOM is allowed
    with pytest.raises(DataError, match="scenario file not found"):
        scenario_mod.load(tmp_path)  # a folder


def test_valid_numbers_still_pass():
    sc = scenario_mod.from_dict({"market": {"steps": 50, "step_weeks": 6, "seed": 0},
                                 "shock": {"adoption_steps": 231, "displacement_share": 1, "start_step": 10}})
    assert sc.steps == 50 and sc.market["step_weeks"] == 6 and sc.shock["displacement_share"] == 1


@pytest.mark.parametrize("raw, needle", [
    ({"budget": float("nan")}, "[policy] budget = nan is not a finite number"),
    ({"budget": float("inf")}, "[policy] budget = inf is not a finite number"),
    ({"budget": True}, "[policy] budget = true has the wrong type"),
    ({"budget": 1, "phases": [2.5, 7.5]}, "phases = [2.5, 7.5] has the wrong type"),
    ({"budget": 1, "start_year": "2026"}, "start_year = '2026' has the wrong type (expected a whole number)"),
    ({"budget": 1, "start_year": -5}, "start_year = -5 must be a calendar year"),
    ({"budget": 1, "objectives": "e"}, "objectives = 'e' has the wrong type (expected a list of objective"),
    ({"budget": 1, "objectives": ["cost"], "weights": [float("nan")]}, "weights[0] = nan is not a finite"),
    ({"budget": 1, "objectives": ["cost"], "weights": [-1.0]}, "must be >= 0 with a positive sum"),
    ({"budget": 1, "levers": {"training": {"max": 1e300}}}, "max = 1e+300 exceeds the lever's range [0, 0.3]"),
    ({"budget": 1, "levers": {"training": 3}}, "levers.training = 3 has the wrong type"),
    ({"budget": 1, "levers": {"training": {"max": "x"}}}, "levers.training.max = 'x' has the wrong type"),
    ({"budget": 1, "weights": "abc"}, "weights = 'abc' has the wrong type"),
    (5, "'policy' must be a table"),
])
def test_bad_policy_specs(raw, needle):
    with pytest.raises(InputError) as err:
        parse_policy(raw, load_catalogue(), file="s.toml")
    assert err.value.message.startswith("s.toml: ")
    assert needle in err.value.message


@pytest.mark.parametrize("cell", ["inf", "-inf", "1e309", "Infinity"])
def test_infinite_cells_are_not_numbers(cell, tmp_path, fresh_home):
    from workshift.evidence import monitor
    from workshift.services.matching.reading import to_number

    path = tmp_path / "obs.csv"
    path.write_text(f"indicator,region,period,value\nu,US,2024-01,4.0\nu,US,2024-02,{cell}\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"row 3, column 'value': not a number"):
        monitor.ingest(path)
    assert monitor.observations().empty
    import pandas as pd

    assert to_number(pd.Series(["52000", cell])).isna().tolist() == [False, True]


def test_search_settings_and_stray_text(tmp_path, fresh_home, capsys):
    """Item 8: --pop 0 with random, negative seeds; item 12: a numeric column with one stray 'oops'."""
    import numpy as np
    import pandas as pd

    from workshift.cli import main
    from workshift.evidence import predict

    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "genai_policy.toml"
    for args, needle in ((["--pop", "0", "--algorithm", "random"], "--pop = 0"), (["--seed", "-5"], "--seed = -5")):
        with pytest.raises(SystemExit) as code:
            main(["optimize", str(scenario), *args])
        assert code.value.code == 2 and needle in capsys.readouterr().err
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": [f"{v:.3f}" for v in rng.normal(size=60)], "y": rng.normal(size=60)})
    frame.loc[7, "x"] = "oops"
    with pytest.raises(DataError, match="column 'x': is numeric except 1 cell"):
        predict.fit(frame, "y", families=["ridge"], n_iter=1, folds=3)


def test_missing_column_message_names_the_files_columns(tmp_path, fresh_home):
    """Item 12: 'unknown column period (expected one of: indicator, region, value)' had the wording inverted."""
    from workshift.evidence import monitor

    path = tmp_path / "o.csv"
    path.write_text("indicator,region,priod,value\nu,US,2024-01,4\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        monitor.ingest(path)
    assert "the file has no such column (its columns: indicator, region, priod, value)" in err.value.message
    assert "expected one of" not in err.value.message and "priod" in err.value.hint


def test_no_shock_needs_no_start_before_the_end():
    # with index "none" the shock's start is irrelevant: a short steady-state run is valid
    sc = scenario_mod.from_dict({"market": {"steps": 12}, "shock": {"index": "none"}})
    assert sc.steps == 12
