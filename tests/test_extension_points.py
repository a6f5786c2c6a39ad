"""Every extension point takes a new backend in one place: a language pack, a document reader,
a store, an embedder, a vector index and an answer kind, each registered by a test and used
end to end through the KnowledgeBase (and the CLI's choices), plus entry-point discovery."""

from __future__ import annotations

import re
from decimal import Decimal
from importlib.metadata import EntryPoint

import numpy as np
import pytest

from ingest import lang
from ingest.lang import LanguagePack, ParsedQuestion
from ingest.quantities import Quantity
from ingest.readers import ExtractedText, read_file, register_reader
from ingest.records import Observation
from ingest.registry import Registry, UnknownName
from kg import KnowledgeBase, Settings
from kg.graph.store import RdflibStore
from kg.qa.answer import Answer
from kg.registries import answer_kinds, embedders, languages, readers, stores, vector_indexes
from kg.search.embedders import HashEmbedder
from kg.search.vectors import NumpyIndex

GREEK_TEXT = ("Υγεία στην Αλφάπολη\n\n"
              "Το ποσοστό εμβολιασμού των παιδιών έφτασε 95% το 2023.\n\n"
              "Η κάλυψη της ασφάλισης υγείας ήταν 88%.\n")


class ToyGreekPack(LanguagePack):
    """A toy pack: Greek script, percentages only, the words before a figure as its metric."""

    code = "el"
    name = "Greek"
    names = {"en": "Greek", "el": "ελληνικά"}
    script = "\u0370-\u03ff"
    sentence_punct = [".", ";"]
    rule_sets = {"extract": "el-toy-1"}

    _FIGURE = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")
    _STOP = {"το", "η", "των", "της", "ποιο", "είναι", "ήταν", "πόσο", "στην"}

    def find_quantities(self, text):
        return [Quantity(m.start(), m.end(), m.start(1), m.end(1), Decimal(m.group(1).replace(",", ".")),
                         "percent", m.end(), None) for m in self._FIGURE.finditer(text)]

    def extract(self, rec, gazetteer, subject):
        out = []
        for span in rec.sentences:
            text = rec.quote(span)
            for q in self.find_quantities(text):
                metric = " ".join(w for w in re.findall(r"\w+", text[:q.start]) if not w.isdigit())
                metric = re.sub(r"\s*(?:έφτασε|ήταν)$", "", metric)
                out.append(Observation(start=span.start + q.start, end=span.start + q.end, value=str(q.value),
                                       unit="percent", metric=metric, metric_start=span.start,
                                       metric_end=span.start + len(metric), region=subject.code if subject else None,
                                       region_label=None, period_start=None, period_end=None, group=None,
                                       qualifier=None, status="actual", role="level", sentence=span.index,
                                       rule="el-toy-1:words-before"))
        entities, mentions = super().extract(rec, gazetteer, subject)[1:]
        return out, entities, mentions

    def read_question(self, question, known=frozenset(), reference_year=None):
        words = [w for w in re.findall(r"\w+", question.lower()) if w not in self._STOP]
        return ParsedQuestion(text=question, language="el", kind="figure" if "ποιο" in question.lower() else "what",
                              indicator=" ".join(words), words=words)

    def figure_answer(self, items, differ):
        return "; ".join(items) + "."


@pytest.fixture
def greek():
    languages.register("el", ToyGreekPack)
    lang._pack.cache_clear()
    yield
    languages.unregister("el")
    lang._pack.cache_clear()


def test_a_third_language_is_one_pack_and_its_registration(greek, make_kb, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "alfa.txt").write_text(GREEK_TEXT, encoding="utf-8")
    (folder / "manifest.csv").write_text("file,title,language\nalfa.txt,Υγεία στην Αλφάπολη,el\n", encoding="utf-8")
    assert lang.detect(GREEK_TEXT) == "el"
    kb = make_kb()
    assert not kb.ingest([folder]).failed
    rec = kb.document("alfa")
    assert rec.language == "el" and len(rec.sentences) == 3
    assert [(rec.text[o.start:o.end], o.metric) for o in rec.observations] == [
        ("95%", "Το ποσοστό εμβολιασμού των παιδιών"), ("88%", "Η κάλυψη της ασφάλισης υγείας")]
    ans = kb.ask("Ποιο είναι το ποσοστό εμβολιασμού των παιδιών;")
    assert ans.answered and ans.answer.startswith("95%"), ans.answer
    assert ans.citations[0].quote.startswith("Το ποσοστό εμβολιασμού")
    from kg.state import rule_sets

    assert rule_sets()["el:extract"] == "el-toy-1"  # its rules are part of the pipeline version


