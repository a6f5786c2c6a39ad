"""End-to-end tests of the running app: the SPARQL 1.1 Protocol endpoint at /sparql
(through SPARQLWrapper, a standard client, and through raw HTTP) and the Gradio API
(through gradio_client).

One real server is started for the whole module, as a user would start it
(``python app.py --home H --port P``), with the real packaged embedder (minilm).
It builds the knowledge base from the shipped corpus/ in the background; the
fixture waits (bounded) until it prints "ready: ..." and /healthz answers.
"""

from __future__ import annotations

import collections
import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from xml.dom import minidom

import pytest

pytestmark = pytest.mark.slow

SPARQLWrapper = pytest.importorskip("SPARQLWrapper")
gradio_client = pytest.importorskip("gradio_client")
from rdflib import Graph, URIRef  # noqa: E402
from rdflib.namespace import RDF  # noqa: E402

from conftest import is_provincial_report, stage_core_corpus  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
SHIPPED_DOCS = sorted(p.stem for p in CORPUS.iterdir() if p.is_file() and p.name != "manifest.csv"
                      and not is_provincial_report(p.name))
STARTUP_TIMEOUT = 240.0  # seconds: model load + cold build of the shipped corpus
REQUEST_TIMEOUT = 60.0

PKG = "https://policykg.org/ns#"
PREFIXES = (
    "PREFIX pkg: <https://policykg.org/ns#>\n"
    "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
)
SELECT_DOCS = PREFIXES + "SELECT ?d ?id WHERE { ?d a pkg:Document ; dcterms:identifier ?id } ORDER BY ?id"
COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
BEDS_QUESTION = "How many hospital beds are there per 1,000 people?"


# --------------------------------------------------------------------------- server


class RunningServer:
    """A started ``app.py`` subprocess and what it printed."""

    def __init__(self, proc: subprocess.Popen, port: int, home: Path):
        self.proc = proc
        self.port = port
        self.home = home
        self.base_url = f"http://127.0.0.1:{port}"
        self.endpoint = f"{self.base_url}/sparql"
        self.output: collections.deque[str] = collections.deque(maxlen=400)
        self.ready_line: str | None = None
        self.failed_line: str | None = None
        self.ready = threading.Event()
        self._threads = [self._reader(proc.stdout, "out"), self._reader(proc.stderr, "err")]

    def _reader(self, stream, tag: str) -> threading.Thread:
        def run():
            for line in iter(stream.readline, ""):
                line = line.rstrip("\n")
                self.output.append(f"[{tag}] {line}")
                if tag == "out" and line.startswith("ready:"):
                    self.ready_line = line
                    self.ready.set()
                elif tag == "out" and line.startswith("build failed"):
                    self.failed_line = line
                    self.ready.set()
            stream.close()

        t = threading.Thread(target=run, name=f"app-{tag}", daemon=True)
        t.start()
        return t

    def log(self) -> str:
        return "\n".join(self.output)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as resp:
                return resp.status == 200 and json.loads(resp.read()).get("ok") is True
        except (OSError, ValueError):
            return False

    def wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"app.py exited with code {self.proc.returncode} before it was ready:\n{self.log()}")
            if self.failed_line:
                pytest.fail(f"the background build failed: {self.failed_line}\n{self.log()}")
            if self.ready.is_set() and self.healthy():
                return
            self.ready.wait(timeout=0.5)
            if self.ready.is_set() and not self.failed_line:
                time.sleep(0.2)  # the build finished; poll /healthz again shortly (bounded by the deadline)
        pytest.fail(f"app.py was not ready within {timeout:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: the app and nothing else
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=20)
        for t in self._threads:
            t.join(timeout=5)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("server-home")
    port = _free_port()
    env = dict(os.environ)
    env["POLICYKG_CORPUS"] = str(stage_core_corpus(tmp_path_factory.mktemp("core-corpus")))  # the shipped core
    env.update(
        POLICYKG_EMBEDDER="minilm",
        POLICYKG_HOME=str(home),
        PYTHONUNBUFFERED="1",
        GRADIO_ANALYTICS_ENABLED="False",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--home", str(home), "--port", str(port), "--host", "127.0.0.1"],
        cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8", errors="replace", start_new_session=True,
    )
    srv = RunningServer(proc, port, home)
    try:
        srv.wait_until_ready(STARTUP_TIMEOUT)
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def client(server):
    return gradio_client.Client(server.base_url + "/", verbose=False, httpx_kwargs={"timeout": REQUEST_TIMEOUT})


def _wrapper(server, query: str, fmt: str = "json", method: str = "GET"):
    sparql = SPARQLWrapper.SPARQLWrapper(server.endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method)
    sparql.setTimeout(int(REQUEST_TIMEOUT))
    return sparql


