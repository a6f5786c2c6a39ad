"""Named things in English documents: regions, organizations, people, events, plans and standards.

Every entity gets a key that does not depend on the document (so one IRI
however many documents mention it) and every mention keeps its exact span.

- Regions: gazetteer mentions (see ``gazetteer``), resolved by context.
- Organizations: capitalised names headed by an organization word
  ("... Commission", "Ministry of ...", "... Office", "... Committee"), split
  into parent and child where the text says "X of (the) Y"; an acronym names
  the organization whose initials it spells, or the one it follows in brackets.
  A name that starts with a region ("Chongqing Development and Reform
  Commission") is placed in that region.
- People: spaCy's PERSON names, with the role and organization stated next to
  them ("Li Hui, deputy division chief ... at the Chongqing Development and
  Reform Commission"; "The Secretary-General of the NDRC and spokesperson Zhao
  Chenxin"; "... reporter Wei Liang"); a later surname alone refers back.
- Events: press conferences, briefings, meetings, forums, sessions and
  congresses, with the date (from the sentence, resolved against the document's
  date), the place (a region in the sentence) and the organizer (the
  organization that held it).
- Plans and standards: "the 14th Five-Year Plan" (with its years), capitalised
  or quoted names of plans and standards; goals stated "by 2025" / "by 2035".
"""

from __future__ import annotations

import re

from ingest.gazetteer import CHINA
from ingest.periods import DocDate, plan_period
from ingest import sentences, tables
from ingest.lang.en.vocab import EVENT_HEADS, ORG_HEADS, ORG_LEADS, ROLE_WORDS
from ingest.entities import entity_adder, name_mentions, slug
from ingest.records import DocumentRecord, Entity, Mention

