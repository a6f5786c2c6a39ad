"""SHACL validation of the built graph with pySHACL, reported readably."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyshacl import validate
from rdflib import Graph
from rdflib.namespace import RDF, SH

from ontology import SHAPES_FILE, path as ontology_path

from kg.graph.namespaces import PREFIXES


@dataclass
class Violation:
    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        val = f" (value: {self.value[:200]})" if self.value else ""
        return f"{self.severity}: {self.focus}{where}: {self.message}{val}"


@dataclass
class ValidationReport:
    conforms: bool
    triples: int
    violations: list[Violation] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"conforms": self.conforms, "triples": self.triples,
                "violations": [v.__dict__ for v in self.violations]}


def _short(g: Graph, term) -> str | None:
    if term is None:
        return None
    try:
        return g.namespace_manager.normalizeUri(term) if not isinstance(term, str) or term.startswith("http") else str(term)
    except Exception:
        return str(term)


def validate_graph(data: Graph) -> ValidationReport:
    """Validate ``data`` against the shipped shapes; violations sorted by focus node."""
    shapes = Graph().parse(ontology_path(SHAPES_FILE), format="turtle")
    conforms, results, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    for p, ns in PREFIXES.items():
        results.bind(p, ns, override=True)
    out = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        sev = results.value(r, SH.resultSeverity)
        out.append(Violation(
            severity=str(sev).rsplit("#", 1)[-1] if sev else "Violation",
            focus=_short(results, results.value(r, SH.focusNode)),
            path=_short(results, results.value(r, SH.resultPath)),
            value=str(results.value(r, SH.value)) if results.value(r, SH.value) is not None else None,
            message=str(results.value(r, SH.resultMessage) or "constraint not met"),
        ))
    out.sort(key=lambda v: (v.focus or "", v.path or ""))
    return ValidationReport(conforms=bool(conforms), triples=len(data), violations=out)
