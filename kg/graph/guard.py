"""Checks a SPARQL query must pass before any store parses it.

Oxigraph parses and evaluates queries recursively on the calling thread's stack,
so a query nested deeply enough, or one long flat list of patterns, overflows
the stack and kills the whole process (a segmentation fault, not an
exception). Measured on pyoxigraph 0.5 with an 8 MB stack, the smallest such
queries were: function calls nested 930 deep, braces 2,200 deep, parentheses
4,700 deep; 2,600 ``BIND``s or ``MINUS`` blocks in one group, 3,000 projected
expressions, a collection of 4,000 items. ``check_query`` refuses, before
parsing, anything nested deeper than ``MAX_DEPTH`` or holding more than
``MAX_GROUP_ITEMS`` tokens directly inside one bracket pair (or outside all
of them) — a factor of three or more below those crashes. Lists in
``VALUES`` blocks and ``IN (...)`` are exempt: they are flat in the store too
(20,000 values ran fine).

It also refuses ``SERVICE`` (federated queries make the store open HTTP
connections to any address the query names) unless the endpoint is on an
allow-list, and the check errs on the side of refusing: the keyword is
found in any spelling the parsers accept (any case, glued to the next
token, ``\\uXXXX`` escapes, which rdflib expands everywhere and Oxigraph in
IRIs), and an endpoint given by a variable or a name that cannot be resolved
is refused even when a list is set.

Everything here is a plain function of the query text, cheap enough (well
under a millisecond for the queries policykg writes) to run on every query.
It reads the query coarsely (brackets, strings, IRIs, comments), so it is a
first line, not the only one: Oxigraph's queries also run on threads with a
256 MB stack (``kg.graph.oxigraph``), where no query the endpoint accepts
(64 KB) can overflow it, and the endpoint runs them in worker processes it
replaces if one dies.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping, NamedTuple

from kg.graph.sparql import SparqlError

MAX_DEPTH = 200  # brackets ( [ { nested in each other
MAX_GROUP_ITEMS = 1000  # tokens directly inside one bracket pair, or at the top level

__all__ = ["QueryRefused", "check_query", "service_endpoints", "MAX_DEPTH", "MAX_GROUP_ITEMS"]


class QueryRefused(SparqlError):
    """A query refused before it reaches the store (too deep, too long a list, or SERVICE).

    A ``SparqlError``, so every caller that reports bad queries reports these too;
    ``reason`` is ``"nesting"``, ``"size"`` or ``"service"``.
    """

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)
               | \"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z)
               | '(?:[^'\\\n\r]|\\.)*'?
               | "(?:[^"\\\n\r]|\\.)*"? )
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
    | (?P<open>[(\[{])
    | (?P<close>[)\]}])
    | (?P<word>(?:[^\s(){}\[\]<>'"\#,;\\]|\\.)+|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_SERVICE = re.compile(r"(?:^|\.)SERVICE", re.IGNORECASE)


class _Token(NamedTuple):
    kind: str  # iri | string | open | close | word
    text: str


def _unescape(text: str) -> str:
    """``\\uXXXX`` and ``\\UXXXXXXXX`` escapes replaced by their characters (invalid ones kept)."""

    def one(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code < 0x110000 and not 0xD800 <= code <= 0xDFFF else m.group(0)

    return _ESCAPE.sub(one, text)


def _tokens(query: str) -> list[_Token]:
    """The query's tokens, without whitespace and comments.

    Coarse on purpose: it only has to tell brackets, IRIs and strings (whose
    contents do not count) from everything else.
    """
    return [_Token(m.lastgroup, m.group()) for m in _TOKEN.finditer(query)
            if m.lastgroup not in ("ws", "comment")]


_INNER = re.compile(r"[(\[]|[)\]]|[A-Za-z0-9_]+|.", re.DOTALL)


def _shape_tokens(tokens: list[_Token]):
    """The tokens, with brackets inside IRI-like spans opened up.

    ``(?a<(1+1))>0`` is a comparison to Oxigraph but looks like an IRI here;
    an IRI with brackets in it is therefore measured as code too (an IRI
    without brackets cannot hide nesting, nor end a valid comparison).
    """
    for tok in tokens:
        if tok.kind == "iri" and any(c in tok.text for c in "()[]"):
            yield _Token("word", "<")
            for m in _INNER.finditer(tok.text[1:-1]):
                t = m.group()
                yield _Token("open" if t in ("(", "[") else "close" if t in (")", "]") else "word", t)
            yield _Token("word", ">")
        else:
            yield tok


def _check_shape(tokens: list[_Token]) -> None:
    depth = deepest = 0
    counts = [0]  # tokens directly inside each open bracket; [0] is the top level
    exempt = [False]
    values_pending = False
    previous = ""
    for tok in _shape_tokens(tokens):
        counts[-1] += 1
        if counts[-1] > MAX_GROUP_ITEMS and not exempt[-1]:
            where = "outside any brackets" if len(counts) == 1 else "directly inside one bracket pair"
            raise QueryRefused(
                f"the query holds more than {MAX_GROUP_ITEMS:,} items {where}; longer flat lists of "
                "patterns crash the SPARQL engine (split the query, or give long lists of values in VALUES)",
                "size")
        if tok.kind == "open":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                raise QueryRefused(
                    f"the query nests brackets more than {MAX_DEPTH} deep; deeper nesting crashes the "
                    "SPARQL engine", "nesting")
            exempt.append((tok.text == "{" and values_pending) or (tok.text == "(" and previous == "IN"))
            if tok.text == "{":
                values_pending = False
            counts.append(0)
        elif tok.kind == "close":
            if depth:
                depth -= 1
                counts.pop()
                exempt.pop()
        elif tok.kind == "word":
            upper = tok.text.upper()
            if upper == "VALUES":
                values_pending = True
        previous = tok.text.upper() if tok.kind == "word" else tok.text


def _declared_prefixes(tokens: list[_Token]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for a, b, c in zip(tokens, tokens[1:], tokens[2:]):
        if a.kind == "word" and a.text.upper() == "PREFIX" and b.kind == "word" and b.text.endswith(":") \
                and c.kind == "iri":
            found.setdefault(b.text[:-1], set()).add(_unescape(c.text[1:-1]))
    return found


def service_endpoints(query: str, prefixes: Mapping[str, str] | None = None) -> list[str | None]:
    """The endpoint of every ``SERVICE`` in ``query``, as the parsers may read it.

    An endpoint that is a variable, or a name this check cannot resolve to one
    absolute IRI, is ``None``. The query is read both as written and with its
    ``\\u`` escapes expanded; a keyword found in either reading counts.
    """
    return [e for tokens in _readings(query) for e in _services(tokens, prefixes or {})]


def _readings(query: str) -> list[list[_Token]]:
    """The tokens of the query as written and, if it has ``\\u`` escapes, of the query with them expanded."""
    return [_tokens(text) for text in dict.fromkeys((query, _unescape(query)))]


def _services(tokens: list[_Token], prefixes: Mapping[str, str]) -> list[str | None]:
    out: list[str | None] = []
    declared = None
    for i, tok in enumerate(tokens):
        if tok.kind != "word" or "SERVICE" not in tok.text.upper():
            continue
        m = _SERVICE.search(tok.text)
        if not m:
            continue
        if declared is None:
            declared = _declared_prefixes(tokens)
        rest = tok.text[m.end():]
        following = ([_Token("word", rest)] if rest else []) + tokens[i + 1:i + 4]
        out.append(_endpoint(following, declared, prefixes))
    return out


def _endpoint(following: list[_Token], declared: dict[str, set[str]], prefixes: Mapping[str, str]) -> str | None:
    if following and following[0].kind == "word" and following[0].text.upper().startswith("SILENT"):
        rest = following[0].text[len("SILENT"):]
        following = ([_Token("word", rest)] if rest else []) + following[1:]
    if not following:
        return None
    tok = following[0]
    if tok.kind == "iri":
        iri = _unescape(tok.text[1:-1])
        return iri if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", iri) else None  # relative: resolved against BASE
    if tok.kind == "word" and ":" in tok.text and not tok.text.startswith(("?", "$")):
        name, _, local = tok.text.partition(":")
        expansions = declared.get(name) or ({str(prefixes[name])} if name in prefixes else set())
        if len(expansions) == 1 and re.fullmatch(r"[^\s\\]*", local):
            return next(iter(expansions)) + local
    return None


def check_query(query: str, *, allowed_services: Iterable[str] = (), prefixes: Mapping[str, str] | None = None) -> None:
    """Raise ``QueryRefused`` if ``query`` must not reach the store.

    ``allowed_services`` are the endpoint IRIs a ``SERVICE`` may call (exact
    match); with none, every ``SERVICE`` is refused. ``prefixes`` are the
    predeclared ones, used to resolve ``SERVICE pfx:name``.
    """
    endpoints = []
    for tokens in _readings(query):
        _check_shape(tokens)
        endpoints += _services(tokens, prefixes or {})
    if not endpoints:
        return
    allowed = {s for s in allowed_services if s}
    if not allowed:
        raise QueryRefused(
            "SERVICE is disabled on this endpoint: a query may not make the server connect anywhere "
            "(POLICYKG_SPARQL_SERVICES lists the endpoints a SERVICE may call)", "service")
    for endpoint in endpoints:
        if endpoint is None:
            raise QueryRefused(
                "SERVICE is disabled except for the endpoints listed in POLICYKG_SPARQL_SERVICES, "
                "named by a full IRI; this SERVICE names its endpoint by a variable or a name that "
                "cannot be checked", "service")
        if endpoint not in allowed:
            raise QueryRefused(
                f"SERVICE is disabled for <{endpoint}>: only the endpoints listed in "
                "POLICYKG_SPARQL_SERVICES may be called", "service")
