"""Settings: where the knowledge base lives and which backends it uses.

Every setting has an environment variable; command-line flags override them.

=====================  ============================  ==========================================
setting                environment variable          default
=====================  ============================  ==========================================
home                   POLICYKG_HOME                 the user data dir, e.g. ~/.local/share/policykg
store                  POLICYKG_STORE                oxigraph (or any name in ``kg.registries.stores``)
embedder               POLICYKG_EMBEDDER             minilm (or: e5, e5-nano, hash, a sentence-transformers path)
embedder of a          POLICYKG_EMBEDDER_<LANG>      the language pack's ``embedder`` (Chinese: e5),
language                                             else ``embedder``
(e5's workers)         POLICYKG_EMBEDDER_THREADS     the available cores: single-threaded e5 workers
vector_index           POLICYKG_VECTOR_INDEX         faiss (exact, HNSW from 50,000 vectors), numpy, or
                                                     qdrant (POLICYKG_QDRANT_URL, _API_KEY, _PREFIX;
                                                     without a URL, local mode in the home)
corpus                 POLICYKG_CORPUS               the corpus/ folder shipped beside app.py
max_document_chars     POLICYKG_MAX_DOCUMENT_CHARS   2000000: a longer document is refused at ingest
max_question_chars     POLICYKG_MAX_QUESTION_CHARS   2000: a longer question is refused by ``ask``
sparql_timeout         POLICYKG_SPARQL_TIMEOUT       30 (seconds): an endpoint query running longer is stopped
sparql_max_rows        POLICYKG_SPARQL_MAX_ROWS      10000: rows (or triples) an endpoint or CLI query returns
                                                     at most, the result flagged as truncated (0: no cap)
sparql_max_query_bytes POLICYKG_SPARQL_MAX_QUERY_BYTES 65536: longest query text the endpoint takes (UTF-8);
                                                     request bodies up to 4 times that (form encoding)
sparql_workers         POLICYKG_SPARQL_WORKERS       2: endpoint queries running at once (worker processes)
sparql_memory_mb       POLICYKG_SPARQL_MEMORY_MB     2048: memory (MB) one worker process may take (0: no limit)
sparql_services        POLICYKG_SPARQL_SERVICES      none: endpoint IRIs a SERVICE may call (comma-separated);
                                                     with none, SERVICE is refused
cors_origins           POLICYKG_CORS_ORIGINS         none: origins allowed to read /sparql from a browser
                                                     (comma-separated; ``*`` for any)
sparql_server_url      POLICYKG_SPARQL_SERVER_URL    none: the SPARQL 1.1 server of the ``sparql`` store, when it
                                                     has oxigraph's layout (<url>/query, /update, /store)
sparql_query_url       POLICYKG_SPARQL_QUERY_URL     <server>/query: its SPARQL 1.1 Protocol query endpoint
sparql_update_url      POLICYKG_SPARQL_UPDATE_URL    <server>/update: its SPARQL Update endpoint (the corpus-wide
                                                     graphs change through it triple by triple; without it
                                                     they are replaced whole)
sparql_store_url       POLICYKG_SPARQL_STORE_URL     <server>/store: its Graph Store HTTP Protocol endpoint
sparql_user            POLICYKG_SPARQL_USER          none: HTTP basic authentication for the server
sparql_password        POLICYKG_SPARQL_PASSWORD      none
sparql_http_timeout    POLICYKG_SPARQL_HTTP_TIMEOUT  60 (seconds): longest wait for the server to answer
sparql_union           POLICYKG_SPARQL_UNION         protocol: each query names every graph as its dataset;
                                                     server: the server's default graph is their union already
max_request_bytes      POLICYKG_MAX_REQUEST_BYTES    2000000: largest request body the app takes (the UI's
                                                     calls; /sparql has its own cap), else 413
max_upload_bytes       POLICYKG_MAX_UPLOAD_BYTES     100000000: largest file upload the app takes, else 413
=====================  ============================  ==========================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_home() -> Path:
    return Path(os.environ.get("POLICYKG_HOME") or platformdirs.user_data_dir("policykg"))


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip().replace("_", "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number of characters, not {os.environ[name]!r}") from None


def _env_number(name: str, default, kind=int, minimum=0):
    """``kind(os.environ[name])`` (``_`` allowed as a digit separator), or ``default`` when unset."""
    value = os.environ.get(name, "").strip().replace("_", "")
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {what} of at least {minimum}, not {os.environ[name]!r}")
    return number


def _env_list(name: str) -> tuple[str, ...]:
    """The comma- or space-separated items of ``os.environ[name]`` (none when unset)."""
    return tuple(x for x in os.environ.get(name, "").replace(",", " ").split() if x)


def default_corpus() -> Path:
    env = os.environ.get("POLICYKG_CORPUS")
    if env:
        return Path(env)
    shipped = REPO_ROOT / "corpus"
    return shipped if shipped.is_dir() else Path.cwd() / "corpus"


@dataclass
class Settings:
    home: Path = field(default_factory=default_home)
    store: str = field(default_factory=lambda: os.environ.get("POLICYKG_STORE", "oxigraph"))
    embedder: str = field(default_factory=lambda: os.environ.get("POLICYKG_EMBEDDER", "minilm"))
    vector_index: str = field(default_factory=lambda: os.environ.get("POLICYKG_VECTOR_INDEX", "faiss"))
    corpus: Path = field(default_factory=default_corpus)
    language_embedders: dict[str, str] = field(default_factory=dict)  # language -> embedder, over the defaults
    max_document_chars: int = field(default_factory=lambda: _env_int("POLICYKG_MAX_DOCUMENT_CHARS", 2_000_000))
    max_question_chars: int = field(default_factory=lambda: _env_int("POLICYKG_MAX_QUESTION_CHARS", 2_000))
    # the SPARQL endpoint's limits (README, "Endpoint security"; kg.graph.worker, kg.graph.guard)
    sparql_timeout: float = field(default_factory=lambda: _env_number("POLICYKG_SPARQL_TIMEOUT", 30.0, float, 0.1))
    sparql_max_rows: int = field(default_factory=lambda: _env_number("POLICYKG_SPARQL_MAX_ROWS", 10_000))
    sparql_max_query_bytes: int = field(
        default_factory=lambda: _env_number("POLICYKG_SPARQL_MAX_QUERY_BYTES", 65_536, int, 1))
    sparql_workers: int = field(default_factory=lambda: _env_number("POLICYKG_SPARQL_WORKERS", 2, int, 1))
    sparql_memory_mb: int = field(default_factory=lambda: _env_number("POLICYKG_SPARQL_MEMORY_MB", 2048))
    sparql_services: tuple[str, ...] = field(default_factory=lambda: _env_list("POLICYKG_SPARQL_SERVICES"))
    cors_origins: tuple[str, ...] = field(default_factory=lambda: _env_list("POLICYKG_CORS_ORIGINS"))
    # the ``sparql`` store: the graph on a SPARQL 1.1 server (kg.graph.remote), read when the store is opened
    sparql_server_url: str | None = field(default_factory=lambda: os.environ.get("POLICYKG_SPARQL_SERVER_URL"))
    sparql_query_url: str | None = field(default_factory=lambda: os.environ.get("POLICYKG_SPARQL_QUERY_URL"))
    sparql_update_url: str | None = field(default_factory=lambda: os.environ.get("POLICYKG_SPARQL_UPDATE_URL"))
    sparql_store_url: str | None = field(default_factory=lambda: os.environ.get("POLICYKG_SPARQL_STORE_URL"))
    sparql_user: str | None = field(default_factory=lambda: os.environ.get("POLICYKG_SPARQL_USER"))
    sparql_password: str | None = field(default_factory=lambda: os.environ.get("POLICYKG_SPARQL_PASSWORD"),
                                        repr=False)
    sparql_http_timeout: float = field(
        default_factory=lambda: _env_number("POLICYKG_SPARQL_HTTP_TIMEOUT", 60.0, float, 0.1))
    sparql_union: str = field(default_factory=lambda: os.environ.get("POLICYKG_SPARQL_UNION", "protocol"))
    # the web app's request-size caps (kg.interfaces.server.BodyLimit)
    max_request_bytes: int = field(default_factory=lambda: _env_number("POLICYKG_MAX_REQUEST_BYTES", 2_000_000, int, 1))
    max_upload_bytes: int = field(default_factory=lambda: _env_number("POLICYKG_MAX_UPLOAD_BYTES", 100_000_000, int, 1))

    def __post_init__(self):
        self.home = Path(self.home).expanduser()
        self.corpus = Path(self.corpus).expanduser()
        for name in ("sparql_services", "cors_origins"):
            value = getattr(self, name)
            setattr(self, name, tuple(value.replace(",", " ").split()) if isinstance(value, str) else tuple(value))

    def embedders(self) -> dict[str, str]:
        """The embedder of each language: ``embedder`` for English and any language whose pack names
        none, the pack's own (Chinese: e5) otherwise; ``POLICYKG_EMBEDDER_<LANG>`` and
        ``language_embedders`` override both."""
        from ingest import lang

        out = {"en": self.embedder}
        for pack in lang.packs():
            chosen = os.environ.get(f"POLICYKG_EMBEDDER_{pack.code.upper()}") or pack.embedder
            if chosen:
                out[pack.code] = chosen
        return out | self.language_embedders
