"""Dump the batch engine's generated NumPy, Numba and JavaScript source for every model.

Run with ``PYTHONHASHSEED=0``: ``python tests/tools/dump_generated.py OUT_DIR``. For the
built-in model and every model of ``tests/data`` the batch engine accepts, writes
``<model>.<variant>.py`` (NumPy module), ``<model>.<variant>.numba.py`` and ``<model>.js``
into OUT_DIR (a refusal is written as ``<model>.refused``), so that two trees of the
engine can be compared byte for byte with ``diff -r``.
"""

from __future__ import annotations

import sys
import traceback
from functools import partial
from pathlib import Path

from sdcluster.engine.batch import BatchModel
from sdcluster.engine.batch_codegen import compile_run
from sdcluster.engine.batch_js import javascript_model
from sdcluster.engine.batch_numba import numba_source
from sdcluster.engine.batch_plan import static_nodes
from sdcluster.errors import UnsupportedConstructError
from sdcluster.model.loaded import load_model

ROOT = Path(__file__).resolve().parents[2]


def _models() -> list[Path]:
    data = ROOT / "tests" / "data"
    return [ROOT / "models" / "innovation_cluster.mdl",
            *sorted([*data.glob("*.mdl"), *data.glob("*.xmile")])]


def _variants(model: BatchModel) -> dict[str, tuple[frozenset[str], tuple[str, ...]]]:
    plan = model.plan
    params = frozenset(name for name, node in plan.nodes.items() if node.kind == "param")
    stocks = tuple(info.node for info in plan.variables if info.kind == "stock")
    every = tuple(info.node for info in plan.variables)
    changing = tuple(name for name in every if name not in static_nodes(plan.nodes, frozenset()))
    return {
        "default": (frozenset(), changing),
        "stocks": (frozenset(), stocks),
        "inputs": (params, every),
    }


def _write(path: Path, produce: object) -> None:
    try:
        text = produce()  # type: ignore[operator]
    except Exception as error:  # the failure is part of the output
        text = f"ERROR {type(error).__name__}: {error}\n"
    path.write_text(text, encoding="utf-8")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for path in _models():
        stem = path.name
        try:
            tab = path.with_suffix(".tab")
            loaded = load_model(path, data_files=[tab] if tab.exists() else None)
            model = BatchModel.from_model(loaded, backend="numpy")
        except UnsupportedConstructError as error:
            (out / f"{stem}.refused").write_text(f"{error}\n", encoding="utf-8")
            continue
        except Exception:
            (out / f"{stem}.failed").write_text(traceback.format_exc().splitlines()[-1] + "\n")
            continue
        plan = model.plan
        for variant, (inputs, outputs) in _variants(model).items():
            _write(out / f"{stem}.{variant}.py",
                   lambda p=plan, i=inputs, o=outputs: compile_run(p, i, o).source)
            _write(out / f"{stem}.{variant}.numba.py",
                   lambda p=plan, i=inputs, o=outputs: numba_source(p, i, o)[0])
        _write(out / f"{stem}.js", partial(javascript_model, model))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
