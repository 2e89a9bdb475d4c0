"""The quick report of the built-in model: browser, PDF text, numbers, rebuild from the files."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from sdcluster.analysis.phase_summaries import phase_onsets, summary_table
from sdcluster.analysis.phases import PHASES
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.report import ReportOutcome
from sdcluster.report.build import SECTION_KEYS
from sdcluster.report.text import fmt_duration, fmt_level, fmt_share, fmt_time
from sdcluster.results.dataset import Results
from tests.report.report_support import open_in_browser, pdf_text, pixel_spread, squash

pytestmark = pytest.mark.slow

SECTION_TITLES = ("Decision summary", "Summary", "The model", "Entropy balance and phases",
                  "Policy scenarios",
                  "Loop dominance", "Fluctuations", "Sensitivity",
                  "The model against real clusters", "Validation",
                  "Reproducibility")


def _part(outcome: ReportOutcome, name: str) -> xr.Dataset:
    stem = outcome.results_path.name.removesuffix("_results.nc")
    return Results.load(outcome.results_path.parent / f"{stem}_{name}.nc").dataset


def _settings(results: Results) -> AnalysisSettings:
    return AnalysisSettings.from_dataset(results.dataset)


def test_every_part_was_made(cluster_report: ReportOutcome) -> None:
    assert cluster_report.unavailable == {}
    # A --quick draft has files of its own (a full report beside it is never overwritten).
    assert {p.name for p in cluster_report.paths.values()} == {
        "innovation_cluster_draft.html", "innovation_cluster_draft.pdf"}
    assert sorted(cluster_report.paths) == ["html", "pdf"]
    assert all(path.stat().st_size > 0 for path in cluster_report.paths.values())


def test_html_opens_offline_without_errors_and_shows_every_section(
        cluster_report: ReportOutcome) -> None:
    with open_in_browser(cluster_report.paths["html"]) as (page, log):
        for key in SECTION_KEYS:
            assert page.locator(f"section#{key}").count() == 1, key
            assert page.locator(f"section#{key} > h2").is_visible(), key
        headings = [squash(h) for h in page.locator("section.level1 > h2").all_inner_texts()]
        # The live explorer (HTML only, so unnumbered) comes right after the decision summary.
        assert headings[1] == "Live policy explorer"
        numbered = [h for h in headings if h != "Live policy explorer"]
        assert [h.split(" ", 1)[1] for h in numbered] == list(SECTION_TITLES)
        broken = page.evaluate("Array.from(document.images)"
                               ".filter(i => !(i.complete && i.naturalWidth > 0)).length")
        assert broken == 0
        shot = page.screenshot(full_page=False)
    assert log.console_errors == [] and log.page_errors == []
    assert all(url.startswith(("file:", "data:")) for url in log.requests), log.requests
    assert pixel_spread(shot) > 10.0


def _decision_text(report: ReportOutcome) -> str:
    """The PDF's decision summary: its first page, before the contents."""
    text = squash(pdf_text(report.paths["pdf"]))
    return text[text.index("Decision summary"):text.index("Contents")]


def test_the_decision_summary_comes_first_and_ranks_by_the_policy_part(
        cluster_report: ReportOutcome) -> None:
    from sdcluster.analysis.policies import compare_policies, rank_policies

    ranked = rank_policies(compare_policies(_part(cluster_report, "policies")))
    decision = _decision_text(cluster_report)
    best = str(ranked.iloc[0]["title"])
    assert f"Recommended: {squash(best)}" in decision
    # Every place is in the table, in rank order, and has the reason it is above the next.
    table = decision[decision.index("Policies ranked"):decision.index("Ranking rule")]
    position = 0
    for title in ranked["title"]:
        position = table.index(squash(str(title)), position)  # raises if out of order
    for place in range(1, len(ranked)):
        assert f"{place} above {place + 1}:" in decision, place
    assert "Ranking rule" in decision and "What the model does not know" in decision


