"""CSCO 2022: loading, validation and the duplicate-code rule, on the real (user-supplied) file."""

from __future__ import annotations

from pathlib import Path

import pytest

from workshift.data.csco import CSCO_FILE, csco_available, load_csco, read_csco
from workshift.errors import DataError


@pytest.fixture(scope="module")
def csco(data_dir: Path):
    if not csco_available(data_dir):
        pytest.skip("the user-supplied CSCO file is not in the data dir")
    return load_csco(data_dir)


def test_real_file_counts_and_dedupe(csco) -> None:
    # 2,051 rows with 4 duplicate codes; 1,634 level-4 rows of which 2 are duplicates of each other.
    assert csco.attrs["duplicates_removed"] == 4
    assert len(csco) == 2047
    assert csco["code"].is_unique
    assert csco["level"].value_counts().to_dict() == {4: 1632, 3: 335, 2: 72, 1: 8}
    # 2-03-01-00 appears as an empty level-3 header and as a level-4 row with text: the rule keeps the text.
    soil = csco.set_index("code").loc["2-03-01-00"]
    assert soil["level"] == 4 and soil["name"] == "土壤肥料技术人员" and soil["definition"]
    assert list(csco["code"]) == sorted(csco["code"])


def test_known_rows_marks_and_aliases(csco) -> None:
    rows = csco.set_index("code")
    typist = rows.loc["3-01-02-05"]
    assert typist["name"] == "打字员" and "文字录入" in typist["definition"]
    assert typist["aliases"] == ["打稿机操作员"]
    software = rows.loc["2-02-10-03"]
    assert software["name"] == "计算机软件工程技术人员" and software["digital"] and not software["green"]
    gis = rows.loc["2-02-02-07"]
    assert gis["name"] == "地理信息系统工程技术人员" and gis["green"] and gis["digital"]
    assert "GIS工程师" in gis["aliases"]
    # No name keeps an edition mark, and no alias repeats its own name.
    assert not csco["name"].str.contains(r"(?:L/S|L|S)$").any()
    assert not any(name in aliases for name, aliases in zip(csco["name"], csco["aliases"], strict=True))


def test_missing_user_supplied_file(tmp_path: Path) -> None:
    assert not csco_available(tmp_path)
    assert load_csco(tmp_path, required=False) is None
    with pytest.raises(DataError) as err:
        load_csco(tmp_path)
    assert CSCO_FILE.split("/")[-1] in str(err.value)
    assert "user-supplied" in (err.value.hint or "")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_wrong_columns_name_the_file(tmp_path: Path) -> None:
    bad = _write(tmp_path / "csco.csv", "lvl,code,title\n4,4-04-05-01,x\n")
    with pytest.raises(DataError) as err:
        read_csco(bad)
    text = str(err.value)
    assert (
        str(bad) in text
        and "missing column(s) level, name" in text
        and "expected columns level, code" in text
    )


def test_bad_level_and_code_name_the_row(tmp_path: Path) -> None:
    bad = _write(tmp_path / "a.csv", "level,code,name\n4,4-04-05-01,计算机程序设计员\n9,4-04-05-02,x\n")
    with pytest.raises(DataError, match=r"a\.csv, row 3, column 'level': bad level '9'"):
        read_csco(bad)
    bad = _write(tmp_path / "b.csv", "level,code,name\n4,4-04-05,x\n")
    with pytest.raises(DataError, match=r"b\.csv, row 2, column 'code': malformed CSCO 2022 code"):
        read_csco(bad)
    empty = _write(tmp_path / "c.csv", "level,code,name\n")
    with pytest.raises(DataError, match="no rows"):
        read_csco(empty)


def test_dedupe_rule_on_a_small_file(tmp_path: Path) -> None:
    text = (
        "level,code,name,definition,tasks,alias\n"
        "3,1-02-05-00,甲,,,甲\n"
        "4,1-02-05-00,甲,有定义,,甲\n"  # more text: kept
        '4,1-02-05-01,乙,,,"乙,别名一,别名二"\n'
        "4,1-02-05-01,乙,,,乙\n"  # fewer aliases: dropped
        "4,1-02-05-02,丙S,,,丙S\n"
    )
    frame = read_csco(_write(tmp_path / "d.csv", text))
    assert frame.attrs["duplicates_removed"] == 2
    assert frame["code"].tolist() == ["1-02-05-00", "1-02-05-01", "1-02-05-02"]
    assert frame["definition"].tolist()[0] == "有定义"
    assert frame["aliases"].tolist() == [[], ["别名一", "别名二"], []]
    assert frame["digital"].tolist() == [False, False, True] and frame["name"].tolist()[2] == "丙"
