"""Gazetteer of China's administrative divisions, read from ``ontology/regions.ttl``.

Regions are looked up by name in Chinese or English (with or without the
suffix: 海盐 / 海盐县 / Haiyan / Haiyan County), walked up their parent chain,
disambiguated by context, and found in running text (``find_mentions``).

Loading parses about 26,000 triples with pyoxigraph in a few hundredths of a
second, so no cache is kept. ``scripts/build_regions.py`` builds the Turtle file.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pyoxigraph import RdfFormat, parse

from ontology import REGIONS_FILE
from ontology import path as ontology_path

from ingest.language import is_han

REGION_BASE = "https://policykg.org/id/region/"
CHINA = "100000"
LEVELS = ("nation", "province", "prefecture", "county")  # highest first

_SKOS = "http://www.w3.org/2004/02/skos/core#"
_PKG = "https://policykg.org/ns#"

# English: a word, possibly with apostrophes inside (Xi'an, People's, China's).
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
# Lower-case words that may continue a name: "Jiangxi province", "Miao and Dong".
_NAME_CONTINUERS = {
    "and", "of", "province", "city", "county", "district", "prefecture", "autonomous",
    "region", "league", "banner", "municipality", "special", "administrative", "new",
    "area", "mining", "forestry",
}
# Capitalised words that may stand before a region name without making it part of
# a longer name ("In Haiyan", "Mainland China"). Other capitalised words before it
# (a surname: "Zhang Jinhua") make it part of a longer name.
_LEADING_WORDS = {
    "the", "a", "an", "in", "at", "on", "from", "for", "by", "to", "with", "and", "or",
    "as", "since", "during", "after", "before", "under", "across", "both", "all",
    "within", "throughout", "through", "between", "among", "near", "around", "over",
    "including", "like", "unlike", "about", "into", "towards", "toward", "via", "per",
    "each", "every", "this", "that", "these", "those", "its", "their", "our", "but",
    "so", "yet", "while", "when", "where", "although", "though", "because", "if",
    "recently", "currently", "today", "yesterday", "meanwhile", "also", "moreover",
    "furthermore", "however", "additionally", "besides", "then", "now", "mainland",
    "central", "north", "south", "east", "west", "northern", "southern", "eastern",
    "western", "northeast", "northwest", "southeast", "southwest", "rural", "urban",
    "greater", "coastal", "inland",
}

# English short forms that are also English words or names ("Guide to ...",
# "Mile", "Saga", "Ali"): found in text only with their suffix (Guide County).
_UNSAFE_EN_SHORT = {"guide", "mile", "saga", "dari", "bole", "mulan", "ali"}

# Chinese short forms (no suffix) that are also ordinary words or other names:
# 长治久安, 朝阳产业, 文山会海, 大理石, 阿里巴巴, 新乡贤, 三明治 ...
_UNSAFE_ZH_SHORT = {
    "大同", "大庆", "来宾", "文山", "白银", "日照", "长治", "朝阳", "安康", "中山", "三明",
    "阿里", "北海", "开封", "大理", "海口", "兴安", "海西", "新乡", "四平",
}
# County-level names that are also common nouns (中心城区, 郊区): only found right
# after another region (阳泉市城区).
_ZH_SUFFIXES = ("省", "市", "县", "区", "州", "盟", "旗")
# "中国特色", "中国式现代化": the country's name as part of a set phrase, not a place the text is about
_NOT_A_PLACE_AFTER = re.compile(r"特色|式|梦|共产党|制造|智造|品牌|方案|故事|声音|经验")


_GENERIC_ZH = {
    "城区", "郊区", "矿区", "东区", "西区", "新城区", "老城区", "城关区", "市中区", "城中区",
    "城东区", "城西区", "城北区",
}


@dataclass(frozen=True, order=True)
class Region:
    """One administrative division; ``parent`` is the code of the next level up.

    Regions order by code, so that mentions ``(start, end, region)`` that tie on their span (an
    ambiguous name read as each of its candidates) still sort.
    """

    code: str
    iri: str
    name_zh: str
    name_en: str
    level: str
    parent: str | None
    province_type: str | None = None

    @property
    def short_zh(self) -> str:
        """The Chinese name without its administrative suffix (辽宁省 -> 辽宁, 新疆维吾尔自治区 -> 新疆)."""
        return short_zh(self.name_zh)


_SHORT_ZH = re.compile(r"(?:维吾尔|壮族|回族)?(?:自治区|特别行政区|省|市)$")


def short_zh(name: str) -> str:
    """A Chinese region name without its administrative suffix (辽宁省 -> 辽宁, 新疆维吾尔自治区 -> 新疆)."""
    return _SHORT_ZH.sub("", name) or name


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()

    @property
    def possessive(self) -> bool:
        return bool(_POSSESSIVE.search(self.text))


def _fold_en(text: str) -> str:
    """Case- and accent-insensitive English key; apostrophes kept (De'an is not Dean)."""
    text = text.replace("’", "'").replace("‘", "'")
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(c))
    return " ".join(m.group(0) for m in _WORD.finditer(text.casefold()))


