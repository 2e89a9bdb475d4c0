"""Cases 1 and 2 of issue 10: a results file or a model file must never run code."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sdcluster.model.loaded import load_model
from sdcluster.report.model_info import describe_model
from tests.safety.safety_support import XMILE, get_metadata, invoke, model_copy, set_metadata

INJECTED_DOC = '"""; __import__("pathlib").Path(r"{marker}").write_text("ran"); """'


def _results_naming_model_file(folder: Path, model: Path, file_name: str, source: str) -> Path:
    """A results file of a real run whose report entry names ``file_name`` as the model."""
    results = folder / "attack.nc"
    code, _, stderr = invoke("run", model, "--out", results)
    assert code == 0, stderr
    metadata = get_metadata(results)
    metadata["report"] = {"run_id": "x", "parts": {},
                          "model": {"file_name": file_name, "source": source, "variables": []}}
    set_metadata(results, metadata)
    return results


def test_report_from_cannot_write_the_translation_cache(decay: Path, tmp_path: Path) -> None:
    # Case 1: the metadata names the cache's translated module; the next run would import it.
    translated = load_model(decay).translated_path
    before = translated.read_bytes()
    marker = tmp_path / "marker"
    payload = f"open({str(marker)!r}, 'w').write('ran')\n"
    results = _results_naming_model_file(tmp_path, decay, str(translated), payload)
    code, _, stderr = invoke("report", "--from", results, "--out-dir", tmp_path / "rep",
                             "--format", "html", "--quiet")
    assert code == 0, stderr
    assert translated.read_bytes() == before
    code, _, stderr = invoke("run", decay, "--out", tmp_path / "again.nc")
    assert code == 0, stderr
    assert not marker.exists()


def test_report_from_cannot_write_outside_its_temporary_folder(decay: Path,
                                                               tmp_path: Path) -> None:
    # Case 1, relative form: '../..' from the report's temporary folder into the user's files.
    victim = tmp_path / "victim.py"
    relative = os.path.relpath(victim, Path(tempfile.gettempdir()) / "sdcluster-report-abcdefgh")
    results = _results_naming_model_file(tmp_path, decay, relative, "injected text\n")
    code, _, stderr = invoke("report", "--from", results, "--out-dir", tmp_path / "rep",
                             "--format", "html", "--quiet")
    assert code == 0, stderr
    assert not victim.exists()


def _vensim_with_doc(folder: Path, doc: str) -> Path:
    model = model_copy(folder)
    text = model.read_text().replace("Outflow of the stock.", doc)
    model.write_text(text)
    return model


def test_vensim_documentation_does_not_run(tmp_path: Path) -> None:
    # Case 2: the documentation closes PySD's docstring; run calls the flow.
    marker = tmp_path / "marker"
    doc = INJECTED_DOC.format(marker=marker)
    model = _vensim_with_doc(tmp_path, doc)
    code, out, stderr = invoke("describe", model, "--all")
    assert code == 0, stderr
    code, _, stderr = invoke("run", model, "--out", tmp_path / "r.nc")
    assert code == 0, stderr
    assert not marker.exists()
    # The documentation still reads as the file states it (describe and the report's table).
    assert load_model(model).variable("outflow").documentation == doc
    described = {v["name"]: v["documentation"] for v in describe_model(load_model(model))
                 ["variables"]}
    assert described["outflow"] == doc
    assert '"""; __import__' in out


def test_xmile_documentation_does_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    doc = INJECTED_DOC.format(marker=marker)
    text = XMILE.read_text()
    # The first <doc> of the file, replaced by the attack (XML-escaped as a file would hold it).
    start, end = text.index("<doc>") + len("<doc>"), text.index("</doc>")
    escaped = doc.replace("&", "&amp;").replace('"', "&quot;")
    model = tmp_path / "attack.xmile"
    model.write_text(text[:start] + escaped + text[end:])
    code, _, stderr = invoke("describe", model, "--all")
    assert code == 0, stderr
    code, _, stderr = invoke("run", model, "--out", tmp_path / "r.nc")
    assert code == 0, stderr
    assert not marker.exists()
    assert doc in {v.documentation for v in load_model(model).variables.values()}
