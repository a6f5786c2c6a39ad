"""The ``sparql`` store end to end: a knowledge base whose graph is on a real SPARQL 1.1 server.

The server is Oxigraph's own (``oxigraph serve``, from the ``oxigraph`` package on PyPI),
started for the session by ``tests/support/sparql_server.py``; the store talks to it only
through the SPARQL 1.1 Protocol and the Graph Store HTTP Protocol, as it would to any other.
"""

from __future__ import annotations

import http.server
import socket
import threading

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDFS

from kg import KnowledgeBase, Settings
from kg.graph.namespaces import ENTITY_GRAPH, INDICATOR_GRAPH, SHARED_GRAPH, doc_graph
from kg.graph.remote import RemoteStoreError, ServerConfig, SparqlStore, open_sparql_store
from kg.graph.sparql import SparqlError
from kg.search.embedders import HashEmbedder
from support.sparql_server import free_port, sparql_server, start_server  # noqa: F401  (a fixture)

pytestmark = pytest.mark.slow  # starts a server

SPARQL_ENV = ("POLICYKG_SPARQL_SERVER_URL", "POLICYKG_SPARQL_QUERY_URL", "POLICYKG_SPARQL_UPDATE_URL",
              "POLICYKG_SPARQL_STORE_URL", "POLICYKG_SPARQL_USER", "POLICYKG_SPARQL_PASSWORD",
              "POLICYKG_SPARQL_UNION", "POLICYKG_SPARQL_HTTP_TIMEOUT")
EX = "http://example.org/"
G1, G2, A = URIRef(EX + "g1"), URIRef(EX + "g2"), URIRef(EX + "a")


@pytest.fixture
def no_sparql_env(monkeypatch):
    """None of the sparql store's variables set; each one put back as it was at teardown, even when
    the CLI's --sparql-server set it meanwhile."""
    for var in SPARQL_ENV:
        monkeypatch.setenv(var, "")  # recorded now, so restored (or removed) at teardown
        monkeypatch.delenv(var)
    return monkeypatch


@pytest.fixture
def server(sparql_server, no_sparql_env):
    """The session's server, emptied, named by POLICYKG_SPARQL_SERVER_URL."""
    sparql_server.clear()
    no_sparql_env.setenv("POLICYKG_SPARQL_SERVER_URL", sparql_server.url)
    return sparql_server


def _graph_triples(kb, doc_id):
    return set(kb.sparql(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{doc_graph(doc_id)}> {{ ?s ?p ?o }} }}").rows)


class _Spy:
    """Records every request the sparql stores send: (method, url)."""

    def __init__(self, monkeypatch):
        self.calls = []
        real = SparqlStore._request

        def request(store, method, url, *args, **kw):
            self.calls.append((method, url))
            return real(store, method, url, *args, **kw)

        monkeypatch.setattr(SparqlStore, "_request", request)

    def writes(self):
        return [(m, u) for m, u in self.calls if m in ("PUT", "DELETE") or u.endswith("/update")]


