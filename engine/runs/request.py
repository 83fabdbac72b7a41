"""A run request, parsed once: the HTTP body and the Python API's keywords become one object.

Every field is checked here and only here, with the messages of `engine.fields`, so an HTTP
client and a Python caller get the same 422 for the same mistake. The enums come from the
modules that own them (strategies, stream modes), never from a copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine import errors
from engine.fields import Fields, invalid, json_type
from engine.runs.strategy import DEFAULT_STRATEGY, STRATEGIES, Strategy
from engine.runs.streaming import DEFAULT_MODES
from engine.serde import to_jsonable

DURABILITIES = ("sync", "async", "exit")
IF_NOT_EXISTS = ("reject", "create")
ON_COMPLETION = ("delete", "keep")
ON_DISCONNECT = ("cancel", "continue")
# An endless delay would park the thread's queue behind a run that never starts.
MAX_AFTER_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class RunRequest:
    assistant_id: str
    input: Any = None
    command: dict[str, Any] | None = None
    config: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    multitask_strategy: Strategy = DEFAULT_STRATEGY
    stream_mode: list[str] = field(default_factory=lambda: list(DEFAULT_MODES))
    stream_subgraphs: bool = False
    stream_resumable: bool = False
    if_not_exists: str = "reject"
    after_seconds: float = 0
    durability: str = "async"
    checkpoint_id: str | None = None
    interrupt_before: str | list[str] | None = None
    interrupt_after: str | list[str] | None = None
    on_completion: str | None = None
    on_disconnect: str = "continue"
    webhook: str | None = None
    feedback_keys: list[str] | None = None
    checkpoint_during: bool | None = None

    @property
    def cancel_on_disconnect(self) -> bool:
        return self.on_disconnect == "cancel"

    @classmethod
    def parse(cls, body: dict[str, Any], *, stateless: bool = False) -> RunRequest:
        """Validate a run-creation body (the reference's RunCreateStateful/Stateless schemas)."""
        if not isinstance(body, dict):
            raise invalid("a run request must be an object")
        fields = Fields(body)
        assistant_id = fields.string("assistant_id", required=True) or ""
        run_input = fields.raw("input")
        if run_input is not None and not isinstance(run_input, dict | list):
            raise invalid(f"'input' must be an object or an array, got {json_type(run_input)}")
        command = fields.obj("command") or None
        # A copy made of JSON types only: the caller's dict is never kept, too deep is a 422.
        config = to_jsonable(fields.obj("config") or {})
        context = fields.obj("context")
        if config.get("configurable") and context:
            raise errors.BadRequest(
                "Cannot specify both config.configurable and context: prefer setting context alone"
            )
        for name in ("configurable", "metadata"):
            if config.get(name) is not None and not isinstance(config[name], dict):
                raise invalid(f"'config.{name}' must be an object")
        limit = config.get("recursion_limit")
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise invalid("'config.recursion_limit' must be a positive integer")
        if stateless and command and command.get("resume") is not None:
            raise errors.BadRequest("You must provide a thread_id when resuming.")
        webhook, feedback_keys = fields.string("webhook"), fields.strings("feedback_keys")
        _refuse_unsupported(webhook, feedback_keys)
        checkpoint_during = fields.raw("checkpoint_during")
        if not isinstance(checkpoint_during, bool | None):
            raise invalid("'checkpoint_during' must be a boolean")
        durability = fields.choice("durability", DURABILITIES)
        if durability is None:  # as the reference: no checkpoints during the run means "exit"
            durability = "exit" if checkpoint_during is False else "async"
        return cls(
            assistant_id=assistant_id,
            input=run_input,
            command=command,
            config=config,
            context=context,
            metadata=fields.obj("metadata") or {},
            multitask_strategy=fields.choice(  # type: ignore[arg-type]
                "multitask_strategy", STRATEGIES, DEFAULT_STRATEGY
            ),
            stream_mode=fields.stream_modes("stream_mode") or list(DEFAULT_MODES),
            stream_subgraphs=fields.boolean("stream_subgraphs"),
            stream_resumable=fields.boolean("stream_resumable"),
            if_not_exists=fields.choice("if_not_exists", IF_NOT_EXISTS, "reject") or "reject",
            after_seconds=fields.number("after_seconds", maximum=MAX_AFTER_SECONDS) or 0,
            durability=durability,
            checkpoint_id=_checkpoint_id(fields),
            interrupt_before=fields.nodes("interrupt_before"),
            interrupt_after=fields.nodes("interrupt_after"),
            on_completion=fields.choice("on_completion", ON_COMPLETION) if stateless else None,
            on_disconnect=fields.choice("on_disconnect", ON_DISCONNECT, "continue") or "continue",
            webhook=webhook,
            feedback_keys=feedback_keys,
            checkpoint_during=checkpoint_during,
        )


def _refuse_unsupported(webhook: str | None, feedback_keys: list[str] | None) -> None:
    """Options this server cannot honour are refused, not silently dropped."""
    if webhook:
        raise invalid(
            "'webhook' is not supported by this server (it makes no outbound HTTP calls): "
            "join the run or follow its stream instead"
        )
    if feedback_keys:
        raise invalid(
            "'feedback_keys' is not supported by this server (there is no LangSmith to "
            "collect feedback in)"
        )


def _checkpoint_id(fields: Fields) -> str | None:
    checkpoint_id = fields.string("checkpoint_id")
    checkpoint = fields.obj("checkpoint")
    if checkpoint_id is None and checkpoint is not None:
        checkpoint_id = checkpoint.get("checkpoint_id")
        if checkpoint_id is not None and not isinstance(checkpoint_id, str):
            raise invalid("'checkpoint.checkpoint_id' must be a string")
    return checkpoint_id


def first_human_text(run_input: Any) -> str | None:
    """The first human message's text in a run's input (for the story and cancel reasons)."""
    messages = run_input.get("messages") if isinstance(run_input, dict) else None
    if not isinstance(messages, list):
        return None
    for message in messages:
        role, content = _role_and_content(message)
        if role in ("human", "user"):
            return content if isinstance(content, str) else _text_of(content)
    return None


def _role_and_content(message: Any) -> tuple[str | None, Any]:
    if isinstance(message, dict):
        return message.get("type") or message.get("role"), message.get("content")
    if isinstance(message, list | tuple) and len(message) == 2:
        return message[0], message[1]
    return getattr(message, "type", None), getattr(message, "content", None)


def _text_of(content: Any) -> str | None:
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict)]
        parts += [p for p in content if isinstance(p, str)]
        return "".join(parts) or None
    return None
