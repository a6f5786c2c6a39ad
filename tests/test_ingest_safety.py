"""Ingest under crashes, odd file names and bad input (issue 14, defects 4, 5, 6, 9 and 10).

Crashes are real: an ingest runs in a child process that is killed with SIGKILL at a
named point (``POLICYKG_CRASH_AT``, see ``kg.build.crash_point``), then the knowledge
base is opened here and every view of it must agree.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import KnowledgeBase, Settings
from kg.docids import candidates, is_valid
from kg.graph.namespaces import ID, doc_graph, doc_iri, observation_iri, slug
from kg.graph.store import open_store
from kg.search.embedders import HashEmbedder

from conftest import CORPUS, REPO, TINY, TINY_MANIFEST

DELTA = "Delta County Schools\n\nDelta County had 4.8 hospital beds per 1,000 people in 2021. It built 40 schools.\n"
QUESTION = "How many hospital beds per 1,000 people?"

CHILD = """
import sys
from kg import KnowledgeBase, Settings
from kg.search.embedders import HashEmbedder
home, corpus, store = sys.argv[1:4]
kb = KnowledgeBase(Settings(home=home, store=store, embedder="hash"), embedder=HashEmbedder())
kb.ingest([corpus])
kb.close()
"""

# A crash injected without the hook, by patching the index rebuild (works on any version of kg/build.py).
CHILD_PATCHED = """
import os, signal, sys
import kg.search.index
def die(self, records, ledger=None):
    os.kill(os.getpid(), signal.SIGKILL)
