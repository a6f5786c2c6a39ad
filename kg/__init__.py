"""Records -> RDF graph + search index -> answers, SPARQL, trace, CLI.

The public API is ``KnowledgeBase`` (see ``kg.kb``) and ``Settings``.
``KnowledgeBase`` is imported on first use, so that importing a light module
such as ``kg.graph.worker`` (a SPARQL worker process) does not load ingest
and its language models.
"""

from kg.config import Settings
from kg.version import __version__

__all__ = ["KnowledgeBase", "Settings", "__version__"]


def __getattr__(name):
    if name == "KnowledgeBase":
        from kg.kb import KnowledgeBase

        return KnowledgeBase
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
