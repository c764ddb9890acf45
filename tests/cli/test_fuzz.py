"""Fuzzing the parsers and the command line with generated bad input (issue 12).

Generated scenario TOMLs, policy specs and CSV files with random types, NaN, inf, huge and negative numbers,
odd encodings, byte-order marks and Rich-markup characters go through the parsers and the CLI (in-process,
plus a few real subprocesses). The property, for every command: exit 0 with finite, valid JSON, or exit 2
with one ``Error:`` line naming the file, row or key and what was expected. Never a traceback, never exit 1
for bad input, never NaN in JSON.

Bounded for CI (``derandomize``: the same inputs every run; about two minutes in all). Outcome counts per
command are printed at the end of the module and, when ``WORKSHIFT_FUZZ_REPORT`` names a file, written there
as JSON.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshift.cli import main
from workshift.errors import WorkshiftError
from workshift.market import scenario as scenario_mod
from workshift.market.scenario import SCHEMA
from workshift.policy.spec import POLICY_SCHEMA

OUTCOMES: dict[str, Counter] = defaultdict(Counter)
SCALE = float(os.environ.get("WORKSHIFT_FUZZ_SCALE", "1"))  # more (or fewer) generated inputs per command


def scaled(n: int) -> int:
    return max(1, round(n * SCALE))


FUZZ = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

MARKUP = "[]/\\\x1b\u202e'\"{}=#<>&;,\t"
odd_text = st.text(alphabet=st.sampled_from(list(MARKUP) + list("abcXYZ 09._-中文é")), max_size=12)
junk = st.one_of(
    st.integers(-(10**20), 10**20), st.floats(allow_nan=True, allow_infinity=True), odd_text, st.booleans(),
    st.lists(st.one_of(st.integers(-5, 5), st.floats(allow_nan=True), odd_text), max_size=3),
    st.dictionaries(odd_text, st.integers(-3, 3), max_size=2),
)
PLAUSIBLE_TEXT = {"mode": ["mean-field", "agents", "agent"], "network": ["empirical", "skills", "complete"],
                  "index": ["none", "gpts_beta", "microsoft_applicability", "nope"], "pack": ["us", "zz"],
                  "region": ["US"], "name": ["x[/x]"], "description": ["[bold]d"]}


def plausible(key: str, kind) -> st.SearchStrategy:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if key == "agents":
        return st.integers(0, 2000)
    if key == "extensions":
        return st.lists(st.sampled_from(["training", "flexible", "exit", "income", "insurance", "trainin"]),
                        max_size=3, unique=True)
    if str in kinds:
        return st.sampled_from(PLAUSIBLE_TEXT.get(key, ["x"]))
    if bool in kinds:
        return st.booleans()
    if float in kinds:
        return st.floats(-0.2, 1.2, allow_nan=False) | st.integers(0, 40)
    return st.integers(-2, 40)


def section(name: str) -> st.SearchStrategy:
    keys = sorted(SCHEMA[name])
    chosen = st.lists(st.sampled_from(keys), max_size=5, unique=True)
    return chosen.flatmap(lambda ks: st.fixed_dictionaries(
        {k: st.one_of(plausible(k, SCHEMA[name][k][1]), plausible(k, SCHEMA[name][k][1]), junk) for k in ks},
        optional={"stepz": junk}))


scenarios = st.fixed_dictionaries({}, optional={name: section(name) for name in ("market", "shock", "cycle",
                                                                                  "parameters", "policy")})


def small(raw: dict) -> dict:
    """Keep generated engine runs short (a valid scenario is run for real): 30 steps unless given."""
    market, shock = raw.get("market"), raw.get("shock")
    out = {**raw, "market": {"steps": 30, **market} if isinstance(market, dict) else {"steps": 30}}
    if not isinstance(shock, dict) or "start_step" not in shock:
        out["shock"] = {"start_step": 5, **(shock if isinstance(shock, dict) else {})}
    return out


def encoded(text: str, how: str) -> bytes:
    if how == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if how in ("latin-1", "utf-16", "gb18030"):
        return text.encode(how, errors="replace")
    if how == "truncated":
        return text.encode("utf-8")[: max(1, len(text) // 2)] + b"\xff"
    return text.encode("utf-8")


ENCODINGS = st.sampled_from(["utf-8", "utf-8", "utf-8", "bom", "latin-1", "utf-16", "gb18030", "truncated"])


def _reject_constant(name: str):
    raise AssertionError(f"JSON output holds {name}")


def run(command: str, argv: list[str], json_out: bool = False) -> tuple[int, str, str]:
    """Run the CLI in-process and check the property; record the outcome under ``command``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    return check(command, code, out.getvalue(), err.getvalue(), json_out)


