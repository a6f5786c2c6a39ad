#!/usr/bin/env python3
"""Benchmark RDF store backends on a synthetic statistical knowledge graph.

Compares, on data shaped like the policykg graph (a region hierarchy with its
materialised closure, SKOS indicators, RDF Data Cube observations derived from
NIF sentences, one named graph per document):

* ``rdflib``      -- rdflib's default in-memory store, ``rdflib.Dataset()``;
* ``oxrdflib``    -- Oxigraph behind the rdflib API, ``rdflib.Dataset(store="Oxigraph")``;
* ``pyox-mem``    -- ``pyoxigraph.Store()`` in memory, used directly;
* ``pyox-disk``   -- ``pyoxigraph.Store(path)`` on disk (RocksDB) in a temp dir.

For every size the data set is generated once (deterministically, from
``--seed``) as an N-Quads file. The gazetteer graph holds ``skos:broader``
links and the ``pkg:withinRegion`` closure computed from them by
``kg.graph.rdf_regions.region_closure``, the function ``kg.build`` uses for the
real region graph. The in-memory backends load, query and insert in one
subprocess each; ``pyox-disk`` in three (load; query, on the store reopened
read-only as the SPARQL endpoint reads it; insert), so that the memory of
loading and the memory of answering are measured apart:

* rdflib / oxrdflib: ``Dataset.parse(path, format="nquads" / "ox-nquads")``;
* pyox-mem:          ``Store.bulk_load(path=..., format=RdfFormat.N_QUADS)``;
* pyox-disk:         ``Store.bulk_load`` of ``--load-chunk`` lines at a time, then ``optimize()``.

The first table compares the backends: load time and rate, peak RSS of the
load, resident memory while answering, the lookup, the province aggregate and
the old join (medians), row counts, and quads per second inserted through the
Python API (``--add-docs`` documents, one ``Dataset.addN`` / ``Store.extend``
call each). The second table lists every query shape with p50 and p95 over up
to ``--repeats`` runs, next to the goals of issue 15 (lookup < 20 ms, region
aggregate < 100 ms, < 1 GB resident while answering):

* ``lookup``       -- one indicator's figures in one county, with their sentences;
* ``province``     -- count and average of one indicator's figures of one year in a
                      province and every region under it (``path``: ``skos:broader*``;
                      ``closure``: ``pkg:withinRegion``; ``hash``: the closure in
                      sub-SELECTs that Oxigraph joins by hashing);
* ``by-province``  -- the same for every province, GROUP BY over the hierarchy;
* ``join``         -- the older county -> prefecture -> province two-hop join.

Results must agree across backends and across the shapes of one query. A run
that exceeds ``--timeout`` seconds kills that backend's subprocess and the
cell reads ``timeout >N s``. Above ``--memory-max`` quads only pyox-disk runs.

Usage::

    python bench/stores.py                       # 100k and 1M quads, all backends
    python bench/stores.py --triples 1M 10M      # 10M: pyox-disk only (~15 min on 2 cores)
    python bench/stores.py --triples 50k --backends rdflib pyox-mem --queries lookup province/path
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import platform
import queue
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# The closure the real graph materialises when it loads the gazetteer (imports no RDF library).
from kg.graph.rdf_regions import WITHIN_REGION, region_closure  # noqa: E402

BACKENDS = ("rdflib", "oxrdflib", "pyox-mem", "pyox-disk")

# --------------------------------------------------------------------------- #
# Vocabulary
# --------------------------------------------------------------------------- #

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
QB = "http://purl.org/linked-data/cube#"
SDMX_DIM = "http://purl.org/linked-data/sdmx/2009/dimension#"
SDMX_ATT = "http://purl.org/linked-data/sdmx/2009/attribute#"
PROV = "http://www.w3.org/ns/prov#"
NIF = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
EX = "http://example.org/policykg#"
PKG = "https://policykg.org/ns#"
ID = "http://example.org/policykg/id/"

PREFIXES = f"""\
PREFIX rdfs: <{RDFS}>
PREFIX xsd: <{XSD}>
PREFIX skos: <{SKOS}>
PREFIX qb: <{QB}>
PREFIX sdmx-dimension: <{SDMX_DIM}>
PREFIX sdmx-attribute: <{SDMX_ATT}>
PREFIX prov: <{PROV}>
PREFIX nif: <{NIF}>
PREFIX dcterms: <{DCT}>
PREFIX ex: <{EX}>
PREFIX pkg: <{PKG}>
"""

N_PROVINCES = 34
PREFECTURES_PER_PROVINCE = 10  # -> 340 prefectures
COUNTIES_PER_PREFECTURE = (5, 13)  # uniform -> ~3000 counties
N_INDICATORS = 200
YEARS = (2005, 2025)
QUERY_YEAR = 2020
QUERY_INDICATOR = 0  # the most frequent indicator (Zipf-like popularity)

UNITS = ["percent", "CNY-100M", "CNY", "person", "10k-persons", "tonne",
         "10k-tonnes", "km", "hectare", "kWh", "unit", "index"]

# A term is ("I", iri) or ("L", lexical, datatype_iri_or_None, lang_or_None).


def iri(value: str) -> tuple:
    return ("I", value)


def lit(lexical: str, datatype: str | None = None, lang: str | None = None) -> tuple:
    return ("L", lexical, datatype, lang)


A = iri(RDF_TYPE)


def region_iri(kind: str, code: str) -> str:
    return f"{ID}region/{kind}-{code}"


def indicator_iri(i: int) -> str:
    return f"{ID}indicator/I{i:03d}"


# --------------------------------------------------------------------------- #
# Synthetic data
# --------------------------------------------------------------------------- #


class Generator:
    """Deterministic generator of the synthetic graph, as quads of term tuples."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        rng = self.rng
        self.gazetteer_graph = iri(f"{ID}graph/gazetteer")
        self.provinces: list[str] = []
        self.prefectures: list[str] = []
        self.counties: list[str] = []
        for p in range(N_PROVINCES):
            self.provinces.append(f"{p:02d}")
            for f in range(PREFECTURES_PER_PROVINCE):
                pref = f"{p:02d}{f:02d}"
                self.prefectures.append(pref)
                for c in range(rng.randint(*COUNTIES_PER_PREFECTURE)):
                    self.counties.append(f"{pref}{c:02d}")
        # Zipf-like indicator popularity; each indicator has a fixed unit.
        weights = [1.0 / (i + 1) ** 0.8 for i in range(N_INDICATORS)]
        self.indicator_cum = list(itertools.accumulate(weights))
        self.indicator_unit = [rng.choice(UNITS) for _ in range(N_INDICATORS)]
        self.doc_no = 0
        self.obs_no = 0
        self.closure_quads = 0

    def reference_quads(self):
        g = self.gazetteer_graph
        broader = []  # (child, parent) region IRIs
        for code in self.provinces:
            s = iri(region_iri("province", code))
            yield (s, A, iri(EX + "Province"), g)
            yield (s, iri(RDFS + "label"), lit(f"Province {code}", lang="en"), g)
        for code in self.prefectures:
            s = iri(region_iri("prefecture", code))
            yield (s, A, iri(EX + "Prefecture"), g)
            yield (s, iri(RDFS + "label"), lit(f"Prefecture {code}", lang="en"), g)
            yield (s, iri(SKOS + "broader"), iri(region_iri("province", code[:2])), g)
            broader.append((s[1], region_iri("province", code[:2])))
        for code in self.counties:
            s = iri(region_iri("county", code))
            yield (s, A, iri(EX + "County"), g)
            yield (s, iri(RDFS + "label"), lit(f"County {code}", lang="en"), g)
            yield (s, iri(SKOS + "broader"), iri(region_iri("prefecture", code[:4])), g)
            broader.append((s[1], region_iri("prefecture", code[:4])))
        # pkg:withinRegion, the region itself or one above it: the closure kg.build writes into the
        # real region graph (kg.graph.rdf_regions), computed by the same function.
        regions = [region_iri("province", c) for c in self.provinces]
        closure = region_closure(broader, regions)
        self.closure_quads = len(closure)
        for r, a in closure:
            yield (iri(r), iri(WITHIN_REGION), iri(a), g)
        scheme = iri(f"{ID}scheme/indicators")
        yield (scheme, A, iri(SKOS + "ConceptScheme"), g)
        for i in range(N_INDICATORS):
            s = iri(indicator_iri(i))
            yield (s, A, iri(SKOS + "Concept"), g)
            yield (s, iri(SKOS + "prefLabel"), lit(f"Indicator {i:03d}", lang="en"), g)
            yield (s, iri(SKOS + "inScheme"), scheme, g)

    def document(self):
        """One document: its named graph holds the document, its sentences and
        ~20 observations (1-3 per sentence). Yields lists of quads, one list per
        sentence, so the caller can stop at a target size."""
        rng = self.rng
        d = self.doc_no
        self.doc_no += 1
        g = iri(f"{ID}graph/doc/{d:06d}")
        doc = iri(f"{ID}doc/{d:06d}")
        head = [
            (doc, A, iri(FOAF + "Document"), g),
            (doc, iri(DCT + "title"), lit(f"Policy document {d}"), g),
        ]
        n_obs = rng.randint(15, 25)
        offset = 0
        s_no = 0
        while n_obs > 0:
            k = min(n_obs, rng.randint(1, 3))
            n_obs -= k
            sent = iri(f"{ID}doc/{d:06d}/sentence/{s_no}")
            s_no += 1
            quads = head
            head = []
            parts = []
            for _ in range(k):
                o = self.obs_no
                self.obs_no += 1
                obs = iri(f"{ID}obs/{o:08d}")
                if rng.random() < 0.8:
                    code = rng.choice(self.counties)
                    area = region_iri("county", code)
                    area_label = f"County {code}"
                else:
                    code = rng.choice(self.prefectures)
                    area = region_iri("prefecture", code)
                    area_label = f"Prefecture {code}"
                ind = bisect.bisect_left(self.indicator_cum, rng.random() * self.indicator_cum[-1])
                ind = min(ind, N_INDICATORS - 1)
                year = rng.randint(*YEARS)
                value = f"{rng.uniform(0, 10000):.2f}"
                unit = self.indicator_unit[ind]
                parts.append(f"Indicator {ind:03d} of {area_label} was {value} {unit} in {year}")
                quads += [
                    (obs, A, iri(QB + "Observation"), g),
                    (obs, iri(SDMX_DIM + "refArea"), iri(area), g),
                    (obs, iri(SDMX_DIM + "refPeriod"), lit(str(year), XSD + "gYear"), g),
                    (obs, iri(EX + "indicator"), iri(indicator_iri(ind)), g),
                    (obs, iri(EX + "value"), lit(value, XSD + "decimal"), g),
                    (obs, iri(SDMX_ATT + "unitMeasure"), iri(f"{ID}unit/{unit}"), g),
                    (obs, iri(PROV + "wasDerivedFrom"), sent, g),
                ]
            text = "; ".join(parts) + "."
            begin, end = offset, offset + len(text)
            offset = end + 1
            quads += [
                (sent, iri(NIF + "anchorOf"), lit(text), g),
                (sent, iri(NIF + "beginIndex"), lit(str(begin), XSD + "nonNegativeInteger"), g),
                (sent, iri(NIF + "endIndex"), lit(str(end), XSD + "nonNegativeInteger"), g),
                (sent, iri(DCT + "isPartOf"), doc, g),
            ]
            yield quads


