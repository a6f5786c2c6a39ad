"""The RDF graph: namespaces, builders of each document's and the corpus-wide graphs, indicators,
stores, SPARQL and SHACL validation."""

# Versions of the rules that turn records into triples (part of the pipeline version,
# kg.state): bump one when its rules change, so every document is re-processed.
RULE_SETS = {"document": "1", "observations": "2", "entities": "2", "indicators": "9", "regions": "1"}
