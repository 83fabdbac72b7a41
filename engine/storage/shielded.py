"""Storage steps that a cancelled caller must not stop half way."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def run_to_completion(work: Awaitable[T]) -> T:
    """Await `work` so that cancelling the caller cannot stop it half way.

    A run is cancelled at whatever await it is in; if that await is inside a multi-statement
    write (a `BEGIN` ... `COMMIT` on a shared connection), the transaction would be left open for
    every later user of the connection. Shielded, the write completes, then the cancellation
    goes on: a cancelled run costs that run only.
    """
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                continue
            except BaseException:
                break
        raise
