"""The graph on any SPARQL 1.1 server: the ``sparql`` store.

Queries go to the server's query endpoint (SPARQL 1.1 Protocol, a form-encoded
POST); each document graph is written with one request of the Graph Store
HTTP Protocol (``PUT`` of its triples as N-Triples, ``DELETE`` to drop it), or,
for a server without a graph store endpoint, with one SPARQL Update request
(``DROP SILENT GRAPH`` then ``INSERT DATA``). Only the standard library talks
HTTP; results are parsed as they arrive (pyoxigraph's streaming parsers), so the
row cap stops reading at the cap.

The other stores answer queries over the union of the named graphs. Servers
differ in what their default graph is, so by default (``union="protocol"``)
every query names the dataset itself: each named graph as a
``default-graph-uri`` and a ``named-graph-uri`` of the request (the graphs are
listed with one more query first). With ``union="server"`` the server's own
default graph is taken to be that union already (``oxigraph serve
--union-default-graph``, Fuseki's ``unionDefaultGraph``) and nothing
is added.

Configuration comes from ``kg.config.Settings`` (``POLICYKG_SPARQL_SERVER_URL``
and the rest, see there), read when the store is opened: the store factory gets
only ``home``, which the ``sparql`` store does not use (records and vectors stay
under it, on local disk). The CLI's ``--sparql-server`` sets ``POLICYKG_SPARQL_SERVER_URL``.
"""

from __future__ import annotations

import base64
import http.client
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import URIRef

from kg.graph.oxigraph import solutions_result, to_oxigraph_term, triples_result
from kg.graph.sparql import QueryResult, SparqlError
from kg.graph.store import TripleStore

__all__ = ["RemoteStoreError", "ServerConfig", "SparqlStore", "open_sparql_store"]

# What a query may come back as, preferred first: SPARQL results for SELECT and ASK, RDF for CONSTRUCT
# and DESCRIBE. Every one of them is read by pyoxigraph's parsers.
ACCEPT = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
          "text/tab-separated-values;q=0.8, application/n-triples, text/turtle;q=0.9, "
          "application/n-quads;q=0.8, application/rdf+xml;q=0.7")
UNION_MODES = ("protocol", "server")
_LIST_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
_ALL_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
_ERROR_BODY_CHARS = 600


class RemoteStoreError(OSError, RuntimeError):
    """The SPARQL server is not configured (or wrongly), could not be reached, refused a request or
    answered with something unreadable.

    The message names the URL. An ``OSError``, as for a store on disk that cannot be read (the
    endpoint answers 503), and a ``RuntimeError``.
    """


@dataclass(frozen=True)
class ServerConfig:
    """Where the server's endpoints are and how to talk to them."""

    query_url: str
    update_url: str | None = None
    store_url: str | None = None  # Graph Store HTTP Protocol; preferred over update_url for writes
    user: str | None = None
    password: str | None = None
    timeout: float = 60.0
    union: str = "protocol"  # see the module's docstring

    def __repr__(self) -> str:  # never the password
        return (f"ServerConfig(query_url={self.query_url!r}, update_url={self.update_url!r}, "
                f"store_url={self.store_url!r}, user={self.user!r}, union={self.union!r})")

    @classmethod
    def from_settings(cls, settings) -> "ServerConfig":
        """The endpoints of ``settings``: the explicit URLs, else ``<server>/query``, ``/update``, ``/store``
        (oxigraph's layout) from ``sparql_server_url``."""
        base = (settings.sparql_server_url or "").strip().rstrip("/")

        def url(explicit: str | None, path: str) -> str | None:
            explicit = (explicit or "").strip()
            return explicit or (f"{base}/{path}" if base else None)

        query = url(settings.sparql_query_url, "query")
        if not query:
            raise RemoteStoreError(
                "the sparql store needs the address of a SPARQL 1.1 server: set POLICYKG_SPARQL_SERVER_URL "
                "(a server with oxigraph's /query, /update and /store endpoints) or POLICYKG_SPARQL_QUERY_URL "
                "with POLICYKG_SPARQL_STORE_URL or POLICYKG_SPARQL_UPDATE_URL")
        union = (settings.sparql_union or "protocol").strip().lower()
        if union not in UNION_MODES:
            raise RemoteStoreError(f"POLICYKG_SPARQL_UNION must be one of {', '.join(UNION_MODES)}, not {union!r}")
        for u in (query, url(settings.sparql_update_url, "update"), url(settings.sparql_store_url, "store")):
            if u and urllib.parse.urlsplit(u).scheme not in ("http", "https"):
                raise RemoteStoreError(f"not an http(s) URL for the SPARQL server: {u!r}")
        return cls(query_url=query, update_url=url(settings.sparql_update_url, "update"),
                   store_url=url(settings.sparql_store_url, "store"), user=settings.sparql_user or None,
                   password=settings.sparql_password or None, timeout=float(settings.sparql_http_timeout),
                   union=union)


