"""The pure functions behind the bifurcation study, on hand-made arrays."""

from __future__ import annotations

import numpy as np
import pytest

from sdcluster.analysis.bisection import narrow_brackets, section_points
from sdcluster.studies import bifurcation_analysis as bif


def test_attractors_cluster_close_end_values() -> None:
    end = np.array([[0.0, 0.001, 1.0, 1.002], [2.0, 2.0, 2.0, 2.0]])
    settled = np.ones_like(end, dtype=bool)
    centres, counts = bif.attractors(end, settled, tolerance=0.01)
    assert counts.tolist() == [2, 1]
    np.testing.assert_allclose(centres[0], [0.0005, 1.001])
    assert np.isnan(centres[1, 1])


def test_split_level_lies_between_the_folds() -> None:
    centres = np.array([[0.1, np.nan], [0.2, 1.5], [0.3, 1.2], [2.0, np.nan]])
    assert bif.split_level(centres, np.array([1, 2, 2, 1]), 0.01) == (0.3 + 1.2) / 2
    single = np.array([[0.1], [0.12], [1.9], [2.0]])
    assert bif.split_level(single, np.array([1, 1, 1, 1]), 0.01) == (0.12 + 1.9) / 2
    assert np.isnan(bif.split_level(np.array([[1.0], [1.0]]), np.array([1, 1]), 0.01))


def test_separatrix_brackets_shrink_to_the_change() -> None:
    initial = np.array([0.1, 1.0, 10.0])
    high = np.array([[False, True, True], [False, False, False], [False, False, True]])
    lower, upper = bif.bracket_separatrix(initial, high)
    assert lower[0] == 0.1 and upper[0] == 1.0 and lower[2] == 1.0 and upper[2] == 10.0
    assert np.isnan(lower[1])
    points = section_points(np.array([0.0]), np.array([1.0]), 3, log=False)
    np.testing.assert_allclose(points, [[0.25, 0.5, 0.75]])
    low, up = narrow_brackets(np.array([0.0]), np.array([1.0]), points,
                              np.array([[False, True, True]]))
    assert (low[0], up[0]) == (0.25, 0.5)


def test_first_reached_and_probability_summaries() -> None:
    lever = np.array([0.0, 0.1, 0.2, 0.3])
    assert bif.first_reached(lever, np.array([False, False, True, True])) == (0.2, 0.1)
    assert np.isnan(bif.first_reached(lever, np.zeros(4, dtype=bool))[0])
    probability = np.array([0.0, 0.25, 0.75, 1.0])
    assert bif.probability_band(lever, probability) == (0.1, 0.2)
    assert bif.probability_crossing(lever, probability) == pytest.approx(0.15)
