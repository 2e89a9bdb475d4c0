"""Named loops: how the model file declares them and how they are matched."""

from __future__ import annotations

import shutil
from math import comb, factorial
from pathlib import Path

import numpy as np
import pytest

from sdcluster.analysis.loop_shifts import hold_labels, label_runs
from sdcluster.analysis.loops import NO_LOOP
from sdcluster.analysis.statistics import wilson_interval
from sdcluster.engine.ltm_scores import loop_scores
from sdcluster.errors import AnalysisError, ModelFileError
from sdcluster.model.causal_loops import feedback_loops, strong_components
from sdcluster.model.diagram import loop_markers, split_loop_label
from sdcluster.model.loaded import load_model
from sdcluster.model.named_loops import (
    NamedLoop,
    check_named_loops,
    intended_polarity,
    match_loops,
    named_loops,
    parse_definition,
)
from sdcluster.studies.loops import analyze_loops
from tests import DATA

LOGISTIC = DATA / "loops_logistic.mdl"


def test_parse_definition_splits_chains_and_tidies_names() -> None:
    assert parse_definition(" A  b > c ;D>E>  ; ") == (("A b", "c"), ("D", "E"))
    assert parse_definition("") == ()


def test_split_loop_label() -> None:
    assert split_loop_label("R1 spin-offs [A > B]") == ("R1 spin-offs", "A > B")
    assert split_loop_label("R1 spin-offs") == ("R1 spin-offs", "")
    assert split_loop_label("odd [x] name") == ("odd [x] name", "")


def test_named_loops_of_a_vensim_file() -> None:
    loops = named_loops(LOGISTIC)
    assert [(loop.name, loop.code, loop.intended_polarity) for loop in loops] == [
        ("R1 growth", "R1", "reinforcing"), ("B1 crowding", "B1", "balancing")]
    assert loops[1].chains == (("Population", "fraction remaining", "net growth"),)
    assert "loops_logistic.mdl" in loops[0].source
    # The diagram draws the name only; the definition is kept beside it.
    assert [m.text for m in loop_markers(LOGISTIC)] == ["R1 growth", "B1 crowding"]


def test_builtin_model_names_fifteen_loops() -> None:
    # Version 2's diagram names R1-R8 and B1-B7 (models/tools/layout_growth.py, layout_order.py).
    model = load_model()
    loops = named_loops(model.path)
    assert sorted(loop.code for loop in loops) == sorted(
        [f"R{i}" for i in range(1, 9)] + [f"B{i}" for i in range(1, 8)])
    assert all(loop.chains for loop in loops)
    assert all(loop.intended_polarity for loop in loops)
    check_named_loops(loops, model)  # every defining variable exists


def test_feedback_loops_of_a_complete_graph() -> None:
    # A complete directed graph on n nodes has sum_k C(n, k) (k - 1)! elementary
    # cycles of two or more nodes; a self-link adds a loop of one.
    for n in range(2, 6):
        nodes = [f"v{i}" for i in range(n)]
        links = [(a, b) for a in nodes for b in nodes if a != b]
        loops = feedback_loops(links)
        assert len(loops) == sum(comb(n, k) * factorial(k - 1) for k in range(2, n + 1))
        assert len(set(loops)) == len(loops)
        linked = set(links)
        for loop in loops:
            assert loop[0] == min(loop)
            assert all((loop[i], loop[(i + 1) % len(loop)]) in linked for i in range(len(loop)))
    assert feedback_loops([("a", "a"), ("a", "b")]) == (("a",),)
    assert feedback_loops([("a", "b"), ("b", "c")]) == ()


def test_feedback_loops_keep_loops_with_the_same_variables_apart() -> None:
    # a -> b -> c -> a and a -> c -> b -> a visit the same variables by other links.
    links = [("a", "b"), ("b", "c"), ("c", "a"), ("a", "c"), ("c", "b"), ("b", "a")]
    three = [loop for loop in feedback_loops(links) if len(loop) == 3]
    assert sorted(three) == [("a", "b", "c"), ("a", "c", "b")]


def test_feedback_loops_refuse_too_many() -> None:
    nodes = [f"v{i}" for i in range(6)]
    links = [(a, b) for a in nodes for b in nodes if a != b]
    with pytest.raises(AnalysisError, match="more than 100 feedback loops"):
        feedback_loops(links, limit=100)


def test_strong_components() -> None:
    links = [("a", "b"), ("b", "a"), ("b", "c"), ("c", "d"), ("d", "c"), ("d", "e")]
    components = sorted(sorted(c) for c in strong_components(links))
    assert components == [["a", "b"], ["c", "d"], ["e"]]
    chain = [(f"v{i}", f"v{i + 1}") for i in range(5000)] + [("v5000", "v0")]
    assert len(strong_components(chain)) == 1  # no recursion limit


