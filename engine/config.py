"""Engine settings: where data lives, which graphs to serve, how runs are scheduled."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "langgraph.json"


def default_data_dir() -> Path:
    """`DOUBLETEXT_HOME` if set, else the platform's per-user data directory."""
    env = os.environ.get("DOUBLETEXT_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("doubletext", appauthor=False))


@dataclass
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    config_path: Path = DEFAULT_CONFIG
    # Runs on different threads execute concurrently up to this many at once.
    max_concurrency: int = 16
    # Offline model pace multiplier (1.0 = like a hosted model, 0 = instant); None = leave env.
    pace: float | None = None
    # Chat model spec ("offline", "openai:gpt-4o-mini", ...); None = leave env.
    model: str | None = None
    # LangGraph keeps store writes on rollback; set True to undo a rolled-back run's writes.
    rollback_undoes_store: bool = False
    # A run still running after this many seconds ends with status `timeout`.
    run_timeout_s: float | None = None
    # How many times a run interrupted by a crash is resumed before it ends in `error`.
    max_attempts: int = 3
    # Recursion limit applied when a run's config does not set one.
    default_recursion_limit: int = 25
    # Keep each thread's story (docs/story.md); off only to measure what recording it costs.
    story: bool = True
    # The newest events of each thread's story kept (older ones are trimmed as runs end).
    story_retention: int = 10_000

    def apply_model_env(self) -> None:
        """Hand pace/model to graphs through the environment (graphs must not import us)."""
        if self.pace is not None:
            os.environ["DOUBLETEXT_PACE"] = str(self.pace)
        if self.model is not None:
            os.environ["DOUBLETEXT_MODEL"] = self.model
