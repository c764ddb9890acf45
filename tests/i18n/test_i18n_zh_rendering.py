"""Everything a zh reader sees is Chinese: the catalogue, and every command and report run with ``--lang zh``.

Every command that ``workshift --help`` lists runs once on a small real input (the US pack of the session, the
fixtures in tests/data and ../shared/data/evaluation), in order (a model is fitted before it predicts, a plan is
stored before it is checked); its stdout, stderr and every HTML report it writes are read with the English-word
checker (``workshift.i18n.check``: codes, units, proper names, commands and paths allowed). Words the reader
brought (a query, the columns and units of their own table) are the only other words allowed, case by case.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workshift.cli import main
from workshift.config import CHECKOUT_ROOT
from workshift.i18n import catalogue, set_lang
from workshift.i18n.check import english_words

SCENARIOS = CHECKOUT_ROOT / "scenarios"
USER_PACK = Path(__file__).resolve().parents[1] / "data" / "user_pack"


def test_every_zh_message_exists_and_is_chinese() -> None:
    en, zh = catalogue("en"), catalogue("zh")
    assert set(en) == set(zh), sorted(set(en) ^ set(zh))[:5]
    left = {key: english_words(text) for key, text in zh.items() if english_words(text)}
    assert not left, left


def test_the_checker_finds_english_and_allows_codes_and_names() -> None:
    assert english_words("技能可从 Registered Nurses 顺利迁移") == ["Registered", "Nurses"]
    assert english_words("29-1141 注册护士（SOC 2018，O*NET 29.3），见 `workshift data pull`，--filter all") == []
    assert english_words("运行 optimize-20261204T195902 写入 out/demo/policy_report.zh.html") == []


def test_every_lever_file_says_its_assumptions_in_chinese() -> None:
    from workshift.policy.catalogue import packaged_levers

    for lever in packaged_levers().values():
        texts = {"unit": lever.zh.get("unit"), **{f"cost.{k}": lever.cost.zh.get(k) for k in ("per", "source")},
                 **{f"{e.name}.{k}": e.zh.get(k) for e in lever.effects.values()
                    for k in ("name", "unit", "period", "source")},
                 **{f"reference {r['key']}": r.get("summary_zh") for r in lever.references}}
        if lever.evidence:
            texts["evidence"] = lever.evidence.get("source_zh")
        if lever.displacement:
            texts["displacement"] = lever.displacement.get("source_zh")
        missing = [key for key, text in texts.items() if not text]
        assert not missing, (lever.id, missing)
        english = {key: english_words(text) for key, text in texts.items() if english_words(text)}
        assert not english, (lever.id, english)


class _Text(HTMLParser):
    """The text a reader sees on a page: not scripts or styles, nor what is marked ``lang="en"`` (references
    keep their original language, as GB/T 7714 has it)."""

    def __init__(self) -> None:
        super().__init__()
        self.skip: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip or tag in ("script", "style") or ("lang", "en") in attrs:
            self.skip.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip and self.skip[-1] == tag:
            self.skip.pop()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def page_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join(parser.parts)


@dataclass
class Case:
    """One command line (``{T}`` is the test folder, ``{E}`` the shared evaluation data), its exit code, the
    reports it writes and the reader's own words (their query, their columns) that may stay as written."""

    name: str
    argv: str
    code: int = 0
    reports: tuple[str, ...] = ()
    own: tuple[str, ...] = ()
    text: str = ""
    found: dict[str, list[str]] = field(default_factory=dict)