def test_ingest_ask_sparql_status_validate_and_reingest(server, make_kb, tiny_corpus, monkeypatch):
    kb = make_kb(store="sparql")
    report = kb.ingest([tiny_corpus])
    assert sorted(report.added) == ["alpha", "beta", "gamma"] and not report.failed
    assert not (kb.home / "graph").exists() and not (kb.home / "graph.nq").exists()  # the graph is remote

    # the same graph as the default store builds from the same corpus
    local = make_kb("local", store="oxigraph")
    local.ingest([tiny_corpus])
    assert kb.store.graphs() == local.store.graphs()
    assert kb.status()["triples"] == local.status()["triples"] > 0
    for d in ("alpha", "beta", "gamma"):
        assert _graph_triples(kb, d) == _graph_triples(local, d)

    ans = kb.ask("How many hospital beds per 1,000 people?")
    assert ans.answered and "4.2" in ans.answer
    assert any(c.doc == "alpha" for c in ans.citations)
    docs = kb.sparql("SELECT ?d ?t WHERE { ?d a pkg:Document ; dcterms:title ?t } ORDER BY ?t")
    assert [str(r[1]) for r in docs.rows] == ["Alpha County Health Report", "Beta City Pensions", "Gamma Province News"]
    capped = kb.sparql("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", max_rows=5)
    assert len(capped.rows) == 5 and capped.truncated
    status = kb.status()
    assert status["store"] == "sparql" and status["documents"] == 3
    assert kb.validate().conforms

    # an edited document: only its graph (and the corpus-wide ones) are written again
    before = {d: _graph_triples(kb, d) for d in ("alpha", "beta", "gamma")}
    spy = _Spy(monkeypatch)
    path = tiny_corpus / "beta.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nBeta City opened 5 care homes in 2022.\n", encoding="utf-8")
    report = kb.ingest([tiny_corpus])
    assert report.updated == ["beta"] and sorted(report.unchanged) == ["alpha", "gamma"]
    written = [u for _, u in spy.writes()]
    doc_writes = [u for u in written if "graph%2Fdoc%2F" in u]
    assert doc_writes == [f"{server.url}/store?graph={str(doc_graph('beta')).replace(':', '%3A').replace('/', '%2F')}"]
    # the document's graph is replaced whole (Graph Store PUT); the corpus-wide graphs change by
    # the triples that differ (SPARQL Update), not whole
    assert all(m == "PUT" for m, u in spy.writes() if "graph%2Fdoc%2F" in u)
    assert {m for m, u in spy.writes() if "graph%2Fdoc%2F" not in u} <= {"POST"}
    local.ingest([tiny_corpus])
    for g in (SHARED_GRAPH, ENTITY_GRAPH, INDICATOR_GRAPH):
        q = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"
        assert set(kb.sparql(q).rows) == set(local.sparql(q).rows)
    assert _graph_triples(kb, "alpha") == before["alpha"] and _graph_triples(kb, "gamma") == before["gamma"]
    after = _graph_triples(kb, "beta")
    assert any("5 care homes" in str(o) for _, _, o in after)
    assert not any("5 care homes" in str(o) for _, _, o in before["beta"])

    # a removed document: its graph is deleted on the server
    (tiny_corpus / "gamma.txt").unlink()
    report = kb.ingest([tiny_corpus])
    assert report.removed == ["gamma"]
    assert doc_graph("gamma") not in kb.store.graphs() and not _graph_triples(kb, "gamma")
    assert ("DELETE", f"{server.url}/store?graph={str(doc_graph('gamma')).replace(':', '%3A').replace('/', '%2F')}") \
        in spy.calls


def test_a_read_only_knowledge_base_reads_the_server_and_writes_nothing(server, make_kb, tiny_corpus, monkeypatch):
    kb = make_kb(store="sparql")
    kb.ingest([tiny_corpus])
    kb.close()
    spy = _Spy(monkeypatch)
    reader = KnowledgeBase(Settings(home=kb.home, store="sparql", embedder="hash"), embedder=HashEmbedder(),
                           read_only=True)
    try:
        assert "4.2" in reader.ask("How many hospital beds per 1,000 people?").answer
        with pytest.raises(RuntimeError, match="read-only"):
            reader.store.replace_graph(G1, [(A, RDFS.label, Literal("x"))])
        with pytest.raises(RuntimeError, match="read-only"):
            reader.store.remove_graph(doc_graph("alpha"))
        assert not spy.writes()
        assert doc_graph("alpha") in reader.store.graphs()
    finally:
        reader.close()


def test_the_cli_with_the_sparql_store(sparql_server, no_sparql_env, cli, tiny_corpus):
    sparql_server.clear()
    opts = ("--store", "sparql", "--sparql-server", sparql_server.url)
    code, out, err = cli(*opts, "ingest", "-q", "--json", str(tiny_corpus))
    assert code == 0, err
    code, out, err = cli(*opts, "sparql", "--format", "csv", "SELECT (COUNT(?d) AS ?n) WHERE { ?d a pkg:Document }")
    assert code == 0 and out.splitlines() == ["n", "3"], err
    code, out, err = cli(*opts, "status", "--json")
    assert code == 0 and '"store": "sparql"' in out
    code, out, err = cli(*opts, "sparql", "SELECT ?x WHERE { ?x ")
    assert code == 1 and "SPARQL error: the SPARQL server refused the query" in err and "Traceback" not in err


