"""SPARQL queries for the HTTP endpoint, run where a slow or hostile one can be stopped.

``QueryPool`` answers protocol requests (a query, the Accept header and the
``format`` parameter) with a ``Reply``: the status, the serialised body or a
one-line message. The caller never runs a query itself; the event loop of the
app only waits on a future (``QueryPool.submit``).

**Worker processes (the Oxigraph store).** The pool keeps
``settings.sparql_workers`` processes, each started as ``python -m
kg.graph.worker`` (a fresh interpreter, like multiprocessing's "spawn", but
without re-importing the app's ``__main__``, which would load Gradio into
every worker). Each opens the graph READ-ONLY (``kg.graph.oxigraph.
open_read_only``: no lock, so it works while the app's build or a ``policykg
ingest`` writes), and reopens it when the files on disk change, since a
read-only store sees the graph as it was when opened. A worker takes one
request at a time over a socket pair (``multiprocessing.connection``
framing), checks it (``kg.graph.guard``), runs it on a deep stack, reads at
most ``sparql_max_rows`` rows, picks the format and serialises, so the server
process does no query work at all. When a query exceeds
``settings.sparql_timeout`` the pool kills that worker (SIGKILL), starts a
fresh one and answers 503 "query timed out after N s"; likewise when the
client disconnects while its query runs. A worker that dies (it should not:
``kg.graph.guard`` and the deep stack keep Oxigraph from overflowing) is
replaced and the request answered 503. A worker exits by itself when the
server process is gone, and stops a query that runs well past the limit even
if nobody kills it.

**Threads (every other store).** rdflib's store lives in the app's memory
and cannot be opened from another process, so its queries run on threads of
the app, as many at once as ``sparql_workers``. A query over the time limit
is answered 503 and abandoned: an exception is raised in its thread
(``PyThreadState_SetAsyncExc``), which stops rdflib's pure-Python evaluation
at its next bytecode, but cannot interrupt C code; the thread keeps its slot
until it actually ends.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import ctypes
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Callable

from kg.graph.guard import QueryRefused, check_query, service_endpoints
from kg.graph.sparql import (MEDIA_TYPES, QueryResult, SparqlError, allowed_formats, negotiate, parse_reply,
                             reject_update)

__all__ = ["QueryPool", "Reply", "answer"]

STARTUP_TIMEOUT = 60.0  # seconds a new worker process may take to import and say it is ready
MAX_PENDING = 256  # requests waiting for or holding a worker; more are refused at once


@dataclass
class Reply:
    """The answer to one request: ``body`` (UTF-8) with ``media`` when ``status`` is 200, else ``message``."""

    status: int
    body: bytes = b""
    media: str = "text/plain"
    message: str = ""
    kind: str = ""  # SELECT | ASK | CONSTRUCT
    truncated: bool = False

    @classmethod
    def error(cls, status: int, message: str) -> "Reply":
        return cls(status, message=message)


# --- one request, whatever runs it -----------------------------------------------------


def answer(query: str, accept: str | None, fmt: str | None, run: Callable[[str, int | None], QueryResult],
           *, max_rows: int | None, services=(), prefixes=None) -> Reply:
    """Check ``query``, run it with ``run(query, max_rows)``, and serialise the result as negotiated."""
    try:
        reject_update(query)
        check_query(query, allowed_services=services, prefixes=prefixes)
    except QueryRefused as exc:
        return Reply.error(400, f"query refused: {exc}")
    except SparqlError as exc:
        return Reply.error(400, f"SPARQL error: {exc}")
    try:
        result = run(query, max_rows)
    except QueryRefused as exc:
        return Reply.error(400, f"query refused: {exc}")
    except SparqlError as exc:
        return Reply.error(400, f"SPARQL error: {exc}")
    except Exception as exc:
        if service_endpoints(query, prefixes):  # allowed, or it would have been refused above
            return Reply.error(502, f"a SERVICE call of this query failed: {type(exc).__name__}: {exc}")
        if isinstance(exc, OSError):
            return Reply.error(503, f"the graph could not be read: {exc}")
        raise
    chosen = negotiate(accept, fmt, result.kind)
    if chosen is None:
        offered = ", ".join(MEDIA_TYPES[f] for f in allowed_formats(result.kind))
        return Reply.error(406, f"no acceptable result format for a {result.kind} query; this endpoint offers {offered}")
    return Reply(200, body=result.serialize(chosen).encode("utf-8"), media=MEDIA_TYPES[chosen], kind=result.kind,
                 truncated=result.truncated)


# --- the worker process ----------------------------------------------------------------


def _graph_signature(path: Path):
    """What changes on disk when the store is written to: None while there is no store yet."""
    try:
        entries = list(os.scandir(path))
    except OSError:
        return None
    names = {e.name for e in entries}
    if "CURRENT" not in names:
        return None
    sig = []
    for e in entries:
        if e.name == "CURRENT" or e.name.startswith("MANIFEST") or e.name.endswith(".log"):
            try:
                st = e.stat()
            except OSError:
                continue
            sig.append((e.name, st.st_size, st.st_mtime_ns))
        elif e.name.endswith(".sst"):
            sig.append((e.name,))
    return tuple(sorted(sig))


class _Graph:
    """The graph under ``home``, opened read-only, reopened when its files change."""

    def __init__(self, path: Path):
        self.path = path
        self.store = None
        self.signature = ()

    def get(self, fresh: bool = False):
        import pyoxigraph as ox

        from kg.graph.oxigraph import open_read_only

        sig = _graph_signature(self.path)
        if fresh or self.store is None or sig != self.signature:
            self.store = None
            if sig is None:
                self.store = ox.Store()  # nothing built yet: an empty graph
            else:
                for attempt in range(3):
                    try:
                        self.store = open_read_only(self.path)
                        break
                    except (OSError, RuntimeError) as exc:  # caught mid-write: look again
                        if attempt == 2:
                            raise OSError(f"cannot open the graph at {self.path}: {exc}") from exc
                        time.sleep(0.1)
            self.signature = sig
        return self.store


def _worker_main(fd: int, config: dict) -> None:
    """The loop of a worker process: one request in, one ``Reply`` out, until the server goes away."""
    from kg.graph.namespaces import PREFIXES
    from kg.graph.oxigraph import run_query

    conn = Connection(fd)
    parent = os.getppid()
    if config.get("memory_mb"):  # a runaway query fails its allocation (and the worker) instead of the machine
        import resource

        limit = int(config["memory_mb"]) * 1024 * 1024
        try:
            resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
        except (ValueError, OSError):
            pass
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    graph = _Graph(Path(config["home"]) / "graph")
    hard_limit = float(config["timeout"]) + 10.0
    busy_since: list[float | None] = [None]

    def watchdog():  # the server is gone, or nobody stopped a runaway query: leave
        while True:
            time.sleep(0.5)
            started = busy_since[0]
            if os.getppid() != parent or (started is not None and time.monotonic() - started > hard_limit):
                os._exit(0)

    threading.Thread(target=watchdog, name="policykg-watchdog", daemon=True).start()

    def run(query: str, max_rows: int | None) -> QueryResult:
        try:
            return run_query(graph.get(), query, prefixes, max_rows)
        except OSError as exc:
            if "No such file" not in str(exc):
                raise
            return run_query(graph.get(fresh=True), query, prefixes, max_rows)  # a compaction removed a file

    conn.send({"ready": os.getpid()})
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        busy_since[0] = time.monotonic()
        try:
            reply = answer(request["query"], request.get("accept"), request.get("format"), run,
                           max_rows=config.get("max_rows"), services=config.get("services", ()), prefixes=prefixes)
        except Exception as exc:  # a message, never a traceback, for the client
            reply = Reply.error(500, f"internal error while running the query: {type(exc).__name__}: {exc}")
        busy_since[0] = None
        try:
            conn.send(asdict(reply))  # plain data: the server unpickles no class of ours
        except (OSError, ValueError):
            return


class _Process:
    """One worker process and our end of its socket."""

    def __init__(self, config: dict):
        ours, theirs = socket.socketpair()
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        src = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "kg.graph.worker", str(theirs.fileno()), json.dumps(config)],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env, close_fds=True)
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        try:
            self.conn.close()
        except OSError:
            pass
        threading.Thread(target=self.proc.wait, name="policykg-reap", daemon=True).start()

    def exit_description(self) -> str:
        try:
            code = self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        if code < 0:
            try:
                return f"it was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"it was killed by signal {-code}"
        return f"it exited with status {code}"


# --- the pool ------------------------------------------------------------------------


class QueryPool:
    """Runs endpoint queries with a time limit; see the module's docstring.

    ``QueryPool(settings, kb_getter)``: worker processes for the Oxigraph store,
    threads over ``kb_getter().store`` for any other. ``submit`` returns a
    ``concurrent.futures.Future`` of a ``Reply``; ``run`` is the same, blocking.
    """

    def __init__(self, settings, kb_getter: Callable | None = None):
        self.settings = settings
        self.time_limit = float(settings.sparql_timeout)
        self.max_rows = int(settings.sparql_max_rows) or None
        self.size = max(1, int(settings.sparql_workers))
        self.mode = "process" if settings.store == "oxigraph" else "thread"
        self._kb_getter = kb_getter
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=self.size + 32,
                                                               thread_name_prefix="policykg-sparql")
        self._lock = threading.Lock()
        self._pending = 0
        self._closed = False
        self.stats = {"queries": 0, "timeouts": 0, "cancelled": 0, "crashes": 0, "restarts": 0}
        self.memory_mb = int(getattr(settings, "sparql_memory_mb", 0) or 0)
        self._config = {"home": str(settings.home), "timeout": self.time_limit, "max_rows": self.max_rows,
                        "services": list(settings.sparql_services), "memory_mb": self.memory_mb}
        self._idle: queue.Queue = queue.Queue()
        self._slots = threading.BoundedSemaphore(self.size)  # thread mode
        self._threads_running = 0
        self._processes: set[_Process] = set()
        if self.mode == "process":
            for _ in range(self.size):
                self._start_process()
        atexit.register(self.close)

    # -- public ------------------------------------------------------------------------
    def submit(self, query: str, accept: str | None = None, fmt: str | None = None,
               cancelled: Callable[[], bool] | None = None) -> concurrent.futures.Future:
        """Queue a request; the future's result is a ``Reply`` (never an exception)."""
        with self._lock:
            if self._pending >= MAX_PENDING or self._closed:
                done: concurrent.futures.Future = concurrent.futures.Future()
                done.set_result(Reply.error(503, f"too many queries are waiting ({self._pending}); try again shortly"))
                return done
            self._pending += 1
        return self._executor.submit(self._run_counted, query, accept, fmt, cancelled or (lambda: False))

    def run(self, query: str, accept: str | None = None, fmt: str | None = None,
            cancelled: Callable[[], bool] | None = None) -> Reply:
        """``submit(...).result()``."""
        return self.submit(query, accept, fmt, cancelled).result()

    def result(self, query: str) -> QueryResult:
        """Run ``query`` under the pool's limits (time, rows, guard) and read the reply back as a
        ``QueryResult``, for callers in the app such as the UI's console. A refusal or a timeout
        raises ``SparqlError`` with the endpoint's message."""
        reply = self.run(query, accept=f"{MEDIA_TYPES['json']}, {MEDIA_TYPES['ntriples']};q=0.9")
        if reply.status != 200:
            raise SparqlError(reply.message)
        return parse_reply(reply.body, reply.media, truncated=reply.truncated)

    def status(self) -> dict:
        """Counters for /healthz: mode, workers, busy (requests in progress), ready (idle workers),
        and queries, timeouts, cancelled, crashes, restarts since the start."""
        with self._lock:
            busy = self._pending
        out = {"mode": self.mode, "workers": self.size, "busy": busy, "timeout_s": self.time_limit,
               "max_rows": self.max_rows, **self.stats}
        if self.mode == "thread":
            out["threads_running"] = self._threads_running  # abandoned ones included, until they stop
        else:
            out["ready"] = self._idle.qsize()  # started and waiting for a query
        return out

    def close(self) -> None:
        """Stop every worker process (threads of the thread mode end with their query)."""
        self._closed = True
        for p in list(self._processes):
            p.kill()
        self._processes.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- both modes --------------------------------------------------------------------
    def _run_counted(self, query, accept, fmt, cancelled) -> Reply:
        try:
            self.stats["queries"] += 1
            if self.mode == "process":
                return self._run_in_process(query, accept, fmt, cancelled)
            return self._run_in_thread(query, accept, fmt, cancelled)
        except Exception as exc:  # a message, never a traceback, for the client
            return Reply.error(500, f"internal error while running the query: {type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._pending -= 1

    def _timed_out(self) -> Reply:
        self.stats["timeouts"] += 1
        limit = f"{self.time_limit:g}"
        return Reply.error(503, f"query timed out after {limit} s and was stopped (the limit is "
                                "POLICYKG_SPARQL_TIMEOUT); narrow it down, or add a LIMIT")

    def _busy(self) -> Reply:
        return Reply.error(503, f"all {self.size} query workers stayed busy for {self.time_limit:g} s; try again")

    def _gone(self) -> Reply:
        self.stats["cancelled"] += 1
        return Reply.error(499, "the client closed the connection; the query was stopped")

    # -- processes ---------------------------------------------------------------------
    def _start_process(self, delay: float = 0.0) -> None:
        if self._closed:
            return
        threading.Thread(target=self._bring_up, args=(delay,), name="policykg-worker-start", daemon=True).start()

    def _bring_up(self, delay: float) -> None:
        if delay:
            time.sleep(delay)
        if self._closed:
            return
        try:
            p = _Process(self._config)
        except OSError as exc:
            print(f"policykg: cannot start a SPARQL worker: {exc}", file=sys.stderr, flush=True)
            self._start_process(min(30.0, max(1.0, delay * 2)))
            return
        self._processes.add(p)
        ok = False
        try:
            ok = p.conn.poll(STARTUP_TIMEOUT) and "ready" in p.conn.recv()
        except (EOFError, OSError):
            ok = False
        if not ok or self._closed:
            if not self._closed:
                print(f"policykg: a SPARQL worker did not start ({p.exit_description()}); trying again",
                      file=sys.stderr, flush=True)
            self._retire(p)
            self._start_process(min(30.0, max(1.0, delay * 2)))
            return
        self._idle.put(p)

    def _retire(self, p: _Process) -> None:
        p.kill()
        self._processes.discard(p)

    def _replace(self, p: _Process) -> None:
        self._retire(p)
        self.stats["restarts"] += 1
        self._start_process()

    def _run_in_process(self, query, accept, fmt, cancelled) -> Reply:
        waited_until = time.monotonic() + self.time_limit
        request = {"query": query, "accept": accept, "format": fmt}
        while True:
            try:
                p = self._idle.get(timeout=0.1)
            except queue.Empty:
                if cancelled():
                    return self._gone()
                if time.monotonic() > waited_until:
                    return self._busy()
                continue
            if not p.alive():
                self._replace(p)
                continue
            try:
                p.conn.send(request)
            except (OSError, ValueError):
                self._replace(p)
                continue
            break
        deadline = time.monotonic() + self.time_limit
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._replace(p)
                return self._timed_out()
            try:
                ready = p.conn.poll(min(0.1, left))
                reply = Reply(**p.conn.recv()) if ready else None
            except (EOFError, OSError):
                self.stats["crashes"] += 1
                why = p.exit_description()
                if self.memory_mb:
                    why += f"; it may have needed more than the {self.memory_mb} MB a worker may use " \
                           "(POLICYKG_SPARQL_MEMORY_MB)"
                self._replace(p)
                return Reply.error(503, f"the query worker stopped while running this query ({why}); "
                                        "a fresh one was started")
            if reply is not None:
                self._idle.put(p)
                return reply
            if cancelled():
                self._replace(p)
                return self._gone()

    # -- threads -----------------------------------------------------------------------
    def _run_in_thread(self, query, accept, fmt, cancelled) -> Reply:
        from kg.graph.namespaces import PREFIXES

        waited_until = time.monotonic() + self.time_limit
        while not self._slots.acquire(timeout=0.1):
            if cancelled():
                return self._gone()
            if time.monotonic() > waited_until:
                return self._busy()
        box: dict = {}
        settings = self.settings

        def run(q, max_rows):
            kb = self._kb_getter()
            return kb.store.query(q, prefixes=PREFIXES, max_rows=max_rows, services=settings.sparql_services)

        def job():
            with self._lock:
                self._threads_running += 1
            try:
                box["reply"] = answer(query, accept, fmt, run, max_rows=self.max_rows,
                                      services=settings.sparql_services,
                                      prefixes={k: str(v) for k, v in PREFIXES.items()})
            except _Abandoned:
                pass
            except Exception as exc:
                box["reply"] = Reply.error(500, f"internal error while running the query: {type(exc).__name__}: {exc}")
            finally:
                with self._lock:
                    self._threads_running -= 1
                self._slots.release()

        t = threading.Thread(target=job, name="policykg-sparql-query", daemon=True)
        t.start()
        deadline = time.monotonic() + self.time_limit
        while True:
            t.join(timeout=min(0.1, max(0.0, deadline - time.monotonic())))
            if not t.is_alive():
                return box.get("reply") or Reply.error(500, "internal error: the query thread gave no answer")
            if time.monotonic() >= deadline:
                _interrupt(t)
                return self._timed_out()
            if cancelled():
                _interrupt(t)
                return self._gone()


class _Abandoned(BaseException):
    """Raised inside a query thread the pool gave up on."""


def _interrupt(t: threading.Thread) -> None:
    """Raise ``_Abandoned`` in ``t`` at its next Python bytecode (C code is not interrupted)."""
    if t.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(t.ident), ctypes.py_object(_Abandoned))


if __name__ == "__main__":  # ``python -m kg.graph.worker FD CONFIG``: run the module under its own name
    from kg.graph.worker import _worker_main as main

    main(int(sys.argv[1]), json.loads(sys.argv[2]))
