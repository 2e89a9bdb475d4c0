"""What a calibration returns: chain, posterior table, fit, band, diagnostics; and its files.

:class:`CalibrationResult` holds what
:func:`~sdcluster.studies.calibration.run_calibration` sampled and summarised,
says it in words (:meth:`CalibrationResult.summary`), converts it to ArviZ
``InferenceData`` and saves it as netCDF.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import emcee
import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from sdcluster.experiments.calibration import CalibrationSpec
from sdcluster.experiments.counts import check_count
from sdcluster.results.atomic import (
    refuse_overwriting_inputs,
    require_writable_folder,
    write_atomically,
)

__all__ = ["CalibrationResult", "load_arviz", "quiet_arviz"]

FloatArray = NDArray[np.float64]


@dataclass
class CalibrationResult:
    """The sampled posterior, its diagnostics and the fit of its median run.

    Attributes
    ----------
    spec : CalibrationSpec
        The validated spec.
    names : tuple of str
        The free quantities, in sampling order.
    chain : ndarray, shape (steps, walkers, ndim)
        Every sampled position, in natural units (burn-in included).
    log_prob : ndarray, shape (steps, walkers)
        Log-posterior (up to a constant) of every position.
    acceptance : ndarray, shape (walkers,)
        Acceptance fraction of each walker.
    burn : int
        Steps discarded before the summaries (fewer than asked if interrupted early).
    autocorr : ndarray, shape (ndim,)
        Integrated autocorrelation time of each quantity, in steps (emcee).
    ess, rhat : ndarray, shape (ndim,)
        Bulk effective sample size and rank-normalized R-hat across walkers (ArviZ).
    table : pandas.DataFrame
        One row per quantity: ``median``, ``q05``, ``q95``, prior bounds,
        ``width_ratio`` (posterior over prior 90 % width), ``identified``,
        ``ess``, ``rhat``, ``autocorr``.
    fit : pandas.DataFrame
        One row per mapped series: Theil statistics (``mse``, ``rmse_percent``,
        ``um``, ``us``, ``uc``) and ``r2`` of the posterior-median run.
    median_run : pandas.DataFrame
        ``time``, then per series the observed and predicted values.
    band : xarray.Dataset
        Posterior-predictive band on a fine time grid (dims ``series``,
        ``time``): ``model_q05/q50/q95`` (the scaled model output) and
        ``predictive_q05/q95`` (with observation noise), ``median_run``.
    engine : str
        ``"batch"`` or ``"pysd"``.
    interrupted : bool
        Sampling was stopped early (Ctrl-C); the chain holds what was sampled.
    seconds : float
        Sampling wall time.

    """

    spec: CalibrationSpec
    names: tuple[str, ...]
    chain: FloatArray
    log_prob: FloatArray
    acceptance: FloatArray
    burn: int
    autocorr: FloatArray
    ess: FloatArray
    rhat: FloatArray
    table: pd.DataFrame
    fit: pd.DataFrame
    median_run: pd.DataFrame
    band: xr.Dataset
    engine: str
    interrupted: bool = False
    seconds: float = 0.0
    model_path: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def unidentified(self) -> tuple[str, ...]:
        """Free quantities whose posterior is (about) their prior."""
        return tuple(self.table.loc[~self.table["identified"], "name"])

    @property
    def steps_done(self) -> int:
        """Steps actually sampled."""
        return int(self.chain.shape[0])

    def posterior(self) -> FloatArray:
        """Return the kept draws, shape ``(draws, walkers, ndim)`` (burn-in removed)."""
        return self.chain[self.burn:]

    def summary(self) -> str:
        """Return a few lines: convergence, the posterior table, the fit, the flags."""
        status = "interrupted after" if self.interrupted else "sampled"
        lines = [
            f"{status} {self.steps_done} steps x {self.chain.shape[1]} walkers "
            f"({self.engine} engine, {self.seconds:.1f} s); burn {self.burn}; "
            f"acceptance {self.acceptance.mean():.2f}; "
            f"max R-hat {_largest(self.rhat):.3f}; min ESS {-_largest(-self.ess):.0f}",
        ]
        tau = _largest(self.autocorr)
        kept = self.steps_done - self.burn
        if not np.isfinite(tau) or kept < 50 * tau:
            lines.append(f"warning: chain of {kept} kept steps is shorter than 50 "
                         f"autocorrelation times ({tau:.0f} steps): run longer before "
                         "trusting the intervals")
        if "swap_acceptance" in self.metadata:
            lines.append(f"parallel tempering: {self.metadata['temperatures']} temperatures up "
                         f"to {self.metadata['max_temperature']:g}; swap acceptance between "
                         f"neighbours (coldest pair first) {self.metadata['swap_acceptance']}")
        if self.unidentified:
            lines.append("unidentified (posterior ~ prior): " + ", ".join(self.unidentified))
        return "\n".join(lines)

    def to_inference_data(self, thin: int = 1) -> Any:
        """Return an :class:`arviz.InferenceData` (posterior, sample stats, observed data).

        Walkers are ArviZ's chains; the burn-in goes to the ``warmup_*`` groups.
        ``thin`` keeps every ``thin``-th step of each (the diagnostics of the
        result are those of the whole chain).
        """
        check_count("thin", thin)
        az = load_arviz()
        kept, warm = self.chain[self.burn::thin], self.chain[:self.burn:thin]

        def by_name(steps: FloatArray) -> dict[str, FloatArray]:
            return {n: steps[:, :, j].T for j, n in enumerate(self.names)}

        observed = {m.column: self.spec.observed(m.column) for m in self.spec.mappings}
        dims = {m.column: ["time"] for m in self.spec.mappings}
        groups: dict[str, Any] = {
            "posterior": by_name(kept),
            "sample_stats": {"lp": self.log_prob[self.burn::thin].T},
            "observed_data": observed,
            "dims": dims,
            "coords": {"time": self.spec.times},
            "attrs": {"inference_library": "emcee",
                      "inference_library_version": emcee.__version__},
        }
        if self.burn:
            groups["warmup_posterior"] = by_name(warm)
            groups["warmup_sample_stats"] = {"lp": self.log_prob[:self.burn:thin].T}
            groups["save_warmup"] = True
        with quiet_arviz():  # "more chains than draws" for short runs: known, and fine
            return az.from_dict(**groups)

    def save(self, path: str | os.PathLike[str], *, thin: int = 1) -> Path:
        """Write the result as netCDF (ArviZ-readable) atomically; return the path.

        ``thin`` keeps every ``thin``-th step of the chain in the file (long
        chains otherwise take hundreds of megabytes); the tables and
        diagnostics written with it are those of the whole chain, and the
        ``calibration_diagnostics`` group records ``thin``.

        Groups: ArviZ's ``posterior``, ``sample_stats``, ``observed_data``
        (and ``warmup_*``), then ``calibration_table``, ``calibration_fit``,
        ``calibration_band`` and ``calibration_diagnostics``. ``az.from_netcdf``
        reads it.

        Raises
        ------
        ResultsFileError
            If the file cannot be written, or it is the model or the observations file.

        """
        target = Path(path)
        inputs = [self.model_path or None]
        if not self.spec.source.startswith("<"):
            inputs.append(self.spec.source)
        refuse_overwriting_inputs({"the calibration results": target}, inputs)
        require_writable_folder(target)
        idata = self.to_inference_data(thin)
        extra = {
            "calibration_table": _table_dataset(self.table, "quantity"),
            "calibration_fit": _table_dataset(self.fit, "series"),
            "calibration_band": self.band,
            "calibration_diagnostics": xr.Dataset(
                {"acceptance_fraction": ("chain", self.acceptance)},
                attrs=_plain_attrs({**self.metadata, "thin": thin})),
        }

        def write(temporary: Path) -> None:
            with quiet_arviz():
                idata.to_netcdf(str(temporary), engine="netcdf4")
            for group, dataset in extra.items():
                dataset.to_netcdf(temporary, mode="a", group=group, engine="netcdf4")

        return write_atomically(target, write, what="the calibration results")


def _largest(values: FloatArray) -> float:
    """Return the largest finite value, NaN if there is none (a chain too short to tell)."""
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.size else float("nan")


def _table_dataset(frame: pd.DataFrame, dim: str) -> xr.Dataset:
    data = {}
    for column in frame.columns:
        values = frame[column].to_numpy()
        if values.dtype == bool:
            values = values.astype(np.int8)  # netCDF has no boolean
        elif values.dtype.kind not in "fiu":
            values = values.astype(str)
        data[str(column)] = (dim, values)
    return xr.Dataset(data)


def _plain_attrs(metadata: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, int | float | str) else str(v)) for k, v in metadata.items()}


@contextlib.contextmanager
def quiet_arviz() -> Iterator[None]:
    """Silence ArviZ's import-time and empty-dims warnings inside the block."""
    # ArviZ 0.2x announces its 1.0 refactor with a FutureWarning on import, and
    # warns about empty dims; neither is the user's business here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        yield


def load_arviz() -> Any:
    """Import ArviZ (a second or so, hence on first use) without its warnings."""
    with quiet_arviz():
        import arviz

    return arviz