_SMALL = {"of", "and", "for", "the", "on", "in", "at", "'s", "’s"}


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-z][\w'-]*", name) if w.lower() not in _SMALL).upper()


def canonical_org(name: str) -> str:
    """'the "State Council"' -> 'State Council'; "China's National ..." -> 'National ...';
    'Central Committee of the Party' and 'Party Central Committee' -> 'CPC Central Committee'
    (in these texts "the Party" is the Communist Party of China)."""
    name = re.sub(r"^(?:the|a|an)\s+", "", name.strip(" \"“”'‘’"), flags=re.I)
    name = re.sub(r"^[A-Z][a-z]+(?:'s|’s)\s+", "", name)  # China's X
    name = re.sub(r"^(.+?)\s+of\s+the\s+(?:Communist\s+)?Party(?:\s+of\s+China)?$", r"Party \1", name)
    name = re.sub(r"^(?:Communist Party of China|Party)\b", "CPC", name)
    return re.sub(r"\s+", " ", name).strip()


def extract_entities(rec: DocumentRecord, gazetteer, subject=None, docs=None) -> tuple[list[Entity], list[Mention]]:
    """Entities and their mentions in an English document (``docs``: its sentences parsed by
    the English pipeline, one per sentence)."""
    date = DocDate.parse(rec.issued)
    entities: dict[str, Entity] = {}
    mentions: list[Mention] = []
    if docs is None:
        docs = list(sentences.parse("en", (rec.quote(s) for s in rec.sentences)))
    add = entity_adder(rec, entities, mentions)

    orgs_by_initials: dict[str, str] = {}
    for span, doc in zip(rec.sentences, docs):
        off = span.start
        for a, b, region in gazetteer.find_mentions(doc.text, "en"):
            add(Entity(f"region:{region.code}", "region", region.name_en, code=region.code), off + a, off + b, span.index)
        plan_spans = [(a, b) for a, b, _, _ in _plans(doc.text)]
        for a, b, name, parent in _organizations(doc, plan_spans, title=span.paragraph == 0):
            key = f"organization:{slug(canonical_org(name))}"
            place = _leading_region(gazetteer, canonical_org(name))
            ent = Entity(key, "organization", canonical_org(name),
                         parent=f"organization:{slug(canonical_org(parent))}" if parent else None,
                         region=place.code if place else None)
            lead = re.match(r"([A-Z]{2,6})\s+\S", canonical_org(name))
            if lead and parent is None:
                # "CPC Central Committee": a body of the organization its leading acronym names
                ent.parent = f"organization:{slug(lead.group(1))}"
                add(Entity(ent.parent, "organization", lead.group(1)), off + a, off + a + len(lead.group(1)), span.index)
            add(ent, off + a, off + b, span.index)
            orgs_by_initials.setdefault(_initials(canonical_org(name)), key)
            if parent:
                pa = doc.text.find(parent, b)
                add(Entity(f"organization:{slug(canonical_org(parent))}", "organization", canonical_org(parent)),
                    off + pa, off + pa + len(parent), span.index)
        for a, b, name, n in _plans(doc.text):
            period = plan_period(n) if n else None
            kind = "standard" if re.search(r"standard", name, re.I) else "plan"
            add(Entity(f"{kind}:{slug(canonical_org(name))}", kind, canonical_org(name),
                       period=(period.start, period.end) if period else None), off + a, off + b, span.index)
    # acronyms: "NDRC" names the organization whose initials it spells
    for span, doc in zip(rec.sentences, docs):
        for m in re.finditer(r"\b[A-Z]{2,6}\b", doc.text):
            key = orgs_by_initials.get(m.group(0))
            if key and not any(x.start <= span.start + m.start() < x.end for x in mentions):
                add(Entity(key, "organization", entities[key].label), span.start + m.start(), span.start + m.end(), span.index)
    _people(rec, docs, entities, mentions, add, orgs_by_initials)
    _service_areas(rec, docs, subject, add)
    _events(rec, docs, date, entities, mentions, add, gazetteer)
    _goals(rec, docs, date, entities, add)
    tables.service_items(rec, subject.code if subject is not None else None, add)
    mentions += name_mentions(rec, entities, mentions, gazetteer, subject.code if subject is not None else None)
    return list(entities.values()), sorted(mentions, key=lambda m: (m.start, m.end))


def _organizations(doc, skip: list[tuple[int, int]], title: bool = False):
    """(start, end, name, parent name) for each organization name in a parsed sentence.

    ``skip``: character spans already taken (plan and standard names); ``title``:
    the sentence is the document's title, whose title case says nothing.
    """
    if title and _headline(doc.text):
        return []
    out = []
    for a, b in _capitalised_runs(doc):
        if any(s < b and a < e for s, e in skip) or (re.search(r"\d(?:st|nd|rd|th)\s+$", doc.text[:a])
                                                      and re.search(r"(?:Congress|Session)$", doc.text[a:b])):
            continue  # part of a plan's name, or a numbered session ("17th CPC National Congress") — an event
        for a2, b2 in _split_coordination(doc.text, a, b):
            name = doc.text[a2:b2]
            words = [w.lower() for w in re.findall(r"[\w'’-]+", name)]
            while len(words) > 2 and words[0] in ROLE_WORDS and " of " in name:
                cut = name.index(" of ") + 4
                cut += 4 if name[cut:cut + 4].lower() == "the " else 0
                a2, name = a2 + cut, name[cut:]
                words = [w.lower() for w in re.findall(r"[\w'’-]+", name)]
            if not _is_org(words):
                # "State Council Information Office of China": the name ends at its head word
                cut = [m.start() for m in re.finditer(r"\s+of\s+", name)
                       if _is_org([w.lower() for w in re.findall(r"[\w'’-]+", name[: m.start()])])]
                if not cut:
                    continue
                name = name[: cut[-1]]
            b2 = a2 + len(name)
            parent = _parent_of(name)
            child = name[: name.rfind(" of ", 0, len(name) - len(parent))] if parent else name
            out.append((a2, a2 + len(child), child, parent))
    return out


def _leading_region(gazetteer, name: str):
    """The region a regional body's name starts with ("Guangdong Provincial Development ...")."""
    words = name.split()
    for n in (3, 2, 1):
        if len(words) > n:
            found = [r for r in gazetteer.lookup(" ".join(words[:n]), "en") if r.code != CHINA]
            if len(found) == 1:
                return found[0]
    return None


def _headline(text: str) -> bool:
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    caps = [w for w in words if w[0].isupper() and w.lower() not in _SMALL]
    return len(words) >= 5 and len(caps) >= 0.7 * len([w for w in words if w.lower() not in _SMALL])


def _capitalised_runs(doc):
    toks = list(doc)
    i = 0
    while i < len(toks):
        t = toks[i]
        if not (t.text[:1].isupper() and (t.is_alpha or "-" in t.text)) or t.lower_ in _SMALL:
            i += 1
            continue
        j = i
        while j + 1 < len(toks) and ((toks[j + 1].text[:1].isupper() and toks[j + 1].text not in ("“", '"'))
                                     or toks[j + 1].lower_ in _SMALL or toks[j + 1].text == "-"):
            j += 1
        while j > i and (toks[j].lower_ in _SMALL or toks[j].text == "-"):
            j -= 1
        yield toks[i].idx, toks[j].idx + len(toks[j].text)
        i = j + 1


def _split_coordination(text: str, a: int, b: int):
    """'Party Central Committee and the State Council' -> the two names."""
    name = text[a:b]
    for m in re.finditer(r"\s+and\s+(?:the\s+)?", name):
        left = name[: m.start()]
        if left.split()[-1].lower() in ORG_HEADS and _is_org([w.lower() for w in name[m.end():].split()]):
            yield a, a + m.start()
            yield from _split_coordination(text, a + m.end(), b)
            return
    yield a, b


def _is_org(words: list[str]) -> bool:
    if not words:
        return False
    if words[0] in ORG_LEADS and len(words) > 2 and words[1] == "of":
        return True  # "Ministry of Education"
    head = words[-1]
    if head == "service":
        return len(words) > 1 and words[-2] == "news"  # "China News Service", not "Public Service"
    return head in ORG_HEADS and len(words) > 1


def _parent_of(name: str) -> str | None:
    """'Social Development Department of the National Development and Reform Commission' -> the NDRC part."""
    for m in reversed(list(re.finditer(r"\s+of\s+(?:the\s+)?", name))):
        left, right = name[: m.start()], name[m.end():]
        lw = [w.lower() for w in left.split()]
        if len(lw) > 1 and lw[-1] in ORG_HEADS and _is_org([w.lower() for w in re.findall(r"[\w'’-]+", canonical_org(right))]):
            return right
    return None


_PLAN = re.compile(
    r"(?:national |provincial |municipal )?action plan (?:of|for) the (?P<n2>\d{1,2})(?:st|nd|rd|th) Five-Year Plan"
    r"|[\"“]?(?:(?P<n>\d{1,2})(?:st|nd|rd|th)\s+)?(?:[A-Z][\w-]*\s+){0,6}?Five-Year[\"”]?(?:\s+[A-Z][\w-]*){0,5}\s+Plan(?:\s+for(?:\s+[A-Z][\w-]*)+)?"
    r"|(?:National|[A-Z][\w-]+)(?:\s+[A-Z][\w-]+){1,7}\s+Standards?(?:\s+for(?:\s+[A-Z][\w-]*)+)?(?:\s*\(\d{4}\s+Edition\))?"
)


def _plans(text: str):
    for m in _PLAN.finditer(text):
        name = m.group(0).strip().replace('"', "").replace("“", "").replace("”", "")
        n = int(m.group("n") or m.group("n2") or 0) or None
        if n is None and "Five-Year" in name:
            continue  # "a Five-Year Plan" with no number is no particular plan
        yield m.start(), m.end(), name, n


_ROLE_AFTER = re.compile(r"^,\s*(?P<role>(?:[a-z][\w-]*\s+|[A-Z][\w-]*-[A-Z]?\w*\s+){0,8}?)(?:of|at|with|from)\s+(?:the\s+)?")
_ROLE_BEFORE = re.compile(r"(?P<role>(?:[A-Z][\w-]*|[a-z][\w-]*)(?:\s+(?:and\s+)?[a-z][\w-]*){0,4})\s*$")


def _people(rec, docs, entities, mentions, add, orgs_by_initials):
    surnames: dict[str, str] = {}
    for span, doc in zip(rec.sentences, docs):
        off = span.start
        org_spans = [(m.start - off, m.end - off, m.key) for m in mentions
                     if m.sentence == span.index and m.key.startswith("organization:")]
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            name = ent.text.strip()
            words = name.split()
            a, b = ent.start_char, ent.end_char
            if len(words) == 1 and words[0] in surnames:
                add(entities[surnames[words[0]]], off + a, off + b, span.index)
                continue
            if len(words) < 2 or len(words) > 4 or not all(w[:1].isupper() for w in words) \
                    or any(w.lower() in ORG_HEADS for w in words) or any(m.start <= off + a < m.end for m in mentions):
                continue
            role, org = _role(doc.text, a, b, org_spans)
            key = f"person:{slug(name)}"
            add(Entity(key, "person", name, role=role, organization=org), off + a, off + b, span.index)
            surnames.setdefault(words[0], key)


def _role(text: str, a: int, b: int, org_spans) -> tuple[str | None, str | None]:
    """The role and organization stated next to a person's name."""
    after = text[b:]
    m = _ROLE_AFTER.match(after)
    if m and any(w.lower().strip(",") in ROLE_WORDS for w in m.group("role").split()):
        org = next((k for s, e, k in org_spans if s >= b + m.end() - 1 and s <= b + m.end() + 2), None)
        org = org or next((k for s, e, k in org_spans if s >= b), None)
        return m.group("role").strip(), org
    before = text[:a].rstrip()
    titled = re.search(r"(?:^|[\s(])((?:Vice\s+|Deputy\s+)?[A-Z][\w-]+\s+of\s+(?:the\s+)?(?:[A-Z][\w'-]*\s*)+)$", before)
    if titled and titled.group(1).split()[0].lower() in ROLE_WORDS:
        # "Minister of Civil Affairs Lu Zhiyuan": the title names the role and the body
        return titled.group(1).strip(), None
    words = before.split()
    role_words = []
    for w in reversed(words):
        if w.lower().strip(",") in ROLE_WORDS or (role_words and w.lower() == "and"):
            role_words.insert(0, w.strip(","))
        else:
            break
    if role_words and role_words[0] == "and":
        role_words = role_words[1:]
        head = before[: before.rfind(role_words[0])] if role_words else before
        head = head.rstrip()
        m2 = re.search(r"(?:^|\s)(?:The\s+|the\s+)?([A-Z][\w-]+)\s+of\s+(?:the\s+)?[^,]*?\s+and$", head)
        if m2 and m2.group(1).lower() in ROLE_WORDS:
            role_words = [m2.group(1), "and"] + role_words
        org = next((k for s, e, k in reversed(org_spans) if e <= a), None)
        return " ".join(role_words), org
    if role_words:
        head = before[: before.rfind(role_words[0])]
        # "The Secretary-General of the NDRC and spokesperson Zhao Chenxin": the first role is further left
        m2 = re.search(r"(?:^|\s)(?:The\s+|the\s+)?([A-Z][\w-]+)\s+of\s+(?:the\s+)?[^,]*?\s+and\s*$", head)
        if m2 and m2.group(1).lower() in ROLE_WORDS:
            role_words = [m2.group(1), "and"] + role_words
        org = next((k for s, e, k in reversed(org_spans) if e <= a), None)
        return re.sub(r"\s+and$", "", " ".join(role_words)), org
    return None, None


_EVENT = re.compile(r"\b(" + "|".join(re.escape(h) for h in EVENT_HEADS) + r")s?\b", re.IGNORECASE)
_DAY = re.compile(r"\b[Oo]n the (\d{1,2})(?:st|nd|rd|th)\b|\b(January|February|March|April|May|June|July|August|September|October|November|December) (\d{1,2})\b")
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]


