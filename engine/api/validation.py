"""Request validation: every bad input becomes a 422 `{"detail": ...}` that names the field.

The reference server validates bodies with jsonschema and answers 422; we check by hand so the
message says what was wrong in one line, and so no user input can reach the engine malformed
(which could otherwise surface as a 500).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from engine.fields import (
    Fields,
    bounded,
    canonical_uuid,
    invalid,
    json_type,
    one_of,
    stream_modes,
)
from engine.runs.status import RUN_STATUSES, THREAD_STATUSES
from engine.runs.strategy import CANCEL_ACTIONS, STRATEGIES
from engine.runs.streaming import API_MODES as STREAM_MODES

__all__ = [
    "CANCEL_ACTIONS",
    "RUN_STATUSES",
    "STRATEGIES",
    "STREAM_MODES",
    "THREAD_STATUSES",
    "Fields",
    "canonical_uuid",
    "invalid",
    "json_type",
    "path_uuid",
    "query_bool",
    "query_choice",
    "query_int",
    "query_stream_modes",
    "read_fields",
    "read_json",
    "stream_modes",
]

_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")


def path_uuid(request: Request, key: str, label: str) -> str:
    """A UUID path parameter in canonical form, or 422 `Invalid thread ID: must be a UUID`."""
    value = canonical_uuid(request.path_params[key])
    if value is None:
        raise invalid(f"Invalid {label} ID: must be a UUID")
    return value


async def read_json(request: Request) -> Any:
    """The parsed body; an empty body is `None`. Malformed JSON is a 422, never a 500."""
    body = await request.body()
    if not body.strip():
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise invalid("Invalid JSON in request body") from None


async def read_fields(request: Request) -> Fields:
    """The body as a JSON object (an empty body counts as `{}`)."""
    data = await read_json(request)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise invalid(f"Request body must be a JSON object, got {json_type(data)}")
    return Fields(data)


def query_int(
    request: Request, name: str, default: int, *, minimum: int = 0, maximum: int | None = None
) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"Query parameter '{name}' must be an integer, got '{raw}'") from None
    return bounded(name, value, minimum, maximum)


def query_bool(request: Request, name: str, default: bool = False) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise invalid(f"Query parameter '{name}' must be true or false, got '{raw}'")


def query_choice(
    request: Request, name: str, choices: tuple[str, ...], default: str | None = None
) -> str | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if raw not in choices:
        raise invalid(
            f"Invalid query parameter '{name}': \"{raw}\" is not one of {one_of(choices)}"
        )
    return raw


def query_stream_modes(request: Request, name: str = "stream_mode") -> list[str] | None:
    """Accepts `?stream_mode=values`, a JSON array, and repeated keys (what the SDK sends)."""
    modes: list[str] = []
    for raw in request.query_params.getlist(name):
        if raw.startswith("["):
            try:
                parsed = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise invalid(f"Query parameter '{name}' is not a valid JSON array") from None
            modes.extend(stream_modes(parsed, name))
        elif raw:
            modes.extend(stream_modes(raw, name))
    return modes or None
