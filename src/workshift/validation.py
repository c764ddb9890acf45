"""One validation layer for scenario and policy files: types and finiteness, checked by pydantic.

Each file section is declared once, where it belongs (``market.scenario.SCHEMA``: ``key -> (default, type)``;
``policy.spec.POLICY_SCHEMA``), and :func:`validate_section` builds a strict pydantic model from that
declaration. Strict means: no string is read as a number, ``true`` is not a number, a whole number is asked
where the declaration says ``int``, and NaN or infinity is never a number (``nan``, ``inf`` and ``1e309``
in a TOML file are rejected). Every error is an :class:`~workshift.errors.InputError` naming the file,
the section and key, the value given and what was expected. Range rules (rates in [0, 1], ...) stay with
each section's domain checks, which run on values this layer has already typed.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError, create_model

from workshift.errors import InputError

INT64 = 2**63 - 1
# a finite number; TOML integers are accepted where a number is asked
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
# a whole number that fits a 64-bit integer (seeds, step counts, years)
Whole = Annotated[int, Field(strict=True, ge=-INT64, le=INT64)]
Text = StrictStr
Flag = StrictBool

_WORDS = {"Number": "a finite number", "Whole": "a whole number", "Text": "text in quotes",
          "Flag": "true or false"}


def _annotation(kind: Any) -> Any:
    """The strict pydantic type of a declaration's type (``int``, ``(int, float)``, ``list``, ...)."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if all(isinstance(k, type) for k in kinds):
        if float in kinds:
            return Number
        if int in kinds and bool not in kinds:
            return Whole
        if bool in kinds:
            return Flag
        if str in kinds:
            return Text
        if list in kinds:
            return list[Union[Number, Text]]  # noqa: UP007 (a runtime union of Annotated types)
        if dict in kinds:
            return dict[str, Any]
    return kind  # already a typing annotation (e.g. ``Whole | list[Whole]``)


def expected(kind: Any) -> str:
    """What a declared type asks for, in words."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if float in kinds:
        return _WORDS["Number"]
    if int in kinds:
        return _WORDS["Whole"]
    if bool in kinds:
        return _WORDS["Flag"]
    if str in kinds:
        return _WORDS["Text"]
    if list in kinds:
        return "a list [...]"
    return getattr(kind, "__name__", str(kind))


@functools.lru_cache(maxsize=64)
def _model(section: str, declared: tuple[tuple[str, Any], ...]) -> type[BaseModel]:
    fields = {key: (_annotation(kind) | None, None) for key, kind in declared}
    return create_model(f"Section_{section}", __config__=ConfigDict(extra="allow", strict=True), **fields)


def _is_union_tag(part: object) -> bool:
    """pydantic names the branch of a union in an error's location (``float``, ``constrained-str``...)."""
    return isinstance(part, str) and (part in ("float", "int", "str", "bool") or "[" in part or "-" in part)


def _show(value: Any) -> str:
    """A value as a TOML file would spell it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate_section(raw: dict[str, Any], types: dict[str, Any], section: str,
                     file: str | Path | None = None, words: dict[str, str] | None = None) -> dict[str, Any]:
    """``raw``'s values checked against ``types`` (``key -> declared type``); returns them typed.

    Keys not in ``types`` are left alone, for the caller's unknown-key message with suggestions. ``words``
    may say, per key, what is expected where the declared type alone does not (e.g. for a union).
    """
    declared = tuple(sorted(types.items(), key=lambda item: item[0]))
    given = {key: value for key, value in raw.items() if key in types}
    try:
        checked = _model(section, declared).model_validate(given)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = str(error["loc"][0])
        value = given.get(key)
        path = tuple(p for p in error["loc"][1:] if isinstance(p, int) or not _is_union_tag(p))
        nested = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
        where = f"{file}: " if file else ""
        what = (words or {}).get(key) or expected(types[key])
        item = _pick(value, path)
        if _non_finite(item):
            problem = "is not a finite number"
        elif error["type"] in ("less_than_equal", "greater_than_equal"):
            problem = f"is out of range (expected {what} that fits 64 bits)"
        else:
            problem = f"has the wrong type (expected {what})"
        raise InputError(f"{where}[{section}] {key}{nested} = {_show(item)} {problem}") from None
    return {key: getattr(checked, key) for key in given}


def _pick(value: Any, path: tuple) -> Any:
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return value
    return value


def _non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list | tuple):
        return any(_non_finite(v) for v in value)
    if isinstance(value, dict):
        return any(_non_finite(v) for v in value.values())
    return False
