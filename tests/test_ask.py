"""Questions over the shipped corpus with the real default embedder."""

import json

import pytest

pytestmark = pytest.mark.slow


def _check_shape(obj, kb):
    assert set(obj) >= {"question", "answered", "answer", "citations"}
    assert isinstance(obj["answered"], bool) and isinstance(obj["answer"], str)
    for c in obj["citations"]:
        assert set(c) == {"doc", "start", "end", "quote", "score"}
        assert c["quote"] == kb.document(c["doc"]).text[c["start"] : c["end"]]
        assert isinstance(c["score"], float)


def test_hospital_beds_question_cites_document_001(shipped_kb):
    ans = shipped_kb.ask("How many hospital beds are there per 1,000 people?")
    obj = json.loads(json.dumps(ans.to_json()))
    _check_shape(obj, shipped_kb)
    assert obj["answered"]
    assert obj["citations"][0]["doc"] == "001_44a9fe72a70c896d"
    assert "6.51" in obj["answer"] and "6.51" in obj["citations"][0]["quote"]


@pytest.mark.parametrize("question, doc, needle", [
    ("What is Chongqing's social security participation rate?", "000_10a0665f39ccdb0a", "95%"),
    ("How many general practitioners per 10,000 people are there in Haiyan?", "003_ab19494113870874", "5.91"),
    ("When did the 17th CPC National Congress call for the equalization of basic public services?", "004_02ec7f66159d76c8", "2007"),
])
def test_best_evidence_comes_from_the_right_document(shipped_kb, question, doc, needle):
    ans = shipped_kb.ask(question)
    assert ans.answered and ans.citations[0].doc == doc and needle in ans.answer


def test_off_topic_questions_are_not_answered(shipped_kb):
    for q in ["Who won the 1998 football World Cup?", "What is the boiling point of water?"]:
        ans = shipped_kb.ask(q)
        assert ans.answered is False and "does not" in ans.answer
        _check_shape(ans.to_json(), shipped_kb)


def test_an_empty_question_is_not_answered(shipped_kb):
    ans = shipped_kb.ask("   ")
    assert ans.answered is False and ans.citations == []
