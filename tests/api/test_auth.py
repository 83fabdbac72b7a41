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
