"""`workshift data build|info` and `workshift demo`, and a pack built without the user-supplied sources."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from workshift.data import build_pack, load_pack

USER_SUPPLIED = ("mobility/asec_to_bls_mobility_edgelist.csv", "exposure/aioe/aioe_occupation_scores.csv",
                 "exposure/frey_osborne/frey_osborne_automation_risk_index_clean.csv")


def cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    """The real entry point in a fresh interpreter."""
    env = {**os.environ, "WORKSHIFT_HOME": str(home), "COLUMNS": "160"}
    return subprocess.run([sys.executable, "-m", "workshift", *args], capture_output=True, text=True, env=env)


def run_cli(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, *args: str, home: Path
            ) -> tuple[int, str, str]:
    """`workshift.cli.main` in-process (fast): (exit code, stdout, stderr)."""
    from workshift import config
    from workshift.cli import main

    monkeypatch.setenv("WORKSHIFT_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "160")
    capsys.readouterr()
    try:
        with pytest.raises(SystemExit) as done:
            main(list(args))
    finally:
        config.set_home(None)
        config.set_data_dir(None)
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


def test_info_json_keys(us_pack, session_home: Path) -> None:
    out = cli("data", "info", "us", "--json", home=session_home)
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert info["occupations"] == 830
    assert info["employment_total"] == pytest.approx(us_pack.occupations["employment"].sum())
    assert set(info["exposure"]) == set(us_pack.exposure_indices["index"])
    for entry in info["exposure"].values():
        assert {"occupations", "employment_share"} <= set(entry)
    for network in ("empirical", "skills"):
        assert {"nodes", "edges", "employment_share"} <= set(info["mobility"][network])
    assert info["nodes"] == 539 and info["edges"] == 15426
    assert info["imputed"]["wage_mean"] == 5
    assert all({"id", "version", "licence", "sha256"} <= set(s) for s in info["sources"])
    assert {"duplicates_removed", "vintages"} <= set(info)


def test_info_human_report_in_english_and_chinese(us_pack, session_home: Path, capsys, monkeypatch) -> None:
    code, out, _ = run_cli(capsys, monkeypatch, "data", "info", "us", home=session_home)
    assert code == 0 and "Data quality report" in out and "gpts_beta" in out and "155,481,840" in out
    code, out, _ = run_cli(capsys, monkeypatch, "data", "info", "us", "--lang", "zh", home=session_home)
    assert code == 0 and "数据质量报告" in out and "就业占比" in out


def test_demo_prints_report_of_existing_pack(us_pack, session_home: Path, tmp_path: Path, capsys,
                                            monkeypatch) -> None:
    """The main job end to end (a small search keeps it quick): report, headline table, en/zh reports."""
    out_dir = tmp_path / "demo"
    code, out, err = run_cli(capsys, monkeypatch, "demo", "--pop", "8", "--generations", "2", "--ensemble", "2", "--out",
                             str(out_dir), home=session_home)
    assert code == 0, err
    assert "Using the region pack" in out and "Data quality report" in out
    # objectives are shown by name (not raw keys) with their units
    assert "Recommended portfolio vs no policy" in out and "Employment-to-population ratio" in out
    assert "employment_to_population" not in out
    for lang in ("en", "zh"):
        page = (out_dir / f"policy_report.{lang}.html").read_text(encoding="utf-8")
        assert "<html" in page.lower() and "plotly" in page.lower()
    assert "帕累托" in (out_dir / "policy_report.zh.html").read_text(encoding="utf-8")


def test_cli_errors_are_clear(tmp_path: Path, capsys, monkeypatch) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "data", "info", "us", home=tmp_path)
    assert code == 2 and "workshift data build us" in err
    code, _, err = run_cli(capsys, monkeypatch, "data", "build", "us", "--data-dir", str(tmp_path / "nowhere"),
                           home=tmp_path)
    assert code == 2 and "source file is missing" in err
    assert not (tmp_path / "packs" / "us.duckdb").exists()
    code, _, err = run_cli(capsys, monkeypatch, "data", "build", "usa", home=tmp_path)
    assert code == 2 and "did you mean 'us'" in err


def test_pack_without_user_supplied_sources(tmp_path: Path, data_dir: Path) -> None:
    from helpers import make_farm

    farm = make_farm(tmp_path, data_dir, {rel: None for rel in USER_SUPPLIED})
    build_pack("us", data_dir=farm, home=tmp_path / "home")
    pack = load_pack("us", home=tmp_path / "home")
    assert set(USER_SUPPLIED) <= set(pack.meta["absent_files"])
    assert {"aioe", "aioe_lm", "frey_osborne"}.isdisjoint(pack.exposure["index"])
    assert pack.quality["exposure_absent"] == ["aioe", "aioe_lm", "frey_osborne"]
    assert pack.networks() == ["skills"]
    mapping = pack.quality["mobility"]["mapping"]
    assert not mapping["empirical_present"] and "SOC 2010 broad groups" in mapping["node_source"]
    assert pack.quality["mobility"]["empirical"]["edges"] == 0
    codes, matrix = pack.transition_matrix("skills")
    assert np.allclose(matrix.sum(axis=1), 1.0)
    assert all(c.endswith("0") for c in codes) and pack.mobility_nodes["title"].notna().all()
    assert mapping["employment_share"] > 0.99
    assert pack.mobility_nodes["source_employment"].isna().all()
