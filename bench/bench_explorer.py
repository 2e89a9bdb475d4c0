"""Benchmark: how fast the live policy explorer redraws when a slider moves.

Writes the explorer page of the built-in model (``sdcluster explore``), opens
it in headless Debian chromium through playwright, and moves the openness
slider ``--moves`` times (default 20, after 5 warm-up moves), each by setting
the range input's value and dispatching its ``input`` event, as a hand on the
slider does. Prints the median and the slowest of

- the run and redraw: the model's whole run in JavaScript plus the charts'
  new paths, timed in the page around the event (``performance.now()``);
- the time to the next painted frame: the same, up to the second
  ``requestAnimationFrame`` after the event (layout and paint included).

The issue asks for a redraw within 100 ms. Skips (exit 0) without chromium
or playwright.

Usage::

    .venv/bin/python bench/bench_explorer.py [--moves 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from sdcluster.experiments.scenarios import load_scenarios
from sdcluster.model.loaded import load_model
from sdcluster.report.explorer import write_explorer

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
WARM_UP = 5

# One slider move, timed in the page: [run + redraw, to the next painted frame] in ms.
_MOVE = """async (value) => {
  const input = document.querySelector('input[data-lever="openness"]');
  const t0 = performance.now();
  input.value = String(value);
  input.dispatchEvent(new Event("input", {bubbles: true}));
  const t1 = performance.now();
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  return [t1 - t0, performance.now() - t0];
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=20)
    args = parser.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("skipped: playwright is not installed")
        return 0
    if not CHROMIUM.exists():
        print(f"skipped: {CHROMIUM} not found")
        return 0
    model = load_model()
    with tempfile.TemporaryDirectory(prefix="sdcluster-bench-") as folder:
        page_file = write_explorer(model, Path(folder) / "explorer.html", load_scenarios(model))
        size = page_file.stat().st_size
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(page_file.as_uri())
            page.wait_for_load_state("load")
            values = [0.2 + 0.6 * i / (args.moves + WARM_UP) for i in range(args.moves + WARM_UP)]
            timings = [page.evaluate(_MOVE, value) for value in values][WARM_UP:]
            browser.close()
    runs = [run for run, _ in timings]
    frames = [frame for _, frame in timings]
    print(f"explorer of {model.path.name}: page {size / 1024:.0f} KiB, {args.moves} slider moves")
    print(f"  run + redraw     median {statistics.median(runs):6.1f} ms   max {max(runs):6.1f} ms")
    print(f"  to painted frame median {statistics.median(frames):6.1f} ms   "
          f"max {max(frames):6.1f} ms   (target: 100 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
