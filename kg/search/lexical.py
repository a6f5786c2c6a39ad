"""BM25 over sentences, with a tokenizer chosen by language, kept in appendable segments.

The scores are those of ``bm25s`` (method "lucene", k1 1.5, b 0.75, float32) over the rows
that are live: ``tests/test_incremental.py`` checks them against ``bm25s.BM25`` built from
scratch. Unlike a ``bm25s`` index, nothing corpus-wide is precomputed: each row keeps its
terms and their counts, and the statistics BM25 needs (rows, average length, document
frequency of the query's terms) are summed over the live rows when a query is scored. So
adding a document appends its rows (its sentences are tokenised once, when it is added),
and removing one marks its rows dead (``kill``); neither touches the other rows.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

from ingest import lang
from kg.search.snapshot import write_replacing

_WORD = re.compile(r"[^\W_\u3400-\u9fff]+(?:[.,:][0-9]+)*|[\u3400-\u9fff]+")  # letters of any script; Han apart

K1, B = 1.5, 0.75  # bm25s's defaults
METHOD = "lucene"


def tokenize(text: str, language: str = "en") -> list[str]:
    """Lower-cased word tokens, each turned into index terms by the pack of its script's language
    (English by default; see ``LanguagePack.index_terms``)."""
    out = []
    scripted = [p for p in lang.packs() if p.script is not None]
    latin = lang.get("en")
    for tok in _WORD.findall(text.lower()):
        pack = next((p for p in scripted if p.in_script(tok[0])), latin)
        out += pack.index_terms(tok)
    return out


def _save_array(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as fh:  # a file object: ``np.save`` would add ".npy" to a name
        np.save(fh, array, allow_pickle=False)


class _Segment:
    """Rows ``first .. first + rows - 1``: their lengths, and one entry per (row, distinct term)."""

    def __init__(self, first: int, vocab: list[str], lengths: np.ndarray, entry_row: np.ndarray,
                 entry_term: np.ndarray, entry_tf: np.ndarray):
        self.first = first
        self.vocab = vocab
        self.ids = {t: i for i, t in enumerate(vocab)}
        self.lengths = lengths  # int32, one per row
        self.entry_row = entry_row  # int32, row within the segment
        self.entry_term = entry_term  # int32, into vocab
        self.entry_tf = entry_tf  # float32

    @classmethod
    def from_tokens(cls, first: int, token_lists: list[list[str]]) -> "_Segment":
        ids: dict[str, int] = {}
        rows, terms, tfs, lengths = [], [], [], []
        for r, tokens in enumerate(token_lists):
            tokens = tokens or [""]  # as bm25s indexes an empty row
            lengths.append(len(tokens))
            counts: dict[int, int] = {}
            for t in tokens:
                i = ids.setdefault(t, len(ids))
                counts[i] = counts.get(i, 0) + 1
            rows += [r] * len(counts)
            terms += counts.keys()
            tfs += counts.values()
        return cls(first, list(ids), np.asarray(lengths, dtype=np.int32), np.asarray(rows, dtype=np.int32),
                   np.asarray(terms, dtype=np.int32), np.asarray(tfs, dtype=np.float32))

    def __len__(self) -> int:
        return len(self.lengths)

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(global rows, term counts) of the rows holding ``term``."""
        i = self.ids.get(term)
        if i is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        hit = np.flatnonzero(self.entry_term == i)
        return self.entry_row[hit].astype(np.int64) + self.first, self.entry_tf[hit]

    def save(self, path: Path) -> None:
        write_replacing(path, lambda tmp: self._write(tmp))

    def _write(self, tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, first=np.int64(self.first), lengths=self.lengths, entry_row=self.entry_row,
                     entry_term=self.entry_term, entry_tf=self.entry_tf,
                     vocab=np.frombuffer(json.dumps(self.vocab, ensure_ascii=False).encode("utf-8"), dtype=np.uint8))

    @classmethod
    def load(cls, path: Path) -> "_Segment":
        with np.load(path, allow_pickle=False) as z:
            vocab = json.loads(z["vocab"].tobytes().decode("utf-8"))
            return cls(int(z["first"]), vocab, z["lengths"], z["entry_row"], z["entry_term"], z["entry_tf"])

    @classmethod
    def merge(cls, first: int, parts: list["_Segment"], keep: np.ndarray) -> "_Segment":
        """One segment of the rows of ``parts`` (consecutive) for which ``keep`` (by global row) is
        true, renumbered from ``first``; terms are never re-read from text."""
        ids: dict[str, int] = {}
        rows, terms, tfs, lengths = [], [], [], []
        base = 0
        for seg in parts:
            kept = keep[seg.first : seg.first + len(seg)]
            new_row = np.cumsum(kept) - 1 + base  # the new number of each kept row
            remap = np.asarray([ids.setdefault(t, len(ids)) for t in seg.vocab], dtype=np.int32)
            mask = kept[seg.entry_row]
            rows.append(new_row[seg.entry_row[mask]].astype(np.int32))
            terms.append(remap[seg.entry_term[mask]] if len(remap) else seg.entry_term[mask])
            tfs.append(seg.entry_tf[mask])
            lengths.append(seg.lengths[kept])
            base += int(kept.sum())
        cat = lambda xs, dt: np.concatenate(xs).astype(dt) if xs else np.zeros(0, dtype=dt)  # noqa: E731
        return cls(first, list(ids), cat(lengths, np.int32), cat(rows, np.int32), cat(terms, np.int32),
                   cat(tfs, np.float32))


