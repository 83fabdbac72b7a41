"""Assistants: a graph plus the settings its runs use (mixed into `Engine`).

Each served graph has a system assistant (`uuid5` of its name, `created_by: system`), created
at startup if missing. Users create more: a graph with a `config` (e.g. `configurable` keys the
graph reads) and/or `context`; a run on that assistant starts from them. Every update is a new
version; `set_latest_version` makes an older one current again. As on the reference server,
`config.configurable` and `context` mirror each other (giving both is a 400).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from engine.errors import BadRequest, Conflict, InvalidInput, NotFound, UnknownAssistant
from engine.graphs.registry import GraphEntry, GraphRegistry
from engine.runs import reasons
from engine.serde import to_jsonable
from engine.storage.assistants import AssistantRecords
from engine.storage.thread_rows import now_iso

if TYPE_CHECKING:
    from engine.runs.lifecycle import Lifecycle
    from engine.runs.scheduler import Scheduler
    from engine.runs.services import Services

SORT_KEYS = ("assistant_id", "graph_id", "name", "created_at", "updated_at")
# The fields a search can `select` (AssistantSelectField).
FIELDS = (*SORT_KEYS, "description", "config", "context", "metadata", "version")
_BOTH = (
    "Cannot specify both configurable and context. Prefer setting context alone. Context was "
    "introduced in LangGraph 0.6.0 and is the long term planned replacement for configurable."
)


def _object(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"'{name}' must be an object")
    return to_jsonable(value)  # a copy; too-deep input is a 422


def _settings(config: Any, context: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Validate config/context and mirror `configurable` and `context` into each other."""
    config = _object(config, "config")
    configurable = config.get("configurable")
    if configurable is not None and not isinstance(configurable, dict):
        raise InvalidInput("'config.configurable' must be an object")
    if context is not None and not isinstance(context, dict):
        raise InvalidInput("'context' must be an object")
    if configurable and context:
        raise BadRequest(_BOTH)
    if configurable:
        context = to_jsonable(configurable)
    elif context:
        config["configurable"] = to_jsonable(context)
    return config, context


def contains(superset: Any, subset: dict[str, Any]) -> bool:
    """JSON containment (Postgres `@>` on objects), as the reference's metadata filters."""
    if not isinstance(superset, dict):
        return False
    for key, value in subset.items():
        if key not in superset:
            return False
        if isinstance(value, dict) and isinstance(superset[key], dict):
            if not contains(superset[key], value):
                return False
        elif superset[key] != value:
            return False
    return True


