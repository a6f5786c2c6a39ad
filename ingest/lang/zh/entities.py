"""Entities named in Chinese documents: regions, government bodies and other organizations, people.

Rules over jieba's words and tags, written for government texts:

- **Regions**: the gazetteer's Chinese names, as whole words (``gazetteer.find_mentions``).
- **Organizations**: a word that is a standing body (党中央, 国务院, 省委, 人大常委会 ...), or a
  word jieba tags as an organization name (``nt``) that ends in an organizational head
  (委, 政府, 人大, 政协, 部, 厅, 局, 大学, 科学院, 银行, 集团 ...), joined with the region
  or 中共 written right before it (湖南省 + 人民政府, 中共 + 湖南省委). Facilities that share
  a head (医院, 卫生院, 上市公司) are not organizations.
- **People**: a word jieba tags as a person's name (``nr``) written next to a role
  (省长毛伟明, 习近平总书记, 记者 刘尚文); the role is kept, and the organization named
  just before the role (国家发展改革委新闻发言人 …) is the person's organization.
"""

from __future__ import annotations

import re

from ingest import glossary, tables

from ingest.lang.zh import words as words_zh
from ingest.lang.zh.vocab import ORG_HEAD as _HEAD, ORG_PREFIX as _PREFIX, NOT_ORG as _NOT_ORG
from ingest.lang.zh.vocab import ROLE_AFTER as _ROLE_AFTER, ROLE_BEFORE as _ROLE_BEFORE, STANDING_BODIES as _STANDING
from ingest.entities import entity_adder, name_mentions, region_mentions, slug
from ingest.records import DocumentRecord, Entity, Mention

def extract_entities(rec: DocumentRecord, gazetteer, subject: str | None = None) -> tuple[list[Entity], list[Mention]]:
    """Entities and their mentions in a Chinese document (``subject``: the code of the region it is about)."""
    found, mentions = region_mentions(rec, gazetteer)
    entities: dict[str, Entity] = {e.key: e for e in found}
    region_names = {rec.text[m.start:m.end] for m in mentions}
    add = entity_adder(rec, entities, mentions)

    for span in rec.sentences:
        text = rec.quote(span)
        words = _merged(_positioned(text), text)
        orgs: list[tuple[int, int, str]] = []  # (start, end, key) in the sentence
        for i, (w, flag, a, b) in enumerate(words):
            if not _is_org(w, flag):
                continue
            j = i  # take in the region or 中共 written right before the body
            while j > 0 and (words[j - 1][0] in region_names or _PREFIX.match(words[j - 1][0])) and words[j - 1][3] == words[j][2]:
                j -= 1
            start = words[j][2]
            name = text[start:b]
            named = gazetteer.find_mentions(name, "zh")
            # "省委" in a provincial report is that province's; "湖南省人民政府" names its own
            region = named[0][2].code if named else (subject if re.match(r"[省市县区]", name) else None)
            ent = add(Entity(f"organization:{slug(name)}", "organization", name, region=region,
                             label_en=_english(name, named)),
                      span.start + start, span.start + b, span.index)
            orgs.append((start, b, ent.key))
        for i, (w, flag, a, b) in enumerate(words):
            if not flag.startswith("nr") or not 2 <= len(w) <= 4 or not re.fullmatch(r"[\u4e00-\u9fff]+", w):
                continue
            before = _previous_word(words, i)
            after = words[i + 1] if i + 1 < len(words) else None
            role, role_start = None, None
            if before is not None and _ROLE_BEFORE.match(before[0]):
                role, role_start = before[0], before[2]
            elif after is not None and after[2] == b and _ROLE_AFTER.match(after[0]):
                role, role_start = after[0], after[2]
            if role is None:
                continue
            org = next((key for s, e, key in orgs if e == role_start or (e <= role_start and not text[e:role_start].strip("新闻 "))), None)
            add(Entity(f"person:{slug(w)}", "person", w, role=role, organization=org), span.start + a, span.start + b, span.index)
    tables.service_items(rec, subject, add)
    mentions += name_mentions(rec, entities, mentions, gazetteer, subject, boundaries=words_zh.boundaries,
                              ordinary=_ordinary_word)
    return list(entities.values()), sorted(mentions, key=lambda m: (m.start, m.end))


# A short region name jieba's dictionary counts this often is an ordinary word too (新城 824, 和平 7998;
# 海盐 128, 余杭 56): it names the region only in a document about that region.
_ORDINARY_FREQ = 500


def _ordinary_word(name: str) -> bool:
    tokenizer = words_zh.jieba().dt
    tokenizer.check_initialized()
    return tokenizer.FREQ.get(name, 0) > _ORDINARY_FREQ


def _english(name: str, named) -> str | None:
    """"Chongqing Municipality People's Government" for 重庆市人民政府: the region's English name
    and the glossary's English for the rest; None when the glossary lacks the rest."""
    region, rest = "", name
    if named and named[0][0] == 0:
        region, rest = named[0][2].name_en, name[named[0][1]:]
    rest = re.sub(r"^中共", "", rest) if not region else rest
    english = glossary.default().translate(rest) if rest else None
    if english is None:
        return None
    return f"{region} {english}".strip()


def _positioned(text: str) -> list[tuple[str, str, int, int]]:
    """jieba's words with their tags and offsets."""
    out, pos = [], 0
    for word, flag in words_zh.tagged(text):
        out.append((word, flag, pos, pos + len(word)))
        pos += len(word)
    return out


def _merged(words, text: str):
    """The words, with a standing body jieba cut in two made one word again (国家 + 医保局)."""
    out, i = [], 0
    while i < len(words):
        for j in range(min(len(words), i + 4), i + 1, -1):
            name = text[words[i][2]:words[j - 1][3]]
            if name in _STANDING:
                out.append((name, "nt", words[i][2], words[j - 1][3]))
                i = j
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _previous_word(words, i):
    """The word before ``i``, skipping one space (photo credits: "记者 刘尚文 摄")."""
    j = i - 1
    while j >= 0 and not words[j][0].strip():
        j -= 1
    return words[j] if j >= 0 else None


def _is_org(word: str, flag: str) -> bool:
    if word in _STANDING:
        return True
    return flag == "nt" and bool(_HEAD.search(word)) and not _NOT_ORG.search(word)
