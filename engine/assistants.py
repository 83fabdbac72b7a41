"""Assistants: one read-only system assistant per served graph (mixed into `Engine`)."""

from __future__ import annotations

from typing import Any

from engine.graphs.registry import GraphEntry, GraphRegistry
from engine.storage.records import now_iso

_STARTED = now_iso()


class AssistantOps:
    graphs: GraphRegistry

    def _assistant(self, entry: GraphEntry) -> dict[str, Any]:
        return {
            "assistant_id": entry.assistant_id,
            "graph_id": entry.graph_id,
            "name": entry.graph_id,
            "description": None,
            "config": {},
            "context": {},
            "metadata": {"created_by": "system"},
            "version": 1,
            "created_at": _STARTED,
            "updated_at": _STARTED,
        }

    def list_assistants(self) -> list[dict[str, Any]]:
        return [self._assistant(e) for e in self.graphs.entries.values()]

    def get_assistant(self, assistant_id: str) -> dict[str, Any]:
        return self._assistant(self.graphs.resolve(assistant_id))

    async def get_graph_schema(self, assistant_id: str) -> dict[str, Any]:
        entry = self.graphs.resolve(assistant_id)
        graph = entry.graph

        def schema(getter: Any) -> Any:
            try:
                return getter().model_json_schema()
            except Exception:
                return None

        return {
            "graph_id": entry.graph_id,
            "input_schema": schema(graph.get_input_schema),
            "output_schema": schema(graph.get_output_schema),
            "state_schema": schema(lambda: graph.get_input_schema()),
            "config_schema": schema(lambda: graph.config_schema()),
            # attribute lookups inside the lambda: a graph without them gets None, not a 500
            "context_schema": schema(lambda: graph.get_context_schema()),
        }

    async def get_graph_drawing(self, assistant_id: str) -> dict[str, Any]:
        entry = self.graphs.resolve(assistant_id)
        return entry.graph.get_graph().to_json()
