"""Index rescaling rules live in each index's declaration (indices.toml, a pack's exposure_indices.rule):
every index of every built pack has one, and an unknown or missing rule is a one-line error naming the index."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from workshift.data import build_pack, exposure, load_pack
from workshift.data.contract import EXPOSURE_RULES, TABLES, check_tables
from workshift.errors import DataError
from workshift.market.inputs import synthetic
from workshift.market.shock import RULE_DISPLACEMENT_SHARE

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "user_pack"


def test_the_engine_knows_what_every_declared_rule_means() -> None:
    assert set(RULE_DISPLACEMENT_SHARE) == set(EXPOSURE_RULES)
    assert RULE_DISPLACEMENT_SHARE["probability"] == 1.0  # the paper's Frey-Osborne case uses p as it is


def test_every_catalogue_index_declares_a_known_rule() -> None:
    rules = {spec["index"]: spec["rule"] for spec in exposure.index_catalogue()}
    assert set(rules.values()) <= set(EXPOSURE_RULES)
    assert rules["gpts_beta"] == "share" and rules["aioe"] == "quantile" and rules["frey_osborne"] == "probability"


@pytest.mark.parametrize("text, said", [('rule = "rank"\n', "has unknown rule 'rank'"), ("", "has no rescaling rule")])
def test_an_unknown_or_missing_catalogue_rule_names_the_index(tmp_path, monkeypatch, text, said) -> None:
    (tmp_path / "indices.toml").write_text(f'[[index]]\nindex = "made_up"\n{text}low = 0.0\nhigh = 1.0\n')
    monkeypatch.setattr(exposure, "INDICES_FILE", tmp_path / "indices.toml")
    with pytest.raises(DataError, match=f"exposure index 'made_up' in indices.toml {said}") as info:
        exposure.index_catalogue()
    assert "\n" not in info.value.message and "share | quantile | probability" in info.value.message


def _pack_rules(pack) -> dict[str, str]:
    return dict(zip(pack.exposure_indices["index"], pack.exposure_indices["rule"], strict=True))


def test_every_index_of_every_built_pack_has_a_rule(us_pack, intl_home) -> None:
    catalogue = {spec["index"]: spec["rule"] for spec in exposure.index_catalogue()}
    us = _pack_rules(us_pack)
    assert us and all(rule == catalogue[name] for name, rule in us.items())
    for name in ("de", "uk", "cn"):
        rules = _pack_rules(load_pack(name, home=intl_home))
        assert rules and set(rules.values()) <= set(EXPOSURE_RULES), name
        assert all(rule == catalogue[i] for i, rule in rules.items() if i in catalogue), name
        if "rti" in rules:  # the ISCO packs' own routine-task index: declared in the pack's table
            assert rules["rti"] == "quantile"


def test_the_contract_rejects_an_index_without_a_known_rule(us_pack) -> None:
    tables = {t: getattr(us_pack, t) for t in TABLES}
    indices = tables["exposure_indices"].copy()
    indices.loc[indices["index"] == "aioe", "rule"] = "zscore"
    with pytest.raises(DataError, match="exposure index 'aioe' in pack 'us' has unknown rule 'zscore'"):
        check_tables({**tables, "exposure_indices": indices}, "us")


def test_the_engine_refuses_an_index_whose_declaration_has_no_rule() -> None:
    inputs = synthetic(n=12, seed=3)
    values, rule = inputs.index_values("aioe")
    assert rule == "quantile" and np.isfinite(values).all()
    inputs.exposure_indices.loc[inputs.exposure_indices["index"] == "aioe", "rule"] = "zscore"
    with pytest.raises(DataError, match="exposure index 'aioe' in the SYN pack's exposure_indices has unknown"):
        inputs.index_values("aioe")
    inputs.exposure_indices = inputs.exposure_indices.drop(columns="rule")
    with pytest.raises(DataError, match="'aioe' .* has no rescaling rule") as info:
        inputs.index_values("aioe")
    assert "rebuild" in (info.value.hint or "")


def test_a_user_index_takes_its_rule_from_its_table_or_the_catalogue(tmp_path, data_dir) -> None:
    folder = tmp_path / "tables"
    shutil.copytree(EXAMPLE, folder)
    lines = (folder / "exposure.csv").read_text().splitlines()
    own = [f"{row.split(',')[0]},my_index,{k / 10}" for k, row in enumerate(lines[1:4])]
    (folder / "exposure.csv").write_text("\n".join(lines + own) + "\n")
    with pytest.raises(DataError, match="exposure index 'my_index' in exposure.csv has no rescaling rule"):
        build_pack("own_rules", data_dir=data_dir, home=tmp_path / "home", from_tables=folder)
    assert not (tmp_path / "home" / "packs" / "own_rules.duckdb").exists()
    body = [f"{line},{'quantile' if 'my_index' in line else ''}" for line in lines[1:] + own]
    (folder / "exposure.csv").write_text("\n".join(["code,index,value,rule", *body]) + "\n")
    build_pack("own_rules", data_dir=data_dir, home=tmp_path / "home", from_tables=folder)
    rules = _pack_rules(load_pack("own_rules", home=tmp_path / "home"))
    assert rules == {"ilo_genai_2025": "share", "my_index": "quantile"}
