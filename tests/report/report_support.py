"""Helpers of the report tests: a headless browser and PDF text."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

DATA = Path(__file__).resolve().parent / "data"
#: A small logistic model whose documentation holds ``<``, ``&`` and a script tag.
ESCAPE_MODEL = DATA / "escape_town.mdl"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass
class BrowserLog:
    """What the page reported while it was open."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@contextlib.contextmanager
def open_in_browser(path: Path) -> Iterator[tuple[Any, BrowserLog]]:
    """Open a file in headless Debian chromium; skip when it or playwright is missing."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install playwright)")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (Debian's chromium; .ci/run installs it)")
    log = BrowserLog()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: log.console_errors.append(m.text)
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: log.page_errors.append(str(e)))
            page.on("dialog", lambda d: (log.dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: log.requests.append(r.url))
            page.goto(path.resolve().as_uri())
            page.wait_for_load_state("load")
            yield page, log
        finally:
            browser.close()


def pixel_spread(png: bytes) -> float:
    """Return the standard deviation of a screenshot's grey levels (0 for a blank page)."""
    from PIL import Image

    grey = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    return float(grey.std())


def pdf_text(path: Path) -> str:
    """Return the text of every page of a PDF, whitespace collapsed."""
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(str(path))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def squash(text: str) -> str:
    """Collapse whitespace."""
    return re.sub(r"\s+", " ", text).strip()
