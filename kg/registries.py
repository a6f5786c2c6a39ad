"""Every extension point of policykg, in one place.

=================  ==========================  ====================================  ======================
registry           entry point group           a factory is called as                built in
=================  ==========================  ====================================  ======================
``languages``      ``policykg.languages``      ``PackClass()``                       en, zh
``readers``        ``policykg.readers``        (a ``Reader`` object is registered)   txt, md, html, pdf, docx
``stores``         ``policykg.stores``         ``factory(home, read_only=False)``    oxigraph, rdflib, sparql
``embedders``      ``policykg.embedders``      ``factory()``                         minilm, e5, e5-nano, hash
``vector_indexes`` ``policykg.vector_indexes`` ``factory()``                         faiss, numpy, qdrant
``answer_kinds``   ``policykg.answer_kinds``   ``factory(answerer)`` (see kg.qa)     standard, figure
=================  ==========================  ====================================  ======================

The CLI's choices and the settings are checked against these registries.
"""

from ingest.lang import languages
from ingest.readers import readers
from kg.graph.store import stores
from kg.qa.answering import answer_kinds
from kg.search.embedders import embedders
from kg.search.vectors import vector_indexes

__all__ = ["languages", "readers", "stores", "embedders", "vector_indexes", "answer_kinds"]
