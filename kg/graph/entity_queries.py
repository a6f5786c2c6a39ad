"""SPARQL for entities: listing by type and name, one entity's facts, its mentions."""

from __future__ import annotations

from kg.graph.observations import sparql_iri, sparql_string

TYPES = {
    "region": "pkg:Region", "organization": "org:Organization", "person": "foaf:Person", "event": "pkg:Event",
    "plan": "pkg:Plan", "standard": "pkg:Standard", "goal": "pkg:TargetStatement",
    "service": "pkg:ServiceAspect", "service-category": "pkg:ServiceCategory", "service-area": "pkg:ServiceArea",
    "service-item": "pkg:ServiceItem",
}


def entities_query(type: str | None = None, name: str | None = None) -> str:
    """Entities with iri, type, label, code, parent, role, organization and the documents naming them."""
    if type is not None and type not in TYPES and type != "service":
        raise ValueError(f"unknown entity type {type!r}; choose from {', '.join(TYPES)}")
    kinds = {k: v for k, v in TYPES.items() if type is None or k == type or (type == "service" and k.startswith("service"))}
    values = " ".join(f'({cls} "{"service" if k.startswith("service") else k}")' for k, cls in kinds.items())
    mentioned = "" if type == "service" else "?s pkg:mentions ?iri ."
    if type == "service":  # the catalogue itself, and the areas the documents name
        mentioned = "FILTER (?cls != pkg:ServiceArea || EXISTS { ?s pkg:mentions ?iri })"
    name_filter = ""
    if name:
        needle = sparql_string(name.lower())
        name_filter = (f"FILTER EXISTS {{ ?iri skos:prefLabel|skos:altLabel|rdfs:label ?n . "
                       f"FILTER (CONTAINS(LCASE(STR(?n)), {needle})) }}")
    return f"""SELECT ?iri ?type (SAMPLE(?l) AS ?label) (SAMPLE(?c) AS ?code) (SAMPLE(?p) AS ?parent)
       (SAMPLE(?r) AS ?role) (SAMPLE(?o) AS ?organization) (GROUP_CONCAT(DISTINCT ?doc; separator=" ") AS ?docs) WHERE {{
  VALUES (?cls ?type) {{ {values} }}
  ?iri a ?cls .
  {mentioned}
  {name_filter}
  OPTIONAL {{ ?s2 pkg:mentions ?iri ; dcterms:isPartOf/dcterms:identifier ?doc . }}
  OPTIONAL {{ ?iri skos:prefLabel ?l . FILTER (LANG(?l) = "" || LANG(?l) = "en") }}
  OPTIONAL {{ ?iri skos:notation ?c }}
  OPTIONAL {{ ?iri skos:broader|org:subOrganizationOf|skos:broadMatch ?p }}
  OPTIONAL {{ ?iri pkg:role ?r }}
  OPTIONAL {{ ?iri org:memberOf|prov:wasAssociatedWith ?o }}
}}
GROUP BY ?iri ?type
ORDER BY ?type ?label"""


def entity_facts_query(iri: str) -> str:
    return f"""SELECT ?property ?value ?valueLabel WHERE {{
  {sparql_iri(iri)} ?property ?value .
  OPTIONAL {{ ?value skos:prefLabel|rdfs:label ?valueLabel . FILTER (LANG(?valueLabel) = "" || LANG(?valueLabel) = "en") }}
}}
ORDER BY ?property"""


def mentions_query(iri: str) -> str:
    return f"""SELECT ?doc ?title ?start ?end ?text ?sentence WHERE {{
  ?m itsrdf:taIdentRef {sparql_iri(iri)} ; nif:beginIndex ?start ; nif:endIndex ?end ; nif:anchorOf ?text ;
     nif:sentence/nif:anchorOf ?sentence ; nif:referenceContext/nif:sourceUrl ?d .
  ?d dcterms:identifier ?doc ; dcterms:title ?title .
}}
ORDER BY ?doc ?start"""
