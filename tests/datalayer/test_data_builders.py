"""The region-pack builder interface: the registry, the table contract, and a pack from a user's own tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workshift.data import build_pack, load_pack, pack_names
from workshift.data.builders import BUILDERS, get_builder
from workshift.data.contract import REQUIRED, TABLES, check_tables
from workshift.errors import DataError, InputError
from workshift.market.inputs import from_pack
from workshift.market.run import simulate
from workshift.market.scenario import from_dict

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "user_pack"


def test_registry_declares_a_code_system_per_builder() -> None:
    assert "us" in pack_names() and "tables" not in pack_names()
    assert get_builder("us").code_system == "SOC 2018"
    for builder in BUILDERS.values():
        assert builder.code_system in ("SOC 2018", "ISCO-08", "CSCO 2022") and builder.steps
    with pytest.raises(InputError, match="(?s)unknown region pack 'usa'.*did you mean 'us'"):
        get_builder("usa")


def test_us_pack_meets_the_contract_and_declares_soc(us_pack) -> None:
    check_tables({t: getattr(us_pack, t) for t in TABLES}, "us")
    assert us_pack.code_system == "SOC 2018" and us_pack.currency == "USD"
    assert us_pack.meta["builder"] == "us"


@pytest.fixture(scope="module")
def user_pack(tmp_path_factory, data_dir):
    home = tmp_path_factory.mktemp("user_home")
    build_pack("example_eu", data_dir=data_dir, home=home, from_tables=EXAMPLE)
    return load_pack("example_eu", home=home), home


def test_user_tables_build_a_pack_that_keeps_the_tables(user_pack) -> None:
    pack, _ = user_pack
    raw = pd.read_csv(EXAMPLE / "occupations.csv", dtype={"code": str})
    assert pack.code_system == "ISCO-08" and pack.currency == "EUR" and pack.meta["builder"] == "tables"
    assert pack.occupations["soc_code"].tolist() == raw["code"].tolist()
    assert pack.quality["employment_total"] == raw["employment"].sum()
    assert pack.occupations.loc[pack.occupations["soc_code"] == "2411", "major_group"].item() == "2"
    # empirical flows renormalised; the skills network built from the user's skills
    assert pack.networks() == ["empirical", "skills"]
    for network in pack.networks():
        _, matrix = pack.transition_matrix(network)
        np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    _, empirical = pack.transition_matrix("empirical")
    assert empirical[0, 0] == pytest.approx(900 / 940)
    wide = pack.exposure_wide()
    assert wide.loc["4110", "ilo_genai_2025"] == 0.62 and pack.exposure["observed"].all()
    for table, columns in REQUIRED.items():
        assert set(columns) <= set(getattr(pack, table).columns), table


def test_user_pack_simulates(user_pack) -> None:
    pack, _ = user_pack
    inputs = from_pack(pack, region=pack.name)
    assert inputs.n == 10 and inputs.employment.sum() == pack.occupations["employment"].sum()
    scenario = from_dict({"market": {"pack": pack.name, "network": "empirical", "steps": 120},
                          "shock": {"index": "ilo_genai_2025", "start_step": 20, "adoption_steps": 60}})
    result = simulate(scenario, inputs)
    rate = np.asarray(result.series["unemployment_rate"])
    # The shock moves the path (its sign depends on the displacement vs reinstatement channels, docs/engine.md);
    # a converged start means no drift before it.
    assert np.isfinite(rate).all() and ((rate > 0) & (rate < 1)).all()
    assert abs(rate[19] - rate[0]) < 5e-4 and abs(rate[-1] - rate[19]) > 1e-3


def test_a_bad_user_table_names_file_row_and_column(tmp_path: Path, data_dir: Path) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(EXAMPLE, folder)
    text = (folder / "occupations.csv").read_text().replace("2411,Accountants,80000", "2411,Accountants,many")
    (folder / "occupations.csv").write_text(text)
    with pytest.raises(DataError, match=r"occupations.csv, row 3, column .employment."):
        build_pack("bad_pack", data_dir=data_dir, home=tmp_path / "home", from_tables=folder)
    assert not (tmp_path / "home" / "packs" / "bad_pack.duckdb").exists()
    (folder / "skills.csv").write_text("code,element,importance\n9999,Writing,3\n")
    shutil.copy(EXAMPLE / "occupations.csv", folder / "occupations.csv")
    with pytest.raises(DataError, match=r"skills.csv.*'9999' is not in occupations.csv"):
        build_pack("bad_pack", data_dir=data_dir, home=tmp_path / "home", from_tables=folder)
    with pytest.raises(InputError, match="registered pack"):
        build_pack("us", data_dir=data_dir, home=tmp_path / "home", from_tables=EXAMPLE)


def test_user_pack_answers_transitions_in_its_own_codes(user_pack) -> None:
    from workshift.services.career import advise
    from workshift.services.transitions import TransitionModel

    pack, _ = user_pack
    from workshift.data.exposure import index_catalogue

    known = {spec["index"]: spec for spec in index_catalogue()}["ilo_genai_2025"]
    row = pack.exposure_indices.set_index("index").loc["ilo_genai_2025"]
    assert row["description"] == known["description"] and row["source"] == "user table exposure.csv"
    model = TransitionModel(pack, index="ilo_genai_2025")
    advice = advise(model, "Accountants", top=5, filter="all")
    assert advice.origin.soc_code == "2411" and advice.origin.confidence == 1.0
    destinations = [item.code for item in advice.transitions]
    assert destinations and "2411" not in destinations and set(destinations) <= set(pack.occupations["soc_code"])
