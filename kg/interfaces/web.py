"""The web app: the Gradio UI (chat with citations, figures, comparisons across regions, entities,
SPARQL console, documents) mounted beside the SPARQL endpoint, over one knowledge base.

Charts are SVG drawn by ``kg.interfaces.charts`` into ``gr.HTML``. A click on a bar or a map tile
reaches Python through the component's ``js_on_load``: a listener on the component's element
finds the clicked element's ``data-iri`` and calls Gradio's ``trigger('click', {iri})``; the
``.click`` listener receives it as ``gr.EventData`` (``evt.iri``) and renders that figure's trace.
Documents are shown the same way with ``SCROLL_JS``: after each new value it scrolls every document box
(only the box, never the page) to its highlighted sentence.

The app writes to the knowledge base itself only through a ``Workbench``: uploads (copied into
``kb.uploads`` and ingested) and removals (``kb.remove``) run one at a time in one thread, after the
start-up build, so one process never has two writers. A ``gr.Timer`` polls the build and the workbench:
the status line says what is running, and the tables are read again when a write finishes.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr
import pandas as pd

from kg import KnowledgeBase, Settings
from kg.graph.namespaces import observation_iri
from kg.graph.sparql import SparqlError
from kg.interfaces import charts
from kg.graph.export import document_graph, entity_graph
from kg.interfaces.present import (CITED, COMPARISON_COLUMNS, DOCUMENT_BOX, EXAMPLE_QUERIES, chat_text, citations_html,
                                   comparison_summary, comparison_table, document_html, entity_html, figure_bars,
                                   figure_indicators, indicator_choices, md_message, md_text, text_html, trace_html)
from kg.interfaces.server import WRITER_WAIT, BackgroundBuild, BodyLimit, BuildStatus, sparql_routes

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
# A document box (``present.document_html``) scrolled to its highlight: only the box scrolls, never the
# page. Run after every new value (``watch``); a box not laid out yet (a closed accordion, a hidden tab)
# is scrolled when it first gets a size.
SCROLL_JS = """
const place = (box, mark) => {
  if (!box.clientHeight) return false;
  const room = box.clientHeight, m = mark.getBoundingClientRect(), b = box.getBoundingClientRect();
  const margin = m.height > room * 2 / 3 ? 8 : (room - m.height) / 3;
  box.scrollTop += (m.top - b.top) - margin;
  return true;
};
const toCited = () => {
  element.querySelectorAll('.BOX').forEach((box) => {
    const mark = box.querySelector('.CITED');
    const cited = box.getAttribute('data-cited');
    if (!mark || !cited || box.dataset.placed === cited) return;  // a box may be reused for the next value
    box.dataset.placed = cited;
    if (place(box, mark)) return;
    const sized = new ResizeObserver(() => { if (place(box, mark)) sized.disconnect(); });
    sized.observe(box);
  });
};
if (typeof watch === 'function') watch('value', toCited);
else new MutationObserver(toCited).observe(element, {childList: true, subtree: true});
toCited();
""".replace("BOX", DOCUMENT_BOX).replace("CITED", CITED)

# Tables fit the page: cells wrap (long words too); on a narrow screen the table scrolls sideways inside
# its own box instead of being cut off (see fit_table).
APP_CSS = """
.fit-table .virtual-table-viewport { overflow-x: auto; }
.fit-table .cell-wrap span { overflow-wrap: anywhere; }
"""
NO_ROWS = pd.DataFrame(columns=[""])  # an empty table with no headers of its own (not Gradio's "1 2 3")
UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".pdf", ".docx"]
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


def document_view(**kw) -> gr.HTML:
    """A gr.HTML for documents (``present.document_html``) that scrolls each document box to its highlight."""
    return gr.HTML(js_on_load=SCROLL_JS, **kw)


def fit_table(columns: list[str] | None = None, widths: dict[str, int] | None = None, **kw) -> gr.Dataframe:
    """A read-only gr.Dataframe that fits the page: ``widths`` gives columns their share (in %) of
    ``TABLE_WIDTH`` pixels, which fits the page at 1,400 px; on a narrower screen the table scrolls
    sideways within its own box (never cut off). Text wraps."""
    column_widths = None
    if columns and widths:
        left = max(0, 100 - sum(widths.values()))
        rest = [c for c in columns if c not in widths]
        shares = [widths[c] if c in widths else left / max(1, len(rest)) for c in columns]
        column_widths = [max(MIN_COLUMN, round(TABLE_WIDTH * share / 100)) for share in shares]
    classes = ["fit-table"] + list(kw.pop("elem_classes", None) or [])
    return gr.Dataframe(headers=columns, column_widths=column_widths, wrap=True, elem_classes=classes, **kw)


TABLE_WIDTH = 1180  # pixels a table with set column widths takes: the page's width at a 1,400 px window, less margins
MIN_COLUMN = 56  # no column narrower than this many pixels


def upload_target(folder: Path, name: str) -> Path:
    """Where an uploaded file called ``name`` is kept: ``folder/name``, the name unchanged. ``ValueError``
    for a name that is not a plain file name (a path, "..", a hidden name ingest would skip) or whose
    type ingest does not read."""
    from ingest.readers import supported_suffixes

    plain = name.strip()
    if (not plain or plain in (".", "..") or plain.startswith(".") or any(c in plain for c in "/\\\0")
            or Path(plain).name != plain):
        raise ValueError(f"{name!r} is not a plain file name")
    if Path(plain).suffix.lower() not in supported_suffixes():
        raise ValueError(f"unsupported file type {Path(plain).suffix or '(none)'}; upload "
                         + ", ".join(sorted(supported_suffixes())))
    target = folder / plain
    if target.is_symlink() or target.resolve().parent != folder.resolve():
        raise ValueError(f"{name!r} would not be kept in the uploads folder")
    return target


@dataclass
class WriteJob:
    """One write the workbench runs: files to upload (``items``: (file name, uploaded copy)) or
    documents to remove (``items``: document ids). ``outcome`` says what happened to each item."""

    kind: str  # "upload" or "remove"
    items: list
    outcome: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    message: str = "queued"
    progress: tuple[int, int] = (0, 0)
    done: threading.Event = field(default_factory=threading.Event)

    def summary(self) -> str:
        verb = "upload" if self.kind == "upload" else "removal"
        if self.error:
            return f"{verb} failed: {self.error}"
        counts: dict[str, int] = {}
        for _, what in self.outcome:
            word = what.split(":")[0].split(" ")[0]
            counts[word] = counts.get(word, 0) + 1
        return f"last {verb}: " + (", ".join(f"{n} {w}" for w, n in counts.items()) or "nothing to do")


class Workbench:
    """The app's own writes, one at a time in one thread: uploads (copied into ``kb.uploads``, then
    that folder ingested) and removals (``kb.remove``). They wait for the start-up build to finish;
    a write submitted while another runs waits its turn. ``generation`` counts finished writes."""

    def __init__(self, kb: KnowledgeBase, build: BackgroundBuild | None = None):
        self.kb, self.build = kb, build
        self.status = BuildStatus()
        self.generation = 0
        self.last = ""
        self.pending = 0
        self._jobs: queue.Queue[WriteJob] = queue.Queue()
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, kind: str, items) -> WriteJob:
        job = WriteJob(kind, list(items))
        with self._guard:
            self.pending += 1
            if self.pending > 1:
                job.message = f"queued behind {self.pending - 1} other write(s)"
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="policykg-workbench", daemon=True)
                self._thread.start()
        self._jobs.put(job)
        return job

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            self.status = BuildStatus(running=True, message=job.message)
            try:
                while self.build is not None and self.build.status.running:
                    self._say(job, "queued: waiting for the build of the corpus to finish")
                    self.build.finished.wait(1.0)
                if job.kind == "upload":
                    self._upload(job)
                else:
                    self._remove(job)
            except Exception as exc:  # shown in the page; the app keeps serving what exists
                job.error = f"{type(exc).__name__}: {exc}"
            finally:
                self.last = job.summary()
                with self._guard:
                    self.pending -= 1
                    self.generation += 1
                    self.status = BuildStatus(running=self.pending > 0, message=self.last, error=job.error)
                print(f"workbench: {self.last}", flush=True)
                job.done.set()

    def _say(self, job: WriteJob, message: str) -> None:
        job.message = message
        self.status.message = message

    def _progress(self, job: WriteJob, what: str):
        def progress(i: int, n: int, name: str = "", *detail) -> None:
            job.progress = (i, n)
            more = " · ".join(str(d) for d in detail if d)
            self._say(job, f"{what}: {i}/{n} documents" + (f" ({name})" if name else "") + (f" · {more}" if more else ""))
        return progress

    def _waiting(self, job: WriteJob):
        return lambda message: self._say(job, f"waiting: {message}")

    def _upload(self, job: WriteJob) -> None:
        folder = self.kb.uploads
        folder.mkdir(parents=True, exist_ok=True)
        kept: dict[str, str] = {}  # resolved path in the uploads folder -> file name
        for name, path in job.items:
            try:
                target = upload_target(folder, name)
                if str(target.resolve()) in kept:
                    raise ValueError("another file of this upload has the same name")
                partial = target.with_name(f".{target.name}.{os.getpid()}.part")  # hidden: ingest skips it
                shutil.copyfile(path, partial)
                os.replace(partial, target)
                kept[str(target.resolve())] = name
            except (ValueError, OSError) as exc:
                job.outcome.append((name, f"refused: {exc}"))
        if not kept:
            return
        self._say(job, f"ingesting {len(kept)} uploaded file(s)")
        report = self.kb.ingest([folder], progress=self._progress(job, "ingesting uploads"), wait=WRITER_WAIT,
                                waiting=self._waiting(job))
        failed = {str(Path(p).resolve()): reason for p, reason in report.failed}
        skipped = {str(Path(p).resolve()): reason for p, reason in report.skipped}
        ids = {str(Path(e["source"]).resolve()): d for d, e in self.kb.state.docs.items()}
        for target, name in kept.items():
            doc = ids.get(target)
            if target in failed or target in skipped:
                if doc is None:
                    Path(target).unlink(missing_ok=True)
                    note = " (the file was not kept)"
                else:
                    note = f" (the earlier upload stays ingested as {doc})"
                what = f"failed: {failed[target]}" if target in failed else f"skipped: {skipped[target]}"
                job.outcome.append((name, what + note))
            elif doc in report.added:
                job.outcome.append((name, f"added as {doc}"))
            elif doc in report.updated:
                job.outcome.append((name, f"updated {doc}"))
            elif doc is not None:
                job.outcome.append((name, f"unchanged: the same file as the earlier upload {doc}"))
            else:
                job.outcome.append((name, "not ingested"))

    def _remove(self, job: WriteJob) -> None:
        try:
            report = self.kb.remove(job.items, progress=self._progress(job, "removing"), wait=WRITER_WAIT,
                                    waiting=self._waiting(job))
        except ValueError as exc:
            job.outcome += [(doc, f"not removed: {exc}") for doc in job.items]
            return
        job.outcome += [(doc, "removed: its graph, record and vectors are gone" if doc in report.removed
                         else "not removed") for doc in job.items]


def outcome_markdown(job: WriteJob) -> str:
    """What happened to each file or document of a write, one Markdown list item each (as text)."""
    lines = [f"- **{md_text(item)}** · {md_message(what)}" for item, what in job.outcome]
    if job.error:
        lines.append(f"- **Error:** {md_message(job.error)}")
    return "\n".join(lines)


def build_ui(kb: KnowledgeBase, build: BackgroundBuild | None = None, run_query=None,
             bench: Workbench | None = None) -> gr.Blocks:
    """The Gradio interface over one knowledge base.

    ``run_query(query) -> QueryResult`` runs the SPARQL console's queries; ``create_app`` passes the
    endpoint's worker pool, so the console has the endpoint's time limit, row cap and guard.
    Without it the console calls ``kb.sparql`` in-process. ``bench`` runs the Documents tab's
    uploads and removals (one is made when not given, unless ``kb`` is read-only).
    """
    run_query = run_query or kb.sparql
    if bench is None and not kb.read_only:
        bench = Workbench(kb, build)

    def status_text() -> str:
        docs = len(kb.state.docs)
        if build is not None and build.status.running:
            line = "**Building** · " + md_text(build.status.message or "starting the build")
        elif build is not None and build.status.error:
            line = "**Build failed** · " + md_text(build.status.message)
        elif build is not None and not build.status.message:
            line = "**Starting** · the build of the corpus begins in a moment"
        elif build is not None and not (bench is not None and bench.last):
            line = "**Ready** · " + md_text(build.status.message.removeprefix("ready: "))  # "6 documents (6 added, …)"
        else:
            line = f"**Ready** · {docs:,} document(s)" + (" · " + md_text(bench.last) if bench is not None and bench.last else "")
        if bench is not None and bench.status.running:
            line += " · **Writing** · " + md_text(bench.status.message)
        return line

    def writes() -> int:
        """How many writes have finished (the build, uploads, removals): the tables are read again when it grows."""
        built = 1 if build is not None and build.finished.is_set() else 0
        return built + (bench.generation if bench is not None else 0)

    def tick(seen: int):
        now = writes()
        return status_text(), (now if now != seen else gr.skip())

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
        if c["doc"] not in kb.records:  # removed since
            return f"<p><em>{text_html(c['doc'])} is no longer in the knowledge base.</em></p>"
        rec = kb.document(c["doc"])
        stated = set(answer_json.get("observations") or [])
        figures = [(o.start, o.end) for o in rec.observations
                   if c["start"] <= o.start < c["end"] and str(observation_iri(rec.doc_id, o.start, o.end)) in stated]
        return document_html(rec, c["start"], c["end"], figures=figures)

    def run_sparql(query: str):
        try:
            res = run_query(query)
        except SparqlError as exc:
            reason = str(exc).removeprefix("SPARQL error:").strip()  # the worker pool's message names it already
            return NO_ROWS, None, f"**SPARQL error:** {md_message(reason)}"
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
        return frame if len(frame.columns) else NO_ROWS, path, f"{len(frame)} row(s){note}"

    def exports(stem: str, frame: pd.DataFrame, data) -> tuple[str, str]:
        """The table as CSV and ``data`` as JSON, written once per distinct content; their paths."""
        text = frame.to_csv(index=False)
        body = json.dumps(data, ensure_ascii=False, indent=1, default=str)
        name = stem + "-" + hashlib.sha1((text + body).encode("utf-8")).hexdigest()[:12]
        csv_path, json_path = os.path.join(downloads, name + ".csv"), os.path.join(downloads, name + ".json")
        with open(csv_path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        with open(json_path, "w", encoding="utf-8") as fh:
            fh.write(body)
        return csv_path, json_path

    def turtle_file(stem: str, make) -> str | None:
        """A Turtle file made by ``make()`` (bytes), or None when there is nothing to write."""
        try:
            data = make()
        except (KeyError, SparqlError):
            return None
        path = os.path.join(downloads, stem + "-" + hashlib.sha1(data).hexdigest()[:12] + ".ttl")
        with open(path, "wb") as fh:
            fh.write(data)
        return path

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
        nothing = (gr.update(value=None), gr.update(value=None))

        def refused(message: str):
            return (empty, [], gr.update(choices=[], value=None), "", message) + nothing

        year = str(year if year is not None else "").strip()
        if year and not year.isdigit():
            return refused(f"The year must be a number such as 2025, not **{md_text(year)}**.")
        try:
            if region and not kb.region_iris(region):
                return refused(f"No region called **{md_text(region)}** in the gazetteer.")
            rows, _ = kb.observations(region=region or None, metric=metric or None, year=int(year) if year else None)
        except Exception as exc:  # the store may still be building
            return refused(f"**Error:** {md_message(exc)}")
        choices = figure_indicators(rows)
        first = choices[0][1] if choices else None
        frame = pd.DataFrame([{c: r.get(c) for c in figure_cols} for r in rows], columns=figure_cols)
        csv_path, json_path = exports("figures", pd.DataFrame([{c: r.get(c) for c in figure_cols + ["iri"]} for r in rows],
                                                              columns=figure_cols + ["iri"]), rows)
        return (frame, rows, gr.update(choices=choices, value=first), chart_figures(first, rows), f"{len(rows)} figure(s)",
                gr.update(value=csv_path), gr.update(value=json_path))

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
            return (f"**{md_message(exc)}**", "", "") + nothing
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
        table = [{**{c: r.get(c) for c in entity_cols}, "docs": ", ".join(r["docs"])} for r in rows]
        frame = pd.DataFrame(table, columns=entity_cols)
        csv_path, json_path = exports("entities", pd.DataFrame([dict(t, iri=r["iri"]) for t, r in zip(table, rows)],
                                                               columns=entity_cols + ["iri"]), rows)
        return frame, rows, gr.update(value=csv_path), gr.update(value=json_path)

    def open_entity(rows: list[dict], evt: gr.SelectData):
        index = selected_index(evt)
        if not rows or index is None or index >= len(rows):
            return "", None
        return entity_html(kb.entity(rows[index]["iri"])), rows[index]["iri"]

    def entity_turtle(iri: str | None):
        path = turtle_file("entity", lambda: entity_graph(kb, iri)) if iri else None
        return gr.update(value=path, interactive=path is not None)

    def documents_table():
        rows = [{"doc": r.doc_id, "title": r.title, "language": r.language, "issued": r.issued or "",
                 "publisher": r.publisher or "", "format": r.format, "origin": "uploaded" if kb.uploaded(r.doc_id) else "corpus",
                 "sentences": len(r.sentences), "characters": len(r.text)} for r in kb.records.values()]
        return pd.DataFrame(rows, columns=document_cols)

    def show_document(doc_id: str | None, find: str = ""):
        """The document, with the first occurrence of ``find`` (any case) highlighted and scrolled to."""
        if doc_id not in kb.records:
            return "", ""
        rec = kb.document(doc_id)
        find = (find or "").strip()
        if not find:
            return document_html(rec), ""
        at = rec.text.casefold().find(find.casefold())
        if at < 0:
            return document_html(rec), f"**{md_text(find)}** does not occur in {md_text(doc_id)}."
        later = rec.text.casefold().count(find.casefold()) - 1
        return (document_html(rec, at, at + len(find)),
                f"First of {later + 1} occurrences, at characters {at}–{at + len(find)}." if later else "")

    def document_turtle(doc_id: str | None):
        path = turtle_file(f"document-{doc_id}", lambda: document_graph(kb, doc_id)) if doc_id else None
        return gr.update(value=path, interactive=path is not None)

    def refresh_docs(current: str | None = None):
        ids = sorted(kb.records)
        return documents_table(), gr.update(choices=ids, value=current if current in ids else None)

    def wait_for(job: WriteJob, progress: gr.Progress) -> None:
        """Block until the workbench has run ``job``, showing its progress on the outputs."""
        while not job.done.wait(0.25):
            done, total = job.progress
            progress((done, total) if total else None, desc=job.message, unit="documents")

    def upload(files, progress=gr.Progress()):
        paths = [f for f in (files or []) if f]
        if not paths:
            return gr.update(), ""
        if bench is None:
            return gr.update(), "This knowledge base is read-only: documents cannot be added here."
        job = bench.submit("upload", [(Path(p).name, p) for p in paths])
        wait_for(job, progress)
        return None, outcome_markdown(job)

    def remove(doc_id: str | None, progress=gr.Progress()):
        if not doc_id:
            return "Pick a document to remove first."
        if bench is None:
            return "This knowledge base is read-only: documents cannot be removed here."
        if doc_id in kb.state.docs and not kb.uploaded(doc_id):
            return (f"**{md_text(doc_id)}** cannot be removed here: it is part of the corpus, read from "
                    f"{md_text(kb.state.docs[doc_id]['source'])}. Only documents uploaded on this page can be removed "
                    "here; delete the file from its folder and ingest the folder again to remove it.")
        job = bench.submit("remove", [doc_id])
        wait_for(job, progress)
        return outcome_markdown(job)

    def refresh_after_write(region, metric, year, kind, name, current_doc, indicator):
        """Every table read again (after the build or a write finished)."""
        return (list_figures(region, metric, year) + list_entities(kind, name) + refresh_docs(current_doc)
                + (indicator_list(indicator),))

    document_cols = ["doc", "title", "language", "issued", "publisher", "format", "origin", "sentences", "characters"]
    downloads = tempfile.mkdtemp(prefix="policykg-")
    first_example = next(iter(EXAMPLE_QUERIES))
    with gr.Blocks(title="policykg") as demo:
        gr.Markdown("# policykg\nQuestions, figures and sources from public-policy documents on basic public services.")
        status = gr.Markdown(status_text, elem_id="status")
        seen_writes = gr.State(writes)
        with gr.Tab("Ask"):
            with gr.Row():
                with gr.Column(scale=3, min_width=300):
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
                with gr.Column(scale=2, min_width=300):
                    cites = gr.HTML(label="Citations", elem_id="ask-citations")
                    pick = gr.Radio(label="Show citation in its document", choices=[], type="value", elem_id="ask-pick")
            docview = document_view(elem_id="ask-document")
            with gr.Accordion("SPARQL that found the figures", open=False):
                answer_sparql = gr.Code(language="sql", label="Query")
            with gr.Accordion("Trace of the stated figures", open=False):
                answer_trace = document_view(elem_id="ask-trace")
            with gr.Accordion("JSON (same as policykg ask --json)", open=False):
                answer_json = gr.JSON()
            question.submit(chat, [question, chatbot],
                            [chatbot, question, cites, pick, docview, answer_json, answer_sparql, answer_trace], api_name="chat")
            pick.change(show_citation, [pick, answer_json], docview, api_visibility="private")
            gr.Button(visible=False).click(ask_json, question, answer_json, api_name="ask")
        with gr.Tab("Figures"):
            with gr.Row():
                f_region = gr.Textbox(label="Region (and regions under it)", placeholder="e.g. Zhejiang, 重庆, China",
                                      elem_id="figures-region", min_width=200)
                f_metric = gr.Textbox(label="Indicator or metric contains", placeholder="e.g. insurance, beds",
                                      elem_id="figures-metric", min_width=200)
                f_year = gr.Textbox(label="Period includes year", placeholder="any year (e.g. 2025)", elem_id="figures-year",
                                    min_width=160)
                f_go = gr.Button("Filter", variant="primary", elem_id="figures-go", min_width=120)
            f_msg = gr.Markdown(elem_id="figures-message")
            f_table = fit_table(figure_cols, {"value": 6, "unit": 7, "metric": 12, "indicator": 13, "region": 10, "period": 6,
                                              "group": 6, "qualifier": 8, "status": 6, "role": 6, "doc": 9, "quote": 11},
                                label="Observations (select a row to trace it)", interactive=False, elem_id="figures-table")
            with gr.Row():
                f_csv = gr.DownloadButton("Download CSV", value=None, elem_id="figures-csv", size="sm")
                f_json = gr.DownloadButton("Download JSON", value=None, elem_id="figures-json", size="sm")
            with gr.Row():
                f_indicator = gr.Dropdown(label="Chart an indicator across regions and periods (indicators with 2 or more "
                                                "figures and a label that names something)",
                                          choices=[], elem_id="figures-indicator")
            f_chart = chart_html(elem_id="figures-chart")
            f_trace = document_view(elem_id="figures-trace")
            f_rows = gr.State([])
            f_inputs = [f_region, f_metric, f_year]
            f_outputs = [f_table, f_rows, f_indicator, f_chart, f_msg, f_csv, f_json]
            f_go.click(list_figures, f_inputs, f_outputs, api_name="observations")
            f_year.submit(list_figures, f_inputs, f_outputs, api_visibility="private")
            demo.load(list_figures, f_inputs, f_outputs, api_visibility="private")
            f_indicator.input(chart_figures, [f_indicator, f_rows], f_chart, api_visibility="private")
            f_table.select(trace_figure, f_rows, f_trace, api_visibility="private")
            f_chart.click(trace_clicked, None, f_trace, api_visibility="private")
        with gr.Tab("Compare") as compare_tab:
            gr.Markdown("One indicator across provinces: each region's figure as written, normalised, and where it "
                        "stands in its document. Click a bar, a tile or a row to trace the figure.")
            with gr.Row():
                c_indicator = gr.Dropdown(label="Indicator", choices=[], scale=3, elem_id="compare-indicator", min_width=240)
                c_period = gr.Dropdown(label="Period (e.g. 2026 or 2021/2025)", choices=[MOST_REGIONS], value=MOST_REGIONS,
                                       allow_custom_value=True, elem_id="compare-period")
                c_status = gr.Dropdown(STATUSES, value=ANY, label="Status (any: what most regions state)", elem_id="compare-status")
                c_role = gr.Dropdown(ROLES, value=ANY, label="Role (any: what most regions state)", elem_id="compare-role")
                c_go = gr.Button("Compare", variant="primary", elem_id="compare-go", min_width=120)
            c_summary = gr.Markdown(elem_id="compare-summary")
            with gr.Row():
                with gr.Column(scale=1, min_width=300):
                    c_chart = chart_html(elem_id="compare-chart")
                with gr.Column(scale=1, min_width=300):
                    c_map = chart_html(elem_id="compare-map")
            c_trace = document_view(elem_id="compare-trace")
            c_table = fit_table(COMPARISON_COLUMNS, {"region": 12, "figure": 10, "value": 7, "upper": 5, "unit": 7,
                                                     "qualifier": 7, "period": 6, "status": 6, "role": 6, "doc": 7,
                                                     "start": 5, "end": 5, "note": 17},
                                label="Regions (select a row to trace its figure)", interactive=False,
                                elem_id="compare-table")
            with gr.Row():
                c_csv = gr.DownloadButton("Download CSV", value=None, elem_id="compare-csv")
                c_json_file = gr.DownloadButton("Download JSON", value=None, elem_id="compare-json-file")
            with gr.Accordion("SPARQL that lists the figures", open=False):
                c_sparql = gr.Code(language="sql", label="Query", elem_id="compare-sparql")
            with gr.Accordion("JSON (same as policykg compare --format json)", open=False):
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
                                     value="any", label="Type", elem_id="entities-type")
                e_name = gr.Textbox(label="Name contains", placeholder="e.g. Haiyan, Commission, Zhao", elem_id="entities-name")
                e_go = gr.Button("Find", variant="primary", elem_id="entities-go", min_width=120)
            e_table = fit_table(entity_cols, {"type": 12, "label": 38, "code": 12, "role": 14, "docs": 24},
                                label="Entities (select a row to open its page)", interactive=False, elem_id="entities-table")
            with gr.Row():
                e_csv = gr.DownloadButton("Download CSV", value=None, elem_id="entities-csv", size="sm")
                e_json = gr.DownloadButton("Download JSON", value=None, elem_id="entities-json", size="sm")
                e_ttl = gr.DownloadButton("Download this entity's graph (Turtle)", value=None, interactive=False,
                                          elem_id="entities-turtle", size="sm")
            e_page = gr.HTML(elem_id="entities-page")
            e_rows = gr.State([])
            e_iri = gr.State(None)
            e_outputs = [e_table, e_rows, e_csv, e_json]
            e_go.click(list_entities, [e_type, e_name], e_outputs, api_name="entities")
            e_name.submit(list_entities, [e_type, e_name], e_outputs, api_visibility="private")
            demo.load(list_entities, [e_type, e_name], e_outputs, api_visibility="private")
            e_table.select(open_entity, e_rows, [e_page, e_iri], api_visibility="private").then(
                entity_turtle, e_iri, e_ttl, api_visibility="private")
        with gr.Tab("SPARQL"):
            example = gr.Dropdown(list(EXAMPLE_QUERIES), value=first_example, label="Example queries")
            query = gr.Code(EXAMPLE_QUERIES[first_example], language="sql", label="Query (prefixes pkg:, nif:, dcterms:, skos:, prov:, qb: … are predeclared)", lines=10,
                            elem_id="sparql-query")
            run = gr.Button("Run", variant="primary", elem_id="sparql-run")
            message = gr.Markdown(elem_id="sparql-message")
            table = fit_table(label="Results", interactive=False, elem_id="sparql-table")
            download = gr.File(label="Download CSV")
            gr.Markdown("The same graph answers SPARQL 1.1 Protocol requests at [`/sparql`](/sparql) (GET or POST; JSON, XML, CSV, TSV).")
            example.change(lambda k: EXAMPLE_QUERIES[k], example, query, api_visibility="private")
            run.click(run_sparql, query, [table, download, message], api_name="sparql")
        with gr.Tab("Documents"):
            if bench is not None:
                gr.Markdown("Add documents to the knowledge base: they are kept in its `uploads` folder and ingested at "
                            "once (graph, records and search index); the outcome of each file shows below. Documents "
                            "added here can be removed here; the corpus's own cannot.")
                d_upload = gr.File(label="Upload documents (txt, md, html, pdf, docx)", file_count="multiple",
                                   file_types=UPLOAD_TYPES, type="filepath", elem_id="documents-upload", height=140)
            d_outcome = gr.Markdown(elem_id="documents-outcome")
            docs = fit_table(document_cols, {"doc": 15, "title": 23, "language": 9, "issued": 9, "publisher": 10,
                                             "format": 7, "origin": 9, "sentences": 9, "characters": 9},
                             label="Ingested documents", interactive=False, elem_id="documents-table")
            with gr.Row():
                doc_pick = gr.Dropdown(label="Read a document", choices=[], elem_id="documents-pick", scale=3, min_width=240)
                doc_find = gr.Textbox(label="Find in the document", placeholder="a word or phrase; Enter",
                                      elem_id="documents-find", scale=2, min_width=200)
            with gr.Row():
                doc_ttl = gr.DownloadButton("Download this document's graph (Turtle)", value=None, interactive=False,
                                            elem_id="documents-turtle", size="sm")
                doc_remove = gr.Button("Remove this document", variant="stop", size="sm", elem_id="documents-remove",
                                       visible=bench is not None)
            doc_found = gr.Markdown(elem_id="documents-found")
            doc_html = document_view(elem_id="documents-view")
            refresh = gr.Button("Refresh", size="sm")
            refresh.click(refresh_docs, doc_pick, [docs, doc_pick], api_visibility="private")
            demo.load(refresh_docs, doc_pick, [docs, doc_pick], api_visibility="private")
            doc_pick.change(show_document, [doc_pick, doc_find], [doc_html, doc_found], api_visibility="private").then(
                document_turtle, doc_pick, doc_ttl, api_visibility="private")
            doc_find.submit(show_document, [doc_pick, doc_find], [doc_html, doc_found], api_visibility="private")
            if bench is not None:
                d_upload.upload(upload, d_upload, [d_upload, d_outcome], api_visibility="private").then(
                    refresh_docs, doc_pick, [docs, doc_pick], api_visibility="private")
                doc_remove.click(remove, doc_pick, d_outcome, api_visibility="private").then(
                    refresh_docs, doc_pick, [docs, doc_pick], api_visibility="private")
        # the status line, and every table read again when the build or a write finishes
        gr.Timer(2.0).tick(tick, seen_writes, [status, seen_writes], api_visibility="private")
        seen_writes.change(refresh_after_write, [f_region, f_metric, f_year, e_type, e_name, doc_pick, c_indicator],
                           f_outputs + e_outputs + [docs, doc_pick, c_indicator], api_visibility="private")
    return demo


def create_app(settings: Settings, build: bool = True, corpus=None):
    """The FastAPI application: Gradio UI at / and the SPARQL endpoint at /sparql."""
    from fastapi import FastAPI

    kb = KnowledgeBase(settings)
    builder = BackgroundBuild(kb, corpus) if build else None
    api = FastAPI(title="policykg")
    pool = sparql_routes(api, lambda: kb)
    demo = build_ui(kb, builder, run_query=pool.result)
    app = gr.mount_gradio_app(api, demo, path="/", max_file_size=settings.max_upload_bytes, css=APP_CSS)
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
