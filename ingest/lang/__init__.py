"""Language packs: everything policykg knows about one language, behind one small protocol.

A pack splits sentences, finds figures, extracts observations and entities,
reads a question and phrases an answer in its language; the rest of policykg is
language-neutral and asks the pack. English (``en``) and Chinese (``zh``) ship
here; a new language is one package with a ``LanguagePack`` subclass,
registered with ``languages.register(code, PackClass)`` (or through the
``policykg.languages`` entry point group). See CONTRIBUTING.md.
"""

from __future__ import annotations

from functools import lru_cache

from ingest.lang.base import LanguagePack
from ingest.lang.question import ParsedQuestion
from ingest.registry import Registry

languages: Registry[LanguagePack] = Registry("language", "policykg.languages")


@lru_cache(maxsize=None)
def _pack(code: str) -> LanguagePack:
    return languages.create(code)


def get(code: str) -> LanguagePack | None:
    """The pack for a language code, loaded once; None when no pack is registered for it."""
    return _pack(code) if code in languages else None


def packs() -> list[LanguagePack]:
    """Every registered pack."""
    return [_pack(code) for code in languages.names()]


def detect(text: str, sample: int = 20000) -> str:
    """The language of a text: the registered pack whose script claims the largest share of its
    letters, when that share passes the pack's threshold; English otherwise."""
    letters = [c for c in text[:sample] if c.isalpha()]
    if not letters:
        return "en"
    best, share = "en", 0.0
    for pack in packs():
        if pack.script is None:
            continue
        mine = sum(1 for c in letters if pack.in_script(c)) / len(letters)
        if mine > pack.script_share and mine > share:
            best, share = pack.code, mine
    return best


def rule_sets() -> dict[str, str]:
    """The rule-set versions of every registered pack (part of the pipeline version)."""
    out: dict[str, str] = {}
    for pack in packs():
        out.update({f"{pack.code}:{name}": v for name, v in pack.rule_sets.items()})
    return out


def data_files() -> list:
    """The data files the packs' rules read (hashed into the pipeline version)."""
    return [f for pack in packs() for f in pack.data_files()]


def _register_builtin() -> None:
    from ingest.lang.en import EnglishPack
    from ingest.lang.zh import ChinesePack

    languages.register("en", EnglishPack)
    languages.register("zh", ChinesePack)


_register_builtin()

__all__ = ["LanguagePack", "ParsedQuestion", "languages", "get", "packs", "detect", "rule_sets", "data_files"]