def _events(rec, docs, date: DocDate, entities, mentions, add, gazetteer):
    for span, doc in zip(rec.sentences, docs):
        text, off = doc.text, span.start
        for m in _EVENT.finditer(text):
            a, b = _event_name(text, m)
            label = canonical_org(text[a:b])
            named = label.lower().rstrip("s") != m.group(1).lower() or bool(re.search(r"\b(?:held|hosted|convened)\b", text))
            if not named or re.search(r"\b(?:at|in|after|during) the\s+" + re.escape(m.group(1)) + r"\b", text[:m.end()], re.I):
                continue  # a generic or anaphoric mention ("the meeting") names no particular event
            when = _event_date(text, date)
            places = sorted((r for s, e, r in gazetteer.find_mentions(text, "en") if r.code != CHINA),
                            key=lambda r: ("nation", "province", "prefecture", "county").index(r.level))
            orgs = [x for x in mentions if x.sentence == span.index and x.key.startswith("organization:")]
            organizer = None
            held = re.search(r"\b(?:held|hosted|organi[sz]ed|convened|sponsored)\b", text)
            by = next((x for x in orgs if re.search(r"\b(?:by|of)\s+(?:the\s+)?$", rec.text[span.start:x.start])), None)
            if by is not None:
                organizer = by.key
            elif held and orgs:
                organizer = orgs[0].key
            key = f"event:{slug(label)}" + (f"-{when}" if when else f"-{rec.doc_id}")
            add(Entity(key, "event", label, date=when, region=places[-1].code if places else None,
                       organization=organizer), off + a, off + b, span.index)