def _escape(s: str) -> str:
    return (s.replace("\\", "\\\\").replace('"', '\\"')
            .replace("\n", "\\n").replace("\r", "\\r"))


def nq_term(t: tuple) -> str:
    if t[0] == "I":
        return f"<{t[1]}>"
    _, lexical, dt, lang = t
    if lang:
        return f'"{_escape(lexical)}"@{lang}'
    if dt and dt != XSD + "string":
        return f'"{_escape(lexical)}"^^<{dt}>'
    return f'"{_escape(lexical)}"'


def write_dataset(path: Path, target: int, seed: int) -> dict:
    """Write the N-Quads file; return its size and the query parameters."""
    gen = Generator(seed)
    n = 0
    qi = iri(indicator_iri(QUERY_INDICATOR))
    by_county: dict[str, int] = {}
    with open(path, "w", encoding="utf-8") as f:
        def emit(quads):
            nonlocal n
            f.writelines(f"{nq_term(s)} {nq_term(p)} {nq_term(o)} {nq_term(g)} .\n"
                         for s, p, o, g in quads)
            n += len(quads)
        emit(list(gen.reference_quads()))
        while n < target:
            for sentence_quads in gen.document():
                emit(sentence_quads)
                # lookup parameter: the county with most observations of QUERY_INDICATOR
                obs_area = None
                for s, p, o, g in sentence_quads:
                    if p[1] == SDMX_DIM + "refArea":
                        obs_area = o[1]
                    elif p[1] == EX + "indicator" and o == qi and "/county-" in obs_area:
                        by_county[obs_area] = by_county.get(obs_area, 0) + 1
                if n >= target:
                    break
    county = max(sorted(by_county), key=lambda c: by_county[c]) if by_county else \
        region_iri("county", gen.counties[0])
    return {
        "quads": n,
        "documents": gen.doc_no,
        "observations": gen.obs_no,
        "closure": gen.closure_quads,
        "indicator": indicator_iri(QUERY_INDICATOR),
        "year": QUERY_YEAR,
        "county": county,
        "province": region_iri("province", county.rsplit("-", 1)[-1][:2]),
    }


