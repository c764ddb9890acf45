"""From what a worker types (a SOC, O*NET, ISCO-08 or CSCO code, or a title in English or Chinese) to a pack
occupation, with the confidence of the match.

The project's resolver is :func:`workshift.services.lookup.resolve_occupation` (codes through the official
crosswalks, titles through the character n-gram search, Chinese titles and CSCO codes through the CSCO->SOC
crosswalk; see ``docs/occupations.md``); :func:`resolve_origin` calls it and turns an *unknown* answer (below its
documented confidence threshold) into a :class:`NotFoundError` listing the closest titles in the query's language.
"""

from __future__ import annotations

from workshift.context import Context
from workshift.errors import NotFoundError
from workshift.services.lookup import resolve_occupation
from workshift.services.pack_search import resolve_in_pack
from workshift.services.resolved import Origin, is_chinese

__all__ = ["Origin", "is_chinese", "resolve_origin"]


def _occupation_titles(pack) -> dict[str, str]:
    return dict(zip(pack.occupations["soc_code"], pack.occupations["title"], strict=True))


def resolve_origin(text: str, pack, build_crosswalk: bool = True, *, context: Context | None = None) -> Origin:
    """Resolve a code (SOC, O*NET, ISCO-08, CSCO) or a title (English or Chinese) to one of the pack's
    occupations; an unknown one is a NotFoundError with suggestions, a bad code an InputError.

    A pack in another code system than SOC 2018 (``pack.code_system``) is searched in its own codes and titles
    (:func:`workshift.services.pack_search.resolve_in_pack`). ``context``: the data dir and store the resolver's
    indexes and crosswalk come from (default: the session's)."""
    if getattr(pack, "code_system", "SOC 2018") != "SOC 2018":
        return resolve_in_pack(text, pack)
    found = resolve_occupation(text, pack, build_crosswalk=build_crosswalk, context=context).require()
    titles = _occupation_titles(pack)
    if found.soc_code not in titles:
        raise NotFoundError(f"'{text}' resolved to {found.soc_code}, which is not an occupation of pack "
                            f"'{pack.name}'")
    others = [{"code": c["soc_code"], "title": c["title"], "score": round(float(c["confidence"]), 3)}
              for c in found.candidates if c["soc_code"] != found.soc_code][:3]
    return Origin(found.query, found.soc_code, titles[found.soc_code], found.system, float(found.confidence),
                  found.matched, others)
