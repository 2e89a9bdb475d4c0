"""Fixtures shared by every test folder: a private translation cache and the test models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sdcluster.model.loaded import LoadedModel, load_model
from tests import DATA


@pytest.fixture(scope="session")
def cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One translation cache for the session, never the user's ~/.cache."""
    return tmp_path_factory.mktemp("sdcluster-cache")


@pytest.fixture(autouse=True)
def _private_cache(cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SDCLUSTER_CACHE", str(cache_root))
    yield


@pytest.fixture(scope="session")
def noise_model() -> Path:
    """A one-stock model with a lookup, pink noise from the white-noise input, two levers."""
    return DATA / "ensemble_noise.mdl"


@pytest.fixture(scope="session")
def noise2_model() -> Path:
    """Two pink-noise stocks, each from its own white-noise input, driving entry and exit."""
    return DATA / "ensemble_noise2.mdl"


@pytest.fixture(scope="session")
def fallback_model() -> Path:
    """The same model with a SAMPLE IF TRUE of a stock, which only PySD runs."""
    return DATA / "ensemble_fallback.mdl"


@pytest.fixture(scope="session")
def linear_model() -> Path:
    """response = x1 + 2 x2 + 3 x3 with x_i in [0, 1]: known Sobol' indices."""
    return DATA / "ensemble_linear.mdl"


# ------------------------------------------------------------ behaviour record
#: Where the spec's behaviour tests live; their measured figures can be recorded.
BEHAVIOUR_TESTS = "tests/builtin_model/test_behaviour.py"


@pytest.fixture(scope="session")
def town(cache_root: Path) -> LoadedModel:
    """A one-stock test model with two policy levers and a white-noise input."""
    return load_model(DATA / "core_town.mdl", cache_dir=cache_root)


@pytest.fixture(scope="session")
def kinds(cache_root: Path) -> LoadedModel:
    """A test model with every kind of variable and no 'Policy lever' docs."""
    return load_model(DATA / "core_kinds.mdl", cache_dir=cache_root)


@pytest.fixture(scope="session")
def cluster(cache_root: Path) -> LoadedModel:
    """The built-in innovation-cluster model."""
    return load_model(cache_dir=cache_root)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-behaviour", metavar="PATH", default=None,
        help="write the figures the model's behaviour tests measured, with each test's "
             "outcome, to PATH (JSON; models/behaviour.json is the committed record the "
             "report lists)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if not item.nodeid.startswith(BEHAVIOUR_TESTS) or report.when not in ("setup", "call"):
        return
    if report.when == "setup" and report.passed:
        return
    if report.passed:
        result = "met"
    elif hasattr(report, "wasxfail"):
        result = "not met"
    elif report.skipped:
        result = "not run"
    else:
        result = "failed"
    measured = [str(v) for k, v in item.user_properties if k == "measured"]
    item.config.stash.setdefault(_RECORDS, []).append({
        "test": item.name, "result": result, "measured": "; ".join(measured),
        "reason": str(getattr(report, "wasxfail", "")),
    })


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = session.config.getoption("--record-behaviour")
    records = session.config.stash.get(_RECORDS, [])
    if not target or not records:
        return
    import hashlib
    import json
    import os
    import tempfile
    from datetime import UTC, datetime

    from sdcluster.model.paths import builtin_model_path

    model = builtin_model_path()
    document = {
        "model": model.name,
        "model_sha256": hashlib.sha256(model.read_bytes()).hexdigest(),
        "command": f"pytest {BEHAVIOUR_TESTS} --record-behaviour {target}",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "tests": records,
    }
    path = Path(target)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(document, stream, indent=1, ensure_ascii=False)
        stream.write("\n")
    os.replace(temporary, path)


_RECORDS = pytest.StashKey[list[dict[str, str]]]()
