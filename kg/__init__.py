"""Records -> RDF graph + search index -> answers, SPARQL, trace, CLI.

The public API is ``KnowledgeBase`` (see ``kg.kb``) and ``Settings``.
"""

__version__ = "0.1.0"

from .config import Settings  # noqa: E402
from .kb import KnowledgeBase  # noqa: E402

__all__ = ["KnowledgeBase", "Settings", "__version__"]
