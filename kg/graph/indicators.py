"""Indicator concepts: different phrasings of one indicator share one SKOS concept.

The rule, in two steps, applied to every observation's metric phrase:

1. **Normalised phrase.** Lower-case; drop determiners, possessive markers,
   figures, region names, years and words that only place the figure
   ("citywide", "national", "average" stays: it changes the indicator);
   singularise; sort nothing (word order carries meaning). Phrases with the
   same normal form are one indicator.
2. **Embedding similarity.** Normal forms whose embeddings (the knowledge
   base's embedder) have cosine similarity >= ``THRESHOLD`` and whose units
   are of the same family (percent / money / count / ratio ...) are merged
   (single-linkage).

3. **Across languages.** A Chinese normal form that the glossary translates
   completely (``ingest.glossary``: 基本医保参保率 -> "basic medical insurance
   participation rate") joins the English indicator whose normal form is the
   translation's, or whose English embedding is within ``THRESHOLD`` of it with
   the same unit family. The translation is kept as an English label of the
   concept either way, so a question in English finds Chinese figures; and an
   English indicator gets a Chinese label by the glossary the other way
   (``Glossary.translate_en``), so a question in Chinese finds English figures.
4. **Word order.** Chinese normal forms of the same words in another order, of
   one unit family, are one indicator (城镇新增就业 / 新增城镇就业人数); a
   trailing 人数/数量/总数 does not change what is counted. Framing words (力争,
   每年, 累计, 年均 ...) are not part of a normal form: a total or a yearly
   average of an indicator is a figure of that indicator with its own role.

Each concept keeps every original phrase as ``skos:altLabel`` (with its
language); its IRI is named by the most frequent normal form (ties: the
shortest, then alphabetical) and it has one ``skos:prefLabel`` per language: the
most frequent original phrase of that language among its members (ties
likewise), or for English, the glossary translation when no English document
states it. The same observations always give the same concepts.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from rdflib import Literal
from rdflib.namespace import RDF, SKOS

from ingest import glossary, lang
from ingest.language import has_han
from ingest.records import DocumentRecord

from kg.graph.namespaces import ID, PKG, concept_iri, observation_iri

THRESHOLD = 0.90
# Step 2 runs only for languages whose embedder has a calibrated threshold: multilingual-e5's
# cosines crowd between 0.8 and 0.95 for unrelated Chinese phrases, so Chinese phrases are
# grouped by their normal form alone until a threshold is measured for them.
THRESHOLDS = {"en": THRESHOLD}
_DROP = {"the", "a", "an", "its", "their", "this", "that", "these", "those", "of the", "s", "citywide", "countywide",
         "provincewide", "nationwide", "national", "currently", "now", "total", "全市", "全省", "全国", "全区", "全县"}
SCHEME = ID["scheme/indicators"]
_ZH_FRAME = re.compile(r"^(?:力争|确保|争取|提出|包括|完成|实现|每年|全年|今年|其中|共|累计|年均|平均每年|平均|全省|全市|全区|全县|\d+\.)"
                       r"|(?:分别|首次|同比|年均|按|历史性迈上|迈上|跨过|跨上|涨幅|增幅|增速|增长率|上涨幅度|指数涨幅|总水平上涨幅度)$")

# Words a Chinese indicator name may end in or not without changing what it counts (城镇新增就业人数).
_ZH_COUNT_WORDS = re.compile(r"(?:人数|数量|总数)$")


def unit_family(unit: str) -> str:
    u = unit.lower()
    if u in ("percent", "percentage points"):
        return u
    if u == "ratio" or u == "times":
        return "ratio"
    if u.startswith(("yuan", "dollars", "euros", "元", "万元", "亿元")):
        return "money"
    if " per " in u:
        return "rate"
    return "count"


class RegionNames:
    """Region names to drop from metric phrases, lower-cased, ready to be found in one pass."""

    def __init__(self, names=()):
        self.names = {n.lower() for n in names if n}
        self.words = max((len(_RUN.findall(n)) for n in self.names), default=0)

    def found(self, s: str) -> list[str]:
        """The names occurring in ``s`` as whole words, longest first (then alphabetically).

        A name is matched only between non-word characters, so it starts where a run of word
        characters starts and ends where one ends: the spans from a run's start to the end of
        one of the next runs are all the places to look (every name starts and ends with a word
        character; one that does not is looked for everywhere)."""
        if not self.names:
            return []
        runs = [(m.start(), m.end()) for m in _RUN.finditer(s)]
        out = {s[a:runs[j][1]] for i, (a, _) in enumerate(runs) for j in range(i, min(i + self.words, len(runs)))
               if s[a:runs[j][1]] in self.names}
        out |= {n for n in self._odd() if n in s}
        return sorted(out, key=lambda n: (-len(n), n))

    def _odd(self) -> set[str]:
        if not hasattr(self, "_odd_names"):
            self._odd_names = {n for n in self.names if not (_EDGE.match(n) and _EDGE.match(n[-1]))}
        return self._odd_names


_RUN = re.compile(r"\w+")
_EDGE = re.compile(r"\w")


def normalise(metric: str, region_names: "set[str] | RegionNames | None" = None) -> str:
    """The normal form of a metric phrase (rule step 1)."""
    s = metric.lower().replace("’", "'")
    s = re.sub(r"'s\b|'", " ", s)
    previous = None
    while previous != s:  # 力争…, 每年…, …分别: words that frame a Chinese metric, not part of it
        previous, s = s, _ZH_FRAME.sub("", s.strip())
    names = region_names if isinstance(region_names, RegionNames) else RegionNames(region_names or ())
    for name in names.found(s):  # longest first: the same as trying every name in turn
        s = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", s)
    s = re.sub(r"\b(?:19|20)\d\d\b|(?<!per )(?<![\d,.])\d+(?:[.,]\d+)*%?", " ", s)
    words = [w for w in re.findall(r"[\w-]+(?:,\d{3})*", s) if w not in _DROP]
    while words and words[-1] in ("in", "of", "for", "at", "by", "on", "to", "as", "and"):
        words.pop()
    words = [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")) else w for w in words]
    s = " ".join(words).strip()
    return _synonyms().get(s, s)


def _synonyms() -> dict[str, str]:
    """Every language pack's indicator synonyms (``LanguagePack.indicator_synonyms``)."""
    out: dict[str, str] = {}
    for pack in lang.packs():
        out.update(pack.indicator_synonyms)
    return out


