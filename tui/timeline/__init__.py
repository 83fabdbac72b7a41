"""The thread timeline: when each run was sent, waited, ran, was cut, and what it left behind.

`model` folds story events (STORY_CONTRACT.md) into lanes on one clock; `client_side` builds the
same model from what a client sees on a server without the story; `why` phrases what each double
text did; `render` draws it with Rich (the widget and the SVG export share it); `inspect` and
`checkpoints` feed the run inspector and the checkpoint view. All pure except `fetch`/`observe`,
which talk to a server through `langgraph_sdk` only.
"""
