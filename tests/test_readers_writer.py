"""One writer, any number of readers over one knowledge base (issue 15; issue 16's "ingest while the
app runs"): reading takes no lock, an open knowledge base catches up with another process's ingest,
and a second writer waits for the first instead of failing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from kg.graph.store import open_store

from conftest import REPO

NEW_DOC = ("Delta County Schools\n\n"
           "Delta County opened 17 new primary schools in 2022. "
           "Each school has a library.\n")


def _env(**extra) -> dict:
    env = dict(os.environ, POLICYKG_EMBEDDER="hash", POLICYKG_EMBEDDER_ZH="hash", PYTHONUNBUFFERED="1")
    for name in [n for n in env if n.startswith("POLICYKG_CRASH")]:
        del env[name]
    env.update({k: str(v) for k, v in extra.items()})
    return env


def cli_ingest(home, *paths, wait=None, **popen):
    args = [sys.executable, "-m", "kg.interfaces.cli", "--home", str(home), "ingest", *map(str, paths), "--json"]
    if wait is not None:
        args += ["--wait", str(wait)]
    return subprocess.Popen(args, cwd=REPO, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **popen)


@pytest.fixture
def extra(tmp_path):
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "delta.txt").write_text(NEW_DOC, encoding="utf-8")
    return folder


def test_an_open_knowledge_base_lets_another_process_ingest_and_sees_its_documents(make_kb, tiny_corpus, extra):
    kb = make_kb()
    kb.ingest([tiny_corpus])
    assert kb.ask("How many hospital beds per 1,000 people did Alpha County have in 2020?").answered
    assert kb.sparql("ASK { ?d a pkg:Document }").boolean  # the graph is open (read-only) in this process
    proc = cli_ingest(kb.home, extra)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert json.loads(out)["added"] == ["delta"]
    time.sleep(0.3)  # past the interval between checks of the ledger
    ans = kb.ask("How many primary schools did Delta County open in 2022?")
    assert ans.answered and "17" in ans.answer and ans.citations[0].doc == "delta", ans.answer
    assert kb.status()["documents"] == len(list(tiny_corpus.glob("*.txt"))) + len(list(tiny_corpus.glob("*.md"))) + 1
    assert kb.sparql('ASK { ?d dcterms:identifier "delta" }').boolean
    assert kb.search("Delta County primary schools", k=1)[0].doc_id == "delta"


def test_a_second_writer_waits_for_the_first_then_ingests(make_kb, tiny_corpus, extra):
    kb = make_kb()
    kb.ingest([tiny_corpus])
    kb.close()
    holder = open_store("oxigraph", kb.home)  # as a running ingest holds it
    try:
        refused = cli_ingest(kb.home, extra, wait=0)
        out, err = refused.communicate(timeout=300)
        assert refused.returncode == 1
        assert err.startswith("policykg: error:") and "open for writing by another policykg instance" in err, err
        assert "doc/s" not in err and "%|" not in err  # no progress bar around the refusal
        waiting = cli_ingest(kb.home, extra, wait=120)
        told = waiting.stderr.readline()  # blocks until it says it waits
        assert "open for writing by another policykg instance" in told and "waiting up to 120 s" in told, told
        time.sleep(1)
        assert waiting.poll() is None  # still waiting
    finally:
        holder.close()
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert json.loads(out)["added"] == ["delta"]


def test_readers_keep_answering_while_another_process_ingests(make_kb, tiny_corpus, tmp_path):
    kb = make_kb()
    kb.ingest([tiny_corpus])
    many = tmp_path / "many"
    many.mkdir()
    for i in range(40):
        (many / f"town-{i:02d}.txt").write_text(
            f"Town {i} Report\n\nTown {i} had {100 + i} doctors in 2021. The town built {i + 3} clinics.\n",
            encoding="utf-8")
    reader = make_kb(read_only=True, name="kb")
    errors, rounds = [], []
    stop = threading.Event()

    def read():
        while not stop.is_set():
            try:
                reader.search("doctors in 2021", k=3)
                reader.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?d a pkg:Document }")
                reader.ask("How many hospital beds per 1,000 people did Alpha County have in 2020?")
                rounds.append(len(reader.records))
            except Exception as exc:  # any error while another process writes is a failure
                errors.append(f"{type(exc).__name__}: {exc}")
                return

    thread = threading.Thread(target=read)
    thread.start()
    proc = cli_ingest(kb.home, tiny_corpus, many)
    out, err = proc.communicate(timeout=600)
    time.sleep(0.5)
    stop.set()
    thread.join(timeout=120)
    assert proc.returncode == 0, err
    assert not errors, errors[:3]
    assert len(rounds) > 3 and max(rounds) == len(reader.records)
    assert len(reader.records) == len(json.loads(out)["added"]) + len(json.loads(out)["unchanged"])
    assert reader.search("Town 7 had 107 doctors", k=1)[0].doc_id == "town-07"



def test_a_reader_whose_index_was_rewritten_under_it_reads_the_new_generation(make_kb, tiny_corpus, extra):
    """The reader read the index table; the writer then rewrote the files it names. Reading them
    would mix two generations (the BM25 rows of one with the table of the other): the reader
    notices, loads the newer table and answers from it."""
    writer = make_kb()
    writer.ingest([tiny_corpus])
    reader = make_kb(read_only=True, name="kb")  # reads table.json only; the indexes when first searched
    writer.ingest([tiny_corpus, extra])
    hits = reader.index.search("Delta County opened new primary schools", writer.records, k=1)
    assert hits and hits[0].doc_id == "delta"
    (extra / "delta.txt").unlink()
    writer.ingest([tiny_corpus, extra])
    assert all(h.doc_id != "delta" for h in reader.index.search("Delta County primary schools", writer.records, k=5))


def test_an_index_copied_without_its_files_times_still_reads(make_kb, tiny_corpus, tmp_path, monkeypatch):
    """Copies that do not keep modification times do not match the identities in the table; once
    retrying shows the table is not moving, the files are read as they are."""
    import shutil

    from kg.search import index as search_index

    kb = make_kb()
    kb.ingest([tiny_corpus])
    kb.close()
    time.sleep(0.01)
    shutil.copytree(kb.home, tmp_path / "copy", copy_function=shutil.copy)  # contents, new times
    monkeypatch.setattr(search_index, "RETRY_WAIT", 0.001)
    copy = make_kb(read_only=True, name="copy")
    hits = copy.search("hospital beds per 1,000 people in Alpha County", k=1)
    assert hits and hits[0].doc_id == "alpha"


@pytest.mark.slow
def test_two_app_processes_serve_one_knowledge_base_while_the_cli_ingests(make_kb, tiny_corpus, extra):
    """Read replicas: `app.py --no-build` takes no lock, so several run over one knowledge base, and
    `policykg ingest` runs beside them; each then answers about the new document."""
    from test_endpoint_limits import http, sparql, start_app

    kb = make_kb()
    kb.ingest([tiny_corpus])
    kb.close()
    apps = [start_app(kb.home, tiny_corpus) for _ in range(2)]
    try:
        def chat(app, question):
            status, _, body = http(app, "POST", "/gradio_api/run/chat", data=json.dumps({"data": [question, []]}).encode(),
                                   headers={"Content-Type": "application/json"})
            assert status == 200, body[:300]
            return json.dumps(json.loads(body)["data"][0][-1]["content"], ensure_ascii=False)

        for app in apps:
            assert "4.2" in chat(app, "How many hospital beds per 1,000 people did Alpha County have in 2020?")
        proc = cli_ingest(kb.home, extra, wait=0)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        time.sleep(0.5)
        for app in apps:
            assert "17" in chat(app, "How many primary schools did Delta County open in 2022?")
            status, _, body = sparql(app, 'ASK { ?d dcterms:identifier "delta" }')
            assert status == 200 and json.loads(body)["boolean"] is True, body
    finally:
        for app in apps:
            app.stop()
