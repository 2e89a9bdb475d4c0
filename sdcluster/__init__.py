"""sdcluster: the self-organization of innovation clusters as a system-dynamics model.

The package loads a Vensim or XMILE model with PySD, runs scripted policy
experiments on it and writes reports. Data flows one way::

    model file -> loaded model -> experiment -> engine -> results -> analysis -> report

``sdcluster.run(model, spec, options)`` runs any experiment spec (a scenario
set, an ensemble, a sensitivity, loop-ensemble, bifurcation or calibration
study) with the execution settings of a :class:`RunOptions`.
"""

from __future__ import annotations

__version__ = "0.1.0"

# The public API, imported on first use so `import sdcluster` stays fast
# (PySD and xarray take a second to import) and nothing runs at import time.
_LAZY_EXPORTS = {
    "load_model": "sdcluster.model.loaded",
    "LoadedModel": "sdcluster.model.loaded",
    "Scenario": "sdcluster.experiments.scenarios",
    "load_scenarios": "sdcluster.experiments.scenarios",
    "ScenarioSet": "sdcluster.experiments.scenario_set",
    "Results": "sdcluster.results.dataset",
    "run_scenarios": "sdcluster.engine.run",
    "run": "sdcluster.studies.run",
    "RunOptions": "sdcluster.engine.options",
    "EnsembleSpec": "sdcluster.experiments.ensemble",
    "SensitivitySpec": "sdcluster.experiments.sensitivity",
    "LoopEnsembleSpec": "sdcluster.experiments.loop_ensemble",
    "BifurcationSpec": "sdcluster.experiments.bifurcation",
    "CalibrationSpec": "sdcluster.experiments.calibration",
}

__all__ = ["__version__", *_LAZY_EXPORTS]


def __getattr__(name: str) -> object:
    """Import a public name from its module on first use (PEP 562)."""
    if name in _LAZY_EXPORTS:
        import importlib

        return getattr(importlib.import_module(_LAZY_EXPORTS[name]), name)
    raise AttributeError(f"module 'sdcluster' has no attribute {name!r}")
