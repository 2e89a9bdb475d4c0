"""Seeded fluctuations: independent white-noise streams per ensemble member and input.

The model reads fluctuations from exogenous inputs, never from a RANDOM
function: PySD ignores RANDOM seeds and pysimlin cannot run them. Python
draws the series here and hands them to the engines.

Which constants are noise inputs
--------------------------------
:func:`noise_inputs` is the one rule: a model's white-noise inputs are its
constants whose normalised name (:func:`sdcluster.names.normalize_name`:
lower case, underscores and runs of spaces merged into one space) is
``"white noise"`` or starts with ``"white noise "``, in sorted order of those
normalised names. Input ``k`` is the ``k``-th of that order. A model with
only ``"white noise input"`` has one input, ``k = 0``. Each input gets one
standard normal draw per TIME STEP; the constant's value in the file (0)
is what a run without noise sees.

Derivation of the streams
-------------------------
Input ``k`` of member ``m`` is drawn by a PCG64 generator seeded with

    ``numpy.random.SeedSequence(entropy=root_seed, spawn_key=(m,))`` for ``k = 0``,
    ``numpy.random.SeedSequence(entropy=root_seed, spawn_key=(m, k))`` for ``k >= 1``.

``spawn_key=(m,)`` is exactly the ``m``-th child of
``SeedSequence(root_seed).spawn(...)``, so input 0 is the stream every
earlier version drew for the single ``"white noise input"``. A stream's
numbers therefore depend only on ``(root_seed, m, k)``: not on which other
members are drawn with it, on the chunk size, the number of workers or the
engine, and a longer series extends a shorter one. ``SeedSequence`` hashes
the key, so different members and different inputs get statistically
independent streams (O'Neill 2015; NumPy's "Parallel random number
generation" guide).

References
----------
M. E. O'Neill, "PCG: A family of simple fast space-efficient statistically
good algorithms for random number generation", Harvey Mudd College
HMC-CS-2014-0905 (2014).

"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sdcluster.errors import SpecError
from sdcluster.model.loaded import LoadedModel
from sdcluster.names import normalize_name

__all__ = [
    "NOISE_INPUT_PREFIX",
    "NOISE_INPUT_RULE",
    "NOISE_STREAMS",
    "is_noise_input_name",
    "member_generator",
    "noise_inputs",
    "white_noise",
    "white_noise_inputs",
]

#: Normalised prefix of the names of the white-noise input constants.
NOISE_INPUT_PREFIX = "white noise"
#: What a model needs to receive noise, for messages.
NOISE_INPUT_RULE = f"a constant whose name starts with {NOISE_INPUT_PREFIX!r}"
#: How the streams are derived, for results metadata (see the module docstring).
NOISE_STREAMS = ("input k (k-th white-noise constant in sorted order of normalised names) of "
                 "noise stream s: PCG64 seeded with SeedSequence(entropy=seed, spawn_key=(s,)) "
                 "for k = 0, spawn_key=(s, k) for k >= 1")


def is_noise_input_name(name: str) -> bool:
    """Return whether ``name`` names a white-noise input (see the module docstring)."""
    key = normalize_name(name)
    return key == NOISE_INPUT_PREFIX or key.startswith(NOISE_INPUT_PREFIX + " ")


def noise_inputs(model: LoadedModel) -> tuple[str, ...]:
    """Return the model's white-noise inputs, input ``k`` at position ``k``.

    Parameters
    ----------
    model : LoadedModel
        The model.

    Returns
    -------
    tuple of str
        The model's spelling of every constant whose normalised name starts
        with ``"white noise"`` (as a whole word), sorted by normalised name;
        empty when the model has none.

    """
    found = [name for name in model.constants if is_noise_input_name(name)]
    return tuple(sorted(found, key=normalize_name))


def member_generator(root_seed: int, member_id: int, input_index: int = 0) -> np.random.Generator:
    """Return the random generator of one input of one member.

    Parameters
    ----------
    root_seed
        The ensemble's seed, a non-negative integer.
    member_id
        The member's global index (its noise stream), a non-negative integer.
    input_index
        Position of the input in :func:`noise_inputs`, a non-negative integer.

    Returns
    -------
    numpy.random.Generator
        PCG64 seeded with ``SeedSequence(root_seed, spawn_key=(member_id,))``
        for input 0, ``spawn_key=(member_id, input_index)`` otherwise.

    """
    _check_non_negative_int("root_seed", root_seed)
    _check_non_negative_int("member_id", member_id)
    _check_non_negative_int("input_index", input_index)
    key = (int(member_id),) if input_index == 0 else (int(member_id), int(input_index))
    sequence = np.random.SeedSequence(entropy=int(root_seed), spawn_key=key)
    return np.random.Generator(np.random.PCG64(sequence))


def white_noise(root_seed: int, member_ids: ArrayLike, n_steps: int, *,
                input_index: int = 0) -> NDArray[np.float64]:
    """Draw standard normal white noise, one independent stream per member.

    Parameters
    ----------
    root_seed
        The ensemble's seed, a non-negative integer.
    member_ids
        Global indices of the members to draw, shape ``(N,)``.
    n_steps
        Length of each series, usually ``len(model.schedule().times)``.
    input_index
        Which input's streams to draw (position in :func:`noise_inputs`);
        0, the first input, by default.

    Returns
    -------
    ndarray
        Shape ``(N, n_steps)``; row ``i`` is the first ``n_steps`` draws of
        input ``input_index`` of member ``member_ids[i]`` (see the module
        docstring), so a longer series extends a shorter one.

    Raises
    ------
    SpecError
        If the seed, the ids, the length or the input index are not
        non-negative integers.

    """
    _check_non_negative_int("root_seed", root_seed)
    _check_non_negative_int("n_steps", n_steps)
    _check_non_negative_int("input_index", input_index)
    ids = _member_ids(member_ids)
    noise = np.empty((ids.size, int(n_steps)), dtype=np.float64)
    for row, member in enumerate(ids.tolist()):
        member_generator(root_seed, member, input_index).standard_normal(out=noise[row])
    return noise


def white_noise_inputs(root_seed: int, member_ids: ArrayLike, n_steps: int,
                       inputs: Sequence[str]) -> dict[str, NDArray[np.float64]]:
    """Draw the series of several noise inputs: input ``k`` is ``inputs[k]``.

    Parameters
    ----------
    root_seed, member_ids, n_steps
        As for :func:`white_noise`.
    inputs
        The inputs' names in input order, usually ``noise_inputs(model)``.

    Returns
    -------
    dict of str to ndarray
        Name -> ``white_noise(root_seed, member_ids, n_steps, input_index=k)``.

    """
    return {name: white_noise(root_seed, member_ids, n_steps, input_index=k)
            for k, name in enumerate(inputs)}


def _member_ids(member_ids: ArrayLike) -> NDArray[np.int64]:
    ids = np.asarray(member_ids)
    if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
        raise SpecError(
            "member_ids: expected a 1-D array of integers, "
            f"got shape {ids.shape}, dtype {ids.dtype}"
        )
    if ids.size and ids.min() < 0:
        raise SpecError(f"member_ids: expected non-negative ids, got {int(ids.min())}")
    return ids.astype(np.int64, copy=False)


def _check_non_negative_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise SpecError(f"{name}: expected a non-negative integer, got {value!r}")
