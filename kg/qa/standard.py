"""Counting a standard's own structure: "how many categories does the 2021 standard cover?" is
answered from the standard's SKOS scheme in the graph (its aspects and categories), not from a
number in a sentence. The language pack says which parts a question counts
(``ParsedQuestion.scheme_parts``) and phrases the count. Registered as the answer kind
"standard", tried before figures."""

from __future__ import annotations

from ingest import lang
from kg.qa.answer import Answer

CLASSES = {"aspect": "pkg:ServiceAspect", "category": "pkg:ServiceCategory"}


def query(cls: str) -> str:
    """The SPARQL that counts one kind of concept in each standard's scheme."""
    return f"""SELECT ?standard ?label (COUNT(DISTINCT ?c) AS ?n) WHERE {{
  ?standard a pkg:Standard ; skos:prefLabel ?label .
  ?c a {cls} ; skos:inScheme ?standard .
}} GROUP BY ?standard ?label"""


def standard_kind(answerer):
    """The answer kind: a count of a standard's aspects or categories, from its scheme."""

    def answer(q, hits, k):
        if not q.scheme_parts:
            return None
        pack = lang.get(q.language) or lang.get("en")
        items, sparql = [], []
        for part in q.scheme_parts:
            text = query(CLASSES[part])
            rows = [r for r in answerer.sources.sparql(text).records()
                    if r.get("label") and lang.detect(r["label"]) == q.language]
            if not rows:
                return None
            items.append(pack.figure_item(pack.scheme_count(rows[0]["n"], part), [rows[0]["label"]], pack.scheme_note))
            sparql.append(text)
        ans = Answer(q.text, True, pack.figure_answer(items, differ=False), [])
        ans.sparql, ans.observations = "\n\n".join(sparql), []
        return ans

    return answer
