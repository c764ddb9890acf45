"""The evaluation reports' charts as a real browser draws them (headless Chromium, Debian package ``chromium``).

`make test` installs the package when /usr/bin/chromium is missing and apt is available as root; without a
browser these tests skip. Checks: the synthetic-control path chart's traces span the plot area (years on a
numeric axis, not squashed against the left edge), the treatment line sits at the treatment year inside the
plot, the placebo chart has its band, and the DiD charts label years as whole numbers ("2004", not "2,004.5").
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from workshift.data.registry import source_file
from workshift.evidence.did import estimate_did
from workshift.evidence.panel import read_panel
from workshift.evidence.report_eval import did_report, synth_report
from workshift.evidence.synth import estimate_synth

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium (make test installs the Debian package)")

# For each plotly chart: plot-area box, x of the drawn line paths, shapes (vertical lines) in pixels, tick labels.
_MEASURE = """() => [...document.querySelectorAll('.js-plotly-plot')].map(div => {
  const area = div.querySelector('.nsewdrag').getBoundingClientRect();
  const lines = [...div.querySelectorAll('.scatterlayer .trace path.js-line')].map(p => p.getBoundingClientRect())
      .filter(r => r.width > 0);
  const xa = div._fullLayout.xaxis;
  const shapes = (div._fullLayout.shapes || []).filter(s => s.x0 === s.x1 && s.xref === 'x')
      .map(s => area.left + xa.l2p(xa.d2l(s.x0)));
  return {left: area.left, right: area.right, lines: lines.map(r => [r.left, r.right]), shapes: shapes,
          type: xa.type, ticks: [...div.querySelectorAll('.xtick text')].map(t => t.textContent),
          names: div.data.map(t => t.name || '')};
})"""


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _open(browser, html: Path, charts: int = 1):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(html.as_uri())
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .nsewdrag').length >= {charts}")
    return page


def _measure(browser, tmp_path: Path, html: Path) -> list[dict]:
    page = _open(browser, html)
    page.screenshot(path=str(tmp_path / f"{html.stem}.png"), full_page=True)
    charts = page.evaluate(_MEASURE)
    page.close()
    return charts


def test_synth_path_chart_spans_the_plot_area(browser, tmp_path, data_dir):
    panel = read_panel(source_file("evaluation/california_prop99_long_semicolon.csv", data_dir), unit="State",
                       time="Year", outcome="PacksPerCapita")
    result = estimate_synth(panel, treated="California", treatment_start=1989, method="sc")
    html = synth_report(result, tmp_path / "synth.html")
    paths, gaps = _measure(browser, tmp_path, html)[:2]
    width = paths["right"] - paths["left"]
    assert paths["type"] == "linear"
    for left, right in paths["lines"]:  # actual and synthetic: 1970-2000 across the whole plot
        assert left - paths["left"] < 0.05 * width and paths["right"] - right < 0.05 * width
    (line,) = paths["shapes"]  # 1989 lies 19/30 of the way from 1970 to 2000
    assert (line - paths["left"]) / width == pytest.approx(19 / 30, abs=0.03)
    assert all(re.fullmatch(r"\d{4}", t) for t in paths["ticks"]), paths["ticks"]
    assert any("5" in n and "95" in n for n in gaps["names"])  # the placebo band
    assert len(gaps["lines"]) >= 30  # 38 placebo gaps and the treated one drawn
    assert (tmp_path / "synth.png").stat().st_size > 10_000


def test_did_charts_label_whole_years(browser, tmp_path, data_dir):
    panel = read_panel(source_file("evaluation/mpdta.csv", data_dir), unit="countyreal", time="year",
                       outcome="lemp", cohort="first.treat")
    html = did_report(estimate_did(panel, bootstrap=0), tmp_path / "did.html")
    charts = _measure(browser, tmp_path, html)
    event_study, group_time = charts[0], charts[1]
    assert all(re.fullmatch(r"-?\d+", t.replace("\u2212", "-")) for t in event_study["ticks"]), event_study["ticks"]
    assert group_time["ticks"] and all(re.fullmatch(r"\d{4}", t) for t in group_time["ticks"]), group_time["ticks"]


def test_programme_report_draws_overlap_and_balance(browser, tmp_path, data_dir):
    from workshift.evidence.programme import estimate_programme
    from workshift.evidence.programme_data import read_sample
    from workshift.evidence.report_programme import programme_report

    sample = read_sample(source_file("evaluation/nsw_dehejia_wahba.csv", data_dir), treatment="treat",
                         outcome="re78", covariates="age,educ,black,re74,re75")
    html = programme_report(estimate_programme(sample, method="ipw"), tmp_path / "programme.html", "zh")
    page = _open(browser, html, charts=2)
    bars = page.evaluate("document.querySelectorAll('.js-plotly-plot')[0].querySelectorAll('.bars path').length")
    points = page.evaluate("document.querySelectorAll('.js-plotly-plot')[1].querySelectorAll('.point').length")
    page.close()
    assert bars > 10  # both groups' propensity histograms are drawn
    assert points == 10  # |SMD| before and after for each of the five terms
