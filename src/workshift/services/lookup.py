"""Resolve what a person types (a code of any system, or a job title in English or Chinese) to SOC occupations.

:func:`resolve_occupation` is the one entry point later stages call (career transitions, matching):

==============  ===========================================================================================
input           SOC candidates and confidence (0-1)
==============  ===========================================================================================
SOC 2018        the pack occupation (a detailed code inside an OEWS broad aggregate -> the aggregate), 1
SOC 2010        BLS SOC 2010 -> 2018 crosswalk; split codes share 1 by 2025 employment
O*NET-SOC       its SOC occupation (the pack's O*NET titles), 1
ISCO-08         SOC 2018 occupations of the ISCO unit group (crosswalk via SOC 2010), shares of employment
CSCO 2022       the CSCO->SOC crosswalk's candidates and confidences (:mod:`.crosswalk_csco`)
English title   title search hits (character n-gram TF-IDF cosine, 0-1, :mod:`.search`)
Chinese title   the CSCO title classifier (:mod:`.classify_csco`), then the crosswalk: probability x
                crosswalk confidence; when that is weak, the query itself is embedded and compared with
                the SOC passages (cross-language e5)
==============  ===========================================================================================

Below :data:`MIN_CONFIDENCE` the resolution is *unknown*: ``known`` is False, ``soc_code`` None, and
``suggestions`` lists the closest titles in the query's language (Chinese titles for a Chinese query).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from workshift.context import Context, resolve
from workshift.data import registry
from workshift.data.codes import SYSTEM_LABELS, OccupationCode, fold, looks_like_code, parse_code, soc_level
from workshift.data.csco import CSCO_FILE, csco_available, csco_missing_hint, load_csco
from workshift.errors import DataError, InputError, NotFoundError, closest
from workshift.i18n import t
from workshift.i18n.names import occupation_zh, soc_names
from workshift.services.classify_csco import classify
from workshift.services.crosswalk_csco import cached_crosswalk, csco_to_soc, semantic_soc
from workshift.services.search import get_index, inputs_key
from workshift.services.titles import OEWS_FILE, us_titles

MIN_CONFIDENCE = 0.5
_CJK = re.compile(r"[\u3400-\u9fff]")
_SUGGESTION = re.compile(r"^(?P<title>.*) \((?P<code>\d{2}-\d{4})\)$")  # how suggestions name a SOC title
_SOC2010 = "crosswalks/bls_soc/soc2010_to_soc2018_bls.csv"
_ISCO = "crosswalks/derived_soc2018_to_isco08_via_soc2010.csv"


@dataclass
class Resolution:
    """What a query resolved to. ``candidates``: ``[{soc_code, title, confidence, via}]``, best first."""

    query: str
    soc_code: str | None  # None when unknown
    title: str | None
    system: (
        str  # how the query was read: a code system ('soc2018', ..., 'csco2022') or 'title_en' / 'title_zh'
    )
    confidence: float  # 0-1 (see the module docstring for what it is per input)
    matched: str = ""  # the code or title that matched
    known: bool = True  # confidence >= MIN_CONFIDENCE
    candidates: list[dict] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)  # closest titles, in the query's language

    def to_dict(self) -> dict:
        return asdict(self)

    def require(self) -> Resolution:
        """Self when known; else a NotFoundError listing the suggestions."""
        if self.known:
            return self
        zh = is_chinese(self.query)
        sep = "；" if zh else "; "
        label = "最接近的职业" if zh else "closest titles"
        in_zh = "；".join(_suggestion_zh(s) for s in self.suggestions)
        raise NotFoundError(
            f"unknown occupation '{self.query}' (best confidence {self.confidence:.2f} < {MIN_CONFIDENCE})",
            hint=f"{label}: {sep.join(self.suggestions)}" if self.suggestions else None,
            zh=t("occupations.unknown", "zh", query=self.query, confidence=f"{self.confidence:.2f}",
                 threshold=MIN_CONFIDENCE),
            hint_zh=t("occupations.closest", "zh", titles=in_zh) if self.suggestions else None,
        )


def _suggestion_zh(text: str) -> str:
    """'Registered Nurses (29-1141)' -> '注册护士（29-1141）' (as given when the code has no Chinese name)."""
    found = _SUGGESTION.match(text)
    if not found:
        return text
    name = occupation_zh(found["code"])
    return f"{name}（{found['code']}）" if name else text


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(str(text)))


class _Lookup:
    """The US occupations and titles one resolution needs (pack when built, else raw files), and where from."""

    def __init__(self, context: Context, pack, build: bool = True) -> None:

        self.context, self.pack, self.build = context, pack, build
        titles = us_titles(context, pack)
        soc = titles[titles["kind"] == "soc"].drop_duplicates("soc_code")
        self.soc_titles: dict[str, str] = dict(zip(soc["soc_code"], soc["title"], strict=True))
        onet = titles[titles["kind"] == "onet"].drop_duplicates("onet_code")
        self.onet = onet.set_index("onet_code")
        if pack is not None:
            occ = pack.occupations
            self.employment = dict(zip(occ["soc_code"], occ["employment"], strict=True))
            self.aggregates = set(occ.loc[occ["is_aggregate"], "soc_code"])
        else:
            oews = pd.read_csv(registry.source_file(OEWS_FILE, context.data_dir), dtype={"soc2018_code": str})
            oews = oews[oews["display_level"] == 3]
            self.employment = dict(
                zip(oews["soc2018_code"], pd.to_numeric(oews["TOT_EMP"], errors="coerce"), strict=True)
            )
            self.aggregates = {c for c in self.soc_titles if soc_level(c) == "broad"}

    def occupation(self, code: str) -> str | None:
        """The pack occupation a SOC 2018 code is (itself, or the OEWS broad aggregate it sits in)."""
        if code in self.soc_titles:
            return code
        broad = code[:6] + "0"
        return broad if broad in self.aggregates else None

    def shares(self, codes: list[str], via: str) -> list[dict]:
        """Candidates splitting confidence 1 by employment (equal shares where employment is unknown)."""
        codes = list(dict.fromkeys(c for c in (self.occupation(x) for x in codes) if c))
        weights = pd.Series([self.employment.get(c) for c in codes], index=codes, dtype=float)
        weights = weights.fillna(weights.mean() if weights.notna().any() else 1.0)
        weights = weights / weights.sum() if weights.sum() > 0 else weights * 0 + 1 / max(len(codes), 1)
        ranked = weights.sort_values(ascending=False, kind="stable")
        return [_candidate(c, self.soc_titles[c], float(w), via) for c, w in ranked.items()]


_LOOKUPS: dict[tuple[str, bool], _Lookup] = {}


def _lookup(context: Context, pack, build: bool = True) -> _Lookup:
    """One :class:`_Lookup` per set of inputs and process (reading the titles takes about a second)."""

    key = (f"{inputs_key(context, pack)}|{context.data_dir}|{context.home}", build)
    if key not in _LOOKUPS:
        _LOOKUPS[key] = _Lookup(context, pack, build)
    return _LOOKUPS[key]


def _candidate(soc_code: str, title: str, confidence: float, via: str) -> dict:
    return {"soc_code": soc_code, "title": title, "confidence": round(confidence, 4), "via": via}


def _unknown_code(system: str, code: str, choices: list[str]) -> NotFoundError:
    guess = closest(code, choices)
    return NotFoundError(
        f"{SYSTEM_LABELS[system]} code {code} is not a known occupation",
        hint=f"did you mean {guess}?" if guess else "search by title: workshift occupations search",
        zh=t("common.err_unknown_code", "zh", system=SYSTEM_LABELS[system], code=code),
        hint_zh=t("common.did_you_mean", "zh", guess=guess) if guess else t("common.search_by_title", "zh"),
    )


def _code_candidates(parsed: OccupationCode, ctx: _Lookup) -> list[dict]:
    system, code = parsed
    if system == "soc2018":
        found = ctx.occupation(code)
        if found:
            return [_candidate(found, ctx.soc_titles[found], 1.0, "SOC 2018")]
        level = soc_level(code)
        if level != "detailed":
            width = {"major": 2, "minor": 5, "broad": 6}[level]
            inside = [c for c in ctx.soc_titles if c[:width] == code[:width]]
            if inside:
                examples = "; ".join(f"{c} {ctx.soc_titles[c]}" for c in inside[:3])
                raise NotFoundError(
                    f"{code} is a SOC {level} group of {len(inside)} occupations, not an occupation",
                    hint=f"give one of its occupations, e.g. {examples}",
                )
        system = "soc2010"  # a retired SOC 2010 code still names an occupation
    if system == "soc2010":
        bridge = pd.read_csv(registry.source_file(_SOC2010, ctx.context.data_dir), dtype=str)
        targets = bridge.loc[bridge["soc2010_code"] == code, "soc2018_code"].tolist()
        found = ctx.shares(targets, "SOC 2010 -> 2018 (BLS)")
        if found:
            return found
        raise _unknown_code(parsed.system, code, list(ctx.soc_titles))
    if system == "onet":
        if code in ctx.onet.index and isinstance(ctx.onet.loc[code, "soc_code"], str):
            soc = ctx.onet.loc[code, "soc_code"]
            return [_candidate(soc, ctx.soc_titles[soc], 1.0, "O*NET-SOC")]
        found = ctx.occupation(code[:7])
        if found:
            return [_candidate(found, ctx.soc_titles[found], 1.0, "O*NET-SOC")]
        raise _unknown_code(system, code, list(ctx.onet.index))
    if system == "isco08":
        bridge = pd.read_csv(registry.source_file(_ISCO, ctx.context.data_dir), dtype=str)
        rows = bridge[bridge["isco08_code"].str.startswith(code)]
        found = ctx.shares(rows["soc2018_code"].tolist(), "ISCO-08 -> SOC 2010 -> SOC 2018")
        if found:
            return found
        raise _unknown_code(system, code, sorted(set(bridge["isco08_code"])))

    return [
        _candidate(c.soc_code, c.soc_title, c.confidence, "CSCO->SOC crosswalk")
        for c in csco_to_soc(code, ctx.context, ctx.pack, build=ctx.build)
    ]


def _title_candidates(query: str, ctx: _Lookup, top: int) -> tuple[str, list[dict], list[str]]:
    """(system, candidates, suggestions) for a free-text title."""

    if is_chinese(query) and not csco_available(ctx.context.data_dir):  # Chinese titles are read through CSCO only
        raise DataError(
            f"'{query}' is a Chinese job title, and Chinese titles are resolved through the CSCO 2022 "
            "classification, which is missing (缺少《中华人民共和国职业分类大典》CSCO 2022 职业分类文件)",
            file=ctx.context.data_dir / CSCO_FILE, hint=csco_missing_hint(ctx.context.data_dir),
        )
    if not is_chinese(query):
        hits = get_index(ctx.context, ctx.pack).search(query, top=top, system="soc")
        candidates = [
            _candidate(h.soc_code, h.soc_title or h.title, h.score, f"title '{h.matched}'") for h in hits
        ]
        return "title_en", candidates, [f"{h.title} ({h.code})" for h in hits[:5]]
    exact = _exact_zh_name(query, ctx)
    if exact:
        return "title_zh", exact, []
    return _classified_candidates(query, ctx, top)


def _exact_zh_name(query: str, ctx: _Lookup) -> list[dict]:
    """The SOC occupation whose Chinese name (the reviewed zh names table) is exactly the query, if any.

    A person typing an occupation's own name means that occupation: it wins over the classifier, whose
    nearest CSCO code may sit elsewhere (数据录入员 is 43-9021 Data Entry Keyers, not 43-9022 typists).
    """

    wanted = fold(query).lower()
    codes = [code for code, row in soc_names().items() if fold(row["title_zh"]).lower() == wanted]
    codes = [ctx.occupation(code) for code in codes]
    return ctx.shares([c for c in codes if c], "exact Chinese name (SOC 2018 zh names table)")


def _classified_candidates(query: str, ctx: _Lookup, top: int) -> tuple[str, list[dict], list[str]]:
    """A Chinese title: the CSCO classifier's best code, then the crosswalk (or the query's own embedding).

    Confidence = the classifier's probability x the crosswalk candidate's; a CSCO group code spreads its
    probability equally over its level-4 occupations. The cross-language embedding of the query itself is
    the other route; the route whose best candidate is more confident wins.
    """

    result = classify([query], top=top, context=ctx.context)[0]
    suggestions = [f"{c['title']}（{c['code']}）" for c in result["candidates"]]
    best = result["candidates"][0]
    csco = load_csco(ctx.context.data_dir)
    named = csco.loc[csco["name"].map(fold).str.lower() == fold(query).lower()]
    if len(named):  # the query is a CSCO occupation's own name: that code, whatever the classifier ranks first
        best = {"code": named["code"].iloc[-1], "title": named["name"].iloc[-1], "score": 1.0}
    level = int(csco.loc[csco["code"] == best["code"], "level"].iloc[0])
    prefix = best["code"][: {1: 1, 2: 4, 3: 7, 4: 10}[level]]
    inside = csco.loc[(csco["level"] == 4) & csco["code"].str.startswith(prefix), "code"].tolist()
    routes: list[list[dict]] = []
    if inside and (ctx.build or cached_crosswalk(ctx.context, ctx.pack) is not None):
        pooled: dict[str, list] = {}
        for code in inside:
            for c in csco_to_soc(code, ctx.context, ctx.pack, build=ctx.build):
                entry = pooled.setdefault(c.soc_code, [c.soc_title, 0.0])
                entry[1] += best["score"] * c.confidence / len(inside)
        via = f"CSCO {best['code']} {best['title']} (classifier {best['score']:.2f}) -> crosswalk"
        ranked = sorted(pooled.items(), key=lambda kv: -kv[1][1])[:top]
        routes.append([_candidate(soc, title, conf, via) for soc, (title, conf) in ranked])
    # The classified code's group is the embedding route's prior only when the classifier is fairly sure:
    # a doubtful guess (嗯嗯嗯嗯 -> 全媒体运营师 at 0.21) must not lift a meaningless query over the threshold.
    prior = best["code"] if level == 4 and best["score"] >= MIN_CONFIDENCE else None
    semantic = semantic_soc(query, prior, ctx.context, ctx.pack, top=top)
    if semantic:
        routes.append(
            [_candidate(c.soc_code, c.soc_title, c.confidence, "cross-language embedding") for c in semantic]
        )
    routes = [r for r in routes if r]
    return "title_zh", max(routes, key=lambda r: r[0]["confidence"]) if routes else [], suggestions


def resolve_occupation(
    text: str,
    pack=None,
    *,
    data_dir: str | Path | None = None,
    home: str | Path | None = None,
    min_confidence: float = MIN_CONFIDENCE,
    top: int = 5,
    build_crosswalk: bool = True,
    context: Context | None = None,
) -> Resolution:
    """Resolve a SOC, O*NET, ISCO-08 or CSCO code, or a job title in English or Chinese, to SOC occupations.

    Raises :class:`InputError` for an empty query, an unknown code system or a malformed code, and
    :class:`NotFoundError` for a well-formed code that names no occupation. A title below
    ``min_confidence`` (and a CSCO code whose best crosswalk candidate is below it) comes back with
    ``known=False``, ``soc_code=None`` and suggestions in the query's language; ``.require()`` turns that
    into a NotFoundError. A CSCO code or Chinese title needs the CSCO->SOC crosswalk: it is built on first
    use (minutes) unless ``build_crosswalk`` is False. ``context`` names the data dir and the store
    (``data_dir`` / ``home`` still override it); ``pack`` is the US pack when already in memory.
    """
    query = str(text).strip()
    if not query:
        raise InputError("empty occupation: give a SOC, O*NET, ISCO-08 or CSCO code, or a job title")
    ctx = _lookup(resolve(context, data_dir, home), pack, build_crosswalk)
    if looks_like_code(query):
        parsed = parse_code(query)  # InputError for an unknown system or a malformed code
        candidates = _code_candidates(parsed, ctx)
        system, matched = parsed.system, parsed.code
        # Official code crosswalks are exact; only the CSCO crosswalk's candidates are estimates.
        threshold = min_confidence if system == "csco2022" else 0.0
        suggestions = [f"{c['soc_code']} {c['title']} ({c['confidence']:.2f})" for c in candidates[:5]]
    else:
        system, candidates, suggestions = _title_candidates(query, ctx, top)
        matched = candidates[0]["via"] if candidates else ""
        threshold = min_confidence
    candidates = candidates[:top]
    best = candidates[0] if candidates else None
    confidence = float(best["confidence"]) if best else 0.0
    known = best is not None and confidence >= threshold
    return Resolution(
        query=query,
        soc_code=best["soc_code"] if known else None,
        title=best["title"] if known else None,
        system=system,
        confidence=round(confidence, 4),
        matched=matched,
        known=known,
        candidates=candidates,
        suggestions=[] if known else suggestions,
    )


def _code_title(parsed: OccupationCode, ctx: _Lookup, candidates: list[dict]) -> str:
    system, code = parsed
    if system == "onet" and code in ctx.onet.index:
        return str(ctx.onet.loc[code, "title"])
    if system == "soc2010":
        bridge = pd.read_csv(registry.source_file(_SOC2010, ctx.context.data_dir), dtype=str)
        rows = bridge.loc[bridge["soc2010_code"] == code, "soc2010_title"]
        if len(rows):
            return str(rows.iloc[0])
    if system == "isco08":
        bridge = pd.read_csv(registry.source_file(_ISCO, ctx.context.data_dir), dtype=str)
        rows = bridge.loc[bridge["isco08_code"] == code, "isco08_title"]
        if len(rows):
            return str(rows.iloc[0])
    return ctx.soc_titles.get(code) or (candidates[0]["title"] if candidates else "")


def describe_code(code: str | OccupationCode, context: Context | None = None, pack=None, *,
                  data_dir: str | Path | None = None, home: str | Path | None = None) -> dict:
    """Everything known about one code: title, SOC mapping (with confidence), O*NET and CSCO links.

    Keys: ``system``, ``system_label``, ``code``, ``title``, ``soc_code``, ``soc_title``, ``confidence``,
    ``soc_candidates``; for SOC codes ``onet_occupations`` and ``csco_candidates`` (CSCO occupations whose
    crosswalk candidates include it, when the crosswalk is built); for CSCO codes ``level``,
    ``definition``, ``aliases``.
    """

    parsed = code if isinstance(code, OccupationCode) else parse_code(code)
    ctx = _lookup(resolve(context, data_dir, home), pack)
    info: dict = {"system": parsed.system, "system_label": SYSTEM_LABELS[parsed.system], "code": parsed.code}
    if parsed.system == "csco2022":
        csco = load_csco(ctx.context.data_dir).set_index("code")
        if parsed.code not in csco.index:
            raise _unknown_code(parsed.system, parsed.code, csco.index.tolist())
        row = csco.loc[parsed.code]
        info.update(
            title=row["name"], level=int(row["level"]), definition=row["definition"], aliases=row["aliases"]
        )
        if row["level"] != 4:
            inside = csco[(csco["level"] == 4) & csco.index.str.startswith(parsed.code.rstrip("0-")[:4])]
            info["note"] = f"a CSCO level-{row['level']} group of {len(inside)} occupations"
            return info
    candidates = _code_candidates(parsed, ctx)
    info.setdefault("title", _code_title(parsed, ctx, candidates))
    best = candidates[0] if candidates else None
    info.update(
        soc_code=best["soc_code"] if best else None,
        soc_title=best["title"] if best else None,
        confidence=best["confidence"] if best else None,
        soc_candidates=candidates if (len(candidates) > 1 or parsed.system == "csco2022") else [],
    )
    if parsed.system in ("soc2018", "onet") and best:
        onet = ctx.onet[ctx.onet["soc_code"] == best["soc_code"]]
        info["onet_occupations"] = [
            {"onet_code": c, "title": t} for c, t in zip(onet.index, onet["title"], strict=True)
        ]
        crosswalk = cached_crosswalk(ctx.context, pack)
        if crosswalk is not None:
            rows = crosswalk[crosswalk["soc_code"] == best["soc_code"]].sort_values(
                "confidence", ascending=False
            )
            info["csco_candidates"] = [
                {
                    "csco_code": r.csco_code,
                    "csco_name": r.csco_name,
                    "rank": int(r.rank),
                    "confidence": float(r.confidence),
                }
                for r in rows.head(10).itertuples()
            ]
    return info
