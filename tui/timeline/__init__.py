"""The thread timeline: when each run was sent, waited, ran, was cut, and what it left behind.

Pure: `model` folds story events (docs/story.md) into lanes on one clock (`cuts` reads what
stopped a run, `scale` maps time to columns); `client_side` builds the same model from what a
client sees on a server without the story; `why` phrases what each double text did; `render`
draws it with Rich (the widget and the SVG export share it); `export` writes SVG and Markdown;
`inspect` and `checkpoints` feed the run inspector and the checkpoint view.
I/O, through `langgraph_sdk` only: `fetch` (reads) and `observe` (a client's own record).
"""
