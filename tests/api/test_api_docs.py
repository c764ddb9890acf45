"""docs/python.md runs as written: its Python blocks, in order, in one namespace, from the checkout root."""

from __future__ import annotations

import re

from workshift.config import CHECKOUT_ROOT

DOC = CHECKOUT_ROOT / "docs" / "python.md"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_python_tutorial_runs_as_written(us_pack, monkeypatch, capsys) -> None:
    monkeypatch.chdir(CHECKOUT_ROOT)
    found = blocks()
    assert len(found) >= 6
    namespace: dict = {}
    for n, code in enumerate(found, start=1):
        exec(compile(code, f"{DOC}:block{n}", "exec"), namespace)  # noqa: S102 - the documentation's own code
    out = capsys.readouterr().out
    assert "did you mean 'budget'" in out and "SOC 2018" in out
    assert namespace["did"].summary().set_index("aggregation").loc["simple", "estimate"] < 0
    assert len(namespace["table"]) == 5 and namespace["plan"].result["evaluations"] == 24
