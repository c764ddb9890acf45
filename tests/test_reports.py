"""The shared report layout (workshift.reports): language, title, style, escaping of user strings."""

from workshift.evidence.report_monitor import render_page
from workshift.i18n.charts import FONT_STACK
from workshift.reports import render, table_html


def test_layout_escapes_user_strings_and_carries_lang_and_fonts():
    page = render("sections.html.j2", "<script>x</script> & plan", "zh", sections=[])
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page
    assert "<script>x</script>" not in page
    assert page.count("&lt;script&gt;x&lt;/script&gt; &amp; plan") == 2  # <title> and <h1>
    assert FONT_STACK in page  # the CJK font stack, unescaped inside the style sheet


def test_table_cells_are_escaped_and_none_is_empty():
    html = table_html([["<b>a</b>", None]], ["h<1>", "two"])
    assert "<b>" not in html and "&lt;b&gt;a&lt;/b&gt;" in html and "h&lt;1&gt;" in html
    assert "<td></td>" in html


def test_sections_keep_built_html_and_escape_headings():
    page = render_page("T", "en", [("<i>head</i>", "<p>body</p>")])
    assert "<p>body</p>" in page and "&lt;i&gt;head&lt;/i&gt;" in page
    assert '<html lang="en">' in page
