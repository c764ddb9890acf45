"""The policy part of ``workshift demo``: optimise the GenAI scenario with its budget and write the report.

``run_policy_demo(pack, out_dir, lang=("en", "zh"), progress=None) -> dict`` prints nothing; it returns the
headline table (baseline vs recommended per objective), the recommended schedule, the run and plan ids and
the report paths. ``progress(stage, done, total)`` is called as it works (stage: "prepare", "optimise",
"report") so the CLI can draw progress bars.

The demo scenario asks for the empirical mobility network, which is user-supplied (licence unclear). When the
pack was built without it, the demo runs on the pack's redistributable skills-based network instead and says
so: ``result["network"]`` names the network used, ``result["network_fallback"]`` ({"wanted", "used"} or
None) records the switch and ``result["network_note"]`` (also at the top of the reports) says why.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from workshift.config import CHECKOUT_ROOT
from workshift.data import load_pack
from workshift.market.inputs import from_pack
from workshift.optimize.pipeline import load_policy_scenario, prepare, search, summarise
from workshift.optimize.report import economy_wide, network_note, write_reports
from workshift.optimize.results import save
from workshift.optimize.uncertainty import attach_uncertainty

DEMO_SCENARIO = CHECKOUT_ROOT / "scenarios" / "genai_policy.toml"
DEMO_POP = 60
DEMO_GENERATIONS = 100  # at most: the search stops earlier once its hypervolume has converged
DEMO_ENSEMBLE = 16  # uncertainty draws of the recommended portfolio (four shocks x four lever draws)
FALLBACK_NETWORK = "skills"  # redistributable: built from O*NET Related Occupations (data/skills_network.py)


def demo_network(wanted: str, available: list[str] | set[str], default: str | None = None) -> tuple[str, bool]:
    """The network the demo runs on: ``wanted`` when the pack has it, else the pack's stated default network
    (``meta.default_network`` of packs without observed flows: no fallback to report), else the skills network
    (and True: a fallback the reports mention)."""
    if wanted == "complete" or wanted in available:
        return wanted, False
    if default is not None and default in available:
        return default, False
    if FALLBACK_NETWORK not in available:
        return wanted, False
    return FALLBACK_NETWORK, True


def run_policy_demo(pack: Any, out_dir: str | Path, lang: tuple[str, ...] = ("en", "zh"),
                    progress: Callable[[str, int, int], None] | None = None, pop: int = DEMO_POP,
                    generations: int = DEMO_GENERATIONS, seed: int = 1, home: str | Path | None = None,
                    scenario: str | Path = DEMO_SCENARIO, ensemble_draws: int = DEMO_ENSEMBLE) -> dict[str, Any]:
    """Run the GenAI policy optimisation on ``pack`` (a RegionPack or its name) and write the HTML reports."""

    def tick(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    if isinstance(pack, str):

        pack = load_pack(pack, home=home)
    tick("prepare", 0, 1)
    sc = load_policy_scenario(scenario, home=home)
    if pack.name != sc.engine.market["pack"]:  # the demo scenario on another pack: the whole country, and
        sc.engine.market["pack"], sc.engine.market["region"] = pack.name, pack.name.upper()
        sc.engine.raw.get("market", {}).pop("delta_u", None)  # the pack's calibrated separation rate, if any
    inputs = from_pack(pack, sc.engine.market["region"])
    wanted = sc.engine.market["network"]
    network, fell_back = demo_network(wanted, set(inputs.edges), pack.meta.get("default_network"))
    sc.engine.market["network"] = network
    prepared = prepare(sc, inputs=inputs)
    tick("prepare", 1, 1)
    result = search(prepared, "nsga2", pop, generations, seed,
                    progress=lambda done, total: tick("optimise", done, total))
    summary = attach_uncertainty(prepared, summarise(prepared, result), ensemble_draws, structural=4, seed=seed)
    summary["network"] = network
    summary["network_fallback"] = {"wanted": wanted, "used": network} if fell_back else None
    tick("report", 0, 1)
    reports: dict = {}

    def write_files(run_id: str, plan_id: str, p: Any) -> None:  # the reports first, then the run is stored
        summary["run_id"], summary["plan_id"] = run_id, plan_id
        reports.update(write_reports(prepared, summary, p, out_dir, lang) or {})

    run_id, plan_id, p = save(prepared, summary, home=home, before_commit=write_files)
    tick("report", 1, 1)
    keys = summary["objectives"] + [k for k in ("employment_rate", "policy_effect", "ai_displacement", "coverage",
                                                "insurance_coverage", "earnings_stability",
                                                "low_long_term_unemployment") if k not in summary["objectives"]]
    headline = [{"objective": k, "baseline": summary["baseline"].get(k),
                 "recommended": summary["recommended"]["objectives"].get(k)} for k in keys]
    return {"headline": headline, "currency": summary["currency"], "wage_currency": summary.get("wage_currency"),
            "cost_conversion": prepared.costs,
            "uncertainty": summary.get("uncertainty"),
            "convergence": summary.get("convergence"), "economy_wide": economy_wide(prepared, p, summary),
            "recommended": summary["recommended"], "hypervolume": summary["hypervolume"],
            "evaluations": summary["evaluations"], "seconds": summary["seconds"],
            "run_id": run_id, "plan_id": plan_id, "reports": reports, "network": network,
            "network_fallback": summary["network_fallback"],
            "network_note": network_note(summary["network_fallback"], lang[0] if lang else "en")}

