"""Answers and citations, and their JSON form (the twin of every UI answer)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Citation:
    doc: str  # file stem
    start: int
    end: int
    quote: str  # == the document's text[start:end]
    score: float
    title: str = ""
    iri: str = ""  # the sentence resource in the graph

    def to_json(self) -> dict:
        return {"doc": self.doc, "start": self.start, "end": self.end, "quote": self.quote, "score": self.score}


@dataclass
class Answer:
    question: str
    answered: bool
    answer: str
    citations: list[Citation] = field(default_factory=list)
    sparql: str | None = None  # the query that found the figures, when the graph answered
    observations: list[str] | None = None  # IRIs of the observations the answer states
    figures: list[dict] | None = None  # those observations: value, unit, role, status, period, region, quote
    phrased_by: str | None = None  # the model that phrased the answer, when one did
    comparison: dict | None = None  # a comparison's figures region by region (``kg.compare.Comparison.to_json``)

    def to_json(self) -> dict:
        out = {
            "question": self.question,
            "answered": self.answered,
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
        }
        if self.sparql is not None:
            out["sparql"] = self.sparql
            out["observations"] = self.observations or []
            if self.figures:
                out["figures"] = self.figures
        if self.comparison is not None:
            out["comparison"] = self.comparison
        if self.phrased_by:
            out["phrased_by"] = self.phrased_by
        return out
