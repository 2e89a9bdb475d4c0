"""The one count check (sdcluster.experiments.counts): it names the argument that was wrong."""

from __future__ import annotations

import numpy as np
import pytest

from sdcluster.errors import SpecError
from sdcluster.experiments.counts import check_count


def test_a_count_comes_back_as_a_plain_int() -> None:
    assert check_count("n_members", 3) == 3
    count = check_count("chunk_size", np.int64(7))
    assert count == 7 and type(count) is int
    assert check_count("seed", 0, minimum=0) == 0


@pytest.mark.parametrize(
    ("value", "minimum", "message"),
    [
        (0, 1, "chunk_size must be at least 1, got 0"),
        (np.int64(1), 2, "chunk_size must be at least 2, got 1"),
        (2.0, 1, "chunk_size must be an integer, got 2.0"),
        (True, 1, "chunk_size must be an integer, got True"),
        ("4", 1, "chunk_size must be an integer, got '4'"),
    ],
)
def test_a_bad_count_is_named(value: object, minimum: int, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        check_count("chunk_size", value, minimum=minimum)
    assert str(caught.value) == message


def test_the_context_prefixes_the_message() -> None:
    with pytest.raises(SpecError, match=r"^sensitivity: n must be at least 1, got 0$"):
        check_count("n", 0, context="sensitivity: ")
