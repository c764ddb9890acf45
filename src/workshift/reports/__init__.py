"""HTML reports from jinja2 templates, with one shared layout and style.

Every report page extends ``templates/base.html.j2``: the language attribute, the title, the shared CSS
(``templates/style.css``, with the CJK font stack of :mod:`workshift.i18n.charts`), the generation line and
the page's sections. Autoescape is on, so every user string (a plan name, a file name, an indicator) is
HTML-escaped; figure divs and plotly.js, which are HTML already, are passed through :class:`markupsafe.Markup`
by :class:`Figures`. Tables are the ``table`` macro of ``templates/table.html.j2``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from workshift._version import __version__
from workshift.i18n import normalise_lang, t
from workshift.i18n.charts import FONT_STACK, figure_html

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["Figures", "environment", "render", "table_html"]


@cache
def environment() -> jinja2.Environment:
    """The templates' environment: package templates, autoescape on, undefined names are errors."""
    return jinja2.Environment(loader=jinja2.PackageLoader("workshift.reports", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True)


class Figures:
    """Turns plotly figures into HTML divs in the reader's locale, inlining plotly.js with the first one only."""

    def __init__(self, lang: str | None = None) -> None:
        self.first = True
        self.lang = normalise_lang(lang)

    def html(self, fig: go.Figure) -> Markup:
        """The figure's div (plotly's own HTML, marked safe so a template does not escape it)."""
        out = figure_html(fig, self.lang, include_plotlyjs=self.first)
        self.first = False
        return Markup(out)  # noqa: S704 - plotly's own HTML, no user text unescaped


def table_html(rows: list[list[object]], header: list[str]) -> str:
    """A plain table (header row, then rows), every cell escaped: the ``table`` macro templates import."""
    return str(environment().get_template("table.html.j2").module.table(rows, header))


def render(template: str, title: str, lang: str | None, **context: Any) -> str:
    """Render the page ``template`` (which extends the base layout) for a reader of ``lang``.

    Parameters
    ----------
    template : str
        Template file name under ``workshift/reports/templates``.
    title : str
        Page title (``<title>`` and ``<h1>``), escaped.
    lang : str or None
        Reader's language (``en`` or ``zh``).
    **context
        The template's own names.

    Returns
    -------
    str
        The complete HTML page.
    """
    lang = normalise_lang(lang)
    stamp = t("evidence.report.generated", lang, time=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
              version=__version__)
    return environment().get_template(template).render(
        title=title, html_lang=t("evidence.report.language", lang), stamp=stamp, font_stack=Markup(FONT_STACK),
        **context)
