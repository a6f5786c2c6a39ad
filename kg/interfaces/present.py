"""HTML and table renderings shared by the app: citations, documents with a
highlighted span, example queries. Pure functions of library objects."""

from __future__ import annotations

import html
import re
import string
from dataclasses import dataclass

from ingest.records import DocumentRecord

from kg.qa.answer import Answer

EXAMPLE_QUERIES = {
    "Documents: title, date, language, publisher": """SELECT DISTINCT ?doc ?title ?issued ?language ?publisher WHERE {
  ?d a pkg:Document ; dcterms:identifier ?doc ; dcterms:title ?title ; dcterms:language ?language .
  OPTIONAL { ?d dcterms:issued ?issued }
  OPTIONAL { ?d dcterms:publisher/skos:prefLabel ?publisher . FILTER (LANG(?publisher) = "") }
}
ORDER BY ?doc""",
    "Sentences that mention hospital beds, with offsets": """SELECT ?doc ?start ?end ?sentence WHERE {
  ?s a nif:Sentence ; nif:anchorOf ?sentence ; nif:beginIndex ?start ; nif:endIndex ?end ;
     dcterms:isPartOf/dcterms:identifier ?doc .
  FILTER (CONTAINS(LCASE(?sentence), "beds"))
}
ORDER BY ?doc ?start""",
    "Sentences and paragraphs per document": """SELECT ?doc (COUNT(DISTINCT ?s) AS ?sentences) (COUNT(DISTINCT ?p) AS ?paragraphs) WHERE {
  ?d a pkg:Document ; dcterms:identifier ?doc .
  ?s a nif:Sentence ; dcterms:isPartOf ?d ; nif:superString ?p .
}
GROUP BY ?doc
ORDER BY DESC(?sentences)""",
    "Provenance: how each document was read": """SELECT ?doc ?reader ?segmenter ?software WHERE {
  ?ctx nif:sourceUrl ?d ; prov:wasGeneratedBy ?run .
  ?d dcterms:identifier ?doc .
  ?run pkg:reader ?reader ; pkg:segmenter ?segmenter ; prov:wasAssociatedWith/rdfs:label ?software .
}
ORDER BY ?doc""",
    "Sentences in Chinese documents about basic public services (基本公共服务)": """SELECT ?title ?sentence WHERE {
  ?d a pkg:Document ; dcterms:language "zh"^^xsd:language ; dcterms:title ?title .
  ?s a nif:Sentence ; dcterms:isPartOf ?d ; nif:anchorOf ?sentence .
  FILTER (CONTAINS(?sentence, "基本公共服务"))
}
LIMIT 20""",
    "The national standard's aspects, Chinese and English labels": """SELECT ?notation ?zh ?en WHERE {
  ?aspect a pkg:ServiceAspect ; skos:notation ?notation ; skos:prefLabel ?zh , ?en .
  FILTER (LANG(?zh) = "zh" && LANG(?en) = "en")
}
ORDER BY ?notation""",
    "Figures from the Chinese report with Chinese region labels (参保)": """SELECT ?figure ?metric ?region WHERE {
  ?o a pkg:Observation ; pkg:metricLabel ?metric ; pkg:figureSpan/nif:anchorOf ?figure ; pkg:refArea/skos:prefLabel ?region .
  FILTER (LANG(?region) = "zh" && CONTAINS(?metric, "参保"))
}""",
    "Indicators with labels in both languages (指标中英文名称)": """SELECT ?zh ?en ?rule (COUNT(?o) AS ?figures) WHERE {
  ?i a pkg:Metric ; skos:prefLabel ?zh , ?en ; pkg:groupingRule ?rule .
  FILTER (LANG(?zh) = "zh" && LANG(?en) = "en")
  ?o pkg:indicator ?i .
}
GROUP BY ?zh ?en ?rule
ORDER BY DESC(?figures) ?zh""",
    "Ontology classes with their labels": """SELECT ?class ?label WHERE {
  ?class a owl:Class ; rdfs:label ?label .
  FILTER (LANG(?label) = "en")
}
ORDER BY ?class""",
}


# -- text from documents and users ----------------------------------------------------------------
# Everything that comes from a document, a manifest, a user or an error message is text: it is put on
# the page through one of these three, never as markup. Our own markup (highlights, lists) goes around it.


def text_html(text) -> str:
    """Any text as HTML that shows exactly that text: ``<``, ``>``, ``&`` and quotes escaped, so a
    document's ``<b>``, ``<img>`` or ``<script>`` reads as those characters (also inside attributes)."""
    return html.escape("" if text is None else str(text), quote=True)


esc = text_html


