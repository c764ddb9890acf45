"""The command line's error handling: usage errors and user errors are one literal line and exit 2 (issue 12).

Item 4: typer vendors its own click, so its usage errors used to escape as tracebacks with exit 1.
Item 7: error text used to be read as Rich markup (``[market]`` vanished, ``[/x]`` crashed the printer).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workshift.cli import main
from workshift.cli.output import dumps, finite, plain
from workshift.errors import DataError


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ") and "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("args, needle", [
    (["simulate"], "Missing argument 'scenario'"),
    (["simulate", "x.toml", "--pop", "abc"], "--pop"),
    (["transitions", "nurse", "--top", "2.5"], "--top"),
    (["no-such-command"], "no-such-command"),
    (["optimize", "x.toml", "--pop", "abc"], "--pop"),
])
def test_usage_errors_are_one_line_exit_2(args, needle, capsys, fresh_home):
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert needle in one_error_line(err)


def test_no_arguments_prints_help(capsys, fresh_home):
    code, out, _ = run_cli([], capsys)
    assert code == 0 and "Usage" in out


@pytest.mark.parametrize("name", ["neg[red].toml", "a[bold]b.toml", "x[/x].toml", "[/].toml"])
def test_error_text_is_never_markup(name, tmp_path, capsys, fresh_home):
    scenario = tmp_path / name  # "[/x]" puts the file in a folder called "x[" (still markup-like)
    scenario.parent.mkdir(parents=True, exist_ok=True)
    scenario.write_text("[market]\nstepz = 3\n", encoding="utf-8")
    code, _, err = run_cli(["simulate", str(scenario)], capsys)
    line = one_error_line(err)
    assert code == 2
    assert str(scenario) in line  # the file name exactly as given, brackets included
    assert "unknown key 'stepz' in [market]" in line


def test_control_characters_are_escaped(tmp_path, capsys, fresh_home):
    name = str(tmp_path / "\x1b[31mred.toml")
    code, _, err = run_cli(["simulate", name], capsys)
    assert code == 2 and "\x1b" not in err and "\\x1b[31mred.toml" in one_error_line(err)


def test_unexpected_exception_is_one_line_exit_1(monkeypatch, capsys, fresh_home):
    import workshift.api as api

    def broken(path, **kwargs):
        raise RuntimeError("[/boom] internal")

    monkeypatch.setattr(api, "load_scenario", broken)
    monkeypatch.delenv("WORKSHIFT_DEBUG", raising=False)
    code, _, err = run_cli(["simulate", "whatever.toml"], capsys)
    assert code == 1 and "[/boom] internal" in one_error_line(err)


def test_plain_and_strict_json():
    assert plain("a\nb\r\n\x07c") == "a; b; \\x07c"
    err = DataError("bad value", file="f[red].csv", row=3, column="[/x]", expected="a number")
    assert str(err) == "f[red].csv, row 3, column '[/x]': bad value (expected a number)"
    payload = {"a": float("nan"), "b": [1.0, float("inf")], "c": {"d": -float("inf")}}
    assert finite(payload) == {"a": None, "b": [1.0, None], "c": {"d": None}}
    assert json.loads(dumps(payload)) == {"a": None, "b": [1.0, None], "c": {"d": None}}
    import numpy as np

    assert json.loads(dumps({"x": np.float64("nan"), "y": np.arange(2), "z": np.int64(3)})) == \
        {"x": None, "y": [0, 1], "z": 3}
    assert "NaN" not in dumps(Path("nan"))


def test_a_query_is_echoed_back_literally():
    """Item 12: raw terminal escape sequences in a query were echoed back to the terminal."""
    from rich.console import Console

    from workshift.cli.services import _shown

    console = Console(record=True, width=200)
    query = "nurse\x1b[2J[/x][bold]"
    console.print("query: " + _shown(query))
    text = console.export_text()
    assert "\x1b" not in text and "nurse\\x1b[2J[/x][bold]" in text
