"""From what a worker types (a SOC, O*NET, ISCO-08 or CSCO code, or a title in English or Chinese) to a pack
occupation, with the confidence of the match.

The project's resolver is :func:`workshift.services.lookup.resolve_occupation` (codes through the official
crosswalks, titles through the character n-gram search, Chinese titles and CSCO codes through the CSCO->SOC
crosswalk; see ``docs/occupations.md``); :func:`resolve_origin` calls it and turns an *unknown* answer (below its
documented confidence threshold) into a :class:`NotFoundError` listing the closest titles in the query's language.
Where that module is absent, a thin fallback here applies the same rules to SOC and O*NET codes and titles:

- a SOC 2018 code of the pack: confidence 1; a detailed code inside one of OEWS's broad aggregates goes to the
  aggregate; a SOC group code is refused with its occupations as suggestions;
- an O*NET-SOC code: its SOC occupation (the pack's O*NET titles, else the first 7 characters), confidence 1;
- a CSCO 2022 code: the crosswalk's best SOC candidate, with the crosswalk's confidence;
- free text: the best search hit; confidence = the title match score (cosine of character n-grams, 0-1),
  times the crosswalk's confidence for a Chinese title matched through CSCO; unknown below :data:`MIN_CONFIDENCE`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from workshift.data.codes import SYSTEM_LABELS, looks_like_code, parse_code, soc_level
from workshift.errors import InputError, NotFoundError, closest

MIN_CONFIDENCE = 0.6
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Origin:
    """What a query resolved to."""

    query: str
    soc_code: str
    title: str
    system: str  # how the query was read: 'soc2018', 'onet', 'csco2022' or 'title'
    confidence: float
    matched: str = ""  # the code or title that matched
    candidates: list[dict] = field(default_factory=list)  # other close occupations (code, title, score)

    def to_dict(self) -> dict:
        return asdict(self)


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def _occupation_titles(pack) -> dict[str, str]:
    return dict(zip(pack.occupations["soc_code"], pack.occupations["title"], strict=True))


def _from_soc(query: str, code: str, pack, system: str = "soc2018") -> Origin:
    titles = _occupation_titles(pack)
    if code in titles:
        return Origin(query, code, titles[code], system, 1.0, code)
    aggregates = set(pack.occupations.loc[pack.occupations["is_aggregate"], "soc_code"])
    broad = code[:6] + "0"
    if broad in aggregates:
        return Origin(query, broad, titles[broad], system, 1.0, code)
    level = soc_level(code)
    if level != "detailed":
        width = {"major": 2, "minor": 5, "broad": 6}[level]
        inside = sorted(c for c in titles if c[:width] == code[:width])
        if inside:
            examples = "; ".join(f"{c} {titles[c]}" for c in inside[:3])
            raise NotFoundError(f"{code} is a SOC {level} group, not an occupation ({len(inside)} occupations)",
                                hint=f"give one of its occupations, e.g. {examples}")
    guess = closest(code, list(titles))
    raise NotFoundError(f"SOC code {code} is not an occupation of pack '{pack.name}'",
                        hint=f"did you mean {guess} {titles[guess]}?" if guess else "search by title instead")


def _from_onet(query: str, code: str, pack) -> Origin:
    titles = pack.titles
    rows = titles[titles["onet_code"] == code]
    if len(rows):
        origin = _from_soc(query, str(rows["soc_code"].iloc[0]), pack, "onet")
    else:
        origin = _from_soc(query, code[:7], pack, "onet")
    return Origin(query, origin.soc_code, origin.title, "onet", 1.0, code)


def _crosswalk(data_dir=None, home=None):
    try:
        from workshift.services.crosswalk_csco import cached_crosswalk
    except ImportError:
        return None
    return cached_crosswalk(data_dir=data_dir, home=home)


def _from_csco(query: str, code: str, pack, min_confidence: float) -> Origin:
    crosswalk = _crosswalk()
    if crosswalk is None:
        raise NotFoundError(f"CSCO code {code} cannot be mapped to SOC: the CSCO->SOC crosswalk is not built",
                            hint="build the crosswalk (see docs/occupations.md), or give a SOC code or title")
    rows = crosswalk[crosswalk["csco_code"] == code].sort_values("rank")
    if rows.empty:
        raise NotFoundError(f"CSCO 2022 code {code} is not in the crosswalk",
                            hint="check the code, or search by its Chinese title")
    titles = _occupation_titles(pack)
    candidates = [{"code": s, "title": titles.get(s, ""), "score": round(float(c), 3)}
                  for s, c in zip(rows["soc_code"], rows["confidence"], strict=True)]
    best = rows.iloc[0]
    if float(best["confidence"]) < min_confidence:
        raise NotFoundError(
            f"CSCO 2022 code {code}: no SOC occupation matches confidently "
            f"(best {best['soc_code']} at {float(best['confidence']):.2f} < {min_confidence})",
            hint="candidates: " + "; ".join(f"{c['code']} {c['title']} ({c['score']})" for c in candidates[:3]))
    origin = _from_soc(query, str(best["soc_code"]), pack, "csco2022")
    return Origin(query, origin.soc_code, origin.title, "csco2022", float(best["confidence"]), code,
                  candidates[1:4])


def _from_title(query: str, pack, min_confidence: float) -> Origin:
    from workshift.services.search import search

    chinese = is_chinese(query)
    hits = search(query, top=5, pack=pack)
    scored = []
    for hit in hits:
        if hit.soc_code is None:
            confidence = 0.0
        else:
            confidence = hit.score * (hit.soc_confidence if hit.soc_confidence is not None else 1.0)
        scored.append((confidence, hit))
    scored.sort(key=lambda pair: -pair[0])
    if not scored or scored[0][0] < min_confidence:
        shown = [h for h in hits if (h.system == "csco") == chinese] or hits
        names = "；".join(f"{h.title}（{h.code}）" for h in shown[:3]) if chinese else \
            "; ".join(f"{h.title} ({h.code})" for h in shown[:3])
        unmapped = [h for h in hits if h.system == "csco" and h.soc_code is None and h.score >= min_confidence]
        if unmapped and _crosswalk() is None:
            raise NotFoundError(f"'{query}' matches CSCO 2022 occupations, but the CSCO->SOC crosswalk is not built",
                                hint=f"最接近的职业 (closest titles): {names}; build the crosswalk (see "
                                "docs/occupations.md), or give a SOC code or an English title")
        best = f"{scored[0][0]:.2f}" if scored else "0"
        hint = ("closest titles: " + names) if names else "try another title or a SOC code"
        if chinese:
            hint = (f"最接近的职业 (closest titles): {names}") if names else "请换一种说法或输入职业代码"
        raise NotFoundError(f"unknown occupation '{query}' (best match confidence {best} < {min_confidence})",
                            hint=hint)
    confidence, hit = scored[0]
    titles = _occupation_titles(pack)
    origin = _from_soc(query, str(hit.soc_code), pack, "title")
    others = [{"code": h.soc_code, "title": titles.get(h.soc_code, h.title), "score": round(c, 3)}
              for c, h in scored[1:4] if h.soc_code and h.soc_code != origin.soc_code]
    return Origin(query, origin.soc_code, origin.title, "title", round(float(confidence), 4), hit.matched, others)


def resolve_origin(text: str, pack, build_crosswalk: bool = True) -> Origin:
    """Resolve a code (SOC, O*NET, ISCO-08, CSCO) or a title (English or Chinese) to one of the pack's
    occupations; an unknown one is a NotFoundError with suggestions, a bad code an InputError."""
    try:
        from workshift.services.lookup import resolve_occupation
    except ImportError:  # the project's resolver is not installed: the fallback below
        return _resolve_here(text, pack)
    found = resolve_occupation(text, pack, build_crosswalk=build_crosswalk).require()
    titles = _occupation_titles(pack)
    if found.soc_code not in titles:
        raise NotFoundError(f"'{text}' resolved to {found.soc_code}, which is not an occupation of pack "
                            f"'{pack.name}'")
    others = [{"code": c["soc_code"], "title": c["title"], "score": round(float(c["confidence"]), 3)}
              for c in found.candidates if c["soc_code"] != found.soc_code][:3]
    return Origin(found.query, found.soc_code, titles[found.soc_code], found.system, float(found.confidence),
                  found.matched, others)


def _resolve_here(text: str, pack, min_confidence: float = MIN_CONFIDENCE) -> Origin:
    query = str(text).strip()
    if not query:
        raise InputError("empty occupation: give a SOC, O*NET or CSCO code, or a job title")
    if looks_like_code(query):
        parsed = parse_code(query)  # raises InputError for an unknown system or a malformed code
        if parsed.system in ("soc2018", "soc2010"):
            return _from_soc(query, parsed.code, pack, parsed.system)
        if parsed.system == "onet":
            return _from_onet(query, parsed.code, pack)
        if parsed.system == "csco2022":
            return _from_csco(query, parsed.code, pack, min_confidence)
        raise InputError(f"{SYSTEM_LABELS[parsed.system]} code {parsed.code}: career transitions take SOC, O*NET "
                         "or CSCO codes, or a job title", hint="search the title: workshift occupations search")
    return _from_title(query, pack, min_confidence)
