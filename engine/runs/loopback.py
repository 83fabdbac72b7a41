"""The server's own API, in-process, for graph code running inside one of its runs.

Why: LangGraph gives a running graph no way to see its thread's queue. Inside `langgraph dev` a
node can call `langgraph_sdk.get_client()` (no URL: an in-process transport to that server);
this is the same thing for our engine. `create_app` builds one client over the app itself
(`httpx.ASGITransport`, JSON calls only, the API key if one is set), the executor publishes it
in `current_client` while a graph runs, and graph code (engine/graphs/steer.py) uses it through
the public API like any other client.
"""

from __future__ import annotations

from contextvars import ContextVar

import httpx
from langgraph_sdk.client import LangGraphClient

current_client: ContextVar[LangGraphClient | None] = ContextVar(
    "doubletext_loopback_client", default=None
)


def loopback_client(app: object, api_key: str | None = None) -> LangGraphClient:
    headers = {"x-api-key": api_key} if api_key else {}
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://localhost",  # a loopback Host, as a Host check expects
        headers=headers,
        timeout=httpx.Timeout(30),
        trust_env=False,
    )
    return LangGraphClient(http)
