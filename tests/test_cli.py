"""The policykg command line, run in-process and once as the installed script."""

import csv
import io
import json
import re
import shutil
import subprocess
import sys

import pytest

from kg.interfaces.cli import build_parser

from conftest import REPO


def test_ingest_then_ask_json(cli, tiny_corpus):
    code, out, err = cli("ingest", str(tiny_corpus), "--json", "-q")
    assert code == 0
    report = json.loads(out)
    assert sorted(report["added"]) == ["alpha", "beta", "gamma"]
    code, out, _ = cli("ingest", str(tiny_corpus), "-q")
    assert code == 0 and "unchanged 3" in out
    code, out, _ = cli("ask", "hospital beds per 1,000 people in Alpha County", "--json")
    obj = json.loads(out)
    assert set(obj) >= {"question", "answered", "answer", "citations"}
    top = obj["citations"][0]
    assert top["doc"] == "alpha"
    assert top["quote"] == (tiny_corpus / "alpha.txt").read_text()[top["start"] : top["end"]]


def test_ask_batch_answers_one_question_per_line(cli, tiny_corpus, tmp_path, monkeypatch):
    cli("ingest", str(tiny_corpus), "-q")
    questions = tmp_path / "q.txt"
    questions.write_text("pension insurance Beta City\n\nkindergartens in Gamma Province\n")
    code, out, _ = cli("ask", "--batch", str(questions))
    lines = [json.loads(l) for l in out.splitlines()]
    assert code == 0 and [l["question"] for l in lines] == ["pension insurance Beta City", "kindergartens in Gamma Province"]
    assert lines[0]["citations"][0]["doc"] == "beta" and lines[1]["citations"][0]["doc"] == "gamma"
    monkeypatch.setattr(sys, "stdin", io.StringIO("clinics Alpha\n"))
    code, out, _ = cli("ask", "--batch", "-")
    assert code == 0 and json.loads(out)["citations"][0]["doc"] == "alpha"


def test_sparql_formats(cli, tiny_corpus, tmp_path):
    cli("ingest", str(tiny_corpus), "-q")
    q = "SELECT ?doc ?title WHERE { ?d a pkg:Document ; dcterms:identifier ?doc ; dcterms:title ?title } ORDER BY ?doc"
    code, out, _ = cli("sparql", q)
    assert code == 0 and "Alpha County Health Report" in out and "(3 rows)" in out
    code, out, _ = cli("sparql", q, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["doc"] for r in rows] == ["alpha", "beta", "gamma"]
    code, out, _ = cli("sparql", q, "--format", "json")
    assert [b["doc"]["value"] for b in json.loads(out)["results"]["bindings"]] == ["alpha", "beta", "gamma"]
    f = tmp_path / "q.rq"
    f.write_text("ASK { ?d dcterms:identifier \"beta\" }")
    code, out, _ = cli("sparql", "--file", str(f))
    assert code == 0 and out.strip() == "true"


def test_malformed_sparql_gets_the_parser_message_and_nonzero_exit(cli, tiny_corpus):
    cli("ingest", str(tiny_corpus), "-q")
    code, out, err = cli("sparql", "SELECT ?x WHERE { ?x ")
    assert code != 0 and "SPARQL error" in err and out == ""
    code, _, err = cli("sparql", "INSERT DATA { <http://a> <http://b> <http://c> }")
    assert code != 0 and "read-only" in err


def test_validate_reports_conformance(cli, tiny_corpus):
    cli("ingest", str(tiny_corpus), "-q")
    code, out, _ = cli("validate")
    assert code == 0 and out.startswith("conforms")
    code, out, _ = cli("validate", "--json")
    assert json.loads(out)["conforms"] is True


def test_status_lists_what_is_built(cli, tiny_corpus):
    cli("ingest", str(tiny_corpus), "-q")
    code, out, _ = cli("status", "--json")
    info = json.loads(out)
    assert code == 0 and info["documents"] == 3 and info["embedder"] == "hash" and info["triples"] > 100


def test_commands_before_any_ingest_say_what_to_do(cli):
    code, _, err = cli("ask", "anything")
    assert code == 1 and "policykg ingest" in err


def test_bad_files_are_reported_on_stderr(cli, tiny_corpus):
    (tiny_corpus / "empty.txt").write_text("")
    code, out, err = cli("ingest", str(tiny_corpus), "-q")
    assert code == 0 and "failed 1" in out and "empty.txt" in err


def test_every_command_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name, parser in sub.choices.items():
        assert re.search(rf"policykg {name}\b", readme), f"`policykg {name}` is not in the README"
        for action in parser._actions:
            for opt in action.option_strings:
                if opt.startswith("--") and opt != "--help":
                    assert opt in readme, f"option {opt} of `policykg {name}` is not in the README"


@pytest.mark.skipif(shutil.which("policykg") is None, reason="the package is not installed")
def test_the_installed_console_script_runs(tmp_path):
    out = subprocess.run(["policykg", "--help"], capture_output=True, text=True, check=True).stdout
    for name in ("ingest", "ask", "sparql", "validate", "serve"):
        assert name in out