def test_a_document_format_is_one_reader(make_kb, tmp_path):
    def read_rst(data: bytes, name: str) -> ExtractedText:
        text = "\n".join(line for line in data.decode("utf-8").splitlines() if not re.fullmatch(r"=+", line))
        return ExtractedText(text=text, format="rst", reader="toy rst reader")

    register_reader("rst", (".rst",), read_rst)
    try:
        folder = tmp_path / "docs"
        folder.mkdir()
        (folder / "beds.rst").write_text("Beds\n====\n\nThe county had 4.2 hospital beds per 1,000 people in 2020.\n",
                                         encoding="utf-8")
        assert read_file(folder / "beds.rst").format == "rst"
        kb = make_kb()
        report = kb.ingest([folder])
        assert report.added == ["beds"] and not report.skipped
        assert [o.value for o in kb.document("beds").observations] == ["4.2"]
    finally:
        readers.unregister("rst")


class CountingStore(RdflibStore):
    opened = 0

    def __init__(self, *a, **kw):
        CountingStore.opened += 1
        super().__init__(*a, **kw)


def test_a_store_is_one_registration_and_the_cli_offers_it(make_kb, tiny_corpus, tmp_path):
    from kg.interfaces.cli import build_parser

    stores.register("counting", lambda home, read_only=False: CountingStore(home / "graph.nq", read_only=read_only))
    try:
        kb = KnowledgeBase(Settings(home=tmp_path / "kb", store="counting"), embedder=HashEmbedder())
        kb.ingest([tiny_corpus])
        assert CountingStore.opened == 1 and isinstance(kb.store, CountingStore)
        assert kb.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?d a pkg:Document }").rows[0][0].toPython() == 3
        kb.close()
        assert build_parser().parse_args(["--store", "counting", "status"]).store == "counting"
    finally:
        stores.unregister("counting")
    with pytest.raises(UnknownName, match="choose from oxigraph, rdflib"):
        stores.create("nosuchstore", tmp_path)


class ShiftedHash(HashEmbedder):
    name = "shifted-hash"


def test_an_embedder_and_a_vector_index_are_one_registration_each(tiny_corpus, tmp_path):
    built = []

    class RecordingIndex(NumpyIndex):
        name = "recording"

        def build(self, vectors):
            built.append(len(vectors))
            super().build(vectors)

    embedders.register("shifted-hash", ShiftedHash)
    vector_indexes.register("recording", RecordingIndex)
    try:
        settings = Settings(home=tmp_path / "kb", embedder="shifted-hash", vector_index="recording")
        with KnowledgeBase(settings) as kb:
            kb.ingest([tiny_corpus])
            assert kb.status()["embedder"] == "shifted-hash"
            assert kb.status()["index"]["vector_index"] == "recording"
            assert built and sum(built) == sum(len(r.sentences) for r in kb.records.values())
            assert kb.search("pension insurance", k=1)[0].doc_id == "beta"
    finally:
        embedders.unregister("shifted-hash")
        vector_indexes.unregister("recording")


def test_an_answer_kind_is_one_registration(make_kb, tiny_corpus):
    def documents_kind(answerer):
        def answer(q, hits, k):
            if not q.text.lower().startswith("how many documents"):
                return None
            return Answer(q.text, True, f"{len(answerer.records())} documents.")
        return answer

    answer_kinds.register("documents", documents_kind, before="figure")
    try:
        kb = make_kb()
        kb.ingest([tiny_corpus])
        assert kb.ask("How many documents are there?").answer == "3 documents."
        assert kb.ask("How many kindergartens did Gamma Province build?").answer.startswith("300")
    finally:
        answer_kinds.unregister("documents")


def test_entry_points_register_third_party_backends(monkeypatch):
    ep = EntryPoint(name="numpy-copy", value="kg.search.vectors:NumpyIndex", group="policykg.test_vectors")
    monkeypatch.setattr("ingest.registry.entry_points", lambda group: [ep] if group == ep.group else [])
    registry: Registry = Registry("vector index", "policykg.test_vectors")
    assert "numpy-copy" in registry and registry.names() == ["numpy-copy"]
    index = registry.create("numpy-copy")
    index.build(np.eye(3, dtype=np.float32))
    assert index.search(np.array([0, 1, 0], dtype=np.float32), 1)[0].tolist() == [1]


def test_switching_the_vector_index_of_a_home_rebuilds_it(tiny_corpus, tmp_path):
    home = tmp_path / "kb"
    with KnowledgeBase(Settings(home=home, embedder="hash", vector_index="faiss"), embedder=HashEmbedder()) as kb:
        kb.ingest([tiny_corpus])
    with KnowledgeBase(Settings(home=home, embedder="hash", vector_index="numpy"), embedder=HashEmbedder()) as kb:
        kb.ingest([tiny_corpus])  # nothing changed but the index backend
        assert kb.status()["index"]["vector_index"] == "numpy"
        assert kb.search("pension insurance", k=1, mode="dense")[0].doc_id == "beta"