def _event_date(text: str, date: DocDate) -> str | None:
    day = _DAY.search(text)
    if day and day.group(1) and date.year and date.month:
        return f"{date.year:04d}-{date.month:02d}-{int(day.group(1)):02d}"
    if day and day.group(2) and date.year:
        return f"{date.year:04d}-{_MONTHS.index(day.group(2).lower()) + 1:02d}-{int(day.group(3)):02d}"
    year = re.search(r"\b(?:In|in|On|on)\s+((?:19|20)\d\d)\b", text)
    return year.group(1) if year else None


def _event_name(text: str, m: re.Match) -> tuple[int, int]:
    """The event's name: capitalised words or an ordinal before the head, 'on ...' after it."""
    a, b = m.start(), m.end()
    before = text[:a]
    lead = re.search(r"((?:\d{1,2}(?:st|nd|rd|th)\s+)?(?:(?:[A-Z][\w-]*|of|the)\s+){0,6})$", before)
    if lead and lead.group(1).strip() and lead.group(1).strip()[0].isupper() or (lead and re.match(r"\d", lead.group(1) or "")):
        a = lead.start(1)
    after = re.match(r"\s+(?:on|of)\s+(?:the\s+)?[\"“]?[A-Z][^,.;\"”]*[\"”]?", text[b:])
    if after:
        b += after.end()
    while a < b and text[a] in " \"“":
        a += 1
    return a, b


