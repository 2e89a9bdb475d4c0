"""The report's formation and persistence thresholds (the companion part ``thresholds``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sdcluster.plotting.bifurcation import plot_bifurcation
from sdcluster.report.content import Block, Note, Paragraph, Section, Table
from sdcluster.report.result_sections import figure, unavailable
from sdcluster.report.text import fmt_level, fmt_number
from sdcluster.studies.companion.part import Part

KEY, TITLE = "thresholds", "Formation and persistence"


def thresholds_text(metadata: Mapping[str, Any]) -> str:
    """Return the thresholds in plain words: from how few firms a cluster forms, how long."""
    lever, state = str(metadata.get("lever", "openness")), str(metadata.get("state", "firms"))
    form, keep = float(metadata["formation"]), float(metadata["persistence"])
    if math.isnan(form) or math.isnan(keep):
        return (f"no formation or persistence threshold in {lever} was found over its declared "
                "range (the runs end on one branch at every value).")
    smallest, largest = metadata.get("smallest_start"), metadata.get("largest_start")
    return (f"seeded with {fmt_number(smallest)} {state.lower()}, a cluster forms only at "
            f"{lever} {fmt_level(form)} or more; a formed one ({fmt_number(largest)} "
            f"{state.lower()}) survives down to {fmt_level(keep)}. In the band between "
            f"(width {fmt_level(form - keep)}) history decides: a cut that a mature cluster "
            "survives would have kept a young one from forming.")


def thresholds_section(part: Part) -> Section:
    """Return the bifurcation figure, the thresholds and how they were found."""
    if not part.available or part.dataset is None:
        return Section(key=KEY, title=TITLE, blocks=(unavailable(part.reason),))
    meta = part.metadata
    method = (
        f"Long deterministic runs ({fmt_number(meta.get('horizon'))} years, batch engine) of the "
        f"model's defaults at {meta.get('values')} {meta.get('lever')} values, each from "
        f"{_count(meta.get('initial_states'))} initial numbers of {meta.get('state')}: where "
        "they end are the stable equilibria; the separating initial state between the two "
        "basins is the unstable one (found by bisection).")
    found = thresholds_text(meta)
    blocks: list[Block] = [Paragraph(text=f"{found[0].upper()}{found[1:]} {method}")]
    ignored = meta.get("base_overrides_ignored") or []
    if ignored:
        blocks.append(Note(text=("The study runs the model file's values; the base scenario's "
                                 f"changes ({', '.join(map(str, ignored))}) are not applied.")))
    blocks.append(figure(
        f"Equilibria against {meta.get('lever')}: stable branches (solid), the unstable one "
        "between the basins (dashed), formation and persistence thresholds (dash-dotted) and "
        "the band between them (shaded); grey: where each run ended",
        plot_bifurcation(part.dataset)))
    notes = [str(n) for n in meta.get("notes", [])]
    blocks.append(Table(
        caption="Thresholds (each the first grid value at which the run ends on the high branch)",
        columns=("threshold", str(meta.get("lever")), "meaning"),
        rows=(("formation", fmt_level(meta["formation"]),
               "lowest value at which the smallest start forms a cluster"),
              ("persistence", fmt_level(meta["persistence"]),
               "lowest value at which a formed cluster survives"),
              ("hysteresis", fmt_level(meta["hysteresis"]), "formation − persistence")),
        numeric=(False, True, False)))
    if notes:
        blocks.append(Paragraph(text="Caveats of the study: " + "; ".join(notes) + "."))
    return Section(key=KEY, title=TITLE, blocks=tuple(blocks))


def _count(states: Any) -> str:
    return str(len(states)) if isinstance(states, list | tuple) else str(states)
