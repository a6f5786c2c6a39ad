"""Grounded answers: figures from the graph's observations, other answers from the
best evidence, and abstention when nothing in the corpus matches the question's
region, period and indicator well enough.

Figure questions are answered by a SPARQL query over observations built from the
parsed question (region and year as filters, every value escaped), whose
candidates are ranked by how well their metric and sentence match the question's
indicator words: the cosine similarity of embeddings (question vs. metric
phrase) plus the share of the question's content words found in the metric,
unit and sentence, plus a bonus when the passage index ranks the figure's
sentence in its top five. A question about a region, year or group is only ever
answered with figures of that region, year or group.
"""

from __future__ import annotations

import functools

import re
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from ingest import glossary, lang
from ingest.registry import Registry
from ingest.language import has_han
from ingest.records import DocumentRecord
from kg.graph.indicators import unit_family
from kg.graph.namespaces import region_iri, span_iri
from kg.graph.observations import observations_query, rows as obs_rows
from kg.graph.sparql import QueryResult
from kg.qa import weights as W
from kg.qa.answer import Answer, Citation
from kg.qa.question import ParsedQuestion, parse
from kg.qa.comparative import Comparator
from kg.qa.standard import standard_kind
from kg.search.index import Hit, passage_text

FIGURE_FIELDS = ("iri", "quote", "value", "unit", "role", "change", "base", "status", "period", "region", "group", "doc")
_NOT_COUNTS = {"percent", "percentage points", "ratio", "times", "per mille"}


class Sources(Protocol):
    """What the answerer reads: the records, the search index, the graph, the embedders and citations."""

    def records(self) -> dict[str, DocumentRecord]: ...

    def search(self, query: str, k: int = 5) -> list[Hit]: ...

    def sparql(self, query: str) -> QueryResult: ...

    def embed_query(self, text: str, language: str) -> np.ndarray: ...

    def embed_phrases(self, phrases: list[str], language: str) -> np.ndarray: ...

    def cite(self, hit: Hit) -> Citation: ...


AnswerKind = Callable[[ParsedQuestion, list, int], "Answer | None"]

# Kinds of answers, tried in the order they registered: ``factory(answerer) -> AnswerKind``,
# where an AnswerKind takes the parsed question, the best passages and the number of
# citations wanted, and returns an Answer or None (not its kind of question). A question
# no kind answers gets the best passage. Third-party kinds register through the
# ``policykg.answer_kinds`` entry point group.
answer_kinds: Registry[AnswerKind] = Registry("answer kind", "policykg.answer_kinds")
answer_kinds.register("figure", lambda answerer: answerer.figure_answer)
answer_kinds.register("standard", standard_kind, before="figure")
answer_kinds.register("comparison", lambda answerer: Comparator(answerer).answer, before="figure")


class FigureTable:
    """The figures of one question language (rows as ``observations_query`` lists them, in its
    order; figures of documents in another language only with an indicator label in this one),
    with what selecting and ranking them needs: the rows of each place, each row's years, and the
    embedding of each row's phrase (its indicator's label for a figure of another language),
    stacked once. Rows are shared: callers must not change them."""

    def __init__(self, rows: list[dict], language: str, embed_phrases):
        self.rows = rows
        self.language = language
        self._embed = embed_phrases
        self._row = {id(r): i for i, r in enumerate(rows)}
        self.places: dict[str, list[int]] = {}
        self.years: list[tuple[int, int] | None] = []
        for i, r in enumerate(rows):
            self.places.setdefault(str(r.get("place")), []).append(i)
            self.years.append(_years(r.get("period")))
        self._vectors: np.ndarray | None = None

    def select(self, places: list[str], year: int | None) -> list[int]:
        """Rows of these places (all when none is given) whose period includes ``year`` (any when None)."""
        ids = sorted({i for p in places for i in self.places.get(p, ())}) if places else range(len(self.rows))
        if year is None:
            return list(ids)
        return [i for i in ids if (span := self.years[i]) is not None and span[0] <= year <= span[1]]

    def vectors_of(self, rows: list[dict]) -> np.ndarray:
        """The phrase embeddings of ``rows`` (rows of this table, or copies of them: embedded apart)."""
        if self._vectors is None:
            self._vectors = np.asarray(self._embed([_phrase(r) for r in self.rows], self.language), dtype=np.float32)
        ids = [self._row.get(id(r), -1) for r in rows]
        if all(i >= 0 for i in ids):
            return self._vectors[ids] if ids else np.zeros((0, self._vectors.shape[1]), dtype=np.float32)
        return np.asarray(self._embed([_phrase(r) for r in rows], self.language), dtype=np.float32)


