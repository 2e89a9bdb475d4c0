"""The report's record of the model's behaviour tests (models/behaviour.json)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sdcluster.model.paths import builtin_model_path
from sdcluster.report.behaviour_section import behaviour_record_path, behaviour_section
from sdcluster.report.content import Note, Table


def test_the_behaviour_record_is_listed_and_of_the_model_as_it_is(tmp_path: Path) -> None:
    # If the digest check fails, the model changed since models/behaviour.json was written:
    # rerun `pytest tests/builtin_model/test_behaviour.py --record-behaviour models/behaviour.json`.
    record = json.loads(behaviour_record_path().read_text(encoding="utf-8"))
    builtin = hashlib.sha256(builtin_model_path().read_bytes()).hexdigest()
    assert record["model_sha256"] == builtin
    section = behaviour_section(True)
    assert section is not None and not any(isinstance(b, Note) for b in section.blocks)
    table = next(b for b in section.blocks if isinstance(b, Table))
    assert len(table.rows) == len(record["tests"])
    assert [row[3] for row in table.rows] == [t["result"] for t in record["tests"]]
    amplified = [t["test"] for t in record["tests"]].index("test_4_noise_is_amplified_in_take_off")
    assert table.rows[amplified][:2] == ("4", "Noise is amplified in take off")
    assert behaviour_section(False) is None
    stale = tmp_path / "behaviour.json"
    stale.write_text(json.dumps({**record, "model_sha256": "0" * 64}), encoding="utf-8")
    notes = [b for b in behaviour_section(True, stale).blocks if isinstance(b, Note)]
    assert len(notes) == 1 and "another version of the model file" in notes[0].text
