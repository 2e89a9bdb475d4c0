"""Loop-dominance figures."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from sdcluster.analysis.loop_ensembles import ALL_REINFORCING
from sdcluster.errors import AnalysisError
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import load_model
from sdcluster.plotting.loops import plot_ensemble_dominance, plot_loop_dominance
from sdcluster.studies.loops import analyze_loops
from tests import DATA


def test_timeline_has_two_panels_per_run() -> None:
    model = load_model(DATA / "loops_logistic.mdl")
    runs = [analyze_loops(model),
            analyze_loops(model, Scenario(name="slow", overrides={"growth rate": 0.1}))]
    figure = plot_loop_dominance(runs)
    assert isinstance(figure, Figure)
    assert len(figure.axes) == 4
    assert figure.axes[0].get_title().startswith(runs[0].scenario)
    strip_labels = [t.get_text() for t in figure.axes[1].get_yticklabels()]
    assert strip_labels == ["R1 growth", "B1 crowding"]
    # Growing slowly, the population never reaches half the capacity: R1 throughout.
    assert [t.get_text() for t in figure.axes[3].get_yticklabels()] == ["R1 growth"]
    with pytest.raises(AnalysisError, match="no runs"):
        plot_loop_dominance([])


def test_ensemble_bars() -> None:
    frequencies = pd.DataFrame([
        {"phase": "macro fluctuation", "loop": "R1 a", "dominates": 3, "reached": 4,
         "share": 0.75, "low": 0.3, "high": 0.95},
        {"phase": "macro fluctuation", "loop": "B1 b", "dominates": 1, "reached": 4,
         "share": 0.25, "low": 0.05, "high": 0.7},
        {"phase": "macro fluctuation", "loop": "B2 c", "dominates": 0, "reached": 4,
         "share": 0.0, "low": 0.0, "high": 0.5},
        {"phase": "macro fluctuation", "loop": ALL_REINFORCING, "dominates": 3, "reached": 4,
         "share": 0.75, "low": 0.3, "high": 0.95},
        {"phase": "decline", "loop": "R1 a", "dominates": 0, "reached": 0,
         "share": float("nan"), "low": float("nan"), "high": float("nan")},
    ])
    figure = plot_ensemble_dominance(frequencies)
    assert len(figure.axes) == 1  # the phase nobody reaches is left out
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels == ["R1 a", "B1 b", ALL_REINFORCING]  # loops that never dominate left out
    widths = [patch.get_width() for patch in figure.axes[0].patches]
    assert widths == pytest.approx([0.75, 0.25, 0.75])
    with pytest.raises(AnalysisError, match="no member"):
        plot_ensemble_dominance(frequencies[frequencies["phase"] == "decline"])
