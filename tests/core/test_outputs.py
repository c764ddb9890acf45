"""Output paths, model files and employer-facing outputs (issue 12, items 3, 6, 11)."""

from __future__ import annotations

import os
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from workshift.cli import main
from workshift.errors import InputError
from workshift.outputs import MARKER, check_output, check_output_folder, mark_output_folder


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture()
def table(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    path = tmp_path / "X.csv"
    pd.DataFrame({"x": x, "z": rng.normal(size=60), "y": 2 * x + rng.normal(0, 0.1, 60)}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("args, needle", [
    (["fit", "{X}", "--target", "y", "--out", "{X}"], "is an input of this command"),
    (["fit", "{X}", "--target", "y", "--report", "{X}"], "the extension '.csv' is not a format"),
    (["fit", "{X}", "--target", "y", "--out", "{dir}"], "is a folder"),
    (["predict", "{X}", "{X}", "--out", "{X}"], "is an input of this command"),
    (["predict", "{X}", "{X}", "--out", "{tmp}/p.xlsx"], "the extension '.xlsx' is not a format"),
    (["evaluate", "did", "--data", "{X}", "--unit", "u", "--time", "t", "--outcome", "y", "--cohort", "c",
      "--report", "{X}"], "the extension '.csv'"),
    (["evaluate", "did", "--data", "{X}", "--unit", "u", "--time", "t", "--outcome", "y", "--cohort", "c",
      "--report", "{X}.html"], "already exists"),
    (["match", "--seekers", "{X}", "--vacancies", "{tmp}/v.csv", "--out", "{X}"], "is an input of this command"),
    (["simulate", "{tmp}/s.toml", "--out", "{X}"], "is a file, not a folder"),
    (["optimize", "{tmp}/s.toml", "--out", "{X}"], "is a file, not a folder"),
    (["monitor", "check", "--plan", "p", "--report", "{X}.html"], "already exists"),
    (["fit", "{X}", "--target", "y", "--out", "{X}/model.joblib"], "is a file, not a folder"),
])
def test_bad_outputs_are_refused_before_any_work(args, needle, table, tmp_path, capsys, fresh_home):
    folder = tmp_path / "a_folder"
    folder.mkdir()
    (tmp_path / "X.csv.html").write_text("mine", encoding="utf-8")
    before = table.read_bytes()
    argv = [a.format(X=table, dir=folder, tmp=tmp_path) for a in args]
    code, _, err = run_cli(argv, capsys)
    assert code == 2
    assert needle in one_line(err)
    assert table.read_bytes() == before  # the input is untouched
    assert (tmp_path / "X.csv.html").read_text(encoding="utf-8") == "mine"


def test_same_file_by_another_name(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("a\n1\n")
    link = tmp_path / "link.csv"
    os.link(data, link)
    with pytest.raises(InputError, match="is an input"):
        check_output(link, inputs=[data], force=True)
    with pytest.raises(InputError, match="is an input"):
        check_output(tmp_path / "sub" / ".." / "data.csv", inputs=[data], force=True)


def test_force_and_folders(tmp_path):
    existing = tmp_path / "r.html"
    existing.write_text("old")
    with pytest.raises(InputError, match="already exists"):
        check_output(existing, formats=(".html",))
    assert check_output(existing, formats=(".HTML", ".html"), force=True) == existing
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "notes.txt").write_text("the user's")
    with pytest.raises(InputError, match="already has files"):
        check_output_folder(folder)
    assert check_output_folder(folder, force=True) == folder
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "result.json").write_text("{}")
    mark_output_folder(ours)
    assert (ours / MARKER).is_file() and check_output_folder(ours) == ours  # Workshift's own folder
    with pytest.raises(InputError, match="is a file, not a folder"):
        check_output(existing / "x.csv")


def test_predict_never_loads_a_model_this_store_did_not_write(table, tmp_path, capsys, fresh_home):
    """Item 3: a crafted model file used to run code on load (pickle)."""
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    crafted = tmp_path / "model.joblib"
    joblib.dump({"pipeline": Evil(), "meta": {}}, crafted)
    code, _, err = run_cli(["predict", str(crafted), str(table)], capsys)
    assert code == 2 and "refusing to load it" in one_line(err)
    assert not marker.exists()

    model = tmp_path / "fitted.joblib"
    code, _, err = run_cli(["fit", str(table), "--target", "y", "--models", "ridge", "--search-iter", "1",
                            "--folds", "3", "--out", str(model)], capsys)
    assert code == 0, err
    code, out, err = run_cli(["predict", str(model), str(table), "--json"], capsys)
    assert code == 0, err
    tampered = tmp_path / "tampered.joblib"
    tampered.write_bytes(model.read_bytes() + b"\x00")
    code, _, err = run_cli(["predict", str(tampered), str(table)], capsys)
    assert code == 2 and "was not recorded by `workshift fit`" in one_line(err)
    code, out, _ = run_cli(["predict", "--help"], capsys)
    assert code == 0 and "loading a pickle can run code" in " ".join(out.replace("│", " ").split())


def test_employer_facing_outputs_carry_no_fairness_attributes(tmp_path, capsys, us_pack, session_home) -> None:
    """Item 11: --groups columns stay in the seeker view and the fairness summary."""
    code, _, err = run_cli(["match", "synth", "--seekers", "200", "--vacancies", "40", "--out",
                            str(tmp_path / "syn"), "--seed", "2"], capsys)
    assert code == 0, err
    seekers = pd.read_csv(tmp_path / "syn" / "seekers.csv")
    rng = np.random.default_rng(1)
    seekers = seekers.assign(gender=rng.choice(["f", "m"], len(seekers)),
                             age_group=rng.choice(["<25", "25-54", "55+"], len(seekers)))
    seekers.to_csv(tmp_path / "syn" / "seekers.csv", index=False)
    out = tmp_path / "out" / "m.csv"
    code, _, err = run_cli(["match", "--seekers", str(tmp_path / "syn" / "seekers.csv"), "--vacancies",
                            str(tmp_path / "syn" / "vacancies.csv"), "--top", "3", "--out", str(out), "--assign",
                            "--groups", "gender,age_group", "--html", str(tmp_path / "out" / "m.html")], capsys)
    assert code == 0, err
    seeker_view = pd.read_csv(out)
    assert {"gender", "age_group"} <= set(seeker_view.columns)  # the seeker's own side
    for employer in ("m.by_vacancy.csv", "m.assignment.csv"):
        columns = set(pd.read_csv(tmp_path / "out" / employer).columns)
        assert not {"gender", "age_group"} & columns, employer
    page = (tmp_path / "out" / "m.html").read_text(encoding="utf-8")
    assert "gender" in page  # the fairness summary
    ids = set(seekers["seeker_id"].astype(str))
    assert not [i for i in ids if f">{i}<" in page]  # no seeker listed by id
