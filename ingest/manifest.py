"""corpus/manifest.csv: per-file metadata (title, publisher, issued, language, kind)."""

from __future__ import annotations

import csv
from pathlib import Path

MANIFEST_NAME = "manifest.csv"
FIELDS = ("title", "publisher", "issued", "language", "kind")


def load(folder: Path) -> dict[str, dict[str, str]]:
    """Rows of ``folder/manifest.csv`` keyed by file name; empty cells dropped.

    A missing manifest is an empty one: documents without a row still ingest.
    """
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise ValueError(f"{path}: the first row must name the columns, including 'file'")
        return {
            row["file"].strip(): {k: row[k].strip() for k in FIELDS if (row.get(k) or "").strip()}
            for row in reader
            if (row.get("file") or "").strip()
        }