def chat_text(text) -> str:
    """Text for a chat bubble (a ``gr.Chatbot(render_markdown=False)``, whose messages are still HTML):
    ``text_html`` with line breaks kept as ``<br>``."""
    return "<br>".join(text_html(line) for line in str("" if text is None else text).splitlines())


def md_text(text) -> str:
    """Text for a ``gr.Markdown`` line, shown as written: every ASCII punctuation character is a
    numeric character reference, which Markdown never reads as structure (no emphasis, links, code,
    headings, LaTeX ``$$``, autolinked URLs or HTML tags); line breaks are ``<br>``."""
    return _md_chars(str("" if text is None else text).strip())


def _md_chars(text: str) -> str:
    return "<br>".join("".join(f"&#{ord(ch)};" if ch in _PUNCTUATION else ch for ch in line) for line in text.splitlines())


_PUNCTUATION = frozenset(string.punctuation)


def md_message(text) -> str:
    """A message (an error, a refusal) for a ``gr.Markdown`` line: ``md_text``, except that a span in
    backticks, the way messages name a command (`policykg ingest`), is shown once, in ``<code>``, without
    its backticks. The span's characters are text like the rest (escaped the same way)."""
    parts = str("" if text is None else text).strip().split("`")
    if len(parts) % 2 == 0 or any(not p.strip() for p in parts[1::2]):  # an unpaired or empty span: all text
        return md_text(text)
    return "".join(_md_chars(p) if i % 2 == 0 else f"<code>{_md_chars(p)}</code>" for i, p in enumerate(parts))


def citations_html(answer: Answer) -> str:
    """A numbered list of the answer's citations: title, document, offsets, the sentence."""
    if not answer.citations:
        return "<p><em>No citations.</em></p>"
    items = []
    for i, c in enumerate(answer.citations, 1):
        items.append(
            f"<li><b>[{i}] {esc(c.title or c.doc)}</b><br>"
            f"<small><code>{esc(c.doc)}</code> · characters {c.start}–{c.end} · score {c.score:.4f}</small>"
            f"<blockquote style='margin:4px 0 10px 0'>{esc(' '.join(c.quote.split()))}</blockquote></li>"
        )
    return "<ol style='padding-left:1.2em'>" + "".join(items) + "</ol>"


def document_html(rec: DocumentRecord, start: int | None = None, end: int | None = None, context: int | None = None,
                  figures: list[tuple[int, int]] = ()) -> str:
    """The document's extracted text with ``[start, end)`` highlighted (and, inside it, ``figures`` in bold).

    The text is shown exactly as extracted (whitespace preserved), so what is
    highlighted is the cited characters themselves. The text is in a scrollable
    box (class ``DOCUMENT_BOX``); the highlight is ``<mark id="cited" class="CITED">``
    and each figure in it ``<b class="FIGURE">``: the app's ``SCROLL_JS`` scrolls the box
    (only the box) to the highlight.
    """
    text = rec.text
    head = (f"<div><b>{esc(rec.title)}</b><br><small><code>{esc(rec.doc_id)}</code> · {esc(rec.language)}"
            f"{' · ' + esc(rec.issued) if rec.issued else ''}{' · ' + esc(rec.publisher) if rec.publisher else ''}"
            f" · {len(text):,} characters</small></div>")
    if start is None or end is None:
        body = esc(text)
    else:
        lo = 0 if context is None else max(0, start - context)
        hi = len(text) if context is None else min(len(text), end + context)
        inner, pos = "", start
        for a, b in sorted(f for f in figures if start <= f[0] < f[1] <= end):
            inner += esc(text[pos:a]) + f"<b class='{FIGURE}' style='background:#ffb703'>" + esc(text[a:b]) + "</b>"
            pos = b
        inner += esc(text[pos:end])
        body = (("…" if lo else "") + esc(text[lo:start]) + f"<mark id='cited' class='{CITED}' style='background:#ffe066'>"
                + inner + "</mark>" + esc(text[end:hi]) + ("…" if hi < len(text) else ""))
    cited = "" if start is None or end is None else f" data-cited='{esc(rec.doc_id)}:{start}-{end}'"
    return (head + f"<div class='{DOCUMENT_BOX}'{cited} style='white-space:pre-wrap;overflow-wrap:anywhere;max-height:480px;"
            "overflow-y:auto;position:relative;border:1px solid #ddd;padding:8px;font-size:0.9em;line-height:1.45'>"
            + body + "</div>")


DOCUMENT_BOX = "doc-box"  # the scrollable box a document's text is shown in
CITED = "cited"  # the highlighted (cited) characters in it
FIGURE = "figure"  # a stated figure inside the highlight


