from __future__ import annotations

import re
from pathlib import Path

import pytest

from sdcluster.errors import ModelFileError
from sdcluster.model.diagram import loop_markers, view_svgs, write_view_svgs
from sdcluster.model.diagram_svg import LABEL_FONT, SHADOW_COLOUR, text_width, wrap_label
from sdcluster.model.paths import builtin_model_path


def test_each_view_is_drawn_with_its_loop_identifiers() -> None:
    svgs = view_svgs(builtin_model_path())
    assert len(svgs) == 6
    markers = loop_markers(builtin_model_path())
    for title, svg in svgs.items():
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        expected = [m for m in markers if m.view == title]
        assert svg.count('class="sdcluster-loop"') == len(expected)
        for marker in expected:
            assert marker.text.replace("&", "&amp;") in svg


def test_loop_text_is_escaped(tmp_path: Path) -> None:
    text = builtin_model_path().read_text(encoding="utf-8")
    text = text.replace("R1 spin-offs", "R1 <spin> & offs")
    model = tmp_path / "escaped.mdl"
    model.write_text(text, encoding="utf-8")
    svg = next(iter(view_svgs(model).values()))
    assert "R1 &lt;spin&gt; &amp; offs" in svg
    assert "<spin>" not in svg


def test_write_view_svgs(tmp_path: Path) -> None:
    written = write_view_svgs(builtin_model_path(), tmp_path / "out")
    assert written[0].name == "1_firms_ageing_chain_spin_offs_and_attraction.svg"
    assert all(p.stat().st_size > 1000 for p in written)


def test_a_broken_model_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mdl"
    broken.write_text("{UTF-8}\nx = (((\n", encoding="utf-8")
    with pytest.raises(ModelFileError, match=r"broken\.mdl"):
        view_svgs(broken)


def _view_boxes(svg: str) -> tuple[float, ...]:
    match = re.search(r'viewBox="([^"]+)"', svg)
    assert match is not None
    return tuple(float(v) for v in match.group(1).split())


def test_each_view_holds_only_itself_cropped_for_a_page() -> None:
    svgs = view_svgs(builtin_model_path())
    for title, svg in svgs.items():
        assert svg.count('class="simlin-group"') == 1
        assert f">{title}</text>" in svg
        assert not [t for t in svgs if t != title and f">{t}</text>" in svg]
        # Shown 900 px wide, a view at most 1100 units wide sets its labels at 12 px or more.
        width = _view_boxes(svg)[2]
        assert width <= 1100, title
        assert LABEL_FONT * 900 / width >= 12
        assert f"font-size:{LABEL_FONT:g}px" in svg


def test_long_names_break_in_two_and_shadows_are_grey() -> None:
    svg = view_svgs(builtin_model_path())["6 Policy levers and fluctuations"]
    assert ">effective technology</tspan>" in svg
    assert ">introduction</tspan>" in svg
    assert ">openness</tspan>" in svg  # short names stay on one line
    grey = view_svgs(builtin_model_path())["1 Firms: ageing chain, spin-offs and attraction"]
    shadow = grey.split('class="simlin-alias"', 1)[1].split("</g>", 1)[0]
    assert f"fill:{SHADOW_COLOUR}" in shadow


def test_wrapping_balances_the_two_lines() -> None:
    assert wrap_label("room") == ["room"]
    assert wrap_label("technology introduction step time") == [
        "technology", "introduction step time"]
    assert text_width("mm", 10.0) == pytest.approx(16.66)


def test_arrows_are_drawn_straight() -> None:
    # build_model.py sets each arrow's control point so that pysimlin draws it straight.
    for svg in view_svgs(builtin_model_path()).values():
        for d in re.findall(r'<path d="([^"]+)" class="simlin-connector', svg):
            radii = [float(r) for r in re.findall(r"A([\d.]+),", d)]
            assert all(r > 5000 for r in radii), d


def test_loop_marker_keeps_its_full_name_as_a_tooltip() -> None:
    svg = view_svgs(builtin_model_path())["4 The three powers and synergy"]
    assert "<title>R3 competition drives R&amp;D</title>" in svg
