"""The corpus-wide graphs, kept in step with the documents one change at a time.

Three graphs belong to no single document: the shared graph (units, periods,
groups, publishers), the entities graph (one description per entity, merged over
the documents naming it, with its links to the national standard) and the
indicators graph (concepts grouping the figures' metric phrases, and each
figure's ``pkg:indicator``). Rebuilding them from every record costs the corpus;
``DerivedGraphs.update`` reads only the records of documents that changed and
writes only the triples that differ.

What each document contributed is kept in a SQLite file beside the records:

- ``held``: every triple of the three graphs with its *owner* (a document, an
  entity key, an indicator concept). A triple is in the store while at least one
  owner holds it, so a unit two documents name stays when one of them goes.
- ``entities``: each document's entities, so an entity's description is merged
  again from the documents that name it, and only for entities a change touched.
- ``figures`` and ``forms``: each figure's metric phrase, unit, language and
  normal form (``kg.graph.indicators``), and each normal form's concept. Grouping
  runs over the normal forms' counts (a few thousand rows, not the records); only
  the concepts holding a normal form that a change touched are described again,
  and only their figures' ``pkg:indicator`` rewritten.

A full build and any sequence of updates give the same graphs
(``tests/test_derived.py``). The file is trusted only when it says it was written
by the derive that last completed; otherwise (a crash, another version, other
vocabularies) everything is built again.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter, defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterable, Mapping

import pyoxigraph as ox
from ingest.records import DocumentRecord, Entity
from kg.graph.indicators import (SCHEME_TRIPLES, NormalForm, PairCache, RegionNames, concept_triples,
                                 describe_concept, group_keys, main_family, normal_form, unit_family)
from kg.graph.namespaces import ENTITY_GRAPH, INDICATOR_GRAPH, PKG, SHARED_GRAPH, concept_iri, observation_iri
from kg.graph.oxigraph import from_oxigraph_term, to_oxigraph_term
from kg.graph.rdf_entities import describe_entity, entity_iri, merge_entities, service_links
from kg.graph.rdf_observations import document_shared_triples, shared_constants
from kg.graph.store import TripleStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS docs(doc TEXT PRIMARY KEY, fingerprint TEXT);
CREATE TABLE IF NOT EXISTS held(graph TEXT, owner TEXT, triple TEXT);
CREATE INDEX IF NOT EXISTS held_by_owner ON held(graph, owner);
CREATE INDEX IF NOT EXISTS held_by_triple ON held(graph, triple);
CREATE TABLE IF NOT EXISTS entities(doc TEXT, pos INTEGER, key TEXT, body TEXT);
CREATE INDEX IF NOT EXISTS entities_by_doc ON entities(doc);
CREATE INDEX IF NOT EXISTS entities_by_key ON entities(key);
CREATE TABLE IF NOT EXISTS figures(doc TEXT, start INTEGER, "end" INTEGER, metric TEXT, unit TEXT,
                                   language TEXT, region TEXT, norm TEXT, family TEXT);
CREATE INDEX IF NOT EXISTS figures_by_doc ON figures(doc);
CREATE INDEX IF NOT EXISTS figures_by_norm ON figures(norm);
CREATE TABLE IF NOT EXISTS forms(norm TEXT PRIMARY KEY, concept TEXT, bag TEXT, translation TEXT);
"""
# Past this many changed documents an update is no cheaper than building everything again.
FULL_FROM_SHARE = 0.5


