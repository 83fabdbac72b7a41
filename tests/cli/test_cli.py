"""`doubletext` CLI: user mistakes give one readable line and a non-zero exit, never a traceback."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from doubletext import cli
from tests.api.serve import REPO, ServeProcess


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "doubletext", *args],
        cwd=REPO, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def assert_one_line_failure(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("doubletext: ") and fragment in lines[0], lines[0]


def test_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port), "--db", str(tmp_path / "db"))
    assert_one_line_failure(result, f"cannot listen on 127.0.0.1:{port}")


def test_unusable_data_dir(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    assert_one_line_failure(run_cli("serve", "--port", "0", "--db", str(not_a_dir)), str(not_a_dir))


def test_corrupt_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "engine.db").write_bytes(b"this is not a sqlite database" * 100)
    result = run_cli("serve", "--port", "0", "--db", str(data))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("serve", "--port", "abc"), "expected a port number"),
        (("serve", "--port", "70000"), "between 0 and 65535"),
        (("serve", "--pace", "-1"), "expected a number >= 0"),
        (("serve", "--max-concurrency", "0"), "expected a number >= 1"),
        (("serve", "--config", "/nonexistent/langgraph.json"), "config file not found"),
        (("--url", "localhost:8123"), "expected an http(s):// URL"),
        (("--user-id", "a.b"), "without '.'"),
        (("bogus",), "invalid choice"),
    ],
)
def test_bad_arguments(args: tuple[str, ...], fragment: str) -> None:
    assert_one_line_failure(run_cli(*args), fragment)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--url", "http://[::1"), "IPv6"),
        (("--url", "http://localhost:abc"), "Port could not be cast"),
        (("demo", "--url", "http://localhost:99999"), "Port out of range"),
        (("demo", "--url", "http://"), "no host"),
        (("demo", "--url", "http://h/\x01"), "non-printable"),
    ],
)
def test_a_malformed_url_is_a_usage_error(args: tuple[str, ...], fragment: str) -> None:
    """`--url` was only checked for its scheme: a bad port or bracket reached httpx (a traceback
    from the app and the demo) or the socket ("port must be 0-65535")."""
    result = run_cli(*args)
    assert result.returncode == 2
    assert_one_line_failure(result, fragment)
    assert "argument --url" in result.stderr


@pytest.mark.parametrize(("given", "bound"), [("[::1]", "::1"), (" 127.0.0.1 ", "127.0.0.1")])
def test_a_host_is_taken_as_written_in_a_url_too(given: str, bound: str) -> None:
    """`--host [::1]` (as in a URL) binds ::1, instead of failing to resolve "[::1]"."""
    assert cli.build_parser().parse_args(["serve", "--host", given]).host == bound


def test_serve_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    server = ServeProcess(tmp_path / "data")
    server.start()
    assert server.stop() == 0
    assert "Traceback" not in "".join(server.output)


def _open_files(pid: int) -> set[str]:
    files = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            files.add(os.readlink(fd))
    return files


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_ctrl_c_while_a_database_is_being_opened_exits(tmp_path: Path) -> None:
    """Ctrl-C while the checkpoint database was being prepared left its connection open: its
    thread kept the process from exiting (it hung until killed), or died with a traceback when
    the event loop had closed first."""
    data = tmp_path / "data"
    data.mkdir()
    checkpoints = data / "checkpoints.db"
    checkpoints.touch()
    holder = sqlite3.connect(checkpoints, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # serve's setup waits for it (its busy timeout is 5 s)
    proc = subprocess.Popen(
        [sys.executable, "-m", "doubletext", "serve", "--port", "0", "--db", str(data)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wanted = {str(data / "engine.db"), str(checkpoints)}
        deadline = time.monotonic() + 60
        # Both open at once: past the checks (one file at a time), in the checkpoint setup.
        while not wanted <= _open_files(proc.pid):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        holder.rollback()
        out, err = proc.communicate(timeout=30)
    finally:
        holder.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "serving on" not in out


def test_ctrl_c_just_after_the_port_is_bound_exits_without_a_traceback(tmp_path: Path) -> None:
    """Between binding the port and taking over SIGINT (some 100 ms: the app is built, the heap
    frozen), Ctrl-C was asyncio's: it cancelled start-up inside uvicorn's lifespan, and uvicorn
    logged the cancelled lifespan task's traceback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "doubletext", "serve", "--port", str(port), "--db", str(tmp_path)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:  # the moment it listens (a refused connect costs microseconds)
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode in (0, 130), err
    assert "Traceback" not in err and "ERROR" not in err, err


def test_no_subcommand_passes_only_the_given_options_to_the_app(tmp_path: Path) -> None:
    given = ["--db", str(tmp_path), "--pace", "0.5", "--user-id", "me"]
    args = cli.build_parser().parse_args(given)
    assert args.url is None
    assert cli.app_options(args) == {"user_id": "me"}
    assert cli.engine_options(args) == {"data_dir": tmp_path, "pace": 0.5}
    args = cli.build_parser().parse_args(["--url", "http://127.0.0.1:8123/", "--assistant", "slow"])
    assert args.url == "http://127.0.0.1:8123"
    assert cli.app_options(args) == {"assistant": "slow"}


