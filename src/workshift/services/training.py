"""Training recommendations: from a skill gap to the course that closes it, with duration and cost.

The catalogue is data: a CSV with one course per row (columns in :data:`REQUIRED` and :data:`OPTIONAL`). The
shipped catalogue (``services/data/training_catalogue.csv``, derived from O*NET education and training data by
:mod:`.training_derive`) carries no prices: the cost of one of its courses is the training lever's cost per
participant (the policy catalogue, the project's single source for training costs) times the course's share
of the lever's programme duration, and every output marks such costs ``illustrative``. A user's catalogue
(``--catalogue FILE``) gives real costs; a row without a cost falls back to the lever's and is marked too.

Rule: a gap is worth training when it is at least :data:`TRAINING_MIN_GAP` levels on an element the destination
rates important (IM >= 3). For it, take the catalogue's cheapest course (then shortest, then by id) on that
element that reaches the destination's level; if none reaches it, the course reaching highest (partial). Courses
are taken one after another: the plan's months and costs are sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from workshift.errors import DataError
from workshift.policy.catalogue import get_lever, training_cost_per_participant
from workshift.services.similarity import SkillGap

SHIPPED_CATALOGUE = Path(__file__).with_name("data") / "training_catalogue.csv"
REQUIRED = ("course_id", "element_id", "reaches_level", "duration_months")
OPTIONAL = ("skill", "domain", "tier", "cost", "currency", "title", "title_zh", "provider", "source")
TRAINING_MIN_GAP = 0.5  # levels on O*NET's 0-7 scale
IMPORTANT = 3.0  # destination importance (IM 1-5) from which a gap is worth training
LEVEL_RANGE = (0.0, 7.0)


def lever_cost_basis() -> dict:
    """The training lever's cost per participant (USD, target price year) and programme length (months)."""

    lever = get_lever("training")
    return {"lever": lever.id, "cost_per_participant": training_cost_per_participant(currency="USD"),
            "duration_months": lever.effects["duration"].value, "currency": "USD", "source": lever.cost.source}


@dataclass(frozen=True)
class Course:
    """One catalogue course recommended for one gap."""

    skill: str
    element_id: str
    gap: float
    destination_level: float
    course_id: str | None
    title: str | None
    reaches_level: float | None
    duration_months: float | None
    cost: float | None
    currency: str | None
    illustrative: bool
    closes: bool  # the course reaches the destination's level

    def to_dict(self) -> dict:
        def r(value: float | None, digits: int = 2) -> float | None:
            return None if value is None else round(float(value), digits)

        return {"skill": self.skill, "element_id": self.element_id, "gap": r(self.gap),
                "destination_level": r(self.destination_level), "course_id": self.course_id, "title": self.title,
                "reaches_level": r(self.reaches_level), "duration_months": r(self.duration_months),
                "cost": r(self.cost, 0), "currency": self.currency, "illustrative": self.illustrative,
                "closes": self.closes}


@dataclass
class TrainingPlan:
    courses: list[Course] = field(default_factory=list)
    currency: str = "USD"
    catalogue: str = "shipped"
    catalogue_illustrative: bool = False  # what an empty plan's costs are marked (its catalogue's basis)

    @property
    def months(self) -> float:
        return float(sum(c.duration_months or 0.0 for c in self.courses))

    @property
    def cost(self) -> float:
        return float(sum(c.cost or 0.0 for c in self.courses))

    @property
    def illustrative(self) -> bool:
        return any(c.illustrative for c in self.courses) if self.courses else self.catalogue_illustrative

    def to_dict(self) -> dict:
        return {"courses": [c.to_dict() for c in self.courses], "months": round(self.months, 2),
                "cost": round(self.cost, 0), "currency": self.currency,
                "costs": "illustrative" if self.illustrative else "catalogue", "catalogue": self.catalogue}


class Catalogue:
    """A validated training catalogue (the shipped one unless a user file is given)."""

    def __init__(self, frame: pd.DataFrame, source: str, shipped: bool, conversion: dict | None = None) -> None:
        self.frame = frame
        self.source = source
        self.shipped = shipped
        self.conversion = conversion  # the factor that put illustrative US-dollar costs into a pack's currency
        # illustrative costs are the training lever's: US dollars, or the pack's currency after in_currency
        currencies = set(frame["currency"].replace("", "USD"))
        self.currency = currencies.pop() if len(currencies) == 1 else "USD"
        # plain records per element, cheapest first (then shortest, then by id): a query does no pandas work
        ordered = frame.sort_values(["cost", "duration_months", "course_id"])
        self._by_element: dict[str, list[dict]] = {}
        for record in ordered.to_dict(orient="records"):
            self._by_element.setdefault(str(record["element_id"]), []).append(record)

    @property
    def illustrative(self) -> bool:
        return bool(self.frame["illustrative"].any())

    def meta(self) -> dict:
        info = {"catalogue": self.source, "courses": int(len(self.frame)),
                "costs": "illustrative" if self.illustrative else "catalogue", "currency": self.currency}
        if self.illustrative:
            info["cost_basis"] = lever_cost_basis()
            if self.conversion:
                info["cost_basis"]["converted"] = self.conversion
        return info

    def in_currency(self, currency: str, conversion: dict | None) -> Catalogue:
        """The catalogue with its illustrative costs (the training lever's, US dollars) in the pack's
        ``currency`` at the pack's lever-cost factor (``conversion['factor']``, pack currency per US dollar), as
        the policy stage charges them. Unchanged when the pack is in US dollars, has no factor, or the
        catalogue gives costs of its own (they are the user's, in the user's currency)."""
        factor = float((conversion or {}).get("factor", 1.0))
        if currency.upper() == "USD" or conversion is None or not self.frame["illustrative"].all():
            return self
        frame = self.frame.copy()
        frame["cost"] = frame["cost"] * factor
        frame["currency"] = currency.upper()
        return Catalogue(frame, self.source, self.shipped,
                         {"factor": factor, "to": currency.upper(), "basis": conversion.get("basis")})

    def course_for(self, gap: SkillGap, lang: str = "en") -> Course:
        options = self._by_element.get(gap.element_id)
        if not options:
            return Course(gap.skill, gap.element_id, gap.gap, gap.destination_level, None, None, None, None,
                          None, None, False, False)
        reaching = [r for r in options if r["reaches_level"] >= gap.destination_level - 1e-9]
        row = reaching[0] if reaching else max(options, key=lambda r: (r["reaches_level"], -r["cost"]))
        title = row.get("title_zh") if lang == "zh" and row.get("title_zh") else row.get("title")
        return Course(gap.skill, gap.element_id, gap.gap, gap.destination_level, str(row["course_id"]),
                      str(title) if title else str(row["course_id"]), float(row["reaches_level"]),
                      float(row["duration_months"]), float(row["cost"]), str(row["currency"]),
                      bool(row["illustrative"]), bool(reaching))

    def plan(self, gaps: list[SkillGap], lang: str = "en", min_gap: float = TRAINING_MIN_GAP) -> TrainingPlan:
        """Courses for the gaps worth training (see the module docstring), largest gap first."""
        worth = [g for g in gaps if g.gap >= min_gap and g.importance >= IMPORTANT]  # NaN importance: no
        return TrainingPlan([self.course_for(g, lang) for g in worth], self.currency, self.source, self.illustrative)


