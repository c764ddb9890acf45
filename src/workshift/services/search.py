"""Offline occupation search over SOC, O*NET and CSCO titles (English and Chinese).

Method (see ``docs/occupations.md``): every title is a document (SOC 2018 titles, O*NET titles, O*NET
alternate titles, CSCO 2022 names and aliases). Documents and the query become TF-IDF vectors of
character 1-3-grams inside word boundaries (``char_wb``; Chinese has no spaces, so a Chinese title is one
"word" and its 1-3-character substrings are its features), sublinear term frequency, L2-normalised; the
score of a document is the cosine similarity with the query (0-1). An occupation scores the maximum over
its documents, so "data entry clerk" (an O*NET alternate title) finds 43-9021 Data Entry Keyers.
Character n-grams tolerate typos ("sofware developer") and need no word segmenter for Chinese.

The index is built once per set of inputs (keyed by a sha256 of the title table) and kept in memory
and under ``$WORKSHIFT_HOME/cache/search/``, so a query costs one sparse matrix-vector product.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from workshift.context import Context, resolve
from workshift.data.codes import fold
from workshift.data.csco import load_csco
from workshift.errors import InputError
from workshift.files import atomic_path
from workshift.services.crosswalk_csco import cached_crosswalk
from workshift.services.titles import source_identity, us_titles

SEARCH_SYSTEMS = ("all", "soc", "onet", "csco")
# Canonical title kinds per system (the occupation's own name) and the kinds searched for each system.
_CANONICAL = {"soc": "soc", "onet": "onet", "csco": "csco"}
_KINDS = {"soc": ("soc", "onet", "alternate"), "onet": ("onet", "alternate"), "csco": ("csco", "alias")}
NGRAMS = (1, 3)
VECTORIZER_PARAMS = {"sublinear_tf": True, "norm": "l2", "smooth_idf": True}
_INDEX_VERSION = 3


def char_ngrams(text: str) -> list[str]:
    """Character 1-3-grams within word boundaries, as scikit-learn's ``analyzer='char_wb'`` makes them.

    The text is NFKC-folded and lower-cased; each whitespace-separated word is padded with one space on
    each side. The lone-space unigram is dropped: every title has it, so it only made a Chinese query
    "match" short English titles. Written out here so that a query needs no scikit-learn import (seconds on
    a cold start).
    """
    grams: list[str] = []
    low, high = NGRAMS
    for word in fold(text).lower().split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) < n:
                break
            grams.extend(
                g for g in (padded[i : i + n] for i in range(len(padded) - n + 1)) if not g.isspace()
            )
    return grams


def tfidf_vector(text: str, vocabulary: dict[str, int], idf: np.ndarray) -> sp.csr_matrix:
    """The sublinear, L2-normalised TF-IDF row vector of ``text``'s :func:`char_ngrams` (1 x vocabulary).

    The same vector as a fitted scikit-learn ``TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True)``
    gives, without importing scikit-learn.
    """
    counts: dict[int, int] = {}
    for gram in char_ngrams(text):
        j = vocabulary.get(gram)
        if j is not None:
            counts[j] = counts.get(j, 0) + 1
    columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))) * idf[columns]
    norm = float(np.linalg.norm(values))
    if norm > 0:
        values /= norm
    return sp.csr_matrix((values, (np.zeros_like(columns), columns)), shape=(1, len(idf)), dtype=np.float32)


@dataclass(frozen=True)
class Hit:
    """One ranked search result."""

    system: str  # 'soc', 'onet' or 'csco'
    code: str  # the occupation's code in that system
    title: str  # the occupation's own title
    matched: str  # the title or alias that matched best
    score: float  # cosine similarity of character n-gram TF-IDF vectors, 0-1
    soc_code: str | None  # the SOC 2018 occupation of the US pack it maps to
    soc_title: str | None
    soc_confidence: float | None  # 1 for SOC/O*NET (by code); the crosswalk's confidence for CSCO

    def to_dict(self) -> dict:
        return asdict(self)


def _system_of(kind: pd.Series) -> np.ndarray:
    return np.where(kind.isin(["csco", "alias"]), "csco", "us")


TITLE_COLUMNS = ("soc_code", "onet_code", "csco_code", "title", "kind")



def title_table(ctx: Context, pack=None) -> pd.DataFrame:
    """Every searchable title: US titles (pack ``titles`` or raw files) and CSCO level-4 names and aliases.

    Columns: ``soc_code``, ``onet_code``, ``csco_code``, ``title``, ``kind`` ('soc', 'onet', 'alternate',
    'csco', 'alias'). CSCO rows are present only when the user has supplied the CSCO file.
    """
    frames = [us_titles(ctx, pack).assign(csco_code=None)]
    csco = load_csco(ctx.data_dir, required=False)
    if csco is not None:
        occupations = csco[csco["level"] == 4]
        names = pd.DataFrame({"csco_code": occupations["code"], "title": occupations["name"], "kind": "csco"})
        aliases = occupations[["code", "aliases"]].explode("aliases").dropna()
        aliases = pd.DataFrame({"csco_code": aliases["code"], "title": aliases["aliases"], "kind": "alias"})
        frames += [names, aliases]
    table = pd.concat(frames, ignore_index=True)[list(TITLE_COLUMNS)]
    table = table.dropna(subset=["title"])
    table["title"] = table["title"].astype(str).str.strip()
    # The same title twice for one occupation adds nothing to a max-over-titles score.
    codes = table[["soc_code", "onet_code", "csco_code"]].fillna("")
    key = (
        codes["soc_code"]
        + "|"
        + codes["onet_code"]
        + "|"
        + codes["csco_code"]
        + "|"
        + table["title"].str.lower()
    )
    return table[~key.duplicated() & (table["title"] != "")].reset_index(drop=True)


class TitleIndex:
    """A character n-gram TF-IDF index over a title table (see :func:`title_table`)."""

    def __init__(self, titles: pd.DataFrame, key: str, vectorizer: dict, matrix: sp.csr_matrix) -> None:
        self.titles = titles.reset_index(drop=True)
        self.key = key
        self.vectorizer = vectorizer
        self.matrix = matrix
        kind = self.titles["kind"]
        self._masks = {s: kind.isin(kinds).to_numpy() for s, kinds in _KINDS.items()}
        self._own_doc: dict[str, dict[str, int]] = {}  # system -> unit -> row of its own title
        self._canonical: dict[str, dict[str, str]] = {}  # system -> unit -> its own title
        for system, own_kind in _CANONICAL.items():
            own = self.titles[kind == own_kind].drop_duplicates(_unit(system))
            self._own_doc[system] = dict(zip(own[_unit(system)], own.index, strict=True))
            self._canonical[system] = dict(zip(own[_unit(system)], own["title"], strict=True))
        self.crosswalk: dict[str, tuple[str, float]] = {}  # csco code -> (soc code, confidence), when built
        self.vocabulary: dict[str, int] = vectorizer["vocabulary"]
        self.idf = np.asarray(vectorizer["idf"], dtype=np.float32)

    # -- building and caching -------------------------------------------------------------------------
    @classmethod
    def build(cls, titles: pd.DataFrame, key: str) -> TitleIndex:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(analyzer=char_ngrams, dtype=np.float32, **VECTORIZER_PARAMS)
        matrix = vectorizer.fit_transform(titles["title"]).tocsr()
        fitted = {
            "vocabulary": {k: int(v) for k, v in vectorizer.vocabulary_.items()},
            "idf": vectorizer.idf_.tolist(),
        }
        return cls(titles, key, fitted, matrix)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / f"{self.key}.npz", suffix=".npz") as tmp:
            sp.save_npz(tmp, self.matrix, compressed=False)
        with atomic_path(folder / f"{self.key}.parquet") as tmp:
            self.titles.to_parquet(tmp, index=False)
        meta = {"version": _INDEX_VERSION, **self.vectorizer}
        with atomic_path(folder / f"{self.key}.json") as tmp:  # written last: its presence marks a full save
            tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, key: str) -> TitleIndex | None:
        meta_path = folder / f"{key}.json"
        if not meta_path.is_file():
            return None
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("version") != _INDEX_VERSION:
            return None
        vectorizer = {"vocabulary": meta["vocabulary"], "idf": meta["idf"]}
        matrix = sp.load_npz(folder / f"{key}.npz").tocsr()
        titles = pd.read_parquet(folder / f"{key}.parquet")
        return cls(titles, key, vectorizer, matrix)

    # -- querying -------------------------------------------------------------------------------------
    def vectorise(self, text: str) -> sp.csr_matrix:
        """The TF-IDF row vector of ``text`` (1 x vocabulary), as the fitted vectorizer's ``transform`` gives."""
        return tfidf_vector(text, self.vocabulary, self.idf)

    def scores(self, query: str) -> np.ndarray:
        """Cosine similarity of ``query`` with every title document."""
        vector = self.vectorise(query)
        dense = np.zeros(self.matrix.shape[1], dtype=np.float32)
        dense[vector.indices] = vector.data
        return self.matrix @ dense  # one pass over the sparse matrix: ~6x faster than sparse @ sparse

    def search(self, query: str, top: int = 10, system: str = "all") -> list[Hit]:
        """The ``top`` occupations best matching ``query`` in ``system`` ('all', 'soc', 'onet', 'csco')."""
        if not str(query).strip():
            raise InputError("empty search query", hint='try e.g. "data entry" or "数据录入"')
        if system not in SEARCH_SYSTEMS:
            raise InputError(
                f"unknown search system '{system}' (expected one of: {', '.join(SEARCH_SYSTEMS)})"
            )
        if top < 1:
            raise InputError(f"top must be at least 1 (got {top})", parameter="top")
        scores = self.scores(query)
        systems = ("soc", "csco") if system == "all" else (system,)
        hits: list[Hit] = []
        for name in systems:
            hits.extend(self._best_units(scores, name, top))
        hits.sort(key=lambda h: -h.score)  # stable: keeps each system's tie-break order, SOC first
        return hits[:top]

    def _best_units(self, scores: np.ndarray, system: str, top: int) -> list[Hit]:
        masked = np.where(self._masks[system], scores, 0.0)
        # Enough top documents to fill ``top`` distinct occupations (titles repeat per occupation).
        n = min(len(masked), max(200, 40 * top))
        candidates = np.argpartition(-masked, n - 1)[:n] if n < len(masked) else np.arange(len(masked))
        candidates = candidates[masked[candidates] > 0.0]
        candidates = candidates[np.argsort(-masked[candidates], kind="stable")]
        units = self.titles[_unit(system)].to_numpy()
        best: dict[str, int] = {}
        for i in candidates:
            unit = units[i]
            if isinstance(unit, str) and unit not in best:
                best[unit] = int(i)
        own = self._own_doc[system]
        # Ties (one alternate title such as "Truck Driver" shared by several occupations) go to the
        # occupation whose own title is closer to the query.
        ranked = sorted(
            best.items(),
            key=lambda item: (
                -round(float(masked[item[1]]), 4),
                -float(scores[own.get(item[0], item[1])]),
                item[0],
            ),
        )
        return [self._hit(system, unit, i, float(masked[i])) for unit, i in ranked[:top]]

    def _hit(self, system: str, unit: str, doc: int, score: float) -> Hit:
        row = self.titles.iloc[doc]
        matched = str(row["title"])
        title = self._canonical[system].get(unit, matched)
        if system == "csco":
            soc, confidence = self.crosswalk.get(unit, (None, None))
        else:
            soc = row["soc_code"] if isinstance(row["soc_code"], str) else None
            confidence = 1.0 if soc else None
        soc_title = self._canonical["soc"].get(soc) if soc else None
        return Hit(system, unit, title, matched, round(score, 4), soc, soc_title, confidence)


