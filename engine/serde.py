"""JSON for everything a graph can put in its state (messages, pydantic models, dates, ...)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from typing import Any

import orjson
from pydantic import BaseModel

from engine.errors import InvalidInput


def default(obj: Any) -> Any:
    """orjson fallback: turn LangChain messages and other rich objects into plain JSON values.

    A pydantic model (every LangChain message) is encoded by pydantic itself, straight to JSON
    bytes that orjson splices in as they are: the same JSON as `model_dump(mode="json")`, at
    about half the cost of building those dicts for orjson to walk again (a thread's state is
    mostly messages, and every run's events, head and result encode it)."""
    if isinstance(obj, BaseModel):
        if type(obj).model_dump is BaseModel.model_dump:
            return orjson.Fragment(obj.__pydantic_serializer__.to_json(obj))
        return obj.model_dump(mode="json")  # the class says how it dumps itself
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, dt.datetime | dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, uuid.UUID):
        return str(obj)
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, bytes):
        return obj.decode("utf-8", errors="replace")
    if hasattr(obj, "_asdict"):
        return obj._asdict()
    if isinstance(obj, BaseException):
        return {"error": type(obj).__name__, "message": str(obj)}
    return repr(obj)


_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def dumps(obj: Any) -> bytes:
    try:
        return orjson.dumps(obj, default=default, option=_OPTIONS)
    except TypeError as exc:
        if "Recursion limit" in str(exc):
            # User data nested deeper than JSON storage allows: their mistake, not ours.
            raise InvalidInput("value is nested too deeply (at most 254 levels)") from exc
        raise


def dumps_str(obj: Any) -> str:
    return dumps(obj).decode()


def loads(data: str | bytes | None) -> Any:
    return None if data is None else orjson.loads(data)


def to_jsonable(obj: Any) -> Any:
    """A deep copy made only of JSON types, so events can be shared between subscribers."""
    return orjson.loads(dumps(obj))
