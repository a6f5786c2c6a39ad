"""Vector indexes beyond the shared contract (tests/test_backends.py): appending, the faiss
backend's switch to an approximate index, and the qdrant backend's saving and configuration."""

import json
import sys

import numpy as np
import pytest

from kg.registries import vector_indexes
from kg.search import qdrant as kq
from kg.search import vectors as kv
from kg.search.vectors import FaissIndex, NumpyIndex


def _unit(n, dim=16, seed=0):
    m = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


@pytest.fixture(params=vector_indexes.names())
def make(request):
    return lambda: vector_indexes.create(request.param)


def test_add_appends_with_ids_continuing_and_ranks_as_one_build(make, tmp_path):
    m = _unit(60)
    q = m[3] + 0.2 * m[41]
    whole, parts = make(), make()
    whole.build(m)
    parts.build(m[:25])
    parts.add(m[25:40])
    parts.add(m[40:40])  # nothing: no change
    parts.add(m[40:])
    assert len(parts) == 60
    assert list(parts.search(m[50], 1)[0]) == [50]
    assert list(parts.search(q, 8)[0]) == list(whole.search(q, 8)[0])
    parts.save(tmp_path / "dense.x")
    again = make()
    again.load(tmp_path / "dense.x")
    again.add(m[:2])  # after loading: ids go on from the saved length
    assert len(again) == 62 and set(again.search(m[1], 3)[0]) >= {1, 61}


def test_add_to_an_empty_index_builds_it(make):
    m = _unit(10)
    never, empty = make(), make()
    empty.build(np.zeros((0, 16), dtype=np.float32))
    for idx in (never, empty):
        idx.add(m)
        assert len(idx) == 10 and list(idx.search(m[4], 1)[0]) == [4]


def test_add_of_another_dimension_is_refused(make):
    idx = make()
    idx.build(_unit(5, dim=16))
    with pytest.raises(ValueError, match="dimension"):
        idx.add(_unit(2, dim=8))


# -- faiss: exact below APPROXIMATE_FROM, HNSW from it on -------------------------------------
@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setattr(kv, "APPROXIMATE_FROM", 300)
    return 300


def _recall(index, m, queries, k=10):
    exact = NumpyIndex()
    exact.build(m)
    found = [len(set(index.search(q, k)[0]) & set(exact.search(q, k)[0])) for q in queries]
    return sum(found) / (k * len(queries))


def test_faiss_builds_exact_below_the_threshold_and_hnsw_from_it(small_threshold):
    m = _unit(small_threshold + 50, seed=2)
    below, above = FaissIndex(), FaissIndex()
    below.build(m[: small_threshold - 1])
    above.build(m)
    assert below.kind == "flat" and above.kind == "hnsw"
    assert len(above) == len(m)
    assert above._index.hnsw.efSearch == kv.HNSW_EF_SEARCH
    assert _recall(above, m, _unit(30, seed=3)) >= 0.95


def test_faiss_switches_when_add_crosses_the_threshold(small_threshold):
    m = _unit(small_threshold + 40, seed=4)
    idx = FaissIndex()
    idx.build(m[:200])
    idx.add(m[200:small_threshold - 1])
    assert idx.kind == "flat"
    idx.add(m[small_threshold - 1:])  # reaches it: every vector moves into an HNSW graph, ids kept
    assert idx.kind == "hnsw" and len(idx) == len(m)
    for i in (0, 150, small_threshold - 1, len(m) - 1):
        assert idx.search(m[i], 1)[0][0] == i
    idx.add(m[:5])  # stays HNSW, ids go on
    assert idx.kind == "hnsw" and len(idx) == len(m) + 5
    assert _recall(idx, np.concatenate([m, m[:5]]), _unit(30, seed=5)) >= 0.95


def test_faiss_hnsw_is_saved_and_loaded_as_hnsw(small_threshold, tmp_path, monkeypatch):
    m = _unit(small_threshold + 10, seed=6)
    idx = FaissIndex()
    idx.build(m)
    queries = _unit(5, seed=7)
    before = [list(idx.search(q, 10)[0]) for q in queries]
    idx.save(tmp_path / "dense.en.faiss")
    monkeypatch.setattr(kv, "APPROXIMATE_FROM", 10**9)  # loading keeps the kind it was saved as
    monkeypatch.setattr(kv, "HNSW_EF_SEARCH", 77)  # and takes the current search setting
    again = FaissIndex()
    again.load(tmp_path / "dense.en.faiss")
    assert again.kind == "hnsw" and len(again) == len(m) and again._index.hnsw.efSearch == 77
    assert [list(again.search(q, 10)[0]) for q in queries] == before
    again.add(m[:3])
    assert again.kind == "hnsw" and len(again) == len(m) + 3


def test_faiss_rebuild_below_the_threshold_goes_back_to_exact(small_threshold):
    idx = FaissIndex()
    idx.build(_unit(small_threshold))
    assert idx.kind == "hnsw"
    idx.build(_unit(20))
    assert idx.kind == "flat" and len(idx) == 20


