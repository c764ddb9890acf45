"""Self-employment paths: viable transitions into occupations where many workers are self-employed.

An occupation has a **high self-employment share** when its share (BLS Employment Projections 2022, percent
self-employed) is at least the 75th percentile over the pack's occupations (the top quartile of occupations,
unweighted; the threshold is reported with every answer). The paths from an origin are its viable transitions
(:mod:`.transitions`) into such occupations, in the transitions ranking (by the observed-mobility probability
``score_observed`` where the pack has it, else by score; ``ranked_by`` says which). The support programmes that apply are the
policy catalogue's levers for starting and running a business, linked by lever id: ``entrepreneurship``
(start-up grants and training) and ``flexible_support`` (support for freelancers and platform workers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from workshift.i18n import normalise_lang
from workshift.policy.catalogue import get_lever, localised
from workshift.services.transitions import Transition, TransitionModel

HIGH_SHARE_QUANTILE = 0.75
PROGRAMME_LEVERS = ("entrepreneurship", "flexible_support")


@dataclass
class Paths:
    origin: dict
    threshold: float  # self-employment share (0-1) from which an occupation counts as high
    origin_high: bool
    paths: list[Transition]
    programmes: list[dict] = field(default_factory=list)
    ranked_by: str = "score"
    thresholds: dict = field(default_factory=dict)  # the transition labels' thresholds

    def to_dict(self) -> dict:
        return {"origin": self.origin, "threshold": round(self.threshold, 4), "origin_high": self.origin_high,
                "paths": [p.to_dict() for p in self.paths], "programmes": self.programmes,
                "ranked_by": self.ranked_by, "thresholds": self.thresholds}


def high_share_threshold(model: TransitionModel) -> float:
    share = model.self_employment[np.isfinite(model.self_employment)]
    return float(np.quantile(share, HIGH_SHARE_QUANTILE))


def programmes(lang: str = "en", currency: str = "USD", conversion: dict | None = None) -> list[dict]:
    """The policy catalogue's support programmes for self-employment, in ``lang``; costs in the pack's
    ``currency`` at its lever-cost factor (``conversion``; US dollars without one)."""

    lang = normalise_lang(lang)
    if conversion is None:
        currency, factor = "USD", 1.0
    else:
        currency, factor = conversion.get("to", currency), float(conversion["factor"])
    out = []
    for lever_id in PROGRAMME_LEVERS:
        lever = get_lever(lever_id)
        out.append({"id": lever.id, "label": lever.label[lang], "description": lever.description[lang],
                    "cost_per_participant": round(lever.cost.per_unit("USD") * factor, 0), "currency": currency,
                    "cost_per": lever.cost.per, "source": re.split("[;；]", localised(lever.cost, "source", lang))[0]})
    return out


def entrepreneurship_paths(model: TransitionModel, origin: str, top: int | None = 10,
                           lang: str = "en") -> Paths:
    """Viable transitions from ``origin`` into high self-employment occupations, and the programmes."""
    threshold = high_share_threshold(model)
    viable = model.rank(origin, top=None, filter="viable")
    share = dict(zip(model.codes, model.self_employment, strict=True))
    chosen = [item for item in viable if share.get(item.code, np.nan) >= threshold][:top]
    profile = model.profile(origin)
    own = share.get(origin, np.nan)
    profile["self_employment_share"] = float(own) if np.isfinite(own) else None
    return Paths(profile, threshold, bool(np.isfinite(own) and own >= threshold), chosen,
                 programmes(lang, conversion=getattr(model.pack, "cost_conversion", None)),
                 model.thresholds.ranked_by, model.thresholds.to_dict())
