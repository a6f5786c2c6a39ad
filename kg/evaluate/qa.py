"""Measuring answers against a question key (``policykg eval``).

For each question the tool's answer is scored, and so are two baselines that
answer with the top sentence of BM25 alone and of dense retrieval alone:

- answer accuracy: an answerable question is right when the answer is given,
  its **first stated figure** is an expected one (compared as numbers: "3.5
  million" = 3500000; a year when the key expects a year), it states every
  expected figure and every expected name (a who-question's answer leads with
  the first), and it cites the expected document; an unanswerable one is right
  when the tool abstains. "Figures right, names aside" counts the answers that
  meet every condition but the names (a key's ``answer_text`` may be an
  explanation no answer repeats word for word). Listing candidates is not answering: a right figure
  after a wrong one does not count;
- abstention precision / recall: of the abstentions, how many were right; of
  the unanswerable questions, how many got an abstention;
- citation precision: of the sentences cited for answered figure questions, the
  share that contain a figure the answer states;
- retrieval recall@5: answerable questions whose document is among the top five passages;
- latency p50 / p95 of ``ask``, in milliseconds.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ingest import lang
from kg.evaluate.extraction import load_key
from kg.qa.answer import Answer
from kg.qa.figures import figures_in, first_figure

_WHO = re.compile(r"^\s*who\b|谁|哪位", re.I)


def load_questions(path: str | Path) -> list[dict]:
    """Read a JSON-lines question key."""
    return load_key(path)


def _value(expected: str) -> Decimal | None:
    """The number a key's expected figure states ("3.5 million", "2669万")."""
    en, zh = lang.get("en"), lang.get("zh")
    if re.search(r"[万亿]$", expected):  # "2669万": a bare Chinese number reads with a measure word
        found = zh.find_quantities(expected + "个")
    else:  # "62.6万人", "7226元/年" in Chinese; "3.5 million" in English
        found = zh.find_quantities(expected) if lang.detect(expected) == "zh" else en.find_quantities(expected)
    found = found or en.find_quantities(expected)
    return found[0].value if found else None


@dataclass
class Score:
    name: str
    right: int = 0
    total: int = 0
    abstained_right: int = 0
    abstained: int = 0
    unanswerable: int = 0
    cited: int = 0
    cited_with_figure: int = 0
    anywhere: int = 0  # the lenient count: an expected figure stated anywhere in the answer, first or not
    figures_right: int = 0  # right but for the names: the first figure expected and every expected figure stated
    wrong: list[str] = field(default_factory=list)

    def line(self) -> str:
        acc = self.right / self.total if self.total else 0
        ap = self.abstained_right / self.abstained if self.abstained else 0
        ar = self.abstained_right / self.unanswerable if self.unanswerable else 0
        cp = self.cited_with_figure / self.cited if self.cited else 0
        return (f"{self.name:<16} accuracy {self.right}/{self.total} ({acc:.0%})  abstention precision {ap:.0%} "
                f"recall {ar:.0%}  citation precision {cp:.0%}  (expected figure anywhere: {self.anywhere}/{self.total}; "
                f"figures right, names aside: {self.figures_right}/{self.total})")

    def to_json(self) -> dict:
        return {"right": self.right, "total": self.total, "accuracy": self.right / self.total if self.total else 0,
                "abstention_precision": self.abstained_right / self.abstained if self.abstained else None,
                "abstention_recall": self.abstained_right / self.unanswerable if self.unanswerable else None,
                "citation_precision": self.cited_with_figure / self.cited if self.cited else None,
                "anywhere": self.anywhere, "figures_right": self.figures_right, "wrong": self.wrong}


def judge(item: dict, ans: Answer, score: Score) -> None:
    score.total += 1
    answerable = item.get("answerable", True)
    if not answerable:
        score.unanswerable += 1
    if not ans.answered:
        score.abstained += 1
        if not answerable:
            score.abstained_right += 1
            score.right += 1
            score.anywhere += 1
            score.figures_right += 1
        else:
            score.wrong.append(item.get("id", item["question"]))
        return
    stated = figures_in(ans.answer)
    if item.get("answer_values"):
        for c in ans.citations:
            score.cited += 1
            score.cited_with_figure += bool(figures_in(c.quote) & stated)
    values = item.get("answer_values", [])
    years = [v for v in values if re.fullmatch(r"(?:19|20)\d\d", v)]
    ok = answerable and (not item.get("doc") or any(c.doc == item["doc"] for c in ans.citations))
    score.anywhere += bool(ok and (not values or any(_value(v) in stated or (v in years and v in ans.answer) for v in values)))
    ok = ok and all(_value(v) in stated or (v in years and v in ans.answer) for v in values)
    if values:  # the answer leads with the figure asked for
        ok = ok and first_figure(ans.answer, years=bool(years)) in {_value(v) if v not in years else Decimal(v) for v in values}
    score.figures_right += bool(ok)
    names = item.get("answer_text", [])
    ok = ok and all(t.lower() in ans.answer.lower() for t in names)
    if names and _WHO.search(item["question"]):  # and with the person asked for
        ok = ok and ans.answer.lower().lstrip().startswith(names[0].lower())
    if ok:
        score.right += 1
    else:
        score.wrong.append(item.get("id", item["question"]))


def evaluate(kb, questions: list[dict]) -> dict:
    """Score the tool and the two baselines on the questions."""
    tool, bm25, dense = Score("policykg"), Score("BM25 top"), Score("dense top")
    latencies, recall_hits, answerable = [], 0, 0
    kb.ask("warm-up question about hospital beds")  # load models before timing
    for item in questions:
        t0 = time.perf_counter()
        ans = kb.ask(item["question"])
        latencies.append((time.perf_counter() - t0) * 1000)
        judge(item, ans, tool)
        for mode, score in (("bm25", bm25), ("dense", dense)):
            hits = kb.search(item["question"], k=1, mode=mode)
            base = Answer(item["question"], bool(hits), hits[0].text if hits else "",
                          [kb.cite(h) for h in hits])
            judge(item, base, score)
        if item.get("answerable", True) and item.get("doc"):
            answerable += 1
            recall_hits += any(h.doc_id == item["doc"] for h in kb.search(item["question"], k=5))
    lat = sorted(latencies)
    pick = lambda p: lat[min(len(lat) - 1, int(round(p * (len(lat) - 1))))] if lat else 0.0
    return {"questions": len(questions), "tool": tool, "baselines": [bm25, dense],
            "retrieval_recall_at_5": recall_hits / answerable if answerable else None,
            "latency_ms": {"p50": round(pick(0.5), 1), "p95": round(pick(0.95), 1)}}


def report(result: dict) -> str:
    lines = [result["tool"].line()] + [b.line() for b in result["baselines"]]
    lines.append(f"retrieval recall@5 {result['retrieval_recall_at_5']:.0%}" if result["retrieval_recall_at_5"] is not None else "")
    lines.append(f"latency p50 {result['latency_ms']['p50']} ms, p95 {result['latency_ms']['p95']} ms ({result['questions']} questions)")
    if result["tool"].wrong:
        lines.append("wrong: " + ", ".join(map(str, result["tool"].wrong)))
    return "\n".join(x for x in lines if x)


def to_json(result: dict) -> dict:
    return {"questions": result["questions"], "policykg": result["tool"].to_json(),
            "baselines": {b.name: b.to_json() for b in result["baselines"]},
            "retrieval_recall_at_5": result["retrieval_recall_at_5"], "latency_ms": result["latency_ms"]}
