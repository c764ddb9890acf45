"""zh charts: plotly's zh-CN locale registered after plotly.js and before the figures, and a CJK font stack."""

from __future__ import annotations

import json
import re

import plotly.graph_objects as go

from workshift.i18n.charts import FONT_STACK, figure_html, locale_script, plotly_config


def _figure() -> go.Figure:
    return go.Figure(go.Scatter(x=["2024-01-01", "2024-06-01"], y=[1, 2]))


def test_zh_page_registers_the_locale_between_plotly_and_the_figure() -> None:
    page = figure_html(_figure(), "zh", include_plotlyjs=True)
    register = page.index("Plotly.register(")
    assert page.index("plotly.js") < register < page.index("Plotly.newPlot")
    registered = json.loads(re.search(r"Plotly\.register\((\{.*?\})\);</script>", page).group(1))
    assert registered["name"] == "zh-CN" and registered["format"]["shortMonths"][0] == "1月"
    assert len(registered["format"]["months"]) == 12 and registered["format"]["months"][11] == "十二月"
    assert '"locale": "zh-CN"' in page and "Noto Sans CJK SC" in page  # the figure uses it, in CJK fonts


def test_english_keeps_plotlys_default_locale() -> None:
    assert locale_script("en") == "" and plotly_config("en")["locale"] == "en"
    div = figure_html(_figure(), "en")
    assert "Plotly.register" not in div and "<script src" not in div
    assert FONT_STACK.startswith('"Noto Sans CJK SC"')  # the Linux CJK font first
