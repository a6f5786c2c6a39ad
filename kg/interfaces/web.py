"""The web app: the Gradio UI (chat with citations, figures, comparisons across regions, entities,
SPARQL console, documents) mounted beside the SPARQL endpoint, over one knowledge base.

Charts are SVG drawn by ``kg.interfaces.charts`` into ``gr.HTML``. A click on a bar or a map tile
reaches Python through the component's ``js_on_load``: a listener on the component's element
finds the clicked element's ``data-iri`` and calls Gradio's ``trigger('click', {iri})``; the
``.click`` listener receives it as ``gr.EventData`` (``evt.iri``) and renders that figure's trace.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile

import gradio as gr
import pandas as pd

from kg import KnowledgeBase, Settings
from kg.graph.namespaces import observation_iri
from kg.graph.sparql import SparqlError
from kg.interfaces import charts
from kg.interfaces.present import (COMPARISON_COLUMNS, EXAMPLE_QUERIES, chat_text, citations_html, comparison_summary,
                                   comparison_table, document_html, entity_html, figure_bars, figure_indicators,
                                   indicator_choices, md_text, trace_html)
from kg.interfaces.server import BackgroundBuild, BodyLimit, sparql_routes

# Clicks (and Enter/space) on an element with a data-iri inside a chart reach Python as a
# "click" event whose data is {"iri": ...} (see the module docstring).
PICK_JS = """
const pick = (ev) => {
  const el = ev.target && ev.target.closest ? ev.target.closest('[data-iri]') : null;
  if (!el || !element.contains(el)) return;
  const iri = el.getAttribute('data-iri');
  if (!iri) return;
  if (ev.type === 'keydown') {
    if (ev.key !== 'Enter' && ev.key !== ' ') return;
    ev.preventDefault();
  }
  element.querySelectorAll('.picked').forEach((e) => e.classList.remove('picked'));
  el.classList.add('picked');
  trigger('click', {iri: iri});
};
element.addEventListener('click', pick);
element.addEventListener('keydown', pick);
"""
PICK_CSS = """
.picked .bar-fill, .picked .tile-box { stroke: #f39c12; stroke-width: 3; }
g.bar:hover .bar-fill, g.tile-value:hover .tile-box { stroke: #f39c12; stroke-width: 2; }
g[data-iri]:focus { outline: none; }
g[data-iri]:focus .bar-fill, g[data-iri]:focus .tile-box { stroke: #333; stroke-width: 2; }
"""
ANY = "any"
STATUSES = [ANY, "actual", "target"]
ROLES = [ANY, "level", "change", "cumulative", "average"]
MOST_REGIONS = "(what most regions state)"


def chart_html(**kw) -> gr.HTML:
    """A gr.HTML for an SVG chart whose bars and tiles open their figure's trace when clicked."""
    return gr.HTML(js_on_load=PICK_JS, css_template=PICK_CSS, **kw)


def clicked_iri(evt: gr.EventData | None) -> str | None:
    """The observation IRI a chart click sent (``trigger('click', {iri})``), if any."""
    iri = getattr(evt, "iri", None) if evt is not None else None  # EventData exposes the trigger's data as attributes
    return iri if isinstance(iri, str) else None


def selected_index(evt: gr.SelectData) -> int | None:
    return evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index


def build_ui(kb: KnowledgeBase, build: BackgroundBuild | None = None, run_query=None) -> gr.Blocks:
    """The Gradio interface over one knowledge base.

    ``run_query(query) -> QueryResult`` runs the SPARQL console's queries; ``create_app`` passes the
    endpoint's worker pool, so the console has the endpoint's time limit, row cap and guard.
    Without it the console calls ``kb.sparql`` in-process.
    """
    run_query = run_query or kb.sparql

    def status_text() -> str:
        if build is None:
            return f"{len(kb.state.docs)} documents"
        st = build.status
        return ("**Building** · " if st.running else ("**Build failed** · " if st.error else "**Ready** · ")) + md_text(st.message)

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
        history.append({"role": "user", "content": chat_text(question)})  # bubbles show text as text
        if (msg := busy()) is not None:
            history.append({"role": "assistant", "content": chat_text(msg)})
            return history, "", "", gr.update(choices=[], value=None), None, {}, "", ""
        ans = kb.ask(question)
        refs = "".join(f" [{i}]" for i in range(1, len(ans.citations) + 1)) if ans.answered else ""
        history.append({"role": "assistant", "content": chat_text(ans.answer + refs)})
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
            res = run_query(query)
        except SparqlError as exc:
            return pd.DataFrame(), None, f"**SPARQL error:** {md_text(exc)}"
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
        note = (f" — only the first {len(frame):,} are shown: the result has more rows than the row cap "
                "(POLICYKG_SPARQL_MAX_ROWS)" if res.truncated else "")
        return frame, path, f"{len(frame)} row(s){note}"

    figure_cols = ["value", "unit", "metric", "indicator", "region", "period", "group", "qualifier", "status", "role", "doc",
                   "quote"]

    def trace_of(iri: str | None) -> str:
        """The trace of one observation, rendered (empty when there is none)."""
        if not iri:
            return ""
        traces = kb.trace(iri)
        return "".join(trace_html(t, kb.document(t.doc)) for t in traces[:1])

    def list_figures(region: str, metric: str, year):
        empty = pd.DataFrame(columns=figure_cols)
        try:
            if region and not kb.region_iris(region):
                return empty, [], gr.update(choices=[], value=None), "", f"No region called **{md_text(region)}** in the gazetteer."
            rows, _ = kb.observations(region=region or None, metric=metric or None, year=int(year) if year else None)
        except Exception as exc:  # the store may still be building
            return empty, [], gr.update(choices=[], value=None), "", f"**Error:** {md_text(exc)}"
        choices = figure_indicators(rows)
        first = choices[0][1] if choices else None
        frame = pd.DataFrame([{c: r.get(c) for c in figure_cols} for r in rows], columns=figure_cols)
        return frame, rows, gr.update(choices=choices, value=first), chart_figures(first, rows), f"{len(rows)} figure(s)"

    def chart_figures(indicator: str | None, rows: list[dict]) -> str:
        bars, unit, left_out = figure_bars(rows or [], indicator)
        if not indicator:
            return ""
        svg = charts.bar_chart(bars, unit=unit, title=indicator, width=960, empty="No figures of this indicator in the list.")
        note = f"<p><small>{left_out} figure(s) in other units not charted.</small></p>" if left_out else ""
        return svg + note

    def trace_figure(rows: list[dict], evt: gr.SelectData):
        index = selected_index(evt)
        if not rows or index is None or index >= len(rows):
            return ""
        return trace_of(rows[index]["iri"])

    def trace_clicked(evt: gr.EventData):
        return trace_of(clicked_iri(evt))

    # -- comparisons ---------------------------------------------------------
    known: dict[str, dict] = {}  # indicator IRI -> KnowledgeBase.indicators() entry

    def refresh_indicators() -> list[dict]:
        try:
            found = kb.indicators() if kb.state.docs else []
        except Exception:  # the store may still be building
            found = []
        known.clear()
        known.update({i["iri"]: i for i in found})
        return found

    def indicator_list(current: str | None = None):
        choices = indicator_choices(refresh_indicators())
        value = current if current in known else (choices[0][1] if choices else None)
        return gr.update(choices=choices, value=value)

    def comparison(indicator: str, period: str | None, status: str | None, role: str | None):
        """kb.compare with the form's values: blanks and "any" are None; an indicator's IRI is compared
        with Chinese region names where it has a Chinese label."""
        indicator = (indicator or "").strip()
        if not indicator:
            raise LookupError("choose an indicator")
        if indicator.startswith(("http://", "https://")) and indicator not in known:
            refresh_indicators()
        period = (period or "").strip()
        info = known.get(indicator)
        language = "zh" if info and info.get("zh") else ("en" if info else None)
        return kb.compare(indicator, period=None if period in ("", MOST_REGIONS) else period,
                          status=None if status in (None, "", ANY) else status,
                          role=None if role in (None, "", ANY) else role, language=language)

    def indicator_label(indicator: str, c) -> str:
        info = known.get(indicator)
        return " · ".join(n for n in (info.get("zh"), info.get("en")) if n) if info else c.indicator

    def compare_periods(indicator: str | None):
        """The periods the chosen indicator's figures have, for the period dropdown."""
        try:
            c = comparison(indicator, None, None, None)
        except Exception:
            return gr.update(choices=[MOST_REGIONS], value=MOST_REGIONS)
        periods = sorted({r.period for r in c.rows + c.excluded if r.period}, reverse=True)
        return gr.update(choices=[MOST_REGIONS] + periods, value=MOST_REGIONS)

    def compare_json(indicator: str, period: str = "", status: str = ANY, role: str = ANY) -> dict:
        """One indicator across provinces, as JSON (the object `policykg compare --format json` prints).

        indicator: a label (Chinese or English) or an indicator IRI; period: "2026", "2021/2025" or blank
        for what most regions state; status: any, actual or target; role: any, level, change, cumulative
        or average. An unknown indicator gives {"indicator", "error"}."""
        if (msg := busy()) is not None:
            return {"indicator": indicator, "error": msg}
        try:
            return comparison(indicator, period, status, role).to_json()
        except LookupError as exc:
            return {"indicator": indicator, "error": str(exc)}

    def compare_view(indicator: str, period: str | None, status: str | None, role: str | None):
        blank = pd.DataFrame(columns=COMPARISON_COLUMNS)
        nothing = (blank, [], gr.update(value=None), gr.update(value=None), "", {}, "")
        if (msg := busy()) is not None:
            return (md_text(msg), "", "") + nothing
        try:
            c = comparison(indicator, period, status, role)
        except LookupError as exc:
            return (f"**{md_text(exc)}**", "", "") + nothing
        label = indicator_label(indicator, c)
        title = " · ".join(x for x in (label, c.period, c.status, c.role) if x)
        reference = None
        if c.national is not None:
            reference = charts.Reference(c.national.value, f"全国 national: {c.national.figure}", c.national.iri)
        chart = charts.bar_chart(charts.bars_of(c.rows), reference=reference, unit=c.unit, title=title,
                                 empty="No region states this figure.")
        tiles = charts.tile_map(charts.tiles_of(c.rows), missing=[m["region_code"] for m in c.missing], unit=c.unit,
                                title=title)
        rows, iris = comparison_table(c)
        stem = "compare-" + hashlib.sha1(c.sparql.encode("utf-8")).hexdigest()[:12]
        csv_path, json_path = os.path.join(downloads, stem + ".csv"), os.path.join(downloads, stem + ".json")
        with open(csv_path, "w", encoding="utf-8", newline="") as fh:
            fh.write(c.to_csv())
        data = c.to_json()
        with open(json_path, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
        return (comparison_summary(c, label), chart, tiles, pd.DataFrame(rows, columns=COMPARISON_COLUMNS, dtype=object),
                iris, gr.update(value=csv_path), gr.update(value=json_path), c.sparql, data, "")

    def trace_row(iris: list, evt: gr.SelectData):
        index = selected_index(evt)
        if not iris or index is None or index >= len(iris):
            return ""
        return trace_of(iris[index]) or "<p><em>This region states no such figure in its document.</em></p>"

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
        status = gr.Markdown(status_text(), elem_id="status")
        gr.Timer(2.0).tick(status_text, outputs=status, api_visibility="private")
        with gr.Tab("Ask"):
            with gr.Row():
                with gr.Column(scale=3):
                    # messages are chat_text (escaped HTML): no Markdown, no LaTeX, no tags of their own; no copy
                    # buttons, which would copy that escaped source (selecting the text copies it as shown)
                    chatbot = gr.Chatbot(label="Answers cite the sentence they come from", height=420, elem_id="ask-chat",
                                         render_markdown=False, sanitize_html=True, latex_delimiters=[], allow_tags=False,
                                         buttons=[])
                    question = gr.Textbox(placeholder="e.g. How many hospital beds are there per 1,000 people?",
                                          label="Question", submit_btn=True)
                    gr.Examples(["How many hospital beds are there per 1,000 people?",
                                 "What is Chongqing's social security participation rate?",
                                 "Who presented the National Basic Public Service Standards?"], question)
                with gr.Column(scale=2):
                    cites = gr.HTML(label="Citations", elem_id="ask-citations")
                    pick = gr.Radio(label="Show citation in its document", choices=[], type="value", elem_id="ask-pick")
            docview = gr.HTML(elem_id="ask-document")
            with gr.Accordion("SPARQL that found the figures", open=False):
                answer_sparql = gr.Code(language="sql", label="Query")
            with gr.Accordion("Trace of the stated figures", open=False):
                answer_trace = gr.HTML(elem_id="ask-trace")
            with gr.Accordion("JSON (same as `policykg ask --json`)", open=False):
                answer_json = gr.JSON()
            question.submit(chat, [question, chatbot],
                            [chatbot, question, cites, pick, docview, answer_json, answer_sparql, answer_trace], api_name="chat")
            pick.change(show_citation, [pick, answer_json], docview, api_visibility="private")
            gr.Button(visible=False).click(ask_json, question, answer_json, api_name="ask")
        with gr.Tab("Figures"):
            with gr.Row():
                f_region = gr.Textbox(label="Region (and regions under it)", placeholder="e.g. Zhejiang, 重庆, China",
                                      elem_id="figures-region")
                f_metric = gr.Textbox(label="Indicator or metric contains", placeholder="e.g. insurance, beds")
                f_year = gr.Number(label="Period includes year", precision=0)
                f_go = gr.Button("Filter", variant="primary", elem_id="figures-go")
            f_msg = gr.Markdown(elem_id="figures-message")
            f_table = gr.Dataframe(label="Observations (select a row to trace it)", wrap=True, interactive=False,
                                   elem_id="figures-table")
            with gr.Row():
                f_indicator = gr.Dropdown(label="Chart an indicator across regions and periods (indicators with 2 or more figures)",
                                          choices=[], elem_id="figures-indicator")
            f_chart = chart_html(elem_id="figures-chart")
            f_trace = gr.HTML(elem_id="figures-trace")
            f_rows = gr.State([])
            f_outputs = [f_table, f_rows, f_indicator, f_chart, f_msg]
            f_go.click(list_figures, [f_region, f_metric, f_year], f_outputs, api_name="observations")
            demo.load(list_figures, [f_region, f_metric, f_year], f_outputs, api_visibility="private")
            f_indicator.input(chart_figures, [f_indicator, f_rows], f_chart, api_visibility="private")
            f_table.select(trace_figure, f_rows, f_trace, api_visibility="private")
            f_chart.click(trace_clicked, None, f_trace, api_visibility="private")
        with gr.Tab("Compare") as compare_tab:
            gr.Markdown("One indicator across provinces: each region's figure as written, normalised, and where it "
                        "stands in its document. Click a bar, a tile or a row to trace the figure.")
            with gr.Row():
                c_indicator = gr.Dropdown(label="Indicator", choices=[], scale=3, elem_id="compare-indicator")
                c_period = gr.Dropdown(label="Period (e.g. 2026 or 2021/2025)", choices=[MOST_REGIONS], value=MOST_REGIONS,
                                       allow_custom_value=True, elem_id="compare-period")
                c_status = gr.Dropdown(STATUSES, value=ANY, label="Status (any: what most regions state)", elem_id="compare-status")
                c_role = gr.Dropdown(ROLES, value=ANY, label="Role (any: what most regions state)", elem_id="compare-role")
                c_go = gr.Button("Compare", variant="primary", elem_id="compare-go")
            c_summary = gr.Markdown(elem_id="compare-summary")
            with gr.Row():
                with gr.Column(scale=1):
                    c_chart = chart_html(elem_id="compare-chart")
                with gr.Column(scale=1):
                    c_map = chart_html(elem_id="compare-map")
            c_trace = gr.HTML(elem_id="compare-trace")
            c_table = gr.Dataframe(headers=COMPARISON_COLUMNS, label="Regions (select a row to trace its figure)",
                                   wrap=True, interactive=False, elem_id="compare-table")
            with gr.Row():
                c_csv = gr.DownloadButton("Download CSV", value=None, elem_id="compare-csv")
                c_json_file = gr.DownloadButton("Download JSON", value=None, elem_id="compare-json-file")
            with gr.Accordion("SPARQL that lists the figures", open=False):
                c_sparql = gr.Code(language="sql", label="Query", elem_id="compare-sparql")
            with gr.Accordion("JSON (same as `policykg compare --format json`)", open=False):
                c_json = gr.JSON(elem_id="compare-json")
            c_iris = gr.State([])
            c_inputs = [c_indicator, c_period, c_status, c_role]
            c_go.click(compare_view, c_inputs,
                       [c_summary, c_chart, c_map, c_table, c_iris, c_csv, c_json_file, c_sparql, c_json, c_trace],
                       api_visibility="private")
            gr.api(compare_json, api_name="compare")
            c_indicator.change(compare_periods, c_indicator, c_period, api_visibility="private")
            demo.load(indicator_list, c_indicator, c_indicator, api_visibility="private")
            compare_tab.select(indicator_list, c_indicator, c_indicator, api_visibility="private")
            c_chart.click(trace_clicked, None, c_trace, api_visibility="private")
            c_map.click(trace_clicked, None, c_trace, api_visibility="private")
            c_table.select(trace_row, c_iris, c_trace, api_visibility="private")
        with gr.Tab("Entities"):
            with gr.Row():
                e_type = gr.Dropdown(["any", "region", "organization", "person", "event", "plan", "standard", "goal", "service"],
                                     value="any", label="Type")
                e_name = gr.Textbox(label="Name contains", placeholder="e.g. Haiyan, Commission, Zhao")
                e_go = gr.Button("Find", variant="primary")
            e_table = gr.Dataframe(label="Entities (select a row to open its page)", wrap=True, interactive=False,
                                   elem_id="entities-table")
            e_page = gr.HTML(elem_id="entities-page")
            e_rows = gr.State([])
            e_go.click(list_entities, [e_type, e_name], [e_table, e_rows], api_name="entities")
            demo.load(list_entities, [e_type, e_name], [e_table, e_rows], api_visibility="private")
            e_table.select(open_entity, e_rows, e_page, api_visibility="private")
        with gr.Tab("SPARQL"):
            example = gr.Dropdown(list(EXAMPLE_QUERIES), value=first_example, label="Example queries")
            query = gr.Code(EXAMPLE_QUERIES[first_example], language="sql", label="Query (prefixes pkg:, nif:, dcterms:, skos:, prov:, qb: … are predeclared)", lines=10,
                            elem_id="sparql-query")
            run = gr.Button("Run", variant="primary", elem_id="sparql-run")
            message = gr.Markdown(elem_id="sparql-message")
            table = gr.Dataframe(label="Results", wrap=True, elem_id="sparql-table")
            download = gr.File(label="Download CSV")
            gr.Markdown("The same graph answers SPARQL 1.1 Protocol requests at [`/sparql`](/sparql) (GET or POST; JSON, XML, CSV, TSV).")
            example.change(lambda k: EXAMPLE_QUERIES[k], example, query, api_visibility="private")
            run.click(run_sparql, query, [table, download, message], api_name="sparql")
        with gr.Tab("Documents"):
            docs = gr.Dataframe(label="Ingested documents", wrap=True, elem_id="documents-table")
            doc_pick = gr.Dropdown(label="Read a document", choices=[], elem_id="documents-pick")
            doc_html = gr.HTML(elem_id="documents-view")
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
    pool = sparql_routes(api, lambda: kb)
    demo = build_ui(kb, builder, run_query=pool.result)
    app = gr.mount_gradio_app(api, demo, path="/", max_file_size=settings.max_upload_bytes)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes, max_upload_bytes=settings.max_upload_bytes)
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
