"""Build ``ontology/standard-2021.ttl``, the structure of the National Basic Public
Service Standards (2021 Edition) as a SKOS concept scheme.

Source: ``ontology/vocab/national-standard-2021-structure.csv`` (columns notation,
level, parent, label_zh, label_en; a byte-for-byte copy of the project's shared
vocabulary, see ``ontology/vocab/README.md``). Every label in the output comes
from that file; the English labels there were translated for the project.

Output, in a fixed order (so the same input gives the same bytes):

* the standard, ``<https://policykg.org/id/standard/national-basic-public-service-standards-2021>``,
  a ``pkg:Standard`` and ``skos:ConceptScheme``, issued 2021, published by the
  National Development and Reform Commission, ``skos:hasTopConcept`` its aspects;
* each aspect (level ``aspect``) ``<.../national-basic-public-service-standards-2021/{notation}>``,
  a ``pkg:ServiceAspect`` and ``skos:Concept``, ``skos:topConceptOf`` the standard;
* each category (level ``category``, notation like ``1.2``, the "." kept in the
  IRI), a ``pkg:ServiceCategory`` and ``skos:Concept``, ``skos:broader`` its aspect;
* all with ``skos:notation``, ``skos:prefLabel`` @zh and @en, ``skos:inScheme``.

The grouping of the aspects (``pkg:group``): neither the CSV nor the standard's
table has a column for it, but the vocabulary's README says the file has "its 9
aspects (the "seven haves" and "two guarantees")". The script reads that phrase
from ``ontology/vocab/README.md`` (which quotes the source README verbatim) and
applies its rule literally: the groups are named in order, each with the size
its first word says (seven, two), and the aspects, in notation order, fill them
in turn -- so aspects 1-7 are "seven haves" and 8-9 "two guarantees". The sizes
must add up to the README's count and to the CSV's number of aspects, or the
build fails. As a cross-check against misordering, each "haves" aspect must have
a Chinese label of the form X有所Y (幼有所育 ... 弱有所扶) and each "guarantees"
aspect one ending in 保障 (优军服务保障, 文体服务保障).

Usage: ``python scripts/build_standard.py [--output PATH] [--date YYYY-MM-DD]``
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "ontology" / "vocab" / "national-standard-2021-structure.csv"
README = REPO / "ontology" / "vocab" / "README.md"
OUTPUT = REPO / "ontology" / "standard-2021.ttl"

COLUMNS = ["notation", "level", "parent", "label_zh", "label_en"]
STANDARD_SLUG = "national-basic-public-service-standards-2021"
STANDARD_IRI = f"https://policykg.org/id/standard/{STANDARD_SLUG}"
STANDARD_NAME = f"standard:{STANDARD_SLUG}"  # its prefixed name in the Turtle
PUBLISHER_IRI = "https://policykg.org/id/org/national-development-and-reform-commission"
TITLE_EN = "National Basic Public Service Standards (2021 Edition)"
TITLE_ZH = "国家基本公共服务标准（2021年版）"
ISSUED = "2021"

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
GROUPS_PHRASE = re.compile(r'(\d+) aspects \(the "([^"]+)" and "([^"]+)"\)')
# Cross-checks of the grouping, by the last word of the group's name.
GROUP_LABEL_CHECK = {"haves": re.compile(r"^.+有所.+$"), "guarantees": re.compile(r"保障$")}


@dataclass(frozen=True)
class Concept:
    notation: str
    level: str          # "aspect" or "category"
    parent: str         # the aspect's notation for a category, "" for an aspect
    label_zh: str
    label_en: str

    @property
    def key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.notation.split("."))


# ------------------------------------------------------------------ input

def load(source: Path = SOURCE) -> list[Concept]:
    """The rows of the CSV, checked, in notation order."""
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS:
            raise ValueError(f"{source}: expected columns {COLUMNS}, got {reader.fieldnames}")
        rows = [Concept(**{k: (v or "").strip() for k, v in row.items()}) for row in reader]
    check(rows, source)
    return sorted(rows, key=lambda c: c.key)


def check(rows: list[Concept], source: Path) -> None:
    """Fail loudly on anything the Turtle would silently get wrong."""
    seen: dict[str, Concept] = {}
    for c in rows:
        where = f"{source}: row {c.notation!r}"
        if c.notation in seen:
            raise ValueError(f"{where}: duplicate notation")
        seen[c.notation] = c
        if not c.label_zh or not c.label_en:
            raise ValueError(f"{where}: missing label")
        if c.level == "aspect":
            if not re.fullmatch(r"[1-9][0-9]*", c.notation) or c.parent:
                raise ValueError(f"{where}: an aspect needs a notation like '1' and no parent")
        elif c.level == "category":
            if not re.fullmatch(r"[1-9][0-9]*\.[1-9][0-9]*", c.notation):
                raise ValueError(f"{where}: a category needs a notation like '1.2'")
            if c.notation.split(".")[0] != c.parent:
                raise ValueError(f"{where}: notation does not start with parent {c.parent!r}")
        else:
            raise ValueError(f"{where}: unknown level {c.level!r}")
    for c in rows:
        if c.level == "category" and seen.get(c.parent, None) is None:
            raise ValueError(f"{source}: category {c.notation} has unknown parent {c.parent!r}")
        if c.level == "category" and seen[c.parent].level != "aspect":
            raise ValueError(f"{source}: parent of category {c.notation} is not an aspect")


def groups(concepts: list[Concept], readme: Path = README) -> dict[str, str]:
    """Aspect notation -> group name, from the README's phrase (see the docstring)."""
    text = " ".join(readme.read_text(encoding="utf-8").split())
    match = GROUPS_PHRASE.search(text)
    if not match:
        raise ValueError(f"{readme}: no phrase like '9 aspects (the \"seven haves\" and \"two guarantees\")'")
    total, names = int(match.group(1)), [match.group(2), match.group(3)]
    sizes = []
    for name in names:
        first = name.split()[0].lower()
        if first not in NUMBER_WORDS:
            raise ValueError(f"{readme}: cannot read a size from group name {name!r}")
        sizes.append(NUMBER_WORDS[first])
    aspects = [c for c in concepts if c.level == "aspect"]
    if sum(sizes) != total or total != len(aspects):
        raise ValueError(f"{readme}: groups of {sizes} aspects, README says {total}, "
                         f"CSV has {len(aspects)}")
    result: dict[str, str] = {}
    start = 0
    for name, size in zip(names, sizes):
        check_label = GROUP_LABEL_CHECK.get(name.split()[-1].lower())
        for aspect in aspects[start:start + size]:
            if check_label and not check_label.search(aspect.label_zh):
                raise ValueError(f"aspect {aspect.notation} {aspect.label_zh} does not look like "
                                 f"one of the {name!r}")
            result[aspect.notation] = name
        start += size
    return result


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------ Turtle