def extra_documents(seed: int, n_docs: int) -> list[list[tuple]]:
    """Quads of n_docs extra documents (for the API insert test), one list per document."""
    gen = Generator(seed + 1)
    gen.doc_no = 900_000  # distinct from the loaded documents
    gen.obs_no = 90_000_000
    return [[q for sent in gen.document() for q in sent] for _ in range(n_docs)]


# --------------------------------------------------------------------------- #
# Queries
# --------------------------------------------------------------------------- #


def join_query(meta: dict) -> str:
    # observation -> county -> prefecture -> province, grouped by province.
    # Two skos:broader hops from refArea only exist for counties (a prefecture's
    # parent is a province, which has no parent), so no class checks on the regions
    # are needed. They are left out on purpose: rdflib's planner orders triple
    # patterns by number of bound terms only, so "?county a ex:County" and
    # "?prefecture a ex:Prefecture" get evaluated before the patterns that connect
    # them, as a cartesian product (~100 s already at 20k triples; Oxigraph is
    # unaffected). Try --typed-join to see it.
    typed = meta.get("typed_join")
    return PREFIXES + f"""
SELECT ?province ?provinceLabel (AVG(?value) AS ?avgValue) (COUNT(?obs) AS ?n)
WHERE {{
  ?obs a qb:Observation ;
       ex:indicator <{meta['indicator']}> ;
       sdmx-dimension:refPeriod "{meta['year']}"^^xsd:gYear ;
       sdmx-dimension:refArea ?county ;
       ex:value ?value .
  ?county skos:broader ?prefecture .{" ?county a ex:County ." if typed else ""}
  ?prefecture skos:broader ?province .{" ?prefecture a ex:Prefecture ." if typed else ""}
  ?province rdfs:label ?provinceLabel .{" ?province a ex:Province ." if typed else ""}
}}
GROUP BY ?province ?provinceLabel
ORDER BY ?province
"""


def _lookup_patterns(meta: dict) -> str:
    return f"""?obs sdmx-dimension:refArea <{meta['county']}> ;
       ex:indicator <{meta['indicator']}> ;
       ex:value ?value ;
       prov:wasDerivedFrom ?sentence .
  ?sentence nif:anchorOf ?text ."""


def lookup_query(meta: dict) -> str:
    """The analyst's lookup: one indicator's figures in one county, with the sentence they come from."""
    return PREFIXES + f"""
SELECT ?obs ?value ?text
WHERE {{
  {_lookup_patterns(meta)}
}}
ORDER BY ?obs
"""


