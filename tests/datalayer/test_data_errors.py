"""Bad input: every broken source gives a clear DataError (file, row, column, expectation) and leaves the
previous pack untouched. Each test builds from a symlink farm of ../shared/data with one file replaced."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd
import pytest
from helpers import make_farm

from workshift.data import build_pack, load_pack
from workshift.data.harmonise import Harmoniser
from workshift.data.reading import Reader
from workshift.data.regional import build_state_employment
from workshift.errors import DataError, InputError
from workshift.files import sha256_file

OEWS = "oews/oews_may2025_national_cross_industry.csv"


@pytest.fixture(autouse=True)
def accept_local_edits(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests edit sources to break them: accept the edits so that the parse errors are what is tested
    (without it each edited file is refused by its sha256 before parsing, tests/datalayer/test_data_tamper.py)."""
    monkeypatch.setenv("WORKSHIFT_ACCEPT_LOCAL_EDITS", "1")


@pytest.fixture()
def old_home(tmp_path: Path, us_pack, session_home: Path) -> Path:
    """A home holding a copy of the session's built pack (the 'previous pack')."""
    home = tmp_path / "home"
    (home / "packs").mkdir(parents=True)
    shutil.copy(session_home / "packs" / "us.duckdb", home / "packs" / "us.duckdb")
    return home


def assert_failed_build_keeps_pack(home: Path, farm: Path) -> DataError:
    pack = home / "packs" / "us.duckdb"
    before = sha256_file(pack)
    built = load_pack("us", home=home).meta["built"]
    with pytest.raises(DataError) as err:
        build_pack("us", data_dir=farm, home=home)
    assert sha256_file(pack) == before
    assert sorted(p.name for p in pack.parent.iterdir()) == ["us.duckdb"]  # no temporary file left
    assert load_pack("us", home=home).meta["built"] == built
    return err.value


def test_missing_file(tmp_path: Path, data_dir: Path, old_home: Path) -> None:
    farm = make_farm(tmp_path, data_dir, {OEWS: None})
    err = assert_failed_build_keeps_pack(old_home, farm)
    assert OEWS in str(err) and "missing" in str(err)
    assert err.hint and "workshift data pull" in err.hint


def test_csv_cut_mid_row(tmp_path: Path, data_dir: Path, old_home: Path) -> None:
    text = (data_dir / OEWS).read_bytes()
    farm = make_farm(tmp_path, data_dir, {OEWS: text[: len(text) // 2]})
    err = assert_failed_build_keeps_pack(old_home, farm)
    assert "truncated" in str(err) and err.file and err.file.endswith(OEWS)
    assert err.row is not None and err.row > 100


def test_non_numeric_employment(tmp_path: Path, data_dir: Path, old_home: Path) -> None:
    lines = (data_dir / OEWS).read_text().splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.startswith("15-1252,"))
    fields = lines[row].split(",")
    fields[3] = "lots"  # TOT_EMP of software developers
    lines[row] = ",".join(fields)
    farm = make_farm(tmp_path, data_dir, {OEWS: "".join(lines).encode()})
    err = assert_failed_build_keeps_pack(old_home, farm)
    assert err.row == row + 1  # 1-based line of the file, header on line 1
    assert err.column == "TOT_EMP" and "'lots'" in str(err) and "a number" in str(err)


def test_csv_with_wrong_columns(tmp_path: Path, data_dir: Path, old_home: Path) -> None:
    rel = "exposure/gpts_are_gpts/occ_level.csv"
    text = (data_dir / rel).read_text().replace("dv_rating_beta", "beta_rating", 1)
    farm = make_farm(tmp_path, data_dir, {rel: text.encode()})
    err = assert_failed_build_keeps_pack(old_home, farm)
    assert err.column == "dv_rating_beta" and err.row == 1 and rel in str(err)


def test_value_out_of_range(tmp_path: Path, data_dir: Path, old_home: Path) -> None:
    rel = "flexible_work/bls_ep/bls_pct_self_employed_by_occupation_2022.csv"
    lines = (data_dir / rel).read_text().splitlines(keepends=True)
    lines[1] = lines[1].rsplit(",", 1)[0] + ",212\n"  # 212 percent self-employed
    farm = make_farm(tmp_path, data_dir, {rel: "".join(lines).encode()})
    err = assert_failed_build_keeps_pack(old_home, farm)
    assert err.row == 2 and err.column == "pct_self_employed_2022" and "[0, 100]" in str(err)


def test_truncated_gzip(tmp_path: Path, data_dir: Path) -> None:
    rel = "oews/oews-2025.sqlite.gz"
    data = (data_dir / rel).read_bytes()
    farm = make_farm(tmp_path, data_dir, {rel: data[: len(data) // 2]})
    reader = Reader.open(farm)
    with pytest.raises(DataError) as err:
        reader.gunzip_cached(rel, tmp_path / "cache")
    assert "truncated" in str(err.value) and rel in str(err.value)
    assert not any((tmp_path / "cache").iterdir())  # no half-decompressed file kept


def test_gzip_that_is_not_a_database(tmp_path: Path, data_dir: Path, us_pack) -> None:
    rel = "oews/oews-2025.sqlite.gz"
    farm = make_farm(tmp_path, data_dir, {rel: gzip.compress(b"not a database" * 100)})
    with pytest.raises(DataError) as err:
        build_state_employment(Reader.open(farm), us_pack.occupations, tmp_path / "cache")
    assert rel in str(err.value) and "SQLite" in str(err.value)
    assert not any((tmp_path / "cache").iterdir())  # the bad decompressed copy is not kept


def test_unknown_code_system() -> None:
    occ = pd.DataFrame({"soc_code": ["15-1252"], "is_aggregate": [False], "employment": [1.0]})
    harmoniser = Harmoniser(occ, {})
    with pytest.raises(InputError) as err:
        harmoniser.to_occupations(pd.Series({"15-1252": 0.5}), "SOC1990")
    assert "unknown code system 'SOC1990'" in str(err.value)
    assert harmoniser.to_occupations(pd.Series({"15-1252.01": 0.5}), "O*NET-SOC 2019")["15-1252"] == 0.5


def test_unknown_pack_name(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        build_pack("usa", home=tmp_path)
    assert err.value.hint == "did you mean 'us'?"
    assert not (tmp_path / "packs" / "usa.duckdb").exists()
