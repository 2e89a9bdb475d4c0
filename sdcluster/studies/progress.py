"""Progress lines while a report is made: one line per stage, with its duration."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Progress:
    """Print what the report run is doing and how long each stage took.

    Parameters
    ----------
    echo : callable or None
        Receives each line; stderr when omitted.
    enabled : bool
        Print nothing when false.

    """

    def __init__(self, echo: Callable[[str], None] | None = None, *, enabled: bool = True) -> None:
        self._echo = echo or _stderr
        self.enabled = enabled
        self._start = time.perf_counter()

    def say(self, line: str) -> None:
        """Print one line."""
        if self.enabled:
            self._echo(line)

    @contextlib.contextmanager
    def stage(self, what: str) -> Iterator[None]:
        """Announce a stage, run the block, then print how long it took."""
        self.say(f"report: {what} ...")
        began = time.perf_counter()
        yield
        self.say(f"report: {what}: done in {time.perf_counter() - began:.1f} s")

    @property
    def elapsed(self) -> float:
        """Return the seconds since this object was made."""
        return time.perf_counter() - self._start
