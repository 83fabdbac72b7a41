"""Request validation: every bad input becomes a 422 `{"detail": ...}` that names the field.

The reference server validates bodies with jsonschema and answers 422; we check by hand so the
message says what was wrong in one line, and so no user input can reach the engine malformed
(which could otherwise surface as a 500).
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from starlette.requests import Request

from engine import errors

STRATEGIES = ("reject", "rollback", "interrupt", "enqueue")
STREAM_MODES = (
    "values",
    "messages",
    "messages-tuple",
    "tasks",
    "checkpoints",
    "updates",
    "events",
    "debug",
    "custom",
)
RUN_STATUSES = ("pending", "running", "error", "success", "timeout", "interrupted")
THREAD_STATUSES = ("idle", "busy", "interrupted", "error")
CANCEL_ACTIONS = ("interrupt", "rollback")
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")


def invalid(message: str) -> errors.InvalidInput:
    return errors.InvalidInput(message)


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _one_of(choices: tuple[str, ...]) -> str:
    return ", ".join(f'"{c}"' for c in choices)


def canonical_uuid(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


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


class Fields:
    """Typed getters over a JSON object; `null` counts as absent, as the SDK drops `None`s."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def has(self, name: str) -> bool:
        return self.data.get(name) is not None

    def raw(self, name: str, default: Any = None) -> Any:
        value = self.data.get(name)
        return default if value is None else value

    def _typed(self, name: str, kinds: type | tuple[type, ...], label: str, required: bool) -> Any:
        value = self.data.get(name)
        if value is None:
            if required:
                raise invalid(f"'{name}' is required")
            return None
        if isinstance(value, bool) and bool not in (
            kinds if isinstance(kinds, tuple) else (kinds,)
        ):
            raise invalid(f"'{name}' must be {label}, got boolean")
        if not isinstance(value, kinds):
            raise invalid(f"'{name}' must be {label}, got {json_type(value)}")
        return value

    def string(
        self, name: str, *, required: bool = False, default: str | None = None
    ) -> str | None:
        value = self._typed(name, str, "a string", required)
        return default if value is None else value

    def choice(self, name: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.string(name)
        if value is None:
            return default
        if value not in choices:
            raise invalid(f"Invalid '{name}': \"{value}\" is not one of {_one_of(choices)}")
        return value

    def obj(self, name: str, *, required: bool = False) -> dict[str, Any] | None:
        return self._typed(name, dict, "an object", required)

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self._typed(name, bool, "a boolean", False)
        return default if value is None else value

    def integer(
        self, name: str, default: int, *, minimum: int = 0, maximum: int | None = None
    ) -> int:
        value = self._typed(name, int, "an integer", False)
        if value is None:
            return default
        return _bounded(name, value, minimum, maximum)

    def number(self, name: str, *, minimum: float = 0) -> float | None:
        value = self._typed(name, (int, float), "a number", False)
        if value is not None and value < minimum:
            raise invalid(f"'{name}' must be >= {minimum}, got {value}")
        return value

    def uuid(self, name: str) -> str | None:
        value = self.string(name)
        if value is None:
            return None
        canonical = canonical_uuid(value)
        if canonical is None:
            raise invalid(f"Invalid '{name}': must be a UUID")
        return canonical

    def strings(self, name: str) -> list[str] | None:
        value = self._typed(name, list, "an array of strings", False)
        if value is not None and not all(isinstance(v, str) for v in value):
            raise invalid(f"'{name}' must be an array of strings")
        return value

    def uuids(self, name: str) -> list[str] | None:
        values = self.strings(name)
        if values is None:
            return None
        result = [canonical_uuid(v) for v in values]
        if any(v is None for v in result):
            raise invalid(f"Invalid '{name}': every item must be a UUID")
        return [v for v in result if v is not None]

    def stream_modes(self, name: str = "stream_mode") -> list[str] | None:
        value = self.data.get(name)
        if value is None:
            return None
        return stream_modes(value, name)

    def nodes(self, name: str) -> str | list[str] | None:
        """`interrupt_before` / `interrupt_after`: `"*"` or a list of node names."""
        value = self.data.get(name)
        if value is None or value == "*":
            return value
        return self.strings(name)


def stream_modes(value: Any, name: str = "stream_mode") -> list[str]:
    modes = [value] if isinstance(value, str) else value
    if not isinstance(modes, list) or not all(isinstance(m, str) for m in modes):
        raise invalid(f"'{name}' must be a string or an array of strings")
    for mode in modes:
        if mode not in STREAM_MODES:
            raise invalid(f"Invalid '{name}': \"{mode}\" is not one of {_one_of(STREAM_MODES)}")
    return modes


MAX_INT = 2**53  # any larger offset is a mistake, and SQLite overflows past 2**63


def _bounded(name: str, value: int, minimum: int, maximum: int | None) -> int:
    maximum = MAX_INT if maximum is None else maximum
    if value < minimum or value > maximum:
        raise invalid(f"'{name}' must be >= {minimum} and <= {maximum}, got {value}")
    return value


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
    return _bounded(name, value, minimum, maximum)


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
            f"Invalid query parameter '{name}': \"{raw}\" is not one of {_one_of(choices)}"
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
