"""A report on another Vensim model: generic sections, escaping, results kept on failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdcluster.engine.run import run_scenarios
from sdcluster.errors import ReportError
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import load_model
from sdcluster.report import ReportOptions, ReportOutcome, make_report
from sdcluster.report.build import SECTION_KEYS, build_document
from sdcluster.report.data import load_report_data
from sdcluster.results.dataset import Results
from sdcluster.studies.companion.part import PARTS
from tests.report.report_support import ESCAPE_MODEL, open_in_browser, pdf_text, squash

SCRIPT = '<script>alert("escaped?")</script>'


def test_generic_model_gets_the_generic_sections_and_says_what_it_leaves_out(
        generic_report: ReportOutcome) -> None:
    assert set(generic_report.unavailable) == {"policies", "sweep", "thresholds", "ensemble",
                                               "takeoff"}
    for reason in generic_report.unavailable.values():
        assert "innovation-cluster model" in reason
    document = build_document(load_report_data(generic_report.results_path))
    # The cluster's parts are left out, not shown as empty boxes ...
    cluster_only = {"decision", "entropy", "fluctuations", "real-clusters"}
    assert [s.key for s in document.sections] == [k for k in SECTION_KEYS
                                                  if k not in cluster_only]
    notes = [b for s in document.sections for _, sub in s.walk() for b in sub.blocks
             if getattr(b, "kind", "") == "unavailable"]
    assert notes == []
    # ... and the summary says once what was left out and why.
    said = document.section("summary").blocks[0].text
    assert said.startswith("Left out: Decision summary, Entropy balance and phases")
    assert "escape_town.mdl does not have" in said
    summary = " ".join(document.section("summary").blocks[2].items)
    assert "innovation-cluster model" not in summary and "phase III" not in summary
    stocks = document.section("model-stocks").blocks[0]
    assert [row[0] for row in stocks.rows] == ["Population"]
    sensitivity = document.section("sensitivity").blocks[0].text
    assert "on Population at the end of the run: growth rate" in sensitivity


def test_text_from_the_model_shows_as_written(generic_report: ReportOutcome) -> None:
    html = generic_report.paths["html"].read_text(encoding="utf-8")
    # The only script is the live explorer's; the model's own "<script>" text is escaped.
    assert html.count("<script") == 1 and "var sdclusterModel" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;escaped?&#34;)&lt;/script&gt;" in html
    assert "R&amp;D &lt;b&gt;not&lt;/b&gt; included" in html
    with open_in_browser(generic_report.paths["html"]) as (page, log):
        levers = squash(page.inner_text("section#model-levers"))
        flows = squash(page.inner_text("section#model-flows"))
        # No element made from the model's text: no <b>, and no script but the explorer's.
        assert page.locator("main b").count() == 0
        assert page.locator("main script").count() == page.locator(
            "section#explorer script").count() == 1
    assert SCRIPT in levers
    assert "Growth per person & year while Population < capacity" in levers
    assert "(R&D <b>not</b> included)" in flows
    assert log.dialogs == [] and log.console_errors == [] and log.page_errors == []
    assert SCRIPT in pdf_text(generic_report.paths["pdf"])


def test_results_survive_a_failure_while_the_report_is_drawn(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ReportError("drawing failed on purpose")

    monkeypatch.setattr("sdcluster.report.pdf.render_pdf", broken)
    with pytest.raises(ReportError, match="on purpose"):
        make_report(ReportOptions(model=ESCAPE_MODEL, quick=True, out_dir=tmp_path),
                    progress=False)
    results = Results.load(tmp_path / "escape_town_draft_results.nc")
    assert "Population" in results.dataset
    assert not list(tmp_path.glob("*.pdf")) and not list(tmp_path.glob(".*"))
    rebuilt = make_report(ReportOptions(from_results=tmp_path / "escape_town_draft_results.nc",
                                        out_dir=tmp_path, formats=("html",)), progress=False)
    assert rebuilt.paths["html"].is_file()


def test_results_of_sdcluster_run_can_be_reported(tmp_path: Path) -> None:
    model = load_model(ESCAPE_MODEL)
    path = run_scenarios(model, [Scenario(name="baseline")]).save(tmp_path / "run.nc")
    data = load_report_data(path)
    assert all("sdcluster run" in data.part(name).reason for name in PARTS)
    document = build_document(data)
    assert document.section("reproducibility").blocks
    outcome = make_report(ReportOptions(from_results=path, out_dir=tmp_path,
                                        formats=("html",)), progress=False)
    assert outcome.paths["html"].is_file()


def test_a_part_from_another_run_is_not_used(generic_report: ReportOutcome,
                                             tmp_path: Path) -> None:
    folder = generic_report.results_path.parent
    copy = tmp_path / "escape_town_draft_results.nc"
    copy.write_bytes(generic_report.results_path.read_bytes())
    other = Results.load(folder / "escape_town_draft_checks.nc")
    Results(dataset=other.dataset, metadata={**other.metadata, "run_id": "someone else"}).save(
        tmp_path / "escape_town_draft_checks.nc")
    data = load_report_data(copy)
    assert "another report run" in data.part("checks").reason
    assert "not found" in data.part("loops").reason
