"""From saved results to the report's content: :func:`build_document`.

Every number in the report is computed here (through
:mod:`sdcluster.report.findings` and the analysis package) from a
:class:`~sdcluster.report.data.ReportData`, which is what the results files
hold. Nothing in the text is written in advance: the summary states what
this run found.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from importlib import metadata as package_metadata
from typing import Any

from sdcluster.analysis.ensembles import takeoff_estimate
from sdcluster.analysis.phase_summaries import summary_table
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.analysis.thresholds import (
    Threshold,
    critical_openness,
    half_probability_openness,
    reaches_phase_iii,
    takeoff_curve,
)
from sdcluster.errors import AnalysisError
from sdcluster.report.analysis_sections import (
    loops_finding,
    loops_section,
    sensitivity_finding,
    sensitivity_section,
)
from sdcluster.report.behaviour_section import behaviour_section
from sdcluster.report.content import Block, BulletList, Code, Document, Paragraph, Section, Table
from sdcluster.report.data import ReportData, part_file_name
from sdcluster.report.decision import decision_section
from sdcluster.report.ensemble_sections import (
    fluctuations_section,
    sweep_section,
    takeoff_sentence,
    threshold_text,
)
from sdcluster.report.findings import check_counts, first_to_order, settings_for, settings_from
from sdcluster.report.fit import fit_to_model
from sdcluster.report.model_info import ModelInfo
from sdcluster.report.model_section import model_section
from sdcluster.report.real_clusters import is_builtin_model, real_clusters_section
from sdcluster.report.result_sections import (
    entropy_section,
    scenarios_section,
    unavailable,
    validation_section,
)
from sdcluster.report.text import fmt_duration, fmt_level, fmt_number, join_names
from sdcluster.report.threshold_section import thresholds_section

#: Section keys, in report order.
SECTION_KEYS = ("decision", "summary", "model", "entropy", "scenarios", "loop-dominance",
                "fluctuations", "sensitivity", "real-clusters", "validation", "reproducibility")
_RENDERING_PACKAGES = ("matplotlib", "jinja2", "reportlab", "svglib", "pysimlin")


def _with_behaviour(validation: Section, model_is_builtin: bool) -> Section:
    """Add the record of the model's behaviour tests to the validation section (built-in model)."""
    behaviour = behaviour_section(model_is_builtin)
    if behaviour is None:
        return validation
    return dataclasses.replace(validation, subsections=(*validation.subsections, behaviour))


def analysis_settings(data: ReportData) -> AnalysisSettings:
    """Return the analysis settings of the run (recorded, or derived from the data)."""
    stored = data.info.get("settings")
    return settings_from(stored) if stored else settings_for(data.results.dataset)


def model_info(data: ReportData) -> ModelInfo:
    """Return the model description stored with the results (names from the data if none)."""
    stored = data.info.get("model")
    if isinstance(stored, Mapping):
        return ModelInfo.from_dict(stored)
    dataset = data.results.dataset
    variables = [{"name": str(name), "kind": "auxiliary",
                  "units": str(dataset[name].attrs.get("units", "")), "range": "",
                  "default": None, "documentation": str(dataset[name].attrs.get(
                      "documentation", ""))} for name in dataset.data_vars]
    path = str(data.results.metadata.get("model_path", ""))
    return ModelInfo.from_dict({"file_name": path.rsplit("/", 1)[-1],
                                "sha256": str(data.results.metadata.get("model_sha256", "")),
                                "variables": variables,
                                "loops_source": "the results file holds no model description"})


def threshold_of(data: ReportData, settings: AnalysisSettings) -> Threshold | None:
    """Return the critical openness of the sweep part, if there is one."""
    sweep = data.part("sweep")
    if not sweep.available or sweep.dataset is None:
        return None
    return critical_openness(sweep.dataset, settings)


