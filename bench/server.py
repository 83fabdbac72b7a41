"""Spawn, probe and kill the servers the benchmarks talk to (loopback only).

Two kinds of server are known:

* ``ours``: ``doubletext serve --host 127.0.0.1 --port P --db DB --pace 0`` on a temporary data
  dir (the console script in the running interpreter's ``bin/``, else ``python -m doubletext``);
* ``reference``: ``langgraph dev --no-browser`` serving the same ``langgraph.json``, run from a
  temporary working directory because it persists ``.langgraph_api/`` there.

Everything binds to 127.0.0.1 on a port chosen here, so no traffic leaves the machine.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "langgraph.json"
HOST = "127.0.0.1"
DATA_DIR_NAME = "data"  # `--db` takes the data directory
# `DOUBLETEXT_REFERENCE_BIN` first, then these, then `langgraph` on PATH.
REFERENCE_BIN_CANDIDATES = ("/opt/refvenv/bin/langgraph", "/tmp/refvenv/bin/langgraph")
_STARTED: list[Server] = []


@atexit.register
def _stop_leftovers() -> None:
    """Never leave a server behind, even when the harness is interrupted."""
    for srv in list(_STARTED):
        srv.stop()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, timeout_s: float = 30.0, proc: subprocess.Popen | None = None) -> float:
    """Poll ``GET /ok`` until it answers 200; return the seconds waited.

    Raises ``RuntimeError`` if the process exits first or the deadline passes.
    """
    start = time.perf_counter()
    deadline = start + timeout_s
    with httpx.Client(base_url=url, timeout=1.0) as client:
        while time.perf_counter() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"server exited with code {proc.returncode} before /ok")
            with contextlib.suppress(httpx.HTTPError):
                if client.get("/ok").status_code == 200:
                    return time.perf_counter() - start
            time.sleep(0.005)
    raise RuntimeError(f"{url}/ok did not answer within {timeout_s:.0f} s")


@dataclass
class Server:
    """A server process we started (or, with ``proc=None``, one we were pointed at)."""

    kind: str
    url: str
    proc: subprocess.Popen | None = None
    port: int = 0
    workdir: Path | None = None
    db: Path | None = None
    ready_s: float | None = None
    log_path: Path | None = None
    owns_workdir: bool = True
    argv: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def rss_mb(self) -> float | None:
        """Resident memory of the server and its child processes, in MiB."""
        if self.proc is None:
            return None
        return tree_rss_kb(self.proc.pid) / 1024.0

    def kill9(self) -> None:
        """SIGKILL the whole process group, the way a crash would end it."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def interrupt(self, timeout_s: float = 60.0) -> None:
        """SIGINT the server alone (not its group) and wait, so a profiler can write its report."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=timeout_s)

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM then SIGKILL; remove the temp dir when we made it."""
        if self in _STARTED:
            _STARTED.remove(self)
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.kill9()
        if self.owns_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, chars: int = 4000) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-chars:]


