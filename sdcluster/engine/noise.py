"""Seeded fluctuations: one independent white-noise stream per ensemble member.

The model reads fluctuations from an exogenous input ("white noise input"),
never from a RANDOM function: PySD ignores RANDOM seeds and pysimlin cannot
run them. Python draws the series here and hands them to the engine.

Derivation of the streams
-------------------------
Member ``m``'s stream is drawn by a PCG64 generator seeded with

    ``numpy.random.SeedSequence(entropy=root_seed, spawn_key=(m,))``

which is exactly the ``m``-th child of ``SeedSequence(root_seed).spawn(...)``.
A member's numbers therefore depend only on ``(root_seed, m)``: not on which
other members are drawn with it, on the chunk size or on the number of
workers. ``SeedSequence`` hashes the key, so neighbouring members get
statistically independent streams (O'Neill 2015; NumPy's "Parallel random
number generation" guide).

References
----------
M. E. O'Neill, "PCG: A family of simple fast space-efficient statistically
good algorithms for random number generation", Harvey Mudd College
HMC-CS-2014-0905 (2014).

"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sdcluster.errors import ScenarioError

__all__ = ["member_generator", "white_noise"]


def member_generator(root_seed: int, member_id: int) -> np.random.Generator:
    """Return the random generator of one member.

    Parameters
    ----------
    root_seed
        The ensemble's seed, a non-negative integer.
    member_id
        The member's global index, a non-negative integer.

    Returns
    -------
    numpy.random.Generator
        PCG64 seeded with ``SeedSequence(root_seed, spawn_key=(member_id,))``.

    """
    _check_non_negative_int("root_seed", root_seed)
    _check_non_negative_int("member_id", member_id)
    sequence = np.random.SeedSequence(entropy=int(root_seed), spawn_key=(int(member_id),))
    return np.random.Generator(np.random.PCG64(sequence))


def white_noise(root_seed: int, member_ids: ArrayLike, n_steps: int) -> NDArray[np.float64]:
    """Draw standard normal white noise, one independent stream per member.

    Parameters
    ----------
    root_seed
        The ensemble's seed, a non-negative integer.
    member_ids
        Global indices of the members to draw, shape ``(N,)``.
    n_steps
        Length of each series, usually ``len(model.schedule().times)``.

    Returns
    -------
    ndarray
        Shape ``(N, n_steps)``; row ``i`` is the first ``n_steps`` draws of
        member ``member_ids[i]``'s stream (see the module docstring), so a
        longer series extends a shorter one.

    Raises
    ------
    ScenarioError
        If the seed, the ids or the length are not non-negative integers.

    """
    _check_non_negative_int("root_seed", root_seed)
    _check_non_negative_int("n_steps", n_steps)
    ids = np.asarray(member_ids)
    if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
        raise ScenarioError(
            "member_ids: expected a 1-D array of integers, "
            f"got shape {ids.shape}, dtype {ids.dtype}"
        )
    if ids.size and ids.min() < 0:
        raise ScenarioError(f"member_ids: expected non-negative ids, got {int(ids.min())}")
    noise = np.empty((ids.size, int(n_steps)), dtype=np.float64)
    for row, member in enumerate(ids.tolist()):
        member_generator(root_seed, member).standard_normal(out=noise[row])
    return noise


def _check_non_negative_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ScenarioError(f"{name}: expected a non-negative integer, got {value!r}")
