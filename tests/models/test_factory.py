"""make_chat_model: offline by default, one clear line when a real model cannot work."""

from __future__ import annotations

import importlib.util

import pytest

from engine.models.factory import ModelConfigError, make_chat_model, model_from_config, parse_pace
from engine.models.offline import OfflineChatModel


def test_offline_default(monkeypatch):
    monkeypatch.delenv("DOUBLETEXT_MODEL", raising=False)
    assert isinstance(make_chat_model(), OfflineChatModel)
    assert make_chat_model("offline", pace=0).pace == 0
    assert isinstance(model_from_config(None), OfflineChatModel)


@pytest.mark.parametrize(
    ("spec", "package", "extra"),
    [
        ("openai:gpt-4o-mini", "langchain-openai", "openai"),
        ("anthropic:claude-3-5-haiku-latest", "langchain-anthropic", "anthropic"),
        ("ollama:llama3.2", "langchain-ollama", "ollama"),
    ],
)
def test_missing_provider_package_is_one_line(spec, package, extra):
    if importlib.util.find_spec(package.replace("-", "_")):
        pytest.skip(f"{package} is installed here")
    with pytest.raises(ModelConfigError) as err:
        make_chat_model(spec)
    assert (
        str(err.value) == f"model {spec!r} needs the package {package}: pip install "
        f"'doubletext[{extra}]'"
    )
    assert "\n" not in str(err.value)


def test_model_from_env(monkeypatch):
    monkeypatch.setenv("DOUBLETEXT_MODEL", "nonsense")
    with pytest.raises(ModelConfigError, match="unknown model 'nonsense'"):
        model_from_config({})
    # configurable wins over the environment
    assert isinstance(
        model_from_config({"configurable": {"doubletext_model": "offline"}}), OfflineChatModel
    )


def test_bad_pace():
    assert parse_pace(None) == 1.0 and parse_pace("0.5") == 0.5
    with pytest.raises(ModelConfigError):
        parse_pace("fast")
    with pytest.raises(ModelConfigError):
        parse_pace(-1)