def _unit(system: str) -> str:
    return {"soc": "soc_code", "onet": "onet_code", "csco": "csco_code"}[system]


_MEMORY: dict[str, TitleIndex] = {}


def inputs_key(ctx: Context, pack=None) -> str:
    """The search index's cache key: a sha256 of :func:`source_identity` and the index's own version."""
    import hashlib

    parts = [f"v{_INDEX_VERSION}{VECTORIZER_PARAMS}", *source_identity(ctx, pack)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]



def get_index(context: Context | None = None, pack=None, *, data_dir: str | Path | None = None,
              home: str | Path | None = None) -> TitleIndex:
    """The search index for the current inputs: from memory, else from the disk cache, else built (and saved).

    ``context`` names the data dir and the store (``data_dir`` / ``home`` still override it); ``pack`` is the
    US pack when already in memory.
    """
    ctx = resolve(context, data_dir, home)
    key = inputs_key(ctx, pack)
    if key in _MEMORY:
        if not _MEMORY[key].crosswalk:  # built since this index was loaded?
            _attach_crosswalk(_MEMORY[key], ctx)
        return _MEMORY[key]
    folder = ctx.home / "cache" / "search"
    index = TitleIndex.load(folder, key)
    if index is None:
        index = TitleIndex.build(title_table(ctx, pack), key)
        index.save(folder)
    _attach_crosswalk(index, ctx)
    _MEMORY[key] = index
    return index


def _attach_crosswalk(index: TitleIndex, ctx: Context) -> None:
    """Give CSCO hits their top SOC candidate when the CSCO->SOC crosswalk has been built (never builds it)."""
    if not (index.titles["kind"] == "csco").any():
        return
    crosswalk = cached_crosswalk(ctx)
    if crosswalk is None:
        return
    top1 = crosswalk[crosswalk["rank"] == 1]
    index.crosswalk = {
        c: (s, float(p))
        for c, s, p in zip(top1["csco_code"], top1["soc_code"], top1["confidence"], strict=True)
    }


def search(
    query: str,
    top: int = 10,
    system: str = "all",
    context: Context | None = None,
    pack=None,
    *,
    data_dir: str | Path | None = None,
    home: str | Path | None = None,
) -> list[Hit]:
    """Ranked occupations matching ``query`` (English or Chinese); see :class:`Hit`."""
    return get_index(resolve(context, data_dir, home), pack).search(query, top=top, system=system)