_AREAS = re.compile(r"\b(?:the\s+)?(?:\w+\s+)?(?:areas|fields|sectors)\s+of\s+(?P<list>[^.;:]+)", re.IGNORECASE)


def _service_areas(rec, docs, subject, add):
    """'These public services cover the eight areas of education, employment, ...': a region's service areas."""
    region = subject.code if subject is not None else None
    for span, doc in zip(rec.sentences, docs):
        if "service" not in doc.text.lower():
            continue
        for m in _AREAS.finditer(doc.text):
            pos = m.start("list")
            for item in re.split(r",\s*(?:and\s+)?|\s+and\s+(?=[a-z]+(?:\s+[a-z]+){0,4}$)", m.group("list")):
                item = item.strip()
                a = doc.text.find(item, pos)
                pos = a + len(item)
                if item and len(item.split()) <= 6:
                    add(Entity(f"service:{region}-{slug(item)}", "service", item, region=region),
                        span.start + a, span.start + a + len(item), span.index)


def _goals(rec, docs, date: DocDate, entities, add):
    plans = [e for e in entities.values() if e.type == "plan"]
    for span, doc in zip(rec.sentences, docs):
        for m in re.finditer(r"\b(?:by|until|in)\s+(20\d\d)\b", doc.text):
            year = int(m.group(1))
            if date.year and year > date.year and year % 5 == 0:
                plan = next((p.key for p in plans if p.period and p.period[0] <= year <= p.period[1] + 10), None)
                label = " ".join(doc.text.split())
                add(Entity(f"goal:{rec.doc_id}-{span.index}-{year}", "goal", label[:200], date=str(year), plan=plan),
                    span.start, span.end, span.index)
                break
