"""Load the graphs a `langgraph.json` names and compile them with our checkpointer and store."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

from engine.errors import ConfigError, UnknownAssistant

# The LangGraph server names each graph's system assistant uuid5(this namespace, graph_id).
ASSISTANT_NAMESPACE = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")


def assistant_id_for(graph_id: str) -> str:
    return str(uuid.uuid5(ASSISTANT_NAMESPACE, graph_id))


@dataclass
class GraphEntry:
    graph_id: str
    assistant_id: str
    graph: Pregel


def read_graph_specs(config_path: Path) -> dict[str, str]:
    try:
        data = json.loads(config_path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {config_path}") from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {config_path}: {exc}") from exc
    graphs = data.get("graphs") if isinstance(data, dict) else None
    if not isinstance(graphs, dict) or not graphs:
        raise ConfigError(f'{config_path} has no "graphs" object')
    specs: dict[str, str] = {}
    for name, spec in graphs.items():
        if isinstance(spec, dict):
            spec = spec.get("path")
        if not isinstance(spec, str) or ":" not in spec:
            raise ConfigError(f"graph {name!r} in {config_path}: expected 'path.py:attr'")
        specs[name] = spec
    return specs


def load_object(spec: str, base_dir: Path) -> Any:
    """`./file.py:attr` (relative to the config file) or `package.module:attr`."""
    target, _, attr = spec.rpartition(":")
    try:
        if target.endswith(".py") or "/" in target:
            path = (base_dir / target).resolve()
            module = _import_path(path)
        else:
            module = importlib.import_module(target)
    except (ConfigError, KeyboardInterrupt):
        raise
    except BaseException as exc:  # SystemExit too: a graph module must not end the server
        raise ConfigError(f"cannot import {target}: {_describe(exc)}") from exc
    try:
        return getattr(module, attr)
    except AttributeError as exc:
        raise ConfigError(f"{target} has no attribute {attr!r}") from exc
    except Exception as exc:  # a module-level __getattr__ may raise anything
        raise ConfigError(f"cannot read {spec}: {_describe(exc)}") from exc


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _import_path(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError(f"graph file not found: {path}")
    dotted = _dotted_name(path)
    if dotted is not None:
        return importlib.import_module(dotted)
    name = f"doubletext_graph_{abs(hash(path))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _dotted_name(path: Path) -> str | None:
    """Import files inside an importable package by module name, so they load only once."""
    for root in map(Path, sys.path or ["."]):
        try:
            relative = path.relative_to(root.resolve())
        except (ValueError, OSError):
            continue
        parts = relative.with_suffix("").parts
        package_dir = root.resolve()
        ok = True
        for part in parts[:-1]:
            package_dir = package_dir / part
            if not (package_dir / "__init__.py").is_file():
                ok = False
                break
        if ok and parts and all(p.isidentifier() for p in parts):
            return ".".join(parts)
    return None


def compile_graph(obj: Any, name: str, checkpointer: Any, store: Any) -> Pregel:
    builder = getattr(obj, "builder", None) if isinstance(obj, Pregel) else obj
    if isinstance(builder, StateGraph):
        return builder.compile(checkpointer=checkpointer, store=store, name=name)
    if isinstance(obj, Pregel):
        # A graph without a builder (e.g. functional API): attach our persistence to a copy.
        return obj.copy(update={"checkpointer": checkpointer, "store": store})
    raise ConfigError(f"graph {name!r} is neither a StateGraph nor a compiled graph")


class GraphRegistry:
    def __init__(self, entries: dict[str, GraphEntry]) -> None:
        self.entries = entries
        self._by_assistant = {e.assistant_id: e for e in entries.values()}

    @classmethod
    def load(cls, config_path: Path, checkpointer: Any, store: Any) -> GraphRegistry:
        base_dir = config_path.resolve().parent
        if str(base_dir) not in sys.path:
            sys.path.insert(0, str(base_dir))
        entries = {}
        for name, spec in read_graph_specs(config_path).items():
            obj = load_object(spec, base_dir)
            try:
                graph = compile_graph(obj, name, checkpointer, store)
            except ConfigError:
                raise
            except Exception as exc:
                raise ConfigError(f"cannot compile graph {name!r}: {_describe(exc)}") from exc
            entries[name] = GraphEntry(name, assistant_id_for(name), graph)
        return cls(entries)

    @property
    def names(self) -> list[str]:
        return list(self.entries)

    def resolve(self, assistant_id: str) -> GraphEntry:
        """A graph name or its system assistant's UUID."""
        entry = self.entries.get(assistant_id) or self._by_assistant.get(assistant_id)
        if entry is None:
            raise UnknownAssistant(str(assistant_id), self.names)
        return entry
