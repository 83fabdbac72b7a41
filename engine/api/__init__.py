"""HTTP API: the LangGraph Agent Server routes, bodies, status codes and SSE framing."""

from engine.api.app import create_app

__all__ = ["create_app"]
