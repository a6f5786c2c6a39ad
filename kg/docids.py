"""Document ids from file names: unique, stable, and safe to build IRIs and file names from.

A document's id is its file stem when the stem is already *plain*: what
``kg.graph.namespaces.slug`` would make of it anyway (lower case, word characters
and single hyphens, no dots or spaces; Chinese and other letters are kept) and
at most ``MAX_PLAIN_BYTES`` long. ``2026-chongqing-government-work-report`` and
``000_10a0665f39ccdb0a`` are their own ids. Any other name (``Hunan-Report.txt``,
``my report.txt``, ``report.v2.md``, a very long name) gets its plain form, cut to
``BASE_CHARS`` characters, plus a short hash of the whole file name:
``hunan-report-2c1f4b7e``. Two names that differ only in case or punctuation so
never share an id, and the id depends on the file's name alone.

Which candidate a file gets when one is taken (``report.txt`` beside
``report.md``, or a crafted name) is decided by ``kg.build.Builder``, which keeps
the id the ledger already gives a file, so ids are stable across runs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from itertools import count
from typing import Iterator

MAX_PLAIN_BYTES = 100  # longest stem (UTF-8) used as an id as it is
MAX_ID_BYTES = 200  # longest id of any kind (records/<id>.json must stay under the 255-byte name limit)
BASE_CHARS, BASE_BYTES = 48, 120  # how much of a name is kept in front of the hash


def fold(text: str) -> str:
    """``slug`` without percent-encoding: NFKC, lower case, runs of non-word characters to '-'."""
    s = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"[^\w]+", "-", s).strip("-")


def is_valid(doc_id: str) -> bool:
    """Whether ``doc_id`` is an id this module can give: its own ``fold``, at most ``MAX_ID_BYTES`` long.
    Distinct valid ids make distinct IRIs (``slug`` leaves them as they are, percent-encoding aside)."""
    return bool(doc_id) and fold(doc_id) == doc_id and len(doc_id.encode("utf-8")) <= MAX_ID_BYTES


def is_plain(name_stem: str) -> bool:
    """Whether a file stem is its own id (valid and at most ``MAX_PLAIN_BYTES`` long)."""
    return is_valid(name_stem) and len(name_stem.encode("utf-8")) <= MAX_PLAIN_BYTES


def stem(name: str) -> str:
    """A file name without its last suffix (``a.b.txt`` -> ``a.b``)."""
    return name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name


def candidates(name: str) -> Iterator[str]:
    """The ids a file named ``name`` may take, in order of preference (endless; all valid)."""
    own = stem(name)
    if is_plain(own):
        yield own
    base = fold(own)[:BASE_CHARS]
    while len(base.encode("utf-8")) > BASE_BYTES:
        base = base[:-1]
    base = base.strip("-")
    if not is_valid(f"{base}-0"):  # letters whose case or compatibility forms do not settle
        base = re.sub(r"[^a-z0-9_-]+", "-", base).strip("-")
    base = base or "doc"
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()
    yield f"{base}-{digest[:8]}"
    yield f"{base}-{digest[:16]}"
    yield f"{base}-{digest}"
    for n in count(2):
        yield f"{base}-{digest}-{n}"
