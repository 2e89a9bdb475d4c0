"""One exception hierarchy for every error a user can cause.

Each subclass also inherits the built-in exception it stands for, so callers
that catch ``KeyError`` or ``ValueError`` keep working. The command line maps
any :class:`SdclusterError` to one line on stderr and exit code 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class SdclusterError(Exception):
    """Base class of every error sdcluster raises on purpose."""


class ModelFileError(SdclusterError, ValueError):
    """A model file is missing, empty, unreadable or malformed."""


class DataFileError(ModelFileError):
    """A data file of a model's ``DATA`` variables is missing, unreadable or does not hold them.

    ``path`` is the data file (``None`` when the error is that no file was
    given) and ``variables`` the DATA variables concerned (model names).
    """

    def __init__(self, message: str, *, path: str | None = None,
                 variables: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.path = path
        self.variables = variables


class UnknownVariableError(SdclusterError, KeyError):
    """A name does not match any variable of the loaded model."""

    def __str__(self) -> str:
        # KeyError quotes its argument; a user message should read as a sentence.
        return str(self.args[0]) if self.args else ""


class SpecError(SdclusterError, ValueError):
    """An argument or specification is invalid: a count, a percentile, a design, a checks file.

    The message names the item, what was expected and, where it helps, the
    closest valid names.
    """


class ScenarioError(SpecError):
    """A scenario file or definition is invalid."""


class CalibrationError(ScenarioError):
    """A calibration's observations, mapping or parameters are invalid."""


class SimulationError(SdclusterError, ArithmeticError):
    """A run produced NaN or infinity, or could not be completed.

    Besides its one-line message it carries what it knows as fields, ``None``
    when unknown: ``scenario`` (name), ``member`` (ensemble member id),
    ``time`` (model time) and ``variable`` (model name), so a caller can act
    on them without parsing the text.
    """

    def __init__(self, message: str, *, scenario: str | None = None,
                 member: object | None = None, time: float | None = None,
                 variable: str | None = None) -> None:
        super().__init__(message)
        self.scenario = scenario
        self.member = member
        self.time = time
        self.variable = variable


class ResultsFileError(SdclusterError, OSError):
    """A results file cannot be written or read."""


class WorkerLostError(SdclusterError, RuntimeError):
    """A chunk of an ensemble was lost with the Dask worker that ran it."""


class TooLargeError(SdclusterError, ValueError):
    """A run would need more memory or disk space than the machine has."""


class AnalysisError(SdclusterError, ValueError):
    """A model lacks what a cluster-specific analysis needs."""


def closest_names(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` candidates that look most like ``name``.

    Matching ignores case, spaces and underscores, so ``openness`` finds
    ``Openness`` and ``spawn_rate`` finds ``spawn rate``.
    """

    def key(text: str) -> str:
        return text.lower().replace("_", " ").strip()

    by_key: dict[str, str] = {}
    for candidate in candidates:
        by_key.setdefault(key(candidate), candidate)
    matches = difflib.get_close_matches(key(name), list(by_key), n=n, cutoff=0.5)
    return [by_key[m] for m in matches]


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return a ``"; closest: a, b"`` suffix for an error message, or ``""``."""
    matches = closest_names(name, candidates)
    return f"; closest: {', '.join(repr(m) for m in matches)}" if matches else ""


class UnsupportedConstructError(SdclusterError, NotImplementedError):
    """A model uses a construct the vectorized batch engine cannot run.

    Callers can catch it and fall back to the PySD runner, which is the engine
    of record and runs every construct PySD supports.
    """


class ReportError(SdclusterError, ValueError):
    """A report cannot be made: bad report options, or a file it needs is unusable."""


def first_line(error: BaseException) -> str:
    """Return the first line of an exception's message, or its type name if it has none.

    Library errors (PySD's parser, pysimlin) can run to many lines; a user sees one.
    """
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0].strip()


def with_article(word: str) -> str:
    """Return ``word`` after its indefinite article: ``"an auxiliary"``, ``"a flow"``."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


class SensitivityWarning(UserWarning):
    """A sensitivity design or analysis that runs but deserves attention."""
