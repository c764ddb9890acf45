"""Evidence errors speak the library's terms (``trim``, ``folds``, ``horizon_months``...) and carry ``parameter=``;
the command line restates them with its flag (``--trim``, ``--horizon``), as for optimize's ``pop``."""

from __future__ import annotations

import pytest

from workshift.cli import FLAGS, main
from workshift.errors import InputError
from workshift.evidence import programme, synth_predictors
from workshift.evidence.evaluated import subject
from workshift.evidence.predict import fit
from workshift.evidence.synth import estimate_synth

PROGRAMME = {"method": "aipw", "estimand": "att", "trim": 0.01, "folds": 5, "repetitions": 3, "neighbours": 1,
             "alpha": 0.05}


def _library_error(call) -> InputError:
    with pytest.raises(InputError) as info:
        call()
    assert "--" not in info.value.message, info.value.message
    return info.value


@pytest.mark.parametrize("name, bad", [("trim", 0.5), ("folds", 1), ("repetitions", 0), ("neighbours", 0)])
def test_programme_options_are_named_as_parameters(name, bad) -> None:
    error = _library_error(lambda: programme._check(**{**PROGRAMME, name: bad}))
    assert error.parameter == name and error.message.startswith(f"{name} = {bad} ")
    assert error.restated({name: f"--{name}"}).message.startswith(f"--{name} = {bad} ")


def test_other_evidence_options_are_named_as_parameters() -> None:
    cases = {
        "horizon_months": lambda: subject(horizon_months=-1.0),
        "n_iter": lambda: fit(None, "y", n_iter=0),
        "replications": lambda: estimate_synth(None, treated="a", treatment_start=1, replications=1),
        "predictor_periods": lambda: synth_predictors.parse_periods("19x", [1990], "predictor_periods",
                                                                   "predictor_periods"),
    }
    for name, call in cases.items():
        error = _library_error(call)
        assert error.parameter == name and error.message.startswith(f"{name} "), name
    assert FLAGS["horizon_months"] == "--horizon" and FLAGS["n_iter"] == "--search-iter"


def test_the_command_line_restates_the_parameter_as_its_flag(tmp_path, capsys, fresh_home) -> None:
    data = tmp_path / "panel.csv"
    data.write_text("unit,time,cohort,y\na,1,0,1.0\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "did", "--data", str(data), "--unit", "unit", "--time", "time", "--cohort", "cohort",
              "--outcome", "y", "--horizon", "-1"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert "--horizon = -1.0 must be months after the programme" in err and "horizon_months" not in err
