"""What has been ingested: one entry per document (source, hash, fingerprint),
kept in ``state.json`` under the knowledge-base home, and the records themselves."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ingest import lang
from ingest.glossary import GLOSSARY_CSV
from ingest.pipeline import RULE_SETS as INGEST_RULE_SETS
from ingest.records import DocumentRecord
from kg.graph import RULE_SETS as GRAPH_RULE_SETS
from ontology import path as ontology_path

_ROOT = Path(__file__).resolve().parent.parent


# A pack's modules that shape no record: reading questions, comparisons, phrasing answers (the pack class).
NOT_RULES = ("question.py", "comparing.py", "__init__.py")


def rule_set_families() -> dict[str, tuple[dict[str, str], list[Path]]]:
    """The rule sets by the code that implements them: family -> (versions, source files).
    ``tests/test_rulesets.py`` checks that a family's code does not change unless one of its
    versions does (``scripts/lock_rulesets.py`` records both)."""
    out = {"ingest": (dict(INGEST_RULE_SETS), sorted((_ROOT / "ingest").glob("*.py"))),
           "graph": (dict(GRAPH_RULE_SETS), sorted((_ROOT / "kg" / "graph").glob("rdf_*.py"))
                     + [_ROOT / "kg" / "graph" / "indicators.py", _ROOT / "kg" / "graph" / "namespaces.py"])}
    for pack in lang.packs():
        folder = Path(__import__(type(pack).__module__, fromlist=["_"]).__file__).parent
        rules = [f for f in folder.glob("*.py") if f.name not in NOT_RULES]
        out[f"lang:{pack.code}"] = (dict(pack.rule_sets), sorted(rules))
    return out


def source_digest(files: list[Path]) -> str:
    """A hash of what code does: its syntax tree without docstrings, so comments and wording don't count."""
    import ast

    h = hashlib.sha256()
    for f in files:
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(
                    getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
        h.update(f.name.encode() + b"\0" + ast.dump(tree).encode())
    return h.hexdigest()[:16]


def rule_sets() -> dict[str, str]:
    """Every rule set that turns files into records and triples, with its version."""
    return {**{f"ingest:{k}": v for k, v in INGEST_RULE_SETS.items()}, **lang.rule_sets(),
            **{f"graph:{k}": v for k, v in GRAPH_RULE_SETS.items()}}


def _pipeline_version() -> str:
    """A hash of the rule-set versions and of the data the rules read.

    A change to either re-processes every document on the next ingest, so a
    knowledge base never mixes output of two versions of the pipeline. A rule
    set's version is bumped by hand when its rules change (see CONTRIBUTING.md);
    data files are hashed, so editing a word list is enough.
    """
    h = hashlib.sha256(json.dumps(rule_sets(), sort_keys=True).encode())
    for data in [Path(ontology_path("regions.ttl")), GLOSSARY_CSV, *lang.data_files()]:
        h.update(data.name.encode() + b"\0" + (data.read_bytes() if data.exists() else b""))
    return h.hexdigest()[:16]


PIPELINE_VERSION = _pipeline_version()


def fingerprint(sha256: str, meta: dict, segmenter_config: str) -> str:
    """Identity of one ingest result: file bytes, manifest row, pipeline code and settings."""
    blob = json.dumps([sha256, meta, segmenter_config, PIPELINE_VERSION], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


class State:
    """The ingest ledger and record files under ``home``."""

    def __init__(self, home: Path):
        self.home = Path(home)
        self.path = self.home / "state.json"
        self.docs: dict[str, dict] = {}
        self.vocabularies: dict[str, str] = {}  # shipped Turtle file -> hash loaded into the store
        if self.path.is_file():
            saved = json.loads(self.path.read_text())
            self.docs = saved.get("documents", {})
            self.vocabularies = saved.get("vocabularies", {})

    def _record_path(self, doc_id: str) -> Path:
        return self.home / "records" / f"{doc_id}.json"

    def record(self, doc_id: str) -> DocumentRecord:
        return DocumentRecord.from_dict(json.loads(self._record_path(doc_id).read_text(encoding="utf-8")))

    def records(self) -> dict[str, DocumentRecord]:
        return {d: self.record(d) for d in sorted(self.docs)}

    def put(self, rec: DocumentRecord, fp: str) -> None:
        p = self._record_path(rec.doc_id)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(rec.to_dict(), ensure_ascii=False), encoding="utf-8")
        self.docs[rec.doc_id] = {"source": rec.source, "sha256": rec.sha256, "fingerprint": fp,
                                 "sentences": len(rec.sentences)}

    def drop(self, doc_id: str) -> None:
        self.docs.pop(doc_id, None)
        self._record_path(doc_id).unlink(missing_ok=True)

    def save(self, extra: dict | None = None) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"pipeline": PIPELINE_VERSION, **(extra or {}), "vocabularies": self.vocabularies,
                                   "documents": self.docs}, indent=2, ensure_ascii=False))
        tmp.replace(self.path)
