"""What a worker's query resolved to (:class:`Origin`), shared by the resolvers of :mod:`workshift.services.origins`
and :mod:`workshift.services.pack_search`."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

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
