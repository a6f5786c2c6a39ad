"""What has been ingested: one entry per document (source, hash, fingerprint),
kept in ``state.json`` under the knowledge-base home, and the records themselves."""

from __future__ import annotations

import hashlib
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

from ingest import lang
from ingest.glossary import GLOSSARY_CSV
from ingest.pipeline import RULE_SETS as INGEST_RULE_SETS
from ingest.records import DocumentRecord
from kg.graph import RULE_SETS as GRAPH_RULE_SETS
from kg.graph.store import StoreLockedError
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


class IngestRunning(StoreLockedError):
    """Another process is ingesting into (or repairing) the same knowledge base."""


class State:
    """The ingest ledger and record files under ``home``.

    ``state.json`` is the commit point of every document. Writing one follows a
    fixed order (``kg.build.Builder``): ``begin`` marks it *pending* in the ledger
    (saved), then its record, vectors and graph are written, then ``commit``
    enters it in ``docs`` and clears the mark (saved). A crash leaves at most the
    pending documents half-written, and ``kg.build.Builder.recover`` removes
    every part of those. ``derived`` is the ``derived_key`` of the documents the
    corpus-wide graphs and the combined search index were last built from; a
    different key means they are stale (a run stopped before rebuilding them).
    """

    LOCK_NAME = "write.lock"

    def __init__(self, home: Path):
        self.home = Path(home)
        self.path = self.home / "state.json"
        self.load()

    def load(self) -> None:
        """(Re-)read the ledger from ``state.json``."""
        self.docs: dict[str, dict] = {}
        self.vocabularies: dict[str, str] = {}  # shipped Turtle file -> hash loaded into the store
        self.pending: dict[str, dict] = {}  # doc id -> {"op": "put"|"drop"}: parts may be half-written
        self.derived: str | None = None
        self.legacy = True  # written before documents were committed one by one (no "derived" key)
        if self.path.is_file():
            saved = json.loads(self.path.read_text())
            self.docs = saved.get("documents", {})
            self.vocabularies = saved.get("vocabularies", {})
            self.pending = saved.get("pending", {})
            self.derived = saved.get("derived")
            self.legacy = "derived" not in saved

    # -- records -----------------------------------------------------------
    def _record_path(self, doc_id: str) -> Path:
        return self.home / "records" / f"{doc_id}.json"

    def record(self, doc_id: str) -> DocumentRecord:
        return DocumentRecord.from_dict(json.loads(self._record_path(doc_id).read_text(encoding="utf-8")))

    def records(self) -> dict[str, DocumentRecord]:
        """The committed documents' records (a document being written by a running ingest is left out)."""
        out = {}
        for d in sorted(self.docs):
            if d in self.pending:
                continue
            try:
                out[d] = self.record(d)
            except FileNotFoundError:  # removed by a running ingest after this ledger was read
                continue
        return out

    def has_record(self, doc_id: str) -> bool:
        return self._record_path(doc_id).is_file()

    def record_ids(self) -> set[str]:
        """Ids of the record files on disk (committed or not)."""
        folder = self.home / "records"
        return {p.name[: -len(".json")] for p in folder.glob("*.json")} if folder.is_dir() else set()

    def write_record(self, rec: DocumentRecord) -> None:
        """Write a record file whole (a crash leaves the old file or the new one, never a part)."""
        p = self._record_path(rec.doc_id)
        p.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(p, json.dumps(rec.to_dict(), ensure_ascii=False).encode("utf-8"))

    def unlink_record(self, doc_id: str) -> None:
        self._record_path(doc_id).unlink(missing_ok=True)

    def clean_temporary(self) -> None:
        """Remove files a crash left half-written beside the records."""
        folder = self.home / "records"
        for p in folder.glob("*.tmp") if folder.is_dir() else ():
            p.unlink(missing_ok=True)

    # -- the ledger ----------------------------------------------------------
    @staticmethod
    def entry(rec: DocumentRecord, fp: str) -> dict:
        return {"source": rec.source, "sha256": rec.sha256, "fingerprint": fp, "sentences": len(rec.sentences)}

    def begin(self, doc_id: str, op: str = "put") -> None:
        """Mark a document pending before any of its parts is written, and save the mark."""
        self.pending[doc_id] = {"op": op}
        self.save()

    def commit(self, changes: dict[str, dict | None]) -> None:
        """Enter documents in the ledger (entry) or take them out (None), clear their marks, and save."""
        for doc_id, entry in changes.items():
            if entry is None:
                self.docs.pop(doc_id, None)
            else:
                self.docs[doc_id] = entry
            self.pending.pop(doc_id, None)
        self.save()

    def derived_key(self) -> str:
        """What the corpus-wide graphs and the combined index are built from: each document's
        fingerprint and the shipped vocabularies."""
        blob = json.dumps([{d: e["fingerprint"] for d, e in self.docs.items()}, self.vocabularies], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def needs_recovery(self) -> bool:
        """Whether an ingest stopped half-way (pending documents, or stale corpus-wide parts)."""
        return bool(self.pending) or (not self.legacy and self.derived != self.derived_key())

    def save(self, extra: dict | None = None) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.legacy = False
        body = {"pipeline": PIPELINE_VERSION, **(extra or {}), "vocabularies": self.vocabularies,
                "derived": self.derived, "pending": self.pending, "documents": self.docs}
        _write_atomic(self.path, json.dumps(body, indent=2, ensure_ascii=False).encode("utf-8"), sync=True)

    @contextmanager
    def write_lock(self, wait: float = 0.0):
        """Hold the knowledge base's write lock (one ingest or repair at a time, across processes).

        Raises ``IngestRunning`` when another process still holds it after ``wait`` seconds.
        """
        try:
            import fcntl
        except ImportError:  # no advisory locks here: the store's own lock is the only guard
            yield
            return
        self.home.mkdir(parents=True, exist_ok=True)
        fh = open(self.home / self.LOCK_NAME, "a+")
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if time.monotonic() >= deadline:
                        raise IngestRunning(f"another policykg process is ingesting into {self.home} "
                                            "(wait for it to finish, or stop it first)") from exc
                    time.sleep(0.1)
            yield
        finally:
            fh.close()  # closing releases the lock


def _write_atomic(path: Path, data: bytes, sync: bool = False) -> None:
    """Replace ``path`` with ``data`` through a temporary file, so readers and crashes see old or new."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        if sync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)
