"""The web app: the Gradio UI (chat with citations, figures, entities, SPARQL console, documents)
mounted beside the SPARQL endpoint, over one knowledge base."""

from __future__ import annotations

import hashlib
import os
import tempfile

import gradio as gr
import pandas as pd

from kg import KnowledgeBase, Settings
from kg.graph.namespaces import observation_iri
from kg.graph.sparql import SparqlError
from kg.interfaces.present import EXAMPLE_QUERIES, citations_html, document_html, entity_html, trace_html
from kg.interfaces.server import BackgroundBuild, sparql_routes


def build_ui(kb: KnowledgeBase, build: BackgroundBuild | None = None) -> gr.Blocks:
    """The Gradio interface over one knowledge base."""

    def status_text() -> str:
        if build is None:
            return f"{len(kb.state.docs)} documents"
        st = build.status
        return ("**Building** · " if st.running else ("**Build failed** · " if st.error else "**Ready** · ")) + st.message

    def busy() -> str | None:
        if build is not None and build.status.running:
            return f"The knowledge base is still being built ({build.status.message}). Please ask again in a moment."
        if not kb.state.docs:
            return "Nothing has been ingested yet."
        return None

    def ask_json(question: str) -> dict:
        """The JSON twin of a chat answer (same object as `policykg ask --json`)."""
        if (msg := busy()) is not None:
            return {"question": question, "answered": False, "answer": msg, "citations": []}
        return kb.ask(question).to_json()

    def chat(question: str, history: list):
        history = list(history or [])
        if not question.strip():
            return history, "", gr.update(), gr.update(), None, {}, "", ""
        history.append({"role": "user", "content": question})
        if (msg := busy()) is not None:
            history.append({"role": "assistant", "content": msg})
            return history, "", "", gr.update(choices=[], value=None), None, {}, "", ""
        ans = kb.ask(question)
        refs = "".join(f" [{i}]" for i in range(1, len(ans.citations) + 1)) if ans.answered else ""
        history.append({"role": "assistant", "content": ans.answer + refs})
        choices = [(f"[{i}] {c.title or c.doc} ({c.start}–{c.end})", i - 1) for i, c in enumerate(ans.citations, 1)]
        data = ans.to_json()
        view = show_citation(0, data) if choices else ""
        traces = [t for iri in (ans.observations or []) for t in kb.trace(iri)]
        trace_view = "".join(trace_html(t, kb.document(t.doc)) for t in traces)
        return (history, "", citations_html(ans), gr.update(choices=choices, value=0 if choices else None), view, data,
                ans.sparql or "", trace_view)

    def show_citation(index, answer_json: dict):
        if index is None or not answer_json or index >= len(answer_json.get("citations", [])):
            return ""
        c = answer_json["citations"][index]
        rec = kb.document(c["doc"])
        stated = set(answer_json.get("observations") or [])
        figures = [(o.start, o.end) for o in rec.observations
                   if c["start"] <= o.start < c["end"] and observation_iri(rec.doc_id, o.start, o.end) in stated]
        return document_html(rec, c["start"], c["end"], figures=figures)

    def run_sparql(query: str):
        try:
            res = kb.sparql(query)
        except SparqlError as exc:
            return pd.DataFrame(), None, f"**SPARQL error:** `{exc}`"
        if res.kind == "ASK":
            frame = pd.DataFrame({"boolean": [res.boolean]})
        elif res.kind == "CONSTRUCT":
            frame = pd.DataFrame([(str(s), str(p), str(o)) for s, p, o in res.graph], columns=["subject", "predicate", "object"])
        else:
            frame = pd.DataFrame(res.records(), columns=res.vars)
        name = hashlib.sha1(query.encode("utf-8")).hexdigest()[:12]
        path = os.path.join(downloads, f"results-{name}.csv")  # one file per distinct query
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(frame.to_csv(index=False) if res.kind != "SELECT" else res.serialize("csv"))
        return frame, path, f"{len(frame)} row(s)"

    figure_cols = ["value", "unit", "metric", "indicator", "region", "period", "group", "qualifier", "status", "role", "doc",
                   "quote"]

    def list_figures(region: str, metric: str, year):
        try:
            if region and not kb.region_iris(region):
                return pd.DataFrame(columns=figure_cols), [], gr.update(choices=[]), f"No region called **{region}** in the gazetteer."
            rows, _ = kb.observations(region=region or None, metric=metric or None, year=int(year) if year else None)
        except Exception as exc:  # the store may still be building
            return pd.DataFrame(columns=figure_cols), [], gr.update(choices=[]), f"**Error:** {exc}"
        indicators = sorted({r["indicator"] for r in rows if r.get("indicator")})
        frame = pd.DataFrame([{c: r.get(c) for c in figure_cols} for r in rows], columns=figure_cols)
        return frame, rows, gr.update(choices=indicators, value=None), f"{len(rows)} figure(s)"

    def chart_figures(indicator: str | None, rows: list[dict]):
        chosen = [r for r in rows if indicator and r.get("indicator") == indicator]
        data = [{"where and when": f"{r.get('region') or '?'} {r.get('period') or ''}".strip() + f" [{r['doc'][:12]}…{r['start']}]",
                 "value": float(r["value"]), "unit": r["unit"]} for r in chosen]
        return pd.DataFrame(data, columns=["where and when", "value", "unit"])

    def trace_figure(rows: list[dict], evt: gr.SelectData):
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not rows or index is None or index >= len(rows):
            return ""
        traces = kb.trace(rows[index]["iri"])
        return trace_html(traces[0], kb.document(traces[0].doc)) if traces else ""

    entity_cols = ["type", "label", "code", "role", "docs"]

    def list_entities(kind: str, name: str):
        try:
            rows = kb.entities(type=None if kind in (None, "any") else kind, name=name or None)
        except Exception:  # the store may still be building
            rows = []
        frame = pd.DataFrame([{**{c: r.get(c) for c in entity_cols}, "docs": ", ".join(r["docs"])} for r in rows],
                             columns=entity_cols)
        return frame, rows

    def open_entity(rows: list[dict], evt: gr.SelectData):
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not rows or index is None or index >= len(rows):
            return ""
        return entity_html(kb.entity(rows[index]["iri"]))

    def documents_table():
        rows = [{"doc": r.doc_id, "title": r.title, "language": r.language, "issued": r.issued or "",
                 "publisher": r.publisher or "", "format": r.format, "sentences": len(r.sentences),
                 "characters": len(r.text)} for r in kb.records.values()]
        return pd.DataFrame(rows, columns=["doc", "title", "language", "issued", "publisher", "format", "sentences", "characters"])

    def show_document(doc_id: str | None):
        return document_html(kb.document(doc_id)) if doc_id in kb.records else ""

    downloads = tempfile.mkdtemp(prefix="policykg-")
    first_example = next(iter(EXAMPLE_QUERIES))
    with gr.Blocks(title="policykg") as demo:
        gr.Markdown("# policykg\nQuestions, figures and sources from public-policy documents on basic public services.")
        status = gr.Markdown(status_text())
        gr.Timer(2.0).tick(status_text, outputs=status, api_visibility="private")
        with gr.Tab("Ask"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="Answers cite the sentence they come from", height=420)
                    question = gr.Textbox(placeholder="e.g. How many hospital beds are there per 1,000 people?",
                                          label="Question", submit_btn=True)
                    gr.Examples(["How many hospital beds are there per 1,000 people?",
                                 "What is Chongqing's social security participation rate?",
                                 "Who presented the National Basic Public Service Standards?"], question)
                with gr.Column(scale=2):
                    cites = gr.HTML(label="Citations")
                    pick = gr.Radio(label="Show citation in its document", choices=[], type="value")
            docview = gr.HTML()
            with gr.Accordion("SPARQL that found the figures", open=False):
                answer_sparql = gr.Code(language="sql", label="Query")
            with gr.Accordion("Trace of the stated figures", open=False):
                answer_trace = gr.HTML()
            with gr.Accordion("JSON (same as `policykg ask --json`)", open=False):
                answer_json = gr.JSON()
            question.submit(chat, [question, chatbot],
                            [chatbot, question, cites, pick, docview, answer_json, answer_sparql, answer_trace], api_name="chat")
            pick.change(show_citation, [pick, answer_json], docview, api_visibility="private")
            gr.Button(visible=False).click(ask_json, question, answer_json, api_name="ask")
        with gr.Tab("Figures"):
            with gr.Row():
                f_region = gr.Textbox(label="Region (and regions under it)", placeholder="e.g. Zhejiang, 重庆, China")
                f_metric = gr.Textbox(label="Indicator or metric contains", placeholder="e.g. insurance, beds")
                f_year = gr.Number(label="Period includes year", precision=0)
                f_go = gr.Button("Filter", variant="primary")
            f_msg = gr.Markdown()
            f_table = gr.Dataframe(label="Observations (select a row to trace it)", wrap=True, interactive=False)
            with gr.Row():
                f_indicator = gr.Dropdown(label="Chart an indicator across regions and periods", choices=[])
            f_chart = gr.BarPlot(x="where and when", y="value", color="unit", label="Values", height=300)
            f_trace = gr.HTML()
            f_rows = gr.State([])
            f_go.click(list_figures, [f_region, f_metric, f_year], [f_table, f_rows, f_indicator, f_msg], api_name="observations")
            demo.load(list_figures, [f_region, f_metric, f_year], [f_table, f_rows, f_indicator, f_msg], api_visibility="private")
            f_indicator.change(chart_figures, [f_indicator, f_rows], f_chart, api_visibility="private")
            f_table.select(trace_figure, f_rows, f_trace, api_visibility="private")
        with gr.Tab("Entities"):
            with gr.Row():
                e_type = gr.Dropdown(["any", "region", "organization", "person", "event", "plan", "standard", "goal", "service"],
                                     value="any", label="Type")
                e_name = gr.Textbox(label="Name contains", placeholder="e.g. Haiyan, Commission, Zhao")
                e_go = gr.Button("Find", variant="primary")
            e_table = gr.Dataframe(label="Entities (select a row to open its page)", wrap=True, interactive=False)
            e_page = gr.HTML()
            e_rows = gr.State([])
            e_go.click(list_entities, [e_type, e_name], [e_table, e_rows], api_name="entities")
            demo.load(list_entities, [e_type, e_name], [e_table, e_rows], api_visibility="private")
            e_table.select(open_entity, e_rows, e_page, api_visibility="private")
        with gr.Tab("SPARQL"):
            example = gr.Dropdown(list(EXAMPLE_QUERIES), value=first_example, label="Example queries")
            query = gr.Code(EXAMPLE_QUERIES[first_example], language="sql", label="Query (prefixes pkg:, nif:, dcterms:, skos:, prov:, qb: … are predeclared)", lines=10)
            run = gr.Button("Run", variant="primary")
            message = gr.Markdown()
            table = gr.Dataframe(label="Results", wrap=True)
            download = gr.File(label="Download CSV")
            gr.Markdown("The same graph answers SPARQL 1.1 Protocol requests at [`/sparql`](/sparql) (GET or POST; JSON, XML, CSV, TSV).")
            example.change(lambda k: EXAMPLE_QUERIES[k], example, query, api_visibility="private")
            run.click(run_sparql, query, [table, download, message], api_name="sparql")
        with gr.Tab("Documents"):
            docs = gr.Dataframe(label="Ingested documents", wrap=True)
            doc_pick = gr.Dropdown(label="Read a document", choices=[])
            doc_html = gr.HTML()
            refresh = gr.Button("Refresh")
            def refresh_docs():
                return documents_table(), gr.update(choices=sorted(kb.records))
            refresh.click(refresh_docs, None, [docs, doc_pick], api_visibility="private")
            demo.load(refresh_docs, None, [docs, doc_pick], api_visibility="private")
            doc_pick.change(show_document, doc_pick, doc_html, api_visibility="private")
    return demo


def create_app(settings: Settings, build: bool = True, corpus=None):
    """The FastAPI application: Gradio UI at / and the SPARQL endpoint at /sparql."""
    from fastapi import FastAPI

    kb = KnowledgeBase(settings)
    builder = BackgroundBuild(kb, corpus) if build else None
    api = FastAPI(title="policykg")
    sparql_routes(api, lambda: kb)
    demo = build_ui(kb, builder)
    app = gr.mount_gradio_app(api, demo, path="/")
    if builder is not None:
        builder.start()
    return app, kb, builder


def launch(settings: Settings | None = None, host: str = "127.0.0.1", port: int = 7860, build: bool = True, corpus=None) -> None:
    """Start the web server (blocking)."""
    import uvicorn

    settings = settings or Settings()
    app, kb, _ = create_app(settings, build=build, corpus=corpus)
    print(f"policykg: knowledge base in {settings.home}; open http://{host}:{port}/ (SPARQL endpoint: /sparql)", flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        kb.close()
