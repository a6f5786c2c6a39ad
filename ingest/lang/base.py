"""The protocol of a language pack, with the defaults a new language starts from."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.entities import region_mentions
from ingest.lang.question import ParsedQuestion
from ingest.normalize import ParagraphSpan
from ingest.quantities import Quantity
from ingest.records import DocumentRecord, Entity, Mention, Observation


class LanguagePack:
    """Everything language-specific, for one language.

    Subclasses set the class attributes and override the methods their language
    supports. The defaults give a language sentences (spaCy's rule-based
    splitter), region mentions from the gazetteer and nothing else: no figures
    and no answers until the pack says how to read them.
    """

    code: str = ""  # ISO 639-1
    name: str = ""  # English name of the language
    names: dict[str, str] = {}  # how each answer language calls this one ({"en": "Chinese", "zh": "中文"})
    script: str | None = None  # a character class of the script that identifies the language (None: Latin, the fallback)
    script_share = 0.3  # share of a text's letters in ``script`` above which the text is in this language
    spacy_model = "sentencizer"  # see ingest.sentences
    embedder: str | None = None  # the embedder for its documents and questions (None: the default one)
    sentence_punct: list[str] | None = None  # sentence-final characters for the rule-based splitter
    rule_sets: dict[str, str] = {}  # name -> version of each rule set; bump one when its rules change
    data_dir: Path | None = None  # word lists and other data the pack's rules read
    indicator_synonyms: dict[str, str] = {}  # normal forms of indicator names that name another one (生产总值 -> 地区生产总值)

    # Answering: the lowest score of a figure that may answer a question, how close to the best
    # score other figures must be to be listed too, how many characters around a figure count as
    # its context, and the share of a question's indicator words a figure's text must hold.
    min_figure_score = 0.60
    near = 0.12
    context_width = 90
    min_cover = 0.0

    # -- text ----------------------------------------------------------------------
    def in_script(self, ch: str) -> bool:
        return self.script is not None and re.fullmatch(f"[{self.script}]", ch) is not None

    def data_files(self) -> list[Path]:
        return sorted(p for p in self.data_dir.iterdir() if p.is_file()) if self.data_dir else []

    def nlp(self):
        """The language's one spaCy pipeline, loaded on first use and shared."""
        from ingest import sentences

        return sentences.pipeline(self.code)

    def split_sentences(self, text: str, paragraphs: list[ParagraphSpan]) -> list[tuple[int, int, int]]:
        """Sentence spans ``(start, end, paragraph_index)``."""
        from ingest import sentences

        return sentences.split(text, paragraphs, self.code)

    def find_quantities(self, text: str) -> list[Quantity]:
        """Every figure in a sentence."""
        return []

    def figures(self, text: str) -> list[tuple[int, int, object]]:
        """``(start, end, value)`` of every number the text states in this language's forms (to read
        an answer's figures back: every figure it states, and the one it states first)."""
        return [(q.start, q.end, q.value) for q in self.find_quantities(text)]

    def word_boundaries(self, text: str) -> set[int]:
        """Offsets where a word starts or ends (default: around every run of letters or digits)."""
        out = {0, len(text)}
        for m in re.finditer(r"\w+", text):
            out |= {m.start(), m.end()}
        return out

    def index_terms(self, token: str) -> list[str]:
        """Search-index terms of one lower-cased word token in this language's script."""
        return [token]

    # -- extraction ----------------------------------------------------------------
    def extract(self, rec: DocumentRecord, gazetteer, subject) -> tuple[list[Observation], list[Entity], list[Mention]]:
        """Observations, entities and mentions of a document (``subject``: the Region it is about)."""
        entities, mentions = region_mentions(rec, gazetteer)
        return [], entities, mentions

    # -- questions -----------------------------------------------------------------
    def read_question(self, question: str, known: set[str] = frozenset(), reference_year: int | None = None) -> ParsedQuestion:
        """What a question in this language asks (``known``: codes of the regions the corpus covers;
        ``reference_year``: the year "this year" means)."""
        return ParsedQuestion(text=question, language=self.code, kind="what")

    # -- answers -------------------------------------------------------------------
    def phrase_comparison(self, outcome) -> str:
        """A computed comparison (``ingest.lang.question.ComparisonOutcome``), leading with its result."""
        raise NotImplementedError(f"the {self.name} pack does not phrase comparisons")

    def comparison_refusal(self, outcome) -> str:
        """Why the corpus cannot support a comparison (no document, no figure, one region only)."""
        raise NotImplementedError(f"the {self.name} pack does not phrase comparisons")

    # The date or year a "when" answer leads with.
    when_pattern = re.compile(r"\b(?:(?:January|February|March|April|May|June|July|August|September|October|November|"
                              r"December)\s+\d{1,2},?\s+)?(?:19|20)\d\d\b")

    def figure_item(self, quote: str, where: list[str], what: str) -> str:
        """One stated figure: as written, with its region, period and group, and what it measures."""
        return f"{' '.join(quote.split())} ({', '.join(where)}; {what})"

    def context_baseline(self, quote: str, period: str | None) -> str:
        """What a level is up from, said after it ("; up from 78.2 years in 2015")."""
        return f"; up from {' '.join(quote.split())}" + (f" in {period}" if period else "")

    conjoined = re.compile(r"(\w+) and (\w+)")  # "outpatient and inpatient": two items a question names
    scheme_note = "counted in its SKOS scheme"  # what a count of a standard's parts says it is

    def scheme_count(self, n: str, part: str) -> str:
        """"22 categories": a count of a standard's aspects or categories."""
        return f"{n} {'categories' if part == 'category' else 'aspects'}"

    def figure_answer(self, items: list[str], differ: bool) -> str:
        """The stated figures in one answer; ``differ``: figures of one indicator disagree."""
        return "; ".join(items) + "." + (" Sources differ; each figure is cited." if differ else "")

    def cross_label(self, indicator: str, metric: str, source: "LanguagePack") -> str:
        """What a figure stated in another language measures: its indicator's label here, the original words beside it."""
        return f"{indicator}; in {source.names.get(self.code, source.name)}: {metric}"

    def figure_abstention(self, q: ParsedQuestion, nearest: str | None, elsewhere: str | None) -> str:
        """No figure answers: say so, with the nearest figures the corpus holds (already phrased)."""
        return "The corpus does not state this figure." + (f" {nearest}" if nearest else "")

    def nearest_figure(self, q: ParsedQuestion, row: dict, what: str, elsewhere: bool = False) -> str:
        """A figure named in an abstention: the nearest one for the question's scope, or one elsewhere."""
        return f"Nearest figure it holds: {' '.join(row['quote'].split())} ({what})."

    def passage_abstention(self, closest: str | None) -> str:
        """No passage answers the question; ``closest``: the best passage's text."""
        return "The corpus does not appear to answer this question." + (
            f' The closest passage is: "{" ".join(closest.split())}"' if closest else "")

    def person(self, person: Entity, org: Entity | None) -> str:
        """A person with the role and organization the documents state."""
        where = org.label if org else None
        return ", ".join(x for x in (person.label, person.role and (person.role + (f" of the {where}" if where else ""))) if x)