PREFIXES = f"""\
@prefix pkg:      <https://policykg.org/ns#> .
@prefix standard: <https://policykg.org/id/standard/> .
@prefix std:      <{STANDARD_IRI}/> .
@prefix rdfs:     <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl:      <http://www.w3.org/2002/07/owl#> .
@prefix xsd:      <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms:  <http://purl.org/dc/terms/> .
@prefix skos:     <http://www.w3.org/2004/02/skos/core#> .

pkg:group a owl:DatatypeProperty ;
    rdfs:label "group"@en ;
    rdfs:comment "The named group of a standard's aspects that an aspect belongs to, e.g. the \\"seven haves\\" or \\"two guarantees\\" of the National Basic Public Service Standards."@en ;
    rdfs:domain pkg:ServiceAspect .
"""


def literal(text: str, lang: str | None = None) -> str:
    """A Turtle string, language-tagged if ``lang`` is given."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"' + (f"@{lang}" if lang else "")


def concept_name(notation: str) -> str:
    """The prefixed name of a concept: std:1, std:1.2 (a "." inside a local name is Turtle 1.1)."""
    return f"std:{notation}"


def standard_block(concepts: list[Concept]) -> str:
    tops = [concept_name(c.notation) for c in concepts if c.level == "aspect"]
    lines = [f"{STANDARD_NAME} a pkg:Standard , skos:ConceptScheme",
             f"rdfs:label {literal(TITLE_EN, 'en')} , {literal(TITLE_ZH, 'zh')}",
             f"skos:prefLabel {literal(TITLE_EN, 'en')} , {literal(TITLE_ZH, 'zh')}",
             f"dcterms:issued {literal(ISSUED)}^^xsd:gYear",
             f"dcterms:publisher <{PUBLISHER_IRI}>",
             "skos:hasTopConcept " + " , ".join(tops)]
    return " ;\n    ".join(lines) + " .\n"


def concept_block(c: Concept, group: str | None) -> str:
    kind = "pkg:ServiceAspect" if c.level == "aspect" else "pkg:ServiceCategory"
    lines = [f"{concept_name(c.notation)} a {kind} , skos:Concept",
             f"skos:notation {literal(c.notation)}",
             f"skos:prefLabel {literal(c.label_zh, 'zh')} , {literal(c.label_en, 'en')}",
             f"skos:inScheme {STANDARD_NAME}"]
    if c.level == "aspect":
        lines.append(f"skos:topConceptOf {STANDARD_NAME}")
    else:
        lines.append(f"skos:broader {concept_name(c.parent)}")
    if group:
        lines.append(f"pkg:group {literal(group)}")
    return " ;\n    ".join(lines) + " .\n"


def header(date: str, source: Path, readme: Path) -> str:
    """The comment that names the source and the build date."""
    def shown(path: Path) -> str:
        return path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else path.name
    return (
        f"# {TITLE_EN}, {TITLE_ZH}:\n"
        "# its aspects and categories as a SKOS concept scheme.\n"
        f"# Generated by scripts/build_standard.py on {date} from\n"
        f"# {shown(source)} (sha256 {sha256(source)});\n"
        f"# aspect groups from the phrase quoted in {shown(readme)}.\n"
        "# English labels were translated for the project (not official).\n"
        "# Generated, do not edit: change the CSV and rerun the script.\n\n")


def to_turtle(concepts: list[Concept], grouping: dict[str, str], date: str,
              source: Path = SOURCE, readme: Path = README) -> str:
    """The whole file: header, prefixes, the standard, then aspects each followed by its categories."""
    parts = [header(date, source, readme), PREFIXES, "\n", standard_block(concepts)]
    for aspect in (c for c in concepts if c.level == "aspect"):
        parts += ["\n", concept_block(aspect, grouping.get(aspect.notation))]
        parts += [concept_block(c, None) for c in concepts
                  if c.level == "category" and c.parent == aspect.notation]
    return "".join(parts)


def build(output: Path = OUTPUT, date: str | None = None,
          source: Path = SOURCE, readme: Path = README) -> Path:
    """Read the CSV (and the README's grouping) and write the Turtle file to ``output``."""
    concepts = load(source)
    text = to_turtle(concepts, groups(concepts, readme),
                     date or dt.date.today().isoformat(), source, readme)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(text.encode("utf-8"))  # no newline translation: same bytes everywhere
    return output


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"default: {OUTPUT}")
    parser.add_argument("--date", default=None,
                        help="build date for the header (default: today)")
    args = parser.parse_args(argv)
    path = build(args.output, args.date)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
