"""What a report run is asked to do: :class:`ReportOptions`, and the sizes it implies.

The options are the library form of ``sdcluster report``'s flags;
:func:`rebuild_command` turns them back into the command line that makes the
same report, which the report prints in its reproducibility section.
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass
from pathlib import Path

from sdcluster.errors import ReportError
from sdcluster.studies.companion.sizes import FULL_SIZES, QUICK_SIZES, ExperimentSizes

#: Output formats a report can be written in.
FORMATS = ("html", "pdf")
#: Root seed of the fluctuation ensembles when none is given.
DEFAULT_SEED = 0


@dataclass(frozen=True, kw_only=True)
class ReportOptions:
    """Options of one report run.

    Attributes
    ----------
    model : Path or None
        Model file; the built-in model when ``None``.
    data_files : tuple of Path
        Data files of the model's ``DATA`` variables (PySD's ``data_files``);
        none by default.
    scenarios : tuple of str or None
        Scenario names; every scenario of the folder when ``None`` (the
        built-in model), the model as it is for another model without a
        scenario folder.
    scenarios_dir : Path or None
        Folder of scenario TOML files; the built-in scenarios by default.
    out_dir : Path
        Folder the report and its results files are written to.
    formats : tuple of str
        Any of ``"html"`` and ``"pdf"``.
    quick : bool
        Use :data:`QUICK_SIZES` (a fast draft) instead of :data:`FULL_SIZES`.
    ensemble_size : int or None
        Members per ensemble; overrides the size ``quick`` implies.
    seed : int
        Root seed of the fluctuation ensembles and the sensitivity sample.
    from_results : Path or None
        Rebuild the report from this results file (written by an earlier
        report run) instead of running the model.

    Raises
    ------
    ReportError
        If a format is unknown, none is given, the ensemble size is below 2
        or the seed is negative.

    """

    model: Path | None = None
    data_files: tuple[Path, ...] = ()
    scenarios: tuple[str, ...] | None = None
    scenarios_dir: Path | None = None
    checks_dir: Path | None = None
    out_dir: Path = Path("reports")
    formats: tuple[str, ...] = FORMATS
    quick: bool = False
    ensemble_size: int | None = None
    seed: int = DEFAULT_SEED
    from_results: Path | None = None

    def __post_init__(self) -> None:
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown or not self.formats:
            raise ReportError(f"report formats: expected one or more of {', '.join(FORMATS)}, "
                              f"got {', '.join(self.formats) or 'none'}")
        if self.ensemble_size is not None and self.ensemble_size < 2:
            raise ReportError(f"ensemble size: expected at least 2 members, "
                              f"got {self.ensemble_size}")
        if self.seed < 0:
            raise ReportError(f"seed: expected a non-negative integer, got {self.seed}")

    def sizes(self) -> ExperimentSizes:
        """Return the experiment sizes these options imply."""
        base = QUICK_SIZES if self.quick else FULL_SIZES
        if self.ensemble_size is None:
            return base
        return dataclasses.replace(base, ensemble_members=self.ensemble_size)


def rebuild_command(options: ReportOptions) -> str:
    """Return the ``sdcluster report`` command line that makes this report again.

    Seed and sizes are always spelled out, so the command gives the same
    numbers even if a later version changes the defaults.
    """
    words = ["sdcluster", "report"]
    if options.from_results is not None:
        words += ["--from", str(options.from_results)]
    else:
        if options.model is not None:
            words.append(str(options.model))
        if options.data_files:
            words += ["--data-files", *(str(path) for path in options.data_files)]
        if options.scenarios_dir is not None:
            words += ["--scenarios-dir", str(options.scenarios_dir)]
        if options.checks_dir is not None:
            words += ["--checks-dir", str(options.checks_dir)]
        for name in options.scenarios or ():
            words += ["--scenario", name]
        if options.quick:
            words.append("--quick")
        words += ["--ensemble-size", str(options.sizes().ensemble_members),
                  "--seed", str(options.seed)]
    words += ["--out-dir", str(options.out_dir)]
    if tuple(options.formats) != FORMATS:
        for fmt in options.formats:
            words += ["--format", fmt]
    return shlex.join(words)
