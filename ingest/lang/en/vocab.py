"""The English rules' word lists (``data/words.toml``), loaded once."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.lang.wordlists import word_lists

DATA = Path(__file__).parent / "data"
WORDS = word_lists(DATA / "words.toml")
PEOPLE = frozenset(WORDS["people"])  # head nouns that name people: a count of them counts persons
GROUP_HEADS = frozenset(WORDS["group_heads"])  # population groups a figure can be about
ANAPHORA = frozenset(WORDS["anaphora"])
CHANGE_VERBS = frozenset(WORDS["change_verbs"])
CHANGE_NOUNS = frozenset(WORDS["change_nouns"])
EXPECT_VERBS = frozenset(WORDS["expect_verbs"])
PLAN_WORDS = frozenset(WORDS["plan_words"])
ORG_HEADS = frozenset(WORDS["organization_heads"])
ORG_LEADS = frozenset(WORDS["organization_leads"])
EVENT_HEADS = tuple(WORDS["event_heads"])
ROLE_WORDS = frozenset(WORDS["role_words"])
INDEX_STOP_WORDS = frozenset(WORDS["index_stop_words"])
QUESTION_STOP_WORDS = frozenset(WORDS["question_stop_words"])
QUESTION_GROUPS = re.compile(r"\b(?:" + "|".join(WORDS["question_groups"]) + r")\b", re.I)
