"""Every citation of a who/when/where answer is evidence for it: no title or heading line, no
dangling fragment ("Chongqing-"), no passage that does not name whom, when or where the answer
says (issue 16)."""

from __future__ import annotations

import pytest

DOC = """Chongqing Public Service Briefing

Chongqing-

Chongqing held a press briefing on basic public services on Wednesday. Li Ming, mayor of Chongqing, said the city would open 30 new community clinics this year.

Public Services

The briefing was held in Yuzhong District in 2022. Chongqing has made great progress in equalizing basic public services.

Officials of the Chongqing Development and Reform Commission answered questions from reporters at the briefing.
"""
MANIFEST = "file,title,publisher,issued,language,kind\nbriefing.txt,Chongqing Public Service Briefing,,2022-06-01,en,news\n"


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    from kg import KnowledgeBase, Settings
    from kg.search.embedders import HashEmbedder

    folder = tmp_path_factory.mktemp("citations")
    (folder / "briefing.txt").write_text(DOC, encoding="utf-8")
    (folder / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    kb = KnowledgeBase(Settings(home=folder / "kb", embedder="hash"), embedder=HashEmbedder())
    kb.ingest([folder])
    yield kb
    kb.close()


@pytest.mark.parametrize("question, lead, evidence", [
    ("Who is the mayor of Chongqing?", "Li Ming", "Li Ming"),
    ("When was the briefing held?", "2022", "2022"),
    ("Where was the briefing held?", "Yuzhong District", "Yuzhong District"),
])
def test_every_citation_of_a_who_when_where_answer_supports_it(kb, question, lead, evidence):
    ans = kb.ask(question)
    assert ans.answered and ans.answer.startswith(lead), ans.answer
    assert ans.citations
    for c in ans.citations:
        quote = " ".join(c.quote.split())
        assert quote not in ("Chongqing-", "Chongqing Public Service Briefing", "Public Services"), quote
        assert evidence in quote, quote


def test_fragments_are_recognised():
    from types import SimpleNamespace

    from ingest.records import DocumentRecord, Span
    from kg.qa.answering import Answerer

    text = "Plan Title\n\nChongqing-\n\nTwo Word\n\nThe city opened 30 clinics in 2022."
    rec = DocumentRecord("d", "/d", "0", text, "txt", "python", "en", "Plan Title")
    spans = [(0, 10), (12, 22), (24, 32), (34, len(text))]
    rec.paragraphs = [Span(a, b, i) for i, (a, b) in enumerate(spans)]
    rec.sentences = [Span(a, b, i, None, i) for i, (a, b) in enumerate(spans)]
    answerer = Answerer(SimpleNamespace(records=lambda: {"d": rec}))
    answerer._refresh()
    hit = lambda i: SimpleNamespace(doc_id="d", sentence=i, start=spans[i][0], end=spans[i][1], text=text[slice(*spans[i])])
    assert [answerer._fragment(hit(i)) for i in range(4)] == [True, True, True, False]