def build_document(data: ReportData) -> Document:
    """Return the report's content, computed from saved results.

    Parameters
    ----------
    data : ReportData
        The results file and its parts (:func:`~sdcluster.report.data.load_report_data`
        or :func:`~sdcluster.report.runs.run_report_experiments`).

    """
    settings = analysis_settings(data)
    info = model_info(data)
    dataset = data.results.dataset
    metadata = data.results.metadata
    threshold = threshold_of(data, settings)
    stocks = [v.name for v in info.of_kind("stock")]
    sections: tuple[Section, ...] = (
        decision_section(data, threshold),
        summary_section(data, settings, threshold),
        model_section(info, metadata.get("time", {})),
        entropy_section(dataset, settings),
        scenarios_section(dataset, metadata.get("scenarios", []), settings, stocks,
                          (sweep_section(data.part("sweep"), settings),
                           thresholds_section(data.part("thresholds")))),
        loops_section(data.part("loops"), settings, dataset),
        fluctuations_section(data.part("ensemble"), data.part("takeoff"), settings, threshold),
        sensitivity_section(data.part("sensitivity")),
        real_clusters_section(is_builtin_model(info.sha256)),
        _with_behaviour(validation_section(data.part("checks")), is_builtin_model(info.sha256)),
        reproducibility_section(data, settings, info),
    )
    sections = fit_to_model(sections, info.file_name or "this model")
    created = str(metadata.get("created", ""))
    options = data.info.get("options", {})
    draft = "Draft (--quick, fewer runs): " if isinstance(options, Mapping) and options.get(
        "quick") else ""
    return Document(
        title=f"{draft}{info.file_name or 'Model'}: model and policy experiments",
        subtitle=f"sdcluster report, results computed {_when(created)}",
        sections=sections,
        metadata={"author": "sdcluster", "subject": f"Report on {info.file_name}",
                  "created": created},
    )


def _when(created: str) -> str:
    """Return an ISO timestamp as a reader writes it: ``3 December 2026, 07:50 UTC``."""
    try:
        moment = dt.datetime.fromisoformat(created).astimezone(dt.UTC)
    except ValueError:
        return created
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


# ---------------------------------------------------------------- summary


def summary_section(data: ReportData, settings: AnalysisSettings,
                    threshold: Threshold | None) -> Section:
    """Return the summary: this run's findings, each computed from the saved results."""
    findings = [
        _first_to_order_finding(data, settings),
        _threshold_finding(data, threshold),
        _takeoff_finding(data, settings),
        sensitivity_finding(data.part("sensitivity")),
        loops_finding(data.part("loops"), _reference(data)),
        _validation_finding(data),
    ]
    intro = Paragraph(text=(
        "Every statement below is computed from this run's results files (listed under "
        "Reproducibility); rebuilding the report from them gives the same numbers. A run "
        "self-organizes when it reaches phase III, far from equilibrium, by the end of the run."))
    return Section(key="summary", title="Summary", blocks=(intro, BulletList(items=tuple(
        findings))))


def _first_to_order_finding(data: ReportData, settings: AnalysisSettings) -> str:
    try:
        summary = summary_table(data.results.dataset, settings)
    except AnalysisError as error:
        return f"Phase analysis not available: {error} (specific to the innovation-cluster model)."
    result = first_to_order(summary)
    units = str(data.results.metadata.get("time", {}).get("units", ""))
    start = float(data.results.dataset["time"].values[0])

    def after(onset: float) -> str:
        # Time since the start of the run, in the model's units: 'after 12.75 years'.
        return f"after {fmt_duration(round(onset - start, 2), units)}"

    reference = (f"{result.reference} reaches it {after(result.reference_onset)}"
                 if result.reference_onset == result.reference_onset
                 else f"{result.reference} does not reach it")
    if not result.scenarios:
        return (f"No scenario reaches phase III (far from equilibrium) by the end of the run; "
                f"{reference}.")
    return (f"First to reach phase III (far from equilibrium): {join_names(result.scenarios)}, "
            f"{after(result.onset)}; {reference}.")


def _threshold_finding(data: ReportData, threshold: Threshold | None) -> str:
    if threshold is None:
        return f"Critical openness not available: {data.part('sweep').reason}"
    meta = data.part("sweep").metadata
    return (f"{threshold_text(threshold)} (Deterministic sweep of "
            f"{meta.get('grid_points')} values refined by bisection to "
            f"{fmt_number(meta.get('tolerance'))}; other levers as in scenario "
            f"{meta.get('base_scenario')}.)")


