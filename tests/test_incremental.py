"""Incremental, deterministic builds and bad input, through the KnowledgeBase."""

import os

from rdflib.compare import to_isomorphic

from kg.search.embedders import HashEmbedder
from kg.graph.namespaces import doc_graph


def _graph_triples(kb, doc_id):
    q = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{doc_graph(doc_id)}> {{ ?s ?p ?o }} }}"
    return set(kb.sparql(q).rows)


def test_first_ingest_adds_every_document(make_kb, tiny_corpus):
    emb = HashEmbedder()
    kb = make_kb(embedder=emb)
    report = kb.ingest([tiny_corpus])
    assert sorted(report.added) == ["alpha", "beta", "gamma"] and not report.failed
    assert report.embedded == sum(len(r.sentences) for r in kb.records.values())
    assert emb.calls >= report.embedded  # sentences, then the metric phrases of the figures
    assert len(kb.index) == sum(len(r.sentences) for r in kb.records.values())
    assert {str(g) for g in kb.store.graphs()} >= {str(doc_graph(d)) for d in ("alpha", "beta", "gamma")}


def test_unchanged_documents_are_not_reprocessed_or_reembedded(make_kb, tiny_corpus):
    first = make_kb(embedder=HashEmbedder())
    first.ingest([tiny_corpus])
    first.close()
    emb = HashEmbedder()
    kb = make_kb(embedder=emb)  # same home, new process-like instance
    report = kb.ingest([tiny_corpus])
    assert sorted(report.unchanged) == ["alpha", "beta", "gamma"]
    assert not (report.added or report.updated or report.removed)
    assert emb.calls == 0 and report.embedded == 0


def test_an_edited_document_replaces_only_its_own_graph(make_kb, tiny_corpus):
    emb = HashEmbedder()
    kb = make_kb(embedder=emb)
    kb.ingest([tiny_corpus])
    before = {d: _graph_triples(kb, d) for d in ("alpha", "beta", "gamma")}
    calls = emb.calls
    path = tiny_corpus / "gamma.txt"
    path.write_text(path.read_text() + "\nGamma opened 12 libraries in 2023.\n")
    report = kb.ingest([tiny_corpus])
    assert report.updated == ["gamma"] and sorted(report.unchanged) == ["alpha", "beta"]
    assert report.embedded == 1, "only the new sentence is embedded; unchanged sentences keep their vectors"
    assert emb.calls - calls == 2, "plus the metric phrase of its new figure"
    assert _graph_triples(kb, "alpha") == before["alpha"] and _graph_triples(kb, "beta") == before["beta"]
    after = _graph_triples(kb, "gamma")
    assert after != before["gamma"]
    assert any("12 libraries" in str(o) for _, _, o in after)
    assert not any("12 libraries" in str(o) for _, _, o in before["gamma"])
    hits = kb.search("libraries opened in Gamma", k=3)
    assert any("12 libraries" in h.text for h in hits)


def test_a_removed_document_disappears_from_graph_and_index(make_kb, tiny_corpus):
    kb = make_kb()
    kb.ingest([tiny_corpus])
    (tiny_corpus / "beta.md").unlink()
    report = kb.ingest([tiny_corpus])
    assert report.removed == ["beta"]
    assert doc_graph("beta") not in kb.store.graphs()
    assert "beta" not in kb.records and "beta" not in kb.state.docs
    assert all(h.doc_id != "beta" for h in kb.search("pension insurance Beta City", k=10))
    ask = kb.sparql('ASK { ?d dcterms:identifier "beta" }')
    assert ask.boolean is False


def test_identical_input_yields_identical_iris_and_triples(make_kb, tiny_corpus):
    a, b = make_kb("a"), make_kb("b")
    a.ingest([tiny_corpus])
    b.ingest([tiny_corpus])
    ga, gb = a.store.to_rdflib(), b.store.to_rdflib()
    assert len(ga) > 50 and set(ga) == set(gb)
    assert to_isomorphic(ga) == to_isomorphic(gb)


def test_bad_files_are_reported_and_skipped_while_the_rest_ingests(make_kb, tiny_corpus):
    (tiny_corpus / "empty.txt").write_text("")
    (tiny_corpus / "blob.txt").write_bytes(b"\x00\x01\x02binary\x00data")
    (tiny_corpus / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tiny_corpus / "picture.png").write_bytes(b"\x89PNG\r\n")
    kb = make_kb()
    report = kb.ingest([tiny_corpus])
    assert sorted(report.added) == ["alpha", "beta", "gamma"]
    failed = {os.path.basename(p): reason for p, reason in report.failed}
    assert set(failed) == {"empty.txt", "blob.txt", "broken.pdf"}
    assert "empty" in failed["empty.txt"] and "binary" in failed["blob.txt"].lower()
    assert [os.path.basename(p) for p, _ in report.skipped] == ["picture.png"]


