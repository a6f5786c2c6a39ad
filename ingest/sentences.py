"""One spaCy pipeline per language, loaded once, and sentence spans mapped back to document offsets.

A language's pack names its spaCy model (``LanguagePack.spacy_model``); the
environment variable ``POLICYKG_SPACY_MODEL_<LANG>`` (e.g.
``POLICYKG_SPACY_MODEL_EN=en_core_web_sm``) overrides it. ``sentencizer`` is
spaCy's rule-based splitter on a blank pipeline of the language, ``jieba`` that
splitter on jieba's word segmentation. A statistical model is loaded whole, once:
splitting runs only its ``senter``; parsing (extraction, entities) runs the rest.
"""

from __future__ import annotations

import os
from functools import lru_cache

from ingest.normalize import ParagraphSpan, trim

SPLITTERS = ("senter", "sentencizer")  # the pipes that set sentence boundaries
_OPENERS = "“‘「『（《〈【([{\"'"


def _pack(language: str):
    from ingest import lang

    return lang.get(language)


def model_for(language: str) -> str:
    """The spaCy model of ``language``: the environment's choice, else its pack's, else ``sentencizer``."""
    pack = _pack(language)
    default = pack.spacy_model if pack is not None else "sentencizer"
    return os.environ.get(f"POLICYKG_SPACY_MODEL_{language.upper()}", default)


def config_key() -> str:
    """The spaCy settings in force, so a change re-processes documents."""
    return ",".join(f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("POLICYKG_SPACY_MODEL_"))


def pipeline(language: str):
    """The one spaCy pipeline of ``language`` (see the module docstring)."""
    return _load(language, model_for(language))


def _spacy():
    """spaCy, imported when first needed: importing it imports thinc, and thinc imports torch
    (seconds), which a run that parses nothing (a re-ingest of unchanged files) never needs."""
    import spacy

    return spacy


@lru_cache(maxsize=8)
def _load(language: str, model: str):
    spacy = _spacy()
    pack = _pack(language)
    if model in ("sentencizer", "jieba"):
        try:
            config = {"nlp": {"tokenizer": {"segmenter": "jieba"}}} if model == "jieba" else {}
            if model == "jieba":
                from ingest.lang.zh.words import jieba

                jieba()  # loaded quietly before spaCy's segmenter asks for it
            nlp = spacy.blank(language, config=config)
        except Exception:  # spaCy has no tokenizer for this language code (or no jieba segmenter for it)
            nlp = spacy.blank("xx")
        nlp.add_pipe("sentencizer", config={"punct_chars": pack.sentence_punct if pack is not None else None})
        return nlp
    try:
        nlp = spacy.load(model)
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


def parse(language: str, texts, batch_size: int = 32):
    """spaCy docs of ``texts`` through the language's whole pipeline but its sentence splitter
    (a ``senter`` before the parser would constrain the parse)."""
    nlp = pipeline(language)
    splitter = [p for p in nlp.pipe_names if p in SPLITTERS and "parser" in nlp.pipe_names]
    return nlp.pipe(texts, batch_size=batch_size, disable=splitter)


def describe(language: str) -> str:
    """Name and version of the splitter used for ``language`` (for build metadata)."""
    model = model_for(language)
    spacy = _spacy()
    if model == "sentencizer":
        return f"spacy {spacy.__version__} sentencizer ({language})"
    if model == "jieba":
        from ingest.lang.zh.words import jieba

        return f"spacy {spacy.__version__} {language} jieba {jieba().__version__} segmenter + sentencizer"
    meta = pipeline(language).meta
    return f"spacy {spacy.__version__} {meta.get('lang')}_{meta.get('name')} {meta.get('version')} senter"


def split(text: str, paragraphs: list[ParagraphSpan], language: str) -> list[tuple[int, int, int]]:
    """Sentence spans ``(start, end, paragraph_index)`` inside the given paragraphs."""
    nlp = pipeline(language)
    splitter = next((p for p in SPLITTERS if p in nlp.pipe_names), None)
    others = [p for p in nlp.pipe_names if p != splitter] if splitter == "senter" else []
    out = []
    chunks = (text[p.start : p.end] for p in paragraphs)
    for i, (para, doc) in enumerate(zip(paragraphs, nlp.pipe(chunks, batch_size=64, disable=others))):
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
