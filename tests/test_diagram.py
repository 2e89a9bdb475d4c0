from __future__ import annotations

from pathlib import Path

import pytest

from sdcluster.diagram import loop_markers, view_svgs, write_view_svgs
from sdcluster.errors import ModelFileError
from sdcluster.paths import builtin_model_path


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
