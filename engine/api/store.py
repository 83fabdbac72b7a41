"""The long-term memory store (`/store/...`), backed by the engine's LangGraph store.

Writes made here (outside any run) are journaled like any other; only writes made inside a run
carry a run id.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.api.deps import engine_of
from engine.api.responses import JSONResponse
from engine.api.validation import Fields, invalid, json_type, read_fields

# What the SQLite store accepts in a filter (it raises, i.e. a 500, on anything else).
FILTER_KEY = re.compile(r"[A-Za-z0-9_.-]+")
FILTER_OPERATORS = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte")
# Deep enough for any real document; deeper values could be stored but never read back (the
# JSON encoder stops at 255 levels, counting the response's own wrapping).
MAX_VALUE_DEPTH = 128


def _labels(value: Any, name: str, *, allow_empty: bool) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise invalid(f"'{name}' must be an array of strings, got {json_type(value)}")
    for label in value:
        if not isinstance(label, str) or not label or "." in label or "\x00" in label:
            raise invalid(
                f"Namespace label {label!r} in '{name}' must be a non-empty string without "
                "periods or NUL characters"
            )
    if not value and not allow_empty:
        raise invalid(f"'{name}' cannot be empty")
    return tuple(value)


def _namespace(fields: Fields, name: str = "namespace", *, allow_empty: bool = False) -> tuple:
    value = fields.raw(name)
    if value is None:
        if allow_empty:
            return ()
        raise invalid(f"'{name}' is required")
    return _labels(value, name, allow_empty=allow_empty)


def _key(fields: Fields) -> str:
    key = fields.string("key", required=True) or ""
    if not key or "\x00" in key:
        raise invalid("'key' must be a non-empty string without NUL characters")
    return key


def too_deep(value: Any, limit: int = MAX_VALUE_DEPTH) -> bool:
    """Whether arrays and objects nest more than `limit` levels (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def _value(fields: Fields) -> dict[str, Any]:
    value = fields.obj("value", required=True) or {}
    if too_deep(value):
        raise invalid(f"'value' nests deeper than {MAX_VALUE_DEPTH} levels")
    return value


def _filter(fields: Fields) -> dict[str, Any] | None:
    """`{"field": value}` or `{"field": {"$op": value}}`, checked before it reaches SQL."""
    found = fields.obj("filter")
    for key, condition in (found or {}).items():
        if not FILTER_KEY.fullmatch(key):
            raise invalid(f"Invalid filter key {key!r}: use only letters, digits, '_', '.' and '-'")
        if isinstance(condition, dict):
            for operator in condition:
                if operator not in FILTER_OPERATORS:
                    raise invalid(
                        f"Unsupported filter operator {operator!r} for {key!r}: use one of "
                        + ", ".join(FILTER_OPERATORS)
                    )
        if too_deep(condition):
            raise invalid(f"filter value for {key!r} nests deeper than {MAX_VALUE_DEPTH} levels")
    return found


def item_json(item: Any, *, with_score: bool = False) -> dict[str, Any] | None:
    if item is None:
        return None
    body: dict[str, Any] = {
        "namespace": list(item.namespace),
        "key": item.key,
        "value": item.value,
        "created_at": item.created_at.isoformat() if item.created_at else None,
        "updated_at": item.updated_at.isoformat() if item.updated_at else None,
    }
    if with_score:
        body["score"] = getattr(item, "score", None)
    return body


async def put_item(request: Request) -> Response:
    fields = await read_fields(request)
    namespace = _namespace(fields)
    key = _key(fields)
    value = _value(fields)
    await engine_of(request).store.aput(namespace, key, value)
    return Response(status_code=204)


async def get_item(request: Request) -> Response:
    raw_ns = request.query_params.get("namespace")
    key = request.query_params.get("key")
    if not key or "\x00" in key:
        raise invalid("Query parameter 'key' is required (without NUL characters)")
    namespace = _labels(raw_ns.split(".") if raw_ns else [], "namespace", allow_empty=False)
    item = await engine_of(request).store.aget(namespace, key)
    return JSONResponse(item_json(item))


async def delete_item(request: Request) -> Response:
    fields = await read_fields(request)
    await engine_of(request).store.adelete(_namespace(fields), _key(fields))
    return Response(status_code=204)


async def search_items(request: Request) -> Response:
    fields = await read_fields(request)
    prefix = _namespace(fields, "namespace_prefix", allow_empty=True)
    items = await engine_of(request).store.asearch(
        prefix,
        query=fields.string("query"),
        filter=_filter(fields),
        limit=fields.integer("limit", 10, minimum=1, maximum=1000),
        offset=fields.integer("offset", 0),
    )
    return JSONResponse({"items": [item_json(i, with_score=True) for i in items]})


async def list_namespaces(request: Request) -> Response:
    fields = await read_fields(request)
    prefix = _namespace(fields, "prefix", allow_empty=True) or None
    suffix = _namespace(fields, "suffix", allow_empty=True) or None
    max_depth = fields.raw("max_depth")
    if max_depth is not None:
        max_depth = fields.integer("max_depth", 0, minimum=1)
    namespaces = await engine_of(request).store.alist_namespaces(
        prefix=prefix,
        suffix=suffix,
        max_depth=max_depth,
        limit=fields.integer("limit", 100, minimum=1, maximum=1000),
        offset=fields.integer("offset", 0),
    )
    return JSONResponse({"namespaces": [list(ns) for ns in namespaces]})


routes = [
    Route("/store/items", put_item, methods=["PUT"]),
    Route("/store/items", get_item, methods=["GET"]),
    Route("/store/items", delete_item, methods=["DELETE"]),
    Route("/store/items/search", search_items, methods=["POST"]),
    Route("/store/namespaces", list_namespaces, methods=["POST"]),
]
