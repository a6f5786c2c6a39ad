"""Records -> RDF graph + search index -> answers, SPARQL, trace, CLI.

The public API is ``KnowledgeBase`` (see ``kg.kb``) and ``Settings``.
"""

from kg.config import Settings
from kg.kb import KnowledgeBase
from kg.version import __version__

__all__ = ["KnowledgeBase", "Settings", "__version__"]