kg.search.index.SearchIndex.rebuild = die
""" + CHILD


def _write_tiny(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, text in TINY.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "manifest.csv").write_text(TINY_MANIFEST, encoding="utf-8")
    return folder


def _open(home: Path, store: str = "oxigraph", read_only: bool = False) -> KnowledgeBase:
    return KnowledgeBase(Settings(home=home, store=store, embedder="hash"), embedder=HashEmbedder(),
                         read_only=read_only)


def _staged(tmp_path, store="oxigraph"):
    """The tiny corpus ingested, then one of its documents edited, one added and one removed."""
    corpus = _write_tiny(tmp_path / "corpus")
    kb = _open(tmp_path / "kb", store)
    assert sorted(kb.ingest([corpus]).added) == ["alpha", "beta", "gamma"]
    kb.close()
    (corpus / "gamma.txt").write_text(TINY["gamma.txt"] + "\nGamma opened 12 libraries in 2023.\n", encoding="utf-8")
    (corpus / "delta.txt").write_text(DELTA, encoding="utf-8")
    (corpus / "beta.md").unlink()
    return tmp_path / "kb", corpus


def _run_child(home, corpus, store="oxigraph", crash_at=None, script=CHILD):
    env = {k: v for k, v in os.environ.items() if k != "POLICYKG_CRASH_AT"}
    if crash_at:
        env["POLICYKG_CRASH_AT"] = crash_at
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-c", script, str(home), str(corpus), store], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def _sparql_ids(kb) -> set[str]:
    rows = kb.sparql("SELECT ?id WHERE { GRAPH ?g { ?d a pkg:Document ; dcterms:identifier ?id } }").rows
    return {str(r[0]) for r in rows}


def _assert_consistent(kb, validate=True) -> set[str]:
    """Ledger, status, SPARQL, named graphs, records, record and vector files and the index agree."""
    ids = set(kb.state.docs)
    assert not getattr(kb.state, "pending", None)  # nothing half-written
    status = kb.status()
    assert status["document_ids"] == sorted(ids) and status["documents"] == len(ids)
    assert _sparql_ids(kb) == ids
    doc_graphs = {str(g) for g in kb.store.graphs() if str(g).startswith(str(ID["graph/doc/"]))}
    assert doc_graphs == {str(doc_graph(d)) for d in ids}
    assert set(kb.records) == ids
    assert {p.stem for p in (kb.home / "records").glob("*.json")} == ids
    assert {p.stem for p in (kb.home / "index" / "vectors").glob("*.npy")} == ids
    assert set(kb.index.metadata()["documents"]) == ids
    assert len(kb.index) == sum(len(r.sentences) for r in kb.records.values())
    assert {row["doc"] for row in kb.observations()[0]} <= ids
    answer = kb.ask(QUESTION)  # must not raise
    assert all(c.doc in ids for c in answer.citations)
    assert all(h.doc_id in ids for h in kb.search("hospital beds schools libraries", k=10))
    if validate:
        report = kb.validate()
        assert report.conforms, report.violations[:5]
    return ids


# -- 1. atomic per document ------------------------------------------------------------------

@pytest.mark.parametrize("crash_at", ["after-pending", "after-vectors", "after-graph:2", "after-drop-graph",
                                      "after-index"])
def test_a_killed_ingest_leaves_a_consistent_knowledge_base_that_the_next_ingest_repairs(tmp_path, crash_at):
    home, corpus = _staged(tmp_path)
    child = _run_child(home, corpus, crash_at=crash_at)
    assert child.returncode == -signal.SIGKILL, (child.returncode, child.stderr[-2000:])
    kb = _open(home)
    try:
        ids = _assert_consistent(kb)
        assert {"alpha"} <= ids <= {"alpha", "beta", "gamma", "delta"}
        report = kb.ingest([corpus])
        assert not report.failed, report.failed
        assert set(kb.state.docs) == {"alpha", "gamma", "delta"}
        changed = set(report.added + report.updated)
        assert {"delta", "gamma"} <= changed | ids  # redone by this ingest, or committed before the crash
        assert "beta" in report.removed or "beta" not in ids
        _assert_consistent(kb, validate=False)
        assert any("12 libraries" in h.text for h in kb.search("libraries opened in Gamma", k=3))
    finally:
        kb.close()


def test_a_crash_on_the_rdflib_store_loses_the_run_but_nothing_else(tmp_path):
    """rdflib keeps the graph in memory until flush: documents are committed only after it."""
    home, corpus = _staged(tmp_path, store="rdflib")
    child = _run_child(home, corpus, store="rdflib", crash_at="after-graph:2")
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    kb = _open(home, "rdflib")
    try:
        assert _assert_consistent(kb) == {"alpha", "beta"}  # gamma was mid-update: removed whole
        report = kb.ingest([corpus])
        assert sorted(report.added) == ["delta", "gamma"] and report.removed == ["beta"] and not report.failed
        _assert_consistent(kb, validate=False)
    finally:
        kb.close()


def test_a_read_only_open_after_a_crash_repairs_when_nobody_writes(tmp_path):
    """`policykg status`, `ask` and `validate` open read-only: they see the repaired knowledge base too."""
    home, corpus = _staged(tmp_path)
    child = _run_child(home, corpus, crash_at="after-graph")
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    kb = _open(home, read_only=True)
    try:
        ids = _assert_consistent(kb)
        assert "delta" not in ids and _sparql_ids(kb) == ids
    finally:
        kb.close()


def test_a_crash_before_the_corpus_wide_parts_are_rebuilt_is_repaired(tmp_path):
    """The issue's case: killed after the document graphs were written (here: as the search index
    is rebuilt, injected without the hook). Graph, ledger, records and index must agree."""
    home, corpus = _staged(tmp_path)
    child = _run_child(home, corpus, script=CHILD_PATCHED)
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    kb = _open(home)
    try:
        _assert_consistent(kb)
        report = kb.ingest([corpus])
        assert not report.failed
        assert set(kb.state.docs) == {"alpha", "gamma", "delta"}
        _assert_consistent(kb, validate=False)
    finally:
        kb.close()


def test_leftovers_of_an_old_crash_are_removed_by_the_next_ingest(make_kb, tiny_corpus):
    """A graph with no record, stray record and vector files (as older versions left them)."""
    kb = make_kb()
    kb.ingest([tiny_corpus])
    kb.close()  # outside an ingest the knowledge base reads only: write the leftover graph directly
    writer = open_store(kb.settings.store, kb.home)
    writer.replace_graph(doc_graph("ghost"), [(doc_iri("ghost"), doc_iri("ghost"), doc_iri("ghost"))])
    writer.close()
    (kb.home / "records" / "stray.json").write_text("{}")
    shutil.copy(kb.home / "index" / "vectors" / "alpha.npy", kb.home / "index" / "vectors" / "stray.npy")
    (kb.home / "index" / "vectors" / "beta.npy").unlink()  # a committed document missing its vectors
    report = kb.ingest([tiny_corpus])
    assert str(doc_graph("ghost")) in report.repaired and "beta" in report.repaired
    assert "beta" in report.added and not report.failed
    _assert_consistent(kb, validate=False)


def test_an_index_half_written_when_the_process_died_is_rebuilt_on_opening(make_kb, tiny_corpus, tmp_path):
    kb = make_kb()
    kb.ingest([tiny_corpus])
    kb.close()
    state = json.loads((kb.home / "state.json").read_text())
    state["derived"] = None  # as during the rebuild of the corpus-wide parts
    (kb.home / "state.json").write_text(json.dumps(state))
    (kb.home / "index" / "table.json").write_text('{"rows": [["alpha", 0], ["al')
    for dense in (kb.home / "index").glob("dense.*"):
        dense.write_bytes(dense.read_bytes()[:10])
    (kb.home / "index" / "phrases.en.npz").write_bytes(b"PK\x03\x04 cut short")
    again = _open(kb.home)
    try:
        assert not again.state.needs_recovery()
        _assert_consistent(again, validate=False)
        assert again.search("hospital beds Alpha County", k=1)[0].doc_id == "alpha"
    finally:
        again.close()


def test_the_crash_hook_is_a_no_op_unless_named():
    from kg import build

    assert build._CRASH_AT is None or build._CRASH_AT == os.environ.get("POLICYKG_CRASH_AT")
    t0 = time.perf_counter()
    for _ in range(10000):
        build.crash_point("after-graph")
    assert time.perf_counter() - t0 < 0.05


def test_a_second_ingest_while_one_runs_is_refused_clearly(make_kb, tiny_corpus):
    from kg.state import IngestRunning

    kb = make_kb()
    with kb.state.write_lock():
        with pytest.raises(IngestRunning, match="another policykg process is ingesting"):
            kb.ingest([tiny_corpus])
    assert sorted(kb.ingest([tiny_corpus]).added) == ["alpha", "beta", "gamma"]


# -- 2. unique, stable document ids ------------------------------------------------------------

NAMES = {
    "Hunan-Report.txt": "Hunan Report Upper\n\nHunan had 5.1 hospital beds per 1,000 people in 2020.\n",
    "hunan-report.txt": "Hunan Report Lower\n\nHunan built 300 kindergartens in 2021.\n",
    "hunan_report.txt": "Hunan Report Underscore\n\nHunan opened 12 libraries in 2022.\n",
    "my report.txt": "My Report\n\nThe county had 3.3 hospital beds per 1,000 people in 2019.\n",
    "report, final (v2).txt": "Final Report\n\nCoverage rose to 91% in 2020.\n",
    "report.txt": "Plain Report\n\nThe city trained 800 teachers in 2021.\n",
    "report.md": "# Markdown Report\n\nThe city hired 120 nurses in 2021.\n",
    "中文名.txt": "湖南省报告\n\n2025年，湖南省城镇新增就业70万人。\n",
    "long-" * 48 + ".txt": "Long Name Report\n\nThe province built 45 clinics in 2022.\n",
}


def test_file_names_of_any_kind_get_unique_stable_ids(make_kb, tmp_path):
    folder = tmp_path / "odd"
    folder.mkdir()
    for name, text in NAMES.items():
        (folder / name).write_text(text, encoding="utf-8")
    kb = make_kb("odd")
    report = kb.ingest([folder])
    assert not report.failed, report.failed
    assert len(report.added) == len(NAMES) == len(set(report.added))
    by_file = {Path(r.source).name: d for d, r in kb.records.items()}
    assert set(by_file) == set(NAMES)
    for name, doc_id in by_file.items():
        assert kb.document(doc_id).text == NAMES[name], f"{name} was overwritten"
        assert is_valid(doc_id)
    assert len({slug(d) for d in by_file.values()}) == len(NAMES)  # distinct IRIs, not only distinct ids
    assert by_file["hunan-report.txt"] == "hunan-report" and by_file["Hunan-Report.txt"].startswith("hunan-report-")
    assert by_file["hunan_report.txt"] == "hunan_report" and by_file["中文名.txt"] == "中文名"
    assert by_file["my report.txt"].startswith("my-report-")
    assert len(by_file["long-" * 48 + ".txt"].encode()) < 100
    # every document is in the graph, with its figures, under valid IRIs
    assert _sparql_ids(kb) == set(by_file.values())
    figures = {row["doc"] for row in kb.observations()[0]}
    assert {by_file["my report.txt"], by_file["Hunan-Report.txt"]} <= figures  # a space used to fail here
    for doc_id in by_file.values():
        ox.NamedNode(str(doc_iri(doc_id)))
        ox.NamedNode(str(observation_iri(doc_id, 0, 1)))
        ox.NamedNode(str(ID[f"doc/{doc_id}/extract/0"]))
    assert kb.validate().conforms
    # both case variants answer from their own text
    upper = kb.search("Hunan hospital beds per 1,000 people", k=3)
    lower = kb.search("Hunan kindergartens built", k=3)
    assert upper[0].doc_id == by_file["Hunan-Report.txt"] and lower[0].doc_id == by_file["hunan-report.txt"]
    # stable: the same home reports them unchanged, a fresh home gives the same ids
    again = kb.ingest([folder])
    assert sorted(again.unchanged) == sorted(by_file.values()) and not again.added
    fresh = make_kb("fresh")
    fresh.ingest([folder])
    assert {Path(r.source).name: d for d, r in fresh.records.items()} == by_file


def test_an_id_stays_with_its_file_when_a_name_that_would_take_it_appears(make_kb, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "report.txt").write_text(NAMES["report.txt"], encoding="utf-8")
    kb = make_kb()
    assert kb.ingest([folder]).added == ["report"]
    (folder / "report.md").write_text(NAMES["report.md"], encoding="utf-8")  # sorts first, same stem
    report = kb.ingest([folder])
    assert report.unchanged == ["report"] and len(report.added) == 1 and report.added[0].startswith("report-")
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "report.txt").write_text("Another Report\n\nIt counted 7 parks.\n", encoding="utf-8")
    report = kb.ingest([other])  # the same name in another folder does not take over "report"
    assert not report.failed and report.added[0].startswith("report-")
    assert kb.document("report").text == NAMES["report.txt"]


def test_a_file_reached_twice_is_ingested_once(make_kb, tiny_corpus):
    if hasattr(os, "symlink") and sys.platform != "win32":
        os.symlink("alpha.txt", tiny_corpus / "alias.txt")
    report = make_kb().ingest([tiny_corpus, tiny_corpus / "alpha.txt"])
    assert sorted(report.added) == ["alpha", "beta", "gamma"] and not report.failed
    assert all("the same file as" in reason for _, reason in report.skipped)


def test_the_shipped_corpus_keeps_its_ids():
    for path in CORPUS.iterdir():
        if path.suffix == ".txt":
            assert next(candidates(path.name)) == path.stem
    assert next(candidates("2026-chongqing-government-work-report.txt")) == "2026-chongqing-government-work-report"
    assert next(candidates("000_10a0665f39ccdb0a.txt")) == "000_10a0665f39ccdb0a"


def test_candidates_are_valid_and_distinct_for_names_that_fold_alike():
    names = ["Report.txt", "report.TXT", "REPORT.txt", "re port.txt", "re-port.txt", "re.port.txt", "ＲＥＰＯＲＴ.txt",
             "İstanbul.txt", "!!!.txt", "报" * 90 + ".txt"]
    firsts = [next(candidates(n)) for n in names]
    assert len(set(firsts)) == len(names) and all(is_valid(c) for n in names for c in islice(candidates(n), 5))


# -- 3. bad input ------------------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="needs symbolic links")
def test_symbolic_link_loops_and_dangling_links_are_reported(make_kb, tiny_corpus):
    os.symlink("self.txt", tiny_corpus / "self.txt")
    os.symlink("loop-b.txt", tiny_corpus / "loop-a.txt")
    os.symlink("loop-a.txt", tiny_corpus / "loop-b.txt")
    os.symlink("nowhere.txt", tiny_corpus / "gone.txt")
    kb = make_kb()
    report = kb.ingest([tiny_corpus])
    assert sorted(report.added) == ["alpha", "beta", "gamma"]
    failed = {os.path.basename(p): reason for p, reason in report.failed}
    assert set(failed) == {"self.txt", "loop-a.txt", "loop-b.txt", "gone.txt"}
    for name in ("self.txt", "loop-a.txt", "loop-b.txt"):
        assert "symbolic link that loops" in failed[name]
    assert "does not exist" in failed["gone.txt"]
    direct = kb.ingest([tiny_corpus / "self.txt"])  # named on the command line: reported, not raised
    assert [os.path.basename(p) for p, _ in direct.failed] == ["self.txt"] and "loops" in direct.failed[0][1]


def test_an_oversize_document_is_refused_with_a_way_forward(make_kb, tiny_corpus, monkeypatch):
    # One line of 2.1 million characters: spaCy used to fail on it (E088), now the size limit stops it first.
    (tiny_corpus / "huge.txt").write_text("Huge Report\n\n" + "word " * 420_000 + "\n", encoding="utf-8")
    kb = make_kb()
    t0 = time.perf_counter()
    report = kb.ingest([tiny_corpus])
    assert time.perf_counter() - t0 < 60
    assert sorted(report.added) == ["alpha", "beta", "gamma"]
    ((path, reason),) = report.failed
    assert path.endswith("huge.txt")
    assert "2,000,000" in reason and "split it" in reason and "POLICYKG_MAX_DOCUMENT_CHARS" in reason
    assert "E088" not in reason and "spaCy" not in reason


def test_the_document_size_limit_is_a_setting(make_kb, tiny_corpus, monkeypatch):
    (tiny_corpus / "long.txt").write_text("Long Report\n\n" + "The county built 3 clinics. " * 300, encoding="utf-8")
    monkeypatch.setenv("POLICYKG_MAX_DOCUMENT_CHARS", "5000")
    kb = make_kb("small")
    report = kb.ingest([tiny_corpus])
    assert [os.path.basename(p) for p, _ in report.failed] == ["long.txt"] and "5,000" in report.failed[0][1]
    kb.close()
    (tiny_corpus / "huge.md").write_text("# Huge\n\n" + "x" * 50_000, encoding="utf-8")  # refused unread, by size
    monkeypatch.setenv("POLICYKG_MAX_DOCUMENT_CHARS", "10000")
    kb = make_kb("small")
    report = kb.ingest([tiny_corpus])
    assert report.added == ["long"] and [os.path.basename(p) for p, _ in report.failed] == ["huge.md"]
    assert "50,008 bytes" in report.failed[0][1] and "more than 10,000 characters" in report.failed[0][1]


def test_a_paragraph_longer_than_spacy_takes_is_cut_into_pieces(tmp_path, monkeypatch):
    import spacy

    import ingest
    from ingest import pipeline

    assert pipeline.MAX_PARAGRAPH_CHARS < spacy.blank("en").max_length
    monkeypatch.setattr(pipeline, "MAX_PARAGRAPH_CHARS", 500)
    f = tmp_path / "one-line.txt"
    f.write_text("One Line\n\n" + "The county built 3 clinics and " * 100 + "one school.\n", encoding="utf-8")
    rec = ingest.process(f, {"language": "en"})
    assert len(rec.paragraphs) > 5 and all(p.end - p.start <= 500 for p in rec.paragraphs)
    assert all(rec.paragraphs[s.paragraph].start <= s.start < s.end <= rec.paragraphs[s.paragraph].end
               for s in rec.sentences)


def test_undecodable_binary_and_empty_files_keep_their_messages(make_kb, tiny_corpus):
    (tiny_corpus / "latin.txt").write_bytes(b"caf\xe9 \xff\xfe\xff au lait " * 3)
    (tiny_corpus / "blob.txt").write_bytes(b"\x00\x01binary\x00")
    (tiny_corpus / "empty.md").write_text("")
    report = make_kb().ingest([tiny_corpus])
    failed = {os.path.basename(p): reason for p, reason in report.failed}
    assert "not valid text" in failed["latin.txt"] and "binary" in failed["blob.txt"] and "empty" in failed["empty.md"]


def test_an_over_long_question_is_refused_at_once(make_kb, tiny_corpus, monkeypatch):
    kb = make_kb()
    kb.ingest([tiny_corpus])
    question = "How many hospital beds per 1,000 people does Alpha County have " * 80  # about 5,000 characters
    t0 = time.perf_counter()
    answer = kb.ask(question)
    assert time.perf_counter() - t0 < 1.0
    assert not answer.answered and not answer.citations
    assert "2,000 characters" in answer.answer and "POLICYKG_MAX_QUESTION_CHARS" in answer.answer
    assert len(answer.to_json()["question"]) <= 201
    assert kb.ask("  ").answer == "Please ask a question."
    monkeypatch.setenv("POLICYKG_MAX_QUESTION_CHARS", "40")
    short = make_kb()  # a new instance on the same home reads the setting
    assert "at most 40 characters" in short.ask(QUESTION + " in Alpha County in 2020").answer