def test_headers_for_url_come_from_the_command_line_or_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("DT_TEST_TOKEN", "Bearer s3cret")
    given = ["--url", "http://h:1", "--header", "Authorization=env:DT_TEST_TOKEN"]
    args = cli.build_parser().parse_args([*given, "--header", "X-Tenant-Id=acme"])
    assert cli.app_options(args)["headers"] == {
        "Authorization": "Bearer s3cret",
        "X-Tenant-Id": "acme",
    }
    assert_one_line_failure(run_cli("--header", "X-A=1"), "--header needs --url")
    assert_one_line_failure(run_cli("--url", "http://h:1", "--header", "nope"), "NAME=VALUE")


def test_app_on_a_corrupt_database_fails_with_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "engine.db").write_bytes(b"this is not a sqlite database" * 100)
    result = run_cli("--db", str(data))
    assert_one_line_failure(result, "cannot use database")


def test_demo_against_the_embedded_engine_passes_every_contract() -> None:
    result = run_cli("demo")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for text in (
        "Failed to start concurrent run Thread is already running a task.",
        "Never mind, create a ToDo to Order Ham for Thanksgiving by next Friday.",
        "Original run was correctly deleted",
        "New ToDo created:",
    ):
        assert text in out
    rows = [line for line in out.splitlines() if line.startswith("│ ")]
    assert [row.split("│")[1].strip() for row in rows] == [
        "reject",
        "enqueue",
        "interrupt",
        "rollback",
    ]
    assert all(row.split("│")[6].strip() == "ok" for row in rows), rows
    assert "interrupted" in rows[2] and "deleted (404)" in rows[3] and "rejected (409)" in rows[0]


def test_demo_failures_are_one_line_on_stderr(tmp_path: Path) -> None:
    """They went to stdout through the demo's console, wrapped at the terminal's width."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    result = run_cli("demo", "--url", url)
    assert_one_line_failure(result, f"demo failed against {url}")
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    result = run_cli("demo", "--db", str(not_a_dir))
    assert_one_line_failure(result, f"cannot create data directory {not_a_dir}")
    assert result.stdout == ""


def test_demo_against_a_fast_served_engine_still_interrupts_run_1(tmp_path: Path) -> None:
    """At pace 0.1 a run is over within the tutorial's 1 s pause; the demo pauses a share of a
    run measured on the server instead, so interrupt still cuts run 1 mid-work."""
    with ServeProcess(tmp_path / "data", pace="0.1") as server:
        result = run_cli("demo", "--url", server.url)
    assert result.returncode == 0, result.stdout + result.stderr
    interrupt_row = next(line for line in result.stdout.splitlines() if "│ interrupt" in line)
    assert interrupt_row.split("│")[2].strip() == "interrupted"
    assert interrupt_row.split("│")[6].strip() == "ok"


def test_demo_exits_non_zero_when_an_outcome_breaks_the_contract(tmp_path: Path) -> None:
    """A graph whose runs fail: run 1 ends in error where each strategy expects otherwise."""
    with ServeProcess(tmp_path / "data", pace="0") as server:
        result = run_cli("demo", "--url", server.url, "--graph", "boom")
    assert result.returncode == 1
    reject_row = next(line for line in result.stdout.splitlines() if "│ reject" in line)
    assert reject_row.split("│")[2].strip() == "error"
    assert "ok" not in reject_row.split("│")[6]


def test_options_before_a_subcommand_mean_the_same_as_after_it(tmp_path: Path) -> None:
    parser = cli.build_parser()
    parse = parser.parse_args
    args = parse(["--db", str(tmp_path), "--pace", "0.5", "--model", "offline", "serve"])
    assert cli.apply_top_level_options(parser, args) is None
    assert (args.serve_db, args.serve_pace, args.serve_model) == (tmp_path, 0.5, "offline")
    args = parse(["--url", "http://h:1", "--pace", "2", "demo", "--db", str(tmp_path)])
    assert cli.apply_top_level_options(parser, args) is None
    assert (args.demo_url, args.demo_pace, args.demo_db) == ("http://h:1", 2.0, tmp_path)
    args = parse(["--db", str(tmp_path), "serve", "--db", str(tmp_path)])
    assert cli.apply_top_level_options(parser, args) is None  # the same value twice is harmless


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--url", "http://h:1", "serve"), "--url does not apply to `serve`"),
        (("--assistant", "slow", "serve"), "--assistant does not apply to `serve`"),
        (("--user-id", "me", "demo"), "--user-id does not apply to `demo`"),
        (("--api-key", "k", "demo"), "--api-key does not apply to `demo`"),
        (("--db", "/tmp/a", "serve", "--db", "/tmp/b"), "--db is given twice"),
    ],
)
def test_a_top_level_option_a_subcommand_cannot_take_is_a_usage_error(
    args: tuple[str, ...], fragment: str
) -> None:
    result = run_cli(*args)
    assert result.returncode == cli.EXIT_USAGE
    assert_one_line_failure(result, fragment)


def test_serve_honours_a_data_dir_and_key_given_before_it(tmp_path: Path) -> None:
    """`doubletext --db D --api-key K serve` once served the default data directory with no
    key at all: argparse gave `serve` its own unset copies of both."""
    data = tmp_path / "data"
    server = ServeProcess(data)
    server.command = [
        sys.executable, "-m", "doubletext", "--db", str(data), "--api-key", "s3cret",
        "serve", "--port", "0", "--pace", "0",
    ]  # fmt: skip
    with server:
        assert (data / "engine.db").is_file()
        assert httpx.post(f"{server.url}/threads/search", json={}).status_code == 401
        answer = httpx.post(
            f"{server.url}/threads/search", json={}, headers={"x-api-key": "s3cret"}
        )
        assert answer.status_code == 200
