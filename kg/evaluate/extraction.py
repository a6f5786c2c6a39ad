"""Measuring extraction against a hand-made key (``policykg eval-extraction``).

A key line names a document, the figure's text as it stands there (``quote``)
and the expected fields. A key fact is *found* when an extracted observation
in that document overlaps one of the places the quote stands and has the same
value; each observation matches at most one fact. Recall is found / facts;
precision is matched observations / observations extracted from the documents
the key covers (a key that misses figures makes this a lower bound). Field
accuracy is over the found facts:

- value: equal as numbers;
- unit: equal after lower-casing, or one names the other's counted thing
  ("public service programs" ~ "programs"), singular or plural;
- region: the key's region name resolves (gazetteer) to the observation's region;
- period: the same year or range ("2016/2020");
- status: equal.

A field the key line leaves out is not scored (``"period": null`` is: it says
the fact has no period).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ingest.records import DocumentRecord, Observation

FIELDS = ("value", "unit", "region", "period", "status", "qualifier", "role", "change_kind")


@dataclass
class ExtractionScore:
    facts: int = 0
    found: int = 0
    extracted: int = 0
    matched_observations: int = 0
    correct: dict[str, int] = field(default_factory=lambda: {f: 0 for f in FIELDS})
    scored: dict[str, int] = field(default_factory=lambda: {f: 0 for f in FIELDS})  # found facts whose key states the field
    misses: list[dict] = field(default_factory=list)  # key facts not found
    errors: list[dict] = field(default_factory=list)  # found, but a field differs
    extra: list[dict] = field(default_factory=list)  # observations matching no fact
    missing_docs: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.facts if self.facts else 0.0

    @property
    def precision(self) -> float:
        return self.matched_observations / self.extracted if self.extracted else 0.0

    def accuracy(self, name: str) -> float | None:
        """Share right among the found facts whose key line states this field (None if none does)."""
        return self.correct[name] / self.scored[name] if self.scored[name] else None

    def to_json(self) -> dict:
        return {
            "facts": self.facts, "found": self.found, "extracted": self.extracted,
            "recall": round(self.recall, 4), "precision": round(self.precision, 4),
            "accuracy": {f: None if self.accuracy(f) is None else round(self.accuracy(f), 4) for f in FIELDS},
            "misses": self.misses, "errors": self.errors, "extra": self.extra, "missing_docs": self.missing_docs,
        }

    def report(self, verbose: bool = False) -> str:
        lines = [
            f"facts {self.facts}, found {self.found}, extracted {self.extracted}",
            f"recall     {self.recall:6.1%}",
            f"precision  {self.precision:6.1%}  (observations in the key's documents that match a fact)",
        ]
        lines += [f"{name:<10} {self.accuracy(name):6.1%}  of {self.scored[name]} found facts" if self.scored[name]
                  else f"{name:<10}     -   (the key does not state it)" for name in FIELDS]
        if self.missing_docs:
            lines.append("documents not ingested: " + ", ".join(self.missing_docs))
        if verbose:
            lines += ["", "missed:"] + [f"  {m['doc']}: {m['quote']!r} ({m.get('metric', '')})" for m in self.misses]
            lines += ["", "wrong fields:"] + [f"  {e['doc']}: {e['quote']!r} {e['field']}: expected {e['expected']!r}, got {e['got']!r}" for e in self.errors]
            lines += ["", "extracted, not in the key:"] + [f"  {x['doc']}: {x['quote']!r} {x['unit']} ({x['metric']})" for x in self.extra]
        return "\n".join(lines)


def load_key(path: str | Path) -> list[dict]:
    """Read a JSON-lines key (facts or questions); a clear error names the line that is not JSON."""
    facts = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                facts.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not a JSON object: {exc.msg}") from exc
    return facts


def _number(v) -> Decimal | None:
    try:
        return Decimal(str(v))
    except (InvalidOperation, TypeError):
        return None


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def unit_matches(expected: str | None, got: str | None) -> bool:
    if expected is None or got is None:
        return expected == got
    e = [_singular(w) for w in re.findall(r"[\w,]+", expected.lower())]
    g = [_singular(w) for w in re.findall(r"[\w,]+", got.lower())]
    if e == g:
        return True
    short, long = (e, g) if len(e) <= len(g) else (g, e)
    return bool(short) and long[-len(short):] == short


def period_text(o: Observation) -> str | None:
    if o.period_start is None:
        return None
    return str(o.period_start) if o.period_start == o.period_end else f"{o.period_start}/{o.period_end}"


def _occurrences(text: str, quote: str) -> list[tuple[int, int]]:
    return [(m.start(), m.start() + len(quote)) for m in re.finditer(re.escape(quote), text)]


def evaluate(facts: list[dict], records: dict[str, DocumentRecord], region_resolver=None) -> ExtractionScore:
    """Score the records' observations against the key facts.

    ``region_resolver(name, code)`` says whether a key's region name denotes the
    observation's region code; by default names are compared with labels.
    """
    score = ExtractionScore()
    by_doc: dict[str, list[dict]] = {}
    for f in facts:
        by_doc.setdefault(f["doc"], []).append(f)
    for doc_id, doc_facts in by_doc.items():
        rec = records.get(doc_id)
        score.facts += len(doc_facts)
        if rec is None:
            score.missing_docs.append(doc_id)
            score.misses += doc_facts
            continue
        observations = list(rec.observations)
        score.extracted += len(observations)
        used: set[int] = set()
        for fact in doc_facts:
            want = _number(fact.get("value"))
            spans = _occurrences(rec.text, fact["quote"])
            match = next((i for i, o in enumerate(observations) if i not in used
                          and any(o.start < e and s < o.end for s, e in spans)
                          and (want is None or _same_size(_number(o.value), want))), None)
            if match is None:
                score.misses.append(fact)
                continue
            used.add(match)
            score.found += 1
            _score_fields(score, fact, observations[match], region_resolver)
        score.matched_observations += len(used)
        score.extra += [{"doc": doc_id, "quote": rec.text[o.start:o.end], "unit": o.unit, "metric": o.metric}
                        for i, o in enumerate(observations) if i not in used]
    return score


def _same_size(a: Decimal | None, b: Decimal | None) -> bool:
    """Equal in size: a decline may be keyed as -5 or 5."""
    return a is not None and b is not None and abs(a) == abs(b)


def _score_fields(score: ExtractionScore, fact: dict, o: Observation, region_resolver) -> None:
    got = {
        "value": _same_size(_number(o.value), _number(fact.get("value"))),
        "unit": unit_matches(fact.get("unit"), o.unit),
        "region": (region_resolver(fact.get("region"), o.region) if region_resolver
                   else (fact.get("region") or "").lower() == (o.region_label or "").lower()),
        "period": (fact.get("period") or None) == period_text(o),
        "status": fact.get("status") == o.status,
        "qualifier": (fact.get("qualifier") or None) == o.qualifier,
        "role": fact.get("role", fact.get("kind")) == o.role,
        "change_kind": (fact.get("change_kind") or None) == o.change_kind,
    }
    shown = {"value": o.value, "unit": o.unit, "region": o.region_label, "period": period_text(o),
             "status": o.status, "qualifier": o.qualifier, "role": o.role, "change_kind": o.change_kind}
    if "kind" in fact and "role" not in fact:
        fact = fact | {"role": fact["kind"]}  # keys written before roles call it kind
    for name, ok in got.items():
        if name not in fact:
            continue  # the key does not say; an absent field is not a null one
        score.scored[name] += 1
        if ok:
            score.correct[name] += 1
        else:
            score.errors.append({"doc": fact["doc"], "quote": fact["quote"], "field": name,
                                 "expected": fact.get(name), "got": shown[name]})
