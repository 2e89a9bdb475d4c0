"""Robustness of the phases of the built-in model to their settings (spec, 'Phases').

Prints, for 1,000 noisy members at the default noise (seed 1) and for the
deterministic run, the share of members whose phases run I -> II -> III with no
decline, and the deterministic phase onsets, at the default settings and with each
setting halved and doubled. The spec asks for a share of at least 90 % that moves by
at most 10 points, and onsets that move by at most 2 years.
Run with ``make bench`` or ``.venv/bin/python bench/bench_phases.py``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import xarray as xr

from sdcluster.analysis.phase_summaries import clean_sequence_share
from sdcluster.analysis.phases import PHASES, phase_codes
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.engine.batch import BatchModel
from sdcluster.experiments.noise import is_noise_input_name, white_noise_inputs
from sdcluster.model.loaded import load_model
from sdcluster.model.paths import builtin_model_path
from sdcluster.names import normalize_name

MEMBERS = 1000
SEED = 1
SETTINGS = ("smoothing", "growth_threshold", "decline_threshold", "decline_dwell", "min_dwell")
NAMES = ["Innovative Firms", "dS total"]


def _dataset(out: dict[str, np.ndarray], time: np.ndarray) -> xr.Dataset:
    n = out[NAMES[0]].shape[0]
    return xr.Dataset({name: (("member", "time"), np.asarray(out[name])) for name in NAMES},
                      coords={"member": np.arange(n), "time": time})


def _onsets(codes: np.ndarray, time: np.ndarray) -> list[float]:
    return [float(time[np.argmax(codes == k)]) if np.any(codes == k) else float("nan")
            for k in range(len(PHASES))]


def main() -> int:
    batch = BatchModel.from_model(load_model(builtin_model_path()))
    steps = len(batch.schedule().times)
    inputs = sorted((p for p in batch.parameters if is_noise_input_name(p)), key=normalize_name)
    noise = white_noise_inputs(SEED, np.arange(MEMBERS), steps, inputs)
    noisy = batch.run_arrays({}, MEMBERS, inputs=noise, return_variables=NAMES)
    deterministic = batch.run_arrays({}, 1, return_variables=NAMES)
    time = np.arange(np.asarray(noisy[NAMES[0]]).shape[1]) * batch.default("SAVEPER")
    noisy_ds, det_ds = _dataset(noisy, time), _dataset(deterministic, time)
    default = AnalysisSettings()
    rows = [("default", default)]
    for name in SETTINGS:
        for factor in (0.5, 2.0):
            value = getattr(default, name) * factor
            rows.append((f"{name} x{factor:g} ({value:g})",
                         dataclasses.replace(default, **{name: value})))
    base_share = clean_sequence_share(phase_codes(noisy_ds, default).values)
    base_onsets = _onsets(phase_codes(det_ds, default).values[0], time)
    print(f"{MEMBERS} members, seed {SEED}; onsets of {', '.join(PHASES)} (yr)")
    print(f"{'settings':34s} {'clean share':>11s} {'moved':>6s}  onsets (moved by at most)")
    for label, settings in rows:
        share = clean_sequence_share(phase_codes(noisy_ds, settings).values)
        onsets = _onsets(phase_codes(det_ds, settings).values[0], time)
        moved = np.nanmax(np.abs(np.array(onsets) - np.array(base_onsets)), initial=0.0)
        print(f"{label:34s} {share:11.3f} {share - base_share:+6.3f}  "
              f"{', '.join(f'{t:g}' for t in onsets)} ({moved:g})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
