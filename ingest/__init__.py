"""Text in, records out: readers, normalising, sentences with offsets.

Public API: ``process(path, meta)`` -> ``DocumentRecord``; ``read_file``;
``ReaderError``; ``SUPPORTED_SUFFIXES``; ``manifest.load``.
"""

from ingest.pipeline import file_sha256, process
from ingest.readers import SUPPORTED_SUFFIXES, ReaderError, read_file
from ingest.records import DocumentRecord, Span

__all__ = ["process", "file_sha256", "read_file", "ReaderError", "SUPPORTED_SUFFIXES", "DocumentRecord", "Span"]