def trace_html(trace, rec: DocumentRecord) -> str:
    """One figure's provenance: its fields, the document around it with the figure
    highlighted, the extraction rule and the SPARQL query that returns it."""
    fields = [
        ("figure", f"{trace.quote} = {trace.value} {trace.unit}"), ("metric", trace.metric),
        ("indicator", trace.indicator or "—"), ("region", trace.region or "—"), ("period", trace.period or "—"),
        ("status", trace.status), ("document", f"{trace.title} ({trace.doc}{', ' + trace.issued if trace.issued else ''})"),
        ("characters", f"{trace.start}–{trace.end} (sentence {trace.sentence_start}–{trace.sentence_end})"),
        ("extracted by", f"rule {trace.rule}, {trace.software}"), ("IRI", trace.iri),
    ]
    table = "".join(f"<tr><th style='text-align:left;padding-right:12px'>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in fields)
    return (f"<table>{table}</table>" + document_html(rec, trace.start, trace.end, context=400)
            + "<details><summary>SPARQL that returns this figure</summary><pre style='white-space:pre-wrap'>"
            + esc(trace.sparql) + "</pre></details>")


def _marked(sentence: str, part: str) -> str:
    """The sentence as HTML with the first occurrence of ``part`` in ``<mark>`` (found in the text,
    then escaped piece by piece, so a name like "lt" cannot land inside an escaped ``&lt;``)."""
    at = sentence.find(part) if part else -1
    if at < 0:
        return esc(sentence)
    return esc(sentence[:at]) + f"<mark>{esc(part)}</mark>" + esc(sentence[at + len(part):])


def entity_html(page: dict) -> str:
    """An entity's page: its facts, where documents name it, and (regions) its figures."""
    facts = "".join(
        f"<tr><th style='text-align:left;padding-right:12px'>{esc(f['property'].rsplit('#', 1)[-1].rsplit('/', 1)[-1])}</th>"
        f"<td>{esc(f.get('valueLabel') or f['value'])}</td></tr>"
        for f in page["facts"] if not f["property"].endswith("wasDerivedFrom"))
    mentions = "".join(
        f"<li><b>{esc(m['title'])}</b> <small><code>{esc(m['doc'])}</code> {m['start']}–{m['end']}</small><br>"
        + _marked(m["sentence"], m["text"]) + "</li>"
        for m in page["mentions"])
    figures = "".join(
        f"<li>{esc(o['quote'])} — {esc(o['metric'])} ({esc(o.get('period') or 'no period')}; <code>{esc(o['doc'])}</code>)</li>"
        for o in page["observations"])
    return (f"<h3>{esc(page['iri'])}</h3><table>{facts}</table>"
            f"<h4>Mentions ({len(page['mentions'])})</h4><ol>{mentions or '<li>none</li>'}</ol>"
            + (f"<h4>Figures ({len(page['observations'])})</h4><ul>{figures}</ul>" if page["observations"] else ""))


# -- comparisons and charts -----------------------------------------------------------------------
COMPARISON_COLUMNS = ["region", "figure", "value", "upper", "unit", "qualifier", "period", "status", "role", "doc",
                      "start", "end", "note"]


def comparison_summary(comparison, label: str | None = None) -> str:
    """One Markdown line: indicator, period, status, role, unit, how many regions state it, how many do not."""
    c = comparison
    parts = [f"period {c.period or 'any'}", f"status {c.status or 'any'}", f"role {c.role or 'any'}",
             f"unit {c.unit or '—'}", f"{len(c.rows)} regions", f"{len(c.missing)} missing"]
    if c.national is not None:
        parts.append(f"national: {c.national.figure}")
    if c.excluded:
        parts.append(f"{len(c.excluded)} figures of another period, status, role or unit not compared")
    return f"**{md_text(label or c.indicator)}** · " + " · ".join(md_text(p) for p in parts)


def comparison_table(comparison) -> tuple[list[list], list[str | None]]:
    """The comparison as table rows (``COMPARISON_COLUMNS``): one per region with a figure, then one
    per missing region with a note; and each row's observation IRI (None for a missing region)."""
    rows, iris = [], []
    for r in comparison.rows:
        rows.append([r.region, r.figure, r.value, "" if r.upper is None else r.upper, r.unit, r.qualifier or "", r.period or "", r.status, r.role,
                     r.doc, r.start, r.end, f"{r.others} more figure(s) in the document" if r.others else ""])
        iris.append(r.iri)
    for m in comparison.missing:
        rows.append([m["region"], "—", "", "", "", "", "", "", "", "", "", "", m["reason"]])
        iris.append(None)
    return rows, iris


def indicator_choices(indicators: list[dict]) -> list[tuple[str, str]]:
    """Dropdown choices for ``KnowledgeBase.indicators()``: ("zh · en (N regions)", IRI)."""
    out = []
    for i in indicators:
        names = " · ".join(n for n in (i.get("zh"), i.get("en")) if n) or i["iri"].rsplit("/", 1)[-1]
        out.append((f"{names} ({i['regions']} regions)", i["iri"]))
    return out


@dataclass(frozen=True)
class IndicatorMenuRule:
    """Which indicators the Figures tab offers to chart: those with at least ``minimum_figures``
    figures (with a value) whose label names something. Not offered:

    - a bare number or counter: what is left of the label after a leading quantity (digits, Chinese
      numerals) and punctuation has fewer than ``minimum_letters`` letters ("1类", "3年", "个");
    - a bare unit: the label is the unit its figures are counted in (case, quotes and spaces aside),
      so it names only the things counted, not what is measured ("高效" counted in "高效", "yuan"
      in "yuan"); a unit that names a rate (one of ``rate_words``, as in "beds per 1,000 people")
      says what is measured and is kept;
    - a numbering: its figures are the integers 1, 2, 3 … n (n at least ``numbering``, each once), as
      when numbered headings ("Section 12.", "Annex 3.") were read as figures.
    """

    minimum_figures: int = 2
    minimum_letters: int = 2
    numbering: int = 5
    leading_quantity: str = r"^[\s\d.,，．%％〇零一二两三四五六七八九十百千万亿]+"
    rate_words: tuple[str, ...] = (" per ", "每", "/")

    def letters(self, label: str) -> str:
        rest = re.sub(self.leading_quantity, "", label or "")
        return "".join(ch for ch in rest if ch.isalpha())

    def names_something(self, label: str, units, values=()) -> bool:
        """True unless ``label`` is a bare number, counter or unit, or its figures a numbering
        (``units``, ``values``: its figures' units and values)."""
        if len(self.letters(label)) < self.minimum_letters:
            return False
        values = sorted(float(v) for v in values if v is not None)
        if len(values) >= self.numbering and values == [float(i) for i in range(1, len(values) + 1)]:
            return False
        units = [u for u in units if u]
        same = [u for u in units if _plain(u) == _plain(label) and not any(w in f" {u} " for w in self.rate_words)]
        return not units or len(same) * 2 <= len(units)  # a bare unit for most of its figures


INDICATOR_MENU = IndicatorMenuRule()


def _plain(text: str) -> str:
    return "".join(ch for ch in str(text).casefold() if ch.isalnum())


def figure_indicators(rows: list[dict], rule: IndicatorMenuRule = INDICATOR_MENU) -> list[tuple[str, str]]:
    """The indicators of ``rows`` (observation dicts) worth charting by ``rule`` (``INDICATOR_MENU``),
    most figures first, as dropdown choices ("indicator (N figures)", indicator)."""
    from collections import Counter, defaultdict

    counts: Counter = Counter()
    units: dict[str, list] = defaultdict(list)
    values: dict[str, list] = defaultdict(list)
    for r in rows:
        if r.get("indicator") and r.get("value") is not None:
            counts[r["indicator"]] += 1
            units[r["indicator"]].append(r.get("unit"))
            values[r["indicator"]].append(r["value"])
    return [(f"{name} ({n} figures)", name) for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if n >= rule.minimum_figures and rule.names_something(name, units[name], values[name])]


def figure_bars(rows: list[dict], indicator: str | None):
    """The figures of one indicator in ``rows`` as chart bars (``charts.Bar``), in the unit most of
    them have, labelled by region, period and status (and document and offset where those repeat);
    returns (bars, unit, how many figures in other units were left out)."""
    from collections import Counter

    from kg.interfaces.charts import Bar

    chosen = [r for r in rows if indicator and r.get("indicator") == indicator and r.get("value") is not None]
    if not chosen:
        return [], None, 0
    unit = Counter(r["unit"] for r in chosen).most_common(1)[0][0]
    kept = [r for r in chosen if r["unit"] == unit]

    def where(r):
        return " ".join(x for x in (r.get("region") or "?", r.get("period") or "", r.get("status") or "") if x)

    seen = Counter(where(r) for r in kept)
    bars = [Bar(label=where(r) + (f" · {r['doc']}:{r['start']}" if seen[where(r)] > 1 else ""), value=float(r["value"]),
                upper=float(r["upper"]) if r.get("upper") is not None else None, note=r.get("qualifier"),
                iri=r["iri"], figure=r["quote"]) for r in kept]
    return bars, unit, len(chosen) - len(bars)

