"""What several bench scripts share: percentiles, the tiny test corpus, and an app process.

Bench scripts run with ``bench/`` first on ``sys.path``, so they import this as ``benchlib``.
"""

from __future__ import annotations

import ast
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def percentile(values: list[float], p: float) -> float:
    """The ``p`` quantile (0..1) of ``values`` by nearest rank; 0 for no values."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))] if values else 0.0


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is kB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def cpu_seconds() -> float:
    """User + system CPU time of this process so far (all threads)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as text ("n/a" where the system has none)."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def tiny_corpus() -> tuple[dict[str, str], str]:
    """The tiny corpus of tests/conftest.py and its manifest (read, not imported: ``bench/ingest.py``
    would shadow the ``ingest`` package there)."""
    tree = ast.parse((REPO / "tests" / "conftest.py").read_text(encoding="utf-8"))
    found = {t.id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name) and t.id in ("TINY", "TINY_MANIFEST")}
    return found["TINY"], found["TINY_MANIFEST"]


def hash_env(**extra) -> dict:
    """The environment of a policykg process with the hashing embedder (no model to load)."""
    env = dict(os.environ, POLICYKG_EMBEDDER=os.environ.get("POLICYKG_EMBEDDER", "hash"),
               POLICYKG_EMBEDDER_ZH=os.environ.get("POLICYKG_EMBEDDER_ZH", "hash"), GRADIO_ANALYTICS_ENABLED="False",
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def cli(home: Path, *args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``policykg --home HOME ARGS...`` in a subprocess, output captured as text."""
    return subprocess.run([sys.executable, "-m", "kg.interfaces.cli", "--home", str(home), *args], cwd=REPO,
                          env=env or hash_env(), capture_output=True, text=True, timeout=timeout)


def build_tiny(home: Path) -> Path:
    """Ingest the tiny test corpus into ``home`` (its folder is written beside it); returns the folder."""
    docs, manifest = tiny_corpus()
    corpus = home.parent / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (corpus / name).write_text(text, encoding="utf-8")
    (corpus / "manifest.csv").write_text(manifest, encoding="utf-8")
    done = cli(home, "ingest", str(corpus), "-q")
    if done.returncode:
        sys.exit(f"ingesting the tiny corpus failed:\n{done.stderr}")
    return corpus


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(home: Path, env: dict | None = None, startup: float = 120.0):
    """``app.py --no-build`` on ``home`` on a free port, yielding its base URL and first /healthz;
    stopped (its whole process group) on exit."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "app.py", "--home", str(home), "--port", str(port), "--host",
                               "127.0.0.1", "--no-build"], cwd=REPO, env=env or hash_env(), stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + startup
        while True:
            try:
                health = json.loads(urllib.request.urlopen(base + "/healthz", timeout=2).read())
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit("the app did not start")
                time.sleep(0.3)
        yield base, health
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