def test_the_decision_summary_gives_formation_and_persistence_from_a_bifurcation(
        cluster_report: ReportOutcome) -> None:
    # Recomputed here with the study itself at the draft's sizes: the summary's thresholds
    # must be those of a bifurcation of the model's defaults, and persistence below formation
    # (the model spec's behaviour 2: o_persist <= o_form - 0.05).
    from sdcluster.engine.batch import BatchModel
    from sdcluster.experiments.bifurcation import BifurcationSpec
    from sdcluster.model.paths import builtin_model_path
    from sdcluster.studies.bifurcation import run_bifurcation
    from sdcluster.studies.companion.sizes import QUICK_SIZES

    spec = BifurcationSpec(lever="openness", state="Mature Firms",
                           values=QUICK_SIZES.threshold_values,
                           initial_states=QUICK_SIZES.threshold_initial_states, horizon=300.0,
                           outputs=("Order Degree",), noise_levels=())
    result = run_bifurcation(BatchModel.from_file(builtin_model_path()), spec)
    assert result.persistence <= result.formation - 0.05
    stored = _part(cluster_report, "thresholds")
    assert stored.attrs["formation_threshold"] == result.formation
    assert stored.attrs["persistence_threshold"] == result.persistence
    decision = _decision_text(cluster_report)
    assert (f"a cluster forms only at openness {fmt_level(result.formation)} or more"
            in decision)
    assert f"survives down to {fmt_level(result.persistence)}" in decision
    with open_in_browser(cluster_report.paths["html"]) as (page, _):
        section = page.locator("section#thresholds")
        assert section.count() == 1
        assert section.locator("svg, img").count() >= 1


def test_summary_numbers_equal_those_of_the_results_files(cluster_report: ReportOutcome) -> None:
    results = Results.load(cluster_report.results_path)
    settings = _settings(results)
    onsets = summary_table(results.dataset, settings)[PHASES[2]]
    policies = onsets.drop("baseline")
    first = policies.min()
    winners = [str(name) for name, value in policies.items() if value == first]
    sweep = _part(cluster_report, "sweep")
    organizes = phase_onsets(sweep, settings)[PHASES[2]].notna().to_numpy()
    order = np.argsort(sweep["openness"].values)
    values, organizes = sweep["openness"].values[order], organizes[order]
    last_failing = int(np.flatnonzero(~organizes)[-1])
    critical = 0.5 * (values[last_failing] + values[last_failing + 1])
    ensemble = _part(cluster_report, "ensemble")
    took_off = int(phase_onsets(ensemble, settings)[PHASES[2]].notna().sum())
    with open_in_browser(cluster_report.paths["html"]) as (page, _):
        summary = squash(page.inner_text("section#summary"))
    start = float(results.dataset["time"].values[0])

    def after(onset: float) -> str:
        return f"after {fmt_duration(round(onset - start, 2), 'Year')}"

    assert f"{' and '.join(winners)}, {after(first)};" in summary
    assert f"baseline reaches it {after(onsets['baseline'])}." in summary
    assert f"Critical openness {fmt_level(critical)}" in summary
    members = ensemble.sizes["member"]
    assert f"{took_off} of {members} runs reach phase III" in summary
    assert f"take-off probability {fmt_share(took_off / members)}" in summary


def test_pdf_holds_every_section_title_and_the_phase_onsets(cluster_report: ReportOutcome) -> None:
    text = pdf_text(cluster_report.paths["pdf"])
    for number, title in enumerate(SECTION_TITLES, start=1):
        assert f"{number} {title}" in text
    results = Results.load(cluster_report.results_path)
    table = summary_table(results.dataset, _settings(results))
    onsets = [fmt_time(v) for v in table[list(PHASES)].to_numpy().ravel() if np.isfinite(v)]
    assert onsets
    for onset in onsets:
        assert onset in text
    assert "Contents" in text and "page 3" in text


def test_rebuild_from_the_results_file_gives_the_same_numbers(
        cluster_report: ReportOutcome, rebuilt_report: ReportOutcome) -> None:
    assert rebuilt_report.results_path == cluster_report.results_path
    assert rebuilt_report.unavailable == {}
    with open_in_browser(cluster_report.paths["html"]) as (page, _):
        original = {key: page.inner_text(f"section#{key}") for key in SECTION_KEYS}
    with open_in_browser(rebuilt_report.paths["html"]) as (page, _):
        rebuilt = {key: page.inner_text(f"section#{key}") for key in SECTION_KEYS}
    different = [key for key in SECTION_KEYS if key != "reproducibility"
                 and original[key] != rebuilt[key]]
    assert different == []
    assert "sdcluster report --from" in rebuilt["reproducibility"]


def test_nothing_is_left_out_and_loop_sentences_come_from_the_data_file(
        cluster_report: ReportOutcome) -> None:
    html = cluster_report.paths["html"].read_text(encoding="utf-8")
    assert "not available:" not in html
    assert "“forming new enterprises or deriving new enterprises" in html
    assert "data file loops.toml" in html
