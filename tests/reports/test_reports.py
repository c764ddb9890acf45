"""The shared report layout (workshift.reports): language, title, style, escaping of user strings."""

import plotly.graph_objects as go

from workshift.i18n.charts import FONT_STACK
from workshift.reports import Figures, render, table_html


def test_layout_escapes_user_strings_and_carries_lang_and_fonts():
    page = render("base.html.j2", "<script>x</script> & plan", "zh")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page
    assert "<script>x</script>" not in page
    assert page.count("&lt;script&gt;x&lt;/script&gt; &amp; plan") == 2  # <title> and <h1>
    assert FONT_STACK in page  # the CJK font stack, unescaped inside the style sheet


def test_table_cells_are_escaped_and_none_is_empty():
    html = table_html([["<b>a</b>", None]], ["h<1>", "two"])
    assert "<b>" not in html and "&lt;b&gt;a&lt;/b&gt;" in html and "h&lt;1&gt;" in html
    assert "<td></td>" in html


def test_figures_pass_through_unescaped_with_plotly_js_once():
    figures = Figures("zh")
    first, second = figures.html(go.Figure()), figures.html(go.Figure())
    assert "<script" in first and "Plotly.register" in first  # plotly.js, then the zh-CN locale
    assert "Plotly.register" not in second and "&lt;div" not in second and "<div" in second