def check(command: str, code: int, out: str, err: str, json_out: bool) -> tuple[int, str, str]:
    assert "Traceback" not in err and "Traceback" not in out, err
    if code == 0:
        if json_out:
            json.loads(out, parse_constant=_reject_constant)
        OUTCOMES[command]["exit 0, valid JSON" if json_out else "exit 0"] += 1
    else:
        errors = [line for line in err.splitlines() if line.startswith("Error: ")]
        assert code == 2, f"exit {code}: {err}"
        assert len(errors) == 1, err
        OUTCOMES[command]["exit 2, one line"] += 1
    return code, out, err


@pytest.fixture(scope="module")
def fuzz_home(tmp_path_factory, us_pack, session_home):
    home = tmp_path_factory.mktemp("fuzz_home")
    (home / "packs").mkdir()
    shutil.copy(session_home / "packs" / "us.duckdb", home / "packs" / "us.duckdb")
    before = os.environ.get("WORKSHIFT_HOME")
    os.environ["WORKSHIFT_HOME"] = str(home)
    yield home
    os.environ["WORKSHIFT_HOME"] = before or str(session_home)
    report = {command: dict(counts) for command, counts in sorted(OUTCOMES.items())}
    print("\nfuzz outcomes:", json.dumps(report, indent=1))
    if os.environ.get("WORKSHIFT_FUZZ_REPORT"):
        Path(os.environ["WORKSHIFT_FUZZ_REPORT"]).write_text(json.dumps(report, indent=1), encoding="utf-8")


# -- parsers (fast: many inputs) -----------------------------------------------------------------------------
@settings(FUZZ, max_examples=scaled(300))
@given(raw=scenarios)
def test_scenario_parser(raw):
    try:
        sc = scenario_mod.from_dict(raw, "gen.toml")
    except WorkshiftError as exc:
        assert "\n" not in exc.message
        OUTCOMES["parser: scenario"]["rejected (one-line error)"] += 1
        return
    numbers = [v for part in sc.sections.values() for v in part.values() if isinstance(v, float)]
    assert all(v == v and abs(v) != float("inf") for v in numbers)
    OUTCOMES["parser: scenario"]["accepted (finite)"] += 1


budgets = st.one_of(st.floats(0, 1e12), st.floats(0, 1e12), st.floats(0, 1e12), junk)
policies = st.fixed_dictionaries({"budget": budgets}, optional={
    **{k: junk for k in POLICY_SCHEMA if k != "budget"},
    "levers": st.one_of(junk, st.dictionaries(st.sampled_from(["training", "job_matching", "trainin"]),
                                              st.dictionaries(st.sampled_from(["min", "max", "mx"]),
                                                              st.one_of(st.floats(-1, 2), junk), max_size=2),
                                              max_size=2)),
    "phases": st.one_of(st.integers(-1, 12), st.lists(st.integers(-1, 6), max_size=4), junk),
    "objectives": st.one_of(st.lists(st.sampled_from(["employment_rate", "cost", "income", "e"]), max_size=3),
                            junk),
})


@settings(FUZZ, max_examples=scaled(200))
@given(policy=policies)
def test_policy_parser(policy, fuzz_home):
    from workshift.optimize.pipeline import load_policy_scenario

    try:
        load_policy_scenario({"market": {"steps": 30}, "policy": policy}, path="gen.toml")
    except WorkshiftError as exc:
        assert "\n" not in exc.message
        OUTCOMES["parser: policy"]["rejected (one-line error)"] += 1
        return
    OUTCOMES["parser: policy"]["accepted"] += 1


# -- the command line ----------------------------------------------------------------------------------------
@settings(FUZZ, max_examples=scaled(40))
@given(raw=scenarios, how=ENCODINGS)
def test_simulate_command(raw, how, fuzz_home, tmp_path_factory):
    path = tmp_path_factory.mktemp("sim") / "s[red]x[b].toml"
    path.write_bytes(encoded(tomli_w.dumps(small(raw)), how))
    code, out, _ = run("simulate", ["simulate", str(path), "--json", "--no-plots"], json_out=True)
    if code == 0:
        summary = json.loads(out)["summary"]
        assert all(v is not None for v in summary.values()), summary  # no NaN hidden as null


def csv_text(header: list[str], rows: list[list[str]], sep: str) -> str:
    return "\n".join(sep.join(line) for line in [header, *rows]) + "\n"


cells = st.one_of(st.sampled_from(["4.1", "3.9", "nan", "inf", "-inf", "1e309", "-5", "1e300", "", "oops",
                                   "[/x]", "[red]", "4,1", "\x1b[31m"]), st.floats(allow_nan=True).map(str))
periods = st.one_of(st.sampled_from(["2024-01", "2024-02", "2024Q1", "2024", "2024-13", "", "[/x]", "20240"]),
                    st.integers(2000, 2030).map(lambda y: f"{y}-03"))


@settings(FUZZ, max_examples=scaled(60))
@given(header=st.lists(st.sampled_from(["indicator", "region", "period", "value", "priod", "[/x]", "\ufeffvalue"]),
                       min_size=3, max_size=5),
       rows=st.lists(st.tuples(odd_text, st.sampled_from(["US", "CA", "[b]"]), periods, cells), max_size=6),
       sep=st.sampled_from([",", ";", "\t"]), how=ENCODINGS)
