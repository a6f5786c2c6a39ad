"""Settings: where the knowledge base lives and which backends it uses.

Every setting has an environment variable; command-line flags override them.

=====================  ============================  ==========================================
setting                environment variable          default
=====================  ============================  ==========================================
home                   POLICYKG_HOME                 the user data dir, e.g. ~/.local/share/policykg
store                  POLICYKG_STORE                oxigraph (or any name in ``kg.registries.stores``)
embedder               POLICYKG_EMBEDDER             minilm (or: e5, hash, a sentence-transformers path)
embedder of a          POLICYKG_EMBEDDER_<LANG>      the language pack's ``embedder`` (Chinese: e5),
language                                             else ``embedder``
vector_index           POLICYKG_VECTOR_INDEX         faiss (or: numpy)
corpus                 POLICYKG_CORPUS               the corpus/ folder shipped beside app.py
=====================  ============================  ==========================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_home() -> Path:
    return Path(os.environ.get("POLICYKG_HOME") or platformdirs.user_data_dir("policykg"))


def default_corpus() -> Path:
    env = os.environ.get("POLICYKG_CORPUS")
    if env:
        return Path(env)
    shipped = REPO_ROOT / "corpus"
    return shipped if shipped.is_dir() else Path.cwd() / "corpus"


@dataclass
class Settings:
    home: Path = field(default_factory=default_home)
    store: str = field(default_factory=lambda: os.environ.get("POLICYKG_STORE", "oxigraph"))
    embedder: str = field(default_factory=lambda: os.environ.get("POLICYKG_EMBEDDER", "minilm"))
    vector_index: str = field(default_factory=lambda: os.environ.get("POLICYKG_VECTOR_INDEX", "faiss"))
    corpus: Path = field(default_factory=default_corpus)
    language_embedders: dict[str, str] = field(default_factory=dict)  # language -> embedder, over the defaults

    def __post_init__(self):
        self.home = Path(self.home).expanduser()
        self.corpus = Path(self.corpus).expanduser()

    def embedders(self) -> dict[str, str]:
        """The embedder of each language: ``embedder`` for English and any language whose pack names
        none, the pack's own (Chinese: e5) otherwise; ``POLICYKG_EMBEDDER_<LANG>`` and
        ``language_embedders`` override both."""
        from ingest import lang

        out = {"en": self.embedder}
        for pack in lang.packs():
            chosen = os.environ.get(f"POLICYKG_EMBEDDER_{pack.code.upper()}") or pack.embedder
            if chosen:
                out[pack.code] = chosen
        return out | self.language_embedders
