"""Career advice for one worker or a file of them: resolve the occupation, rank, explain, attach training.

This is what ``workshift transitions`` runs; :class:`~workshift.services.transitions.TransitionModel` is the
engine underneath (built once, reused by job matching).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workshift.errors import DataError, WorkshiftError
from workshift.i18n import normalise_lang
from workshift.services.explain import explain
from workshift.services.origins import Origin, resolve_origin
from workshift.services.training import Catalogue
from workshift.services.transitions import Transition, TransitionModel


@dataclass
class Advice:
    """The answer for one origin."""

    origin: Origin
    profile: dict
    transitions: list[Transition]
    filter: str

    def to_list(self) -> list[dict]:
        return [item.to_dict() for item in self.transitions]


@dataclass
class BadLine:
    line: int  # 1-based line number in the file
    text: str
    error: str
    hint: str | None = None


@dataclass
class Batch:
    answers: dict[str, Advice] = field(default_factory=dict)  # keyed by the line as given
    bad: list[BadLine] = field(default_factory=list)


def advise(model: TransitionModel, occupation: str | Origin, top: int | None = 10, filter: str = "safe",
           lang: str = "en", catalogue: Catalogue | None = None) -> Advice:
    """Ranked, labelled and explained transitions for one occupation (code or title)."""
    lang = normalise_lang(lang)
    origin = occupation if isinstance(occupation, Origin) else resolve_origin(occupation, model.pack,
                                                                                context=model.context)
    profile = model.profile(origin.soc_code)
    items = model.rank(origin.soc_code, top=top, filter=filter)
    for item in items:
        if catalogue is not None:
            item.training = catalogue.plan(item.skill_gaps, lang)
        item.explanation = explain(profile, item, model.thresholds, lang, model.pack.currency)
    return Advice(origin, profile, items, filter)


def read_origin_lines(path: str | Path) -> list[tuple[int, str]]:
    """Non-blank lines of an origins file as (line number, text as given); an empty file is an error."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=path, expected="a text file with one code or title per line")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text ({exc.reason})", file=path, expected="UTF-8 text") from exc
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise DataError("the file is empty", file=path, expected="one occupation code or title per line")
    return lines


def advise_many(model: TransitionModel, lines: list[tuple[int, str]], top: int | None = 10, filter: str = "safe",
                lang: str = "en", catalogue: Catalogue | None = None) -> Batch:
    """Answer every good line; collect the bad ones with their line numbers (never stop at the first)."""
    batch = Batch()
    for number, text in lines:
        if text in batch.answers:
            continue  # the same line twice has one answer under its key
        try:
            batch.answers[text] = advise(model, text, top=top, filter=filter, lang=lang, catalogue=catalogue)
        except WorkshiftError as exc:
            batch.bad.append(BadLine(number, text, exc.message, exc.hint))
    return batch