def _number_column(frame: pd.DataFrame, column: str, path: Path, optional: bool = False) -> pd.Series:
    raw = frame[column].astype(str).str.strip()
    values = pd.to_numeric(raw.where(raw != ""), errors="coerce")
    bad = values.isna() & (raw != "") if optional else values.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2  # header is line 1
        raise DataError(f"not a number: '{raw.iloc[row - 2]}'", file=path, row=row, column=column,
                        expected="a number")
    return values


def read_catalogue(path: str | Path, known_elements: set[str] | None = None) -> pd.DataFrame:
    """Read and validate a catalogue CSV; rows without a cost take the training lever's (illustrative)."""
    path = Path(path)
    if not path.is_file():
        raise DataError("training catalogue not found", file=path, expected="a CSV file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"not a readable CSV ({exc})", file=path) from exc
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty", file=path, expected="a header and at least one course") from None
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise DataError(f"missing columns {missing}", file=path, expected=", ".join(REQUIRED))
    if frame.empty:
        raise DataError("no courses", file=path, expected="at least one course row")
    for column in OPTIONAL:
        if column not in frame.columns:
            frame[column] = ""
    frame = frame.apply(lambda s: s.str.strip())
    dupes = frame["course_id"].duplicated()
    if dupes.any() or (frame["course_id"] == "").any():
        row = int(np.flatnonzero((dupes | (frame["course_id"] == "")).to_numpy())[0]) + 2
        raise DataError("empty or duplicate course_id", file=path, row=row, column="course_id",
                        expected="a unique id per course")
    if known_elements is not None:
        unknown = ~frame["element_id"].isin(known_elements)
        if unknown.any():
            row = int(np.flatnonzero(unknown.to_numpy())[0]) + 2
            raise DataError(f"unknown O*NET element '{frame['element_id'].iloc[row - 2]}'", file=path, row=row,
                            column="element_id", expected="an O*NET skill or knowledge element id, e.g. 2.B.3.e")
    frame["reaches_level"] = _number_column(frame, "reaches_level", path)
    frame["duration_months"] = _number_column(frame, "duration_months", path)
    frame["cost"] = _number_column(frame, "cost", path, optional=True)
    for column, low, high in (("reaches_level", *LEVEL_RANGE), ("duration_months", 1e-9, 120.0),
                              ("cost", 0.0, np.inf)):
        out = ~frame[column].between(low, high) & frame[column].notna()
        if out.any():
            row = int(np.flatnonzero(out.to_numpy())[0]) + 2
            raise DataError(f"value {frame[column].iloc[row - 2]} out of range", file=path, row=row, column=column,
                            expected=f"between {low:g} and {high:g}")
    frame["illustrative"] = frame["cost"].isna()
    given = frame.loc[~frame["illustrative"], "currency"].replace("", "USD")
    if given.nunique() > 1:
        raise DataError(f"costs in several currencies {sorted(given.unique())}", file=path, column="currency",
                        expected="one currency for the whole catalogue")
    frame.loc[~frame["illustrative"], "currency"] = given
    if frame["illustrative"].any():
        if len(given) and given.iloc[0] != "USD":
            raise DataError("rows without a cost take the training lever's cost in USD, but the catalogue's "
                            f"costs are in {given.iloc[0]}", file=path, column="cost",
                            expected="a cost on every row, or USD costs")
        basis = lever_cost_basis()
        per_month = basis["cost_per_participant"] / basis["duration_months"]
        frame.loc[frame["illustrative"], "cost"] = frame.loc[frame["illustrative"], "duration_months"] * per_month
        frame.loc[frame["illustrative"], "currency"] = "USD"
    return frame


@cache
def _shipped() -> Catalogue:
    return Catalogue(read_catalogue(SHIPPED_CATALOGUE), "shipped (illustrative)", True)


def load_catalogue(path: str | Path | None = None, known_elements: set[str] | None = None) -> Catalogue:
    """The user's catalogue at ``path``, or the shipped one."""
    if path is None:
        return _shipped()
    return Catalogue(read_catalogue(path, known_elements), str(path), False)
