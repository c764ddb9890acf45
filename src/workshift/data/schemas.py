"""Pandera schemas of the raw source tables: the columns the pack reads, their types, units and ranges.

Each raw file is read as text and coerced by its schema; a value that does not fit (a word where a number
belongs, a code in the wrong shape, a share above 1) is reported with its file, line and column.
Only the columns listed are required; other published columns are ignored.
"""

from __future__ import annotations

import pandera.pandas as pa

SOC = r"^\d{2}-\d{4}$"
ONET = r"^\d{2}-\d{4}\.\d{2}$"
ISCO4 = r"^\d{4}$"


def code(pattern: str, what: str, nullable: bool = False) -> pa.Column:
    return pa.Column(str, pa.Check.str_matches(pattern), nullable=nullable, description=f"{what} ({pattern})")


def text(what: str, nullable: bool = False) -> pa.Column:
    return pa.Column(str, nullable=nullable, description=what)


def number(what: str, low: float | None = None, high: float | None = None, nullable: bool = True,
           integer: bool = False) -> pa.Column:
    checks = []
    if low is not None:
        checks.append(pa.Check.ge(low))
    if high is not None:
        checks.append(pa.Check.le(high))
    rng = f" in [{low}, {high}]" if low is not None and high is not None else (
        f" >= {low}" if low is not None else "")
    return pa.Column(
        "Int64" if integer else float, checks, nullable=nullable, coerce=True,
        description=f"{what}: a number{rng}{'' if nullable else ', not empty'}",
    )


def schema(name: str, **columns: pa.Column) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(columns, name=name, strict=False)


OEWS_NATIONAL = schema(
    "OEWS May 2025 national cross-industry",
    soc2018_code=code(SOC, "SOC 2018 code"),
    occ_title=text("occupation title"),
    display_level=number("display level (0 major .. 3 detailed)", 0, 3, nullable=False, integer=True),
    TOT_EMP=number("employment, persons", 0),
    A_MEAN=number("annual mean wage, USD", 0),
    A_MEDIAN=number("annual median wage, USD", 0),
)

GPTS_OCC = schema(
    "GPTs-are-GPTs occupation level",
    **{"O*NET-SOC Code": code(ONET, "O*NET-SOC 2019 code")},
    dv_rating_alpha=number("GPT-4 exposure share alpha", 0, 1),
    dv_rating_beta=number("GPT-4 exposure share beta", 0, 1),
    dv_rating_gamma=number("GPT-4 exposure share gamma", 0, 1),
    human_rating_beta=number("human exposure share beta", 0, 1),
)

MICROSOFT = schema(
    "Microsoft AI applicability",
    **{"SOC Code": code(SOC, "SOC 2018 code")},
    ai_applicability_score=number("AI applicability score", 0, 1),
)

ILO = schema(
    "ILO GenAI exposure 2025",
    ISCO_08=code(ISCO4, "ISCO-08 unit group"),
    mean_score_2025=number("mean task exposure score 2025", 0, 1),
)

AIOE = schema(
    "AIOE occupation scores",
    soc_code=code(SOC, "SOC 2010 code"),
    aioe=number("AIOE (standardised)", -10, 10),
    lm_aioe=number("language-modelling AIOE (standardised)", -10, 10),
)

FREY_OSBORNE = schema(
    "Frey-Osborne probability of computerisation",
    **{"SOC code": code(SOC, "SOC 2010 code")},
    Probability=number("probability of computerisation", 0, 1, nullable=False),
)

SELF_EMPLOYMENT = schema(
    "BLS percent self-employed 2022",
    nem_code=code(SOC, "NEM 2022 code"),
    pct_self_employed_2022=number("percent self-employed", 0, 100),
)

PROJECTIONS = schema(
    "BLS employment projections 2022-32",
    nem_code=code(SOC, "NEM 2022 code"),
    occ_type=pa.Column(str, pa.Check.isin(["Summary", "Line item"]), description="'Summary' or 'Line item'"),
    emp_change_pct=number("percent change in employment 2022-32", -100, 1000),
    pct_self_employed_2022=number("percent self-employed", 0, 100),
    education_entry=text("typical entry-level education", nullable=True),
)

JOB_ZONES = schema(
    "O*NET Job Zones",
    **{"O*NET-SOC Code": code(ONET, "O*NET-SOC code"),
       "Job Zone": number("job zone", 1, 5, nullable=False, integer=True)},
)

OCCUPATION_DATA = schema(
    "O*NET Occupation Data",
    **{"O*NET-SOC Code": code(ONET, "O*NET-SOC code"), "Title": text("title")},
)

ALTERNATE_TITLES = schema(
    "O*NET Alternate Titles",
    **{"O*NET-SOC Code": code(ONET, "O*NET-SOC code"), "Alternate Title": text("alternate title")},
)

TASKS = schema(
    "O*NET Task Statements",
    **{"O*NET-SOC Code": code(ONET, "O*NET-SOC code"),
       "Task ID": number("task id", 0, nullable=False, integer=True),
       "Task": text("task statement"),
       "Task Type": text("'Core' / 'Supplemental'", nullable=True)},
)

