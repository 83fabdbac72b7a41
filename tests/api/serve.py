"""Start a real `doubletext serve` process on a free loopback port, as users and bench do."""

from __future__ import annotations

import os
import queue
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
URL_LINE = re.compile(r"serving on (http://\S+)")


def serve_command(data_dir: Path, *extra: str, pace: str = "0") -> list[str]:
    return [
        sys.executable, "-m", "doubletext", "serve",
        "--port", "0", "--db", str(data_dir), "--pace", pace, *extra,
    ]  # fmt: skip


class ServeProcess:
    """`with ServeProcess(tmp) as server: server.url` — stopped with SIGTERM on exit."""

    def __init__(
        self,
        data_dir: Path,
        *extra: str,
        pace: str = "0",
        env: dict[str, str] | None = None,
        max_files: int | None = None,
    ) -> None:
        self.command = serve_command(data_dir, *extra, pace=pace)
        self.env = env or {}
        self.max_files = max_files  # RLIMIT_NOFILE (soft and hard) of the server process
        self.log_path = data_dir.with_suffix(".log")
        self.url = ""
        self.output: list[str] = []
        self.proc: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 60) -> str:
        env = {**os.environ, "LANGSMITH_TRACING": "false", **self.env}
        limit = self.max_files

        def limit_files() -> None:
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        self.proc = subprocess.Popen(
            self.command, cwd=REPO, env=env, text=True, preexec_fn=limit_files,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:  # keep draining so the server never blocks on a full pipe
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                self.output.append(line)
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f"doubletext serve exited early:\n{''.join(self.output)}")
            if match := URL_LINE.search(line):
                self.url = match[1]
                return self.url
        self.stop()
        raise TimeoutError(f"doubletext serve did not start:\n{''.join(self.output)}")

    def stop(self, timeout: float = 15) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self) -> ServeProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
