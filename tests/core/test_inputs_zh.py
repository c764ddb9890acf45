"""Tables Chinese users bring: UTF-8 (with or without BOM), GB18030/GBK, .xlsx; small tables in `fit`."""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd
import pytest

from workshift import tabular
from workshift.errors import DataError, InputError
from workshift.evidence import monitor, panel, predict
from workshift.files import decode_text
from workshift.services.matching import reading

ROWS = pd.DataFrame({"地区": ["北京", "上海", "广州"], "就业率": ["0.91", "0.88", "0.9"]})


def test_decode_text_names_the_encoding() -> None:
    text = "地区,就业率\n北京,0.91\n"
    assert decode_text(text.encode("utf-8")) == (text, "UTF-8")
    assert decode_text(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "UTF-8 with BOM")
    assert decode_text(text.encode("gbk")) == (text, "GB18030")
    assert decode_text(text.encode("gb18030")) == (text, "GB18030")
    with pytest.raises(UnicodeDecodeError):
        decode_text(b"\x80\xff\xfe abc")  # neither UTF-8 nor GB18030


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_text_tables_in_each_encoding(tmp_path, caplog, encoding: str) -> None:
    path = tmp_path / f"t_{encoding}.csv"
    ROWS.to_csv(path, index=False, encoding=encoding)
    with caplog.at_level(logging.WARNING, logger="workshift"):
        frame = tabular.read_table(path)
    assert list(frame.columns) == ["地区", "就业率"]
    assert frame["地区"].tolist() == ["北京", "上海", "广州"]
    assert np.allclose(frame["就业率"], [0.91, 0.88, 0.9])
    reported = "GB18030" in caplog.text
    assert reported is encoding.startswith("gb")
    matched = reading.read_table(path)  # the matching reader (pyarrow) agrees
    assert matched["地区"].tolist() == ["北京", "上海", "广州"]


def test_xlsx_tables(tmp_path) -> None:
    path = tmp_path / "t.xlsx"
    frame = ROWS.assign(就业率=[0.91, 0.88, 0.9], 人数=[3, 4, 5])
    frame.to_excel(path, index=False)
    read = tabular.read_table(path)
    assert list(read.columns) == ["地区", "就业率", "人数"]
    assert np.allclose(read["就业率"], [0.91, 0.88, 0.9]) and read["人数"].tolist() == [3, 4, 5]
    assert reading.read_table(path)["人数"].tolist() == ["3", "4", "5"]  # whole numbers as '3', not '3.0'
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(DataError, match="broken.xlsx"):
        tabular.read_table(broken)


def test_panel_and_observations_from_gbk_and_xlsx(tmp_path, data_dir) -> None:
    mpdta = pd.read_csv(data_dir / "evaluation" / "mpdta.csv").head(200)
    mpdta = mpdta.rename(columns={"countyreal": "县", "lemp": "对数就业"})
    gbk, xlsx = tmp_path / "panel.csv", tmp_path / "panel.xlsx"
    mpdta.to_csv(gbk, index=False, encoding="gbk")
    mpdta.to_excel(xlsx, index=False)
    read = [panel.read_panel(p, unit="县", time="year", outcome="对数就业", cohort="first.treat") for p in (gbk, xlsx)]
    assert len(read[0].frame) == 200 and np.allclose(read[0].frame["y"], read[1].frame["y"])
    assert np.allclose(read[0].frame["y"], mpdta["对数就业"])
    obs = pd.DataFrame({"指标": ["失业率"] * 3, "地区": ["全国"] * 3, "期间": ["2024-01", "2024-02", "2024-03"],
                        "数值": [5.2, 5.3, 5.1]})
    obs.columns = ["indicator", "region", "period", "value"]
    for path in (tmp_path / "obs.csv", tmp_path / "obs.xlsx"):
        obs.to_csv(path, index=False, encoding="gbk") if path.suffix == ".csv" else obs.to_excel(path, index=False)
        got = monitor.read_observations(path)
        assert got["value"].tolist() == [5.2, 5.3, 5.1] and got["period"].tolist() == obs["period"].tolist()