def test_monitor_ingest_command(header, rows, sep, how, fuzz_home, tmp_path_factory):
    path = tmp_path_factory.mktemp("obs") / "o[red].csv"
    body = [[a, b, c, d][: len(header)] for a, b, c, d in rows]
    path.write_bytes(encoded(csv_text(header, body, sep), how))
    run("monitor ingest", ["monitor", "ingest", str(path), "--json"], json_out=True)


@settings(FUZZ, max_examples=scaled(15))
@given(bad=st.lists(st.tuples(st.integers(0, 59), st.sampled_from(["x", "y"]), cells), max_size=4),
       header=st.sampled_from([["x", "z", "y"], ["x", "[/x]", "y"], ["\ufeffx", "z", "y"], ["x", "x", "y"]]),
       how=ENCODINGS)
def test_fit_command(bad, header, how, fuzz_home, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fit")
    rows = [[f"{k * 0.1:.2f}", f"{(k * 7) % 11}", f"{k * 0.2 + (k % 3):.3f}"] for k in range(60)]
    for row, column, cell in bad:
        rows[row][0 if column == "x" else 2] = cell
    path = folder / "d.csv"
    path.write_bytes(encoded(csv_text(header, rows, ","), how))
    code, _, _ = run("fit", ["fit", str(path), "--target", "y", "--models", "ridge", "--search-iter", "1",
                             "--folds", "3", "--out", str(folder / "m.joblib"), "--json"], json_out=True)
    if code == 0:
        run("predict", ["predict", str(folder / "m.joblib"), str(path), "--json"], json_out=True)


@settings(FUZZ, max_examples=scaled(12))
@given(seekers=st.lists(st.tuples(odd_text, st.sampled_from(["15-1252", "29-1141", "nurse", "[/x]", ""]),
                                  st.sampled_from(["CA", "NY", "ZZ", ""]), cells), min_size=1, max_size=5),
       header=st.sampled_from([["seeker_id", "occupation", "state", "desired_wage"],
                               ["seeker_id", "occupation", "state", "[/x]"], ["\ufeffseeker_id", "occupation",
                                                                               "state", "desired_wage"]]),
       how=ENCODINGS)
def test_match_command(seekers, header, how, fuzz_home, tmp_path_factory):
    folder = tmp_path_factory.mktemp("match")
    (folder / "s.csv").write_bytes(encoded(csv_text(header, [list(r) for r in seekers], ","), how))
    (folder / "v.csv").write_text("vacancy_id,occupation,state,wage,openings\nv1,15-1252,CA,120000,2\n"
                                  "v2,29-1141,NY,90000,1\n", encoding="utf-8")
    run("match", ["match", "--seekers", str(folder / "s.csv"), "--vacancies", str(folder / "v.csv"), "--top", "2",
                  "--out", str(folder / "out.csv"), "--json"], json_out=True)


@settings(FUZZ, max_examples=scaled(6))
@given(query=st.sampled_from(["nurse", "护士", "[/x]", "\x1b[2J", "15-1252", "", "29-1141 [red]", "nurse\x00"]),
       top=st.sampled_from(["3", "0", "-1", "2.5", "999999999999"]))
def test_transitions_command(query, top, fuzz_home, session_home, monkeypatch):
    monkeypatch.setenv("WORKSHIFT_HOME", str(session_home))  # its title-search caches, built once per session
    run("transitions", ["transitions", query, "--top", top, "--json"], json_out=True)


# -- a few real processes (the installed entry point, not the in-process app) ---------------------------------
@pytest.mark.parametrize("name, content, args", [
    ("bin.toml", b"\x89PNG\r\n\x1a\n\x00\xff\xfe", ["simulate", "{path}", "--json"]),
    ("nan.toml", b"[shock]\nadoption_steps = nan\n", ["simulate", "{path}", "--json"]),
    ("o.csv", b"indicator,region,period,[/x]\nu,US,2024-01,4\n", ["monitor", "ingest", "{path}"]),
    ("d.csv", b"x,y\n" + b"".join(f"{k},{k}\n".encode() for k in range(59)) + b"1,inf\n",
     ["fit", "{path}", "--target", "y", "--models", "ridge", "--search-iter", "1", "--folds", "3"]),
    ("none.toml", b"", ["simulate", "{path}", "--pop", "abc"]),
])
def test_real_processes(name, content, args, tmp_path, fuzz_home):
    path = tmp_path / name
    path.write_bytes(content)
    env = {**os.environ, "WORKSHIFT_HOME": str(fuzz_home)}
    done = subprocess.run([sys.executable, "-m", "workshift", *[a.format(path=path) for a in args]],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    check(f"subprocess {args[0]}", done.returncode, done.stdout, done.stderr, json_out="--json" in args)
    assert done.returncode == 2
