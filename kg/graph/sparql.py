"""SPARQL results independent of the triple store, and their serialisations.

Results are converted to rdflib terms so that every backend prints the same
table, CSV, SPARQL JSON and SPARQL XML (the latter three through rdflib's own
result serialisers).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.query import Result

FORMATS = ("table", "csv", "json", "xml", "tsv")
MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
}


# --- SPARQL 1.1 Protocol: which result format a request gets --------------------

_ACCEPT = [  # media type -> our format name, in order of preference for */*
    ("application/sparql-results+json", "json"), ("application/json", "json"),
    ("application/sparql-results+xml", "xml"), ("application/xml", "xml"), ("text/xml", "xml"),
    ("text/csv", "csv"), ("text/tab-separated-values", "tsv"),
    ("text/turtle", "turtle"), ("application/n-triples", "ntriples"), ("text/plain", "ntriples"),
]
_FORMAT_PARAM = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "ttl": "turtle",
                 "ntriples": "ntriples", "nt": "ntriples"}


def allowed_formats(kind: str) -> tuple[str, ...]:
    """The result formats a query form can be serialised to, preferred first."""
    if kind == "CONSTRUCT":
        return ("turtle", "ntriples")
    if kind == "ASK":
        return ("json", "xml")
    return ("json", "xml", "csv", "tsv")


def negotiate(accept: str | None, fmt_param: str | None, kind: str) -> str | None:
    """Pick a result format from the ``format`` parameter or the Accept header.

    None when nothing acceptable fits the query form (the caller answers 406).
    A ``format`` that does not fit the query form is ignored, as clients such
    as SPARQLWrapper send one whatever the query.
    """
    allowed = allowed_formats(kind)
    if fmt_param:
        fmt = _FORMAT_PARAM.get(fmt_param.lower()) or dict(_ACCEPT).get(fmt_param.lower())
        if fmt in allowed:
            return fmt
    ranges = []
    for i, part in enumerate((accept or "*/*").split(",")):
        media, *params = [x.strip() for x in part.split(";")]
        q = next((float(p[2:]) for p in params if p.startswith("q=") and _is_float(p[2:])), 1.0)
        if q > 0:
            ranges.append((-q, i, media.lower()))
    for _, _, media in sorted(ranges):
        if media == "*/*":
            return allowed[0]
        for m, fmt in _ACCEPT:
            if fmt in allowed and (media == m or (media.endswith("/*") and m.startswith(media[:-1]))):
                return fmt
    return None


def _is_float(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


class SparqlError(ValueError):
    """A query the store cannot run: a syntax error (with the parser's message) or an update."""


_UPDATE = re.compile(
    r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*"
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)


def reject_update(query: str) -> None:
    """Raise SparqlError if ``query`` is a SPARQL Update request: the graph is read-only."""
    stripped = re.sub(r"#[^\n]*", "", query)
    if _UPDATE.match(stripped):
        raise SparqlError(
            "SPARQL Update is not allowed: the graph is read-only and is rebuilt from the "
            "documents by `policykg ingest`"
        )


def _json_term(cell: dict | None):
    """An rdflib term from one SPARQL JSON results binding."""
    if cell is None:
        return None
    kind, value = cell.get("type"), cell.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    return Literal(value, lang=cell.get("xml:lang"), datatype=cell.get("datatype"))


def parse_reply(body: bytes, media: str, truncated: bool = False) -> "QueryResult":
    """Read an endpoint reply back into a ``QueryResult``: SPARQL JSON results (SELECT, ASK) or
    N-Triples / Turtle (CONSTRUCT), as the worker pool answers them."""
    if media == MEDIA_TYPES["json"]:
        data = json.loads(body)
        if "boolean" in data:
            return QueryResult("ASK", boolean=bool(data["boolean"]))
        names = list(data.get("head", {}).get("vars", []))
        rows = [tuple(_json_term(b.get(v)) for v in names) for b in data.get("results", {}).get("bindings", [])]
        return QueryResult("SELECT", vars=names, rows=rows, truncated=truncated)
    graph = Graph()
    graph.parse(data=body.decode("utf-8"), format="nt" if media == MEDIA_TYPES["ntriples"] else "turtle")
    return QueryResult("CONSTRUCT", graph=graph, truncated=truncated)


@dataclass
class QueryResult:
    """The outcome of a query: rows for SELECT, a boolean for ASK, a graph for CONSTRUCT/DESCRIBE."""

    kind: str  # "SELECT" | "ASK" | "CONSTRUCT"
    vars: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)  # rdflib terms or None
    boolean: bool | None = None
    graph: Graph | None = None
    truncated: bool = False  # more rows (or triples) than the row cap; only the first ones are here

    def records(self) -> list[dict[str, str | None]]:
        """Rows as dicts of plain strings (the terms' lexical values)."""
        return [{v: (None if t is None else str(t)) for v, t in zip(self.vars, row)} for row in self.rows]

    def to_rdflib(self) -> Result:
        res = Result(self.kind)
        if self.kind == "SELECT":
            res.vars = [Variable(v) for v in self.vars]
            res.bindings = [
                {Variable(v): t for v, t in zip(self.vars, row) if t is not None} for row in self.rows
            ]
        elif self.kind == "ASK":
            res.askAnswer = bool(self.boolean)
        else:
            res.graph = self.graph
        return res

    def serialize(self, fmt: str) -> str:
        """Serialise as ``table``, ``csv``, ``tsv``, ``json`` (SPARQL JSON) or ``xml`` (SPARQL XML).

        CONSTRUCT results come out as Turtle for table/json/xml and N-Triples for csv.
        """
        if self.kind == "CONSTRUCT":
            out = self.graph.serialize(format="nt" if fmt in ("csv", "tsv", "ntriples") else "turtle")
            if self.truncated:  # a comment line is valid Turtle and N-Triples
                out = f"# policykg: truncated to the first {len(self.graph)} triples (the row cap)\n" + out
            return out
        if fmt == "table":
            return self._table()
        if fmt in ("csv", "tsv") and self.kind == "ASK":
            return "true\n" if self.boolean else "false\n"
        if fmt == "csv":
            return self._csv()
        if fmt == "tsv":
            return self._tsv()
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
        out = self.to_rdflib().serialize(format=fmt)
        out = out.decode("utf-8") if isinstance(out, bytes) else out
        if self.truncated:
            out = self._mark_truncated(out, fmt)
        return out

    def _mark_truncated(self, out: str, fmt: str) -> str:
        """Say in the document itself that rows were left out, where its format has room for it.

        SPARQL JSON gets a top-level ``"policykg": {"truncated": true, "rows": N}``
        (clients ignore members they do not know); SPARQL XML a comment after
        the declaration. CSV and TSV have no room: the HTTP header says it.
        """
        if fmt == "json":
            body = out.rstrip()
            if body.endswith("}"):
                extra = json.dumps({"truncated": True, "rows": len(self.rows)})
                return body[:-1].rstrip() + f', "policykg": {extra}}}'
        elif fmt == "xml":
            note = f"<!-- policykg: truncated to the first {len(self.rows)} rows (the row cap) -->"
            if out.startswith("<?xml"):
                end = out.index("?>") + 2
                return out[:end] + "\n" + note + out[end:]
            return note + "\n" + out
        return out

    def _csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(self.vars)
        for row in self.rows:
            w.writerow(["" if t is None else str(t) for t in row])
        return buf.getvalue()

    def _tsv(self) -> str:
        """SPARQL 1.1 TSV: variables with '?', terms in N-Triples syntax, blank when unbound."""
        lines = ["\t".join(f"?{v}" for v in self.vars)]
        for row in self.rows:
            lines.append("\t".join("" if t is None else _nt(t) for t in row))
        return "\n".join(lines) + "\n"

    def _table(self) -> str:
        if self.kind == "ASK":
            return "true" if self.boolean else "false"
        cells = [[_short(t) for t in row] for row in self.rows]
        widths = [max([len(v)] + [len(r[i]) for r in cells]) for i, v in enumerate(self.vars)]
        widths = [min(w, 80) for w in widths]
        line = lambda vals: "  ".join(str(v)[:w].ljust(w) for v, w in zip(vals, widths)).rstrip()
        out = [line(self.vars), line("-" * w for w in widths)] + [line(r) for r in cells]
        out.append(f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''})")
        return "\n".join(out)

    def to_json(self) -> str:
        """SPARQL 1.1 Query Results JSON."""
        return self.serialize("json")


def _nt(term) -> str:
    """A term in N-Triples syntax on one line (as SPARQL TSV wants it)."""
    if not isinstance(term, Literal):
        return term.n3()
    esc = str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    if term.language:
        return f'"{esc}"@{term.language}'
    return f'"{esc}"^^<{term.datatype}>' if term.datatype else f'"{esc}"'


def _short(term) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal):
        return str(term).replace("\n", " ")
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


__all__ = ["QueryResult", "SparqlError", "reject_update", "FORMATS", "MEDIA_TYPES", "negotiate", "allowed_formats"]
