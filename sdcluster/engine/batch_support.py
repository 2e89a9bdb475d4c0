"""Whether the batch engine can run a model, and why not.

Supported: INTEG (also non-negative XMILE stocks), SMOOTH, SMOOTHI, SMOOTH3,
SMOOTH3I, SMOOTH N, DELAY1, DELAY1I, DELAY3, DELAY3I, DELAY N (with a delay
time fixed during the run), DELAY FIXED, TREND, FORECAST, SAMPLE IF TRUE (of
values PySD does not update before it, see
:func:`~sdcluster.engine.batch_checks.check_sample_inputs`), INITIAL, ACTIVE
INITIAL, lookup tables (separate or WITH LOOKUP), GET XLS/GET DIRECT
CONSTANTS and LOOKUPS and DATA variables (GET XLS/GET DIRECT DATA or the
model's data files, interpolated or HOLD BACKWARD) with the values PySD
loaded (:mod:`sdcluster.engine.batch_external`), IF THEN ELSE, MIN, MAX,
XIDZ, ZIDZ, STEP, PULSE, PULSE TRAIN, RAMP, ABS, SQRT, EXP, LN, LOG, powers,
trigonometric functions, INTEGER, MODULO, QUANTUM. Anything else
(subscripts, RANDOM functions, ALLOCATE, RAW or LOOK FORWARD data, macros)
raises :class:`~sdcluster.errors.UnsupportedConstructError`;
:func:`can_vectorize` decides beforehand, so a study can fall back to PySD.
"""

from __future__ import annotations

import os

from sdcluster.engine.batch_translate import translate
from sdcluster.errors import UnsupportedConstructError
from sdcluster.model.loaded import LoadedModel, load_model

__all__ = ["can_vectorize"]


def can_vectorize(model: LoadedModel | str | os.PathLike[str]) -> tuple[bool, str]:
    """Tell whether the batch engine can run a model.

    Parameters
    ----------
    model
        A loaded model, or a Vensim ``.mdl`` or XMILE file (loaded with
        :func:`~sdcluster.model.loaded.load_model`).

    Returns
    -------
    tuple of (bool, str)
        ``(True, "")`` if it can; otherwise ``(False, reason)`` with the
        one-line reason to show when falling back to PySD.

    Raises
    ------
    ModelFileError
        If the file is missing or is not a model at all.

    """
    loaded = model if isinstance(model, LoadedModel) else load_model(model)
    try:
        translate(loaded)
    except UnsupportedConstructError as error:
        return False, str(error)
    return True, ""