def _http(server, method="GET", params=None, data: bytes | None = None, headers=None):
    """(status, content type, body bytes) of one request to /sparql."""
    url = server.endpoint + ("?" + urllib.parse.urlencode(params) if params else "")
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def _json_rows(result: dict) -> list[tuple[str, str]]:
    return [(b["d"]["value"], b["id"]["value"]) for b in result["results"]["bindings"]]


def _triple_count(server) -> int:
    res = _wrapper(server, COUNT_TRIPLES).query().convert()
    return int(res["results"]["bindings"][0]["n"]["value"])


def _source_text(doc_id: str) -> str:
    """The document file's text, decoded as the txt reader does (UTF-8, BOM dropped, universal newlines)."""
    (path,) = [p for p in CORPUS.iterdir() if p.stem == doc_id and p.name != "manifest.csv"]
    assert path.suffix == ".txt", f"this check reads plain-text files only, not {path.name}"
    with open(path, encoding="utf-8-sig", newline=None) as fh:
        return fh.read()


def _message_text(content) -> str:
    """A chat message's text, whether Gradio sends a string or a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("value") or "")
    if isinstance(content, (list, tuple)):
        return " ".join(_message_text(c) for c in content)
    return str(content)


# --------------------------------------------------------------------------- server basics


def test_server_is_up_and_built(server):
    assert server.healthy()
    assert server.ready_line.startswith(f"ready: {len(SHIPPED_DOCS)} documents"), server.ready_line
    assert len(SHIPPED_DOCS) == 6


# --------------------------------------------------------------------------- SPARQLWrapper


def test_select_get_json_lists_the_shipped_documents(server):
    sparql = _wrapper(server, SELECT_DOCS, SPARQLWrapper.JSON, SPARQLWrapper.GET)
    res = sparql.query()
    assert res.info()["content-type"].startswith("application/sparql-results+json")
    data = res.convert()
    assert data["head"]["vars"] == ["d", "id"]
    rows = _json_rows(data)
    assert [doc_id for _, doc_id in rows] == SHIPPED_DOCS
    for iri, _ in rows:
        assert iri.startswith("https://policykg.org/id/doc/")
    assert all(b["d"]["type"] == "uri" and b["id"]["type"] == "literal" for b in data["results"]["bindings"])


def test_select_post_agrees_with_get(server):
    get = _wrapper(server, SELECT_DOCS, SPARQLWrapper.JSON, SPARQLWrapper.GET).query().convert()
    post = _wrapper(server, SELECT_DOCS, SPARQLWrapper.JSON, SPARQLWrapper.POST).query().convert()
    assert _json_rows(post) == _json_rows(get)


def test_select_xml_agrees_with_json(server):
    expected = _json_rows(_wrapper(server, SELECT_DOCS, SPARQLWrapper.JSON).query().convert())
    res = _wrapper(server, SELECT_DOCS, SPARQLWrapper.XML).query()
    assert res.info()["content-type"].startswith("application/sparql-results+xml")
    doc = res.convert()
    assert isinstance(doc, minidom.Document)
    rows = []
    for result in doc.getElementsByTagName("result"):
        values = {}
        for binding in result.getElementsByTagName("binding"):
            (term,) = [n for n in binding.childNodes if n.nodeType == n.ELEMENT_NODE]
            values[binding.getAttribute("name")] = (term.tagName, "".join(t.data for t in term.childNodes))
        assert values["d"][0] == "uri" and values["id"][0] == "literal"
        rows.append((values["d"][1], values["id"][1]))
    assert rows == expected


def test_select_csv_agrees_with_json(server):
    expected = _json_rows(_wrapper(server, SELECT_DOCS, SPARQLWrapper.JSON).query().convert())
    res = _wrapper(server, SELECT_DOCS, SPARQLWrapper.CSV).query()
    assert res.info()["content-type"].startswith("text/csv")
    body = res.convert()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8") if isinstance(body, bytes) else body)))
    assert rows[0] == ["d", "id"]
    assert [tuple(r) for r in rows[1:]] == expected


def test_ask(server):
    yes = _wrapper(server, PREFIXES + 'ASK { ?d a pkg:Document ; dcterms:identifier "001_44a9fe72a70c896d" }').query().convert()
    no = _wrapper(server, PREFIXES + 'ASK { ?d a pkg:Document ; dcterms:identifier "no-such-document" }').query().convert()
    assert yes["boolean"] is True
    assert no["boolean"] is False
    xml = _wrapper(server, PREFIXES + "ASK { ?d a pkg:Document }", SPARQLWrapper.XML).query().convert()
    (boolean,) = xml.getElementsByTagName("boolean")
    assert boolean.firstChild.data.strip() == "true"


@pytest.mark.parametrize("fmt", ["turtle", "n3"])
def test_construct_returns_a_graph(server, fmt):
    query = PREFIXES + "CONSTRUCT { ?d a pkg:Document ; dcterms:identifier ?id } WHERE { ?d a pkg:Document ; dcterms:identifier ?id }"
    res = _wrapper(server, query, fmt).query()
    assert res.info()["content-type"].split(";")[0].strip() in ("text/turtle", "text/n3", "application/n-triples")
    converted = res.convert()
    # SPARQLWrapper 2.0 hands Turtle/N3 back as bytes (only RDF/XML and JSON-LD become a Graph).
    graph = converted if isinstance(converted, Graph) else Graph().parse(data=converted, format="turtle")
    docs = set(graph.subjects(RDF.type, URIRef(PKG + "Document")))
    expected = {URIRef(iri) for iri, _ in _json_rows(_wrapper(server, SELECT_DOCS).query().convert())}
    assert docs == expected
    assert len(graph) == 2 * len(SHIPPED_DOCS)


def test_malformed_query_is_a_bad_request(server):
    sparql = _wrapper(server, PREFIXES + "SELECT ?d WHERE { ?d a pkg:Document ")
    with pytest.raises(SPARQLWrapper.SPARQLExceptions.QueryBadFormed) as excinfo:
        sparql.query()
    assert "SPARQL error" in str(excinfo.value)


def test_update_is_refused_and_changes_nothing(server):
    before = _triple_count(server)
    probe = PREFIXES + "ASK { <urn:policykg-test:intruder> a pkg:Document }"
    sparql = _wrapper(server, PREFIXES + "INSERT DATA { <urn:policykg-test:intruder> a pkg:Document }",
                      SPARQLWrapper.JSON, SPARQLWrapper.POST)
    assert sparql.isSparqlUpdateRequest()  # sent as an update (form field update=...), not as a query
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        sparql.query()
    assert excinfo.value.code == 403
    assert _wrapper(server, probe).query().convert()["boolean"] is False
    assert _triple_count(server) == before


# --------------------------------------------------------------------------- raw HTTP


def test_accept_text_csv(server):
    status, ctype, body = _http(server, params={"query": SELECT_DOCS}, headers={"Accept": "text/csv"})
    assert status == 200
    assert ctype.split(";")[0].strip() == "text/csv"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["d", "id"] and sorted(r[1] for r in rows[1:]) == SHIPPED_DOCS


def test_accept_prefers_by_quality(server):
    status, ctype, _ = _http(server, params={"query": SELECT_DOCS},
                             headers={"Accept": "application/sparql-results+json;q=0.5, application/sparql-results+xml"})
    assert status == 200 and ctype.startswith("application/sparql-results+xml")


def test_post_sparql_query_body(server):
    status, ctype, body = _http(server, "POST", data=SELECT_DOCS.encode("utf-8"),
                                headers={"Content-Type": "application/sparql-query",
                                         "Accept": "application/sparql-results+json"})
    assert status == 200, body
    assert ctype.startswith("application/sparql-results+json")
    assert [doc_id for _, doc_id in _json_rows(json.loads(body))] == SHIPPED_DOCS


def test_post_form_encoded_query(server):
    data = urllib.parse.urlencode({"query": SELECT_DOCS}).encode()
    status, _, body = _http(server, "POST", data=data,
                            headers={"Content-Type": "application/x-www-form-urlencoded",
                                     "Accept": "application/sparql-results+json"})
    assert status == 200
    assert [doc_id for _, doc_id in _json_rows(json.loads(body))] == SHIPPED_DOCS


def test_construct_as_ntriples(server):
    query = PREFIXES + "CONSTRUCT { ?d a pkg:Document } WHERE { ?d a pkg:Document }"
    status, ctype, body = _http(server, params={"query": query}, headers={"Accept": "application/n-triples"})
    assert status == 200 and ctype.startswith("application/n-triples")
    graph = Graph().parse(data=body.decode("utf-8"), format="nt")
    assert len(set(graph.subjects(RDF.type, URIRef(PKG + "Document")))) == len(SHIPPED_DOCS)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_missing_query_is_400(server, method):
    data = b"" if method == "POST" else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if method == "POST" else {}
    status, _, body = _http(server, method, data=data, headers=headers)
    assert status == 400, body


def test_update_requests_are_403(server):
    update = PREFIXES + "INSERT DATA { <urn:policykg-test:x> a pkg:Document }"
    assert _http(server, "POST", data=update.encode(), headers={"Content-Type": "application/sparql-update"})[0] == 403
    assert _http(server, params={"update": update})[0] == 403
    # an update sent as a query is not a query: a bad request
    assert _http(server, params={"query": update})[0] == 400


@pytest.mark.parametrize("params, headers, kind", [
    pytest.param({"format": "tsv"}, {}, "SELECT", id="select-tsv"),
    pytest.param({}, {"Accept": "text/tab-separated-values"}, "SELECT", id="select-accept-tsv"),
    pytest.param({"format": "turtle"}, {}, "SELECT", id="select-format-turtle"),
    pytest.param({}, {"Accept": "text/csv"}, "ASK", id="ask-accept-csv"),
    pytest.param({"format": "json"}, {}, "CONSTRUCT", id="construct-format-json"),
    pytest.param({"format": "xml"}, {}, "CONSTRUCT", id="construct-format-xml"),
])
def test_format_requests_never_500_or_mislabel(server, params, headers, kind):
    query = {"SELECT": SELECT_DOCS, "ASK": PREFIXES + "ASK { ?d a pkg:Document }",
             "CONSTRUCT": PREFIXES + "CONSTRUCT { ?d a pkg:Document } WHERE { ?d a pkg:Document }"}[kind]
    status, ctype, _ = _http(server, params={"query": query, **params}, headers=headers)
    assert status in (200, 406), status
    if status == 200:
        media = ctype.split(";")[0].strip()
        rdf = media in ("text/turtle", "application/n-triples", "text/plain", "application/rdf+xml")
        assert rdf == (kind == "CONSTRUCT"), media
        if kind == "ASK":
            assert media in ("application/sparql-results+json", "application/sparql-results+xml")


# --------------------------------------------------------------------------- Gradio API


def test_gradio_ask_answers_with_exact_citations(client):
    result = client.predict(BEDS_QUESTION, api_name="/ask")
    assert {"question", "answered", "answer", "citations"} <= set(result) <= {
        "question", "answered", "answer", "citations", "sparql", "observations", "figures"}
    assert result["question"] == BEDS_QUESTION
    assert result["answered"] is True, result
    assert "6.51" in result["answer"], result["answer"]
    docs = [c["doc"] for c in result["citations"]]
    assert "001_44a9fe72a70c896d" in docs
    for c in result["citations"]:
        assert set(c) >= {"doc", "start", "end", "quote", "score"}
        text = _source_text(c["doc"])
        assert 0 <= c["start"] < c["end"] <= len(text)
        assert c["quote"] == text[c["start"]:c["end"]], c
    assert any("6.51" in c["quote"] for c in result["citations"])
    assert "SELECT" in result["sparql"] and result["observations"]


def test_gradio_ask_empty_question(client):
    result = client.predict("   ", api_name="/ask")
    assert result["answered"] is False and result["citations"] == []


def test_gradio_chat_history_ends_with_the_answer(client):
    asked = client.predict(BEDS_QUESTION, api_name="/ask")
    outputs = client.predict(BEDS_QUESTION, [], api_name="/chat")
    assert isinstance(outputs, (tuple, list)) and len(outputs) == 8
    history, textbox, _cites, _pick, _docview, answer_json, sparql, _trace = outputs
    assert textbox == ""
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert _message_text(history[0]["content"]) == BEDS_QUESTION
    last = _message_text(history[-1]["content"])
    assert asked["answer"] in last
    assert "[1]" in last  # the answer points at its citations
    assert answer_json["answer"] == asked["answer"]
    assert [(c["doc"], c["start"], c["end"]) for c in answer_json["citations"]] == \
        [(c["doc"], c["start"], c["end"]) for c in asked["citations"]]
    assert sparql == asked["sparql"] and "pkg:Observation" in sparql  # shown collapsed under the answer
    assert "6.51" in _trace and "rule en-" in _trace


def test_gradio_chat_keeps_earlier_turns(client):
    first = client.predict(BEDS_QUESTION, [], api_name="/chat")[0]
    second = client.predict("Who presented the National Basic Public Service Standards?", first, api_name="/chat")[0]
    assert len(second) == len(first) + 2
    assert [_message_text(m["content"]) for m in second[: len(first)]] == [_message_text(m["content"]) for m in first]
    assert second[-1]["role"] == "assistant" and _message_text(second[-1]["content"]).strip()


def test_gradio_sparql(client):
    table, csv_path, message = client.predict(SELECT_DOCS, api_name="/sparql")
    assert table["headers"] == ["d", "id"]
    assert [row[1] for row in table["data"]] == SHIPPED_DOCS
    assert message == f"{len(SHIPPED_DOCS)} row(s)"
    rows = list(csv.reader(io.StringIO(Path(csv_path).read_text(encoding="utf-8"))))
    assert rows[0] == ["d", "id"] and [r[1] for r in rows[1:]] == SHIPPED_DOCS


def test_gradio_sparql_error_is_a_message(client):
    _table, csv_path, message = client.predict("SELECT ?d WHERE { ?d a ", api_name="/sparql")
    assert csv_path is None
    assert "SPARQL error" in message
