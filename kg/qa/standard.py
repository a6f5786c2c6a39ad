"""Counting a standard's own structure: "how many categories does the 2021 standard cover?" is
answered from the standard's SKOS scheme in the graph (its aspects and categories), not from a
number in a sentence. Registered as the answer kind "standard", tried before figures."""

from __future__ import annotations

import re

from ingest import lang
from kg.qa.answer import Answer

# What can be counted in the scheme: the question's word for it -> (class, English, Chinese).
_PARTS = [
    (re.compile(r"\baspects?\b|方面|领域", re.I), "pkg:ServiceAspect", "aspects", "个方面"),
    (re.compile(r"\bcategor(?:y|ies)\b|大类|(?<![人分])类", re.I), "pkg:ServiceCategory", "categories", "类"),
]
_STANDARD = re.compile(r"\bstandards?\b|标准", re.I)
_HOW_MANY = re.compile(r"\bhow many\b|多少|几", re.I)
_OTHER = re.compile(r"\bitems?\b|项目|服务项|\bservices\b", re.I)  # parts the scheme does not hold


def query(cls: str) -> str:
    """The SPARQL that counts one kind of concept in each standard's scheme."""
    return f"""SELECT ?standard ?label (COUNT(DISTINCT ?c) AS ?n) WHERE {{
  ?standard a pkg:Standard ; skos:prefLabel ?label .
  ?c a {cls} ; skos:inScheme ?standard .
}} GROUP BY ?standard ?label"""


def standard_kind(answerer):
    """The answer kind: a count of a standard's aspects or categories, from its scheme."""

    def answer(q, hits, k):
        if not (_STANDARD.search(q.text) and _HOW_MANY.search(q.text)) or _OTHER.search(q.text):
            return None
        asked = [p for p in _PARTS if p[0].search(q.text)]
        if not asked:
            return None
        parts, sparql = [], []
        for _, cls, english, chinese in asked:
            text = query(cls)
            rows = [r for r in answerer.sources.sparql(text).records()
                    if (r.get("label") or "") and lang.detect(r["label"]) == q.language]
            if not rows:
                return None
            r = rows[0]
            what = f"{r['n']}{chinese}" if q.language == "zh" else f"{r['n']} {english}"
            parts.append((r["n"], what, r["label"]))
            sparql.append(text)
        pack = lang.get(q.language) or lang.get("en")
        items = [pack.figure_item(what, [label], "counted in its SKOS scheme" if q.language != "zh" else "据其SKOS概念体系计数")
                 for _, what, label in parts]
        ans = Answer(q.text, True, pack.figure_answer(items, differ=False), [])
        ans.sparql, ans.observations = "\n\n".join(sparql), []
        return ans

    return answer