def similar_pairs(vecs: np.ndarray, threshold: float, known: "PairCache | None" = None, keys=None,
                  language: str = "") -> list[tuple[int, int]]:
    """The pairs ``(i, j)``, ``i < j``, of rows whose cosine is at least ``threshold``, in order.

    Computed block by block (memory stays linear). With ``known`` (a ``PairCache``) and ``keys``
    (the phrase of each row), the pairs of phrases compared by an earlier call are taken from it
    and only the phrases new since then are compared with all the others."""
    n = len(vecs)
    if n < 2:
        return []
    old = known.rows(language, keys, threshold) if known is not None and keys is not None else None
    seen = old[0] if old is not None else np.zeros(n, dtype=bool)
    found = [old[1]] if old is not None else []
    fresh = np.flatnonzero(~seen)
    for a in range(0, len(fresh), 512):
        rows = fresh[a : a + 512]
        i, j = np.nonzero(vecs[rows] @ vecs.T >= threshold)
        i = rows[i]
        keep = (i != j) & (seen[j] | (j > i))  # a new phrase with an old one, or two new ones once
        found.append(np.stack([np.minimum(i, j)[keep], np.maximum(i, j)[keep]], axis=1))
    pairs = np.unique(np.concatenate(found).reshape(-1, 2), axis=0) if found else np.zeros((0, 2), dtype=np.int64)
    if known is not None and keys is not None:
        known.store(language, keys, pairs, threshold)
    return [(int(i), int(j)) for i, j in pairs]


