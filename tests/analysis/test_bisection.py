"""The one bisection / k-section, on plain functions."""

from __future__ import annotations

import numpy as np
import pytest

from sdcluster.analysis.bisection import bisect, k_section, narrow_brackets, section_points
from sdcluster.errors import SpecError


def test_bisect_narrows_to_the_change_and_records_every_evaluation() -> None:
    seen: list[float] = []

    def above(x: float) -> bool:
        seen.append(x)
        return x > 0.3

    low, high = bisect(0.0, 1.0, above, tolerance=1e-3)
    assert low <= 0.3 < high and high - low <= 1e-3
    assert seen[:3] == [0.5, 0.25, 0.375]  # midpoints, exactly (low + high) / 2
    assert len(seen) == 10  # 1 / 2**10 < 1e-3 < 1 / 2**9


def test_a_bracket_already_narrow_enough_runs_nothing() -> None:
    def never(x: float) -> bool:
        raise AssertionError("must not be called")

    assert bisect(0.0, 1e-4, never, tolerance=1e-3) == (0.0, 1e-4)


def test_k_section_narrows_many_brackets_for_a_fixed_number_of_rounds() -> None:
    thresholds = np.array([0.3, 0.71, np.nan])
    calls: list[list[int]] = []

    def above(rows: np.ndarray, points: np.ndarray) -> np.ndarray:
        calls.append(rows.tolist())
        return points > thresholds[rows][:, None]

    lower, upper = k_section([0.0, 0.0, np.nan], [1.0, 1.0, np.nan], above, points=3,
                             rounds=2)
    assert calls == [[0, 1], [0, 1]]  # the NaN bracket is left alone
    np.testing.assert_allclose((upper - lower)[:2], [1 / 16, 1 / 16])
    assert np.all(lower[:2] <= thresholds[:2]) and np.all(thresholds[:2] < upper[:2])
    assert np.isnan(lower[2])


def test_points_and_narrowing() -> None:
    np.testing.assert_allclose(section_points(np.array([0.0]), np.array([1.0]), 3),
                               [[0.25, 0.5, 0.75]])
    np.testing.assert_allclose(section_points(np.array([1.0]), np.array([100.0]), 1, log=True),
                               [[10.0]])
    low, up = narrow_brackets(np.array([0.0]), np.array([1.0]), np.array([[0.25, 0.5, 0.75]]),
                              np.array([[False, False, False]]))
    assert (low[0], up[0]) == (0.75, 1.0)


def test_an_unbounded_search_is_refused() -> None:
    with pytest.raises(SpecError, match="rounds or a positive tolerance"):
        bisect(0.0, 1.0, lambda x: x > 0.5, tolerance=0.0)
    with pytest.raises(SpecError, match=r"^k-section: points must be at least 1, got 0$"):
        k_section([0.0], [1.0], lambda rows, p: p > 0.5, points=0, rounds=1)
    # The shared count check (experiments.counts): a fraction is not a count either.
    with pytest.raises(SpecError, match=r"^k-section: points must be an integer, got 2\.5$"):
        k_section([0.0], [1.0], lambda rows, p: p > 0.5, points=2.5, rounds=1)  # type: ignore[arg-type]
