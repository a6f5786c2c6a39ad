"""English for Chinese indicator phrases and counted nouns, by a glossary and one rule.

The glossary (``ontology/vocab/glossary-zh-en.csv``: ``zh,en,plural``) pairs
public-service terms with one English rendering each. A phrase is translated
only when it splits *completely* into glossary terms: the split uses the fewest
terms (so the longest, most specific entries win: 老年食堂 before 老年 + 食堂),
and the English parts are joined in the Chinese order, which for noun phrases is
also the English order (基本医保 + 参保率 -> "basic medical insurance
participation rate"). An entry whose English holds ``{}`` takes everything
translated before it there (占比 -> "share of {}"), and ``{s}`` takes it in the
plural (数 -> "number of {s}"). Anything the glossary does not cover gives no
translation rather than a guess.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

GLOSSARY_CSV = Path(__file__).resolve().parent.parent / "ontology" / "vocab" / "glossary-zh-en.csv"
_MAX_TERM = 20
# Characters that join terms without adding meaning to an English noun phrase.
_SKIP = set("的、 “”\"‘’《》")
_PER = re.compile(r"^每(千|万|十万|百)(?:名|个)?(人口|常住人口|城镇常住人口|人|[\u4e00-\u9fff]{1,4}?人)(?:拥有|有)?")
_PER_BASE = {"千": "1,000", "万": "10,000", "十万": "100,000", "百": "100"}
_OF_HEAD = re.compile(r"^(?:number|share|total value|proportion|ratio) of ")
_GLOSS = re.compile(r"[（(][^（()）]{1,6}[)）]")
_EN_JOINERS = {"the", "of", "and", "in", "for", "a", "an"}  # English words a Chinese noun phrase leaves out


@dataclass(frozen=True)
class Term:
    zh: str
    en: str
    plural: str | None = None


class Glossary:
    """Chinese terms with their English renderings."""

    def __init__(self, terms: list[Term]):
        self.terms = {t.zh: t for t in terms}
        self.longest = max((len(z) for z in self.terms), default=1)

    @classmethod
    def load(cls, path: Path = GLOSSARY_CSV) -> "Glossary":
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        return cls([Term(r["zh"].strip(), r["en"].strip(), (r.get("plural") or "").strip() or None)
                    for r in rows if r.get("zh", "").strip() and r.get("en", "").strip()])

    def split(self, phrase: str) -> list[Term] | None:
        """The fewest glossary terms that make up the phrase, or None if some part is not covered."""
        text = _GLOSS.sub("", phrase).strip()  # 执业（助理）医师 -> 执业医师: a gloss inside a name
        return _fewest(list(text), lambda part: self.terms.get("".join(part)), min(self.longest, _MAX_TERM), _SKIP,
                       terms_start_there=False)  # 的、“”: joining marks, never the start of a term

    def translate(self, phrase: str) -> str | None:
        """English for a Chinese noun phrase, or None when the glossary does not cover all of it."""
        terms = self.split(phrase)
        if terms:
            return _compose(terms)
        per = self.per_head(phrase)
        if per and per[1]:
            counted = self.translate_plural(per[1]) or self.translate(per[1])
            return f"{counted} per {per[0]}" if counted else None
        return None

    def translate_en(self, phrase: str) -> str | None:
        """Chinese for an English noun phrase, by the same rule the other way: the phrase must split
        completely into glossary renderings (word by word, fewest terms, singular or plural; "the",
        "of", "and" may join them), the Chinese parts joined in the English order ("basic medical
        insurance" + "participation rate" -> 基本医保参保率; "X of Y" is YX). "X per 1,000 people" is 每千人X. None
        when anything is not covered, rather than a guess."""
        words = re.findall(r"[a-z0-9'-]+|,", phrase.lower().replace("’", "'"))
        text = " ".join(w for w in words if w != ",")
        per = re.search(r"\s*per (1,000|10,000|100,000|100) (?:people|persons|population|residents)$", phrase.lower())
        if per:
            base = {v: k for k, v in _PER_BASE.items()}[per.group(1)]
            rest = self.translate_en(phrase[:per.start()])
            return f"每{base}人{rest}" if rest else None
        english = self._english_index()
        if text not in english and " of " in text:  # "coverage rate of kindergartens": 幼儿园 + 覆盖率
            head, _, tail = text.partition(" of ")
            first, second = self.translate_en(tail), self.translate_en(head)
            if first and second:
                return first + second
        parts = _fewest(text.split(), lambda words: english.get(" ".join(words)), 8, _EN_JOINERS)
        return "".join(parts) if parts else None

    def _english_index(self) -> dict[str, str]:
        """English rendering (and plural) -> Chinese term; a rendering of several terms keeps the shortest."""
        if getattr(self, "_by_english", None) is None:
            index: dict[str, str] = {}
            for t in self.terms.values():
                if "{" in t.en:
                    continue
                for form in {t.en.lower(), (t.plural or pluralise(t.en)).lower()}:
                    if form not in index or len(t.zh) < len(index[form]):
                        index[form] = t.zh
            self._by_english = index
        return self._by_english

    def per_head(self, phrase: str) -> tuple[str, str] | None:
        """("1,000 people", "床位数") for "每千人床位数": the base of a rate per head and what is counted."""
        m = _PER.match(phrase or "")
        if not m:
            return None
        who = m.group(2)
        whom = "people" if who in ("人口", "人") else (self.translate_plural(who) or who)
        return f"{_PER_BASE[m.group(1)]} {whom}", phrase[m.end():]

    def translate_plural(self, noun: str) -> str | None:
        """English plural for a counted Chinese noun (三甲医院 -> "grade-A tertiary hospitals").

        "Number of X" names its X (婴幼儿托位数 -> "infant childcare places"); other
        templates ("share of X") are not count nouns and give None.
        """
        terms = self.split(noun)
        if not terms:
            return None
        if "{s}" in terms[-1].en and len(terms) > 1:
            terms = terms[:-1]
        if "{" in terms[-1].en:
            return None
        return _plural(terms)


def _fewest(tokens: list[str], lookup, longest: int, skippable, terms_start_there: bool = True) -> list | None:
    """The fewest glossary entries (``lookup(tokens[i:j])``, None if none) that cover the tokens
    in order, passing over ``skippable`` tokens (where no entry starts unless ``terms_start_there``);
    None when some part is not covered."""
    n = len(tokens)
    best: list[tuple[int, list] | None] = [None] * (n + 1)
    best[0] = (0, [])
    for i in range(n):
        if best[i] is None:
            continue
        count, found = best[i]
        if tokens[i] in skippable:
            if best[i + 1] is None or best[i + 1][0] > count:
                best[i + 1] = (count, found)
            if not terms_start_there:
                continue
        for j in range(min(n, i + longest), i, -1):
            entry = lookup(tokens[i:j])
            if entry and (best[j] is None or best[j][0] > count + 1):
                best[j] = (count + 1, found + [entry])
    return best[n][1] if best[n] and best[n][1] else None


def _compose(terms: list[Term]) -> str:
    out = ""
    for i, t in enumerate(terms):
        if "{s}" in t.en:
            out = t.en.replace("{s}", _plural(terms[:i]) if i else "")
        elif "{}" in t.en:
            out = t.en.replace("{}", out)
        elif out and (head := _OF_HEAD.match(t.en)):  # 基本养老保险 + 参保人数: "number of [...] insured persons"
            out = f"{head.group(0)}{out} {t.en[head.end():]}"
        else:
            out = f"{out} {t.en}"
    return re.sub(r"\s+", " ", out).strip()


def _plural(terms: list[Term]) -> str:
    english = _compose(terms)
    last = terms[-1]
    if last.plural and "{" not in last.en and english.endswith(last.en):
        return english[: len(english) - len(last.en)] + last.plural
    return pluralise(english)


def pluralise(phrase: str) -> str:
    """English plural of a noun phrase's head: its last word, or the word before "of"."""
    if " of " in phrase:
        before, _, after = phrase.partition(" of ")
        return f"{pluralise(before)} of {after}"
    head, _, last = phrase.rpartition(" ")
    if re.search(r"[^su]s$|^\w{4,}ed$", last) or last.endswith(("people", "staff", "personnel", "goods")):
        pass  # already plural, no plural, or not a noun ("rectified")
    elif re.search(r"(?:s|x|z|ch|sh)$", last):
        last += "es"
    elif re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{head} {last}".strip()


@lru_cache(maxsize=1)
def default() -> Glossary:
    """The shipped glossary, loaded once."""
    return Glossary.load()