class BM25Index:
    """BM25 over pre-tokenised rows (sentences), in segments that rows are appended to.

    ``append(token_lists)`` adds rows after the last one; ``kill(rows)`` takes rows out of every
    score and statistic; ``compact(keep)`` drops the dead rows and renumbers the rest.
    """

    TAIL_ROWS = 20_000  # a segment takes appended rows until it has this many; then a new one starts

    def __init__(self):
        self._parts: list[_Segment | Path] = []  # a segment, or the file it is read from when needed
        self._sizes: list[int] = []  # rows of each segment
        self._live = np.zeros(0, dtype=bool)
        self._dirty: set[int] = set()  # segments to save
        self._read = lambda path, load: load(path)  # how a file is read (``load``)

    @property
    def _segments(self) -> list[_Segment]:
        return [self._segment(i) for i in range(len(self._parts))]

    def _segment(self, i: int) -> _Segment:
        part = self._parts[i]
        if isinstance(part, Path):
            part = self._parts[i] = self._read(part, _Segment.load)
        return part

    # -- building ----------------------------------------------------------
    def build(self, token_lists: list[list[str]]) -> None:
        """Replace the contents with these rows (row i is ``token_lists[i]``)."""
        self._parts = [_Segment.from_tokens(0, token_lists)] if token_lists else []
        self._sizes = [len(token_lists)] if token_lists else []
        self._live = np.ones(len(token_lists), dtype=bool)
        self._dirty = set(range(len(self._parts)))

    def append(self, token_lists: list[list[str]]) -> None:
        """Add rows numbered from ``len(self)`` on; other rows are not touched."""
        if not token_lists:
            return
        first = self.rows
        new = _Segment.from_tokens(first, token_lists)
        if self._parts and self._sizes[-1] + len(new) <= self.TAIL_ROWS:
            last = self._segment(len(self._parts) - 1)
            self._parts[-1] = _Segment.merge(last.first, [last, new], np.ones(first + len(new), dtype=bool))
            self._sizes[-1] += len(new)
        else:
            self._parts.append(new)
            self._sizes.append(len(new))
        self._live = np.concatenate([self._live, np.ones(len(token_lists), dtype=bool)])
        self._dirty.add(len(self._parts) - 1)

    def kill(self, rows) -> None:
        """Take these rows out of the index (they keep their numbers until ``compact``)."""
        rows = np.asarray(list(rows), dtype=np.int64)
        if len(rows):
            self._live[rows] = False

    def compact(self, keep: np.ndarray) -> None:
        """Keep only the rows where ``keep`` is true, renumbered from 0 in order, in one segment."""
        keep = np.asarray(keep, dtype=bool)
        merged = _Segment.merge(0, self._segments, keep) if self._parts else None
        self._parts = [merged] if merged is not None and len(merged) else []
        self._sizes = [len(p) for p in self._parts]
        self._live = np.ones(int(keep.sum()), dtype=bool)
        self._dirty = set(range(len(self._parts)))

    @property
    def rows(self) -> int:
        """Rows numbered so far, dead ones included."""
        return len(self._live)

    @property
    def live(self) -> np.ndarray:
        return self._live

    # -- scoring -------------------------------------------------------------
    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """A BM25 score for every row, as ``bm25s`` scores a fresh index of the live rows (dead rows
        and rows where nothing matches: 0)."""
        n_rows = self.rows
        out = np.zeros(n_rows, dtype=np.float32)
        live = self._live
        n = int(live.sum())
        if not n or not query_tokens:
            return out
        segments = self._segments
        lengths = np.concatenate([s.lengths for s in segments])
        avg = lengths[live].astype(np.int64).mean()  # as bm25s: the mean of the (integer) lengths
        postings: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}
        for term in dict.fromkeys(query_tokens):
            parts = [s.postings(term) for s in segments]
            rows = np.concatenate([p[0] for p in parts])
            tfs = np.concatenate([p[1] for p in parts])
            alive = live[rows]
            rows, tfs = rows[alive], tfs[alive]
            if not len(rows):
                continue
            df = len(rows)
            idf = np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5)))
            dl = lengths[rows].astype(np.float64)
            tf = tfs.astype(np.float64)
            # bm25s: tf / (k1 * ((1 - b) + b * l_d / l_avg) + tf) in float64, times the float32 idf, kept as float32
            tfc = tf / (K1 * ((1 - B) + (B * dl) / avg) + tf)
            postings[term] = (rows, (idf * tfc).astype(np.float32))
        for term in query_tokens:  # in the query's order, a repeated term counted again (as bm25s)
            if term in postings:
                rows, s = postings[term]
                np.add.at(out, rows, s)
        return out


    # -- files ---------------------------------------------------------------
    def save(self, folder) -> None:
        """Write the segments changed since the last save (and the live mask) into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        names = {f"segment.{i}.npz" for i in range(len(self._parts))}
        for i in sorted(self._dirty):
            if i < len(self._parts):
                self._segment(i).save(folder / f"segment.{i}.npz")
        self._dirty = set()
        for old in folder.glob("segment.*.npz"):
            if old.name not in names:
                old.unlink()
        live = np.packbits(self._live)
        write_replacing(folder / "live.npy", lambda tmp: _save_array(tmp, live))
        rows = json.dumps({"rows": self.rows, "sizes": self._sizes})
        write_replacing(folder / "rows.json", lambda tmp: tmp.write_text(rows))

    def load(self, folder, rows: int, read=None) -> None:
        """Read what ``save`` wrote (segments are read when first needed); ``rows`` is what the
        caller's table holds (a mismatch raises). ``read(path, load)`` reads each file (default:
        ``load(path)``; ``Snapshot.read`` checks it is the version the caller's table names)."""
        folder = Path(folder)
        self._read = read or (lambda path, load: load(path))
        meta = self._read(folder / "rows.json", lambda p: json.loads(p.read_text()))
        sizes = [int(n) for n in meta["sizes"]]
        if meta["rows"] != rows or sum(sizes) != rows:
            raise ValueError(f"the BM25 index in {folder} has {meta['rows']} rows, the table {rows}")
        paths = [folder / f"segment.{i}.npz" for i in range(len(sizes))]
        missing = [p for p in paths if not p.is_file()]
        if missing:
            raise FileNotFoundError(missing[0])
        self._parts, self._sizes = list(paths), sizes
        self._live = np.unpackbits(self._read(folder / "live.npy", np.load))[:rows].astype(bool)
        self._dirty = set()
