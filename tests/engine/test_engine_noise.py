"""Seeded white noise: one stream per member, whatever the chunking."""

from __future__ import annotations

import numpy as np
import pytest

from sdcluster.errors import SpecError
from sdcluster.experiments.noise import member_generator, white_noise


def test_shape_dtype_and_determinism() -> None:
    noise = white_noise(42, np.arange(4), 50)
    assert noise.shape == (4, 50)
    assert noise.dtype == np.float64
    np.testing.assert_array_equal(noise, white_noise(42, np.arange(4), 50))
    assert not np.array_equal(noise, white_noise(43, np.arange(4), 50))


def test_a_members_stream_does_not_depend_on_the_other_members_drawn() -> None:
    whole = white_noise(7, np.arange(10), 30)
    np.testing.assert_array_equal(white_noise(7, [5, 6, 7], 30), whole[5:8])
    np.testing.assert_array_equal(white_noise(7, [9, 0], 30), whole[[9, 0]])
    for chunk in np.array_split(np.arange(10), 3):
        np.testing.assert_array_equal(white_noise(7, chunk, 30), whole[chunk])


def test_a_longer_series_extends_a_shorter_one() -> None:
    np.testing.assert_array_equal(white_noise(1, [3], 100)[:, :40], white_noise(1, [3], 40))


def test_the_stream_is_the_members_child_of_the_root_seed_sequence() -> None:
    child = np.random.SeedSequence(2024).spawn(6)[5]
    expected = np.random.Generator(np.random.PCG64(child)).standard_normal(25)
    np.testing.assert_array_equal(white_noise(2024, [5], 25)[0], expected)
    np.testing.assert_array_equal(member_generator(2024, 5).standard_normal(25), expected)


def test_the_draws_are_standard_normal_and_independent_across_members() -> None:
    noise = white_noise(3, np.arange(200), 1000)
    assert abs(noise.mean()) < 0.01  # standard error 0.0022
    assert abs(noise.std() - 1) < 0.01
    correlations = np.corrcoef(noise)[np.triu_indices(200, k=1)]
    assert np.abs(correlations).max() < 0.15  # 5 standard errors of 0.032
    lag_one = np.mean(noise[:, 1:] * noise[:, :-1])
    assert abs(lag_one) < 0.01


def test_no_members_or_no_steps_give_empty_arrays() -> None:
    assert white_noise(0, np.array([], dtype=int), 10).shape == (0, 10)
    assert white_noise(0, [1, 2], 0).shape == (2, 0)


@pytest.mark.parametrize(
    ("seed", "ids", "steps"),
    [(-1, [0], 5), (1.5, [0], 5), (True, [0], 5), (1, [-2], 5), (1, [0.5], 5), (1, [[0]], 5),
     (1, [0], -1)],
)
def test_invalid_arguments_are_spec_errors(seed: object, ids: object, steps: object) -> None:
    with pytest.raises(SpecError):
        white_noise(seed, ids, steps)  # type: ignore[arg-type]
