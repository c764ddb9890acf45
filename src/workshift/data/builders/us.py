"""The US pack builder: OEWS occupations (SOC 2018), exposure indices, O*NET skills, the mobility networks,
state employment and the BLS macro series."""

from __future__ import annotations

import pandas as pd

from workshift.data.builders.base import BuildContext, Builder, Tables, doc_text, sources_read
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
from workshift.data.regional import build_macro, build_state_employment
from workshift.data.skills_network import __doc__ as SKILLS_NETWORK_DOC
from workshift.data.skills_network import build_skills_network

STEPS = ("occupations", "exposure", "skills, tasks, titles", "mobility", "skills network", "states, macro",
         "quality report")


def us_tables(context: BuildContext) -> tuple[Tables, dict]:
    """The US pack's tables and the facts its quality report needs (no report yet)."""
    reader = context.reader
    context.step()
    occupations, occ_facts = build_occupations(reader)
    context.step()
    harmoniser = Harmoniser(occupations, read_crosswalks(reader))
    exposure, indices, exposure_facts = build_exposure(reader, occupations, harmoniser)
    context.step()
    skills = build_skills(reader, harmoniser, occupations)
    tasks = build_tasks(reader, harmoniser)
    titles, title_dupes = build_titles(reader, occupations, harmoniser)
    context.step()
    nodes, edges, mapping, mapping_facts = build_mobility(reader, occupations)
    context.step()
    skill_edges, network_facts = build_skills_network(reader, harmoniser, skills, occupations, mapping, nodes)
    edges = pd.concat([edges, skill_edges], ignore_index=True)
    mapping_facts["skills_network"] = network_facts
    context.step()
    states, state_facts = build_state_employment(reader, occupations, context.cache_dir)
    macro = build_macro(reader)
    tables = {"occupations": occupations, "exposure": exposure, "exposure_indices": indices, "skills": skills,
              "tasks": tasks, "titles": titles, "mobility_nodes": nodes, "mobility_edges": edges,
              "occupation_nodes": mapping, "state_employment": states, "macro": macro}
    facts = {"occupations": occ_facts, "exposure": exposure_facts, "titles_duplicates": title_dupes,
             "mapping": mapping_facts, "states": state_facts}
    return tables, facts


def assemble_us(context: BuildContext) -> tuple[Tables, dict]:
    tables, facts = us_tables(context)
    context.step()
    occupations, skills, tasks = tables["occupations"], tables["skills"], tables["tasks"]
    occ_facts, exposure_facts = facts["occupations"], facts["exposure"]
    sources = sources_read(context.reader)
    report_facts = {
        "occupations": occ_facts,
        "exposure": exposure_facts,
        "duplicates_removed": {"occupations": occ_facts["duplicates_removed"], "titles": facts["titles_duplicates"]},
        "coverage": {
            **{f"{d}_occupations_observed": int(part.loc[~part["imputed"], "soc_code"].nunique())
               for d, part in skills.groupby("domain")},
            "skills_occupations": int(skills["soc_code"].nunique()),
            "tasks_occupations": int(tasks["soc_code"].nunique()),
            "titles": int(len(tables["titles"])),
            **{f"{k}_matched": v for k, v in occ_facts["matched"].items()},
        },
        "states": facts["states"],
    }
    report = build_report(name=context.name, occupations=occupations, exposure=tables["exposure"],
                          edges=tables["mobility_edges"], nodes=tables["mobility_nodes"],
                          mapping_facts=facts["mapping"], facts=report_facts, sources=sources,
                          vintages={s["id"]: s["version"] for s in sources})
    for domain, part in skills.groupby("domain"):
        report["imputed"][f"skills.{domain}"] = int(part.loc[part["imputed"], "soc_code"].nunique())
    report["exposure_unmatched_source_codes"] = exposure_facts["unmatched_codes"]
    meta = {"rules": {**OCCUPATION_RULES, "exposure_imputation": EXPOSURE_RULE,
                      "harmonisation": doc_text(HARMONISE_DOC), "mobility_mapping": doc_text(MOBILITY_DOC),
                      "skills_network": doc_text(SKILLS_NETWORK_DOC)},
            "quality": report}
    return tables, meta


US = Builder(name="us", title="United States (OEWS May 2025, O*NET 29.3)", code_system="SOC 2018", currency="USD",
             steps=STEPS, assemble=assemble_us)
