"""The policy report, the simulation plots and the population plot on the shared template layout: both
languages, every user string escaped, zh headings Chinese, and no HTML assembled in Python anywhere in src."""

from __future__ import annotations

import ast
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from markupsafe import escape

from workshift.i18n import t
from workshift.i18n.charts import locale_script
from workshift.i18n.check import english_words
from workshift.market.inputs import synthetic
from workshift.market.plots import write_html
from workshift.market.run import simulate
from workshift.market.scenario import from_dict
from workshift.optimize.pipeline import load_policy_scenario, prepare, search, summarise
from workshift.optimize.plan import paths
from workshift.optimize.report import STRINGS, render
from workshift.services.population import PopulationView, write_figure

HOSTILE = '<img src=x onerror="alert(1)">'  # no slash: it is also a scenario file's name
ESCAPED = str(escape(HOSTILE))
SCRIPT = "<script>alert(1)</script>"  # a name that is no file name (a network, a data source)
SRC = Path(__file__).resolve().parents[2] / "src" / "workshift"
MONTH = 52 / 12


class _Visible(HTMLParser):
    """The text a reader sees (not scripts or styles) and the ``<h2>`` headings."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.h2: list[str] = []
        self._skip = 0
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._skip += tag in ("script", "style")
        self._in_h2 = tag == "h2"

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")
        self._in_h2 = self._in_h2 and tag != "h2"

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.text.append(data.strip())
            if self._in_h2:
                self.h2.append(data.strip())


def _visible(page: str) -> _Visible:
    parser = _Visible()
    parser.feed(page)
    return parser


@cache
def _optimised():
    """A small synthetic economy optimised for two generations (seconds), under a hostile scenario name."""
    raw = {"market": {"step_weeks": MONTH, "extensions": ["flexible", "training", "exit", "income", "insurance"]},
           "shock": {"index": "gpts_beta", "start_step": 6, "adoption_steps": 36},
           "policy": {"budget": 2e9, "horizon_years": 3, "phases": 3}}
    sc = load_policy_scenario(raw, path=f"{HOSTILE}.toml")
    prepared = prepare(sc, ["employment_rate", "job_quality", "ai_displacement", "cost"], inputs=synthetic(40, seed=3))
    result = summarise(prepared, search(prepared, "nsga2", 6, 2, seed=1))
    result["network_fallback"] = {"wanted": SCRIPT, "used": "skills"}
    result["meta"]["data_vintage"] = {HOSTILE: "2025"}
    p = paths(prepared, prepared.evaluator.space.from_dict(result["recommended"]["portfolio"]))
    return prepared, result, p


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_policy_report_has_every_section_in_order_and_escapes_user_strings(lang) -> None:
    page = render(*_optimised(), lang)
    assert page.startswith("<!DOCTYPE html>") and f'<html lang="{t("evidence.report.language", lang)}">' in page
    assert HOSTILE not in page and page.count(ESCAPED) >= 3  # <title>, <h1>, the vintage
    assert SCRIPT not in page and str(escape(SCRIPT)) in page  # the network note
    seen = _visible(page)
    sections = ["brief_title", "headline", "pareto_title", "schedule_title", "paths_title", "occupations_title",
                "money_title", "assumptions_title", "methods_title"]
    assert seen.h2 == [t(f"policy.{key}", lang) for key in sections]
    assert page.count("Plotly.newPlot") == 5 and page.count("<table>") == 3
    if lang == "zh":  # the page's own words come from the zh catalogue: no English heading, column or note
        english = {t(f"policy.{key}", "en") for key in STRINGS}
        assert not english & set(seen.text)
        assert not [h for h in seen.h2 if english_words(h)]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_simulation_plots_page_is_the_shared_layout(tmp_path, lang) -> None:
    sc = from_dict({"market": {"steps": 24, "step_weeks": MONTH},
                    "shock": {"index": "gpts_beta", "start_step": 4, "adoption_steps": 12}}, "synthetic.toml")
    page = write_html(simulate(sc, synthetic(30, seed=2)), tmp_path / "plots.html", lang).read_text(encoding="utf-8")
    assert f"<h1>{t('market.report_title', lang)}</h1>" in page
    assert page.count("Plotly.newPlot") == 3 and page.count("<script>") >= 1  # plotly.js inlined once
    assert (locale_script("zh") in page) is (lang == "zh")  # the zh-CN locale of the figures


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_population_plot_page_escapes_the_index_name(tmp_path, lang) -> None:
    states = pd.DataFrame({"state": ["CA", "TX"], "workers_high": [100.0, 50.0], "workers_without": [10.0, 25.0],
                           "share_without": [0.1, 0.5]})
    meta = {"index": {"name": HOSTILE},
            "thresholds": {"viable": 0.5, "wage_ratio": 0.9, "safe_rule": "relative", "safe_margin": 0.1,
                           "safe_min_growth": -0.05, "ranked_by": "score"}}
    view = PopulationView(pd.DataFrame(), states, {}, meta)
    page = write_figure(view, tmp_path / "population.html", lang).read_text(encoding="utf-8")
    assert HOSTILE not in page and page.count(ESCAPED) == 2  # <title> and <h1>; the figure's JSON escapes its own
    assert t("services.population.plot_title", lang, index=ESCAPED) in page
    assert page.count("Plotly.newPlot") == 1


PAGE_TAGS = re.compile(r"(?<!\?P)<(!DOCTYPE|html|head|body|div|table|tr|td|th|h[1-6]|p|ul|ol|li|span|a)[\s>/]", re.I)


def _html_strings(path: Path) -> list[int]:
    """Lines of a module's string literals (f-strings' parts included, docstrings not) that hold page tags."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
            and PAGE_TAGS.search(node.value)]


def test_the_markup_check_finds_an_f_string_page_and_passes_docstrings_and_regexes(tmp_path) -> None:
    module = tmp_path / "m.py"
    module.write_text('"""The <title> and <h1>."""\nimport re\nTERM = re.compile(r"(?P<a>x)")\n'
                      'def page(x):\n    return f"<p class=\'note\'>{x}</p>"\n', encoding="utf-8")
    assert _html_strings(module) == [5]


def test_no_html_page_is_assembled_in_python() -> None:
    """Page markup lives in workshift/reports/templates only (plotly's hover text, ``<br>`` and ``<b>``, aside)."""
    found = [f"{path.relative_to(SRC)}:{line}" for path in sorted(SRC.rglob("*.py")) for line in _html_strings(path)]
    assert not found, found


def test_templates_hold_no_words_of_their_own() -> None:
    """Every word a reader sees comes from the catalogue (en or zh): outside the template's own expressions,
    tags and style sheet a template has no letters."""
    for path in sorted((SRC / "reports" / "templates").glob("*.j2")):
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", path.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", " ", text, flags=re.S))
        assert not re.findall(r"[A-Za-z]{2,}", text), path.name
