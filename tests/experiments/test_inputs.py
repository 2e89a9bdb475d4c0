"""The step rule (sdcluster.experiments.inputs): steps as series on an engine's clock.

The runs of every engine on that rule are in ``tests/engine/test_engine_step_rule.py``.
"""

from __future__ import annotations

import numpy as np

from sdcluster.experiments.inputs import STEP_LEAD, pysd_step_series, step_values
from sdcluster.experiments.scenarios import Step


def test_the_grid_time_of_a_step_is_not_exact_in_binary() -> None:
    times = np.arange(11) * 0.3
    assert times[3] < 0.9  # why the rule needs its lead
    values = step_values(times, 0.1, Step(at=0.9, to=1.0), 0.3)
    assert list(values[:4]) == [0.1, 0.1, 0.1, 1.0]


def test_step_values_on_the_grid() -> None:
    times = np.arange(0, 3.01, 0.5)
    shared = step_values(times, 1.0, Step(at=1.5, to=4.0), 0.5)
    np.testing.assert_array_equal(shared, [1, 1, 1, 4, 4, 4, 4])
    per_member = step_values(times, np.array([1.0, 2.0]), Step(at=0.0, to=9.0), 0.5)
    assert per_member.shape == (2, times.size) and np.all(per_member == 9.0)


def test_pysd_step_series_jumps_a_lead_before_the_step() -> None:
    series = pysd_step_series(Step(at=0.9, to=1.0), 0.1, 0.0, 3.0, 0.3)
    assert list(series.index) == [0.0, 0.9 - 0.3 * STEP_LEAD, 0.9, 3.0]
    assert list(series.values) == [0.1, 0.1, 1.0, 1.0]


def test_pysd_step_series_without_a_value_before_holds_throughout() -> None:
    for before, at in ((None, 0.9), (0.1, 0.0)):
        series = pysd_step_series(Step(at=at, to=2.0), before, 0.0, 3.0, 0.3)
        assert list(series.values) == [2.0, 2.0]