class PairCache:
    """The similar pairs of phrases the last clustering found, per language, so that the next one
    compares only new phrases with the others (``similar_pairs``): in memory, and in ``path`` (an
    .npz file) when given. ``embedders(language)`` names the embedder of a language; pairs are
    used again only for the same embedder and threshold."""

    def __init__(self, path=None, embedders=lambda language: ""):
        self.path = path
        self._embedder = embedders
        self._saved: dict[str, tuple[list[str], np.ndarray, float, str]] = {}
        if path is not None:
            try:
                with np.load(path, allow_pickle=False) as z:
                    for language in [str(x) for x in z["languages"]]:
                        self._saved[language] = (z[f"keys.{language}"].tolist(), z[f"pairs.{language}"],
                                                 float(z[f"threshold.{language}"]), str(z[f"embedder.{language}"]))
            except Exception:  # absent or damaged: it is only a cache
                self._saved = {}

    def rows(self, language: str, keys: list[str], threshold: float):
        """(which of ``keys`` were compared before, their similar pairs as rows of ``keys``), or None."""
        saved = self._saved.get(language)
        if saved is None or saved[2] != threshold or saved[3] != self._embedder(language):
            return None
        old_keys, old_pairs, _, _ = saved
        where = {k: i for i, k in enumerate(keys)}
        index = np.asarray([where.get(k, -1) for k in old_keys], dtype=np.int64)
        seen = np.zeros(len(keys), dtype=bool)
        seen[index[index >= 0]] = True
        pairs = np.zeros((0, 2), dtype=np.int64)
        if len(old_pairs):
            a, b = index[old_pairs[:, 0]], index[old_pairs[:, 1]]
            both = (a >= 0) & (b >= 0)
            pairs = np.stack([np.minimum(a, b)[both], np.maximum(a, b)[both]], axis=1)
        return seen, pairs

    def store(self, language: str, keys: list[str], pairs: np.ndarray, threshold: float) -> None:
        self._saved[language] = (list(keys), np.asarray(pairs, dtype=np.int64).reshape(-1, 2), threshold,
                                 self._embedder(language))

    def save(self) -> None:
        if self.path is None or not self._saved:
            return
        from pathlib import Path

        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"languages": np.array(sorted(self._saved))}
        for language, (keys, pairs, threshold, embedder) in self._saved.items():
            data[f"keys.{language}"] = np.array(keys, dtype=str)
            data[f"pairs.{language}"] = pairs
            data[f"threshold.{language}"] = np.float64(threshold)
            data[f"embedder.{language}"] = np.array(embedder)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, **data)
        tmp.replace(path)


@dataclass
class NormalForm:
    """What grouping needs to know of one normal form: the language of its first figure (by
    document, then offset), the unit family most of its figures have, how many figures have it,
    and (filled in by ``group_keys`` when missing, so a caller can keep them) its Chinese words
    in order-free form and its glossary translation ("" when there is none)."""

    language: str
    family: str
    count: int
    bag: tuple | None = None
    translation: str | None = None


