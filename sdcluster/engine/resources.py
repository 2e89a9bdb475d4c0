"""Estimate what a run needs before it starts; refuse what the machine cannot hold.

A run of ``S`` integration steps that saves ``T`` time points of ``V``
variables holds at least ``8 * (S + T * V)`` bytes per member: the step grid
and the input series of the step (noise, scenario steps) are one float per
step, the saved series one float per saved value. :func:`check_fits`
multiplies that by the members held in memory at once and compares it with
the memory the machine has available; the members written to disk are
compared with the free space of the folder. Both figures are lower bounds of
what the engines use, so a run that is refused could never have finished,
and the message gives the figure and what to make smaller.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from sdcluster.errors import TooLargeError
from sdcluster.model.variables import TimeSettings

__all__ = ["RunSize", "available_memory", "check_fits", "format_bytes", "run_size"]

_BYTES_PER_VALUE = 8
_FIX = ("ask for fewer members or samples, a shorter run (final_time) or a larger "
        "TIME STEP or SAVEPER")


@dataclass(frozen=True, kw_only=True)
class RunSize:
    """How big a set of runs is.

    Attributes
    ----------
    steps : float
        Integration steps of one run (a float: it may be astronomically large).
    saved : float
        Saved time points of one run.
    variables : int
        Variables saved per run.
    runs : int
        Runs in all (scenarios, ensemble members, design samples x replicates).
    in_memory : int
        Runs held in memory at once (a chunk of an ensemble, or all of them).

    """

    steps: float
    saved: float
    variables: int
    runs: int
    in_memory: int

    @property
    def memory_bytes(self) -> float:
        """Return the least memory the runs held at once need."""
        return _BYTES_PER_VALUE * self.in_memory * (self.steps + self.saved * self.variables)

    @property
    def disk_bytes(self) -> float:
        """Return the size of the saved values of all runs."""
        return _BYTES_PER_VALUE * self.runs * self.saved * self.variables

    def describe(self) -> str:
        """Return the figure as text, e.g. ``"10 runs x 3.2e+03 steps, 81 saved times x 5"``."""
        return (f"{self.runs:,} run{'s' if self.runs != 1 else ''} of {self.steps:.4g} steps, "
                f"{self.saved:.4g} saved times x {self.variables} variables")


def run_size(clock: TimeSettings, final_time: float | None, *, variables: int, runs: int = 1,
             in_memory: int | None = None) -> RunSize:
    """Return the size of ``runs`` runs of a model's clock up to ``final_time``.

    Counts are computed, never allocated, so a final time of ``1e12`` costs nothing here.
    """
    end = clock.final_time if final_time is None else final_time
    span = max(0.0, end - clock.initial_time)
    steps = _count(span, clock.time_step)
    saved = _count(span, clock.saveper)
    return RunSize(steps=steps, saved=saved, variables=variables, runs=runs,
                   in_memory=runs if in_memory is None else min(in_memory, runs))


def _count(span: float, step: float) -> float:
    if not (math.isfinite(step) and step > 0) or not math.isfinite(span):
        return math.inf
    return math.floor(span / step + 1e-9) + 1.0


def available_memory() -> float | None:
    """Return the memory available to a new allocation, in bytes (``None`` if unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as stream:
            for line in stream:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return None


def format_bytes(count: float) -> str:
    """Return a byte count as text with a binary unit (``"1.5 GiB"``)."""
    if not math.isfinite(count):
        return "an unbounded amount"
    units = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    value, unit = float(count), 0
    while value >= 1024 and unit < len(units) - 1:
        value, unit = value / 1024, unit + 1
    return f"{value:.3g} {units[unit]}"


def check_fits(size: RunSize, what: str, *, folder: str | os.PathLike[str] | None = None,
               memory: float | None = None) -> None:
    """Refuse runs that cannot fit in memory (or, written to ``folder``, on its disk).

    Parameters
    ----------
    size : RunSize
        The runs.
    what : str
        What is run, for the message (the model file and the scenario or study).
    folder : path, optional
        Where the runs are written; its free space is checked too.
    memory : float, optional
        Available memory in bytes; :func:`available_memory` by default.

    Raises
    ------
    TooLargeError
        With the figure, what the machine has, and what to make smaller.

    """
    have = available_memory() if memory is None else memory
    need = size.memory_bytes
    if not math.isfinite(need) or (have is not None and need > have):
        raise TooLargeError(
            f"{what}: {size.describe()} need at least {format_bytes(need)} of memory, and "
            f"this machine has {format_bytes(have or 0)} available; {_FIX}"
        )
    if folder is not None:
        free = _free_space(Path(folder))
        if free is not None and size.disk_bytes > free:
            raise TooLargeError(
                f"{what}: {size.describe()} need at least {format_bytes(size.disk_bytes)} on "
                f"disk, and {folder} has {format_bytes(free)} free; {_FIX}"
            )


def _free_space(folder: Path) -> float | None:
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        return float(shutil.disk_usage(existing).free)
    except OSError:
        return None
