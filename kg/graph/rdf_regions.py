"""The region hierarchy's closure, materialised when the gazetteer graph is loaded.

``ontology/regions.ttl`` links each region to its parent with ``skos:broader``
(county -> prefecture -> province -> China). "A region and every region under
it" is then the property path ``pkg:refArea/skos:broader*``, which a store
evaluates by walking the hierarchy for every candidate observation: seconds at
ten million triples. ``pkg:withinRegion`` holds the same relation as plain
triples, one per (region, region it lies in) pair, the region itself included
(reflexive, like ``skos:broader*``): ``?obs pkg:refArea/pkg:withinRegion ?area``
is one indexed join, and returns exactly the rows of the path.

The closure is derived from the ``skos:broader`` triples whatever loads them
(``kg.build`` for the region graph, ``bench/stores.py`` for its synthetic
hierarchy), so both write the same triples. This module imports no RDF library:
``region_closure`` works on any hashable terms.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

SKOS_BROADER = "http://www.w3.org/2004/02/skos/core#broader"
WITHIN_REGION = "https://policykg.org/ns#withinRegion"
REGIONS_FILE = "regions.ttl"


def region_closure(broader: Iterable[tuple[Hashable, Hashable]],
                   regions: Iterable[Hashable] = ()) -> list[tuple[Hashable, Hashable]]:
    """Every (region, ancestor-or-self) pair of the hierarchy given as (child, parent) pairs.

    ``regions`` adds regions that may have no parent and no child (a lone nation). Each region is
    paired with itself and with every region above it, nearest first; pairs come sorted by region
    (as ``str``) so the output does not depend on the input's order. A cycle in the input raises
    ``ValueError`` (the gazetteer is a tree).
    """
    parents: dict[Hashable, list[Hashable]] = {}
    for child, parent in broader:
        parents.setdefault(child, [])
        if parent not in parents[child]:
            parents[child].append(parent)
        parents.setdefault(parent, [])
    for r in regions:
        parents.setdefault(r, [])
    above: dict[Hashable, list[Hashable]] = {}

    def ancestors(r, path=()):
        if r in above:
            return above[r]
        if r in path:
            raise ValueError(f"skos:broader cycle through {r}")
        out = [r]
        for p in parents[r]:
            out += [a for a in ancestors(p, (*path, r)) if a not in out]
        above[r] = out
        return out

    return [(r, a) for r in sorted(parents, key=str) for a in ancestors(r)]


def closure_triples(triples: Iterable[tuple]) -> list[tuple]:
    """The ``pkg:withinRegion`` triples of the regions in rdflib ``triples`` (their ``skos:broader`` links)."""
    from rdflib import URIRef  # only here: the bench imports this module without rdflib
    from rdflib.namespace import RDF

    from kg.graph.namespaces import PKG

    broader = URIRef(SKOS_BROADER)
    region_class = PKG.Region
    regions = []
    links = []
    for s, p, o in triples:
        if p == broader:
            links.append((s, o))
        elif p == RDF.type and o == region_class:
            regions.append(s)
    within = URIRef(WITHIN_REGION)
    return [(r, within, a) for r, a in region_closure(links, regions)]


def vocabulary_digest(name: str, file_digest: str) -> str:
    """What the loaded graph of a shipped vocabulary file is built from: the file, and for the
    regions the version of the closure rule (so a knowledge base loaded before it gets the closure)."""
    from kg.graph import RULE_SETS

    return f"{file_digest}+regions-{RULE_SETS['regions']}" if name == REGIONS_FILE else file_digest


def vocabulary_triples(name: str, triples: list[tuple]) -> list[tuple]:
    """The triples to load for a shipped vocabulary file: its own, plus the closure for the regions."""
    return triples + closure_triples(triples) if name == REGIONS_FILE else triples
