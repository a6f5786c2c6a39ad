"""The ``qdrant`` vector index: the vectors live in a Qdrant collection (dot product over
L2-normalised vectors, so cosine similarity, as the other backends).

Where, from the environment (``kg/config.py`` is not involved):

=========================  =====================================================================
POLICYKG_QDRANT_URL        a Qdrant server or cluster, e.g. ``http://host:6333``; unset: local
                           (embedded) mode, the data in ``qdrant-local/`` beside the saved file
POLICYKG_QDRANT_API_KEY    the server's API key, if it has one
POLICYKG_QDRANT_PREFIX     prefix of the collection and alias names on a server (default
                           ``policykg``), to keep several knowledge bases apart on one server
=========================  =====================================================================

The file ``save(path)`` writes is a small JSON manifest naming the collection and how many of
its points belong to the index; the vectors stay in Qdrant. ``build()`` fills a new collection
(on a server at once; in local mode in memory, copied into ``qdrant-local/`` by ``save()``), and
``save()`` points an alias named after the file at it, keeping the collection saved before it
(a process still reading it goes on working) and deleting the one before that. ``add()``
appends to the collection in place; a search never returns a point past the saved count, so
points added but not (yet) saved are invisible to other readers.

Local mode is Qdrant's own embedded engine (exact search, everything in memory); its folder
is locked by the first process that opens it, so an app and an ingest running at the same
time need a server. It is meant for tests and small knowledge bases (qdrant-client warns
above 20,000 points).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import threading
from contextlib import nullcontext
import uuid
from pathlib import Path

import numpy as np

from kg.search.vectors import VectorIndex, as_matrix

ENV_URL = "POLICYKG_QDRANT_URL"
ENV_API_KEY = "POLICYKG_QDRANT_API_KEY"
ENV_PREFIX = "POLICYKG_QDRANT_PREFIX"
LOCAL_FOLDER = "qdrant-local"  # beside the saved manifest; not "dense.*", which index.py clears
BATCH = 512  # points per upload request
HNSW_EF = 128  # a server's search beam (local mode is exact and takes none)

_lock = threading.RLock()  # local clients are shared by every index of the process
_local_clients: dict[str, object] = {}


def _require():
    try:
        import qdrant_client
    except ImportError as exc:
        raise RuntimeError("the qdrant vector index needs qdrant-client: pip install 'policykg[qdrant]' "
                           "(or pip install qdrant-client==1.20.0)") from exc
    return qdrant_client


def connect(url: str, api_key: str | None):
    """A client of the Qdrant server (or cluster) at ``url``."""
    return _require().QdrantClient(url=url, api_key=api_key or None, timeout=120)


def local_client(folder: Path):
    """The process's one client of the embedded Qdrant in ``folder`` (Qdrant locks the folder
    per client, so every index saved beside one another shares it)."""
    key = str(Path(folder).resolve())
    with _lock:
        client = _local_clients.get(key)
        if client is None:
            Path(key).mkdir(parents=True, exist_ok=True)
            # searches may come from other threads than the one that opened it: _lock serialises use
            client = _require().QdrantClient(path=key, force_disable_check_same_thread=True)
            _local_clients[key] = client
        return client


def _quick_commits(client, collection: str) -> None:
    """qdrant-client's local mode commits each point in its own SQLite transaction, waiting for the
    disk every time (about 20 ms a point); in WAL mode with synchronous=NORMAL a commit does not wait
    (100 000 points: minutes instead of half an hour). A machine crash may then lose the last points
    written: ``load()`` finds fewer than its manifest says and fails, and the index is rebuilt."""
    try:
        con = client._client.collections[collection].storage.storage  # qdrant-client 1.20 internals
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
    except (AttributeError, KeyError, TypeError):  # another layout: plain, slower commits
        pass


def close_local_clients() -> None:
    """Close every embedded Qdrant this process opened (releasing their folders' locks)."""
    with _lock:
        for client in _local_clients.values():
            client.close()
        _local_clients.clear()


atexit.register(close_local_clients)  # before the interpreter tears down what their close() needs


class QdrantIndex(VectorIndex):
    name = "qdrant"

    def __init__(self, url: str | None = None, api_key: str | None = None):
        self._qc = _require()
        self._m = self._qc.models
        self.url = url if url is not None else (os.environ.get(ENV_URL) or None)
        self.api_key = api_key if api_key is not None else (os.environ.get(ENV_API_KEY) or None)
        self.prefix = os.environ.get(ENV_PREFIX) or "policykg"
        self._client = None  # where the collection is: a server, a private :memory: one, or a local folder
        self._collection: str | None = None
        self._remote = False
        self._n = 0  # points that belong to the index: ids 0 .. n-1
        self._dim = 0
        self._stray = 0  # points past n in the collection (added, never saved): never returned

    # -- writing ---------------------------------------------------------
    def build(self, vectors):
        v = np.asarray(vectors, dtype=np.float32)
        v = np.zeros((0, 0), dtype=np.float32) if v.size == 0 and v.ndim != 2 else as_matrix(v)
        self._client, self._collection, self._n, self._stray = None, None, 0, 0
        self._dim = v.shape[1]
        if len(v):
            self._create(v.shape[1])
            self._upload(v)

    def add(self, vectors):
        v = as_matrix(vectors)
        if self._collection is None:
            self.build(v)
            return
        if not len(v):
            return
        if v.shape[1] != self._dim:
            raise ValueError(f"vectors of dimension {v.shape[1]} added to an index of dimension {self._dim}")
        self._upload(v)

    def _create(self, dim: int) -> None:
        if self.url:
            client, name, self._remote = connect(self.url, self.api_key), f"{self.prefix}-{uuid.uuid4().hex}", True
        else:
            client, name, self._remote = self._qc.QdrantClient(":memory:"), "vectors", False
        self._new_collection(client, name, dim)
        self._client, self._collection = client, name

    def _new_collection(self, client, name: str, dim: int) -> None:
        with _lock:
            client.create_collection(name, vectors_config=self._m.VectorParams(size=dim, distance=self._m.Distance.DOT))
            if client in _local_clients.values():
                _quick_commits(client, name)

    def _upload(self, v: np.ndarray) -> None:
        start = self._n
        with nullcontext() if self._remote else _lock:
            self._client.upload_collection(self._collection, vectors=v, ids=range(start, start + len(v)),
                                           batch_size=BATCH, wait=True)
        self._n = start + len(v)
        self._stray = max(0, self._stray - len(v))  # the ids re-used were overwritten

    # -- searching -------------------------------------------------------
    def search(self, query, k):
        if self._collection is None or self._n == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        k = min(k, self._n)
        limit = k + self._stray
        params = self._m.SearchParams(hnsw_ef=max(HNSW_EF, limit)) if self._remote else None
        q = np.asarray(query, dtype=np.float32).reshape(-1).tolist()
        with nullcontext() if self._remote else _lock:
            points = self._client.query_points(self._collection, query=q, limit=limit, search_params=params,
                                               with_payload=False, with_vectors=False).points
        kept = [(int(p.id), p.score) for p in points if int(p.id) < self._n][:k]
        return (np.array([i for i, _ in kept], dtype=np.int64), np.array([s for _, s in kept], dtype=np.float32))

    def __len__(self):
        return self._n

    # -- saving ----------------------------------------------------------
    def _alias(self, path: Path, remote: bool) -> str:
        if remote:
            digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
            return f"{self.prefix}-{path.name}-{digest}"
        return path.name

    def save(self, path):
        path = Path(path)
        remote = self._remote if self._collection is not None else bool(self.url)
        with nullcontext() if remote else _lock:
            if remote:
                client = self._client if self._collection is not None else connect(self.url, self.api_key)
            else:
                client = local_client(path.parent / LOCAL_FOLDER)
                if self._collection is not None:
                    self._to_folder(client)
            alias = self._alias(path, remote)
            self._point_alias(client, alias, self._collection, remote)
        manifest = {"backend": "qdrant", "url": self.url if remote else None, "collection": self._collection,
                    "alias": alias, "count": self._n, "dim": self._dim}
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2))
        tmp.replace(path)

    def _to_folder(self, client) -> None:
        """Copy the collection (if it is elsewhere) into the local folder of ``client``."""
        if self._client is client:
            return
        name = uuid.uuid4().hex
        self._new_collection(client, name, self._dim)
        offset = None
        with _lock:
            while True:
                points, offset = self._client.scroll(self._collection, limit=BATCH, offset=offset,
                                                     with_vectors=True, with_payload=False)
                keep = [self._m.PointStruct(id=p.id, vector=p.vector) for p in points if int(p.id) < self._n]
                if keep:
                    client.upsert(name, points=keep)
                if offset is None:
                    break
        self._client, self._collection, self._stray = client, name, 0

    def _point_alias(self, client, alias: str, collection: str | None, remote: bool) -> None:
        """Point ``alias`` at ``collection`` and ``alias.previous`` at what ``alias`` pointed to;
        delete the collection ``alias.previous`` pointed to, unless another alias still uses it."""
        m, previous = self._m, alias + ".previous"
        with _lock:
            aliases = {a.alias_name: a.collection_name for a in client.get_aliases().aliases}
            current, before = aliases.get(alias), aliases.get(previous)
            if current == collection:
                return
            ops = [m.DeleteAliasOperation(delete_alias=m.DeleteAlias(alias_name=a))
                   for a in (alias, previous) if a in aliases]
            if collection is not None:
                ops.append(m.CreateAliasOperation(create_alias=m.CreateAlias(collection_name=collection, alias_name=alias)))
            if current is not None:
                ops.append(m.CreateAliasOperation(create_alias=m.CreateAlias(collection_name=current, alias_name=previous)))
            if ops:
                client.update_collection_aliases(change_aliases_operations=ops)
            others = {c for a, c in aliases.items() if a not in (alias, previous)}
            if before is not None and before not in (collection, current) and before not in others:
                client.delete_collection(before)
            if not remote:  # a local folder is this process's alone: drop copies no alias names
                named = set(others) | {collection, current}
                for c in client.get_collections().collections:
                    if c.name not in named:
                        client.delete_collection(c.name)

    def load(self, path):
        path = Path(path)
        meta = json.loads(path.read_text())
        if meta.get("backend") != "qdrant":
            raise ValueError(f"{path} is not a saved qdrant vector index")
        self._collection, self._n, self._dim, self._stray = meta["collection"], int(meta["count"]), int(meta["dim"]), 0
        self._remote = bool(meta.get("url"))
        if self._remote:
            self.url = os.environ.get(ENV_URL) or meta["url"]
        if self._collection is None:
            self._client = None
            return
        self._client = connect(self.url, self.api_key) if self._remote else local_client(path.parent / LOCAL_FOLDER)
        with _lock:
            if not self._client.collection_exists(self._collection):
                raise FileNotFoundError(f"the qdrant collection {self._collection} of {path} is gone")
            count = self._client.count(self._collection, exact=True).count
            if not self._remote:
                _quick_commits(self._client, self._collection)
        if count < self._n:
            raise ValueError(f"the qdrant collection {self._collection} holds {count} points, {path} says {self._n}")
        self._stray = count - self._n
