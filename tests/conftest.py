"""Shared fixtures: the shipped corpus, a tiny corpus written per test, and
knowledge bases with the fast hashing embedder (the model is not under test
there; tests that are about retrieval quality use the real model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import KnowledgeBase, Settings
from kg.search.embedders import HashEmbedder

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"

TINY = {
    "alpha.txt": (
        "Alpha County Health Report\n\n"
        "Alpha County had 4.2 hospital beds per 1,000 people in 2020. "
        "The county plans to open two new clinics.\n\n"
        "School enrolment reached 98% last year.\n"
    ),
    "beta.md": (
        "# Beta City Pensions\n\n"
        "Pension insurance covered 1.2 million residents of Beta City by the end of 2021.\n\n"
        "- Minimum living allowance: 700 yuan per person per month.\n"
    ),
    "gamma.txt": "Gamma Province News\n\nGamma Province built 300 kindergartens. Coverage rose to 91%.\n",
}
TINY_MANIFEST = (
    "file,title,publisher,issued,language,kind\n"
    "alpha.txt,Alpha County Health Report,Alpha County Health Bureau,2021-03-01,en,report\n"
    "beta.md,Beta City Pensions,,2022,en,news\n"
)


def processed(tmp_path, text, title="Test Note", issued="2021-06-15", name="note.txt", language="en"):
    """The record of one document written for a test (no knowledge base, no embedding)."""
    from ingest import process

    folder = tmp_path / "docs"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return process(folder / name, {"title": title, "issued": issued, "language": language})


def figures(rec):
    """A record's observations by the text of their figure."""
    return {rec.text[o.start:o.end]: o for o in rec.observations}


@pytest.fixture
def tiny_corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in TINY.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "manifest.csv").write_text(TINY_MANIFEST, encoding="utf-8")
    return folder


@pytest.fixture
def make_kb(tmp_path):
    """Open knowledge bases under tmp_path with the hashing embedder; closed at teardown."""
    opened = []

    def make(name="kb", store="oxigraph", embedder=None, **kw):
        kb = KnowledgeBase(Settings(home=tmp_path / name, store=store, embedder="hash"),
                           embedder=embedder or HashEmbedder(), **kw)
        opened.append(kb)
        return kb

    yield make
    for kb in opened:
        kb.close()


def is_provincial_report(name: str) -> bool:
    """The 23 provincial 2026 work reports shipped for comparisons (Chongqing's is part of the core)."""
    return name.startswith("2026-") and name.endswith("-government-work-report.txt") and "chongqing" not in name


def stage_core_corpus(folder: Path) -> Path:
    """A copy of the shipped corpus without the 23 provincial reports, with its manifest.

    Tests ingest this core with the real models: the provincial reports add about 400k
    Chinese characters, minutes of embedding, and are measured by ``bench/keys.py`` and
    ``bench/compare.py`` instead; comparisons are tested on small documents written for them.
    Set POLICYKG_TEST_FULL_CORPUS=1 to ingest everything.
    """
    import os
    import shutil

    if os.environ.get("POLICYKG_TEST_FULL_CORPUS") == "1":
        return CORPUS
    folder.mkdir(parents=True, exist_ok=True)
    lines = (CORPUS / "manifest.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [lines[0]] + [line for line in lines[1:] if not is_provincial_report(line.split(",", 1)[0])]
    (folder / "manifest.csv").write_text("".join(kept), encoding="utf-8")
    for path in CORPUS.iterdir():
        if path.name != "manifest.csv" and path.is_file() and not is_provincial_report(path.name):
            shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="session")
def shipped_kb(tmp_path_factory):
    """The shipped corpus (its core: ``stage_core_corpus``) ingested once with the real default embedders."""
    kb = KnowledgeBase(Settings(home=tmp_path_factory.mktemp("shipped"), embedder="minilm"))
    report = kb.ingest([stage_core_corpus(tmp_path_factory.mktemp("core-corpus"))])
    assert not report.failed, report.failed
    yield kb
    kb.close()


@pytest.fixture
def cli(tmp_path, capsys, monkeypatch):
    """Run the CLI in a fresh home with the hashing embedder: ``cli(*args) -> (exit code, stdout, stderr)``."""
    from kg.interfaces.cli import main

    monkeypatch.setenv("POLICYKG_EMBEDDER", "hash")
    home = tmp_path / "home"

    def run(*args):
        code = main(["--home", str(home), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