RELATED = schema(
    "O*NET Related Occupations",
    **{"O*NET-SOC Code": code(ONET, "O*NET-SOC code"),
       "Related O*NET-SOC Code": code(ONET, "O*NET-SOC code"),
       "Relatedness Tier": text("tier"),
       "Index": number("rank", 1, nullable=False, integer=True)},
)

CONTENT_MODEL = schema(
    "O*NET Content Model Reference",
    **{"Element ID": text("element id"), "Element Name": text("element name")},
)

EDGELIST = schema(
    "empirical mobility edgelist",
    OCC_source=code(SOC, "node code (SOC 2010 based)"),
    OCC_target=code(SOC, "node code (SOC 2010 based)"),
    transition_prob_BLS_ASECnorm_corr=number("transition probability", 0, 1, nullable=False),
    OCC_TITLE_OCC=text("target title"),
    TOT_EMP_OCC=number("target employment, persons", 0),
)

SOC2010_TO_2018 = schema(
    "BLS SOC 2010 to 2018 crosswalk",
    soc2010_code=code(SOC, "SOC 2010 code"),
    soc2018_code=code(SOC, "SOC 2018 code"),
    soc2010_title=text("SOC 2010 title"),
)

SOC2018_TO_ISCO = schema(
    "SOC 2018 to ISCO-08 crosswalk",
    soc2018_code=code(SOC, "SOC 2018 code"),
    isco08_code=code(r"^\d{3,4}$", "ISCO-08 unit (4-digit) or minor (3-digit) group"),
)

UNEMPLOYMENT = schema(
    "US unemployment rate",
    Year=number("year", 1900, 2100, nullable=False, integer=True),
    **{m: number("unemployment rate, percent", 0, 100)
       for m in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")},
)

JOB_OPENINGS = schema(
    "JOLTS job openings rate",
    Year=number("year", 1900, 2100, nullable=False, integer=True),
    Period=code(r"^M(0[1-9]|1[0-2])$", "month 'M01'..'M12'"),
    JobOpenings=number("job openings rate, percent", 0, 100, nullable=False),
)


def onet_wide(name: str, values: list[str], low: float, high: float) -> pa.DataFrameSchema:
    """A derived O*NET occupation x element matrix: the code column and one numeric column per element."""
    return schema(name, **{"O*NET-SOC Code": code(ONET, "O*NET-SOC code")},
                  **{v: number(f"{name} value", low, high) for v in values})

SOC2010_STRUCTURE = schema(
    "SOC 2010 structure",
    **{"Broad Group": code(SOC, "SOC 2010 broad group", nullable=True)},
)


def ilostat(name: str, value: str, classif2: bool = False) -> pa.DataFrameSchema:
    """An ILOSTAT DDF datapoints file: ref_area, sex, classif1 (, classif2), time, the indicator's value."""
    extra = {"classif2": text("second classification")} if classif2 else {}
    return schema(name, ref_area=text("ISO 3166 alpha-3 country code"), sex=text("sex_t / sex_m / sex_f"),
                  classif1=text("classification code"), **extra,
                  time=number("year", 1900, 2100, nullable=False, integer=True),
                  **{value: number(f"{name} value", 0, nullable=False)})


EU_LFS_MINOR = schema(
    "EU-LFS employment by ISCO-08 minor group (Nesta)",
    isco_code=code(r"^\d{3}$", "ISCO-08 minor group"),
    isco_minor_group=text("minor group title"),
    **{str(year): pa.Column(str, nullable=True, description="employment, thousands ('x' = masked)")
       for year in range(2014, 2019)},
)

NBS_MONTHLY = schema(
    "NBS monthly urban surveyed unemployment rate",
    month=code(r"^\d{4}-(0[1-9]|1[0-2])$", "month YYYY-MM"),
    rate_percent=number("urban surveyed unemployment rate, percent", 0, 100),
    source_url=text("page the value was read from", nullable=True),
    youth_16_24_rate_percent=number("urban surveyed unemployment rate aged 16-24, percent", 0, 100),
)

RTI = schema(
    "Routine-task intensity (Mihaylov and Tijdens 2019)",
    isco08_code=code(r"^\d{4}$", "ISCO-08 unit group"),
    rti=number("routine-task intensity", -10, 10),
)

ILO_TASKS = schema(
    "ILO GenAI task scores",
    ISCO_08=code(ISCO4, "ISCO-08 unit group"),
    taskID=number("task number", 0, nullable=False, integer=True),
    Task_ISCO=text("ISCO task statement", nullable=True),
    score_2025=number("task exposure score 2025", 0, 1),
)

ESCO_OCCUPATIONS = schema(
    "ESCO occupations",
    ISCOGROUPCODE=code(ISCO4, "ISCO-08 unit group"),
    PREFERREDLABEL=text("preferred label"),
    ALTLABELS=text("alternative labels (one per line)", nullable=True),
)

INFORMALITY = schema(
    "ILOSTAT informal employment rate",
    **{"ref_area.label": text("country name"), "sex.label": text("sex"),
       "time": number("year", 1900, 2100, nullable=False, integer=True),
       "obs_value": number("informal employment rate, percent", 0, 100)},
)