PROP99_STATES = ("Colorado", "Connecticut", "Delaware", "New Hampshire", "Montana", "Nevada", "Utah", "California")
CASES = [
    Case("data packs", "data packs"),
    Case("data sources", "data sources"),
    Case("data info", "data info us"),
    Case("data verify", "data verify macro"),
    Case("data pull", "data pull macro --data-dir {D}"),  # verified copies are kept: nothing is downloaded
    Case("data series", "data series us --out {T}/series.csv"),
    Case("data build", "data build --from-tables " + str(USER_PACK) + " zh1"),
    Case("occupations search", "occupations search 护士"),
    Case("occupations show", "occupations show 29-1141"),
    Case("occupations resolve", "occupations resolve 数据录入员"),
    Case("occupations classify", "occupations classify --system csco --from-file {T}/titles.csv"),
    Case("occupations crosswalk", "occupations crosswalk"),
    Case("transitions", "transitions 29-1141 --top 3"),
    Case("training", "training 29-1141 29-1123"),
    Case("entrepreneurship", "entrepreneurship 43-9021 --top 3"),
    Case("population", "population --out {T}/population.html", reports=("population.html",)),
    Case("simulate", "simulate {T}/short.toml --out {T}/sim", reports=("sim/plots.html",)),
    Case("calibrate", "calibrate --start 2016-01 --end 2018-11"),
    Case("optimize", "optimize {P}/genai_policy.toml --pop 4 --generations 1 --ensemble 0 --out {T}/opt",
         reports=("opt/policy_report.zh.html",)),
    Case("demo", "demo --pop 4 --generations 1 --ensemble 0 --out {T}/demo", reports=("demo/policy_report.zh.html",)),
    Case("policy evaluate", "policy evaluate {P}/genai_reform.toml"),
    Case("policy audit", "policy audit {P}/genai_policy.toml"),
    Case("policy sensitivity", "policy sensitivity {P}/genai_policy.toml"),
    Case("fit", "fit {T}/table.csv --target y --models ridge --search-iter 1 --folds 3 --out {T}/model.joblib "
         "--report {T}/fit.html", reports=("fit.html",), own=("x", "z", "y")),
    Case("predict", "predict {T}/model.joblib {T}/table.csv", own=("x", "z", "y")),
    Case("match synth", "match synth --seekers 200 --vacancies 40 --out {T}/syn --seed 4"),
    Case("match", "match --seekers {T}/syn/seekers.csv --vacancies {T}/syn/vacancies.csv --top 3 --assign "
         "--groups gender --out {T}/match/m.csv --html {T}/match/m.html", reports=("match/m.html",),
         own=("gender", "female", "male")),  # the synthetic seekers' own column and values
    Case("monitor ingest", "monitor ingest {T}/observations.csv"),
    Case("monitor check", "monitor check --plan zh_plan --report {T}/monitor.html", reports=("monitor.html",)),
    Case("evaluate did", "evaluate did --data {E}/mpdta.csv --unit countyreal --time year --cohort first.treat "
         "--outcome lemp --report {T}/did.html", reports=("did.html",), own=("lemp", "countyreal", "year")),
    Case("evaluate event-study", "evaluate event-study --data {E}/mpdta.csv --unit countyreal --time year --cohort "
         "first.treat --outcome lemp --report {T}/es.html", reports=("es.html",), own=("lemp", "countyreal", "year")),
    Case("evaluate synth", "evaluate synth --data {E}/california_prop99_long_semicolon.csv --unit State --time Year "
         "--outcome PacksPerCapita --treated California --treatment-start 1989 --report {T}/synth.html",
         reports=("synth.html",), own=("PacksPerCapita", "State", "Year", *PROP99_STATES)),
    Case("evaluate programme", "evaluate programme --data {E}/nsw_dehejia_wahba.csv --treatment treat --outcome re78 "
         "--covariates age,educ,re74,re75 --outcome-unit USD --report {T}/programme.html",
         reports=("programme.html",), own=("treat", "age", "educ")),
    Case("evaluate feedback", "evaluate feedback --lever job_matching --estimate 1.5 --se 2 --outcome-kind "
         "employment_rate_pct --dry-run"),
    # errors: the message and its hint
    Case("error: unknown occupation", "transitions nosuchjob", code=2, own=("nosuchjob",)),
    Case("error: missing table", "fit {T}/missing.csv --target y", code=2),
    Case("error: missing scenario", "simulate {T}/missing.toml", code=2),
    Case("error: refused evaluation", "evaluate feedback --lever training --from-run {run}", code=2),
    Case("error: implausible effect", "evaluate feedback --lever job_matching --estimate 150 --se 2 "
         "--outcome-kind employment_probability", code=2),
]


