"""The behaviour the model specification requires, as the model's tests last measured it.

The nine behaviours of ``docs/model-spec.md`` (and the robustness of the phases)
are tests (``tests/builtin_model/test_behaviour.py``); run with ``--record-behaviour
models/behaviour.json`` they write each test's outcome and the figure it
measured. The report lists that committed record for the built-in model, and
says when it was made from another version of the model file (its digest).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sdcluster.model.paths import models_dir
from sdcluster.report.content import Block, Note, Paragraph, Section, Table
from sdcluster.report.real_clusters import builtin_model_digest

KEY, TITLE = "behaviour", "Behaviour the specification requires"
_ITEM = re.compile(r"^test_(\d)_(.*)$")


def behaviour_record_path() -> Path:
    """Return where the committed record of the behaviour tests lives."""
    return models_dir() / "behaviour.json"


def _claim(test: str) -> tuple[str, str]:
    """Return (spec item, claim in words) from a test's name."""
    name, _, parameter = test.partition("[")
    found = _ITEM.match(name)
    item, words = (found.group(1), found.group(2)) if found else ("phases", name[5:])
    claim = words.replace("_", " ")
    claim = claim[0].upper() + claim[1:]
    return item, f"{claim} ({parameter.rstrip(']')})" if parameter else claim


def behaviour_section(model_is_builtin: bool, path: Path | None = None) -> Section | None:
    """Return the section for the built-in model; None for another model or without a record."""
    record_path = behaviour_record_path() if path is None else path
    if not model_is_builtin or not record_path.is_file():
        return None
    record: dict[str, Any] = json.loads(record_path.read_text(encoding="utf-8"))
    tests = record.get("tests", [])
    met = sum(1 for t in tests if t.get("result") == "met")
    blocks: list[Block] = [Paragraph(text=(
        f"The behaviours docs/model-spec.md requires of the model, each a test on its output "
        f"with the spec's number; {met} of {len(tests)} are met. Recorded on "
        f"{str(record.get('created', ''))[:10]} by the command {record.get('command', '')}; "
        "'not met' is a claim the model does not show yet (the test expects the spec's "
        "figure and says what it measured), not a relaxed threshold. The claim that balancing "
        "loops dominate the mature cluster is tested on loop scores in tests/loops and is not "
        "met either (see Loop dominance)."))]
    if record.get("model_sha256") != builtin_model_digest():
        blocks.append(Note(text=("This record was made from another version of the model file "
                                 "(its digest differs): rerun the command above.")))
    rows = tuple((*_claim(str(t.get("test", ""))), str(t.get("measured", "")),
                  str(t.get("result", ""))) for t in tests)
    blocks.append(Table(caption="Behaviour tests of the model and what they measured",
                        columns=("spec item", "claim", "measured", "result"), rows=rows,
                        tones=tuple("pass" if t.get("result") == "met" else "fail"
                                    for t in tests)))
    return Section(key=KEY, title=TITLE, blocks=tuple(blocks))
