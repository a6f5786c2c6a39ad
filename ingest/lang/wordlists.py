"""Word lists that rules read, kept as data (TOML) in each language pack's ``data/`` folder."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=None)
def word_lists(path: Path) -> dict[str, list[str]]:
    """The named lists of a TOML file (``name = ["word", ...]``)."""
    with open(path, "rb") as fh:
        return tomllib.load(fh)
