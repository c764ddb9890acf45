"""Assembling a region pack's tables from raw sources, step by step, with provenance and a quality report."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from workshift import __version__
from workshift.data import registry
from workshift.data.exposure import RULE as EXPOSURE_RULE
from workshift.data.exposure import build_exposure, read_crosswalks
from workshift.data.harmonise import Harmoniser
from workshift.data.harmonise import __doc__ as HARMONISE_DOC
from workshift.data.mobility import __doc__ as MOBILITY_DOC
from workshift.data.mobility import build_mobility
from workshift.data.occupations import RULES as OCCUPATION_RULES
from workshift.data.occupations import build_occupations
from workshift.data.onet import build_skills, build_tasks, build_titles
from workshift.data.quality import build_report
from workshift.data.reading import Reader
from workshift.data.regional import build_macro, build_state_employment
from workshift.data.skills_network import __doc__ as SKILLS_NETWORK_DOC
from workshift.data.skills_network import build_skills_network

STEPS = ("occupations", "exposure", "skills, tasks, titles", "mobility", "skills network", "states, macro",
         "quality report")


def _sources(reader: Reader) -> list[dict]:
    """{id, version, licence, sha256, files} per source read; sha256 of a multi-file source hashes its files."""
    by_source: dict[str, list] = {}
    for use in reader.used.values():
        by_source.setdefault(use.source, []).append(use)
    out = []
    for source_id, uses in sorted(by_source.items()):
        source = registry.get_source(source_id)
        uses = sorted(uses, key=lambda u: u.path)
        digest = uses[0].sha256 if len(uses) == 1 else hashlib.sha256(
            "".join(f"{u.path}:{u.sha256}\n" for u in uses).encode()).hexdigest()
        out.append({
            "id": source_id, "version": source.version, "licence": source.licence, "sha256": digest,
            "user_supplied": source.user_supplied,
            "files": [{"path": u.path, "sha256": u.sha256, "matches_registry": u.matches_registry}
                      for u in uses],
        })
    return out


def _doc(text: str | None) -> str:
    return " ".join((text or "").split())


def assemble(name: str, data_dir: str | Path | None, cache_dir: Path, progress=None
             ) -> tuple[dict[str, pd.DataFrame], dict]:
    """All tables of the pack and its meta dict. Raises DataError on any bad source; writes nothing."""
    started = time.perf_counter()
    reader = Reader.open(data_dir)
    step = iter(range(len(STEPS)))

    def tick() -> None:
        done = next(step)
        if progress is not None:
            progress(STEPS[done], done, len(STEPS))

    tick()
    occupations, occ_facts = build_occupations(reader)
    tick()
    harmoniser = Harmoniser(occupations, read_crosswalks(reader))
    exposure, indices, exposure_facts = build_exposure(reader, occupations, harmoniser)
    tick()
    skills = build_skills(reader, harmoniser, occupations)
    tasks = build_tasks(reader, harmoniser)
    titles, title_dupes = build_titles(reader, occupations, harmoniser)
    tick()
    nodes, edges, mapping, mapping_facts = build_mobility(reader, occupations)
    tick()
    skill_edges, network_facts = build_skills_network(reader, harmoniser, skills, occupations, mapping, nodes)
    edges = pd.concat([edges, skill_edges], ignore_index=True)
    mapping_facts["skills_network"] = network_facts
    tick()
    states, state_facts = build_state_employment(reader, occupations, cache_dir)
    macro = build_macro(reader)
    tick()

    sources = _sources(reader)
    vintages = {s["id"]: s["version"] for s in sources}
    facts = {
        "occupations": occ_facts,
        "exposure": exposure_facts,
        "duplicates_removed": {"occupations": occ_facts["duplicates_removed"], "titles": title_dupes},
        "coverage": {
            **{f"{d}_occupations_observed": int(part.loc[~part["imputed"], "soc_code"].nunique())
               for d, part in skills.groupby("domain")},
            "skills_occupations": int(skills["soc_code"].nunique()),
            "tasks_occupations": int(tasks["soc_code"].nunique()),
            "titles": int(len(titles)),
            **{f"{k}_matched": v for k, v in occ_facts["matched"].items()},
        },
        "states": state_facts,
    }
    report = build_report(name=name, occupations=occupations, exposure=exposure, edges=edges, nodes=nodes,
                          mapping_facts=mapping_facts, facts=facts, sources=sources, vintages=vintages)
    for domain, part in skills.groupby("domain"):
        report["imputed"][f"skills.{domain}"] = int(part.loc[part["imputed"], "soc_code"].nunique())
    report["exposure_unmatched_source_codes"] = exposure_facts["unmatched_codes"]
    meta = {
        "name": name,
        "built": datetime.now(UTC).isoformat(timespec="seconds"),
        "workshift": __version__,
        "data_dir": str(reader.data_dir),
        "sources": [{k: s[k] for k in ("id", "version", "licence", "sha256")} for s in sources],
        "source_files": sources,
        "absent_files": reader.absent,
        "vintages": vintages,
        "rules": {
            **OCCUPATION_RULES,
            "exposure_imputation": EXPOSURE_RULE,
            "harmonisation": _doc(HARMONISE_DOC),
            "mobility_mapping": _doc(MOBILITY_DOC),
            "skills_network": _doc(SKILLS_NETWORK_DOC),
        },
        "quality": report,
        "build_seconds": round(time.perf_counter() - started, 2),
    }
    tables = {"occupations": occupations, "exposure": exposure, "exposure_indices": indices, "skills": skills,
              "tasks": tasks, "titles": titles, "mobility_nodes": nodes, "mobility_edges": edges,
              "occupation_nodes": mapping, "state_employment": states, "macro": macro}
    return tables, meta