class DerivedGraphs:
    """The shared, entities and indicators graphs of ``store``, with what each document contributed
    kept in ``path`` (SQLite). ``embed(phrases, language)`` embeds metric phrases and service
    labels; ``pairs`` is the indicator grouping's pair cache; ``region_names(codes)`` the names
    of regions to drop from metric phrases; ``catalogue`` the standard's (concept, label, aspect)."""

    def __init__(self, path: Path, store: TripleStore, embed, pairs: PairCache | None,
                 region_names: Callable[[set[str]], set[str]], catalogue: Callable[[], list[tuple]]):
        self.path = Path(path)
        self.store = store
        self.embed = embed
        self.pairs = pairs
        self.region_names = region_names
        self.catalogue = catalogue
        self.rebuilt = False  # whether the last ``update`` built everything again
        self.documents_read = 0  # records the last ``update`` read

    def update(self, records: Mapping[str, DocumentRecord], fingerprints: dict[str, str], basis: str,
               previous: str | None, key: str, full: bool = False) -> None:
        """Bring the three graphs in line with the documents ``fingerprints`` names (id ->
        fingerprint; their records in ``records``, read only where changed).

        ``basis`` names everything else the graphs depend on (rule versions, vocabularies,
        embedders); ``previous`` is the key the last completed derive recorded (None: it did not
        complete) and ``key`` the one this derive records. The file is used only when it was written
        with the same basis by that derive, and ``full`` is not given (the store lost a graph);
        else everything is built from every record."""
        db = self._open()
        try:
            meta = dict(db.execute("SELECT key, value FROM meta"))
            have = dict(db.execute("SELECT doc, fingerprint FROM docs"))
            changed = {d for d, fp in fingerprints.items() if have.get(d) != fp} | (set(have) - set(fingerprints))
            full = (full or previous is None or meta.get("basis") != basis or meta.get("derived") != previous
                    or len(changed) > FULL_FROM_SHARE * max(1, len(fingerprints)) or not have)
            self.rebuilt, self.documents_read = full, 0
            db.execute("BEGIN")
            if full:
                for table in ("meta", "docs", "held", "entities", "figures", "forms"):
                    db.execute(f"DELETE FROM {table}")
                changed = set(fingerprints)
            current = {}
            for d in sorted(changed):
                if d in fingerprints:
                    current[d] = records[d]
                    self.documents_read += 1
            held = _Held(db, full)
            self._shared(db, held, changed, current, full)
            self._entities(db, held, changed, current, full)
            self._indicators(db, held, changed, current, full)
            db.execute("DELETE FROM docs WHERE doc IN (SELECT value FROM json_each(?))", (json.dumps(sorted(changed)),))
            db.executemany("INSERT INTO docs VALUES (?, ?)", [(d, fingerprints[d]) for d in sorted(current)])
            held.write(self.store)
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [("basis", basis), ("derived", key)])
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()
        if self.pairs is not None:
            try:
                self.pairs.save()
            except OSError:  # only a cache
                pass

    def _open(self) -> sqlite3.Connection:
        """The contributions file, made anew when it is not a readable database of ours."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for attempt in (1, 2):
            db = sqlite3.connect(self.path, isolation_level=None)
            try:
                db.executescript(SCHEMA)
                return db
            except sqlite3.DatabaseError:
                db.close()
                if attempt == 2:
                    raise
                for p in (self.path, self.path.with_name(self.path.name + "-journal")):
                    p.unlink(missing_ok=True)
        raise AssertionError("unreachable")

    # -- the shared graph --------------------------------------------------------------
    def _shared(self, db, held: "_Held", changed, current, full: bool) -> None:
        if full:
            held.set(SHARED_GRAPH, "constants", shared_constants())
        for d in sorted(changed):
            held.set(SHARED_GRAPH, f"doc:{d}", document_shared_triples(current[d]) if d in current else set())

    # -- the entities graph ------------------------------------------------------------
    def _entities(self, db, held: "_Held", changed, current, full: bool) -> None:
        docs = json.dumps(sorted(changed))
        touched = {k for (k,) in db.execute("SELECT DISTINCT key FROM entities WHERE doc IN "
                                            "(SELECT value FROM json_each(?))", (docs,))}
        db.execute("DELETE FROM entities WHERE doc IN (SELECT value FROM json_each(?))", (docs,))
        rows = [(d, i, e.key, _entity_json(e)) for d in sorted(current) for i, e in enumerate(current[d].entities)]
        db.executemany("INSERT INTO entities VALUES (?, ?, ?, ?)", rows)
        touched |= {key for _, _, key, _ in rows}
        lists = []
        for chunk in _chunks(sorted(touched)):
            lists += [[_entity(body)] for (body,) in db.execute(
                "SELECT body FROM entities WHERE key IN (SELECT value FROM json_each(?)) ORDER BY doc, pos",
                (json.dumps(chunk),))]
        merged = merge_entities(lists)
        triples = {key: describe_entity(key, e) for key, e in merged.items()}
        owner = {entity_iri(key): key for key in merged}
        for t in service_links(list(merged.values()), self.catalogue(), self.embed):
            triples[owner[t[0]]].add(t)
        for key in sorted(touched):
            held.set(ENTITY_GRAPH, f"entity:{key}", triples.get(key, set()))

    # -- the indicators graph ----------------------------------------------------------
    def _indicators(self, db, held: "_Held", changed, current, full: bool) -> None:
        docs = json.dumps(sorted(changed))
        touched = {n for (n,) in db.execute("SELECT DISTINCT norm FROM figures WHERE doc IN "
                                            "(SELECT value FROM json_each(?))", (docs,))}
        db.execute("DELETE FROM figures WHERE doc IN (SELECT value FROM json_each(?))", (docs,))
        new = [(d, o, rec.language) for d in sorted(current) for rec in (current[d],) for o in rec.observations]
        codes = {c for (c,) in db.execute("SELECT DISTINCT region FROM figures WHERE region IS NOT NULL")}
        codes |= {o.region for _, o, _ in new if o.region}
        names = sorted(self.region_names(codes))
        digest = hashlib.sha256("\n".join(names).encode("utf-8")).hexdigest()[:16]
        renormalise = full or _meta(db, "region_names") != digest
        finder = RegionNames(names)
        memo: dict[tuple[str, str], str] = {}

        def norm(metric: str, unit: str) -> str:
            if (metric, unit) not in memo:
                memo[(metric, unit)] = normal_form(metric, unit, finder)
            return memo[(metric, unit)]

        if renormalise and not full:  # another region's name is now dropped from metric phrases: all again
            pairs = db.execute("SELECT DISTINCT metric, unit FROM figures").fetchall()
            db.executemany("UPDATE figures SET norm = ? WHERE metric = ? AND unit = ?",
                           [(norm(m, u), m, u) for m, u in pairs])
        db.execute("INSERT OR REPLACE INTO meta VALUES ('region_names', ?)", (digest,))
        rows = [(d, o.start, o.end, o.metric, o.unit, language, o.region, norm(o.metric, o.unit), unit_family(o.unit))
                for d, o, language in new]
        db.executemany("INSERT INTO figures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        touched |= {r[7] for r in rows}

        # every normal form's counts, language and family: rows per normal form, not per figure
        forms: dict[str, NormalForm] = {}
        for n, language, count, _ in db.execute(
                "SELECT norm, language, COUNT(*), MIN(doc || char(0) || printf('%012d', start)) FROM figures GROUP BY norm"):
            forms[n] = NormalForm(language, "", count)
        families: dict[str, Counter] = defaultdict(Counter)
        for n, family, count in db.execute("SELECT norm, family, COUNT(*) FROM figures GROUP BY norm, family"):
            families[n][family] = count
        old_concept: dict[str, str] = {}
        cached: dict[str, tuple] = {}  # what the file held of each form's words and translation
        for n, concept, bag, translation in db.execute("SELECT norm, concept, bag, translation FROM forms"):
            old_concept[n] = concept
            if n in forms:
                forms[n].bag = tuple(json.loads(bag)) if bag is not None else None
                forms[n].translation = translation
                cached[n] = (forms[n].bag, translation)
        for n, form in forms.items():
            form.family = main_family(families[n])
        groups, reordered, translated = group_keys(forms, self.embed, self.pairs)

        if renormalise:
            dirty = set(forms) | set(old_concept)
        else:  # the forms a change touched, the groups they are in now, the forms of those groups' old
            dirty = set(touched)  # concepts, and so on until no concept is left half redone
            members: dict[str, set] = defaultdict(set)
            for n, c in old_concept.items():
                members[c].add(n)
            while True:
                grown = set(dirty)
                for g in groups:
                    if not dirty.isdisjoint(g):
                        grown |= set(g)
                for c in {old_concept[n] for n in grown if n in old_concept}:
                    grown |= members[c]
                if grown == dirty:
                    break
                dirty = grown
        dirty_groups = [g for g in groups if not dirty.isdisjoint(g)]
        phrases: dict[str, Counter] = defaultdict(Counter)
        for chunk in _chunks(sorted({n for g in dirty_groups for n in g})):
            for n, metric, language, count in db.execute(
                    "SELECT norm, metric, language, COUNT(*) FROM figures WHERE metric != '' AND norm IN "
                    "(SELECT value FROM json_each(?)) GROUP BY norm, metric, language", (json.dumps(chunk),)):
                phrases[n][(metric, language)] += count
        concept_of: dict[str, str] = {}
        owners = {old_concept[n] for n in dirty if old_concept.get(n)}
        described: dict[str, set] = {}
        for g in dirty_groups:
            key, concept = describe_concept(g, {n: forms[n].count for n in g}, sum((phrases[n] for n in g), Counter()),
                                            translated, reordered)
            iri = str(concept_iri("indicator", key))
            described[iri] = set(concept_triples(key, concept))
            concept_of.update({n: iri for n in g})
        for iri in sorted(owners | set(described)):
            held.set(INDICATOR_GRAPH, f"concept:{iri}", described.get(iri, set()))
        if full:
            held.set(INDICATOR_GRAPH, "scheme", set(SCHEME_TRIPLES))

        # each figure's pkg:indicator, for the documents whose figures changed concept
        moved = sorted(n for n, iri in concept_of.items() if old_concept.get(n) != iri)
        affected = set(changed)
        for chunk in _chunks(moved):
            affected |= {d for (d,) in db.execute("SELECT DISTINCT doc FROM figures WHERE norm IN "
                                                  "(SELECT value FROM json_each(?))", (json.dumps(chunk),))}
        gone = sorted(set(old_concept) - set(forms))
        db.executemany("DELETE FROM forms WHERE norm = ?", [(n,) for n in gone])
        db.executemany("INSERT OR REPLACE INTO forms VALUES (?, ?, ?, ?)",
                       [(n, concept_of.get(n, old_concept.get(n)), json.dumps(f.bag, ensure_ascii=False)
                         if f.bag is not None else None, f.translation) for n, f in forms.items()
                        if n in concept_of or cached.get(n) != (f.bag, f.translation)])
        concept_now = dict(db.execute("SELECT norm, concept FROM forms"))
        for chunk in _chunks(sorted(affected)):
            members: dict[str, set] = {d: set() for d in chunk}
            for d, start, end, n in db.execute('SELECT doc, start, "end", norm FROM figures WHERE doc IN '
                                               "(SELECT value FROM json_each(?))", (json.dumps(chunk),)):
                members[d].add((observation_iri(d, start, end), PKG.indicator, _iri(concept_now[n])))
            for d in chunk:
                held.set(INDICATOR_GRAPH, f"doc:{d}", members[d])


class _Held:
    """The ``held`` table and the store changes it implies: ``set`` an owner's triples, then
    ``write`` puts in the store every triple some owner came to hold and takes out every triple
    no owner holds any longer."""

    def __init__(self, db: sqlite3.Connection, full: bool):
        self.db = db
        self.full = full
        self.candidates: dict[str, set[str]] = defaultdict(set)  # graph -> triples whose presence may change

    def set(self, graph, owner: str, triples: Iterable[tuple]) -> None:
        g = str(graph)
        new = {_line(t) for t in triples}
        if self.full:
            old = set()
        else:
            old = {t for (t,) in self.db.execute("SELECT triple FROM held WHERE graph = ? AND owner = ?", (g, owner))}
        gone, came = old - new, new - old
        if gone:
            self.db.executemany("DELETE FROM held WHERE graph = ? AND owner = ? AND triple = ?",
                                [(g, owner, t) for t in gone])
        if came:
            self.db.executemany("INSERT INTO held VALUES (?, ?, ?)", [(g, owner, t) for t in came])
        if not self.full:
            self.candidates[g] |= gone | came

    def write(self, store: TripleStore) -> None:
        for graph in (SHARED_GRAPH, ENTITY_GRAPH, INDICATOR_GRAPH):
            g = str(graph)
            if self.full:
                every = [t for (t,) in self.db.execute("SELECT DISTINCT triple FROM held WHERE graph = ?", (g,))]
                store.replace_graph(graph, _triples(every))
                continue
            removed, added = [], []
            for t in sorted(self.candidates.get(g, ())):
                held = self.db.execute("SELECT 1 FROM held WHERE graph = ? AND triple = ? LIMIT 1", (g, t)).fetchone()
                (added if held else removed).append(t)
            if not (removed or added):
                continue
            try:
                store.change_graph(graph, _triples(removed), _triples(added))
            except NotImplementedError:  # the backend replaces graphs whole
                every = [t for (t,) in self.db.execute("SELECT DISTINCT triple FROM held WHERE graph = ?", (g,))]
                store.replace_graph(graph, _triples(every))


def _line(t: tuple) -> str:
    """A triple as its N-Triples line (without the final dot): the form ``held`` keeps."""
    return " ".join(str(to_oxigraph_term(x)) for x in t)


def _triples(lines: list[str]) -> list[tuple]:
    if not lines:
        return []
    data = "".join(f"{line} .\n" for line in lines).encode("utf-8")
    return [(from_oxigraph_term(t.subject), from_oxigraph_term(t.predicate), from_oxigraph_term(t.object))
            for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


def _iri(value: str):
    from rdflib import URIRef

    return URIRef(value)


def _entity_json(e: Entity) -> str:
    return json.dumps(asdict(e) | {"aliases": sorted(e.aliases)}, ensure_ascii=False, sort_keys=True)


def _entity(body: str) -> Entity:
    d = json.loads(body)
    return Entity(**(d | {"aliases": set(d["aliases"]), "period": tuple(d["period"]) if d.get("period") else None}))


def _meta(db, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _chunks(items: list, size: int = 5000):
    for i in range(0, len(items), size):
        yield items[i:i + size]

