"""Language-neutral parts of entity extraction: entity keys, one entity per key with every
surface form as an alias, and region mentions from the gazetteer."""

from __future__ import annotations

import re

from ingest.gazetteer import _LEADING_WORDS
from ingest.records import DocumentRecord, Entity, Mention

def slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-")


_MERGED = ("parent", "region", "role", "organization", "date", "period", "plan", "code", "label_en")


def entity_adder(rec: DocumentRecord, entities: dict[str, Entity], mentions: list[Mention]):
    """``add(entity, start, end, sentence)``: records a mention, keeping one entity per key (the
    first one, completed with what later mentions know) and every surface form as an alias."""

    def add(ent: Entity, start: int, end: int, sent: int) -> Entity:
        kept = entities.setdefault(ent.key, ent)
        kept.aliases.add(rec.text[start:end])
        for attr in _MERGED:
            if getattr(kept, attr) is None and getattr(ent, attr) is not None:
                setattr(kept, attr, getattr(ent, attr))
        mentions.append(Mention(start, end, ent.key, sent))
        return kept

    return add


def region_mentions(rec: DocumentRecord, gazetteer) -> tuple[list[Entity], list[Mention]]:
    """Only the regions a document names (for languages without organization and person rules yet)."""
    entities: dict[str, Entity] = {}
    mentions = []
    for span in rec.sentences:
        for a, b, region in gazetteer.find_mentions(rec.quote(span), rec.language):
            key = f"region:{region.code}"
            ent = entities.setdefault(key, Entity(key, "region", region.name_en, code=region.code))
            ent.aliases.add(rec.quote(span)[a:b])
            mentions.append(Mention(span.start + a, span.start + b, key, span.index))
    return list(entities.values()), mentions



# Kinds of entities whose names are looked for again over the whole document; events and goals are
# named by generic words or whole sentences, and service areas by common nouns.
_RENAMED = ("region", "organization", "person", "plan", "standard")
_HAN = re.compile(r"[\u3400-\u9fff]")


def name_mentions(rec: DocumentRecord, entities: dict[str, Entity], mentions: list[Mention], gazetteer,
                  subject: str | None = None, boundaries=None, ordinary=None) -> list[Mention]:
    """The other places a document names an entity it names: every sentence, not only those whose
    own words let the rules find it.

    An entity's names are its surface forms in the document (aliases) and, for a region (those the
    document names, and its subject region), every name the gazetteer knows for it that the
    gazetteer cannot place from a sentence alone: a county's short name (海盐 for 海盐县), a name
    two regions share ("Haiyan" is also 海晏县 in Qinghai). A name two of the document's entities
    share is left out. Chinese names must fall on word boundaries (``boundaries(text)``: the
    offsets of the language's word segmenter); English ones must be whole words, capitalised,
    and not part of a longer capitalised name. A gazetteer name that is also an ordinary word
    (``ordinary(name)``: 新城 of 新城区, 和平 of 和平区) counts only for the document's own region.
    Returns the new mentions (added to ``entities``'
    aliases too); the caller adds them to its list.
    """
    if subject and f"region:{subject}" not in entities and gazetteer.get(subject) is not None:
        region = gazetteer.get(subject)
        entities[f"region:{subject}"] = Entity(f"region:{subject}", "region", region.name_en, code=subject)
    owners: dict[str, set[str]] = {}
    for key, ent in entities.items():
        if ent.type not in _RENAMED:
            continue
        names = set(ent.aliases)
        if ent.type == "region" and ent.code:
            own = ent.code == subject
            names |= {n for n in gazetteer.names(ent.code) if not _placed_alone(gazetteer, n, ent.code)
                      and (own or n in ent.aliases or ordinary is None or not ordinary(n))}
        for name in names:
            if len(name) >= (2 if _HAN.search(name) else 3) and (_HAN.search(name) or name[:1].isupper()):
                owners.setdefault(name, set()).add(key)
    names = sorted((n for n, keys in owners.items() if len(keys) == 1), key=len, reverse=True)
    if not names:
        return []
    pattern = re.compile("|".join(re.escape(n) for n in names))
    taken = sorted((m.start, m.end) for m in mentions)
    out = []
    for span in rec.sentences:
        text = rec.quote(span)
        cuts = None
        for m in pattern.finditer(text):
            a, b = span.start + m.start(), span.start + m.end()
            if _overlaps(taken, a, b):
                continue
            if _HAN.search(m.group(0)):
                cuts = cuts if cuts is not None else (boundaries(text) if boundaries else None)
                if cuts is not None and (m.start() not in cuts or m.end() not in cuts) \
                        and not _after_mention(taken, a):
                    continue
            elif not _whole_name(text, m.start(), m.end()):
                continue
            key = next(iter(owners[m.group(0)]))
            entities[key].aliases.add(m.group(0))
            out.append(Mention(a, b, key, span.index))
    return out


def _placed_alone(gazetteer, name: str, code: str) -> bool:
    """Whether the gazetteer finds ``name`` in text by itself, as this region (so its own rules
    already decided where the name stands for the region and where it does not: 中国特色)."""
    language = "zh" if _HAN.search(name) else "en"
    found = gazetteer.find_mentions(name, language)
    return any(a == 0 and b == len(name) and r.code == code for a, b, r in found)


def _overlaps(taken: list[tuple[int, int]], a: int, b: int) -> bool:
    import bisect

    i = bisect.bisect_left(taken, (b, b))
    return any(s < b and a < e for s, e in taken[max(0, i - 8):i])


def _after_mention(taken: list[tuple[int, int]], a: int) -> bool:
    """A name right after another mention (浙江省海盐 ...) starts a word even where the segmenter joins them."""
    return any(e == a for _, e in taken)


def _whole_name(text: str, a: int, b: int) -> bool:
    """An English name standing alone: whole words, not inside a longer capitalised name
    ("Zhejiang University", "Bank of China")."""
    if (a > 0 and (text[a - 1].isalnum() or text[a - 1] in "-'’")) or (b < len(text) and text[b].isalnum()):
        return False
    if re.match(r"[ \t]+(?:[A-Z][\w-]*)", text[b:]):
        return False
    before = re.search(r"([A-Za-z][\w'’-]*)[ \t]+(?:(of|the|and)[ \t]+)?$", text[:a])
    if before and before.group(2) and before.group(2) == "of" and before.group(1)[:1].isupper():
        return False  # "Bank of China"
    if before and not before.group(2) and before.group(1)[:1].isupper() and before.group(1).lower() not in _LEADING_WORDS:
        return False  # "Zhang Haiyan", not "In Haiyan"
    return True