def tree_rss_kb(root_pid: int) -> int:
    """Sum ``VmRSS`` over ``root_pid`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def ours_command() -> list[str]:
    """How to run ``doubletext``: the console script next to this interpreter, else the module."""
    script = Path(sys.executable).parent / "doubletext"
    if script.exists():
        return [str(script)]
    found = shutil.which("doubletext")
    return [found] if found else [sys.executable, "-m", "doubletext"]


def reference_command() -> list[str]:
    chosen = os.environ.get("DOUBLETEXT_REFERENCE_BIN")
    if chosen:
        return [chosen]
    for candidate in REFERENCE_BIN_CANDIDATES:
        if Path(candidate).exists():
            return [candidate]
    found = shutil.which("langgraph")
    if found:
        return [found]
    raise RuntimeError("no `langgraph` CLI found (install langgraph-cli[inmem])")


def _spawn(argv: list[str], cwd: Path, log_path: Path, env: dict[str, str]) -> subprocess.Popen:
    log = log_path.open("ab")
    try:
        return subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # own process group, so kill9 takes the children too
        )
    finally:
        log.close()


def start_ours(
    workdir: Path | None = None,
    port: int | None = None,
    extra_args: list[str] | None = None,
    timeout_s: float = 30.0,
    command: list[str] | None = None,
) -> Server:
    """Start ``doubletext serve`` on a free loopback port with its data in ``workdir``.

    ``command`` replaces how ``doubletext`` is invoked (e.g. under a profiler).

    Passing the ``workdir`` of an earlier (killed) server restarts on the same database.
    """
    owns = workdir is None
    workdir = workdir or Path(tempfile.mkdtemp(prefix="dt-bench-"))
    port = port or free_port()
    db = workdir / DATA_DIR_NAME
    argv = [
        *(command or ours_command()),
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--config",
        str(CONFIG),
        "--db",
        str(db),
        "--pace",
        "0",
        *(extra_args or []),
    ]
    env = {**os.environ, "LANGSMITH_TRACING": "false"}
    env.pop("LANGGRAPH_API_KEY", None)
    log_path = workdir / f"serve-{port}.log"
    start = time.perf_counter()
    proc = _spawn(argv, REPO, log_path, env)
    server = Server("ours", f"http://{HOST}:{port}", proc, port, workdir, db, None, log_path, owns)
    return _await_ready(server, argv, start, timeout_s)


def _await_ready(server: Server, argv: list[str], start: float, timeout_s: float) -> Server:
    """Track a just-spawned server and wait for `/ok`; on failure stop it and show its log."""
    server.argv = argv
    _STARTED.append(server)
    try:
        wait_ready(server.url, timeout_s, server.proc)
    except RuntimeError as exc:
        tail = server.log_tail()
        server.stop()
        raise RuntimeError(f"{exc}\n--- server log ---\n{tail}") from exc
    server.ready_s = time.perf_counter() - start
    return server


def start_reference(
    port: int | None = None, timeout_s: float = 60.0, config: Path = CONFIG
) -> Server:
    """Start ``langgraph dev`` on ``config`` (the repo's langgraph.json) from a throwaway
    working dir."""
    workdir = Path(tempfile.mkdtemp(prefix="dt-ref-"))
    port = port or free_port()
    argv = [
        *reference_command(),
        "dev",
        "--no-browser",
        "--no-reload",
        "--host",
        HOST,
        "--port",
        str(port),
        "--config",
        str(config),
    ]
    env = {
        **os.environ,
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
        "LANGSMITH_TRACING": "false",
        "PYTHONUNBUFFERED": "1",
        "DOUBLETEXT_PACE": "0",  # the todo graph's offline model at zero pace, as `--pace 0`
    }
    copied = workdir / "langgraph.json"
    copied.write_text(json.dumps(absolute_config(config)))
    argv[argv.index(str(config))] = str(copied)
    log_path = workdir / "langgraph-dev.log"
    start = time.perf_counter()
    proc = _spawn(argv, workdir, log_path, env)
    server = Server("reference", f"http://{HOST}:{port}", proc, port, workdir, None, None, log_path)
    return _await_ready(server, argv, start, timeout_s)


def absolute_config(path: Path) -> dict:
    """langgraph.json with its relative paths made absolute, for use from another directory.

    ``langgraph dev`` resolves graph paths against its working directory, and it has to run in
    a throwaway one (it writes ``.langgraph_api/`` there).
    """
    data = json.loads(path.read_text())
    base = path.parent

    def fix(value: str) -> str:
        return str((base / value).resolve()) if value.startswith(".") else value

    data["dependencies"] = [fix(dep) for dep in data.get("dependencies", [])]
    graphs = {}
    for name, spec in data.get("graphs", {}).items():
        if isinstance(spec, str):
            graphs[name] = fix(spec)
        else:
            graphs[name] = {**spec, "path": fix(spec["path"])}
    data["graphs"] = graphs
    return data


def start(kind: str, **kwargs: object) -> Server:
    if kind == "ours":
        return start_ours(**kwargs)  # type: ignore[arg-type]
    if kind == "reference":
        return start_reference(**kwargs)  # type: ignore[arg-type]
    raise ValueError(f"unknown server kind {kind!r}")


@contextlib.contextmanager
def running(kind: str, **kwargs: object) -> Iterator[Server]:
    server = start(kind, **kwargs)
    try:
        yield server
    finally:
        server.stop()
