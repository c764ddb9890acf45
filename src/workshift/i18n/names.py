"""Chinese names of SOC 2018 occupations and O*NET elements: the one loader of the shipped translation tables.

Two tables ship under ``i18n/names/`` (method and review in ``docs/i18n.md``):

- ``soc2018_zh.csv``: every occupation of the US pack (830 SOC 2018 codes), columns ``code``, ``title_en``,
  ``title_zh``, ``method`` (``csco2022``: the name is a CSCO 2022 occupation name, recorded in ``csco_code``;
  ``translated``: translated into the terms of CSCO 2022), ``csco_code`` and ``reviewed``;
- ``onet_elements_zh.csv``: every O*NET 29.3 skill, knowledge and work-activity element the packs use
  (105), columns ``code`` (element id), ``domain``, ``title_en``, ``title_zh``, ``method``, ``reviewed``;
- ``onet_detailed_zh.csv``: the 149 O*NET-SOC 2019 occupations finer than their SOC code (``29-1141.01``),
  columns ``code``, ``title_en``, ``title_zh``, ``method``, ``reviewed`` (an ``.00`` code is its SOC
  occupation and takes that name);
- ``soc_nodes_zh.csv``: the 406 nodes of the US mobility networks that are SOC 2010 groups rather than SOC 2018
  occupations (``11-1010``), same columns (``same_title``: the node's title is one SOC 2018 occupation's, whose
  name it takes; ``translated``: a group name translated in CSCO terms).

:func:`occupation_title` and :func:`element_title` give a name in the reader's language (English when the
table has none); :func:`add_title_zh` gives every occupation in a JSON payload a ``title_zh`` beside its
``title``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from workshift.i18n import normalise_lang

_FOLDER = Path(__file__).parent / "names"
SOC_TABLE = _FOLDER / "soc2018_zh.csv"
ELEMENT_TABLE = _FOLDER / "onet_elements_zh.csv"
ONET_TABLE = _FOLDER / "onet_detailed_zh.csv"
NODE_TABLE = _FOLDER / "soc_nodes_zh.csv"
SOURCE_TABLE = _FOLDER / "sources_zh.toml"
# keys under which a JSON payload names an occupation's code next to its ``title``
CODE_KEYS = ("code", "soc_code", "occupation", "soc", "node")
_SOC = re.compile(r"^\d{2}-\d{4}$")


@cache
def _table(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def soc_names() -> dict[str, dict[str, str]]:
    """The SOC 2018 table, keyed by code (rows as dicts of the CSV's columns)."""
    return _table(SOC_TABLE)


def element_names() -> dict[str, dict[str, str]]:
    """The O*NET element table, keyed by element id."""
    return _table(ELEMENT_TABLE)


def occupation_zh(code: str) -> str | None:
    """The Chinese name of a SOC 2018 occupation or of a mobility-network node, or None when no table has it."""
    row = soc_names().get(str(code)) or _table(NODE_TABLE).get(str(code))
    return row["title_zh"] if row else None


def occupation_title(code: str, title: str, lang: str | None = None) -> str:
    """``title`` for English readers; the table's Chinese name for Chinese readers (``title`` when none)."""
    if normalise_lang(lang) != "zh":
        return title
    return occupation_zh(code) or title


def onet_title(code: str, title: str, lang: str | None = None) -> str:
    """An O*NET-SOC occupation's name in ``lang``: its own Chinese name, its SOC occupation's for an ``.00``
    code, else ``title``."""
    if normalise_lang(lang) != "zh":
        return title
    row = _table(ONET_TABLE).get(str(code))
    if row is not None:
        return row["title_zh"]
    return (occupation_zh(str(code)[:7]) or title) if str(code).endswith(".00") else title


@cache
def _sources() -> dict[str, dict[str, str]]:
    import tomllib

    with open(SOURCE_TABLE, "rb") as handle:
        return tomllib.load(handle)


def source_text(source_id: str, field: str, text: str, lang: str | None = None) -> str:
    """A data source's ``publisher``, ``version`` or ``licence`` in ``lang`` (``text``, the registry's, for
    English readers and where ``sources_zh.toml`` has none)."""
    if normalise_lang(lang) != "zh":
        return text
    return _sources().get(source_id, {}).get(field, text)


def element_title(element_id: str, fallback: str, lang: str | None = None) -> str:
    """An O*NET element's name in ``lang`` (``fallback``, O*NET's own name, when the table lacks it)."""
    row = element_names().get(str(element_id))
    if row is None:
        return fallback
    return row["title_zh"] if normalise_lang(lang) == "zh" else row["title_en"]


def _code_of(item: Mapping) -> str | None:
    for key in CODE_KEYS:
        value = item.get(key)
        if isinstance(value, str) and _SOC.match(value):
            return value
    return None


def add_title_zh(payload: Any) -> Any:
    """A copy of ``payload`` where every mapping with a ``title`` and a SOC code gains ``title_zh`` after it.

    A mapping that already has ``title_zh`` is kept as it is; a SOC code the table lacks gets ``None``.
    """
    if isinstance(payload, Mapping):
        items = {k: add_title_zh(v) for k, v in payload.items()}
        code = _code_of(payload) if "title" in payload and "title_zh" not in payload else None
        if code is None:
            return items
        out: dict = {}
        for key, value in items.items():
            out[key] = value
            if key == "title":
                out["title_zh"] = occupation_zh(code)
        return out
    if isinstance(payload, list):
        return [add_title_zh(v) for v in payload]
    return payload
