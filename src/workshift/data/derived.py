"""Files Workshift builds: derived registry files (rule ``derive``) and conversions of published formats.

Each derivation takes the paths of its ``inputs`` and returns the laid-out bytes; each conversion
(:data:`CONVERSIONS`, named by an ``extract`` file's ``builder``) takes the archive member as published (a
Stata ``.dta``, say) and returns the laid-out bytes. Every one reproduces the registered file byte for byte
(tests/datalayer/test_data_registry.py checks each sha256). pandas is imported inside them so that `workshift data
pull` starts fast.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from workshift.data.registry import SourceFile, packaged_copy, registry_file


def _onet_wide(scale: str) -> Callable[[list[Path]], bytes]:
    def build(inputs: list[Path]) -> bytes:
        import pandas as pd

        table = pd.read_csv(inputs[0], sep="\t", dtype={"O*NET-SOC Code": str})
        rows = table[table["Scale ID"] == scale]
        wide = rows.pivot_table(index="O*NET-SOC Code", columns="Element Name", values="Data Value")
        wide.columns.name = None
        return wide.to_csv(lineterminator="\n").encode()

    return build


def _onet_activity_share(column: str) -> Callable[[list[Path]], bytes]:
    """Share of an occupation's task-DWA rows that fall in each GWA (by title) or IWA (by id)."""

    def build(inputs: list[Path]) -> bytes:
        import csv

        import pandas as pd

        task_dwas = pd.read_csv(inputs[0], sep="\t", dtype=str, usecols=["O*NET-SOC Code", "DWA ID"])
        reference = pd.read_csv(inputs[1], sep="\t", dtype=str, usecols=["DWA ID", column])
        rows = task_dwas.merge(reference, on="DWA ID", how="left")
        counts = rows.groupby(["O*NET-SOC Code", column]).size().unstack(fill_value=0)
        share = counts.div(counts.sum(axis=1), axis=0).astype(float)
        out = io.StringIO()  # csv writes floats by repr, as pandas does, and 5x faster for this wide table
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["O*NET-SOC Code", *share.columns])
        writer.writerows([code, *values] for code, values in zip(share.index, share.to_numpy().tolist(), strict=True))
        return out.getvalue().encode()

    return build


def _soc2018_isco08_chain(inputs: list[Path]) -> bytes:
    """SOC 2018 -> ISCO-08 through SOC 2010; a (SOC 2018, ISCO-08) pair reached twice keeps its first row."""
    import pandas as pd

    soc = pd.read_csv(inputs[0], dtype=str, keep_default_na=False)
    isco = pd.read_csv(inputs[1], dtype=str, keep_default_na=False)
    chain = soc.merge(isco, on="soc2010_code", how="inner")
    columns = ["soc2018_code", "soc2018_title", "soc2010_code", "isco08_code", "isco08_title", "part"]
    chain = chain[columns].drop_duplicates(["soc2018_code", "isco08_code"])
    return chain.to_csv(index=False, lineterminator="\n").encode()


OEWS_COLUMNS = (
    "TOT_EMP EMP_PRSE H_MEAN A_MEAN MEAN_PRSE H_PCT10 H_PCT25 H_MEDIAN H_PCT75 H_PCT90 "
    "A_PCT10 A_PCT25 A_MEDIAN A_PCT75 A_PCT90 JOBS_1000 LOC_QUOTIENT"
).split()


def _oews_national_extract(inputs: list[Path]) -> bytes:
    """The national (area 0000000), cross-industry (000000) row of every occupation in the OEWS SQLite."""
    import csv
    import gzip
    import sqlite3

    with gzip.open(inputs[0], "rb") as handle:
        database = handle.read()
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(database)
        values = ",".join(f"c.v{i:02d}" for i in range(1, 18))
        notes = ",".join(f"c.f{i:02d}" for i in range(1, 18))
        rows = connection.execute(
            f"SELECT o.occupation_code, o.occupation_name, o.display_level, {values}, {notes} "
            "FROM occupation o JOIN cell c ON c.key = 'OEUN0000000000000' || o.occupation_code "
            "ORDER BY o.occupation_code"
        ).fetchall()
    finally:
        connection.close()
    out = io.StringIO()
    writer = csv.writer(out)  # csv's default \r\n line ends, as in the laid-out file
    writer.writerow(["soc2018_code", "occ_title", "display_level", *OEWS_COLUMNS, *(f"fn_{c}" for c in OEWS_COLUMNS)])
    for code, *rest in rows:
        writer.writerow([f"{code[:2]}-{code[2:]}", *rest])
    return out.getvalue().encode()


def _prop99_wide(inputs: list[Path]) -> bytes:
    """California Proposition 99 panel, long (State;Year;PacksPerCapita;treated) to wide: Year x State."""
    import pandas as pd

    panel = pd.read_csv(inputs[0], sep=";", dtype={"State": str, "Year": int, "PacksPerCapita": float})
    wide = panel.pivot(index="Year", columns="State", values="PacksPerCapita")
    wide.columns.name = None
    return wide.to_csv(lineterminator="\n").encode()


