"""What the evaluate commands print: words for internal names and the closing line (shared by did, synth,
programme; kept apart so the command modules import it without importing each other)."""

# Lazy CLI: workshift modules are imported inside the commands (workshift --help: 2.6-3.0 s CPU lazy,
# 7.0-7.6 s with them at module level; measured in cli/__init__.py's docstring).
from __future__ import annotations

from typing import Any


def term_of(key: str, raw: str, lang: str) -> str:
    """``evaluate.console.<key>`` for Chinese readers where the catalogue has it; ``raw`` (as always printed)
    for English readers."""
    from workshift.i18n import catalogue, t

    name = f"evaluate.console.{key}"
    return t(name, lang) if lang == "zh" and name in catalogue("en") else raw


def stored_line(run_id: str, report: Any, lang: str) -> str:
    """The last line of an evaluation: its stored run and report."""
    from workshift.i18n import t

    return t("evaluate.console.stored", lang, run=run_id) + (
        t("evaluate.console.report", lang, report=report) if report else "")
