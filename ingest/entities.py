"""Language-neutral parts of entity extraction: entity keys, one entity per key with every
surface form as an alias, and region mentions from the gazetteer."""

from __future__ import annotations

import re

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

