"""Observations from sentences: each figure with what it measures, where, when and how sure.

For every figure ``quantities`` finds, the sentence's dependency parse (spaCy)
says what the figure belongs to:

- a figure that modifies a noun ("86 public service programs", "a 95% ...
  participation rate") measures that noun phrase; a bare count's unit is the
  noun ("programs"), people nouns count persons;
- a figure that is the object of a verb ("... rate reached 93.7%", "is stable
  at 83%") measures the verb's subject; "the number of X" makes X the unit;
- a pronoun-like subject ("The number is expected to reach ...") takes the
  metric of the figure before it in the same paragraph;
- in a "respectively" sentence the i-th figure goes with the i-th item of the
  coordinated list in the subject.

Time expressions in the sentence (or, failing that, the sentence before it in
the same paragraph) give the period; modality gives the status; an explicit
region mention nearest the figure, or else the document's subject region,
gives the region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from ingest import sentences, tables
from ingest.lang.en import roles
from ingest.lang.en.vocab import ANAPHORA as _ANAPHORA, CHANGE_NOUNS as _CHANGE_NOUNS, CHANGE_VERBS as _CHANGE_VERBS
from ingest.lang.en.vocab import EXPECT_VERBS as _EXPECT, GROUP_HEADS, PEOPLE, PLAN_WORDS as _PLAN
from ingest.lang.en.periods import find_times_en
from ingest.periods import DocDate, TimeExpr
from ingest.places import figure_region, label
from ingest.lang.en.quantities import find_quantities_en, per_n_in, per_n_unit
from ingest.quantities import Quantity
from ingest.records import DocumentRecord, Observation

RULE_VERSION = "en-5"  # en-5: figures in table cells are read from the table (ingest.tables)



class RegionFinder(Protocol):
    """What extraction needs from a gazetteer: region mentions with their spans."""

    def find_mentions(self, text: str, language: str) -> list[tuple[int, int, object]]: ...


@dataclass
class _Fig:
    q: Quantity
    sent_index: int
    offset: int  # sentence start in the document
    metric: str = ""
    metric_span: tuple[int, int] | None = None
    unit: str | None = None
    group: str | None = None
    status: str = "actual"
    kind: str = "level"
    rule: str = ""
    place: str | None = None  # a region name this figure is paired with ("A and B ... respectively")
    role: str = "level"
    antecedent: "_Fig | None" = None  # the figure "the number" refers back to


def extract(rec: DocumentRecord, regions: RegionFinder | None = None, subject=None, docs=None) -> list[Observation]:
    """All observations in an English document.

    ``regions`` finds region mentions in a sentence (a Gazetteer); ``subject``
    is the document's own region, used where a sentence names none; ``docs``:
    the sentences already parsed by the English pipeline (one per sentence).
    """
    date = DocDate.parse(rec.issued)
    spans = [s for s in rec.sentences if re.search(r"\d", rec.quote(s))]
    out: list[Observation] = []
    prev_by_par: dict[int, tuple[int, list[TimeExpr], list[_Fig]]] = {}
    docs = [docs[s.index] for s in spans] if docs is not None else sentences.parse("en", (rec.quote(s) for s in spans))
    for span, doc in zip(spans, docs):
        text = doc.text
        quantities = find_quantities_en(text)
        all_times = find_times_en(text, date)
        times = [t for t in all_times if not t.baseline]
        prev = prev_by_par.get(span.paragraph)
        prev_ok = prev is not None and prev[0] == span.index - 1
        figs = [_Fig(q, span.index, span.start) for q in quantities]
        _describe(doc, figs, prev[2] if prev_ok else [])
        mentions = regions.find_mentions(text, rec.language) if regions and figs else []
        for f in figs:
            period = _period_for(f.q, times) or (_inherited_time(*prev[1:]) if prev_ok and not times else None)
            if period is None and date.month is not None and re.search(r"\b(?:now|currently|at present|presently)\b", text, re.I):
                period = (date.year, date.year)
            if f.status == "actual" and period and date.year and period[1] > date.year:
                f.status = "planned" if _is_count(f.unit) else "target"
            role = roles.classify(text, f.q.start, f.q.end, f.unit or "count", f.kind, all_times, period)
            stated = roles.baseline_period(text, f.q.end, all_times)  # "80.1 years in 2020": the year right after it
            if role.role == "level" and f.antecedent is not None and f.antecedent.role in ("cumulative", "average"):
                role = roles.Role(f.antecedent.role, cue="anaphora")  # "The number is expected to reach 3.5 million"
            f.role = role.role
            if role.role == "baseline":
                period, f.status = stated, "actual"
            elif stated and f.kind != "change":
                period = stated
            placed = [m for m in regions.find_mentions(f.place, rec.language)] if regions and f.place else []
            region = (placed[0][2] if placed else None) or figure_region(mentions, f.q.start) or subject
            out.append(Observation(
                start=span.start + f.q.start, end=span.start + f.q.end,
                value=str(f.q.value), unit=f.unit or "count",
                metric=f.metric, metric_start=f.metric_span[0] + span.start if f.metric_span else None,
                metric_end=f.metric_span[1] + span.start if f.metric_span else None,
                region=region.code if region else None, region_label=label(region, rec.language) if region else None,
                period_start=period[0] if period else None, period_end=period[1] if period else None,
                group=f.group, qualifier=f.q.qualifier, status=f.status, role=role.role, change_kind=role.change_kind,
                base_start=role.base[0] if role.base else None, base_end=role.base[1] if role.base else None,
                sentence=span.index, rule=f"{RULE_VERSION}:{f.rule}" + (f"+{role.cue}" if role.cue else ""),
            ))
        prev_by_par[span.paragraph] = (span.index, times, figs)
    return tables.apply(rec, out, find_quantities_en, _table_unit, regions, subject)


def _table_unit(metric: str, q: Quantity) -> str:
    """The unit of a figure in a table cell that states none: "beds per 1,000 people" for the row
    "Hospital beds per 1,000 people", else "count"."""
    per = per_n_in(metric)
    counted = re.search(r"([A-Za-z][\w-]*)\s+per\b", metric)
    if per and counted:
        noun = counted.group(1).lower()
        return f"{'persons' if noun in PEOPLE else noun} {per}"
    return per or "count"


# -- metric, unit, group, status ------------------------------------------------

def _tokens_in(doc, start: int, end: int):
    return [t for t in doc if t.idx < end and t.idx + len(t.text) > start]


def _figure_head(doc, q: Quantity):
    """The token that carries the figure in the parse: climb from the number through
    number-internal relations (999 -> million, 95 -> %, 678 -> yuan)."""
    toks = _tokens_in(doc, q.number_start, q.unit_end)
    if not toks:
        return None
    inside = {t.i for t in toks}
    head = toks[-1]
    for t in toks:
        if t.head.i not in inside or t.head == t:
            head = t
            break
    return head


def _describe(doc, figs: list[_Fig], previous: list[_Fig]) -> None:
    respectively = bool(re.search(r"\brespectively\b", doc.text, re.I)) and len(figs) > 1
    for f in figs:
        head = _figure_head(doc, f.q)
        f.unit = f.q.unit
        if head is None:
            f.rule = "no-parse"
            continue
        noun = _modified_noun(head, f.q)
        if noun is not None:
            _from_noun(doc, f, noun)
        else:
            _from_clause(doc, f, head, previous)
        verb = _governing_verb(head)
        f.status = _status(verb, doc, f)
        f.kind = _kind(verb, head, f)
    if respectively:
        _pair_respectively(doc, figs)


def _modified_noun(head, q: Quantity):
    """The noun a figure modifies: '86 programs', 'a 95% ... rate', 'a total of 745 the city's
    medical institutions', '50,000 times of training sessions'."""
    noun = None
    if head.dep_ in ("nummod", "amod", "compound", "nmod", "quantmod") and head.head.pos_ in ("NOUN", "PROPN") \
            and head.head.i > head.i and head.head.idx >= q.unit_end:
        noun = head.head
    elif q.unit is None and head.dep_ == "pobj" and head.head.lower_ == "of" and head.head.head.lemma_ in ("total", "number"):
        noun = _next_noun(head)
    if noun is not None and noun.lower_ in ("times", "person-times") and q.unit is None:
        of = [c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"]
        objs = [c for o in of for c in o.children if c.dep_ == "pobj"]
        noun = objs[0] if objs else _next_noun(noun)
    return noun


def _next_noun(tok):
    """The first noun after a token, before the clause ends."""
    for t in tok.doc[tok.i + 1 : tok.i + 8]:
        if t.pos_ in ("VERB", "AUX", "PUNCT"):
            return None
        if t.pos_ == "NOUN" and (t.i + 1 == len(t.doc) or (t.nbor(1).pos_ != "NOUN" and t.nbor(1).tag_ != "POS")):
            return t
    return None


def _span_text(doc, toks) -> tuple[str, tuple[int, int]] | tuple[str, None]:
    toks = sorted(toks, key=lambda t: t.i)
    # leading articles and prepositions go, but not "per" nor a word glued to the next ("on-campus")
    while toks and (toks[0].pos_ == "PUNCT" or (toks[0].lower_ != "per" and toks[0].whitespace_ and (
            toks[0].dep_ in ("det", "cc", "prep") or toks[0].pos_ in ("DET", "ADP")))):
        toks = toks[1:]
    while toks and (toks[-1].pos_ in ("PUNCT", "CCONJ", "ADP") or toks[-1].dep_ in ("punct", "cc")):
        toks = toks[:-1]
    if not toks:
        return "", None
    start, end = toks[0].idx, toks[-1].idx + len(toks[-1].text)
    return doc.text[start:end], (start, end)


def _phrase(noun, exclude: set[int], max_right: int = 12):
    """A noun with its modifiers and its 'of/for/in ...' complements, the figure left out."""
    keep = []
    for t in noun.subtree:
        if t.i in exclude:
            continue
        keep.append(t)
    # cut at a comma-introduced appendix (", including ...") or a relative clause
    cut = None
    for t in noun.rights:
        nxt = t.nbor(1) if t.i + 1 < len(t.doc) else None
        coordinating = t.dep_ == "punct" and nxt is not None and (nxt.dep_ in ("conj", "cc") or nxt.pos_ in ("ADJ", "NOUN", "PROPN"))
        if t.dep_ in ("relcl", "appos") or (t.dep_ == "punct" and not coordinating) \
                or (t.dep_ == "prep" and t.lower_ in ("including", "such")):
            cut = t.i
            break
    if cut is not None:
        keep = [t for t in keep if t.i < cut]
    keep = [t for t in keep if t.i <= noun.i + max_right]
    return keep


def _from_noun(doc, f: _Fig, noun) -> None:
    exclude = {t.i for t in _tokens_in(doc, f.q.start, f.q.unit_end)}
    exclude |= {t.i for t in noun.subtree if t.dep_ == "det" or t.pos_ == "NUM"}
    f.metric, f.metric_span = _span_text(doc, _phrase(noun, exclude))
    after = doc.text[f.q.number_end:]
    counted, per, _ = per_n_unit(after)
    if f.unit is None:
        if per:
            f.unit = f"{counted or noun.text.lower()} {per}".strip()
        elif noun.lemma_.lower() in PEOPLE or noun.text.lower() in PEOPLE:
            f.unit = "persons"
        else:
            compounds = [c.text.lower() for c in noun.lefts if c.dep_ == "compound" and c.i not in exclude and c.pos_ == "NOUN"]
            f.unit = " ".join(compounds[-1:] + [noun.text.lower()])
    f.group = _group(doc, noun)
    f.rule = "noun-modifier"


def _governing_verb(tok):
    """The nearest verb above a token (through conjuncts of figures and prepositions)."""
    t = tok
    for _ in range(8):
        if t.pos_ in ("VERB", "AUX") and t.dep_ not in ("amod",):
            return t
        if t.head == t:
            return None
        t = t.head
    return None


def _subject(verb):
    """The verb's subject, climbing xcomp/conj chains ('is expected to reach' -> 'is')."""
    v = verb
    for _ in range(4):
        subj = [c for c in v.children if c.dep_ in ("nsubj", "nsubjpass", "csubj", "expl")]
        subj = [s for s in subj if s.dep_ != "expl"] or subj
        if subj and subj[0].dep_ != "expl":
            return subj[0]
        if v.dep_ in ("xcomp", "ccomp", "conj", "advcl") and v.head != v:
            v = v.head
            continue
        return None
    return None


def _from_clause(doc, f: _Fig, head, previous: list[_Fig]) -> None:
    verb = _governing_verb(head)
    subj = _subject(verb) if verb is not None else None
    if verb is not None and verb.lemma_ == "be" and any(c.dep_ == "expl" for c in verb.children):
        attr = [c for c in verb.children if c.dep_ in ("attr", "dobj")]
        subj = attr[0] if attr else subj
    if subj is not None and subj.lower_ in _ANAPHORA and not any(c.dep_ == "prep" for c in subj.children) and previous:
        ref = previous[-1]
        f.metric, f.metric_span, f.group = ref.metric, ref.metric_span, ref.group
        f.unit = f.unit or ref.unit
        f.rule = "anaphora"
        f.antecedent = ref
        return
    objects = [c for c in verb.children if c.dep_ == "dobj" and c.idx > (subj.idx if subj is not None else -1)
               and not (c.idx <= f.q.start < c.idx + len(c.text))] if verb is not None else []
    attached = head.head if head.dep_ == "pobj" else None
    if objects and attached is not None and attached.lower_ in ("to", "by") and attached.head == verb:
        subj = objects[0]  # "raise the coverage of care services to 90%": the coverage is measured
    if subj is None:
        f.rule = "no-subject"
        f.metric, f.metric_span = _fallback_metric(doc, f)
        f.unit = f.unit or "count"
        return
    exclude = {t.i for t in _tokens_in(doc, f.q.start, f.q.end)}
    f.metric, f.metric_span = _span_text(doc, _phrase(subj, exclude, max_right=20))
    f.group = _group(doc, subj)
    f.rule = "clause-subject"
    if f.unit is None:
        per = per_n_in(f.metric)
        counted = _number_of(subj)
        if counted is not None:
            base = "persons" if counted.lemma_.lower() in PEOPLE else counted.text.lower()
            f.unit = f"{base} {per}" if per else base
        elif per:
            f.unit = f"{subj.text.lower()} {per}"
        else:
            # "The comprehensive difference coefficients ... are kept below 0.27": a coefficient
            f.unit = subj.lemma_.lower() if subj.pos_ == "NOUN" and subj.lower_ not in _ANAPHORA else "count"


def _number_of(subj):
    """X in 'the number of X'."""
    if subj.lemma_.lower() not in ("number", "total", "count"):
        return None
    for prep in subj.children:
        if prep.dep_ == "prep" and prep.lower_ == "of":
            objs = [c for c in prep.children if c.dep_ == "pobj"]
            if objs:
                return objs[0]
    return None


def _fallback_metric(doc, f: _Fig):
    """The noun chunk nearest before the figure in the sentence."""
    best = None
    for chunk in doc.noun_chunks:
        if chunk.end_char <= f.q.start:
            best = chunk
    if best is None:
        return "", None
    return _span_text(doc, list(best))


def _group(doc, head) -> str | None:
    for t in head.subtree:
        lemma = t.lemma_.lower()
        if t.pos_ == "NOUN" and (lemma in GROUP_HEADS or t.lower_ in GROUP_HEADS):
            mods = [c for c in t.lefts if c.dep_ in ("amod", "compound", "poss", "nmod") and c.pos_ != "DET"]
            # "urban and rural residents": the coordination stays a pair of groups
            words = [c for m in mods for c in m.subtree if c.dep_ not in ("det", "case", "punct") or c.text in ("'", "’", "'s")]
            text, _ = _span_text(doc, words + [t])
            return text.lower().replace("’", "'") or None
    return None


def _status(verb, doc, f: _Fig) -> str:
    lemmas = set()
    v = verb
    for _ in range(4):
        if v is None:
            break
        lemmas.add(v.lemma_.lower())
        lemmas |= {c.lemma_.lower() for c in v.children if c.dep_ in ("aux", "auxpass", "advmod")}
        v = v.head if v.dep_ in ("xcomp", "ccomp", "advcl", "acl", "relcl") and v.head != v else None
    if lemmas & _EXPECT:
        return "expected"
    future = "will" in lemmas or "shall" in lemmas or bool(lemmas & _PLAN)
    if verb is not None and verb.tag_ == "VBN" and any(c.lower_ == "to" for c in verb.children) \
            and any(c.lower_ == "be" for c in verb.children):
        future = True  # "sessions to be provided"
    if future:
        return "planned" if _is_count(f.unit) else "target"
    return "actual"


def _is_count(unit: str | None) -> bool:
    return bool(unit) and unit not in ("percent", "percentage points", "ratio", "times") \
        and " per " not in unit and not unit.startswith(("yuan", "dollars", "euros"))


def _kind(verb, head, f: _Fig) -> str:
    """'increased by 150%', 'up 3.5 points', 'an increase of 12%' are changes; 'rose to 98.2%' is a level.
    A later figure of a list ("raised by 30% and 10%") is of the kind of the first."""
    while head is not None and head.dep_ == "conj" and head.head != head:
        head = head.head
    prep = head.head if head is not None and head.dep_ == "pobj" else None
    if prep is not None and prep.lower_ == "to":
        return "level"
    if prep is not None and prep.lower_ == "by" and verb is not None and verb.lemma_.lower() in _CHANGE_VERBS:
        return "change"
    t = head
    for _ in range(4):  # "up 3.5 points", "an increase of 12%", "growth of nearly 11%"
        if t is None or t.head == t:
            break
        t = t.head
        if t.lemma_.lower() in _CHANGE_NOUNS or (t.lower_ in ("up", "down") and t.dep_ in ("advmod", "prt")):
            return "change"
    if head is not None and any(c.lower_ in ("up", "down") for c in head.children):
        return "change"
    words = set(re.findall(r"[a-z]+", f.metric.lower()))
    return "change" if words & _CHANGE_NOUNS else "level"


def _pair_respectively(doc, figs: list[_Fig]) -> None:
    """Give each figure of a 'respectively' list its own item of the coordinated subject."""
    resp = next((t for t in doc if t.lower_ == "respectively"), None)
    verb = _governing_verb(resp) if resp is not None else None
    group = [f for f in figs if verb is not None and _governing_verb(_figure_head(doc, f.q)) == verb] or figs
    subject = next((f for f in group if f.rule == "clause-subject" and f.metric_span), None)
    if subject is None or len(group) < 2:
        return
    items = _coordinated_items(doc, subject.metric_span, len(group))
    if items is None:
        return
    prefix, parts, suffix = items
    if not prefix and not suffix and all(_proper_name(doc, subject.metric_span[0], p) for p in parts):
        # "Shenzhen and Zhuhai reported life expectancy of 83.5 and 82.9 years respectively":
        # the items are places; the figures measure what they attach to.
        noun = _attached_noun(_figure_head(doc, group[0].q), [(g.q.start, g.q.end) for g in group])
        for f, part in zip(group, parts):
            f.place = part
            if noun is not None:
                exclude = {t.i for g in group for t in _tokens_in(doc, g.q.start, g.q.end)}
                f.metric, f.metric_span = _span_text(doc, [t for t in noun.subtree if t.i <= noun.i and t.i not in exclude])
            f.rule = "respectively-places"
        return
    for f, part in zip(group, parts):
        f.metric = f"{prefix}{part}{suffix}".strip()
        shared = suffix.strip().split()[-1].lower() if suffix.strip() else ""
        if shared.rstrip("s") in {g.rstrip("s") for g in GROUP_HEADS}:
            f.group = f"{part}{suffix}".strip().lower()
        else:
            f.group = None
        if f.unit in (None, "count"):
            f.unit = subject.unit
        f.rule = "respectively"


def _proper_name(doc, offset: int, part: str) -> bool:
    toks = [t for t in doc if t.idx >= offset and part and t.text in part.split()]
    return bool(part) and part[0].isupper() and all(t.pos_ == "PROPN" for t in toks) and len(part.split()) <= 4


def _attached_noun(head, figure_spans):
    """The noun a figure hangs from through 'of' ('life expectancy of 83.5 and 82.9 years')."""
    t = head
    for _ in range(5):
        if t is None or t.head == t:
            return None
        t = t.head
        if t.pos_ == "NOUN" and not any(a <= t.idx < b for a, b in figure_spans):
            return t
    return None


def _coordinated_items(doc, span: tuple[int, int], n: int):
    """Split the phrase at ``span`` like 'X in A, B, C and D' into ('X in ', [A, B, C, D], '').

    The text is split at commas and 'and'/'or' into n items. The first item
    starts where the parse says its phrase starts (the left edge of the word
    that ends it); a head shared by all items and standing after the last one
    ('urban and rural residents') becomes the suffix.
    """
    start, end = span
    text = doc.text[start:end]
    seps = list(_SPLIT.finditer(text))
    if len(seps) < n - 1:
        return None
    seps = seps[len(seps) - (n - 1):]
    bounds = [0] + [x for m in seps for x in m.span()] + [len(text)]
    parts = [text[bounds[i]:bounds[i + 1]] for i in range(0, len(bounds), 2)]
    first_end = start + seps[0].start()
    last_tok = next((t for t in reversed(doc) if t.idx + len(t.text) <= first_end), None)
    if last_tok is None:
        return None
    item0_start = max(last_tok.left_edge.idx, start)
    prefix = doc.text[start:item0_start]
    parts[0] = doc.text[item0_start:first_end]
    suffix = ""
    head = last_tok.head
    if last_tok.dep_ in ("amod", "compound", "nmod", "poss") and head.idx >= start + seps[-1].end():
        suffix = " " + doc.text[head.idx:end]
        parts[-1] = doc.text[start + seps[-1].end():head.idx].strip()
    return prefix, [p.strip() for p in parts], suffix


_SPLIT = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")


def _period_for(q: Quantity, times: list[TimeExpr]) -> tuple[int, int] | None:
    """The time expression nearest the figure in its clause (preferring one before it)."""
    if not times:
        return None
    best = min(times, key=lambda t: (0 if t.end <= q.start else 1, abs((t.start + t.end) / 2 - q.start)))
    return best.period.start, best.period.end


def _inherited_time(times: list[TimeExpr], figs: list[_Fig]) -> tuple[int, int] | None:
    """The period the previous sentence sets for the next one.

    A time expression belongs to the figures of its own sentence, unless it is a
    fronted adverbial ("By the end of 2020, ...") that frames what follows, or its
    sentence has no figure to take it (it then sets the topic: "the Standards (2021 Edition)").
    """
    carried = [t for t in times if t.framing or not figs]
    return (carried[-1].period.start, carried[-1].period.end) if carried else None
