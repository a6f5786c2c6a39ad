"""The corpus-wide graphs kept up to date one change at a time (kg.graph.derived): after any
sequence of additions, edits and removals they equal a build from scratch of the same files,
and an update reads only the records of the documents that changed."""

from __future__ import annotations

import shutil

import pytest

from kg.graph.derived import DerivedGraphs
from kg.graph.namespaces import ENTITY_GRAPH, INDICATOR_GRAPH, SHARED_GRAPH
from kg.state import State

DOCS = {
    "a.txt": ("Alpha County Health Report\n\nAlpha County had 4.2 hospital beds per 1,000 people in 2020. "
              "Director Wang Fang of the Alpha County Health Bureau opened 3 clinics in 2021.\n\n"
              "The basic medical insurance participation rate reached 95% in 2021.\n"),
    "b.txt": ("Beta City Pensions\n\nPension insurance covered 1.2 million residents of Beta City by the end of 2021. "
              "Beta City had 3.9 hospital beds per 1,000 people in 2020.\n"),
    "c.txt": "重庆市就业情况\n\n2021年城镇新增就业75万人。基本医保参保率稳定在95%以上。\n",
    "e.txt": "湖北省就业\n\n2021年新增城镇就业80万人。2022年新增城镇就业85万人。\n",
    "d.txt": "四川省社会保障\n\n四川省2021年新增城镇就业人数达到100万人。每千人口医疗卫生机构床位数达到7.2张。\n",
}


def _graphs(kb) -> dict[str, set]:
    out = {}
    for g in (SHARED_GRAPH, ENTITY_GRAPH, INDICATOR_GRAPH):
        out[str(g)] = set(kb.sparql(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}").rows)
    return out


def _fresh(make_kb, folder, name):
    """The corpus-wide graphs of a knowledge base built from scratch over ``folder``."""
    kb = make_kb(name)
    kb.ingest([folder])
    graphs = _graphs(kb)
    kb.close()
    return graphs


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("a.txt", "c.txt"):
        (folder / name).write_text(DOCS[name], encoding="utf-8")
    return folder


def test_updates_give_the_graphs_a_fresh_build_gives(make_kb, corpus, monkeypatch):
    kb = make_kb("live")
    kb.ingest([corpus])
    rebuilt = []
    update = DerivedGraphs.update

    def watched(self, *args, **kw):
        update(self, *args, **kw)
        rebuilt.append(self.rebuilt)

    monkeypatch.setattr(DerivedGraphs, "update", watched)
    steps = [
        ("add b and d", lambda: [(corpus / n).write_text(DOCS[n], encoding="utf-8") for n in ("b.txt", "d.txt")]),
        # more figures of another word order of c's indicator: the concept gets another name (and IRI)
        ("add e, outnumbering c's phrasing", lambda: (corpus / "e.txt").write_text(DOCS["e.txt"], encoding="utf-8")),
        ("edit a", lambda: (corpus / "a.txt").write_text(
            DOCS["a.txt"] + "Alpha County had 5 libraries in 2022. Director Wang Fang visited Beta City.\n",
            encoding="utf-8")),
        ("remove c", lambda: (corpus / "c.txt").unlink()),
        ("edit d to share c's phrasing", lambda: (corpus / "d.txt").write_text(
            DOCS["d.txt"] + "四川省2021年城镇新增就业75万人。\n", encoding="utf-8")),
        ("remove b", lambda: (corpus / "b.txt").unlink()),
    ]
    for i, (what, change) in enumerate(steps):
        change()
        read = []
        original = State.record
        monkeypatch.setattr(State, "record", lambda self, d: read.append(d) or original(self, d))
        report = kb.ingest([corpus])
        monkeypatch.setattr(State, "record", original)
        assert report.changed, what
        changed = set(report.added + report.updated)
        assert set(read) <= changed, f"{what}: read the records of {sorted(set(read) - changed)}"
        assert rebuilt[-1] is False, f"{what}: built everything again"
        assert _graphs(kb) == _fresh(make_kb, corpus, f"fresh{i}"), what


def test_a_derive_that_did_not_finish_is_built_again(make_kb, corpus, tmp_path):
    kb = make_kb("live")
    kb.ingest([corpus])
    (corpus / "b.txt").write_text(DOCS["b.txt"], encoding="utf-8")
    kb.ingest([corpus])
    # the contributions file of an older state, as if a crash had struck after the store changed
    saved = tmp_path / "derived.sqlite"
    shutil.copy(kb.home / "derived.sqlite", saved)
    (corpus / "d.txt").write_text(DOCS["d.txt"], encoding="utf-8")
    kb.ingest([corpus])
    shutil.copy(saved, kb.home / "derived.sqlite")
    kb.state.derived = None  # what a crash inside derive leaves in the ledger
    kb.state.save()
    (corpus / "a.txt").write_text(DOCS["a.txt"] + "Alpha County had 5 libraries in 2022.\n", encoding="utf-8")
    kb.ingest([corpus])
    assert _graphs(kb) == _fresh(make_kb, corpus, "fresh")


def test_graphs_the_store_lost_are_built_again(make_kb, corpus):
    kb = make_kb("live")
    kb.ingest([corpus])
    expected = _graphs(kb)
    from kg.graph.store import open_store

    kb.close()
    store = open_store("oxigraph", kb.home)
    store.remove_graph(INDICATOR_GRAPH)
    store.close()
    again = make_kb("live")
    again.ingest([corpus])
    assert _graphs(again) == expected


def test_a_contributions_file_out_of_step_is_not_trusted(make_kb, corpus):
    kb = make_kb("live")
    kb.ingest([corpus])
    (kb.home / "derived.sqlite").write_bytes(b"not a database")
    (corpus / "b.txt").write_text(DOCS["b.txt"], encoding="utf-8")
    kb.ingest([corpus])
    assert _graphs(kb) == _fresh(make_kb, corpus, "fresh")