def _takeoff_finding(data: ReportData, settings: AnalysisSettings) -> str:
    ensemble = data.part("ensemble")
    if not ensemble.available or ensemble.dataset is None:
        return f"Take-off probability not available: {ensemble.reason}"
    result = takeoff_estimate(reaches_phase_iii(ensemble.dataset, settings))
    text = f"Under fluctuations: {takeoff_sentence(result)}"
    takeoff = data.part("takeoff")
    if takeoff.available and takeoff.dataset is not None:
        half = half_probability_openness(takeoff_curve(takeoff.dataset))
        text += (f" From openness {fmt_level(half)} on, the take-off probability stays at or "
                 "above 50 %.")
    meta = ensemble.metadata
    return (f"{text} ({meta.get('members')} seeded runs of scenario {meta.get('base_scenario')}, "
            f"root seed {meta.get('seed')}; see Fluctuations.)")


def _reference(data: ReportData) -> str:
    names = [str(s.get("name")) for s in data.results.metadata.get("scenarios", [])]
    return "baseline" if "baseline" in names or not names else names[0]


def _validation_finding(data: ReportData) -> str:
    part = data.part("checks")
    if not part.available or part.dataset is None:
        return f"Validation not available: {part.reason}"
    passed, total = check_counts(part.dataset)
    return f"Validation: {passed} of {total} checks pass."


# ---------------------------------------------------------------- reproducibility


def reproducibility_section(data: ReportData, settings: AnalysisSettings,
                            info: ModelInfo) -> Section:
    """Return what it takes to make this report again: files, hashes, seeds, versions, command."""
    metadata = data.results.metadata
    command = str(data.info.get("command", ""))
    blocks: list[Block] = [
        Table(caption="Model, results and seeds", columns=("item", "value"),
              rows=tuple(_facts(data, info))),
        _scenario_files_table(data),
        Table(caption="Analysis settings (thresholds of regimes and phases)",
              columns=("setting", "value"),
              rows=tuple((name, fmt_number(value)) for name, value in
                         vars(settings).items())),
        Table(caption="Package versions of the run, and of the rendering",
              columns=("package", "version"), rows=tuple(_versions(metadata))),
        Paragraph(text="The command that made this report (same model, scenarios, sizes and "
                       "seed give the same numbers):"),
    ]
    blocks.append(Code(text=command) if command else unavailable(
        "the results file was not written by `sdcluster report`"))
    blocks += [Paragraph(text="Rebuild the report from the saved results without running the "
                              "model:"),
               Code(text=f"sdcluster report --from {data.results_path}")]
    return Section(key="reproducibility", title="Reproducibility", blocks=tuple(blocks))


def _scenario_files_table(data: ReportData) -> Table:
    files = data.info.get("scenario_files", [])
    rows = tuple((str(f.get("name", "")), str(f.get("file") or "none (defined in the program)"),
                  str(f.get("sha256", ""))[:16] or "–") for f in files)
    return Table(caption="Scenario files (SHA-256, first 16 hex digits)",
                 columns=("scenario", "file", "SHA-256"), rows=rows)


def _facts(data: ReportData, info: ModelInfo) -> list[tuple[str, str]]:
    metadata = data.results.metadata
    seeds = metadata.get("seeds", {})
    scenario_seeds = sorted({str(v) for v in seeds.values()}) if seeds else []
    facts = [
        ("model file", str(metadata.get("model_path", info.file_name))),
        ("model SHA-256", str(metadata.get("model_sha256", info.sha256))),
        ("scenarios", ", ".join(str(s.get("name")) for s in metadata.get("scenarios", []))),
        ("scenario noise seed", ", ".join(scenario_seeds).replace("None", "none (no noise)")),
        ("results computed", str(metadata.get("created", ""))),
        ("scenario engine", str(metadata.get("engine", ""))),
        ("results file", str(data.results_path)),
    ]
    for name, part in data.parts.items():
        seed = part.metadata.get("seed")
        state = "not available" if not part.available else (
            f"seed {seed}" if seed is not None else "no randomness")
        facts.append((f"{name} part", f"{part_file_name(data.results_path, name)} ({state})"))
    options = data.info.get("options", {})
    if options:
        facts.append(("experiment sizes", ", ".join(f"{k} {fmt_number(v)}" for k, v in
                                                    options.get("sizes", {}).items())))
    return facts


def _versions(metadata: Mapping[str, Any]) -> list[tuple[str, str]]:
    rows = [(str(k), str(v)) for k, v in metadata.get("versions", {}).items()]
    for package in _RENDERING_PACKAGES:
        try:
            version = package_metadata.version(package)
        except package_metadata.PackageNotFoundError:
            version = "not installed"
        rows.append((f"{package} (rendering)", version))
    return rows
