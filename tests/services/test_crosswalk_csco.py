"""CSCO -> SOC candidate crosswalk (multilingual e5): known pairs, determinism, caching, bad input.

Built on a small subset (30 CSCO occupations against every SOC title, without O*NET descriptions) to stay
fast: titles-only passages rank the right SOC occupation lower than the full build does, so the known pairs
are checked in the top 5 here. The full build's accuracy on the hand-checked sample (tests/data/
services/data/csco_soc_checked.csv) is measured in bench/bench_search.py and reported in docs/occupations.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workshift.data.csco import (
    CSCO_SUBGROUP_SOC_MAJOR,
    CSCO_TO_SOC_MAJOR,
    csco_available,
    load_csco,
    soc_majors_for,
)
from workshift.errors import DataError, NotFoundError
from workshift.services import crosswalk_csco as xw

SAMPLE = xw.CHECKED_FILE
KNOWN = {  # CSCO code -> SOC codes that must rank in the top 5 (of 830) even with titles-only passages
    "2-05-08-01": {"29-1141"},  # 内科护士 -> Registered Nurses
    "2-02-10-03": {"15-1252", "15-1251"},  # 计算机软件工程技术人员 -> Software Developers / Programmers
    "4-04-05-01": {"15-1251", "15-1252", "15-1254"},  # 计算机程序设计员 -> Computer Programmers
    "4-02-02-02": {"53-3032", "53-3033"},  # 道路货运汽车驾驶员 -> truck drivers
    "4-01-02-04": {"41-2011"},  # 收银员 -> Cashiers
}


@pytest.fixture(scope="module")
def subset() -> list[str]:
    sample = pd.read_csv(SAMPLE, dtype=str)
    sample = sample[sample["subset"] != "served"]  # the accuracy sample: random and common occupations
    others = [c for c in sample["csco_code"] if c not in KNOWN]
    return list(KNOWN) + others[::3][: 30 - len(KNOWN)]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("crosswalk_home")


@pytest.fixture(scope="module")
def crosswalk(data_dir: Path, home: Path, subset: list[str]) -> pd.DataFrame:
    if not csco_available(data_dir):
        pytest.skip("the user-supplied CSCO file is not in the data dir")
    return xw.build_crosswalk(data_dir=data_dir, home=home, codes=subset, descriptions=False)


def test_known_pairs_rank_high(crosswalk: pd.DataFrame) -> None:
    for code, good in KNOWN.items():
        top5 = crosswalk[(crosswalk["csco_code"] == code) & (crosswalk["rank"] <= 5)]
        assert good & set(top5["soc_code"]), (code, top5[["soc_code", "soc_title", "confidence"]])
    programmer = crosswalk[crosswalk["csco_code"] == "4-04-05-01"].iloc[0]
    assert programmer["soc_code"] == "15-1251" and programmer["major_agree"]


def test_table_shape_and_invariants(crosswalk: pd.DataFrame, subset: list[str]) -> None:
    assert list(crosswalk.columns) == [
        "csco_code",
        "csco_name",
        "rank",
        "soc_code",
        "soc_title",
        "similarity",
        "major_agree",
        "confidence",
    ]
    assert crosswalk["csco_code"].drop_duplicates().tolist() == subset
    assert len(crosswalk) == len(subset) * xw.TOP_K
    for _, rows in crosswalk.groupby("csco_code"):
        assert rows["rank"].tolist() == list(range(1, xw.TOP_K + 1))
        assert rows["confidence"].is_monotonic_decreasing and 0 < rows["confidence"].sum() <= 1.0001
        assert rows["soc_code"].is_unique
    majors = crosswalk["soc_code"].str[:2]
    expected = [m in soc_majors_for(c) for c, m in zip(crosswalk["csco_code"], majors, strict=True)]
    assert crosswalk["major_agree"].tolist() == expected
    assert crosswalk.attrs["csco_codes"] == 30 and crosswalk.attrs["soc_occupations"] == 830


def test_cached_and_deterministic(
    crosswalk: pd.DataFrame, data_dir: Path, home: Path, subset, monkeypatch
) -> None:
    def no_embedding(*args, **kwargs):
        raise AssertionError("a cached crosswalk must not embed again")

    with monkeypatch.context() as patch:
        patch.setattr(xw, "embed", no_embedding)
        again = xw.build_crosswalk(data_dir=data_dir, home=home, codes=subset, descriptions=False)
    pd.testing.assert_frame_equal(again, crosswalk)
    texts = ["护士：从事护理工作的人员。", "Registered Nurses. Assess patient health problems"]
    first, second = xw.embed(texts, True), xw.embed(texts, True)
    np.testing.assert_array_equal(first, second)
    assert abs(float(np.linalg.norm(first[0])) - 1) < 1e-4


def test_confidence_rule() -> None:
    # Two candidates with equal similarity: the agreeing one gets 1 / (1 + LAMBDA) of the mass.
    order, sims, agree, conf = xw.rank_candidates(
        np.array([[0.5, 0.5]]), ["2-05-08-01"], np.array(["13-2011", "29-1141"])
    )
    assert order[0].tolist() == [1, 0] and agree[0].tolist() == [True, False]
    assert conf[0, 0] == pytest.approx(1 / (1 + xw.LAMBDA))
    # A similarity gap of TEMPERATURE multiplies the odds by e.
    _, _, _, conf = xw.rank_candidates(
        np.array([[0.5 + xw.TEMPERATURE, 0.5]]), [None], np.array(["29-1141", "29-1171"])
    )
    assert conf[0, 0] / conf[0, 1] == pytest.approx(np.e, rel=1e-4)


def test_major_group_correspondence_uses_real_groups(data_dir: Path) -> None:
    csco = load_csco(data_dir, required=False)
    if csco is None:
        pytest.skip("the user-supplied CSCO file is not in the data dir")
    groups = set(csco.loc[csco["level"] <= 2, "code"].str[:4]) | set(csco["major"])
    assert set(CSCO_TO_SOC_MAJOR) <= groups | {"7", "8"}
    soc_majors = {f"{m}" for m in range(11, 56, 2)}
    assert all(set(v) <= soc_majors for v in CSCO_TO_SOC_MAJOR.values())
    assert soc_majors_for("2-05-08-01", refined=False) == CSCO_TO_SOC_MAJOR["2-05"]
    assert soc_majors_for("6-18-02-04") == CSCO_TO_SOC_MAJOR["6"]
    # The finer table: real minor groups (or medium groups), each a subset of its parent's list.
    minor = set(csco.loc[csco["level"] == 4, "code"].str[:7])
    for group, majors in CSCO_SUBGROUP_SOC_MAJOR.items():
        assert group in minor | groups, group
        parent = CSCO_TO_SOC_MAJOR.get(group[:4], CSCO_TO_SOC_MAJOR.get(group[0]))
        assert majors and set(majors) <= set(parent), group
    assert soc_majors_for("2-05-08-01") == ("29", "31")  # nurses: no longer 19 or 21
    assert "33" in soc_majors_for("4-07-05-01") and "33" not in soc_majors_for("4-07-02-05")  # guards only
    assert soc_majors_for("5-01-02-01") == CSCO_SUBGROUP_SOC_MAJOR["5-01"]  # a medium group in major 5


def test_csco_to_soc_and_errors(crosswalk: pd.DataFrame, data_dir: Path, home: Path, monkeypatch) -> None:
    monkeypatch.setattr(xw.crosswalk_packaged, "install", lambda *a, **k: False)  # no shipped build either
    with pytest.raises(NotFoundError, match="has not been built"):
        xw.csco_to_soc("2-05-08-01", data_dir=data_dir, home=home, build=False)
    monkeypatch.setattr(xw, "cached_crosswalk", lambda *a, **k: crosswalk)
    real_checked = xw.checked
    monkeypatch.setattr(xw, "checked", lambda path=None: {})  # the model's own candidates
    nurse = xw.csco_to_soc("2050801", data_dir=data_dir, home=home)
    assert nurse[0].rank == 1 and nurse[0].confidence >= nurse[1].confidence
    assert "29-1141" in [c.soc_code for c in nurse[:5]]
    monkeypatch.setattr(xw, "checked", real_checked)  # served: the hand-checked answer, 29-1141 first
    served = xw.csco_to_soc("2-05-08-01", data_dir=data_dir, home=home)
    assert [(c.soc_code, c.confidence) for c in served] == [("29-1141", xw.CHECKED_FIRST)]
    courier = xw.csco_to_soc("4-02-07-08", data_dir=data_dir, home=home)
    assert [c.soc_code for c in courier] == ["43-5021", "53-3031", "53-3033"]
    assert np.isclose(sum(c.confidence for c in courier), 1.0)
    with pytest.raises(NotFoundError, match="is a group"):
        xw.csco_to_soc("2-05-00-00", data_dir=data_dir, home=home)
    with pytest.raises(NotFoundError, match="unknown CSCO 2022 code '9-99-99-99'"):
        xw.csco_to_soc("9-99-99-99", data_dir=data_dir, home=home)


def test_missing_csco_file(tmp_path: Path) -> None:
    assert xw.cached_crosswalk(data_dir=tmp_path, home=tmp_path) is None
    with pytest.raises(DataError, match="user-supplied"):
        xw.build_crosswalk(data_dir=tmp_path, home=tmp_path, codes=["2-05-08-01"], descriptions=False)


def test_a_chinese_title_without_csco_names_the_missing_classification(tmp_path: Path, data_dir: Path,
                                                                       us_pack) -> None:
    from helpers import make_farm

    from workshift.services.lookup import resolve_occupation

    farm = make_farm(tmp_path, data_dir, {"classifications/csco/csco22.csv": None})
    with pytest.raises(DataError) as missing:
        resolve_occupation("数据录入员", us_pack, data_dir=farm, home=tmp_path / "home")
    text = str(missing.value)
    assert "CSCO 2022 classification, which is missing" in text and "职业分类大典" in text
    assert "`workshift data pull csco --accept-licence csco" in text
    assert "best confidence" not in text
    # English titles need no CSCO
    assert resolve_occupation("registered nurses", us_pack, data_dir=farm, home=tmp_path / "home").known

