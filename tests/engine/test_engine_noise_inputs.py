"""Several white-noise inputs: input k of member m has its own seeded stream."""

from __future__ import annotations

import numpy as np
import pytest

from sdcluster.errors import SpecError
from sdcluster.experiments.noise import (
    is_noise_input_name,
    member_generator,
    white_noise,
    white_noise_inputs,
)


def test_input_0_is_the_members_stream_and_input_k_its_own_spawn_key() -> None:
    np.testing.assert_array_equal(white_noise(5, [2, 3], 40, input_index=0),
                                  white_noise(5, [2, 3], 40))
    for k in (1, 2):
        sequence = np.random.SeedSequence(entropy=5, spawn_key=(3, k))
        expected = np.random.Generator(np.random.PCG64(sequence)).standard_normal(40)
        np.testing.assert_array_equal(white_noise(5, [3], 40, input_index=k)[0], expected)
        np.testing.assert_array_equal(member_generator(5, 3, k).standard_normal(40), expected)


def test_streams_of_different_inputs_and_members_are_uncorrelated() -> None:
    tables = white_noise_inputs(11, np.arange(50), 4000, ["a", "b", "c"])
    assert list(tables) == ["a", "b", "c"]
    every_stream = np.vstack(list(tables.values()))  # 150 streams: 3 inputs x 50 members
    correlations = np.corrcoef(every_stream)[np.triu_indices(150, k=1)]
    assert np.abs(correlations).max() < 0.08  # 5 standard errors of 0.016
    assert abs(correlations.mean()) < 0.002


def test_a_longer_series_extends_a_shorter_one_for_every_input() -> None:
    long = white_noise_inputs(1, [4, 0], 90, ["a", "b"])
    short = white_noise_inputs(1, [0], 30, ["a", "b"])
    for name in ("a", "b"):
        np.testing.assert_array_equal(long[name][1, :30], short[name][0])


@pytest.mark.parametrize(
    ("name", "expected"),
    [("white noise input", True), ("White_Noise_Spin-offs", True), ('"WHITE  NOISE entry"', True),
     ("white noise", True), ("white noisefree", False), ("pink white noise", False),
     ("whitenoise input", False)],
)
def test_which_names_are_noise_inputs(name: str, expected: bool) -> None:
    assert is_noise_input_name(name) is expected


def test_a_bad_input_index_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="input_index"):
        white_noise(1, [0], 5, input_index=-1)
