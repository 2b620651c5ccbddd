"""Which structural artefacts a structure query returns, following SDMX REST v1.5 references.

The artefacts form a small graph: content constraints -> dataflows -> the data structure ->
code lists and the concept scheme. `resolve` picks the artefacts the query names, adds the
referenced ones the ``references`` parameter asks for, and says which are stubs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sela_indices.sdmx.model import AGENCY, CONCEPT_SCHEME_ID, DSD_ID, VERSION, Catalogue
from sela_indices.sdmx.query import NO_RESULTS, SdmxError, StructureQuery

Artefact = tuple[str, str]
"""(resource type as in REST paths, artefact id)."""


def constraint_id(flow_id: str) -> str:
    return f"CC_{flow_id}"


@dataclass(frozen=True)
class Resolved:
    """Artefacts to write, each with True when it is written in full, False for a stub."""

    artefacts: dict[Artefact, bool]


def artefact_graph(catalogue: Catalogue) -> dict[Artefact, tuple[Artefact, ...]]:
    """Every artefact with the artefacts it references (its children)."""
    dsd: Artefact = ("datastructure", DSD_ID)
    graph: dict[Artefact, tuple[Artefact, ...]] = {}
    for flow in catalogue.flows():
        graph[("dataflow", flow.id)] = (dsd,)
        if flow.group is not None:
            graph[("contentconstraint", constraint_id(flow.id))] = (("dataflow", flow.id),)
    codelists = tuple(("codelist", cl) for cl in catalogue.codelists())
    graph[dsd] = (*codelists, ("conceptscheme", CONCEPT_SCHEME_ID))
    for artefact in graph[dsd]:
        graph[artefact] = ()
    return graph


def _descendants(
    graph: dict[Artefact, tuple[Artefact, ...]], roots: set[Artefact]
) -> set[Artefact]:
    found: set[Artefact] = set()
    todo = [child for root in roots for child in graph[root]]
    while todo:
        artefact = todo.pop()
        if artefact not in found:
            found.add(artefact)
            todo.extend(graph[artefact])
    return found


def resolve(catalogue: Catalogue, query: StructureQuery) -> Resolved:
    graph = artefact_graph(catalogue)
    matched = {
        artefact
        for artefact in graph
        if (query.resource in ("structure", artefact[0]))
        and query.matches(AGENCY, artefact[1], VERSION)
    }
    if not matched:
        raise SdmxError(NO_RESULTS, "No structures match the query")

    parents = {a for a, children in graph.items() if any(c in matched for c in children)}
    children = {c for a in matched for c in graph[a]}
    siblings = {c for p in parents for c in graph[p]}
    descendants = _descendants(graph, matched)
    references = query.references
    referenced: set[Artefact]
    if references == "none":
        referenced = set()
    elif references == "parents":
        referenced = parents
    elif references == "parentsandsiblings":
        referenced = parents | siblings
    elif references == "children":
        referenced = children
    elif references == "descendants":
        referenced = descendants
    elif references == "all":
        referenced = parents | siblings | descendants
    else:
        referenced = {a for a in parents | siblings | descendants if a[0] == references}
    referenced -= matched

    stub_matched = query.detail in ("allstubs", "allcompletestubs")
    stub_referenced = query.detail != "full" and query.detail != "referencepartial"
    artefacts = dict.fromkeys(matched, not stub_matched)
    artefacts.update(dict.fromkeys(referenced, not stub_referenced))
    return Resolved(artefacts)
