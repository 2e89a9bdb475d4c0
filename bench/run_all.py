"""Run every benchmark in this folder, one after the other, and print their figures.

``make bench`` calls this. Benchmarks are never timed tests: the machine is shared,
so each script reports medians and, where it compares engines, ratios measured side
by side in the same invocation.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(p for p in HERE.glob("bench_*.py"))
    for script in scripts:
        print(f"== {script.name}", flush=True)
        # A fresh interpreter per script: no benchmark inherits another's memory or imports.
        status = subprocess.call([sys.executable, str(script)])
        if status != 0:
            return status
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
