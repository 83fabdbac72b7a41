"""`doubletext`: the single command-line entry point.

    doubletext [--url URL [--header N=V]...] [--assistant A] [--user-id ID] [--db DIR] [--pace P]
    doubletext serve [--host H] [--port N] [--config FILE] [--db PATH] [--model M] ...  HTTP server
    doubletext demo [--url URL] [--pace P] [--graph NAME]                              tutorial demo

Every user mistake (bad flag value, unusable database, port in use) ends with one readable line
on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from doubletext.heap import freeze_startup_heap

EXIT_USAGE = 2
EXIT_FAILURE = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"doubletext: {message} (see `doubletext --help`)\n")


API_KEY_ENV = "DOUBLETEXT_API_KEY"


def _fail(message: str, code: int = EXIT_FAILURE) -> int:
    print(f"doubletext: {' '.join(message.split())}", file=sys.stderr, flush=True)
    return code


def _warn(message: str) -> None:
    print(f"doubletext: warning: {message}", file=sys.stderr, flush=True)


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be between 0 and 65535, got {value}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _api_key(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty API key would mean no authentication; omit it")
    return text


def _host(text: str) -> str:
    """The host to bind; an IPv6 literal may come bracketed as in a URL (`[::1]`)."""
    host = text.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1].strip()
    if not host:
        raise argparse.ArgumentTypeError(
            "an empty host would mean every interface; give one, e.g. 127.0.0.1 or 0.0.0.0"
        )
    return host


def _data_dir(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "an empty data directory would mean the current directory; give a path"
        )
    return Path(text)


def _url(text: str) -> str:
    """An http(s) URL the SDK's client (httpx) can use, with a host and a port in range."""
    if not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected an http(s):// URL, got {text!r}")
    import httpx

    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not 0-65535
        httpx.URL(text)
    except (ValueError, httpx.InvalidURL) as exc:
        raise argparse.ArgumentTypeError(f"invalid URL {text!r}: {exc}") from None
    if not parts.hostname:
        raise argparse.ArgumentTypeError(f"invalid URL {text!r}: it has no host")
    return text.rstrip("/")


def _user_id(text: str) -> str:
    # The store's namespace labels (where the todos live) cannot contain periods or be empty.
    if not text or "." in text:
        raise argparse.ArgumentTypeError(f"expected a non-empty id without '.', got {text!r}")
    return text