DERIVATIONS: dict[str, Callable[[list[Path]], bytes]] = {
    "onet_wide_IM": _onet_wide("IM"),
    "onet_wide_LV": _onet_wide("LV"),
    "onet_gwa_share": _onet_activity_share("Element Name"),
    "onet_iwa_share": _onet_activity_share("IWA ID"),
    "soc2018_isco08_chain": _soc2018_isco08_chain,
    "oews_national_extract": _oews_national_extract,
    "prop99_wide": _prop99_wide,
}


def _stata_to_csv(published: list[Path]) -> bytes:
    """A Stata file as CSV: pandas' reading of its types, no index, '\\n' line ends."""
    import pandas as pd

    return pd.read_stata(published[0]).to_csv(index=False, lineterminator="\n").encode()


ILO_TASK_COLUMNS = (
    "label4d label1d ISCO_08 Title taskID Task_ISCO score_2023 predicted_score_2025_gpt4o "
    "predicted_score_2025_gemini score_2025 source mean_score_2023 mean_score_2025 SD_2023 SD_2025 potential25 "
    "potential23"
).split()


def _ilo_genai_tasks(published: list[Path]) -> bytes:
    """ILO WP 140 task scores: the workbook's sheet without the model-justification and status columns."""
    import pandas as pd

    tasks = pd.read_excel(published[0])
    return tasks[ILO_TASK_COLUMNS].to_csv(index=False, lineterminator="\n").encode()


def _ilo_genai_isco4(published: list[Path]) -> bytes:
    """ILO WP 140 scores per ISCO-08 unit group: the group's first task row, and its number of tasks."""
    import pandas as pd

    tasks = pd.read_excel(published[0])
    groups = tasks.groupby("ISCO_08", sort=True)
    first = groups.first()
    table = pd.DataFrame({
        "ISCO_08": first.index, "Title": first["Title"].to_numpy(), "label1d": first["label1d"].to_numpy(),
        "n_tasks": groups.size().to_numpy(), "mean_score_2023": first["mean_score_2023"].to_numpy(),
        "mean_score_2025": first["mean_score_2025"].to_numpy(), "sd_2023": first["SD_2023"].to_numpy(),
        "sd_2025": first["SD_2025"].to_numpy(), "potential23": first["potential23"].to_numpy(),
        "potential25": first["potential25"].to_numpy(),
    })
    return table.to_csv(index=False, lineterminator="\n").encode()


def _excel_sheet(sheet: str, rename: dict[str, str] | None = None) -> Callable[[list[Path]], bytes]:
    """One sheet of a workbook as CSV (columns renamed by ``rename``)."""

    def convert(published: list[Path]) -> bytes:
        import pandas as pd

        table = pd.read_excel(published[0], sheet_name=sheet).rename(columns=rename or {})
        return table.to_csv(index=False, lineterminator="\n").encode()

    return convert


def _aioe_occupations(published: list[Path]) -> bytes:
    """AIOE per occupation (Appendix A) with the language-modelling and image-generation variants (the first
    sheets of the two other workbooks), joined on the SOC code."""
    import pandas as pd

    names = {"SOC Code": "soc_code", "Occupation Title": "occupation_title", "AIOE": "aioe",
             "Language Modeling AIOE": "lm_aioe", "Image Generation AIOE": "ig_aioe"}
    table = pd.read_excel(published[0], sheet_name="Appendix A").rename(columns=names)
    for path, sheet, column in ((published[1], "LM AIOE", "lm_aioe"), (published[2], "IG AIOE", "ig_aioe")):
        variant = pd.read_excel(path, sheet_name=sheet).rename(columns=names)[["soc_code", column]]
        table = table.merge(variant, on="soc_code", how="left")
    return table.to_csv(index=False, lineterminator="\n").encode()


# Conversions of published files (a ``transcode`` entry's downloads, or an ``extract`` entry's archive member)
# into the laid-out file, named by the entry's ``builder``; each takes the published files' paths.
CONVERSIONS: dict[str, Callable[[list[Path]], bytes]] = {
    "stata_to_csv": _stata_to_csv,
    "ilo_genai_tasks": _ilo_genai_tasks,
    "ilo_genai_isco4": _ilo_genai_isco4,
    "aioe_appendix_b": _excel_sheet("Appendix B"),
    "aioe_appendix_c": _excel_sheet("Appendix C"),
    "aioe_appendix_d": _excel_sheet("Appendix D", {"Unnamed: 0": "ability"}),
    "aioe_appendix_e": _excel_sheet("Appendix E"),
    "aioe_occupations": _aioe_occupations,
}


def derive(entry: SourceFile, data_dir: str | Path) -> bytes:
    """Run a derived file's builder on its inputs in ``data_dir``, else their packaged copies (must be present)."""
    root = Path(data_dir)
    paths = [root / p if (root / p).is_file() else packaged_copy(registry_file(p)) or root / p for p in entry.inputs]
    return DERIVATIONS[entry.builder](paths)