def test_a_document_that_turns_bad_keeps_its_last_good_version(make_kb, tiny_corpus):
    kb = make_kb()
    kb.ingest([tiny_corpus])
    (tiny_corpus / "alpha.txt").write_text("")
    report = kb.ingest([tiny_corpus])
    assert [os.path.basename(p) for p, _ in report.failed] == ["alpha.txt"]
    assert "alpha" in kb.records and any(h.doc_id == "alpha" for h in kb.search("hospital beds Alpha County", k=3))


def test_a_missing_path_is_reported(make_kb, tmp_path):
    report = make_kb().ingest([tmp_path / "nowhere"])
    assert report.failed and "no such file" in report.failed[0][1]


def test_changing_the_embedder_reembeds_without_reparsing(make_kb, tiny_corpus, tmp_path):
    from kg import KnowledgeBase, Settings

    kb = make_kb("swap")
    kb.ingest([tiny_corpus])
    kb.close()
    other = HashEmbedder(dim=64)
    other.name = "hash64"
    kb2 = KnowledgeBase(Settings(home=tmp_path / "swap"), embedder=other)
    report = kb2.ingest([tiny_corpus])
    assert sorted(report.unchanged) == ["alpha", "beta", "gamma"]
    assert report.embedded == sum(len(r.sentences) for r in kb2.records.values())
    assert other.calls >= report.embedded
    assert kb2.index.metadata()["embedder"]["name"] == "hash64"
    kb2.close()


def test_build_metadata_is_stored_beside_the_index(make_kb, tiny_corpus):
    kb = make_kb()
    kb.ingest([tiny_corpus])
    meta = kb.index.metadata()
    assert meta["embedder"]["name"] == "hash" and meta["vector_index"] == "faiss"
    assert set(meta["documents"]) == {"alpha", "beta", "gamma"}
    assert all(len(h) == 64 for h in meta["documents"].values())
    assert {"faiss-cpu", "bm25s"} <= set(meta["versions"])


def test_a_fault_on_one_document_is_reported_and_the_rest_still_ingests(make_kb, tiny_corpus, monkeypatch):
    import ingest as ingest_pkg

    real = ingest_pkg.process

    def flaky(path, meta=None, sha256=None, **kw):
        if str(path).endswith("beta.md"):
            raise ZeroDivisionError("simulated fault")
        return real(path, meta, sha256=sha256, **kw)

    monkeypatch.setattr(ingest_pkg, "process", flaky)
    report = make_kb().ingest([tiny_corpus])
    assert sorted(report.added) == ["alpha", "gamma"]
    assert [(os.path.basename(p), "ZeroDivisionError" in r) for p, r in report.failed] == [("beta.md", True)]


# -- the search index is kept up to date, not rebuilt (issue 15) ---------------------------------

EPSILON = "Epsilon Town Libraries\n\nEpsilon Town opened 7 reading rooms in 2022. Its libraries lend 9,000 books a year.\n"


def _hits(kb, query, k=10, mode="hybrid"):
    return [(h.doc_id, h.sentence, h.score, h.dense, h.bm25, h.dense_rank, h.bm25_rank)
            for h in kb.search(query, k=k, mode=mode)]


def test_adding_a_document_reads_and_tokenises_only_that_document(make_kb, tiny_corpus):
    kb = make_kb()
    kb.ingest([tiny_corpus])
    tokenized, read = kb.index.tokenized, kb.index.vector_files_read
    (tiny_corpus / "epsilon.txt").write_text(EPSILON, encoding="utf-8")
    report = kb.ingest([tiny_corpus])
    assert report.added == ["epsilon"]
    assert kb.index.tokenized - tokenized == len(kb.records["epsilon"].sentences)
    assert kb.index.vector_files_read - read == 1
    assert any(h.doc_id == "epsilon" for h in kb.search("reading rooms in Epsilon Town", k=3))
    kb.close()
    again = make_kb()  # a new process: the saved index is read as it is, nothing rebuilt
    assert again.ingest([tiny_corpus]).unchanged and again.index.tokenized == 0 and again.index.vector_files_read == 0
    assert any(h.doc_id == "epsilon" for h in again.search("reading rooms in Epsilon Town", k=3))