def _header(text: str) -> tuple[str, str]:
    """`--header NAME=VALUE`; `VALUE` may be `env:VAR` to read it from the environment."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    if value.startswith("env:"):
        var = value[4:]
        if var not in os.environ:
            raise argparse.ArgumentTypeError(f"environment variable {var!r} is not set")
        value = os.environ[var]
    return name.strip(), value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="doubletext",
        description="Feel, explore and demo how agent servers handle double texting.",
    )
    parser.add_argument("--url", type=_url, help="attach to a LangGraph server instead")
    parser.add_argument("--assistant", help="graph or assistant id (default: task_maistro)")
    parser.add_argument(
        "--user-id", type=_user_id, help="user_id passed to the graph (todo namespaces)"
    )
    parser.add_argument("--db", type=_data_dir, help="data directory of the embedded engine")
    parser.add_argument(
        "--pace",
        type=_non_negative,
        help="multiplies the offline model's delays: 1 = like a hosted model, 3 = three times "
        "slower, 0 = no delays (F6 in the app multiplies it by 3, then 10)",
    )
    parser.add_argument("--model", help="chat model of the embedded engine (default offline)")
    parser.add_argument(
        "--api-key", type=_api_key, help="x-api-key for --url (default: LANGGRAPH_API_KEY)"
    )
    parser.add_argument(
        "--header",
        type=_header,
        action="append",
        metavar="NAME=VALUE",
        help="extra HTTP header for --url, repeatable; VALUE may be env:VAR "
        "(e.g. 'Authorization=env:TOKEN', 'X-Tenant-Id=acme')",
    )
    sub = parser.add_subparsers(dest="command", metavar="{serve,demo}", parser_class=_Parser)

    serve = sub.add_parser("serve", help="serve the LangGraph Agent Server API over HTTP")
    serve.add_argument(
        "--host", type=_host, default="127.0.0.1", help="interface to bind (default loopback)"
    )
    serve.add_argument("--port", type=_port, default=8123, help="port (0 = any free port)")
    serve.add_argument("--config", type=Path, help="langgraph.json listing the graphs to serve")
    serve.add_argument("--db", type=_data_dir, dest="serve_db", help="data directory")
    serve.add_argument(
        "--model", dest="serve_model", help="chat model: offline (default) or provider:model"
    )
    serve.add_argument(
        "--pace",
        type=_non_negative,
        dest="serve_pace",
        help="multiplies the offline model's delays (1 = like a hosted model, 0 = none)",
    )
    serve.add_argument(
        "--api-key",
        type=_api_key,
        dest="serve_api_key",
        help=f"require this key in the x-api-key header (default: ${API_KEY_ENV}, kept out of ps)",
    )
    serve.add_argument("--max-concurrency", type=_positive_int, help="runs at once (default 16)")
    serve.add_argument(
        "--story-retention",
        type=_positive_int,
        help="newest story events kept per thread (default 10000)",
    )
    serve.add_argument(
        "--no-story",
        action="store_true",
        help="do not record threads' stories (only to measure what recording costs)",
    )
    serve.add_argument(
        "--log-level",
        default="warning",
        choices=("critical", "error", "warning", "info", "debug"),
        help="server log level",
    )

    demo = sub.add_parser("demo", help="run the tutorial's four double-texting scenarios")
    demo.add_argument("--url", type=_url, dest="demo_url", help="server to run against")
    demo.add_argument("--pace", type=_non_negative, dest="demo_pace", help="offline model pace")
    demo.add_argument("--graph", default="task_maistro", help="graph to drive")
    demo.add_argument("--db", type=_data_dir, dest="demo_db", help="data directory (embedded only)")
    return parser


# Options a subcommand also takes under its own name (`dest`): given before the subcommand
# (`doubletext --db D serve`) they mean the same as after it. Every other top-level option is
# the chat app's alone (`apply_top_level_options` reads which there are from the parser).
SHARED_OPTIONS = {
    "serve": {
        "db": "serve_db",
        "pace": "serve_pace",
        "model": "serve_model",
        "api_key": "serve_api_key",
    },
    "demo": {"db": "demo_db", "pace": "demo_pace", "url": "demo_url"},
}


def apply_top_level_options(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> str | None:
    """Carry the top-level options a subcommand shares over to it; the problem, if any.

    argparse keeps the two apart, so `doubletext --db D serve` served the default data
    directory and `doubletext --api-key K serve` served with no key at all.
    """
    shared = SHARED_OPTIONS.get(args.command or "")
    if shared is None:
        return None
    top_level = [name for name in vars(parser.parse_args([])) if name != "command"]
    for option in top_level:  # (with no subcommand given, the namespace holds only these)
        given = getattr(args, option)
        if given is None:
            continue
        flag = "--" + option.replace("_", "-")
        if option not in shared:
            return f"{flag} does not apply to `{args.command}`"
        mine = getattr(args, shared[option])
        if mine is not None and mine != given:
            return f"{flag} is given twice with different values; give it once"
        setattr(args, shared[option], given)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    problem = apply_top_level_options(parser, args)
    if problem is not None:
        parser.error(problem)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "demo":
            return _demo(args)
        return _app(args)
    except KeyboardInterrupt:
        return 130


def _serve(args: argparse.Namespace) -> int:
    from engine.config import DEFAULT_CONFIG, Settings, default_data_dir

    settings = Settings(
        data_dir=args.serve_db or default_data_dir(),
        config_path=args.config or DEFAULT_CONFIG,
        pace=args.serve_pace,
        model=args.serve_model,
    )
    if args.max_concurrency:
        settings.max_concurrency = args.max_concurrency
    if args.story_retention:
        settings.story_retention = args.story_retention
    settings.story = not args.no_story
    if not settings.config_path.is_file():
        return _fail(f"config file not found: {settings.config_path}", EXIT_USAGE)
    if args.serve_api_key is None and API_KEY_ENV in os.environ:
        args.serve_api_key = os.environ[API_KEY_ENV]
        if not args.serve_api_key.strip():
            return _fail(f"{API_KEY_ENV} is set but empty; unset it or give a key", EXIT_USAGE)
    from engine.api.embedded import is_loopback

    if not is_loopback(args.host) and not args.serve_api_key:
        _warn(
            f"serving on {args.host} without an API key: anyone who can reach this port can "
            f"read and drive every thread (set {API_KEY_ENV} or --api-key)"
        )
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    from engine.api.loops import loop_factory

    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(_serve_async(settings, args))


async def _serve_async(settings: object, args: argparse.Namespace) -> int:
    # First of all: from here on SIGINT is ours, not asyncio.Runner's, which would cancel this
    # task wherever it is (inside uvicorn's start-up, whose cancelled lifespan logs a traceback).
    stopper = _Stopper()
    from engine.api.app import create_app
    from engine.api.connections import raise_fd_limit
    from engine.api.embedded import (
        QuietServer,
        allowed_hosts,
        bind_socket,
        local_url,
        url_of,
        uvicorn_config,
    )
    from engine.core import Engine
    from engine.errors import EngineError

    raise_fd_limit()  # every idle client holds a descriptor
    try:
        # Engine.open locks the data directory first: a second engine on it stops here,
        # before it reads or recovers anything of the running one.
        engine = await Engine.open(settings)  # type: ignore[arg-type]
    except EngineError as exc:
        return _fail(exc.message)
    except asyncio.CancelledError:
        if stopper.signal is None:
            raise
        return 128 + stopper.signal  # stopped during start-up; Engine.open closed what it opened
    try:
        try:
            sock = bind_socket(args.host, args.port)
        except OSError as exc:
            return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        app = create_app(engine, api_key=args.serve_api_key, allowed_hosts=allowed_hosts(args.host))
        freeze_startup_heap()
        server = QuietServer(uvicorn_config(app, log_level=args.log_level))
        stopper.server = server  # no await since Engine.open: no signal was handled in between
        if engine.lock is not None:
            engine.lock.publish(local_url(sock), args.serve_api_key)
        print(f"doubletext: serving on {url_of(sock)}", flush=True)
        await server.serve(sockets=[sock])
        return 0
    finally:
        await engine.close()


class _Stopper:
    """SIGINT/SIGTERM: during start-up, stop it (what is open is closed); while serving, drain
    (SSE streams end, the engine closes cleanly); a second one while serving forces."""

    def __init__(self) -> None:
        self.task = asyncio.current_task()
        self.server: Any = None
        self.signal: int | None = None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.stop, sig)

    def stop(self, sig: int) -> None:
        first = self.signal is None
        self.signal = self.signal or sig
        if self.server is None:
            if first and self.task is not None:
                self.task.cancel()
            return
        from sse_starlette.sse import AppStatus

        if self.server.should_exit:
            self.server.force_exit = True
        self.server.should_exit = True
        AppStatus.should_exit = True


def _demo(args: argparse.Namespace) -> int:
    from doubletext.demo import run_demo

    return asyncio.run(
        run_demo(url=args.demo_url, pace=args.demo_pace, graph=args.graph, data_dir=args.demo_db)
    )


def app_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments `run_app` gets: only the options the person actually gave."""
    options = {
        "assistant": args.assistant,
        "user_id": args.user_id,
        "api_key": args.api_key,
        "model": args.model,
        "headers": dict(args.header) if args.header else None,
    }
    return {key: value for key, value in options.items() if value is not None}


