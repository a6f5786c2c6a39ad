"""The policykg ontology, SHACL shapes and SKOS vocabularies, shipped as package data."""

from importlib.resources import files
from pathlib import Path

ONTOLOGY_FILE = "policykg.ttl"
SHAPES_FILE = "shapes.ttl"
REGIONS_FILE = "regions.ttl"
STANDARD_FILE = "standard-2021.ttl"


def path(name: str) -> Path:
    """Return the filesystem path of one of the shipped Turtle files."""
    return Path(str(files(__name__).joinpath(name)))