def _phrase(row: dict) -> str:
    """What a figure's embedding is of: its metric (its unit when it has none), or for a figure of
    another language its indicator's label."""
    return row["indicator"] if row.get("cross") else (row["metric"] or row["unit"])


def _years(period: str | None) -> tuple[int, int] | None:
    """The first and last year of a period label ("2021", "2021/2025"), as ``observations_query``'s
    year filter reads the period (a figure with no period has none)."""
    if not period:
        return None
    first, _, last = period.partition("/")
    try:
        return int(first), int(last or first)
    except ValueError:
        return None


@dataclass
class Candidate:
    row: dict
    score: float
    sentence: tuple[str, int, int]  # doc, start, end
    cover: float = 0.0  # share of the question's indicator words (Chinese: bigrams) the figure's text holds


def _singular(w: str) -> str:
    """A crude stem: plural -s off, and long words cut to six letters ('expected' ~ 'expect')."""
    w = w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
    return w[:6]


def _coverage(words: list[str], text: str) -> float:
    """Share of the question's words found in a text (Chinese: share of its character bigrams)."""
    return Coverage(words)(text)


class Coverage:
    """``_coverage`` of one question's words, ready to be measured against many texts: the words'
    bigrams or stems are found once, and an English text's stems are remembered (``stems``:
    text -> stems, kept by the caller across questions)."""

    def __init__(self, words: list[str], stems: dict | None = None):
        self.size = 0
        self.grams: list[str] | None = None
        self.asked: list[str] = []
        self.stems = stems if stems is not None else {}
        if not words:
            return
        if any(has_han(w) for w in words):
            self.grams = [w[i:i + 2] for w in words for i in range(max(1, len(w) - 1))]
            self.size = len(self.grams)
        else:
            self.asked = [_singular(w) for w in words]
            self.size = len(self.asked)

    def __call__(self, text: str) -> float:
        if not self.size:
            return 0.0
        if self.grams is not None:
            return sum(1 for g in self.grams if g in text) / self.size
        have = self.stems.get(text)
        if have is None:
            if len(self.stems) >= STEM_CACHE:
                self.stems.clear()
            have = self.stems[text] = frozenset(_singular(w) for w in re.findall(r"[\w-]+", text.lower()))
        return sum(1 for w in self.asked if w in have) / self.size


STEM_CACHE = 200_000  # English figure texts whose stems are remembered between questions