def engine_options(args: argparse.Namespace) -> dict[str, Any]:
    """What the embedded engine is started with: only the options the person actually gave."""
    options = {"data_dir": args.db, "pace": args.pace, "model": args.model}
    return {key: value for key, value in options.items() if value is not None}


@dataclass(frozen=True)
class Endpoint:
    """The engine the app talks to: its URL, API key and the header's description of it."""

    url: str
    api_key: str | None
    label: str
    data_dir: Path
    attached: bool = False


@contextlib.contextmanager
def local_engine(options: dict[str, Any]) -> Iterator[Endpoint]:
    """The embedded engine on the data directory, or the engine already running on it.

    One data directory, one engine: when another doubletext holds it, the app attaches to that
    one (URL and key from the private file it published) instead of starting a rival. The
    embedded engine gets a fresh random API key per session and logs to a file in its data
    directory, never to the terminal the app draws on.
    """
    from doubletext.engine_thread import EngineThread, log_to_file, silence_logs
    from engine.config import default_data_dir
    from engine.datadir import LOG_FILE, wait_for_holder
    from engine.errors import DataDirInUse

    data_dir = Path(options.pop("data_dir", None) or default_data_dir()).expanduser()
    log_to_file(data_dir / LOG_FILE)
    key = secrets.token_urlsafe(32)
    try:
        thread = EngineThread(data_dir=data_dir, api_key=key, own_logging=False, **options)
        thread.start()
    except DataDirInUse as exc:
        silence_logs()  # the log file is the holder's
        holder = wait_for_holder(data_dir)
        if holder.url is None:
            raise DataDirInUse(exc.data_dir, f"{exc.holder}; nothing to attach to") from None
        label = f"attached to running engine (pid {holder.pid}) {holder.url} · {data_dir}"
        yield Endpoint(holder.url, holder.api_key, label, data_dir, attached=True)
        return
    try:
        yield Endpoint(thread.url, key, f"embedded {data_dir}", data_dir)
    finally:
        thread.stop()


def _app(args: argparse.Namespace) -> int:
    try:
        from tui.app import run_app
    except ImportError as exc:
        return _fail(f"the chat app is not available: {exc}")
    from engine.errors import EngineError

    if args.header and args.url is None:
        return _fail("--header needs --url (the embedded engine takes no headers)", EXIT_USAGE)
    try:
        if args.url is not None:
            freeze_startup_heap()
            run_app(args.url, **app_options(args))
            return 0
        with local_engine(engine_options(args)) as engine:
            options = app_options(args) | {"api_key": engine.api_key}
            options["model"] = None if engine.attached else args.model or "offline"
            freeze_startup_heap()  # the app's and the embedded engine's, one process
            run_app(
                engine.url,
                engine_label=engine.label,
                engine_key=f"embedded:{engine.data_dir}",
                export_dir=engine.data_dir,
                base_pace=args.pace,
                **options,
            )
    except EngineError as exc:  # e.g. the embedded engine's database is unusable
        return _fail(exc.message)
    except OSError as exc:
        return _fail(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