# --- errors -----------------------------------------------------------------------------


def test_a_server_that_is_down_gives_a_clear_error(no_sparql_env, make_kb, tiny_corpus, cli):
    url = f"http://127.0.0.1:{free_port()}"
    no_sparql_env.setenv("POLICYKG_SPARQL_SERVER_URL", url)
    kb = make_kb(store="sparql")
    with pytest.raises(RemoteStoreError, match=f"cannot reach the SPARQL server at {url}/query"):
        kb.ingest([tiny_corpus])
    with pytest.raises(OSError, match="cannot reach"):  # what the endpoint reports as 503
        kb.sparql("ASK {}")
    code, out, err = cli("--store", "sparql", "--sparql-server", url, "ingest", "-q", str(tiny_corpus))
    assert code == 1 and f"policykg: error: cannot reach the SPARQL server at {url}/" in err
    assert "Traceback" not in err


def test_the_endpoint_answers_503_when_the_server_is_down(no_sparql_env, tmp_path):
    from kg.graph.worker import QueryPool

    url = f"http://127.0.0.1:{free_port()}"
    no_sparql_env.setenv("POLICYKG_SPARQL_SERVER_URL", url)
    settings = Settings(home=tmp_path / "kb", store="sparql", embedder="hash")
    kb = KnowledgeBase(settings, embedder=HashEmbedder())
    pool = QueryPool(settings, lambda: kb)
    try:
        reply = pool.run("SELECT * WHERE { ?s ?p ?o }")
        assert reply.status == 503 and url in reply.message
    finally:
        pool.close()
        kb.close()


def test_4xx_answers_name_the_url(server):
    bad = open_sparql_store(settings=Settings(sparql_server_url=server.url, sparql_store_url=server.url + "/nothing"))
    with pytest.raises(RemoteStoreError, match=f"{server.url}/nothing.*HTTP 404"):
        bad.replace_graph(G1, [(A, RDFS.label, Literal("x"))])
    wrong_query = open_sparql_store(settings=Settings(sparql_server_url=server.url,
                                                      sparql_query_url=server.url + "/store"))
    with pytest.raises((RemoteStoreError, SparqlError)):
        wrong_query.query("ASK {}")
    store = open_sparql_store(settings=Settings(sparql_server_url=server.url))
    with pytest.raises(SparqlError, match="refused the query.*predeclared"):
        store.query("SELECT ?x WHERE { ?x rdfs:label ", prefixes={"rdfs": str(RDFS)})
    store.remove_graph(URIRef(EX + "never-there"))  # a 404 from DELETE: nothing to remove


def test_graph_store_only_servers_add_by_post_and_replace_to_take_out(server, tmp_path):
    """Without an update endpoint a graph can be added to (Graph Store POST) but not taken from:
    change_graph says so, and the corpus-wide graphs are then replaced whole."""
    store = SparqlStore(ServerConfig(query_url=server.url + "/query", store_url=server.url + "/store"))
    store.replace_graph(G1, [(A, RDFS.label, Literal("one"))])
    store.change_graph(G1, removed=[], added=[(A, RDFS.label, Literal("two"))])
    labels = sorted(str(r[0]) for r in store.query("SELECT ?l WHERE { ?x rdfs:label ?l }",
                                                   prefixes={"rdfs": str(RDFS)}).rows)
    assert labels == ["one", "two"]
    with pytest.raises(NotImplementedError, match="POLICYKG_SPARQL_UPDATE_URL"):
        store.change_graph(G1, removed=[(A, RDFS.label, Literal("one"))], added=[])


def test_missing_configuration_and_bad_settings(no_sparql_env, tmp_path):
    with pytest.raises(RemoteStoreError, match="POLICYKG_SPARQL_SERVER_URL"):
        open_sparql_store(tmp_path)
    with pytest.raises(RemoteStoreError, match="POLICYKG_SPARQL_UNION"):
        open_sparql_store(settings=Settings(sparql_server_url="http://127.0.0.1:1", sparql_union="everything"))
    with pytest.raises(RemoteStoreError, match="not an http"):
        open_sparql_store(settings=Settings(sparql_server_url="file:///etc"))
    read_only = open_sparql_store(settings=Settings(sparql_query_url="http://127.0.0.1:1/q"))
    with pytest.raises(RemoteStoreError, match="POLICYKG_SPARQL_STORE_URL"):
        read_only.replace_graph(G1, [])


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):  # noqa: N802
        type(self).seen.append(self.headers.get("Authorization"))
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="sparql"')
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"who are you?")

    def log_message(self, *args):
        pass