def _fold_zh(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _is_short_form(label: str, pref: str) -> bool:
    """A short form is the preferred label less its suffix (海盐 of 海盐县)."""
    return label != pref and pref.startswith(label)


class Gazetteer:
    """Lookup, hierarchy, disambiguation and mention finding over the regions."""

    def __init__(self, ttl: Path | None = None):
        records = _read_turtle(ttl or ontology_path(REGIONS_FILE))
        self._regions = {r.code: r for r, _ in records}
        self._names = {r.code: frozenset(text for text, _ in labels) for r, labels in records}
        self._ancestors = {code: self._chain(code) for code in self._regions}
        self._en: dict[str, set[str]] = defaultdict(set)
        self._en_loose: dict[str, set[str]] = defaultdict(set)
        self._zh: dict[str, set[str]] = defaultdict(set)
        self._zh_text: dict[str, set[str]] = defaultdict(set)  # what find_mentions uses
        for region, labels in records:
            self._index(region, labels)
        self._zh_lengths = sorted({len(k) for k in self._zh_text}, reverse=True)
        self._zh_bounded = {r.name_zh for r in self._regions.values()
                            if r.level == "county" and len(r.name_zh) == 2}
        self._en_span = max(len(k.split()) for k in self._en)

    # ---------------------------------------------------------------- building

    def _chain(self, code: str) -> list[str]:
        chain, parent = [], self._regions[code].parent
        while parent:
            chain.append(parent)
            parent = self._regions[parent].parent
        return chain

    def _index(self, region: Region, labels: list[tuple[str, str]]) -> None:
        for text, lang in labels:
            if lang == "en":
                key = _fold_en(text)
                self._en[key].add(region.code)
                self._en_loose[key.replace("'", "")].add(region.code)
            else:
                key = _fold_zh(text)
                self._zh[key].add(region.code)
                if self._findable_zh(region, key):
                    self._zh_text[key].add(region.code)

    @staticmethod
    def _findable_zh(region: Region, label: str) -> bool:
        """Full names always; short forms only for province- and prefecture-level
        regions, of 2+ characters, and not ordinary words."""
        if not _is_short_form(label, region.name_zh):
            return True
        return (region.level in ("province", "prefecture") and len(label) >= 2
                and label not in _UNSAFE_ZH_SHORT)

    # ---------------------------------------------------------------- queries

    def __len__(self) -> int:
        return len(self._regions)

    def get(self, code: str) -> Region | None:
        """The region with this 6-digit code."""
        return self._regions.get(code)

    def regions(self, level: str | None = None) -> list[Region]:
        """All regions (of one level), by code."""
        return sorted((r for r in self._regions.values() if level in (None, r.level)),
                      key=lambda r: r.code)

    def names(self, code: str) -> set[str]:
        """Every label of the region, both languages, with and without suffix."""
        return set(self._names.get(code, ()))

    def lookup(self, name: str, language: str | None = None) -> list[Region]:
        """Every region with this name, in either language (or the one given), with
        or without the suffix; English ignores case, accents and, failing an exact
        match, apostrophes (Xian -> Xi'an). Highest level first."""
        language = language.lower()[:2] if language else None
        codes: set[str] = set()
        if language in (None, "zh"):
            codes |= self._zh.get(_fold_zh(name), set())
        if language in (None, "en"):
            key = _fold_en(name)
            codes |= self._en.get(key) or self._en_loose.get(key.replace("'", ""), set())
        return self._ranked(codes)

    def ancestors(self, code: str) -> list[Region]:
        """The parent chain, nearest first, up to China."""
        return [self._regions[c] for c in self._ancestors.get(code, [])]

    def resolve(self, name: str, context_codes: Iterable[str] = ()) -> Region | None:
        """The one region ``name`` most likely means, or None if it stays ambiguous.

        Candidates above or below a context region are preferred, then those in
        the same province, then the highest administrative level; a tie at the
        same level is left unresolved.
        """
        return self._choose(self.lookup(name), list(context_codes))

    def find_mentions(self, text: str, language: str) -> list[tuple[int, int, Region]]:
        """Spans of region names in running text, each resolved to one region.

        English: capitalised names with an optional suffix word, not part of a
        longer capitalised name (so not "China News Service"). Chinese: full names
        (浙江省, 海盐县) and short province/prefecture names (浙江, 嘉兴), longest
        first. Ambiguous names are resolved with the other mentions as context and
        left out if they stay ambiguous.
        """
        chinese = language.lower().startswith("zh")
        spans = self._spans_zh(text) if chinese else self._spans_en(text)
        context = [next(iter(codes)) for _, _, codes in spans if len(codes) == 1]
        found = []
        for start, end, codes in spans:
            region = self._choose(self._ranked(codes), context)
            if region:
                found.append((start, end, region))
        return found

    # ---------------------------------------------------------------- resolution

    def _ranked(self, codes: Iterable[str]) -> list[Region]:
        return sorted((self._regions[c] for c in codes),
                      key=lambda r: (LEVELS.index(r.level), r.code))

    def _closeness(self, code: str, context: str) -> int:
        """2 if one is the other or its ancestor, 1 if they share a province, else 0."""
        if code == context or context in self._ancestors[code] \
                or code in self._ancestors[context]:
            return 2
        return int(self._province(code) is not None
                   and self._province(code) == self._province(context))

    def _province(self, code: str) -> str | None:
        chain = [code, *self._ancestors[code]]
        return chain[-2] if len(chain) >= 2 else None

    def _choose(self, candidates: list[Region], context: list[str]) -> Region | None:
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        context = [c for c in context if c in self._regions and c != CHINA]
        scores = {r.code: max((self._closeness(r.code, c) for c in context), default=0)
                  for r in candidates}
        best = max(scores.values())
        pool = [r for r in candidates if scores[r.code] == best]
        top = [r for r in pool if r.level == pool[0].level]
        return top[0] if len(top) == 1 else None

    # ---------------------------------------------------------------- Chinese text

    def _spans_zh(self, text: str) -> list[tuple[int, int, set[str]]]:
        spans: list[tuple[int, int, set[str]]] = []
        words = None  # word boundaries, computed only when a bare name needs them
        i = 0
        while i < len(text):
            match = self._match_zh(text, i, bool(spans) and spans[-1][1] == i)
            if match and _NOT_A_PLACE_AFTER.match(text, i + len(match)):
                match = None
            elif match and not match.endswith(_ZH_SUFFIXES) and not (spans and spans[-1][1] == i):
                # a bare name must be a word of its own: not 保定 in 医保定点
                words = words if words is not None else _word_boundaries(text, "zh")
                if i not in words or i + len(match) not in words:
                    match = None
            if match:
                spans.append((i, i + len(match), self._zh_text[match]))
                i += len(match)
            else:
                i += 1
        return spans

    def _match_zh(self, text: str, i: int, after_region: bool) -> str | None:
        """The longest findable name at ``i``. Two-character county names (兴县,
        和县) need a word boundary or a region before them (not 振兴县域); generic
        ones (城区) a region."""
        for length in self._zh_lengths:
            candidate = text[i:i + length]
            if len(candidate) < length or candidate not in self._zh_text:
                continue
            if after_region:
                return candidate
            if candidate in _GENERIC_ZH:
                continue
            if candidate in self._zh_bounded and i > 0 and is_han(text[i - 1]):
                continue
            return candidate
        return None

    # ---------------------------------------------------------------- English text

    def _spans_en(self, text: str) -> list[tuple[int, int, set[str]]]:
        tokens = [_Token(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
        matches: list[tuple[int, int, set[str]]] = []  # token index ranges
        i = 0
        while i < len(tokens):
            match = self._match_en(text, tokens, i)
            if match:
                matches.append(match)
                i = match[1]
            else:
                i += 1
        covered = {k for start, end, _ in matches for k in range(start, end)}
        return [(tokens[s].start, self._end_offset(tokens[e - 1]), codes)
                for s, e, codes in matches
                if self._stands_alone(text, tokens, s, e, covered)]

    def _match_en(self, text: str, tokens: list[_Token], i: int):
        """The longest name starting at token ``i``: (i, j, codes) or None."""
        if not tokens[i].capitalised:
            return None
        best = None
        for j in range(i + 1, min(len(tokens), i + self._en_span) + 1):
            last = tokens[j - 1]
            if j - 1 > i and not (_joined(text, tokens[j - 2], last)
                                  and (last.capitalised
                                       or last.text.lower() in _NAME_CONTINUERS)):
                break
            words = [t.text for t in tokens[i:j]]
            for variant in (words, [*words[:-1], _POSSESSIVE.sub("", words[-1])]):
                key = _fold_en(" ".join(variant))
                if key in self._en and key not in _UNSAFE_EN_SHORT:
                    best = (i, j, self._en[key])
        return best

    @staticmethod
    def _end_offset(token: _Token) -> int:
        return token.end - (2 if token.possessive else 0)

    @staticmethod
    def _stands_alone(text: str, tokens: list[_Token], start: int, end: int,
                      covered: set[int]) -> bool:
        """False if the name is part of a longer capitalised name (China News
        Service, Bank of China). Other names and leading function words ("In",
        "The") may stand next to it."""
        k = end
        while k < len(tokens) and _linked(text, tokens, k):
            if k not in covered:
                return False
            k += 1
        k = start
        while k > 0 and _linked(text, tokens, k):
            k -= 1
            if k not in covered and tokens[k].text.lower() not in _LEADING_WORDS:
                return False
        return not _after_name_of(text, tokens, k, covered)


def _linked(text: str, tokens: list[_Token], k: int) -> bool:
    """True if tokens k-1 and k belong to one run of capitalised words."""
    before, token = tokens[k - 1], tokens[k]
    return (before.capitalised and token.capitalised and not before.possessive
            and _joined(text, before, token))


def _after_name_of(text: str, tokens: list[_Token], k: int, covered: set[int]) -> bool:
    """True if token ``k`` follows "Name of" (Bank of China), Name not a region."""
    if k < 2 or tokens[k - 1].text != "of":
        return False
    name = tokens[k - 2]
    return (name.capitalised and k - 2 not in covered
            and name.text.lower() not in _LEADING_WORDS
            and _joined(text, name, tokens[k - 1]) and _joined(text, tokens[k - 1], tokens[k]))


def _joined(text: str, a: _Token, b: _Token) -> bool:
    """True if only spaces separate two tokens."""
    gap = text[a.end:b.start]
    return bool(gap) and not gap.strip(" \t")


def _read_turtle(ttl: Path) -> list[tuple[Region, list[tuple[str, str]]]]:
    """Regions and their (label, language) pairs from the Turtle file."""
    props: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for triple in parse(path=str(ttl), format=RdfFormat.TURTLE):
        subject = triple.subject.value
        if subject.startswith(REGION_BASE):
            obj = triple.object
            props[subject][triple.predicate.value].append(
                (obj.value, getattr(obj, "language", None)))
    records = []
    for iri, p in props.items():
        pref = {lang: text for text, lang in p[_SKOS + "prefLabel"]}
        broader = [v for v, _ in p[_SKOS + "broader"]]
        province_type = [v for v, _ in p[_PKG + "provinceType"]]
        region = Region(
            code=p[_SKOS + "notation"][0][0], iri=iri,
            name_zh=pref["zh"], name_en=pref["en"],
            level=p[_PKG + "adminLevel"][0][0].removeprefix(_PKG),
            parent=broader[0].removeprefix(REGION_BASE) if broader else None,
            province_type=province_type[0].removeprefix(_PKG) if province_type else None)
        labels = [(t, lang) for t, lang in p[_SKOS + "prefLabel"] + p[_SKOS + "altLabel"]]
        records.append((region, labels))
    return records


@lru_cache(maxsize=1)
def default() -> Gazetteer:
    """The gazetteer of the shipped ``ontology/regions.ttl``, loaded once."""
    return Gazetteer()


def _word_boundaries(text: str, language: str) -> set[int]:
    """Offsets where the language's word segmenter puts a boundary (its pack's, loaded on first use)."""
    from ingest import lang

    return lang.get(language).word_boundaries(text)