def main_family(families: Counter) -> str:
    """The unit family most figures of a normal form have (ties: alphabetical)."""
    return min(families.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def group_keys(forms: dict[str, NormalForm], embed=None, pairs: "PairCache | None" = None):
    """Rule steps 2-4 over normal forms: ``(groups, reordered, translated)``, where ``groups`` are
    lists of normal forms that are one indicator (each sorted; the list sorted by first member),
    ``reordered`` the forms joined by word order and ``translated`` form -> English translation."""
    keys = sorted(forms)
    parent = {k: k for k in keys}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    if embed is not None and len(keys) > 1:
        # embeddings are compared only among phrases of one language: each has its own embedder
        by_language: dict[str, list[str]] = defaultdict(list)
        for k in keys:
            by_language[forms[k].language].append(k)
        for language, group in by_language.items():
            if len(group) < 2 or language not in THRESHOLDS:
                continue
            vecs = np.asarray(embed(group, language), dtype=np.float32)
            fam = [forms[k].family for k in group]
            for i, j in similar_pairs(vecs, THRESHOLDS[language], known=pairs, keys=group, language=language):
                if fam[i] == fam[j]:  # single linkage: the groups do not depend on the order of the pairs
                    parent[find(group[j])] = find(group[i])
    reordered = _link_word_orders(keys, forms, parent, find)
    translated = _link_translations(keys, forms, embed, parent, find)
    groups: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        groups[find(k)].append(k)
    return sorted(groups.values()), reordered, translated


def describe_concept(norm_keys: list[str], counts: dict[str, int], phrases: Counter, translated: dict[str, str],
                     reordered: set[str]) -> tuple[str, dict]:
    """One indicator concept from its normal forms: ``(key, {"pref", "labels", "rule"})``.

    ``counts``: figures per normal form; ``phrases``: figures per (original phrase, language)
    among its members (phrases left empty by extraction are not counted)."""
    key = sorted(norm_keys, key=lambda k: (-counts[k], len(k), k))[0]
    labels = set(phrases)
    translations = {(translated[k], "en") for k in norm_keys if translated.get(k)}
    pref = {}
    for language in sorted({lang for _, lang in labels | translations}):
        stated = Counter({p: n for (p, lang), n in phrases.items() if lang == language})
        if not stated:  # English only by translation
            stated = Counter(translated[k] for k in norm_keys if translated.get(k))
        pref[language] = sorted(stated, key=lambda p: (-stated[p], len(p), p))[0]
    if not pref:  # figures with no metric phrase, grouped by their unit
        pref["zh" if has_han(key) else "en"] = key
    rule = "normalised phrase" if len(norm_keys) == 1 else (
        "the same Chinese words in another order" if set(norm_keys) <= reordered else f"embedding cosine >= {THRESHOLD}")
    if translations:
        rule += "; English by glossary translation" + (" joined to English phrases" if any(
            lang == "en" for _, lang in labels) else "")
    if "zh" not in pref and "en" in pref:  # English indicators get Chinese by the glossary, the other way
        chinese = glossary.default().translate_en(pref["en"]) or glossary.default().translate_en(key)
        if chinese:
            pref["zh"] = chinese
            labels.add((chinese, "zh"))
            rule += "; Chinese by glossary translation"
    return key, {"pref": pref, "labels": sorted(labels | translations), "rule": rule}


def cluster(records: dict[str, DocumentRecord], embed=None, region_names: set[str] | None = None,
            pairs: PairCache | None = None):
    """Group observations into indicator concepts.

    Returns ``{concept_key: {"pref": {lang: label}, "labels": [(phrase, lang)], "members": [(doc_id, Observation)],
    "rule": str}}``.
    ``embed(phrases, language) -> np.ndarray`` (L2-normalised rows) enables step 2,
    which compares phrases of the same language only. ``pairs`` (a ``PairCache`` of the same
    embedder) spares comparing phrases already compared by an earlier call: the result is the same.
    """
    by_norm: dict[str, list] = defaultdict(list)
    families: dict[str, Counter] = defaultdict(Counter)
    names = RegionNames(region_names or ())
    normal: dict[tuple[str, str], str] = {}  # (metric, unit) -> key: one phrase is normalised once
    for doc_id in sorted(records):
        rec = records[doc_id]
        for o in sorted(rec.observations, key=lambda o: (o.start, o.end)):
            key = normal.get((o.metric, o.unit))
            if key is None:
                key = normal[(o.metric, o.unit)] = normal_form(o.metric, o.unit, names)
            by_norm[key].append((doc_id, o, rec.language))
            families[key][unit_family(o.unit)] += 1
    forms = {k: NormalForm(v[0][2], main_family(families[k]), len(v)) for k, v in by_norm.items()}
    groups, reordered, translated = group_keys(forms, embed, pairs)
    concepts = {}
    for norm_keys in groups:
        members = [m for k in norm_keys for m in by_norm[k]]
        phrases = Counter((o.metric, lang) for _, o, lang in members if o.metric)
        key, concept = describe_concept(norm_keys, {k: len(by_norm[k]) for k in norm_keys}, phrases, translated,
                                        reordered)
        concepts[key] = {**concept, "members": [(d, o) for d, o, _ in members]}
    return concepts


def normal_form(metric: str, unit: str, names: "RegionNames | set[str] | None" = None) -> str:
    """The normal form an observation is grouped by: its metric's, else its unit's."""
    return normalise(metric, names) or normalise(unit)


def _link_word_orders(keys, forms: dict[str, NormalForm], parent, find) -> set[str]:
    """Chinese normal forms of the same words in another order, of one unit family, are one
    indicator (城镇新增就业 / 新增城镇就业 / 城镇新增就业人数). Returns the keys joined so."""
    from ingest.lang.zh.words import jieba

    bags: dict[tuple, list[str]] = defaultdict(list)
    for k in keys:
        if forms[k].language == "zh" and k:
            if forms[k].bag is None:
                forms[k].bag = tuple(sorted(w for w in jieba().lcut(_ZH_COUNT_WORDS.sub("", k)) if w.strip()))
            bags[(forms[k].bag, forms[k].family)].append(k)
    joined: set[str] = set()
    for group in bags.values():
        for k in group[1:]:
            parent[find(k)] = find(group[0])
        if len(group) > 1:
            joined |= set(group)
    return joined


def _link_translations(keys, forms: dict[str, NormalForm], embed, parent, find) -> dict[str, str]:
    """Rule step 3: Chinese normal forms the glossary translates, joined to English ones."""
    terms = glossary.default()
    translated = {}
    for k in keys:
        if forms[k].language == "zh":
            if forms[k].translation is None:
                forms[k].translation = terms.translate(k) or ""
            if forms[k].translation:
                translated[k] = forms[k].translation
    english_keys = [k for k in keys if forms[k].language == "en"]
    if not translated or not english_keys:
        return translated
    family = {k: forms[k].family for k in keys}
    zh_keys = sorted(translated)
    wanted = [normalise(translated[k]) for k in zh_keys]
    sims = None
    if embed is not None:
        sims = np.asarray(embed(wanted, "en"), dtype=np.float32) @ np.asarray(embed(english_keys, "en"), dtype=np.float32).T
    for i, k in enumerate(zh_keys):
        fits = [j for j, e in enumerate(english_keys) if family[e] == family[k]]
        exact = [j for j in fits if english_keys[j] == wanted[i]]
        best = exact[0] if exact else (max(fits, key=lambda j: sims[i, j]) if fits and sims is not None else None)
        if best is not None and (exact or sims[i, best] >= THRESHOLD):
            parent[find(k)] = find(english_keys[best])
    return translated


SCHEME_TRIPLES = [(SCHEME, RDF.type, SKOS.ConceptScheme), (SCHEME, SKOS.prefLabel, Literal("Indicators", lang="en")),
                  (SCHEME, SKOS.prefLabel, Literal("指标", lang="zh"))]


def indicator_triples(concepts: dict) -> list[tuple]:
    """The indicators graph: one pkg:Metric per concept, and each observation's pkg:indicator."""
    t = list(SCHEME_TRIPLES)
    for key, c in sorted(concepts.items()):
        iri = concept_iri("indicator", key)
        t += concept_triples(key, c)
        t += [(observation_iri(doc_id, o.start, o.end), PKG.indicator, iri) for doc_id, o in c["members"]]
    return t


def concept_triples(key: str, c: dict) -> list[tuple]:
    """One concept's own triples (``describe_concept``'s description), without its members."""
    iri = concept_iri("indicator", key)
    t = [(iri, RDF.type, PKG.Metric), (iri, RDF.type, SKOS.Concept), (iri, SKOS.inScheme, SCHEME),
         (iri, PKG.groupingRule, Literal(c["rule"]))]
    t += [(iri, SKOS.prefLabel, Literal(label, lang=lang)) for lang, label in sorted(c["pref"].items())]
    t += [(iri, SKOS.altLabel, Literal(phrase, lang=lang)) for phrase, lang in c["labels"]]
    return t