# -- qdrant ------------------------------------------------------------------------------------
@pytest.fixture
def local_mode(monkeypatch):
    monkeypatch.delenv(kq.ENV_URL, raising=False)
    yield
    kq.close_local_clients()


def test_qdrant_local_mode_keeps_its_data_beside_the_manifest(local_mode, tmp_path):
    m = _unit(40)
    en, zh = kq.QdrantIndex(), kq.QdrantIndex()
    en.build(m[:20])
    zh.build(m[20:])
    en.save(tmp_path / "dense.en.qdrant")
    zh.save(tmp_path / "dense.zh.qdrant")
    manifest = json.loads((tmp_path / "dense.en.qdrant").read_text())
    assert manifest["url"] is None and manifest["count"] == 20 and manifest["dim"] == 16
    assert (tmp_path / kq.LOCAL_FOLDER).is_dir()
    # rebuilding one twice leaves the other alone, and keeps one earlier collection of its own
    for _ in range(2):
        en.build(m[:10])
        en.save(tmp_path / "dense.en.qdrant")
    client = kq.local_client(tmp_path / kq.LOCAL_FOLDER)
    assert len(client.get_collections().collections) == 3  # en, en's previous, zh
    again = kq.QdrantIndex()
    again.load(tmp_path / "dense.zh.qdrant")
    assert len(again) == 20 and list(again.search(m[25], 1)[0]) == [5]
    again.load(tmp_path / "dense.en.qdrant")
    assert len(again) == 10


def test_qdrant_points_added_but_not_saved_are_not_found_by_a_loaded_index(local_mode, tmp_path):
    m = _unit(30)
    writer = kq.QdrantIndex()
    writer.build(m[:20])
    writer.save(tmp_path / "dense.en.qdrant")
    writer.load(tmp_path / "dense.en.qdrant")
    writer.add(m[20:])  # into the saved collection, manifest not rewritten
    reader = kq.QdrantIndex()
    reader.load(tmp_path / "dense.en.qdrant")
    assert len(reader) == 20
    assert all(i < 20 for i in reader.search(m[25], 20)[0]) and len(reader.search(m[25], 20)[0]) == 20
    reader.add(m[:3])  # re-uses ids 20..22 over the unsaved points
    assert list(reader.search(m[1], 1)[0]) in ([1], [21])


@pytest.mark.filterwarnings("ignore:Local mode performs exact:UserWarning")
def test_qdrant_server_mode_uses_named_collections_and_an_alias(monkeypatch, tmp_path, request):
    """The server code path, run against an embedded Qdrant standing in for the server
    (qdrant-client's local mode has the server's API)."""
    server = kq._require().QdrantClient(path=str(tmp_path / "server"))
    request.addfinalizer(server.close)
    monkeypatch.setattr(kq, "connect", lambda url, api_key: server)
    monkeypatch.setenv(kq.ENV_URL, "http://qdrant.example:6333")
    monkeypatch.setenv(kq.ENV_PREFIX, "kb1")
    (tmp_path / "home").mkdir()
    m = _unit(30)
    idx = vector_indexes.create("qdrant")
    names = []
    for n in (10, 20, 30):
        idx.build(m[:n])
        idx.save(tmp_path / "home" / "dense.en.qdrant")
        names.append(idx._collection)
    manifest = json.loads((tmp_path / "home" / "dense.en.qdrant").read_text())
    assert manifest["url"] == "http://qdrant.example:6333" and manifest["collection"] == names[-1]
    assert all(n.startswith("kb1-") for n in names)
    left = {c.name for c in server.get_collections().collections}
    assert left == set(names[1:])  # the latest and the one before it; the oldest is deleted
    aliases = {a.alias_name: a.collection_name for a in server.get_aliases().aliases}
    assert aliases[manifest["alias"]] == names[2] and aliases[manifest["alias"] + ".previous"] == names[1]
    again = vector_indexes.create("qdrant")
    again.load(tmp_path / "home" / "dense.en.qdrant")
    assert len(again) == 30 and list(again.search(m[29], 1)[0]) == [29]


def test_qdrant_without_its_client_library_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "qdrant_client", None)  # makes `import qdrant_client` fail
    with pytest.raises(RuntimeError, match=r"policykg\[qdrant\]"):
        vector_indexes.create("qdrant")


def test_qdrant_load_fails_when_its_collection_is_gone(local_mode, tmp_path):
    idx = kq.QdrantIndex()
    idx.build(_unit(5))
    idx.save(tmp_path / "dense.en.qdrant")
    manifest = json.loads((tmp_path / "dense.en.qdrant").read_text())
    manifest["collection"] = "no-such-collection"
    (tmp_path / "dense.en.qdrant").write_text(json.dumps(manifest))
    with pytest.raises(FileNotFoundError):
        kq.QdrantIndex().load(tmp_path / "dense.en.qdrant")