def lookup_graph_query(meta: dict) -> str:
    """The lookup inside ``GRAPH ?g``: all its patterns in one named graph (a document's), so that
    after the first one Oxigraph reads the graph-first indexes with the graph bound."""
    return PREFIXES + f"""
SELECT ?obs ?value ?text
WHERE {{ GRAPH ?g {{
  {_lookup_patterns(meta)}
}} }}
ORDER BY ?obs
"""


def _figures(meta: dict) -> str:
    return f"""?obs ex:indicator <{meta['indicator']}> ;
       sdmx-dimension:refPeriod "{meta['year']}"^^xsd:gYear ;
       sdmx-dimension:refArea ?place ;
       ex:value ?value ."""


def _selections(meta: dict, region: str) -> str:
    """The three selections of the aggregate as sub-SELECTs of ``?obs``. Oxigraph joins sub-SELECTs
    by hashing (each is one index range scan, ~0.4 us a quad), where it joins triple patterns by
    looking each binding up (a random read, ~40 us at 10M quads): the region's ~34k figures, the
    year's ~52k and the indicator's ~109k scanned and hashed beat ~34k lookups."""
    return f"""{{ SELECT ?obs WHERE {{ {region} ?obs sdmx-dimension:refArea ?place }} }}
  {{ SELECT ?obs WHERE {{ ?obs sdmx-dimension:refPeriod "{meta['year']}"^^xsd:gYear }} }}
  {{ SELECT ?obs WHERE {{ ?obs ex:indicator <{meta['indicator']}> }} }}"""


def province_query(meta: dict, shape: str) -> str:
    """The region-hierarchy aggregate: count and average of one indicator's figures of one year in a
    province and every region under it. ``path`` walks ``skos:broader*`` (the shape
    kg.graph.observations used before); ``closure`` joins the materialised ``pkg:withinRegion``
    once, from the province (about a hundred regions) to their figures; ``hash`` does that in
    sub-SELECTs that Oxigraph hash-joins."""
    if shape == "path":
        return PREFIXES + f"""
SELECT (COUNT(?obs) AS ?n) (AVG(?value) AS ?avgValue)
WHERE {{
  {_figures(meta)}
  ?place skos:broader* <{meta['province']}> .
}}
"""
    if shape == "closure":
        return PREFIXES + f"""
SELECT (COUNT(?obs) AS ?n) (AVG(?value) AS ?avgValue)
WHERE {{
  ?place pkg:withinRegion <{meta['province']}> .
  {_figures(meta)}
}}
"""
    return PREFIXES + f"""
SELECT (COUNT(?obs) AS ?n) (AVG(?value) AS ?avgValue)
WHERE {{
  {_selections(meta, f"?place pkg:withinRegion <{meta['province']}> .")}
  ?obs ex:value ?value .
}}
"""


def by_province_query(meta: dict, shape: str) -> str:
    """The same aggregate for every province at once: GROUP BY over the hierarchy."""
    if shape == "hash":
        return PREFIXES + f"""
SELECT ?province (COUNT(?obs) AS ?n) (AVG(?value) AS ?avgValue)
WHERE {{
  {{ SELECT ?obs WHERE {{ ?obs sdmx-dimension:refPeriod "{meta['year']}"^^xsd:gYear }} }}
  {{ SELECT ?obs WHERE {{ ?obs ex:indicator <{meta['indicator']}> }} }}
  ?obs sdmx-dimension:refArea ?place ; ex:value ?value .
  ?place pkg:withinRegion ?province .
  ?province a ex:Province .
}}
GROUP BY ?province
ORDER BY ?province
"""
    up = "pkg:withinRegion" if shape == "closure" else "skos:broader*"
    return PREFIXES + f"""
SELECT ?province (COUNT(?obs) AS ?n) (AVG(?value) AS ?avgValue)
WHERE {{
  {_figures(meta)}
  ?place {up} ?province .
  ?province a ex:Province .
}}
GROUP BY ?province
ORDER BY ?province
"""


# name -> (shape, query builder, numeric columns, goal in ms or None). "before" shapes walk
# skos:broader*, "after" ones use the materialised closure; the goals are those of issue 15.
# OXIGRAPH_SHAPES are written for Oxigraph's planner; rdflib evaluates them by nested loops over
# whole sub-results (at 1M quads: lookup/graph 281 s, the hash shapes over 300 s), so rdflib skips them.
OXIGRAPH_SHAPES = ("lookup/graph", "province/hash", "by-province/hash")
QUERIES = {
    "lookup": ("as written (union graph)", lookup_query, (1,), 20),
    "lookup/graph": ("GRAPH ?g { ... }", lookup_graph_query, (1,), 20),
    "province/path": ("before: skos:broader*", lambda m: province_query(m, "path"), (1,), None),
    "province/closure": ("after: withinRegion join", lambda m: province_query(m, "closure"), (1,), None),
    "province/hash": ("after: withinRegion, hash", lambda m: province_query(m, "hash"), (1,), 100),
    "by-province/path": ("before: skos:broader*", lambda m: by_province_query(m, "path"), (2,), None),
    "by-province/closure": ("after: withinRegion join", lambda m: by_province_query(m, "closure"), (2,), None),
    "by-province/hash": ("after: withinRegion, hash", lambda m: by_province_query(m, "hash"), (2,), 100),
    "join": ("two skos:broader hops (old)", join_query, (2,), None),
}
GOAL_RSS_MB = 1024