class SparqlStore(TripleStore):
    """A dataset on a SPARQL 1.1 server: one named graph per document, queries over their union."""

    name = "sparql"
    durable = True  # a write is the server's once its request returned

    def __init__(self, config: ServerConfig, read_only: bool = False):
        self.config = config
        self._read_only = read_only
        self._opener = urllib.request.build_opener()
        auth = None
        if config.user is not None:
            token = base64.b64encode(f"{config.user}:{config.password or ''}".encode("utf-8")).decode("ascii")
            auth = f"Basic {token}"
        self._auth = auth

    def __repr__(self) -> str:
        return f"SparqlStore({self.config.query_url!r}, read_only={self._read_only})"

    # -- writing -------------------------------------------------------------------------
    def replace_graph(self, graph, triples):
        self._writable()
        body = _n_triples(triples)
        if self.config.store_url:
            self._close(self._request("PUT", self._graph_url(graph), body,
                                      {"Content-Type": "application/n-triples; charset=utf-8"},
                                      what=f"replace graph <{graph}>"))
        else:
            update = (f"DROP SILENT GRAPH <{graph}> ;\nCREATE SILENT GRAPH <{graph}> ;\n"
                      f"INSERT DATA {{ GRAPH <{graph}> {{\n").encode("utf-8") + body + b"} }\n"
            self._update(update, f"replace graph <{graph}>")

    def change_graph(self, graph, removed, added):
        self._writable()
        removed, added = list(removed), list(added)
        if not self.config.update_url:
            if removed:  # the Graph Store Protocol can add to a graph (POST) but not take triples out of it
                raise NotImplementedError("taking triples out of a graph needs POLICYKG_SPARQL_UPDATE_URL")
            if added:
                self._close(self._request("POST", self._graph_url(graph), _n_triples(added),
                                          {"Content-Type": "application/n-triples; charset=utf-8"},
                                          what=f"add to graph <{graph}>"))
            return
        parts = []
        if removed:
            parts.append(f"DELETE DATA {{ GRAPH <{graph}> {{\n".encode("utf-8") + _n_triples(removed) + b"} }")
        if added:
            parts.append(f"INSERT DATA {{ GRAPH <{graph}> {{\n".encode("utf-8") + _n_triples(added) + b"} }")
        if parts:
            self._update(b" ;\n".join(parts) + b"\n", f"change graph <{graph}>")

    def remove_graph(self, graph):
        self._writable()
        if self.config.store_url:
            self._close(self._request("DELETE", self._graph_url(graph), None, {},
                                      what=f"remove graph <{graph}>", absent_ok=True))
        else:
            self._update(f"DROP SILENT GRAPH <{graph}>".encode("utf-8"), f"remove graph <{graph}>")

    def _writable(self) -> None:
        if self._read_only:
            raise RuntimeError(f"the graph on {self.config.query_url} was opened read-only; nothing was sent")
        if not (self.config.store_url or self.config.update_url):
            raise RemoteStoreError(
                f"no way to write to the SPARQL server of {self.config.query_url}: set POLICYKG_SPARQL_STORE_URL "
                "(Graph Store Protocol) or POLICYKG_SPARQL_UPDATE_URL (SPARQL Update)")

    def _graph_url(self, graph) -> str:
        url = self.config.store_url
        return url + ("&" if "?" in url else "?") + urllib.parse.urlencode({"graph": str(graph)})

    def _update(self, update: bytes, what: str) -> None:
        self._close(self._request("POST", self.config.update_url, update,
                                  {"Content-Type": "application/sparql-update; charset=utf-8"}, what=what))

    # -- reading -------------------------------------------------------------------------
    def graphs(self):
        res = self._send_query(_LIST_GRAPHS, dataset=False)
        return {URIRef(row[0]) for row in res.rows if isinstance(row[0], URIRef)}

    def _run(self, query, prefixes):
        return self._run_capped(query, prefixes, None)

    def _run_capped(self, query, prefixes, max_rows):
        sent, shifted = _with_prefixes(query, prefixes)
        try:
            return self._send_query(sent, max_rows=max_rows)
        except SparqlError as exc:
            if not shifted:
                raise
            raise SparqlError(f"{exc} (line numbers count one line of predeclared PREFIXes before the query)") from None

    def to_rdflib(self):
        return self._send_query(_ALL_TRIPLES).graph

    def _send_query(self, query: str, max_rows: int | None = None, dataset: bool = True) -> QueryResult:
        fields = [("query", query)]
        if dataset and self.config.union == "protocol":
            named = sorted(str(g) for g in self.graphs())
            # None at all: a graph no one has, so that the server's own default graph is not read instead.
            fields += [("default-graph-uri", g) for g in named or ["urn:x-policykg:no-graph"]]
            fields += [("named-graph-uri", g) for g in named]
        body = urllib.parse.urlencode(fields).encode("ascii")
        resp = self._request("POST", self.config.query_url, body,
                             {"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT},
                             what="run a query", query=True)
        try:
            return self._read_result(resp, max_rows)
        except (SyntaxError, ValueError, OSError, http.client.HTTPException) as exc:
            if isinstance(exc, (RemoteStoreError, SparqlError)):
                raise
            if isinstance(exc, TimeoutError):
                raise RemoteStoreError(f"the SPARQL server at {self.config.query_url} stopped sending the result for "
                                       f"{self.config.timeout:g} s (POLICYKG_SPARQL_HTTP_TIMEOUT)") from exc
            raise RemoteStoreError(f"the SPARQL server at {self.config.query_url} sent a result that could not be "
                                   f"read: {type(exc).__name__}: {exc}") from exc
        finally:
            self._close(resp)

    def _read_result(self, resp, max_rows: int | None) -> QueryResult:
        media = (resp.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        # text/plain is N-Triples, not CSV results (pyoxigraph reads no CSV results: they lose term types)
        results_format = ox.QueryResultsFormat.from_media_type(media) if media not in ("", "text/plain") else None
        if results_format == ox.QueryResultsFormat.CSV:
            raise RemoteStoreError(f"the SPARQL server at {self.config.query_url} answered a query with CSV, "
                                   "which loses the terms' types; it should honour the Accept header")
        if results_format is not None:
            return solutions_result(ox.parse_query_results(resp, results_format), max_rows)
        rdf_format = ox.RdfFormat.from_media_type(media) if media else None
        if rdf_format is None:
            raise RemoteStoreError(f"the SPARQL server at {self.config.query_url} answered a query with "
                                   f"{media or 'no content type'}, not SPARQL results or RDF")
        return triples_result(ox.parse(resp, rdf_format), max_rows)

    # -- HTTP ----------------------------------------------------------------------------
    def _request(self, method: str, url: str, body: bytes | None, headers: dict, *, what: str,
                 query: bool = False, absent_ok: bool = False):
        """The open response to one request; errors become ``RemoteStoreError`` (``SparqlError`` for a
        query the server refused with 400), naming ``url``. With ``absent_ok``, a 404 is None."""
        req = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
        req.add_header("User-Agent", "policykg")
        if self._auth:
            req.add_header("Authorization", self._auth)
        try:
            return self._opener.open(req, timeout=self.config.timeout)
        except urllib.error.HTTPError as exc:
            detail = _error_body(exc)
            exc.close()
            if absent_ok and exc.code == 404:
                return None
            if query and exc.code == 400:
                raise SparqlError(f"the SPARQL server refused the query: {detail}" if detail
                                  else "the SPARQL server refused the query (HTTP 400)") from None
            hint = {401: "; check POLICYKG_SPARQL_USER and POLICYKG_SPARQL_PASSWORD",
                    403: "; check POLICYKG_SPARQL_USER and POLICYKG_SPARQL_PASSWORD",
                    404: "; is the URL right (POLICYKG_SPARQL_SERVER_URL and the _QUERY_, _UPDATE_, _STORE_URL)?",
                    405: "; is the URL right (POLICYKG_SPARQL_SERVER_URL and the _QUERY_, _UPDATE_, _STORE_URL)?",
                    }.get(exc.code, "")
            raise RemoteStoreError(f"the SPARQL server at {url} answered HTTP {exc.code} {exc.reason} "
                                   f"when asked to {what}{hint}" + (f": {detail}" if detail else "")) from None
        except (TimeoutError, socket.timeout):
            raise RemoteStoreError(f"the SPARQL server at {url} did not answer within {self.config.timeout:g} s "
                                   f"when asked to {what} (POLICYKG_SPARQL_HTTP_TIMEOUT)") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            reason = reason.strerror or str(reason) if isinstance(reason, OSError) else str(reason)
            raise RemoteStoreError(f"cannot reach the SPARQL server at {url} to {what}: {reason}") from None
        except (OSError, http.client.HTTPException) as exc:
            raise RemoteStoreError(f"the connection to the SPARQL server at {url} failed when asked to {what}: "
                                   f"{type(exc).__name__}: {exc}") from None

    @staticmethod
    def _close(resp) -> None:
        if resp is not None:
            try:
                resp.read()  # an unread body would leave the connection half-used
            except (OSError, http.client.HTTPException):
                pass
            resp.close()


def _n_triples(triples) -> bytes:
    return ox.serialize((ox.Triple(to_oxigraph_term(s), to_oxigraph_term(p), to_oxigraph_term(o))
                         for s, p, o in triples), format=ox.RdfFormat.N_TRIPLES)


def _with_prefixes(query: str, prefixes: dict) -> tuple[str, bool]:
    """``query`` after one line declaring the predeclared prefixes it does not declare itself, and
    whether that line was added (the server's error positions then count one line more).

    A prefix declared twice is an error to some parsers, so one the query declares is left to it; an
    unused declaration costs nothing.
    """
    if not prefixes:
        return query, False
    from kg.graph.guard import _declared_prefixes, _tokens

    own = set(_declared_prefixes(_tokens(query)))
    line = " ".join(f"PREFIX {name}: <{iri}>" for name, iri in prefixes.items() if name not in own)
    return (line + "\n" + query, True) if line else (query, False)


def _error_body(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(_ERROR_BODY_CHARS * 4).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException, AttributeError):
        return ""
    text = " ".join(text.split())
    return text[:_ERROR_BODY_CHARS] + ("…" if len(text) > _ERROR_BODY_CHARS else "")


def open_sparql_store(home=None, read_only: bool = False, settings=None) -> SparqlStore:
    """The ``sparql`` store factory: the server named by ``settings`` (default: ``Settings()``, the
    environment). ``home`` is not used: the graph is on the server."""
    if settings is None:
        from kg.config import Settings

        settings = Settings()
    return SparqlStore(ServerConfig.from_settings(settings), read_only=read_only)