def test_loop_scores_are_link_score_products_shared_within_a_partition() -> None:
    # Two loops through x (partition 0) and a lone one through y (partition 1).
    loops = [("x", "f"), ("x", "g", "h"), ("y", "k")]
    links = {("x", "f"): [0.0, 2.0, 1.0], ("f", "x"): [0.0, 1.0, 1.0],
             ("x", "g"): [0.0, -1.0, 3.0], ("g", "h"): [0.0, 2.0, 1.0],
             ("h", "x"): [0.0, 1.0, 1.0],
             ("y", "k"): [0.0, 0.5, np.inf], ("k", "y"): [0.0, -1.0, 1.0]}
    scores = loop_scores(loops, links, [0, 0, 1], 3)
    # raw: (0, 2, 1), (0, -2, 3), (0, -0.5, inf)
    np.testing.assert_allclose(scores[:, 0], 0.0)
    np.testing.assert_allclose(scores[:2, 1], [0.5, -0.5])
    np.testing.assert_allclose(scores[:2, 2], [0.25, 0.75])
    assert scores[2, 1] == -1.0 and np.isnan(scores[2, 2])
    missing = loop_scores([("x", "f")], {("x", "f"): [1.0, 1.0]}, [0], 2)
    assert np.isnan(missing).all()


def test_unknown_defining_variable_is_a_clear_error(tmp_path: Path) -> None:
    text = LOGISTIC.read_text(encoding="utf-8").replace(
        "[Population > net growth]", "[Populaton > net growth]")
    broken = tmp_path / "typo.mdl"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ModelFileError, match=r"typo\.mdl.*'R1 growth'.*'Populaton'.*Population"):
        analyze_loops(load_model(broken))


def test_match_picks_the_shortest_loop_and_reports_problems() -> None:
    loops = {"a": ["x", "y"], "b": ["x", "y", "z"], "c": ["x", "w"], "d": ["x", "v"]}
    named = [
        NamedLoop(name="R1 short", chains=(("X", "y"),)),
        NamedLoop(name="R2 tie", chains=(("x",),)),
        NamedLoop(name="B1 none", chains=(("q", "x"),)),
        NamedLoop(name="B2 bare", chains=()),
        NamedLoop(name="B3 two", chains=(("x", "y"), ("y", "z"))),
    ]
    short, tie, none, bare, two = match_loops(named, loops)
    assert short.loop_ids == ("a",) and not short.notes
    assert tie.loop_ids == ("a", "c", "d") and "3 loops" in tie.notes[0]
    assert not none.matched and "no feedback loop contains" in none.notes[0]
    assert not bare.matched and "no defining variables" in bare.notes[0]
    assert two.loop_ids == ("a", "b")


def _xmile_twin(folder: Path) -> Path:
    from sdcluster.tools.mdl_to_xmile import xmile_from_mdl

    return xmile_from_mdl(LOGISTIC, folder / "logistic.xmile")


def test_xmile_without_names_takes_them_from_its_vensim_twin(tmp_path: Path) -> None:
    xmile = _xmile_twin(tmp_path)
    assert named_loops(xmile) == ()
    shutil.copy(LOGISTIC, tmp_path / "logistic.mdl")
    assert [loop.code for loop in named_loops(xmile)] == ["R1", "B1"]


def test_xmile_loop_metadata_names_loops(tmp_path: Path) -> None:
    xmile = _xmile_twin(tmp_path)
    text = xmile.read_text(encoding="utf-8").replace(
        "</model>",
        '<simlin:loop-metadata name="B7 room" description="[Population &gt; fraction remaining]">'
        "</simlin:loop-metadata></model>")
    if "xmlns:simlin" not in text:
        text = text.replace("<xmile ", '<xmile xmlns:simlin="https://simlin.com/XMILE/v1.0" ', 1)
    xmile.write_text(text, encoding="utf-8")
    loops = named_loops(xmile)
    assert [(loop.name, loop.chains) for loop in loops] == [
        ("B7 room", (("Population", "fraction remaining"),))]
    analysis = analyze_loops(load_model(xmile))
    assert analysis.matches[0].matched
    assert float(analysis.named.values[0, -1]) < 0


def test_hold_labels_ignores_short_changes() -> None:
    time = np.arange(10) * 0.25
    labels = ["", "a", "a", "a", "a", "a", "b", "a", "a", "a"]
    assert hold_labels(labels, time, 0.5).tolist() == ["a"] * 10
    assert hold_labels(labels, time, 0.0).tolist() == labels
    assert hold_labels(["x", "y"], time[:2], 5.0).tolist() == ["x", "y"]  # nothing held
    assert NO_LOOP == ""
    assert label_runs(["a", "a", "", "a"]) == [(0, 1), (2, 2), (3, 3)]
    assert label_runs([]) == []


def test_intended_polarity_reads_the_first_letter() -> None:
    assert intended_polarity("R1 spin-offs") == "reinforcing"
    assert intended_polarity(" b5 obsolescence") == "balancing"
    assert intended_polarity("loop 7") == intended_polarity("") == ""


def test_wilson_interval() -> None:
    from scipy.stats import norm

    z = norm.ppf(0.975)
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(z * z / (10 + z * z))  # closed form for no successes
    low7, high7 = wilson_interval(7, 20)
    low13, high13 = wilson_interval(13, 20)
    assert (low7, high7) == pytest.approx((1 - high13, 1 - low13))
    assert low7 < 7 / 20 < high7
    assert np.isnan(wilson_interval(0, 0)[0])
    narrow = wilson_interval(70, 200)
    assert narrow[1] - narrow[0] < high7 - low7