def _inputs(folder: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    pd.DataFrame({"x": x, "z": rng.normal(size=60), "y": 2 * x + rng.normal(0, 0.1, 60)}).to_csv(
        folder / "table.csv", index=False)
    (folder / "titles.csv").write_text("职位名称\n外卖员\n快递员\n护士\n", encoding="utf-8")
    text = (SCENARIOS / "genai.toml").read_text(encoding="utf-8")
    short = re.sub(r"(?m)^steps = 400\b", "steps = 40", text)
    short = re.sub(r"(?m)^start_weeks = \S+", "start_weeks = 67.5", short)  # step 10 of 6.75 weeks
    short = re.sub(r"(?m)^adoption_weeks = \S+", "adoption_weeks = 135", short)  # 20 steps
    (folder / "short.toml").write_text(short, encoding="utf-8")
    periods = pd.period_range("2024-01", periods=12, freq="M").astype(str)
    pd.DataFrame({"indicator": "unemployment_rate", "region": "US", "period": periods,
                  "value": np.r_[np.full(6, 4.0), np.full(6, 4.5)]}).to_csv(folder / "observations.csv", index=False)


def _store_plan() -> None:
    from workshift.evidence import monitor

    periods = pd.period_range("2024-01", periods=12, freq="M").astype(str)
    level = np.full(12, 4.0)
    monitor.save_plan("zh_plan", pd.DataFrame({"indicator": "unemployment_rate", "region": "US", "period": periods,
                                               "projected": level, "lower": level - 0.3, "upper": level + 0.3}),
                      {"scenario": "policy.toml"})


def _run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    wide = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "400"  # tables fold words at 80 columns: a folded word is no word
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["--lang", "zh", *argv])
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
    set_lang(None)
    if wide is None:
        os.environ.pop("COLUMNS")
    else:
        os.environ["COLUMNS"] = wide
    return code, out.getvalue() + err.getvalue()


def _without(text: str, own: tuple[str, ...]) -> str:
    """``text`` without the reader's own words (whole words only)."""
    for word in sorted(own, key=len, reverse=True):
        text = re.sub(rf"(?<![\w.]){re.escape(word)}(?![\w])", " ", text)
    return text


@pytest.fixture(scope="module")
def rendered(us_pack, data_dir, tmp_path_factory) -> dict[str, Case]:
    """Every case run once, in order, on one store (the session's US pack)."""
    from workshift.data.registry import load_registry
    from workshift.store import Store

    folder = tmp_path_factory.mktemp("zh_rendering")
    sources = tuple(load_registry())  # source ids are what a reader types: `workshift data verify macro`
    _inputs(folder)
    _store_plan()
    done: dict[str, Case] = {}
    for case in CASES:
        run = ""
        if "{run}" in case.argv:
            run = next(r.run_id for r in reversed(Store().runs()) if r.kind == "evaluate")
        argv = [a.format(T=folder, P=SCENARIOS, D=data_dir, E=data_dir / "evaluation", run=run) for a in case.argv.split()]
        code, text = _run(argv)
        case = Case(**{**case.__dict__, "code": code, "text": text, "own": (*case.own, *sources)})
        case.found = {"console": english_words(_without(text, case.own))}
        for report in case.reports:
            path = folder / report
            case.found[report] = english_words(_without(page_text(path), case.own)) if path.is_file() else ["<none>"]
        done[case.name] = case
    return done


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_every_command_and_report_is_chinese(rendered, name) -> None:
    expected = next(case for case in CASES if case.name == name)
    case = rendered[name]
    assert case.code == expected.code, case.text[-600:]
    assert case.text.strip()
    left = {where: sorted(set(words)) for where, words in case.found.items() if words}
    assert not left, f"{left}\n{case.text[:800]}"
