"""Fast tests of the report's parts: content model, findings, text, HTML and PDF renderers."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure as MplFigure

from sdcluster.analysis.ensembles import takeoff_estimate
from sdcluster.analysis.thresholds import bracket_indices
from sdcluster.errors import ReportError
from sdcluster.model.diagram import loop_markers
from sdcluster.model.paths import builtin_model_path
from sdcluster.report import ReportOptions, rebuild_command
from sdcluster.report.content import (
    BulletList,
    Code,
    Document,
    Figure,
    Note,
    Paragraph,
    Section,
    Table,
)
from sdcluster.report.figures import svg_text
from sdcluster.report.findings import first_to_order
from sdcluster.report.html import render_html
from sdcluster.report.model_info import read_loop_sentences
from sdcluster.report.pdf import write_pdf
from sdcluster.report.text import fmt_time, plural
from tests.report.report_support import pdf_text

NASTY = 'a < b & c > d; <script>alert("x")</script> <b>bold</b>'


def _figure() -> Figure:
    drawn = MplFigure(figsize=(4, 2.5))
    axes = drawn.subplots()
    axes.plot([0, 1, 2], [0, 1, 0.5], label="ε ≥ 0")
    axes.axvspan(0.5, 1.0, alpha=0.2)
    axes.legend()
    return Figure(caption="A small figure", svg=svg_text(drawn))


def _document() -> Document:
    table = Table(caption=f"caption {NASTY}", columns=("name", "value"),
                  rows=(("alpha", "1.00"), (NASTY, "35.25")), numeric=(False, True),
                  tones=("", "fail"))
    first = Section(key="first", title="First part", blocks=(
        Paragraph(text=f"Paragraph with {NASTY} and ε → ≥."),
        BulletList(items=("one finding", NASTY)),
        Note(text="not available: because", kind="unavailable"),
        Code(text="sdcluster report --quick"),
    ), subsections=(Section(key="first-sub", title="A subsection", blocks=(table,)),))
    second = Section(key="second", title="Second part", blocks=(_figure(),))
    return Document(title="Test report", subtitle="made by a test", sections=(first, second))


def test_table_rejects_rows_of_the_wrong_width() -> None:
    with pytest.raises(ValueError, match="has 1 cells, expected 2"):
        Table(caption="t", columns=("a", "b"), rows=(("x",),))


def test_sections_are_numbered_depth_first() -> None:
    numbers = [(number, section.key) for number, _, section in _document().numbered()]
    assert numbers == [("1", "first"), ("1.1", "first-sub"), ("2", "second")]


def test_html_escapes_text_and_needs_nothing_from_outside() -> None:
    html = render_html(_document())
    assert "&lt;script&gt;alert(" in html
    assert "<script>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "a &lt; b &amp; c &gt; d" in html
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)
    assert "data:image/svg+xml;base64," in html
    assert '<tr class="fail">' in html
    assert 'href="#first-sub">1.1 A subsection' in html


def test_pdf_has_contents_page_numbers_selectable_text_and_vector_figures(tmp_path: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    path = write_pdf(_document(), tmp_path / "doc.pdf")
    text = pdf_text(path)
    for expected in ("Contents", "1 First part", "1.1 A subsection", "2 Second part",
                     "page 2", "ε → ≥", "35.25", '<script>alert("x")</script>'):
        assert expected in text
    reader = pypdf.PdfReader(str(path))
    assert [entry.title for entry in reader.outline if not isinstance(entry, list)][:2] == [
        "1 First part", "2 Second part"]
    for page in reader.pages:
        objects = page.get("/Resources", {}).get("/XObject", {})
        subtypes = {objects[name].get_object().get("/Subtype") for name in objects}
        assert "/Image" not in subtypes  # figures are drawn as vectors, not pasted images


def test_pdf_is_written_atomically(tmp_path: Path) -> None:
    write_pdf(_document(), tmp_path / "doc.pdf")
    assert [p.name for p in tmp_path.iterdir()] == ["doc.pdf"]


def test_bracket_is_the_last_change_to_self_organization() -> None:
    assert bracket_indices(np.array([False, False, True, True])) == (1, 2)
    # an isolated early success does not end the search
    assert bracket_indices(np.array([False, True, False, False, True, True])) == (3, 4)
    assert bracket_indices(np.array([True, True])) is None
    assert bracket_indices(np.array([False, False])) is None
    assert bracket_indices(np.array([True, False])) is None


def test_first_to_order_compares_policy_scenarios_with_the_baseline() -> None:
    summary = pd.DataFrame({"far from equilibrium": [35.0, 20.0, np.nan, 20.0]},
                           index=["baseline", "a", "closed", "b"])
    result = first_to_order(summary)
    assert result.scenarios == ("a", "b")
    assert result.onset == 20.0
    assert result.reference_onset == 35.0
    nobody = first_to_order(pd.DataFrame({"far from equilibrium": [np.nan, np.nan]},
                                         index=["baseline", "closed"]))
    assert nobody.scenarios == () and math.isnan(nobody.onset)


def test_take_off_share_and_interval() -> None:
    result = takeoff_estimate([True] * 30 + [False] * 10)
    assert (result.reached, result.members, result.probability) == (30, 40, 0.75)
    assert result.ci_low < 0.75 < result.ci_high
    assert takeoff_estimate([True] * 5).ci_high == 1.0
    nobody = takeoff_estimate([])
    assert nobody.members == 0 and math.isnan(nobody.probability) and math.isnan(nobody.ci_low)


def test_numbers_and_words() -> None:
    assert fmt_time(35.0) == "35.00" and fmt_time(float("nan")) == "–"
    assert plural(1, "stock") == "1 stock" and plural(2, "auxiliary") == "2 auxiliaries"


def test_options_are_checked() -> None:
    with pytest.raises(ReportError, match="formats"):
        ReportOptions(formats=("docx",))
    with pytest.raises(ReportError, match="ensemble size"):
        ReportOptions(ensemble_size=1)
    assert ReportOptions(quick=True, ensemble_size=50).sizes().ensemble_members == 50


def test_rebuild_command_spells_out_seed_and_sizes() -> None:
    command = rebuild_command(ReportOptions(quick=True, scenarios=("baseline",), seed=5,
                                            out_dir=Path("out dir")))
    assert command == ("sdcluster report --scenario baseline --quick --ensemble-size 24 "
                       "--seed 5 --out-dir 'out dir'")
    assert rebuild_command(ReportOptions(from_results=Path("r.nc"))).startswith(
        "sdcluster report --from r.nc")


def test_every_named_loop_of_the_model_has_a_sentence_and_no_more() -> None:
    entries, source = read_loop_sentences(builtin_model_path().parent / "loops.toml")
    assert source == "loops.toml"
    markers = loop_markers(builtin_model_path())
    codes = {marker.code for marker in markers}
    assert codes == {entry["code"] for entry in entries}
    assert len(entries) == len(codes)  # one entry per loop
    # The name is the one drawn after the code in the diagram.
    drawn = {marker.code: marker.text.removeprefix(marker.code).strip() for marker in markers}
    for entry in entries:
        assert entry["name"] == drawn[entry["code"]], entry["code"]
        assert entry["sentence"] or entry["note"], entry["code"]


def test_loop_sentences_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "loops.toml"
    bad.write_text('[[loop]]\ncode = "R1"\nname = "x"\ncolour = "red"\n', encoding="utf-8")
    with pytest.raises(ReportError, match="unknown keys \\['colour'\\]"):
        read_loop_sentences(bad)
    bad.write_text('[[loop]]\ncode = "R1"\n', encoding="utf-8")
    with pytest.raises(ReportError, match=r"number 1: missing keys \['name'\]; expected"):
        read_loop_sentences(bad)


def test_half_probability_is_where_the_share_stays_above_one_half() -> None:
    from sdcluster.analysis.thresholds import half_probability_openness

    curve = pd.DataFrame({"openness": [0.0, 0.1, 0.2, 0.3, 0.4],
                          "probability": [0.0, 1.0, 0.0, 0.25, 0.75]})
    assert half_probability_openness(curve) == pytest.approx(0.35)
    ends_low = curve.assign(probability=[0.0, 1.0, 1.0, 1.0, 0.2])
    assert math.isnan(half_probability_openness(ends_low))
    assert half_probability_openness(curve.assign(probability=1.0)) == 0.0


def test_an_unusable_report_folder_fails_before_anything_runs(tmp_path: Path) -> None:
    from sdcluster.report import make_report

    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ReportError, match="a file/out: cannot create the report folder"):
        make_report(ReportOptions(out_dir=blocker / "out", quick=True), progress=False)


def test_regime_durations_of_a_run_that_ends_early_sum_to_its_horizon() -> None:
    import xarray as xr

    from sdcluster.analysis.entropy import NO_DATA
    from sdcluster.report.result_sections import regime_durations

    labels = ["orderly", "orderly", "balanced", NO_DATA, NO_DATA]  # ends at t = 2 of 4
    regimes = xr.DataArray(labels, coords={"time": [0.0, 1.0, 2.0, 3.0, 4.0]}, dims="time")
    durations = regime_durations(regimes)
    assert durations == {"orderly": 2.0, "balanced": 0.0, "disorder": 0.0}
    assert sum(durations.values()) == 2.0


def test_an_estimate_gets_the_digits_its_interval_supports() -> None:
    from sdcluster.report.text import fmt_uncertain

    assert fmt_uncertain(0.9399, 0.06765) == "0.94 ± 0.07"
    assert fmt_uncertain(0.9399, 0.0165) == "0.940 ± 0.017"  # a leading 1 keeps two digits
    assert fmt_uncertain(12.3456, 3.2) == "12 ± 3"
    assert fmt_uncertain(0.5, float("nan")) == "0.5"  # no interval: the number alone


def test_loop_colours_follow_polarity() -> None:
    import matplotlib as mpl

    from sdcluster.report.figures import _loop_colours

    colours = _loop_colours(["B1 crowding", "B5 obsolescence", "R1 spin-offs", "R7 reinvestment"])
    for name, hex_colour in colours.items():
        red, _, blue = mpl.colors.to_rgb(hex_colour)
        assert (red > blue) == name.startswith("R"), (name, hex_colour)
    assert len(set(colours.values())) == 4  # loops of one polarity still differ


def test_no_loop_dominates_a_cluster_that_has_died_out() -> None:
    import numpy as np
    import xarray as xr

    from sdcluster.report.analysis_sections import _blank_extinct

    results = xr.Dataset({"Innovative Firms": (("scenario", "time"),
                                               [[10.0, 5.0, 0.5, 0.1], [10.0, 12.0, 14.0, 16.0]])},
                         coords={"scenario": ["closed", "open"], "time": [0.0, 1.0, 2.0, 3.0]})
    labels = {"closed": np.array(["R1", "R1", "R7", "R8"]),
              "open": np.array(["R1", "R1", "R7", "R8"])}
    blanked = _blank_extinct(labels, np.array([0.0, 1.0, 2.0, 3.0]), results)
    assert list(blanked["closed"]) == ["R1", "R1", "", ""]
    assert list(blanked["open"]) == ["R1", "R1", "R7", "R8"]
