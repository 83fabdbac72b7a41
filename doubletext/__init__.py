"""The composition root: the `doubletext` command, which wires the engine and the chat app.

`engine/` serves the LangGraph Agent Server API; `tui/` is a pure `langgraph_sdk` client that
imports nothing from `engine/`. Only this package knows both: it starts the embedded engine and
points the app at it, runs `serve` and `demo`, and makes the README's screenshots.
"""
