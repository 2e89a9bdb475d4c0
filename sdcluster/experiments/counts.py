"""The one check of a count argument: members, samples, chunk sizes, seeds, workers.

Every spec, engine and store that takes a count checks it with
:func:`check_count`, so a bad count reads the same wherever it is given and
names the argument that was wrong (``chunk_size must be at least 1, got 0``).
It lives in the experiment stage, the lowest layer that every one of them may
import.
"""

from __future__ import annotations

import numpy as np

from sdcluster.errors import SpecError

__all__ = ["check_count"]


def check_count(name: str, value: object, *, minimum: int = 1, context: str = "") -> int:
    """Return a count as a plain int after checking it is an integer of at least ``minimum``.

    Parameters
    ----------
    name : str
        The argument's name, for the message (``"n_members"``, ``"chunk_size"``).
    value : object
        The count given: a Python or NumPy integer; a bool is not a count.
    minimum : int, default 1
        The smallest valid count (0 for seeds).
    context : str, default ""
        What the argument belongs to, as a message prefix (``"sensitivity: "``).

    Returns
    -------
    int
        ``value`` as a plain int (a NumPy integer would change a spec's hash and its JSON).

    Raises
    ------
    SpecError
        ``"<context><name> must be an integer, got <value>"`` if ``value`` is not an
        integer, ``"<context><name> must be at least <minimum>, got <value>"`` if it
        is smaller than ``minimum``.

    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise SpecError(f"{context}{name} must be an integer, got {value!r}")
    if value < minimum:
        raise SpecError(f"{context}{name} must be at least {minimum}, got {int(value)}")
    return int(value)