class AssistantOps:
    services: Services
    lifecycle: Lifecycle
    scheduler: Scheduler
    graphs: GraphRegistry
    _assistant_store: AssistantRecords | None = None
    _assistant_lock: asyncio.Lock | None = None
    # Current assistants by id. Every write goes through `_writing`, which bumps the generation
    # before and after; a read caches only if no write overlapped it.
    _assistant_cache: dict[str, dict[str, Any]] | None = None
    _assistant_generation: int = 0

    @property
    def assistant_records(self) -> AssistantRecords:
        if self._assistant_store is None:
            self._assistant_store = AssistantRecords(self.services.records.conn)
        return self._assistant_store

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        """One writer at a time, so version numbers never collide; the cache is dropped."""
        if self._assistant_lock is None:
            self._assistant_lock = asyncio.Lock()
        async with self._assistant_lock:
            self._invalidate()
            try:
                yield
            finally:
                self._invalidate()

    def _invalidate(self) -> None:
        self._assistant_generation += 1
        self._assistant_cache = None

    async def _current(self, assistant_id: str) -> dict[str, Any] | None:
        """The current version (every run creation looks one up, so reads are cached)."""
        cached = (self._assistant_cache or {}).get(assistant_id)
        if cached is None:
            generation = self._assistant_generation
            cached = await self.assistant_records.get(assistant_id)
            if cached is not None and generation == self._assistant_generation:
                if self._assistant_cache is None:
                    self._assistant_cache = {}
                self._assistant_cache[assistant_id] = cached
        return copy.deepcopy(cached)

    def _graph(self, graph_id: Any) -> GraphEntry:
        entry = self.graphs.entries.get(graph_id) if isinstance(graph_id, str) else None
        if entry is None:
            raise NotFound(
                f"Graph '{graph_id}' not found. Expected one of: {sorted(self.graphs.names)}"
            )
        return entry

    async def register_system_assistants(self) -> None:
        """One assistant per served graph; kept (with its versions) if it already exists."""
        now = now_iso()
        for entry in self.graphs.entries.values():
            await self.assistant_records.insert(
                {
                    "assistant_id": entry.assistant_id,
                    "graph_id": entry.graph_id,
                    "name": entry.graph_id,
                    "description": None,
                    "config": {},
                    "context": {},
                    "metadata": {"created_by": "system"},
                    "created_at": now,
                    "updated_at": now,
                },
                if_missing=True,
            )

    def _assistant_uuid(self, assistant_id: Any) -> str:
        """A graph name means its system assistant; anything else must be a UUID."""
        if not isinstance(assistant_id, str):
            raise InvalidInput("assistant_id must be a string")
        entry = self.graphs.entries.get(assistant_id)
        if entry is not None:
            return entry.assistant_id
        try:
            return str(uuid.UUID(assistant_id))
        except ValueError:
            raise UnknownAssistant(assistant_id, self.graphs.names) from None

    async def get_assistant(self, assistant_id: str) -> dict[str, Any]:
        canonical = self._assistant_uuid(assistant_id)
        found = await self._current(canonical)
        if found is None or found["graph_id"] not in self.graphs.entries:
            raise NotFound(f"Assistant {canonical} not found")
        return found

    async def resolve_assistant(self, assistant_id: Any) -> tuple[dict[str, Any], GraphEntry]:
        """The assistant a run names (UUID or graph name) and the graph it runs."""
        assistant = await self.get_assistant(assistant_id)
        return assistant, self.graphs.entries[assistant["graph_id"]]

    async def list_assistants(self) -> list[dict[str, Any]]:
        return [
            a for a in await self.assistant_records.all() if a["graph_id"] in self.graphs.entries
        ]

    async def create_assistant(
        self,
        graph_id: str,
        *,
        assistant_id: str | None = None,
        config: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        if_exists: str = "raise",
        name: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        if if_exists not in ("raise", "do_nothing"):
            raise InvalidInput("if_exists must be 'raise' or 'do_nothing'")
        canonical = (
            str(uuid.uuid4()) if assistant_id is None else self._assistant_uuid(assistant_id)
        )
        config, context = _settings(config, context)
        self._graph(graph_id)
        now = now_iso()
        assistant = {
            "assistant_id": canonical,
            "graph_id": graph_id,
            "config": config,
            "context": context or {},
            "metadata": _object(metadata, "metadata"),
            "name": name or "Untitled",
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "description": description,
        }
        async with self._writing():
            existing = await self.assistant_records.get(canonical)
            if existing is not None:
                if if_exists == "do_nothing":
                    return existing
                raise Conflict(f"Assistant {canonical} already exists")
            await self.assistant_records.insert(assistant)
        return assistant

    async def patch_assistant(
        self,
        assistant_id: str,
        *,
        graph_id: str | None = None,
        config: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        name: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        """A new version: given fields replace, metadata merges, the rest carries over."""
        config, context = _settings(config, context)
        if graph_id is not None:
            self._graph(graph_id)
        async with self._writing():
            current = await self.get_assistant(assistant_id)
            updated = {
                **current,
                "graph_id": graph_id if graph_id is not None else current["graph_id"],
                "config": config or current["config"],
                "context": context if context is not None else current["context"],
                "metadata": {**current["metadata"], **_object(metadata, "metadata")},
                "name": name if name is not None else current["name"],
                "description": description if description is not None else current["description"],
            }
            now = now_iso()
            updated["version"] = await self.assistant_records.add_version(updated, now)
            updated["updated_at"] = now
        return updated

    async def delete_assistant(self, assistant_id: str, *, delete_threads: bool = False) -> None:
        """Delete it and its versions; its pending and running runs are interrupted first."""
        canonical = self._assistant_uuid(assistant_id)
        if await self.assistant_records.get(canonical) is None:
            raise NotFound(f"Assistant with ID {canonical} not found")
        records = self.services.records
        active = [
            row["run_id"]
            for status in ("pending", "running")
            for row in await records.runs_with_status(status)
            if row["assistant_id"] == canonical
        ]
        if active:
            await self.lifecycle.cancel(active, reasons.assistant_deleted(canonical))
        if delete_threads:
            for thread in await records.search_threads({"assistant_id": canonical}, None, None, 0):
                await self.delete_thread(thread["thread_id"])  # type: ignore[attr-defined]
        async with self._writing():
            await self.assistant_records.delete(canonical)

    async def search_assistants(
        self,
        *,
        graph_id: str | None = None,
        name: str | None = None,
        metadata: dict[str, Any] | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> list[dict[str, Any]]:
        """Matching assistants; newest first unless sorted (a given `sort_by` defaults to desc,
        as on the reference server)."""
        if graph_id is not None:
            self._graph(graph_id)
        found = [
            a
            for a in await self.list_assistants()
            if (graph_id is None or a["graph_id"] == graph_id)
            and (not name or name.lower() in a["name"].lower())
            and (not metadata or contains(a["metadata"], metadata))
        ]
        if sort_by is not None:
            descending = (sort_order or "desc").lower() != "asc"
            found.sort(key=lambda a: str(a.get(sort_by) or "").lower(), reverse=descending)
        return found

    async def assistant_versions(
        self, assistant_id: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        canonical = self._assistant_uuid(assistant_id)
        versions = await self.assistant_records.versions(canonical)
        if not versions:
            raise NotFound(f"Assistant {canonical} not found")
        return [v for v in versions if not metadata or contains(v["metadata"], metadata)]

    async def set_latest_version(self, assistant_id: str, version: int) -> dict[str, Any]:
        canonical = self._assistant_uuid(assistant_id)
        async with self._writing():
            if await self.assistant_records.get(canonical) is None:
                raise NotFound(f"Assistant {canonical} not found")
            if not await self.assistant_records.set_latest(canonical, version, now_iso()):
                raise NotFound(f"Version {version} not found for assistant {canonical}")
        return await self.get_assistant(canonical)

    async def get_graph_schema(self, assistant_id: str) -> dict[str, Any]:
        assistant, entry = await self.resolve_assistant(assistant_id)
        graph = entry.graph

        def schema(getter: Any) -> Any:
            try:
                return getter()
            except Exception:
                return None

        return {
            "graph_id": assistant["graph_id"],
            "input_schema": schema(graph.get_input_jsonschema),
            "output_schema": schema(graph.get_output_jsonschema),
            "state_schema": schema(lambda: _state_schema(graph)),
            "config_schema": schema(lambda: _configurable_schema(graph)),
            # attribute lookups inside the lambda: a graph without them gets None, not a 500
            "context_schema": schema(lambda: graph.get_context_jsonschema()),
        }

    async def get_graph_drawing(self, assistant_id: str) -> dict[str, Any]:
        _, entry = await self.resolve_assistant(assistant_id)
        drawing = entry.graph.get_graph().to_json()
        for node in drawing.get("nodes", []):
            data = node.get("data")
            if isinstance(data, dict):
                data.pop("id", None)
        return drawing


def _state_schema(graph: Any) -> dict[str, Any]:
    """One optional field per channel the graph streams, typed by what the channel accepts."""
    from pydantic import create_model

    fields: dict[str, Any] = {}
    for name in graph.stream_channels_list:
        kind = graph.channels[name].UpdateType
        try:
            create_model(name, value=(kind, None)).model_json_schema()
        except Exception:  # a type pydantic cannot describe
            kind = Any
        fields[name] = (kind, None)
    return create_model(graph.get_name("State"), **fields).model_json_schema()


def _configurable_schema(graph: Any) -> dict[str, Any]:
    """The JSON schema of the `configurable` part of the graph's config (not the whole
    RunnableConfig), without the keys the server sets itself."""
    config_schema = graph.config_schema()
    fields = getattr(config_schema, "model_fields", None) or {}
    if "configurable" not in fields:
        return {}
    from pydantic import TypeAdapter

    schema = TypeAdapter(fields["configurable"].annotation).json_schema()
    for key in ("__pregel_checkpointer", "__pregel_store", "checkpoint_id", "checkpoint_ns"):
        schema.get("properties", {}).pop(key, None)
    schema.get("properties", {}).pop("thread_id", None)
    config_type = getattr(graph, "config_type", None)
    if config_type is not None and hasattr(config_type, "__name__"):
        schema["title"] = config_type.__name__
    return schema
