"""Strict JSON text of results: numpy values as Python values, NaN and inf as ``null`` (never bare ``NaN``).

One home for what the library's ``to_json()`` and the command line's ``--json`` print.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from workshift.i18n.names import add_title_zh


def finite(value: Any) -> Any:
    """A JSON-ready copy of ``value``: numpy scalars and arrays as Python values, NaN and inf as None."""
    if isinstance(value, Mapping):
        return {str(k) if not isinstance(k, str | int | float | bool) and k is not None else k: finite(v)
                for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [finite(v) for v in value]
    if _is_numpy(value):  # an array or a scalar (numpy is not imported here: --help stays fast)
        return finite(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(payload: Any, *, indent: int | None = 2, compact: bool = False) -> str:
    """Strict JSON text of ``payload`` (see :func:`finite`); anything else unusual is written with ``str``.

    Every occupation (a mapping with ``title`` and a SOC code) gains ``title_zh`` beside its ``title``.
    """
    separators = (",", ":") if compact else None
    return json.dumps(add_title_zh(finite(payload)), indent=None if compact else indent, separators=separators,
                      ensure_ascii=False, default=_default, allow_nan=False)


def _is_numpy(value: Any) -> bool:
    return type(value).__module__ == "numpy" and hasattr(value, "tolist")


def _default(value: Any) -> Any:
    return str(value)
