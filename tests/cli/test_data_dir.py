"""One data directory, one engine (issue 9, finding 4), and the composition root's security
defaults (finding 8): per-session key, private files, logs away from the terminal."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.errors import AuthenticationError

from doubletext import cli
from engine.datadir import ENDPOINT_FILE
from tests.api.conftest import write_config
from tests.api.serve import REPO, ServeProcess
from tests.cli.test_cli import assert_one_line_failure, run_cli

HUMAN = {"messages": [{"role": "user", "content": "hold on"}]}


def _wait_running(client, tid: str, run_id: str) -> None:
    deadline = time.monotonic() + 15
    while client.runs.get(tid, run_id)["status"] != "running":
        assert time.monotonic() < deadline, "run never started"
        time.sleep(0.02)


def test_second_serve_on_the_same_data_dir_exits_and_touches_nothing(tmp_path: Path) -> None:
    """A second serve used to reset the first one's running run to pending, then serve beside
    it. Now it stops before reading anything, naming the running engine."""
    data, config = tmp_path / "data", write_config(tmp_path)
    with ServeProcess(data, "--config", str(config)) as first:
        assert first.proc is not None
        client = get_sync_client(url=first.url, api_key=None)
        tid = client.threads.create()["thread_id"]
        run = client.runs.create(tid, "sleepy", input=HUMAN)
        _wait_running(client, tid, run["run_id"])

        result = run_cli("serve", "--port", "0", "--db", str(data), "--config", str(config))

        assert_one_line_failure(result, str(data))
        line = result.stderr.strip()
        assert f"pid {first.proc.pid}" in line and first.url in line, line
        assert "serving on" not in result.stdout
        after = client.runs.get(tid, run["run_id"])
        assert (after["status"], after["attempt"]) == ("running", 1)  # not "recovered"
        assert client.threads.get(tid)["status"] == "busy"
        client.runs.cancel(tid, run["run_id"], wait=True)
        client.close()


def test_the_lock_dies_with_a_killed_engine(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = ServeProcess(data)
    first.start()
    assert first.proc is not None
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(10)
    with ServeProcess(data) as second:  # no stale lock, and the stale endpoint is ignored
        client = get_sync_client(url=second.url, api_key=None)
        assert client.threads.search() == []
        client.close()
        endpoint = json.loads((data / ENDPOINT_FILE).read_text())
        assert second.proc is not None and endpoint["pid"] == second.proc.pid


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """`local_engine` routes this process's logs to a file, as the app wants; undo it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)
        logging.captureWarnings(False)


def test_the_app_attaches_to_the_engine_running_on_its_data_dir(
    tmp_path: Path, restored_logging: None
) -> None:
    """The natural "second terminal": no rival engine, the running one with its key."""
    data = tmp_path / "data"
    with ServeProcess(data, env={cli.API_KEY_ENV: "from-the-environment"}) as server:
        assert server.proc is not None and "from-the-environment" not in " ".join(server.command)
        with cli.local_engine({"data_dir": data, "pace": 0}) as endpoint:
            assert endpoint.attached
            assert (endpoint.url, endpoint.api_key) == (server.url, "from-the-environment")
            assert "attached" in endpoint.label and f"pid {server.proc.pid}" in endpoint.label
            client = get_sync_client(url=endpoint.url, api_key=endpoint.api_key)
            assert client.threads.create()["thread_id"]
            client.close()
        anonymous = get_sync_client(url=server.url, api_key=None)
        with pytest.raises(AuthenticationError):
            anonymous.threads.create()
        anonymous.close()
    assert not (data / ENDPOINT_FILE).exists()  # withdrawn on a clean stop


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_embedded_engine_is_private_and_needs_its_session_key(
    tmp_path: Path, restored_logging: None
) -> None:
    data = tmp_path / "home" / "data"
    with cli.local_engine({"data_dir": data, "pace": 0}) as endpoint:
        assert not endpoint.attached and endpoint.api_key and len(endpoint.api_key) >= 32
        anonymous = get_sync_client(url=endpoint.url, api_key=None)
        with pytest.raises(AuthenticationError):
            anonymous.threads.create()
        anonymous.close()
        client = get_sync_client(url=endpoint.url, api_key=endpoint.api_key)
        tid = client.threads.create()["thread_id"]
        client.runs.wait(tid, "noop", input=HUMAN)
        client.close()

        assert _mode(data) == 0o700
        files = sorted(p.name for p in data.iterdir())
        assert {"engine.db", "checkpoints.db", "store.db", "engine.lock", ENDPOINT_FILE} <= set(
            files
        )
        for name in files:
            assert _mode(data / name) == 0o600, (name, oct(_mode(data / name)))
        published = json.loads((data / ENDPOINT_FILE).read_text())
        assert published == {"pid": os.getpid(), "url": endpoint.url, "api_key": endpoint.api_key}

        with cli.local_engine({"data_dir": data}) as second:  # same process, second app
            assert second.attached and (second.url, second.api_key) == (
                endpoint.url,
                endpoint.api_key,
            )
    assert not (data / ENDPOINT_FILE).exists()


LOGGING_CHILD = """
import socket, sys, time
from pathlib import Path
from doubletext import cli

data = Path(sys.argv[1])
with cli.local_engine({"data_dir": data, "pace": 0}) as endpoint:
    host, port = endpoint.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(b"NOT HTTP AT ALL\\r\\n\\r\\n")  # uvicorn logs a warning for this
        sock.recv(1000)
    log = data / "engine.log"
    deadline = time.monotonic() + 15
    while not (log.exists() and "Invalid HTTP request" in log.read_text()):
        assert time.monotonic() < deadline, "nothing logged"
        time.sleep(0.02)
"""


def test_the_embedded_engine_logs_to_a_file_never_to_the_terminal(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-c", LOGGING_CHILD, str(data)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""  # the terminal the TUI draws on
    assert _mode(data / "engine.log") == 0o600


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("serve", "--api-key", ""), "empty API key"),
        (("serve", "--host", ""), "empty host"),
        (("--api-key", ""), "empty API key"),
        # An empty --db (an unset variable) put the data in the current directory.
        (("serve", "--db", ""), "empty data directory"),
        (("--db", " "), "empty data directory"),
        (("demo", "--db", ""), "empty data directory"),
    ],
)
def test_empty_key_or_host_is_an_error(args: tuple[str, ...], fragment: str) -> None:
    assert_one_line_failure(run_cli(*args), fragment)


def test_an_empty_key_in_the_environment_is_an_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "doubletext", "serve", "--port", "0", "--db", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env={**os.environ, cli.API_KEY_ENV: ""},
    )  # fmt: skip
    assert_one_line_failure(result, cli.API_KEY_ENV)


def test_a_non_loopback_bind_without_a_key_warns(tmp_path: Path) -> None:
    with ServeProcess(tmp_path / "data", "--host", "0.0.0.0") as server:
        output = "".join(server.output)
        assert "warning" in output and "without an API key" in output, output
        port = int(server.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as sock:  # any Host is answered
            sock.sendall(b"GET /ok HTTP/1.1\r\nHost: my-laptop.lan\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 200")
