"""Namespaces and the minting of stable IRIs.

Every IRI is derived from stable inputs only (file stems, offsets, normalised
names), so ingesting identical input twice yields identical IRIs.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD

BASE = "https://policykg.org/"
PKG = Namespace(BASE + "ns#")  # the ontology
ID = Namespace(BASE + "id/")  # resources
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
QB = Namespace("http://purl.org/linked-data/cube#")
ORG = Namespace("http://www.w3.org/ns/org#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
OA = Namespace("http://www.w3.org/ns/oa#")
DCMITYPE = Namespace("http://purl.org/dc/dcmitype/")
SDMX_DIM = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_ATT = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
SDMX_MEAS = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")

PREFIXES = {
    "pkg": PKG, "id": ID, "nif": NIF, "qb": QB, "org": ORG, "foaf": FOAF, "oa": OA,
    "dcterms": DCTERMS, "dcmitype": DCMITYPE, "prov": PROV, "skos": SKOS, "time": TIME,
    "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD,
    "itsrdf": Namespace("http://www.w3.org/2005/11/its/rdf#"),
    "sdmx-dimension": SDMX_DIM, "sdmx-attribute": SDMX_ATT, "sdmx-measure": SDMX_MEAS,
}

ONTOLOGY_GRAPH = ID["graph/ontology"]


def sparql_prologue() -> str:
    """PREFIX lines for every namespace above, for queries and examples."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def slug(text: str) -> str:
    """A stable IRI segment: NFKC, lower-cased, runs of non-word characters to '-'.

    Non-ASCII letters (e.g. Chinese) are kept and percent-encoded.
    """
    s = unicodedata.normalize("NFKC", text).strip().lower()
    s = re.sub(r"[^\w]+", "-", s).strip("-")
    return quote(s or "_", safe="-_.~")


def doc_iri(doc_id: str):
    return ID[f"doc/{slug(doc_id)}"]


def doc_graph(doc_id: str):
    """The named graph that holds everything derived from one document."""
    return ID[f"graph/doc/{slug(doc_id)}"]


def text_iri(doc_id: str):
    """The NIF context: the document's whole extracted text."""
    return ID[f"doc/{slug(doc_id)}/text"]


def span_iri(doc_id: str, kind: str, start: int, end: int):
    """A paragraph or sentence, named by its offsets (RFC 5147 style)."""
    return ID[f"doc/{slug(doc_id)}/{kind}/char={start},{end}"]


def observation_iri(doc_id: str, start: int, end: int):
    """A figure, named by the offsets of its text in the document."""
    return ID[f"doc/{slug(doc_id)}/observation/char={start},{end}"]


def region_iri(code: str):
    return ID[f"region/{code}"]


def period_iri(start: int, end: int):
    return ID[f"period/{start}" if start == end else f"period/{start}-{end}"]


def year_iri(year: int):
    return ID[f"year/{year}"]


def concept_iri(scheme: str, label: str):
    """A concept in one of policykg's own schemes (units, groups, indicators)."""
    return ID[f"{scheme}/{slug(label)}"]


DATASET = ID["dataset/observations"]
INDICATOR_GRAPH = ID["graph/indicators"]
REGION_GRAPH = ID["graph/regions"]
SHARED_GRAPH = ID["graph/shared"]
ENTITY_GRAPH = ID["graph/entities"]
STANDARD_GRAPH = ID["graph/standard-2021"]


def activity_iri(doc_id: str, fingerprint: str):
    return ID[f"doc/{slug(doc_id)}/ingest/{fingerprint[:16]}"]


def agent_iri(name: str):
    """An organization, by name (the same IRI as the entity linker gives it)."""
    return ID[f"organization/{slug(name)}"]


def software_iri(version: str):
    return ID[f"software/policykg/{slug(version)}"]
