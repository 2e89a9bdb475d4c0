"""The decision summary: which policy, by how much, how sure; first in the report.

Built from the policy part (:mod:`sdcluster.analysis.policies`), the openness
sweep and the sensitivity part of the same run. Every number is computed
from the results files; the words around them are fixed, and the ranking
rule is stated in the text.
"""

from __future__ import annotations

import math

import pandas as pd

from sdcluster.analysis.entropy import ORDER_DEGREE
from sdcluster.analysis.phases import FIRMS
from sdcluster.analysis.policies import compare_policies, rank_policies
from sdcluster.analysis.thresholds import SWEEP_LEVER, Threshold
from sdcluster.report.analysis_sections import outcome_label
from sdcluster.report.content import Block, BulletList, Note, Paragraph, Section, Table
from sdcluster.report.data import ReportData
from sdcluster.report.findings import indices_table, top_parameters
from sdcluster.report.text import MISSING
from sdcluster.report.threshold_section import thresholds_text

#: The few technical terms the summary uses, in plain words.
GLOSSARY = (
    "Take-off: the run reaches phase III, far from equilibrium (growing while its entropy "
    "falls).",
    "Decline: phase IV, shrinking after maturity.",
    "Order Degree: from 0 (disordered) to 1 (ordered); dimensionless (Dmnl).",
    "Under fluctuations: many seeded runs with random shocks to spin-offs, entry and "
    "knowledge creation; a probability is the share of runs, with a 95 % Wilson interval.",
    "ST (Sobol' total-effect index): the share of an outcome's variance a lever causes, alone "
    "or with others.",
)
#: What the model does not know, stated once.
CAVEATS = (
    "it is a theory made executable, not a calibrated forecast (its constants are sources or "
    "stated assumptions; years are model years);",
    "phases are read with thresholds (see Reproducibility) that move onsets by a year or two;",
    "the size of the shocks is assumed;",
    "scenarios change a few levers at fixed times, and leave out prices, other regions and "
    "institutions.",
)


#: A no-break space: a narrow table column may wrap between a value and its
#: interval, never inside "100 %" or "(99–100 %)".
_NBSP = "\u00a0"


def _pct(value: float) -> str:
    return MISSING if math.isnan(value) else f"{100 * value:.0f}{_NBSP}%"


def _interval(row: pd.Series, name: str) -> str:
    low, high = row[name + " low"], row[name + " high"]
    if math.isnan(low):
        return _pct(row[name])
    return f"{_pct(row[name])} ({100 * low:.0f}–{100 * high:.0f}{_NBSP}%)"


def _year(value: float) -> str:
    return "never" if math.isnan(value) else f"{value:.1f}"


def _gain(row: pd.Series) -> str:
    gained = float(row["years gained"])
    if not math.isnan(gained):
        if abs(gained) < 0.05:
            return "same time"
        return f"{abs(gained):.1f} y {'earlier' if gained > 0 else 'later'}"
    if math.isnan(row["takeoff"]) and not math.isnan(row["baseline takeoff"]):
        return f"never (baseline at {float(row['baseline takeoff']):.1f})"
    if not math.isnan(row["takeoff"]):
        return "only this one"
    return "neither"


def _firms(row: pd.Series) -> str:
    change = float(row["firms change"])
    text = f"{row[FIRMS]:.0f}"
    return text if math.isnan(change) else f"{text} ({change:+.0%})"


def ranking_table(ranked: pd.DataFrame, units: str) -> Table:
    """Return the ranked scenarios, each against the baseline at its own horizon."""
    rows = tuple(
        (str(int(row["rank"])), str(row["title"]), f"{row['horizon']:.0f}",
         _year(row["takeoff"]), _gain(row), _interval(row, "P takeoff"),
         _interval(row, "P decline"), _firms(row), f"{row[ORDER_DEGREE]:.2f}")
        for _, row in ranked.iterrows())
    return Table(
        caption=(f"Policies ranked, each against the baseline run to the same horizon ({units}). "
                 "Take-off, firms and order (Order Degree) without fluctuations; "
                 "probabilities under fluctuations (95 % intervals)."),
        columns=("#", "scenario", "horizon", "take-off", "vs baseline", "P(take-off)",
                 "P(decline)", "firms (vs baseline)", "order"),
        rows=rows, numeric=(True, False, True, True, False, True, True, True, True))


def _reason(row: pd.Series, below: pd.Series | None) -> str:
    """Return why ``row`` holds its place: what puts it above the next scenario.

    Places are named by rank, not title, so the reasons of nine scenarios fit the
    decision's one page next to the table that names them.
    """
    if below is None:
        return ""
    head = f"{int(row['rank'])} above {int(below['rank'])}"
    if round(row["P takeoff"], 2) > round(below["P takeoff"], 2):
        why = (f"more likely to take off ({_pct(row['P takeoff'])} against "
               f"{_pct(below['P takeoff'])})")
    elif round(row["P decline"], 2) < round(below["P decline"], 2):
        why = (f"less likely to decline ({_pct(row['P decline'])} against "
               f"{_pct(below['P decline'])})")
    elif row["takeoff"] < below["takeoff"] or (math.isnan(below["takeoff"])
                                               and not math.isnan(row["takeoff"])):
        why = f"takes off earlier ({_year(row['takeoff'])} against {_year(below['takeoff'])})"
    elif row[FIRMS] > below[FIRMS]:
        why = f"more firms at its horizon ({row[FIRMS]:.0f} against {below[FIRMS]:.0f})"
    else:
        why = "equal on every criterion"
    return f"{head}: {why}"


