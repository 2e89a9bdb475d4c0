"""Fixtures for the report tests: one quick report of the built-in model and one of a small model.

Both reports are made once per session (``--quick`` sizes, few scenarios) and
shared by the tests that read them.
"""

from __future__ import annotations

import pytest

from sdcluster.report import ReportOptions, ReportOutcome, make_report
from tests.report.report_support import ESCAPE_MODEL

#: Scenarios of the quick report of the built-in model.
CLUSTER_SCENARIOS = ("baseline", "closed_cluster", "open_innovation")


@pytest.fixture(scope="session")
def cluster_report(tmp_path_factory: pytest.TempPathFactory) -> ReportOutcome:
    folder = tmp_path_factory.mktemp("cluster-report")
    return make_report(ReportOptions(quick=True, scenarios=CLUSTER_SCENARIOS, out_dir=folder,
                                     seed=11), progress=False)


@pytest.fixture(scope="session")
def rebuilt_report(cluster_report: ReportOutcome,
                   tmp_path_factory: pytest.TempPathFactory) -> ReportOutcome:
    folder = tmp_path_factory.mktemp("rebuilt-report")
    return make_report(ReportOptions(from_results=cluster_report.results_path, out_dir=folder),
                       progress=False)


@pytest.fixture(scope="session")
def generic_report(tmp_path_factory: pytest.TempPathFactory) -> ReportOutcome:
    folder = tmp_path_factory.mktemp("generic-report")
    return make_report(ReportOptions(model=ESCAPE_MODEL, quick=True, out_dir=folder, seed=3),
                       progress=False)
