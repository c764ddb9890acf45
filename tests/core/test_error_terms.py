"""Library errors name the library's arguments (``control='notyet'``, ``baseline_rate=R``); the command line
restates them with its flags, so its messages read as before (``--control notyet``, ``--baseline-rate R``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from workshift.cli import flag
from workshift.errors import DataError, InputError, WorkshiftError
from workshift.evidence.feedback_convert import to_percentage_points

SRC = Path(__file__).resolve().parents[2] / "src" / "workshift"


def _cli(error: WorkshiftError) -> str:
    return str(error.restated({name: flag(name) for name in error.arguments}))


@pytest.mark.parametrize(("error", "cli"), [
    (DataError("there are no never-treated units", file="p.csv", hint="use control='notyet'", mentions=("control",)),
     "p.csv: there are no never-treated units\n  hint: use --control notyet"),
    (InputError("x", hint="say which with outcome_kind='employment_probability' | 'log_employment' (the last with "
                          "baseline_rate=R, the participants' rate)", mentions=("outcome_kind", "baseline_rate")),
     "x\n  hint: say which with --outcome-kind employment_probability | log_employment (the last with "
     "--baseline-rate R, the participants' rate)"),
    (InputError("no fit (re-run with `programme_type`)", hint='or pass accept_mismatch="REASON"',
                mentions=("accept_mismatch", "programme_type")),
     'no fit (re-run with --programme-type)\n  hint: or pass --accept-mismatch "REASON"'),
    (InputError("horizon_months = -1 must be positive", parameter="horizon_months"), "--horizon = -1 must be positive"),
    (InputError("build it", hint="or with accept_local_edits=True", mentions=("accept_local_edits",)),
     "build it\n  hint: or with --accept-local-edits"),
    (InputError("optimise with save_plan=True", parameter="out"), "optimise with save_plan=True"),  # not mentioned
])
def test_the_cli_restates_library_arguments_as_flags(error, cli) -> None:
    assert _cli(error) == cli
    assert "--" not in str(error)


def test_a_conversion_error_reads_in_library_terms_and_as_flags() -> None:
    evidence = type("Evidence", (), {"estimate": 0.1, "se": 0.05})()
    with pytest.raises(InputError) as info:
        to_percentage_points(evidence, "log_employment")
    assert "baseline_rate=R" in info.value.hint and "--" not in str(info.value)
    assert "pass --baseline-rate R (participants'" in _cli(info.value)


# a command to run (`workshift data pull ...`) may name its flags; an argument of the failing call may not
COMMAND = re.compile(r"`workshift [^`]*`")
FLAG = re.compile(r"(?<![\w`-])--[a-z][\w-]*")


def _strings(node: ast.AST) -> list[ast.AST]:
    """The string literals under ``node``, an f-string as one text (its fields as ``{}``)."""
    inner = {id(c) for n in ast.walk(node) if isinstance(n, ast.JoinedStr) for c in n.values}
    return [n for n in ast.walk(node) if id(n) not in inner and (isinstance(n, ast.JoinedStr) or (
        isinstance(n, ast.Constant) and isinstance(n.value, str)))]


def _text(node: ast.AST) -> str:
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return node.value


def _flag_texts(path: Path) -> list[str]:
    """The flags named in the strings of every ``...Error(...)`` call of a module (commands left out)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")).endswith(
                ("Error", "NotServed")):
            for part in _strings(node):
                found += [f"{path.relative_to(SRC)}:{part.lineno} {m}" for m in FLAG.findall(
                    COMMAND.sub("", _text(part)))]
    return found


def test_library_errors_name_no_command_line_flags() -> None:
    found = [hit for path in sorted(SRC.rglob("*.py")) if "cli" not in path.relative_to(SRC).parts
             for hit in _flag_texts(path)]
    assert not found, found