def test_removed_and_edited_documents_never_come_back_in_search(make_kb, tiny_corpus):
    kb = make_kb()
    kb.ingest([tiny_corpus])
    (tiny_corpus / "alpha.txt").write_text("Alpha County Roads\n\nAlpha County paved 12 km of roads.\n", encoding="utf-8")
    (tiny_corpus / "beta.md").unlink()
    report = kb.ingest([tiny_corpus])
    assert report.updated == ["alpha"] and report.removed == ["beta"]
    assert len(kb.index) == sum(len(r.sentences) for r in kb.records.values())
    for mode in ("hybrid", "dense", "bm25"):
        hits = kb.search("hospital beds pension insurance Beta City", k=20, mode=mode)
        assert all(h.doc_id != "beta" for h in hits)
        assert all("hospital beds" not in h.text for h in hits)  # alpha's old sentence is dead
        assert all(h.text == kb.records[h.doc_id].quote(kb.records[h.doc_id].sentences[h.sentence]) for h in hits)


def test_an_updated_index_ranks_as_one_built_from_scratch(make_kb, tiny_corpus, tmp_path):
    kb = make_kb("updated")
    kb.ingest([tiny_corpus])
    (tiny_corpus / "epsilon.txt").write_text(EPSILON, encoding="utf-8")
    (tiny_corpus / "gamma.txt").write_text("Gamma Province News\n\nGamma Province built 310 kindergartens and "
                                           "12 libraries. Coverage rose to 93%.\n", encoding="utf-8")
    kb.ingest([tiny_corpus])
    fresh = make_kb("fresh")
    fresh.ingest([tiny_corpus])
    for query in ("libraries", "kindergartens built", "hospital beds per 1,000 people", "pension insurance",
                  "coverage rose", "Epsilon books"):
        for mode in ("hybrid", "bm25", "dense"):
            assert _hits(kb, query, mode=mode) == _hits(fresh, query, mode=mode), (query, mode)


def test_dead_rows_are_compacted_away(make_kb, tiny_corpus, monkeypatch):
    import json

    from kg.search import index as search_index

    monkeypatch.setattr(search_index, "DEAD_FRACTION", 0.0)
    monkeypatch.setattr(search_index, "DEAD_MIN", 1)
    kb = make_kb()
    kb.ingest([tiny_corpus])
    (tiny_corpus / "beta.md").unlink()
    kb.ingest([tiny_corpus])  # beta's rows are dead; over the (patched) fraction: compacted at once
    table = json.loads((kb.home / "index" / "table.json").read_text())
    assert all(live for *_, live, _ in table["docs"]) and {d for d, *_ in table["docs"]} == {"alpha", "gamma"}
    assert table["rows"] == len(kb.index) == sum(len(r.sentences) for r in kb.records.values())
    assert kb.search("hospital beds Alpha County", k=1)[0].doc_id == "alpha"


def test_bm25_scores_are_those_of_bm25s():
    import bm25s
    import numpy as np

    from kg.search.lexical import BM25Index, tokenize

    texts = ["Alpha County had 4.2 hospital beds per 1,000 people in 2020.", "", "Beds, beds and more beds.",
             "城镇新增就业70万人，城镇调查失业率5.5%左右。", "Pension insurance covered 1.2 million residents.",
             "The county plans to open two new clinics.", "hospital hospital clinics"]
    tokens = [tokenize(t, "zh" if "城" in t else "en") for t in texts]
    ours = BM25Index()
    ours.build(tokens[:3])
    ours.append(tokens[3:5])
    ours.append(tokens[5:])
    ref = bm25s.BM25()
    ref.index([t or [""] for t in tokens], show_progress=False)
    for query in (["hospital", "bed"], ["bed", "bed"], ["城镇", "就业"], ["clinic", "nothing"], ["nothing"]):
        known = [t for t in query if t in ref.vocab_dict]
        expected = ref.get_scores(known) if known else np.zeros(len(texts), dtype=np.float32)
        assert np.array_equal(ours.scores(query), np.asarray(expected, dtype=np.float32)), query
    ours.kill([0, 1])  # dead rows: as an index built from the others alone
    ref = bm25s.BM25()
    ref.index([t or [""] for t in tokens[2:]], show_progress=False)
    assert np.array_equal(ours.scores(["hospital", "bed"])[2:], ref.get_scores(["hospital", "bed"]))
    assert not ours.scores(["hospital"])[:2].any()


def test_progress_says_what_runs_within_a_document_and_after_the_last(make_kb, tiny_corpus):
    """A long document or the corpus-wide work at the end shows a sign of life (issue 16: the
    progress sat at "5/6" for minutes)."""
    kb = make_kb()
    calls = []
    kb.ingest([tiny_corpus], progress=lambda i, n, what: calls.append((i, n, what)))
    whats = [w for _, _, w in calls]
    assert "alpha.txt · reading and extracting" in whats
    assert any("· embedding" in w and "sentences" in w for w in whats)
    assert "linking indicators across documents and updating the search index" in whats
    n = calls[-1][1]
    assert n == 3 and calls[-1] == (n, n, "")  # ends with every file done and nothing running
    assert all(i <= n for i, n, _ in calls)
