"""Typed reading of JSON objects: every bad value is one `InvalidInput` (HTTP 422) naming the field.

Shared by the HTTP layer and the engine's Python API, so a field has one message wherever it
comes from. No I/O and no web framework here.
"""

from __future__ import annotations

import uuid
from typing import Any

from engine import errors
from engine.runs.streaming import API_MODES

MAX_INT = 2**53  # any larger offset is a mistake, and SQLite overflows past 2**63


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


def one_of(choices: tuple[str, ...]) -> str:
    return ", ".join(f'"{c}"' for c in choices)


def not_one_of(name: str, value: str, choices: tuple[str, ...]) -> errors.InvalidInput:
    return invalid(f"Invalid '{name}': \"{value}\" is not one of {one_of(choices)}")


def canonical_uuid(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def bounded(name: str, value: int, minimum: int, maximum: int | None) -> int:
    maximum = MAX_INT if maximum is None else maximum
    if value < minimum or value > maximum:
        raise invalid(f"'{name}' must be >= {minimum} and <= {maximum}, got {value}")
    return value


def stream_modes(value: Any, name: str = "stream_mode") -> list[str]:
    """One mode or a list of modes, each one the API knows; duplicates dropped, order kept."""
    modes = [value] if isinstance(value, str) else value
    if not isinstance(modes, list | tuple) or not all(isinstance(m, str) for m in modes):
        raise invalid(f"'{name}' must be a string or an array of strings")
    for mode in modes:
        if mode not in API_MODES:
            raise not_one_of(name, mode, API_MODES)
    return list(dict.fromkeys(modes))


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
            raise not_one_of(name, value, choices)
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
        return bounded(name, value, minimum, maximum)

    def number(
        self, name: str, *, minimum: float = 0, maximum: float | None = None
    ) -> float | None:
        value = self._typed(name, (int, float), "a number", False)
        if value is None:
            return None
        if value < minimum or (maximum is not None and value > maximum):
            upper = "" if maximum is None else f" and <= {maximum:g}"
            raise invalid(f"'{name}' must be >= {minimum:g}{upper}, got {value}")
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

    def choices(self, name: str, choices: tuple[str, ...]) -> list[str] | None:
        """An array whose every item is one of `choices` (e.g. a search's `select`)."""
        values = self.strings(name)
        for value in values or ():
            if value not in choices:
                raise not_one_of(name, value, choices)
        return values

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
