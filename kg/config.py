"""Settings: where the knowledge base lives and which backends it uses.

Every setting has an environment variable; command-line flags override them.

=====================  ========================  ==========================================
setting                environment variable      default
=====================  ========================  ==========================================
home                   POLICYKG_HOME             the user data dir, e.g. ~/.local/share/policykg
store                  POLICYKG_STORE            oxigraph (or: rdflib)
embedder               POLICYKG_EMBEDDER         minilm (or: e5, hash, a sentence-transformers path)
embedder_zh            POLICYKG_EMBEDDER_ZH      e5, for Chinese documents and questions
corpus                 POLICYKG_CORPUS           the corpus/ folder shipped beside app.py
=====================  ========================  ==========================================
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
    embedder_zh: str = field(default_factory=lambda: os.environ.get("POLICYKG_EMBEDDER_ZH", "e5"))
    corpus: Path = field(default_factory=default_corpus)

    def __post_init__(self):
        self.home = Path(self.home).expanduser()
        self.corpus = Path(self.corpus).expanduser()