def recommendation(ranked: pd.DataFrame, baseline: str) -> str:
    """Return the first sentence of the report: the best policy and how it beats the baseline."""
    best = ranked.iloc[0]
    if str(ranked.index[0]) == baseline:
        return (f"No scenario does better than the baseline ({best['title']}) on the ranking "
                "rule below.")
    return (f"Recommended: {best['title']}. Under fluctuations it takes off with probability "
            f"{_interval(best, 'P takeoff')} by t = {best['horizon']:.0f}, against "
            f"{_interval(best, 'baseline P takeoff')} for the baseline at the same horizon; "
            f"without fluctuations it takes off at {_year(best['takeoff'])} "
            f"({_gain(best)} than the baseline) with {_firms(best)} firms.")


def _warnings(ranked: pd.DataFrame) -> list[str]:
    """Return plain statements about scenarios that fail or lose firms."""
    lines = []
    for _, row in ranked.iterrows():
        if row["P takeoff"] < 0.05 and row["baseline P takeoff"] >= 0.05:
            lines.append(f"{row['title']}: the cluster does not take off "
                         f"(probability {_pct(row['P takeoff'])}).")
        elif row["firms change"] <= -0.25:
            lines.append(f"{row['title']}: {abs(row['firms change']):.0%} fewer firms than the "
                         f"baseline at t = {row['horizon']:.0f}.")
    return lines


def _threshold_line(data: ReportData, threshold: Threshold | None) -> str:
    dataset = data.results.dataset
    if threshold is None or threshold.status != "found":
        text = ("Thresholds: the openness sweep found no formation threshold "
                f"({'see Scenarios' if threshold else data.part('sweep').reason}).")
    else:
        text = (f"Thresholds: from the model's initial firms the cluster self-organizes from "
                f"openness {threshold.estimate:.3f} on (deterministic sweep).")
    if threshold is not None and threshold.status == "found" and SWEEP_LEVER in dataset.data_vars:
        level = float(dataset[SWEEP_LEVER].isel(time=0).values.reshape(-1)[0])
        text += (f" The baseline's openness, {level:.2f}, is {abs(level - threshold.estimate):.2f} "
                 f"{'above' if level >= threshold.estimate else 'below'} it.")
    part = data.part("thresholds")
    if part.available:
        return f"{text} From the bifurcation study: {thresholds_text(part.metadata)}"
    return (f"{text} The persistence threshold (below which a formed cluster collapses) is "
            f"not available: {part.reason}.")


def _levers_line(data: ReportData) -> str | None:
    part = data.part("sensitivity")
    if not part.available or part.dataset is None:
        return None
    indices = indices_table(part.dataset)
    clauses = []
    for outcome in dict.fromkeys(str(o) for o in indices["outcome"]):
        ranked = top_parameters(indices, outcome, count=2)
        if ranked:
            names = " then ".join(f"{name} (ST {value:.2f})" for name, value in ranked)
            clauses.append(f"for {outcome_label(outcome)}, {names}")
    return ("Levers that matter most: " + "; ".join(clauses) + ".") if clauses else None


def decision_section(data: ReportData, threshold: Threshold | None) -> Section:
    """Return the decision summary (see the module docstring)."""
    key, title = "decision", "Decision summary"
    part = data.part("policies")
    if not part.available or part.dataset is None:
        return Section(key=key, title=title, blocks=(Note(
            text=f"No policy comparison: {part.reason}", kind="unavailable"),))
    ranked = rank_policies(compare_policies(part.dataset))
    units = str(part.dataset["horizon"].attrs.get("units", "time units"))
    baseline = str(part.metadata.get("baseline", ranked.index[0]))
    blocks: list[Block] = [Paragraph(text=recommendation(ranked, baseline))]
    blocks += [BulletList(items=tuple(_warnings(ranked)))] if _warnings(ranked) else []
    blocks.append(ranking_table(ranked, units))
    rows = [row for _, row in ranked.iterrows()]
    # Dense paragraphs rather than long lists, so that the decision fits one printed page.
    blocks.append(Paragraph(text=(
        "Ranking rule: higher take-off probability first, then lower decline probability, "
        "then earlier take-off, then more firms at the horizon (probabilities to two "
        f"decimals; {int(part.metadata.get('members', 0))} seeded runs per scenario with the "
        f"same shocks, root seed {part.metadata.get('seed')}). Why this "
        "order: " + "; ".join(reason for i, row in enumerate(rows)
                              if (reason := _reason(row, rows[i + 1] if i + 1 < len(rows)
                                                    else None))) + ".")))
    context = [_threshold_line(data, threshold)]
    levers = _levers_line(data)
    context += [levers] if levers else []
    blocks.append(BulletList(items=tuple(context)))
    blocks.append(Paragraph(text="What the model does not know: " + " ".join(CAVEATS)))
    blocks.append(Paragraph(text="Terms: " + " ".join(GLOSSARY)))
    return Section(key=key, title=title, blocks=tuple(blocks))
