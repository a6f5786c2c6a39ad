"""A real SPARQL 1.1 server for the tests of the ``sparql`` store: Oxigraph's own server.

The ``oxigraph`` package on PyPI (requirements-test.txt) ships the ``oxigraph``
binary; ``oxigraph serve --location DIR --bind 127.0.0.1:PORT`` serves a
dataset on disk with ``/query``, ``/update`` and ``/store`` endpoints. The
``sparql_server`` fixture starts one per test session on a free port in a
temporary folder, waits until it answers, and stops it at the end; tests call
``clear()`` for an empty dataset. Import the fixture into a test module
(``from support.sparql_server import sparql_server``). Without the binary
the tests that need it are skipped, saying why.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

STARTUP_SECONDS = 30.0


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` server binary: beside this Python's scripts, else on PATH."""
    scripts = Path(sys.executable).parent
    for candidate in (scripts / "oxigraph", scripts / "oxigraph.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("oxigraph")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (at the moment of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SparqlServer:
    """One ``oxigraph serve`` process; ``url`` is its base (``/query``, ``/update``, ``/store`` under it)."""

    def __init__(self, binary: str, location: Path, *, union_default_graph: bool = False):
        self.binary = binary
        self.location = Path(location)
        self.union_default_graph = union_default_graph
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.log = self.location.parent / f"{self.location.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "SparqlServer":
        last = ""
        for _ in range(3):  # another process may take the free port between asking and binding
            self.port = free_port()
            cmd = [self.binary, "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"]
            if self.union_default_graph:
                cmd.append("--union-default-graph")
            with open(self.log, "wb") as log:
                self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            if self._wait_ready():
                return self
            last = self.log.read_text(errors="replace")
            self.stop()
        raise RuntimeError(f"oxigraph serve did not start: {last.strip()[-2000:]}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url + "/query?" + urllib.parse.urlencode({"query": "ASK {}"}),
                                            timeout=2) as resp:
                    if resp.status == 200:
                        return True
            except (OSError, urllib.error.URLError):
                time.sleep(0.05)
        return False

    def update(self, text: str) -> None:
        req = urllib.request.Request(self.url + "/update", data=text.encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/sparql-update"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            resp.read()

    def clear(self) -> None:
        """Drop every graph (an empty dataset for the next test)."""
        self.update("DROP ALL")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def __enter__(self):
        return self if self.proc is not None else self.start()

    def __exit__(self, *exc):
        self.stop()


def start_server(location: Path, **kw) -> SparqlServer:
    """A started server (skips the test when the ``oxigraph`` binary is missing)."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the oxigraph server binary is missing: pip install oxigraph==0.5.13 (requirements-test.txt)")
    return SparqlServer(binary, location, **kw).start()


@pytest.fixture(scope="session")
def sparql_server(tmp_path_factory):
    """An ``oxigraph serve`` for the whole session; call ``clear()`` for an empty dataset."""
    server = start_server(tmp_path_factory.mktemp("oxigraph-server") / "db")
    yield server
    server.stop()