class Answerer:
    """Answers questions from the sources it is given (see ``Sources``)."""

    def __init__(self, sources: Sources):
        self.sources = sources
        self._corpus_of = None  # the records the lookups below were built from
        self._records: dict[str, DocumentRecord] = {}
        self._observations: dict[tuple[str, int, int], object] = {}
        self._regions: set[str] = set()
        self._reference_year: int | None = None
        self._tables: dict[str, FigureTable] = {}  # the figures questions in a language can be answered with
        self._texts: dict[tuple, str] = {}  # a figure's text for coverage (``_figure_text``)
        self._stems: dict[str, frozenset] = {}  # an English figure text's word stems (``Coverage``)
        self._kinds: dict[str, AnswerKind] = {}

    def _refresh(self) -> None:
        """Lookups over the ingested records, rebuilt only when an ingest replaced them."""
        records = self.sources.records()
        if records is self._corpus_of:
            return
        self._corpus_of = self._records = records
        self._tables, self._texts, self._stems = {}, {}, {}
        self._observations = {(d, o.start, o.end): o for d, rec in records.items() for o in rec.observations}
        named = {m.key.split(":", 1)[1] for rec in records.values() for m in rec.mentions if m.key.startswith("region:")}
        self._regions = named | {rec.subject_region for rec in records.values() if rec.subject_region}
        issued = [int(rec.issued[:4]) for rec in records.values() if rec.issued and rec.issued[:4].isdigit()]
        self._reference_year = max(issued) if issued else None  # what "this year" (今年) means

    def answer(self, question: str, k: int = 3) -> Answer:
        """The first answer a registered answer kind gives (``answer_kinds``, in order), else the
        best passage (or the statement that no passage answers)."""
        self._refresh()
        q = parse(question, self._regions, self._reference_year)
        hits = self.sources.search(question, k=max(k, W.TOP_PASSAGES))
        for name in answer_kinds.names():
            if name not in self._kinds:
                self._kinds[name] = answer_kinds.create(name, self)
            ans = self._kinds[name](q, hits, k)
            if ans is not None:
                return ans
        return self._passage(q, hits, k)

    def records(self) -> dict[str, DocumentRecord]:
        """The ingested records the current answers are drawn from."""
        self._refresh()
        return self._records

    # -- figures ---------------------------------------------------------
    def figure_answer(self, q: ParsedQuestion, hits, k: int = 3) -> Answer | None:
        """Figure questions, and "what is ..." questions a well-fitting figure answers."""
        if q.kind == "figure":
            return self._figure(q, hits)
        if q.level_if_fits:  # "What is the average life expectancy in Chongqing?"
            return self._figure(q, hits, abstain=False)
        return None

    def candidates(self, q: ParsedQuestion, hits, regions: bool = True,
                   prune: bool = False) -> tuple[list[Candidate], str, list[dict]]:
        """The figures that can answer ``q``, best first, the SPARQL that listed them and every figure
        of the asked kind before the role and status filters. Only figures of the question's regions
        (unless ``regions`` is False), year and group; of the kind of figure it asks for; ranked by
        how well their metric and sentence match its indicator words (``prune``: see ``_rank``)."""
        self._refresh()
        codes = q.region_codes() if regions else []
        year = q.years[1] if q.years else None
        query = observations_query([str(region_iri(c)) for c in codes] if codes else None,
                                   year=year, descendants=False, language=q.language)
        # the figures of the question's language are read once and kept (``_table``); those of its
        # regions (every gazetteer region has a label in each language, so ``place`` is bound) and
        # year are taken from them: the same rows ``query`` lists, without a query per question
        table = self._table(q.language)
        ids = table.select([str(region_iri(c)) for c in codes], year)
        rows = [table.rows[i] for i in ids]
        if q.asks_for == "money":  # "income in yuan" is not its growth rate
            rows = [r for r in rows if unit_family(r["unit"]) == "money"]
        elif q.asks_for == "count":  # "how many jobs" is never answered with a rate or a ratio
            rows = [r for r in rows if r["unit"] not in _NOT_COUNTS]
        elif q.asks_for == "rate":  # nor "what rate" with a count of cities
            rows = [r for r in rows if r["unit"] in _NOT_COUNTS or " per " in r["unit"]]
        if q.group:  # never another group's figure; a figure that names no group may still be about it
            rows = [r for r in rows if not r.get("group") or _same_group(q.group, r["group"])]
        everything = rows
        rows = _of_role(q, rows)
        rows = _of_status(q, rows)
        return self._rank(q, rows, hits, prune=prune, floor=(_pack(q.language).min_cover or 0.0) if prune else 0.0), \
            query, everything

    def sentence_of(self, row: dict) -> tuple[str, int, int]:
        """The document and offsets of the sentence a figure row was stated in."""
        return self._sentences([row])[0]

    def _figure(self, q: ParsedQuestion, hits, abstain: bool = True) -> Answer | None:
        pack = _pack(q.language)
        # one figure is wanted unless the question asks for several: only figures near the best are scored
        ranked, query, everything = self.candidates(q, hits, prune=not q.several)
        threshold = pack.min_figure_score
        if pack.min_cover:  # e5's cosines alone cannot tell 县级医院 from 三甲医院: the words must be there
            ranked = [c for c in ranked if c.cover >= pack.min_cover]
        if not ranked or ranked[0].score < threshold:
            return self._abstain_figure(q, ranked, query, hits) if abstain else None
        best = ranked[0].score
        if q.several or (len(ranked) > 1 and ranked[1].score >= max(threshold, best - pack.near)
                         and _asks_each(q, ranked[0].row, ranked[1].row)):  # "urban and rural", 分别
            if not q.several:  # every figure of an asked unit may be listed: score them all
                ranked = [c for c in self.candidates(q, hits)[0] if c.cover >= pack.min_cover]
            asked = {_singular(w) for w in q.words}
            chosen = [c for c in ranked if c.score >= max(threshold, best - pack.near)
                      or (c.score >= threshold and _singular(c.row["unit"].split()[-1]) in asked)][:W.MAX_LISTED]
        else:  # one figure; a second only where the same cell of the cube states another value
            chosen = [ranked[0]] + [c for c in ranked[1:2] if c.score >= max(threshold, best - pack.near)
                                    and _same_cell(c.row, ranked[0].row) and c.row["value"] != ranked[0].row["value"]]
        parts, citations, seen = [], [], set()
        for c in chosen:
            r = c.row
            where = [x for x in (r.get("region"), r.get("period"), r.get("group")) if x]
            item = pack.figure_item(r["quote"], where, self._what(r, pack))
            base = self._baseline_of(r, everything) if len(chosen) == 1 else None
            parts.append(item + (pack.context_baseline(base["quote"], base.get("period")) if base else ""))
            doc, s, e = c.sentence
            if (doc, s) not in seen:
                seen.add((doc, s))
                rec = self._records[doc]
                citations.append(Citation(doc=doc, start=s, end=e, quote=rec.text[s:e], score=round(c.score, 4),
                                          title=rec.title, iri=str(span_iri(doc, "sentence", s, e))))
        first = chosen[0].row
        same = [c.row["value"] for c in chosen if _same_cell(c.row, first)]
        ans = Answer(q.text, True, pack.figure_answer(parts, differ=len(set(same)) > 1), citations)
        ans.sparql, ans.observations = query, [c.row["iri"] for c in chosen]
        ans.figures = [{k: c.row.get(k) for k in FIGURE_FIELDS} for c in chosen]
        return ans

    def _baseline_of(self, row: dict, rows: list[dict]) -> dict | None:
        """The baseline stated with a level in its sentence ("从2020年的78.56岁提升到80.2岁"), as context."""
        if row.get("role") != "level":
            return None
        own = self._observations.get((row["doc"], row["start"], row["end"]))
        for r in rows:
            other = self._observations.get((r["doc"], r["start"], r["end"]))
            if (r.get("role") == "baseline" and r["doc"] == row["doc"] and other is not None and own is not None
                    and other.sentence == own.sentence and r.get("indicator") == row.get("indicator") and r["start"] < row["start"]):
                return r
        return None

    def _what(self, row: dict, pack) -> str:
        """What an answer says a figure measures: the metric, or for a figure stated in another
        language its indicator's label in the question's language with the original words beside it."""
        if not row.get("cross"):
            return row["metric"]
        source = _pack(self._records[row["doc"]].language) or pack
        return pack.cross_label(row["indicator"], row["metric"], source)

    def _table(self, language: str) -> "FigureTable":
        """The figures a question in ``language`` can be answered with (``_readable``), read with one
        query and kept until an ingest changes the knowledge base."""
        self._refresh()
        if language not in self._tables:
            rows = obs_rows(self.sources.sparql(observations_query(language=language)))
            self._tables[language] = FigureTable(self._readable(rows, language), language, self.sources.embed_phrases)
        return self._tables[language]

    def _readable(self, rows: list[dict], language: str) -> list[dict]:
        """Figures stated in the question's language, and figures from documents in another
        language whose indicator has a label in the question's language (``cross``)."""
        out = []
        for r in rows:
            if self._records[r["doc"]].language == language:
                out.append(r)
            elif r.get("indicator") and _written_in(r["indicator"], language):
                out.append(r | {"cross": True})
        return out

    def _rank(self, q: ParsedQuestion, rows: list[dict], hits, prune: bool = False,
              floor: float = 0.0) -> list[Candidate]:
        """The figures that may answer, best first. Left out, unscored: figures whose words cover
        less of the question's than ``floor``, and with ``prune`` (when only the best figure, or
        those near it, are wanted) those whose score cannot come within ``weights.MAX_MARGIN`` of
        the best (their cosine and coverage plus every bonus stay below the best's cosine and
        coverage alone, less that margin)."""
        if not rows:
            return []
        pack = _pack(q.language)
        qv = np.asarray(self.sources.embed_query(passage_text(q.indicator or q.text), q.language), dtype=np.float32)
        cosines = (self._table(q.language).vectors_of(rows) @ qv).tolist()
        coverage = Coverage(q.words, self._stems)
        covers = []
        for r in rows:
            if r.get("cross"):  # the sentence is in the other language: only the indicator's label can match
                covers.append(round(coverage(f"{r['indicator']} {r['unit'] if _written_in(r['unit'], q.language) else ''}"), 4))
            else:
                covers.append(round(coverage(self._figure_text(r, pack)), 4))
        base = [W.COSINE * c + W.COVERAGE * v for c, v in zip(cosines, covers)]
        kept = [i for i in range(len(rows)) if covers[i] >= floor]
        if not kept:
            return []
        if prune:
            reach = max(base[i] for i in kept) - W.MAX_MARGIN - W.MAX_BONUS
            kept = [i for i in kept if base[i] >= reach]
        top = {(h.doc_id, h.start) for h in hits[:W.TOP_PASSAGES]}
        period = (str(q.years[0]) if q.years[0] == q.years[1] else f"{q.years[0]}/{q.years[1]}") if q.years else None
        out = []
        for i, sent in zip(kept, self._sentences([rows[i] for i in kept])):
            r, (doc, s, e) = rows[i], sent
            score = base[i] + (W.IN_TOP_PASSAGES if (doc, s) in top else 0.0)
            if period is not None and r.get("period") == period:
                score += W.EXACT_PERIOD
            if (r["status"] != "actual") == q.future:
                score += W.STATUS_FITS
            if q.ratio and r["unit"] == "ratio":
                score += W.RATIO_ASKED
            if q.measure and (r["quote"].rstrip("以上左右多余").endswith(q.measure) or _names_unit(q.measure, r["unit"])):
                score += W.UNIT_ASKED
            out.append(Candidate(r, round(score, 4), sent, covers[i]))
        return sorted(out, key=lambda c: -c.score)

    def _figure_text(self, row: dict, pack) -> str:
        """What a figure's coverage is measured against: its metric, unit, indicator and context
        (remembered per figure and language until an ingest changes the records)."""
        key = (row["doc"], row["start"], row["end"], pack.code, row.get("indicator"))
        text = self._texts.get(key)
        if text is None:
            if len(self._texts) >= 2 * STEM_CACHE:
                self._texts.clear()
            _, s, e = self._sentences([row])[0]
            text = self._texts[key] = (f"{row['metric']} {row['unit']} {row.get('indicator') or ''} "
                                       f"{self._context(row, s, e, pack.context_width)}")
        return text

    def _context(self, row: dict, s: int, e: int, width: int) -> str:
        """The words around a figure within its sentence, and the sentence its metric was taken
        from when that is another one ("The number is expected to reach 3.5 million"); none for an
        item of a "respectively" list, whose metric is its own item."""
        rec = self._records[row["doc"]]
        obs = self._observations.get((row["doc"], row["start"], row["end"]))
        if obs is not None and re.search(r":respectively\b", obs.rule):
            return ""  # an item of a paired list: its neighbours' words are not its own
        text = rec.text[max(s, row["start"] - width):min(e, row["end"] + width)]
        if obs is not None and obs.metric_start is not None and not s <= obs.metric_start < e:
            src = next((x for x in rec.sentences if x.start <= obs.metric_start < x.end), None)
            if src is not None:
                text += " " + rec.quote(src)
        return text

    def _sentences(self, rows: list[dict]) -> list[tuple[str, int, int]]:
        out = []
        for r in rows:
            s = self._records[r["doc"]].sentences[self._observations[(r["doc"], r["start"], r["end"])].sentence]
            out.append((r["doc"], s.start, s.end))
        return out

    def _abstain_figure(self, q: ParsedQuestion, ranked: list[Candidate], query: str, hits=()) -> Answer:
        pack = _pack(q.language)
        nearest = elsewhere = None
        if ranked:
            nearest = pack.nearest_figure(q, ranked[0].row, self._what(ranked[0].row, pack))
        if q.regions or q.national or q.years or q.group:
            everywhere = list(self._table(q.language).rows)
            if len(everywhere) > W.ELSEWHERE_RANK_LIMIT:
                found = {h.doc_id for h in hits}
                everywhere = [r for r in everywhere if r["doc"] in found]
            others = self._rank(q, everywhere, hits, prune=True)  # only the best one is told
            if others and others[0].score >= pack.min_figure_score:
                elsewhere = pack.nearest_figure(q, others[0].row, self._what(others[0].row, pack), elsewhere=True)
        ans = Answer(q.text, False, pack.figure_abstention(q, nearest, elsewhere), [])
        ans.sparql, ans.observations = query, []
        return ans

    # -- other questions -------------------------------------------------
    def _passage(self, q: ParsedQuestion, hits, k: int) -> Answer:
        pack = _pack(q.language)
        hits = self._about_region(q, hits)
        citations = [self.sources.cite(h) for h in hits[:k]]
        if not hits or max(h.dense for h in hits) < W.MIN_PASSAGE_COSINE or not self._region_covered(q):
            return Answer(q.text, False, pack.passage_abstention(citations[0].quote if citations else None), citations)
        best = hits[0]
        if q.kind == "who" and (found := self._who(q, hits)) is not None:
            span, best, person = found
            citations = self._evidence(q, best, hits, k, lambda h: self._names(h, {person}))
            text = " ".join(best.text.split())
            return Answer(q.text, True, f"{span} — {text}", citations)
        span = self._short_span(q, best)
        if q.kind in ("who", "when", "where"):
            citations = self._evidence(q, best, hits, k, self._supports(q, best, span))
        text = " ".join(best.text.split())
        return Answer(q.text, True, f"{span} — {text}" if span and span not in text[:len(span) + 2] else text, citations)

    def _evidence(self, q: ParsedQuestion, best, hits, k: int, supports: Callable | None) -> list[Citation]:
        """The citations of a who/when/where answer: the passage it was drawn from, then those of the
        other best passages that bear it out. A passage must be close enough to the question
        (``weights.MIN_CITATION_COSINE`` for its language), be a statement rather than a fragment
        (a title or heading line, a dangling name with no predicate), and, where the answer names
        someone, a year or a place, name it too (``supports``)."""
        floor = W.MIN_CITATION_COSINE.get(q.language, W.MIN_CITATION_COSINE["en"])
        chosen = [best]
        for h in hits:
            if len(chosen) >= k:
                break
            if (h.doc_id, h.start) == (best.doc_id, best.start) or any((h.doc_id, h.start) == (c.doc_id, c.start) for c in chosen):
                continue
            if h.dense < floor or self._fragment(h) or (supports is not None and not supports(h)):
                continue
            chosen.append(h)
        return [self.sources.cite(h) for h in chosen]

    def _fragment(self, hit) -> bool:
        """A sentence that states nothing by itself: the document's title, a heading line (a whole
        paragraph, short and with no sentence-final punctuation) or a dangling piece ("Chongqing-",
        "Source:")."""
        rec = self._records[hit.doc_id]
        text = " ".join(hit.text.split())
        if not text or text == " ".join((rec.title or "").split()):
            return True
        if text[-1] in W.DANGLING_END:
            return True
        han = has_han(text)
        size = len(re.sub(r"\s", "", text)) if han else len(text.split())
        if size < (W.FRAGMENT_CHARS_ZH if han else W.FRAGMENT_WORDS):
            return True
        span = rec.sentences[hit.sentence]
        para = rec.paragraphs[span.paragraph] if span.paragraph is not None and span.paragraph < len(rec.paragraphs) else None
        whole = para is not None and (para.start, para.end) == (span.start, span.end)
        return whole and text[-1] not in W.SENTENCE_END and size <= (W.HEADING_CHARS_ZH if han else W.HEADING_WORDS)

    def _names(self, hit, keys: set[str]) -> bool:
        """Whether a passage names one of these entities."""
        rec = self._records[hit.doc_id]
        return any(m.key in keys for m in rec.mentions if hit.start <= m.start < hit.end)

    def _supports(self, q: ParsedQuestion, best, span: str | None) -> Callable | None:
        """What a further passage must hold to bear out the answer drawn from ``best``: the person,
        the year or a place the answer names (None: the answer names none of them)."""
        if not span:
            return None
        rec = self._records[best.doc_id]
        inside = [m for m in rec.mentions if best.start <= m.start < best.end]
        if q.kind == "when":
            return lambda h: span in h.text
        kind = "person:" if q.kind == "who" else "region:"
        keys = {m.key for m in inside if m.key.startswith(kind)}
        return (lambda h: self._names(h, keys)) if keys else None

    def _about_region(self, q: ParsedQuestion, hits) -> list:
        """Passages that can speak for the region a question names: from a document about it,
        or naming it in the sentence. A question about Hunan is not answered from a text on Chongqing."""
        codes = q.places()
        if not codes:
            return list(hits)
        out = []
        for h in hits:
            rec = self._records[h.doc_id]
            named = {m.key.split(":", 1)[1] for m in rec.mentions
                     if m.key.startswith("region:") and h.start <= m.start < h.end}
            if rec.subject_region in codes or named & codes:
                out.append(h)
        return out

    def _region_covered(self, q: ParsedQuestion) -> bool:
        """A question about a region no document names cannot be answered from the corpus."""
        codes = q.places()
        if not codes:
            return True
        return any(c in self._regions for c in codes)

    def _short_span(self, q: ParsedQuestion, hit) -> str | None:
        rec = self._records[hit.doc_id]
        inside = [m for m in rec.mentions if hit.start <= m.start < hit.end]
        ents = {e.key: e for e in rec.entities}
        if q.kind == "who":
            people = [ents[m.key] for m in inside if m.key.startswith("person:") and m.key in ents]
            if people:
                return _person(people[0], ents, q.language)
        if q.kind == "when":
            m = _pack(q.language).when_pattern.search(hit.text)
            if m:
                return m.group(0)
        if q.kind == "where":
            places = [ents[m.key].label for m in inside if m.key.startswith("region:") and m.key in ents]
            if places:
                return ", ".join(dict.fromkeys(places))
        return None

    def _who(self, q: ParsedQuestion, hits):
        """For 'who' questions: the person whose stated role and organization the question describes,
        else the first of the best passages that names a person. Returns (span, hit, person key) or None."""
        best, best_cover = None, 0.0
        codes = q.places()
        for rec in self._records.values():
            if codes and rec.subject_region not in codes:
                continue  # "重庆市市长是谁" is not answered with another city's mayor
            ents = {e.key: e for e in rec.entities}
            for e in rec.entities:
                if e.type != "person" or not e.role:
                    continue
                org = ents.get(e.organization)
                parent = ents.get(org.parent) if org is not None and org.parent else None
                described = " ".join(x.label if hasattr(x, "label") else x for x in (e.role, org, parent) if x)
                if has_han(described):  # an English question finds 市长 as "mayor"
                    described += " " + " ".join(x for x in (glossary.default().translate(e.role or ""),
                                                            org.label_en if org is not None else None) if x)
                cover = _coverage(q.words, described)
                if cover > best_cover:
                    best, best_cover = (rec, e, ents), cover
        if best is not None and best_cover >= W.MIN_WHO_COVER:
            rec, person, ents = best
            m = next(m for m in rec.mentions if m.key == person.key)
            s = rec.sentences[m.sentence]
            hit = next((h for h in self.sources.search(rec.quote(s), k=3) if h.doc_id == rec.doc_id and h.start == s.start), None)
            if hit is not None:
                return _person(person, ents, q.language), hit, person.key
        for h in hits:
            rec = self._records[h.doc_id]
            ents = {e.key: e for e in rec.entities}
            named = [ents[m.key] for m in rec.mentions if h.start <= m.start < h.end and m.key.startswith("person:") and m.key in ents]
            if named:
                return _person(named[0], ents, q.language), h, named[0].key
        return None


