"""A report that fits its model: the innovation cluster's parts left out of another model's report.

The parts of a report that read the cluster's variables (phases, entropy,
the openness sweep, the ensembles, the policy comparison) say so in their
"not available" reason (:data:`CLUSTER_MARK`). On another model those would
be yellow boxes and empty sections; :func:`fit_to_model` removes them and
says once, at the top of the summary, what was left out and why.
"""

from __future__ import annotations

import dataclasses

from sdcluster.report.content import Block, BulletList, Note, Paragraph, Section

#: Every cluster-only reason names this (see the part makers and the result sections).
CLUSTER_MARK = "innovation-cluster model"
#: The summary sentence that only means something for the cluster.
_CLUSTER_DEFINITION = " A run self-organizes when it reaches phase III"


def _is_cluster_only(block: Block) -> bool:
    return isinstance(block, Note) and block.kind == "unavailable" and CLUSTER_MARK in block.text


def _pruned(section: Section, dropped: list[str]) -> Section | None:
    """Return ``section`` without cluster-only notes; None if nothing else is left."""
    blocks = tuple(b for b in section.blocks if not _is_cluster_only(b))
    subsections = tuple(s for s in (_pruned(sub, dropped) for sub in section.subsections)
                        if s is not None)
    if len(blocks) < len(section.blocks) and not blocks and not subsections:
        dropped.append(section.title)
        return None
    return dataclasses.replace(section, blocks=blocks, subsections=subsections)


def _summary(section: Section, dropped: list[str], model: str) -> Section:
    blocks: list[Block] = [Note(text=(
        f"Left out: {', '.join(dropped)}. These parts read the innovation-cluster model's "
        f"variables (Innovative Firms, dS total, a white noise input), which {model} does not "
        "have."))]
    for block in section.blocks:
        if isinstance(block, BulletList):
            block = BulletList(items=tuple(i for i in block.items if CLUSTER_MARK not in i))
        elif isinstance(block, Paragraph) and _CLUSTER_DEFINITION in block.text:
            block = Paragraph(text=block.text[: block.text.index(_CLUSTER_DEFINITION)])
        blocks.append(block)
    return dataclasses.replace(section, blocks=tuple(blocks))


def fit_to_model(sections: tuple[Section, ...], model: str) -> tuple[Section, ...]:
    """Return the sections without the cluster's parts a model lacks (see the module docstring).

    Parameters
    ----------
    sections : tuple of Section
        The report's sections, the summary among them (key ``"summary"``).
    model : str
        The model file's name, for the sentence that says what was left out.

    """
    dropped: list[str] = []
    kept = [s for s in (_pruned(section, dropped) for section in sections) if s is not None]
    if not dropped:
        return tuple(kept)
    return tuple(_summary(s, dropped, model) if s.key == "summary" else s for s in kept)
