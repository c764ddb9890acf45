"""Career transitions from the library: :func:`transitions` -> :class:`TransitionTable` (a DataFrame)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from workshift.api.scenario import load_pack
from workshift.context import Context, resolve
from workshift.errors import InputError
from workshift.services.career import Advice, advise
from workshift.services.training import Catalogue, load_catalogue
from workshift.services.transitions import DEFAULT_INDEX, FILTERS, TransitionModel

_MODELS: dict[tuple, TransitionModel] = {}


class TransitionTable(pd.DataFrame):
    """Ranked destinations, one row each (``rank``, ``code``, ``title``, ``score``, ``viable``, ``desirable``,
    ``safe``, ``wage_ratio``, ``exposure_change``, ``growth``, ``skill_gaps``, ``explanation``, ``training``...).

    ``meta`` holds the data vintage, the exposure index, the similarity method and thresholds; ``origin`` what
    the query resolved to (code, title, code system, confidence, close candidates).
    """

    _metadata = ["meta", "origin"]

    @property
    def _constructor(self) -> type[TransitionTable]:
        return TransitionTable


def transition_model(pack: str | None = None, index: str = DEFAULT_INDEX, safe_rule: str = "relative", *,
                     context: Context | None = None) -> TransitionModel:
    """The transition model of a region pack (similarities and thresholds), built once per pack, index and rule.

    Parameters
    ----------
    pack : str, optional
        Region pack (default: the context's).
    index : str
        Exposure index of the pack that decides "safe".
    safe_rule : str
        ``relative`` (exposure at least 0.5 sd lower) or ``category`` (not in the top exposure quartile).
    context : Context, optional

    Returns
    -------
    workshift.services.transitions.TransitionModel
    """
    ctx = resolve(context)
    region = load_pack(pack, context=ctx)
    stamp = region.path.stat().st_mtime_ns if region.path is not None else None
    key = (str(region.path), stamp, index, safe_rule, ctx)
    if key not in _MODELS:
        _MODELS.clear()
        _MODELS[key] = TransitionModel(region, index=index, safe_rule=safe_rule, context=ctx)
    return _MODELS[key]


def training_catalogue(model: TransitionModel, path: str | Path | None = None) -> Catalogue:
    """The training catalogue: the shipped, illustrative one, or a user's CSV checked against the pack's skills."""
    pack = model.pack
    if path is None:
        catalogue = load_catalogue()
    else:
        skills = pack.skills
        catalogue = load_catalogue(path, set(skills.loc[skills["domain"].isin(["skills", "knowledge"]),
                                                        "element_id"]))
    # illustrative costs (the training lever's, US dollars) in the pack's currency, as the policy stage does
    return catalogue.in_currency(pack.currency, getattr(pack, "cost_conversion", None))


def transitions(occupation: str, *, lang: str = "en", top: int = 10, filter: str = "safe",
                index: str = DEFAULT_INDEX, safe_rule: str = "relative", pack: str | None = None,
                training: bool = True, catalogue: str | Path | None = None,
                context: Context | None = None) -> TransitionTable:
    """Career transitions for an occupation: viable, desirable and safer jobs, skill gaps and training.

    Parameters
    ----------
    occupation : str
        A SOC, O*NET or CSCO code, or a job title in English or Chinese (``"data entry keyers"``, ``"数据录入员"``).
    lang : str
        Language of titles and explanations: ``en`` or ``zh``.
    top : int
        Number of destinations.
    filter : str
        ``all``, ``viable`` or ``safe`` (viable, desirable and safe).
    index, safe_rule : str
        Exposure index and safe rule (:func:`transition_model`).
    pack : str, optional
        Region pack (default: the context's).
    training : bool
        Attach a training plan to each destination.
    catalogue : str or Path, optional
        Training catalogue CSV (default: the shipped, illustrative one).
    context : Context, optional

    Returns
    -------
    TransitionTable
        A DataFrame with ``.meta`` and ``.origin``.
    """
    if filter not in FILTERS:
        raise InputError(f"unknown filter '{filter}' (expected one of: {', '.join(FILTERS)})", parameter="filter")
    model = transition_model(pack, index, safe_rule, context=context)
    plans = training_catalogue(model, catalogue) if training or catalogue is not None else None
    return transition_table(advise(model, occupation, top=top, filter=filter, lang=lang, catalogue=plans),
                            advice_meta(model, plans))


def advice_meta(model: TransitionModel, catalogue: Catalogue | None) -> dict[str, Any]:
    """Data vintage and assumptions behind an answer (with the training catalogue's, when one is used)."""
    meta = model.meta()
    if catalogue is not None:
        meta["training"] = catalogue.meta()
    return meta


def transition_table(advice: Advice, meta: dict[str, Any]) -> TransitionTable:
    """An :class:`~workshift.services.career.Advice` as a :class:`TransitionTable`."""
    rows = advice.to_list()
    table = TransitionTable(pd.DataFrame(rows))
    table.insert(0, "rank", range(1, len(rows) + 1))
    table.meta = meta
    table.origin = advice.origin.to_dict()
    return table