def _names_unit(asked: str, unit: str) -> bool:
    """"how many art performances" asks for a figure counted in performances."""
    return _singular(unit.split()[-1]) in {_singular(w) for w in asked.split()}


def _asks_each(q: ParsedQuestion, a: dict, b: dict) -> bool:
    """"rates for outpatient and inpatient services": the question names each figure's item."""
    for x, y in _pack(q.language).conjoined.findall(q.text.lower()):
        ma, mb = a["metric"].lower(), b["metric"].lower()
        if (x in ma and y in mb and y not in ma) or (y in ma and x in mb and x not in ma):
            return True
    return False


def _same_cell(a: dict, b: dict) -> bool:
    """Two figures of one indicator, region, period, role and status: they should agree."""
    return all(a.get(k) == b.get(k) for k in ("indicator", "region", "period", "role", "status", "group"))


def _of_role(q: ParsedQuestion, rows: list[dict]) -> list[dict]:
    """The figures of the kind the question asks for: a change, a yearly average, a total or a
    baseline when it says so, else levels and totals (and, for a question about one year, the
    baseline stated for that year)."""
    if q.role:
        return [r for r in rows if _role(r) == q.role]
    one_year = str(q.years[0]) if q.years and q.years[0] == q.years[1] else None
    return [r for r in rows if _role(r) in ("level", "cumulative")
            or (_role(r) == "baseline" and one_year is not None and r.get("period") == one_year)]


