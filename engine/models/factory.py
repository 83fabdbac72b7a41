"""Pick and build the chat model from a run's config or the environment.

Why one place: the graph, the engine's `--model`/`--pace` flags and tests must agree on where
settings come from. Precedence for each setting: the run's `configurable` key, then the
environment variable, then the default:

- model: `doubletext_model` → `DOUBLETEXT_MODEL` → "offline" (else "provider:name", e.g.
  "openai:gpt-4o-mini", built with LangChain's `init_chat_model`; needs the optional extra)
- pace:  `doubletext_pace` → `DOUBLETEXT_PACE` → 1.0 (offline model only; 0 = no delays)
- clock: `now` (ISO string) → wall clock (offline model only)
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from langchain_core.language_models import BaseChatModel

from engine.models.offline import OfflineChatModel, parse_now

# provider -> (python module, pip name, extra, API-key variable or None)
PROVIDERS: dict[str, tuple[str, str, str, str | None]] = {
    "openai": ("langchain_openai", "langchain-openai", "openai", "OPENAI_API_KEY"),
    "anthropic": ("langchain_anthropic", "langchain-anthropic", "anthropic", "ANTHROPIC_API_KEY"),
    "ollama": ("langchain_ollama", "langchain-ollama", "ollama", None),
}


class ModelConfigError(RuntimeError):
    """A model spec that cannot work here; the message is one line meant for the user."""


def _setting(config: dict[str, Any] | None, key: str) -> Any:
    configurable = (config or {}).get("configurable") or {}
    value = configurable.get(key)
    return value if value not in (None, "") else os.environ.get(key.upper()) or None


def parse_pace(value: Any) -> float:
    """A pace multiplier (float ≥ 0); None → 1.0."""
    if value in (None, ""):
        return 1.0
    try:
        pace = float(value)
    except (TypeError, ValueError):
        raise ModelConfigError(f"pace must be a number ≥ 0, got {value!r}") from None
    if pace < 0:
        raise ModelConfigError(f"pace must be a number ≥ 0, got {value!r}")
    return pace


def make_chat_model(
    spec: str = "offline", *, pace: float = 1.0, now: Callable[[], datetime] | None = None
) -> BaseChatModel:
    """ "offline" → `OfflineChatModel(pace, now)`; "provider:name" → `init_chat_model(spec)`.

    Raises `ModelConfigError` (one clear line) for an unknown provider, a missing package or a
    missing API key.
    """
    spec = spec.strip()
    if spec in ("", "offline"):
        return OfflineChatModel(pace=pace, now=now)
    return _real_model(spec)


@lru_cache(maxsize=8)
def _real_model(spec: str) -> BaseChatModel:
    provider, _, name = spec.partition(":")
    if provider not in PROVIDERS or not name:
        raise ModelConfigError(
            f"unknown model {spec!r}: use 'offline' or provider:name with provider "
            f"{', '.join(PROVIDERS)} (e.g. 'openai:gpt-4o-mini')"
        )
    module, package, extra, key_var = PROVIDERS[provider]
    for mod, pkg in ((module, package), ("langchain", "langchain")):
        if importlib.util.find_spec(mod) is None:
            raise ModelConfigError(
                f"model {spec!r} needs the package {pkg}: pip install 'doubletext[{extra}]'"
            )
    if key_var and not os.environ.get(key_var):
        raise ModelConfigError(f"model {spec!r} needs the environment variable {key_var}")
    from langchain.chat_models import init_chat_model

    try:
        return init_chat_model(spec)
    except Exception as exc:  # provider constructors raise many types; keep the first line
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ModelConfigError(f"model {spec!r} could not be created: {first}") from exc


def clock_from_config(config: dict[str, Any] | None) -> Callable[[], datetime] | None:
    """Configurable `now` (ISO string) pins the clock; None means the wall clock."""
    value = ((config or {}).get("configurable") or {}).get("now")
    if not value:
        return None
    fixed = parse_now(value)
    return lambda: fixed


def model_from_config(config: dict[str, Any] | None) -> BaseChatModel:
    """The model a graph node should use for this run (see module docstring for precedence)."""
    spec = str(_setting(config, "doubletext_model") or "offline")
    return make_chat_model(
        spec, pace=parse_pace(_setting(config, "doubletext_pace")), now=clock_from_config(config)
    )