def _small(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"培训人数": x, "地区": [f"区{i % 3}" for i in range(n)], "就业率": 2 * x + rng.normal(0, 0.1, n)})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fit_small_table_leave_one_out(seed: int) -> None:
    frame = _small(12, seed)
    result = predict.fit(frame, "就业率", seed=seed, n_iter=1, families=["ridge"])
    meta = result.meta
    assert meta["splits"]["method"] == "leave-one-out" and meta["splits"]["cv_folds"] == 12
    assert "12 rows" in meta["warning"]
    # A strong linear signal: leave-one-out R² well above the leave-one-out mean's (which is below 0).
    assert meta["holdout"]["r2"] > 0.9 > meta["baseline"]["r2"]
    assert all(np.isfinite(v) for v in meta["holdout"].values())
    assert np.isfinite(meta["cv"]["r2"]["mean"]) and meta["interval"]["halfwidth"] > 0


def test_fit_too_few_rows_is_refused() -> None:
    with pytest.raises(DataError, match="too few rows"):
        predict.fit(_small(8, 0), "就业率", n_iter=1, families=["ridge"])


LATIN = "ville,salaire\nCréteil,2100\nSaint-Étienne,1900\nBéziers,1850\n"


def test_a_latin_1_file_is_not_silently_read_as_gb18030(tmp_path, caplog, monkeypatch) -> None:
    """Issue 12: 'Créteil' in Latin-1 decodes as GB18030 without error ('é'+'t' is one CJK character)."""
    path = tmp_path / "villes.csv"
    path.write_bytes(LATIN.encode("latin-1"))
    monkeypatch.delenv("WORKSHIFT_ENCODING", raising=False)
    with pytest.raises(DataError, match="ambiguous") as err:
        tabular.read_table(path)
    text = err.value.message
    assert "GB18030" in text and "Latin-1" in text and "Cr" in text and err.value.row == 2
    assert "--encoding" in err.value.hint and "\n" not in text
    monkeypatch.setenv("WORKSHIFT_ENCODING", "latin-1")
    with caplog.at_level(logging.WARNING, logger="workshift"):
        frame = tabular.read_table(path)
    assert frame["ville"].tolist() == ["Créteil", "Saint-Étienne", "Béziers"] and caplog.text == ""
    monkeypatch.setenv("WORKSHIFT_ENCODING", "klingon")
    with pytest.raises(InputError, match="unknown text encoding 'klingon'"):
        tabular.read_table(path)
    # Chinese GBK stays a guess, named with how to override it
    monkeypatch.delenv("WORKSHIFT_ENCODING")
    ROWS.to_csv(path, index=False, encoding="gbk")
    with caplog.at_level(logging.WARNING, logger="workshift"):
        tabular.read_table(path)
    assert "read as GB18030" in caplog.text and "--encoding" in caplog.text


def test_the_cli_encoding_option_and_a_named_bom(tmp_path, capsys, caplog, monkeypatch) -> None:
    from workshift.cli import main

    monkeypatch.setenv("WORKSHIFT_ENCODING", "")  # the option sets it; monkeypatch restores it afterwards
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "villes.csv"
    path.write_bytes(LATIN.encode("latin-1"))
    for prefix, ambiguous in (([], True), (["--encoding", "latin-1"], False)):
        with pytest.raises(SystemExit) as exit_info:
            main([*prefix, "fit", str(path), "--target", "salaire"])
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and ("ambiguous" in err) is ambiguous, err  # 3 rows: too few to fit
    assert os.environ["WORKSHIFT_ENCODING"] == "latin-1"
    monkeypatch.setenv("WORKSHIFT_ENCODING", "")
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + "地区,就业率\n北京,0.91\n".encode())
    with caplog.at_level(logging.WARNING, logger="workshift"):
        assert list(tabular.read_table(bom).columns) == ["地区", "就业率"]
    assert "read as UTF-8 with BOM" in caplog.text and "byte-order mark" in caplog.text