# --------------------------------------------------------------------------- #
# Worker (one backend, one size, in its own process)
# --------------------------------------------------------------------------- #


def proc_status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if not permitted."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def send(**msg) -> None:
    msg["hwm_kb"] = proc_status_kb("VmHWM")
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def _row_key(row) -> list[str]:
    out = []
    for v in row:
        if v is None:
            out.append("")
            continue
        # rdflib terms are str subclasses (str() is the IRI / lexical form);
        # pyoxigraph terms expose it as .value
        out.append(str(v) if isinstance(v, str) else v.value)
    return out


def fingerprint(rows, numeric_cols=()) -> str:
    """Backend-independent digest of a result: numeric columns rounded."""
    import hashlib
    h = hashlib.sha1()
    for row in rows:
        key = _row_key(row)
        for i in numeric_cols:
            key[i] = f"{float(key[i]):.4f}"
        h.update("\x1f".join(key).encode() + b"\x1e")
    return h.hexdigest()[:12]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    v = sorted(values)
    return v[max(0, min(len(v) - 1, -(-len(v) * q // 100) - 1))] if q > 0 else v[0]


IN_MEMORY = ("rdflib", "oxrdflib", "pyox-mem")


def worker(args) -> None:
    """One backend, one phase, in this process. ``pyox-disk`` runs its phases in separate processes
    (``load``: bulk load and compact; ``query``: the store reopened read-only, as the endpoint
    reads it, so that the resident memory measured is that of answering; ``add``: reopened for
    writing); the in-memory backends run ``all`` in one process (their data is their memory)."""
    meta = json.loads(Path(args.meta).read_text())
    backend = args.worker
    data = args.data
    phase = args.phase
    import gc

    if backend in ("rdflib", "oxrdflib"):
        import rdflib
        from rdflib import BNode, Literal, URIRef  # noqa: F401

        if backend == "rdflib":
            ds = rdflib.Dataset(default_union=True)
            fmt = "nquads"
        else:
            ds = rdflib.Dataset(store="Oxigraph", default_union=True)
            fmt = "ox-nquads"

        def load():
            ds.parse(data, format=fmt)

        def count():
            if backend == "oxrdflib":
                return len(ds.store._inner)
            return sum(len(g) for g in ds.graphs())

        def run(q):
            return [tuple(r) for r in ds.query(q)]

        def to_native(t):
            if t[0] == "I":
                return URIRef(t[1])
            return Literal(t[1], datatype=t[2], lang=t[3])

        def make_batch(quads):
            return [tuple(to_native(x) for x in q) for q in quads]

        def add_batch(batch):
            ds.addN(batch)
    else:
        import pyoxigraph as ox

        store_dir = args.store_dir if backend == "pyox-disk" else None
        if store_dir is None:
            store = ox.Store()
        elif phase == "query":
            store = ox.Store.read_only(store_dir)
        else:
            store = ox.Store(store_dir)

        def load():
            if store_dir is None or args.load_chunk <= 0:
                store.bulk_load(path=data, format=ox.RdfFormat.N_QUADS)
            else:
                # bulk_load sorts what it is given in memory before writing it out (about 1 GB at 1M
                # quads, 1.8 GB at 10M in one call): chunks of lines keep the peak flat.
                with open(data, "rb") as f:
                    while True:
                        chunk = b"".join(itertools.islice(f, args.load_chunk))
                        if not chunk:
                            break
                        store.bulk_load(chunk, format=ox.RdfFormat.N_QUADS)
            if store_dir:
                store.optimize()  # compact the many files the bulk loads wrote
                store.flush()

        def count():
            return len(store)

        def run(q):
            return [tuple(sol) for sol in store.query(q, use_default_graph_as_union=True)]

        def to_native(t):
            if t[0] == "I":
                return ox.NamedNode(t[1])
            if t[3]:
                return ox.Literal(t[1], language=t[3])
            return ox.Literal(t[1], datatype=ox.NamedNode(t[2]) if t[2] else None)

        def make_batch(quads):
            return [ox.Quad(*(to_native(x) for x in q)) for q in quads]

        def add_batch(batch):
            store.extend(batch)

    gc.collect()
    if phase in ("all", "load"):
        baseline = proc_status_kb("VmRSS")
        hwm_reset = reset_peak_rss()
        send(event="start", phase="load", baseline_kb=baseline, hwm_reset=hwm_reset)
        t0 = time.perf_counter()
        load()
        t_load = time.perf_counter() - t0
        n = count()
        send(event="done", phase="load", seconds=t_load, quads=n, rss_kb=proc_status_kb("VmRSS"))

    if phase in ("all", "query"):
        send(event="start", phase="answer", rss_kb=proc_status_kb("VmRSS"))
        for name, (shape, build, numeric, goal) in QUERIES.items():
            if name not in args.queries:
                continue
            if backend == "rdflib" and name in OXIGRAPH_SHAPES:
                send(event="skip", phase=name, why="skipped (Oxigraph shape)")
                continue
            q = build(meta)
            times = []
            rows = None
            for r in range(args.repeats):
                send(event="start", phase=name, run=r)
                t0 = time.perf_counter()
                rows = run(q)
                times.append(time.perf_counter() - t0)
                send(event="progress", phase=name, run=r, seconds=times[-1])
                # A very slow query is not repeated: its median would blow the time budget.
                if sum(times) > args.repeat_budget:
                    break
            send(event="done", phase=name, seconds=statistics.median(times), p95=percentile(times, 95),
                 runs=len(times), rows=len(rows), fingerprint=fingerprint(rows, numeric),
                 total_n=sum(int(_row_key(r)[3]) for r in rows) if name == "join" else None)
        # resident memory while answering: now, and the peak of this process (VmHWM)
        send(event="peak", phase="peak", rss_kb=proc_status_kb("VmRSS"))

    if phase in ("all", "add") and args.add_docs > 0:
        docs = extra_documents(args.seed, args.add_docs)
        batches = [make_batch(d) for d in docs]
        n_add = sum(len(b) for b in batches)
        send(event="start", phase="add")
        t0 = time.perf_counter()
        for b in batches:
            add_batch(b)
        t_add = time.perf_counter() - t0
        send(event="done", phase="add", seconds=t_add, quads=n_add)
    send(event="end", phase="end")


# --------------------------------------------------------------------------- #
# Driver
# --------------------------------------------------------------------------- #


def run_phase(args, backend: str, phase: str, data: Path, meta_path: Path, store_dir: Path) -> dict:
    """Run one phase of one backend in a subprocess; returns the collected results."""
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", backend, "--phase", phase,
           "--data", str(data), "--meta", str(meta_path), "--store-dir", str(store_dir),
           "--repeats", str(args.repeats), "--repeat-budget", str(args.repeat_budget),
           "--add-docs", str(args.add_docs), "--seed", str(args.seed),
           "--load-chunk", str(args.load_chunk), "--queries", *args.queries]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    lines: queue.Queue = queue.Queue()
    err_chunks: list[str] = []

    def pump_out():
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    def pump_err():
        err_chunks.append(proc.stderr.read())

    threading.Thread(target=pump_out, daemon=True).start()
    threading.Thread(target=pump_err, daemon=True).start()

    res: dict = {"status": {}}
    phase_now = "startup"
    deadline = time.monotonic() + max(args.timeout, 120)  # startup; the add phase generates documents
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            res["status"][phase_now] = f"timeout >{args.timeout:g} s"
            res["failed_phase"] = phase_now
            break
        if line is None:  # worker exited
            proc.wait()
            if "end" not in res["status"]:
                res["status"][phase_now] = f"crashed (rc={proc.returncode})"
                res["failed_phase"] = phase_now
                tail = "".join(err_chunks).strip().splitlines()[-15:]
                res["stderr"] = "\n".join(tail)
            break
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        res["hwm_kb"] = max(res.get("hwm_kb", 0), msg["hwm_kb"])
        phase_now = msg["phase"]
        ev = msg["event"]
        if ev == "start":
            deadline = time.monotonic() + (args.load_timeout if phase_now == "load" else args.timeout)
            if phase_now == "load":
                res["baseline_kb"] = msg["baseline_kb"]
                res["hwm_reset"] = msg["hwm_reset"]
            elif phase_now == "answer":
                res["answer_start_kb"] = msg["rss_kb"]
        elif ev == "skip":
            res["status"][phase_now] = msg["why"]
        elif ev == "done":
            res[phase_now] = msg
            if phase_now == "load":
                res["load_hwm_kb"] = msg["hwm_kb"]
        elif ev == "peak":
            res["peak_kb"] = msg["hwm_kb"]  # VmHWM of the answering process
            res["answer_rss_kb"] = msg["rss_kb"]
        elif ev == "end":
            res["status"]["end"] = "ok"
    return res


def run_backend(args, backend: str, data: Path, meta_path: Path, tmp: Path) -> dict:
    """All phases of one backend: one process for the in-memory ones, three for pyox-disk."""
    store_dir = tmp / f"store-{backend}"
    if backend != "pyox-disk":
        res = run_phase(args, backend, "all", data, meta_path, store_dir)
        res["backend"] = backend
        return res
    res = {"backend": backend, "status": {}}
    for phase in ("load", "query", "add"):
        if phase == "add" and args.add_docs <= 0:
            continue
        part = run_phase(args, backend, phase, data, meta_path, store_dir)
        failed = part.pop("failed_phase", None)
        stderr = part.pop("stderr", None)
        status = part.pop("status")
        if phase == "query":
            part.pop("baseline_kb", None)
        res.update({k: v for k, v in part.items() if k != "hwm_kb"})
        res.setdefault("phase_hwm_kb", {})[phase] = part.get("hwm_kb", 0)
        if failed:
            res["status"].update(status)
            res["failed_phase"] = failed
            if stderr:
                res["stderr"] = stderr
            break
    else:
        res["status"]["end"] = "ok"
    shutil.rmtree(store_dir, ignore_errors=True)
    return res


def mb(kb: int | None) -> str:
    return "-" if kb is None else f"{kb / 1024:.0f}"


def ms(x: float) -> str:
    x *= 1000
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 1000 else f"{x:,.0f}"


def load_peak_kb(r: dict) -> int | None:
    """Peak RSS of loading: of the load process (pyox-disk), else of the one process up to the load."""
    return r.get("load_hwm_kb")


def answer_rss_kb(r: dict) -> int | None:
    """Resident memory while answering: the peak (VmHWM) of the process that ran the queries. For
    pyox-disk that process only opened the store read-only; for the others it also loaded the data
    (its peak includes the load), so the RSS after the queries is given instead."""
    if r["backend"] == "pyox-disk":
        return r.get("peak_kb")
    return r.get("answer_rss_kb")


def fmt_row(size_label: str, meta: dict, r: dict, timeout: float) -> list[str]:
    st = r["status"]

    def cell(phase, fn):
        if phase in r:
            return fn(r[phase])
        return st.get(phase, "-")

    def q_cell(d):
        return ms(d["seconds"]) + (f" (n={d['runs']})" if d["runs"] < 3 else "")

    return [
        size_label,
        r["backend"],
        cell("load", lambda d: f"{d['quads']:,}"),
        cell("load", lambda d: f"{d['seconds']:.1f}"),
        cell("load", lambda d: f"{d['quads'] / d['seconds']:,.0f}"),
        mb(load_peak_kb(r)),
        mb(answer_rss_kb(r)),
        cell("lookup", q_cell),
        cell("province/hash", q_cell),
        cell("join", q_cell),
        cell("lookup", lambda d: str(d["rows"])),
        cell("join", lambda d: f"{d['rows']} (n={d['total_n']})"),
        cell("add", lambda d: f"{d['quads'] / d['seconds']:,.0f}"),
    ]


def goal_rows(size_label: str, r: dict) -> list[list[str]]:
    """One row per query (p50, p95 next to the goal), then the memory while answering and of the load."""
    out = []
    for name, (shape, _, _, goal) in QUERIES.items():
        if name not in r:
            if r["status"].get(name):
                skipped = r["status"][name].startswith("skipped")
                out.append([size_label, r["backend"], name, shape, r["status"][name], "", "", "",
                            f"< {goal} ms" if goal else "", "NO" if goal and not skipped else ""])
            continue
        d = r[name]
        ok = "" if goal is None else ("yes" if d["seconds"] * 1000 < goal else "NO")
        out.append([size_label, r["backend"], name, shape, ms(d["seconds"]), ms(d["p95"]), str(d["runs"]),
                    str(d["rows"]), f"< {goal} ms" if goal else "", ok])
    answer = answer_rss_kb(r)
    if answer is not None:
        out.append([size_label, r["backend"], "RSS answering", "read-only reopen" if r["backend"] == "pyox-disk"
                    else "process holding the data", f"{answer / 1024:.0f} MB", "", "", "",
                    f"< {GOAL_RSS_MB} MB", "yes" if answer / 1024 < GOAL_RSS_MB else "NO"])
    load = load_peak_kb(r)
    if load is not None:
        out.append([size_label, r["backend"], "RSS load peak", "chunked bulk_load + optimize"
                    if r["backend"] == "pyox-disk" else "load", f"{load / 1024:.0f} MB", "", "", "", "", ""])
    return out


def print_table(header: list[str], rows: list[list[str]], left: int = 2) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    right = set(range(left, len(header)))

    def line(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))
    sys.stdout.flush()


def human(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def size(text: str) -> int:
    """A number of quads: 20000, 100k, 1M, 10M."""
    t = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if mult > 1 else t) * mult)


def versions() -> str:
    def v(pkg):
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return "not installed"
    return (f"Python {platform.python_version()} ({platform.python_implementation()}) on "
            f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs | "
            f"rdflib {v('rdflib')} | oxrdflib {v('oxrdflib')} | pyoxigraph {v('pyoxigraph')}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--triples", type=size, nargs="+", default=[100_000, 1_000_000],
                    help="target data set sizes in quads, e.g. 100k 1M 10M (default: 100k 1M)")
    ap.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    ap.add_argument("--memory-max", type=size, default=2_000_000,
                    help="largest size the in-memory backends (rdflib, oxrdflib, pyox-mem) run at "
                         "(default 2M; above it only pyox-disk runs, see the note printed)")
    ap.add_argument("--queries", nargs="+", choices=list(QUERIES), default=list(QUERIES),
                    help="queries to run (default: all)")
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds allowed for one query run (default 300)")
    ap.add_argument("--load-timeout", type=float, default=3600.0,
                    help="seconds allowed for a load (default 3600: 10M quads take ~10 min on 2 busy cores)")
    ap.add_argument("--repeats", type=int, default=20,
                    help="query runs; p50 and p95 are reported (default 20)")
    ap.add_argument("--repeat-budget", type=float, default=30.0,
                    help="stop repeating a query once its runs total this many seconds")
    ap.add_argument("--load-chunk", type=int, default=200_000,
                    help="pyox-disk loads the N-Quads file in bulk_load calls of this many lines, "
                         "then compacts (0: one bulk_load of the whole file; default 200000)")
    ap.add_argument("--add-docs", type=int, default=100,
                    help="extra documents inserted through the Python API (0 to skip)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--typed-join", action="store_true",
                    help="add rdf:type checks on the regions to the join query "
                         "(makes rdflib's planner build a cartesian product)")
    ap.add_argument("--tmpdir", default=None, help="where to put data files and disk stores")
    # internal: worker mode
    ap.add_argument("--worker", choices=BACKENDS, help=argparse.SUPPRESS)
    ap.add_argument("--phase", choices=("all", "load", "query", "add"), default="all",
                    help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--meta", help=argparse.SUPPRESS)
    ap.add_argument("--store-dir", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        worker(args)
        return 0

    t_start = time.monotonic()
    print(versions())
    print(f"seed={args.seed}  sizes={' '.join(human(n) for n in args.triples)}  "
          f"timeout={args.timeout:g}s  repeats={args.repeats} (budget {args.repeat_budget:g}s/query)  "
          f"add-docs={args.add_docs}  load-chunk={args.load_chunk}")
    sys.stdout.flush()

    header = ["size", "backend", "quads", "load s", "triples/s", "load peak MB", "answer RSS MB",
              "lookup ms", "province/hash ms", "join ms", "lookup rows", "join rows (sum n)", "add q/s"]
    goal_header = ["size", "backend", "query", "shape", "p50 ms", "p95 ms", "runs", "rows", "goal", "met"]
    table: list[list[str]] = []
    goals: list[list[str]] = []
    problems: list[str] = []
    notes: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-stores-", dir=args.tmpdir))
    try:
        for target in args.triples:
            data = tmp / f"data-{target}.nq"
            meta_path = tmp / f"meta-{target}.json"
            t0 = time.perf_counter()
            meta = write_dataset(data, target, args.seed)
            meta["typed_join"] = args.typed_join
            meta_path.write_text(json.dumps(meta))
            notes.append(
                f"{human(target)}: {meta['quads']:,} quads, {meta['documents']:,} named graphs "
                f"(+1 gazetteer with {meta['closure']:,} pkg:withinRegion), {meta['observations']:,} "
                f"observations, {data.stat().st_size / 2**20:.0f} MB N-Quads, generated in "
                f"{time.perf_counter() - t0:.1f} s; lookup county {meta['county'].rsplit('/', 1)[-1]}, "
                f"aggregate province {meta['province'].rsplit('/', 1)[-1]}")
            print(f"[{time.monotonic() - t_start:6.0f}s] {notes[-1]}", file=sys.stderr)
            results = []
            backends = [b for b in args.backends if b not in IN_MEMORY or target <= args.memory_max]
            skipped = [b for b in args.backends if b not in backends]
            if skipped:
                notes.append(f"{human(target)}: {', '.join(skipped)} not run (above --memory-max "
                             f"{human(args.memory_max)}: they hold the whole data set in memory, "
                             "several GB at this size, and rdflib's loads and path queries take hours)")
            for backend in backends:
                print(f"[{time.monotonic() - t_start:6.0f}s]   running {backend} ...",
                      file=sys.stderr, flush=True)
                r = run_backend(args, backend, data, meta_path, tmp)
                results.append(r)
                table.append(fmt_row(human(target), meta, r, args.timeout))
                goals.extend(goal_rows(human(target), r))
                if "stderr" in r:
                    problems.append(f"{human(target)} {backend} failed in {r['failed_phase']}:\n"
                                    f"{r['stderr']}")
                # Within a backend, the materialised closure must give the rows of the path.
                for q in ("lookup", "province", "by-province"):
                    shapes = {n: (r[n]["rows"], r[n]["fingerprint"]) for n in QUERIES
                              if n.split("/")[0] == q and n in r}
                    if len(set(shapes.values())) > 1:
                        problems.append(f"MISMATCH at {human(target)} {backend}: the shapes of {q} "
                                        f"differ: {shapes}")
            data.unlink()
            # Agreement between backends (only among those that finished a phase).
            checks = [("load", "quads")] + [(q, what) for q in args.queries for what in ("rows", "fingerprint")]
            checks.append(("join", "total_n"))
            for key, what in checks:
                vals = {r["backend"]: r[key][what] for r in results if key in r}
                if key == "load":
                    vals["generator"] = meta["quads"]
                if len(set(vals.values())) > 1:
                    problems.append(f"MISMATCH at {human(target)}: {key} {what} differ: {vals}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print_table(header, table)
    print()
    print_table(goal_header, goals, left=4)
    print()
    print("Data: " + "\n      ".join(notes))
    print("load peak MB = peak RSS (VmHWM) of the loading process: pyox-disk loads in its own process "
          f"(bulk_load in chunks of {args.load_chunk:,} lines, then optimize), the others' one process "
          "up to the end of the load. answer RSS MB = resident memory while answering: pyox-disk, the "
          "peak RSS of a fresh process that opened the store read-only and ran every query; the "
          "in-memory backends, the RSS of their process after the queries (the data is in it). "
          "Query times: p50 (and p95) of up to "
          f"{args.repeats} runs, fewer (n=k) once a query's runs total {args.repeat_budget:g} s; "
          "add q/s = per-document Dataset.addN / Store.extend.")
    print("Queries: lookup = one indicator in one county with its sentences; province = count and "
          "average of one indicator's figures of one year in a province and all regions under it; "
          "by-province = the same for every province (GROUP BY); path = skos:broader*, closure = "
          "pkg:withinRegion (materialised) joined pattern by pattern, hash = the same in sub-SELECTs "
          "that Oxigraph hash-joins; join = the older two-hop county -> prefecture -> "
          "province join (county figures only).")
    print(f"Total wall time: {time.monotonic() - t_start:.0f} s")
    if problems:
        print()
        for p in problems:
            print(p)
        print("BACKENDS DISAGREE OR FAILED -- see above." if any("MISMATCH" in p for p in problems)
              else "Some backends failed -- see above.")
        return 1
    if any("timeout" in cell for row in table + goals for cell in row):
        print("Agreement: the backends that finished each query returned identical quad counts, "
              "row counts and results (timed-out queries could not be compared); path and closure "
              "shapes agree.")
    else:
        print("Agreement: all backends returned identical quad counts, row counts and results; "
              "path and closure shapes agree.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
