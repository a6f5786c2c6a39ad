"""The Chinese rules' word lists (``data/words.toml``), loaded once."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.lang.wordlists import word_lists

DATA = Path(__file__).parent / "data"
WORDS = word_lists(DATA / "words.toml")
GROUPS = re.compile("|".join(WORDS["groups"]))  # population groups, in the order they are tried
EVERYONE = frozenset(WORDS["everyone"])  # group words that mean all residents
STANDING_BODIES = frozenset(WORDS["standing_bodies"])
INDEX_STOP_WORDS = frozenset(WORDS["index_stop_words"])