def test_basic_auth_is_sent_and_a_401_says_which_settings_to_check():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        store = open_sparql_store(settings=Settings(sparql_server_url=url, sparql_user="ann", sparql_password="s3cret"))
        assert "s3cret" not in repr(store.config)
        with pytest.raises(RemoteStoreError, match=f"{url}/query answered HTTP 401.*POLICYKG_SPARQL_USER.*who are you"):
            store.graphs()
        assert _Recorder.seen[-1] == "Basic YW5uOnMzY3JldA=="  # ann:s3cret
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_server_that_never_answers_times_out():
    with socket.socket() as listener:  # accepts connections (the kernel's backlog) and never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        store = open_sparql_store(settings=Settings(sparql_server_url=url, sparql_http_timeout=0.3))
        with pytest.raises(RemoteStoreError, match=f"{url}/query did not answer within 0.3 s"):
            store.query("ASK {}")


# --- other server set-ups -----------------------------------------------------------------


def test_writes_through_sparql_update_when_there_is_no_graph_store(server):
    store = open_sparql_store(settings=Settings(sparql_server_url=None, sparql_query_url=server.url + "/query",
                                                sparql_update_url=server.url + "/update"))
    assert store.config.store_url is None
    store.replace_graph(G1, [(A, RDFS.label, Literal('a "quoted"\nlabel', lang="en"))])
    store.replace_graph(G2, [(A, RDFS.comment, Literal("two"))])
    store.replace_graph(G1, [(A, RDFS.label, Literal("one"))])
    assert store.graphs() == {G1, G2} and store.triple_count() == 2
    store.remove_graph(G2)
    store.remove_graph(G2)
    assert store.graphs() == {G1}
    assert store.query("SELECT ?l WHERE { ?x rdfs:label ?l }", prefixes={"rdfs": str(RDFS)}).rows == [(Literal("one"),)]


def test_a_server_whose_default_graph_is_the_union(tmp_path, no_sparql_env):
    with start_server(tmp_path / "union", union_default_graph=True) as union:
        store = open_sparql_store(settings=Settings(sparql_server_url=union.url, sparql_union="server"))
        store.replace_graph(G1, [(A, RDFS.label, Literal("one"))])
        store.replace_graph(G2, [(A, RDFS.comment, Literal("two"))])
        res = store.query("SELECT ?p WHERE { ?x ?p ?o } ORDER BY ?p")
        assert [r[0] for r in res.rows] == [RDFS.comment, RDFS.label]
        assert store.triple_count() == 2 and store.graphs() == {G1, G2}


def test_the_protocol_dataset_leaves_out_the_servers_own_default_graph(server):
    server.update(f"INSERT DATA {{ <{EX}stray> <{EX}p> <{EX}o> }}")  # not in any named graph
    store = open_sparql_store(settings=Settings(sparql_server_url=server.url))
    assert store.query(f"ASK {{ <{EX}stray> ?p ?o }}").boolean is False
    store.replace_graph(G1, [(A, RDFS.label, Literal("one"))])
    assert store.query(f"ASK {{ <{EX}stray> ?p ?o }}").boolean is False
    assert store.query(f"ASK {{ <{EX}a> ?p ?o }}").boolean is True


def test_settings_made_in_code_reach_the_store(sparql_server, no_sparql_env, tmp_path, tiny_corpus):
    """No environment variable: the server named in the Settings a KnowledgeBase is given is used."""
    sparql_server.clear()
    settings = Settings(home=tmp_path / "kb", store="sparql", embedder="hash", sparql_server_url=sparql_server.url)
    kb = KnowledgeBase(settings, embedder=HashEmbedder())
    try:
        kb.ingest([tiny_corpus])
        assert doc_graph("alpha") in kb.store.graphs()
        assert "4.2" in kb.ask("How many hospital beds per 1,000 people?").answer
    finally:
        kb.close()