def _role(row: dict) -> str | None:
    """A row's role as the records name it (the graph labels a yearly average "yearly average")."""
    return "average" if row.get("role") == "yearly average" else row.get("role")


def _of_status(q: ParsedQuestion, rows: list[dict]) -> list[dict]:
    """Only targets for a question about aims (an achieved figure does not answer it); otherwise
    what was achieved, when the corpus states it."""
    if q.status == "target":
        return [r for r in rows if r["status"] != "actual"]
    return [r for r in rows if r["status"] == "actual"] or rows


def _written_in(text: str, language: str) -> bool:
    """Whether a label is in the given language (by its script, as documents are)."""
    return _language_of(text) == language


@functools.lru_cache(maxsize=1 << 16)
def _language_of(label: str) -> str:
    """``lang.detect`` of a label, remembered: ranking every figure of a corpus reads the same few
    thousand indicator labels and units again for each question."""
    return lang.detect(label)


def _pack(code: str):
    return lang.get(code) or lang.get("en")


def _person(p, ents, language: str) -> str:
    org = ents.get(p.organization) if p.organization in ents else None
    return _pack(language).person(p, org)


def _same_group(asked: str, stated: str) -> bool:
    a, s = asked.lower(), stated.lower()
    return a.split()[0] in s.split() or s in a
