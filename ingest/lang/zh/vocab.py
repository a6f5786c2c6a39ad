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
INDICATOR_SYNONYMS = dict(WORDS["indicator_synonyms"])


def _any(name: str) -> str:
    return "(?:" + "|".join(WORDS[name]) + ")"


ORG_HEAD = re.compile(_any("organization_heads") + "$")
NOT_ORG = re.compile(_any("not_organizations") + "$")
ROLE_BEFORE = re.compile("^" + _any("roles_before") + "$")
ROLE_AFTER = re.compile("^" + _any("roles_after") + "$")
ORG_PREFIX = re.compile("^" + _any("organization_prefixes") + "$")
FIGURE_VERB = re.compile("(?:分别)?" + _any("figure_verbs") + "$")
CHANGE = re.compile(_any("change_verbs") + "(?:了)?$|^较")
TARGET = re.compile("|".join(WORDS["target_cues"]))
LEAD = re.compile("^" + _any("lead_words") + "+")
AVERAGE = re.compile("|".join(WORDS["average_cues"]))
CUMULATIVE = re.compile(_any("cumulative_cues"))
FLOW = re.compile(_any("flow_verbs"))
