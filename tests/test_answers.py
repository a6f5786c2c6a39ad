"""Grounded answers over the shipped corpus: figures, abstention, the eval command, optional phrasing."""

import json
import subprocess
import sys

import pytest

from kg.interfaces.cli import main
from kg.evaluate.qa import evaluate, load_questions

from conftest import REPO

pytestmark = pytest.mark.slow
DEV = REPO.parent / "shared" / "eval" / "qa_dev.jsonl"
OWN = REPO / "tests" / "keys" / "qa_en.jsonl"


def test_a_figure_answer_states_value_region_and_cites_the_sentence(shipped_kb):
    ans = shipped_kb.ask("What is Chongqing's social security participation rate?")
    assert ans.answered and ans.answer.startswith("95% (Chongqing")
    c = ans.citations[0]
    assert c.doc == "000_10a0665f39ccdb0a" and "95%" in c.quote
    obj = ans.to_json()
    assert "pkg:Observation" in obj["sparql"] and len(obj["observations"]) == 1


def test_several_figures_of_one_question_are_listed_and_cited(shipped_kb):
    ans = shipped_kb.ask("How many aspects, categories and service items does the National Basic Public Service "
                         "Standards (2021 Edition) have?")
    assert all(v in ans.answer for v in ("9 (", "22 (", "80 ("))


@pytest.mark.parametrize("question", [
    "What is the social security participation rate in Guangdong?",  # another region
    "How many hospital beds per 1,000 people does Haiyan County have?",  # an indicator the region lacks
    "What was the income ratio between urban and rural residents in Haiyan in 2015?",  # another year
    "What is the reimbursement rate of rural residents' medical expenses at designated hospitals in Chongqing?",  # another group
])
def test_no_other_region_year_or_group_is_given_as_the_answer(shipped_kb, question):
    ans = shipped_kb.ask(question)
    assert ans.answered is False and ans.answer.startswith("The corpus does not")
    assert ans.citations == [] or all("95%" not in c.quote for c in ans.citations)


def test_who_questions_name_the_person_and_role(shipped_kb):
    ans = shipped_kb.ask("Who is the director of the Social Development Department of the NDRC?")
    assert ans.answered and ans.answer.startswith("Ou Xiaoli, director")
    assert ans.citations[0].doc == "002_b47b57451a07b531"


@pytest.mark.skipif(not DEV.exists(), reason="../shared/eval is not beside this checkout")
def test_dev_questions(shipped_kb):
    result = evaluate(shipped_kb, load_questions(DEV))
    assert result["tool"].right >= 14, result["tool"].wrong
    assert result["tool"].right > max(b.right for b in result["baselines"])


def test_own_questions(shipped_kb):
    result = evaluate(shipped_kb, load_questions(OWN))
    assert result["tool"].right / result["tool"].total >= 0.9, result["tool"].wrong
    assert result["retrieval_recall_at_5"] >= 0.95


def test_cli_eval_prints_scores_and_baselines(shipped_kb, capsys):
    assert main(["--home", str(shipped_kb.home), "eval", str(OWN), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["baselines"]) == {"BM25 top", "dense top"} and out["latency_ms"]["p95"] > 0
    assert out["policykg"]["abstention_recall"] >= 0.9


@pytest.fixture
def llm_server(tmp_path, monkeypatch):
    reply, log = tmp_path / "reply.txt", tmp_path / "log.jsonl"
    reply.write_text("")
    log.write_text("")
    proc = subprocess.Popen([sys.executable, str(REPO / "tests" / "support" / "fake_llm_server.py"), str(reply), str(log)],
                            stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline())
    monkeypatch.setenv("POLICYKG_LLM_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("POLICYKG_LLM_MODEL", "test-model")
    yield reply, log
    proc.terminate()
    proc.wait(timeout=10)


def test_generated_phrasing_is_used_when_its_figures_are_in_the_evidence(shipped_kb, llm_server):
    reply, log = llm_server
    reply.write_text("Chongqing reports a 95% citywide social security participation rate.")
    ans = shipped_kb.ask("What is Chongqing's social security participation rate?")
    assert ans.answer == "Chongqing reports a 95% citywide social security participation rate."
    assert ans.to_json()["phrased_by"] == "test-model"
    sent = json.loads(log.read_text().splitlines()[-1])
    assert sent["model"] == "test-model" and "95% citywide" in sent["messages"][-1]["content"]


def test_an_invented_figure_falls_back_to_the_extractive_answer(shipped_kb, llm_server):
    reply, _ = llm_server
    reply.write_text("Chongqing reports a 97% participation rate.")
    ans = shipped_kb.ask("What is Chongqing's social security participation rate?")
    assert ans.answer.startswith("95% (Chongqing") and "phrased_by" not in ans.to_json()


def test_an_unreachable_model_server_changes_nothing(shipped_kb, monkeypatch):
    monkeypatch.setenv("POLICYKG_LLM_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("POLICYKG_LLM_MODEL", "absent")
    ans = shipped_kb.ask("What is Chongqing's social security participation rate?")
    assert ans.answer.startswith("95% (Chongqing")


def test_an_answer_follows_an_edited_document_after_ingest(make_kb, tiny_corpus):
    """Figure rows are kept between questions, but never past an ingest that changed them."""
    kb = make_kb()
    kb.ingest([tiny_corpus])
    question = "How many hospital beds per 1,000 people did Alpha County have in 2020?"
    assert kb.ask(question).answer.startswith("4.2")
    path = tiny_corpus / "alpha.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("4.2 hospital beds", "5.6 hospital beds"), encoding="utf-8")
    kb.ingest([tiny_corpus])
    assert kb.ask(question).answer.startswith("5.6")


def _kb_over(make_kb, tmp_path, text: str):
    """A knowledge base (hashing embedder) over one English document written for the test."""
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "delta.txt").write_text(text, encoding="utf-8")
    kb = make_kb()
    kb.ingest([folder])
    return kb


def test_how_many_points_is_answered_with_percentage_points_not_counts(make_kb, tmp_path):
    kb = _kb_over(make_kb, tmp_path, "Delta Province Education Report\n\n"
                  "In Delta Province the gross enrollment rate of higher education rose 8 percentage points in 2025. "
                  "Delta Province built 12 new universities in 2025.\n")
    ans = kb.ask("By how many percentage points did the gross enrollment rate of higher education rise in 2025?")
    assert ans.answered and ans.answer.startswith("8 percentage points"), ans.answer
    assert kb.ask("How many universities were built in 2025?").answer.startswith("12")


def test_a_question_in_yuan_is_not_answered_with_a_growth_rate(make_kb, tmp_path):
    kb = _kb_over(make_kb, tmp_path, "Delta Province Income Report\n\n"
                  "In 2025 the per capita disposable income of residents of Delta Province grew 6%. "
                  "The per capita disposable income of residents of Delta Province reached 30,000 yuan in 2025.\n")
    ans = kb.ask("What was the per capita disposable income of residents in yuan in 2025?")
    assert ans.answered and ans.answer.startswith("30,000 yuan") and "6%" not in ans.answer, ans.answer
