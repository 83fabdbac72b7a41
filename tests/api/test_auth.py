"""`doubletext serve --api-key`: every request needs `x-api-key` (401 missing, 403 wrong)."""

from __future__ import annotations

from pathlib import Path

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import AuthenticationError, PermissionDeniedError

from tests.api.serve import ServeProcess


async def test_api_key_is_required(tmp_path: Path) -> None:
    with ServeProcess(tmp_path / "data", "--api-key", "s3cret") as server:
        anonymous = get_client(url=server.url, api_key=None)
        with pytest.raises(AuthenticationError) as missing:
            await anonymous.threads.create()
        assert missing.value.status_code == 401
        assert "x-api-key" in missing.value.response.json()["detail"]

        wrong = get_client(url=server.url, api_key="nope")
        with pytest.raises(PermissionDeniedError) as denied:
            await wrong.threads.create()
        assert denied.value.status_code == 403

        right = get_client(url=server.url, api_key="s3cret")
        thread = await right.threads.create()
        run = await right.runs.wait(
            thread["thread_id"], "noop", input={"messages": [{"type": "human", "content": "hi"}]}
        )
        assert run["messages"][-1]["content"] == "reply to: hi"
        for client in (anonymous, wrong, right):
            await client.aclose()


async def test_a_bearer_token_is_the_key_too(tmp_path: Path) -> None:
    """`doubletext --url … --header "Authorization=Bearer KEY"` reaches a server with a key:
    the app's own client (the one `--header` configures) against a real `serve --api-key`."""
    from tui.client import Backend

    with ServeProcess(tmp_path / "data", "--api-key", "s3cret") as server:
        for token, allowed in (("Bearer s3cret", True), ("Bearer nope", False), ("s3cret", False)):
            backend = Backend(server.url, "noop", api_key=None, headers={"Authorization": token})
            try:
                if allowed:
                    assert (await backend.check())["graph_id"] == "noop"
                    thread_id = await backend.new_thread("me")
                    assert await backend.thread_exists(thread_id)
                else:
                    with pytest.raises((AuthenticationError, PermissionDeniedError)):
                        await backend.client.threads.create()
            finally:
                await backend.close()
