"""A Collapsible whose title may change after it is shown (a tool call, a policy's why)."""

from __future__ import annotations

from textual.widgets import Collapsible


class Titled(Collapsible):
    def retitle(self, title: str) -> None:
        """Show `title` and have its height measured again.

        Guards a Textual 8.2 cache: a widget's box model is cached by a layout counter that
        `refresh(layout=True)` bumps only when no layout is pending. A title changed twice
        before the first change was laid out kept the first one's height, so a title that grew
        to two lines drew on one (seen under load: "· 3 SDK calls" cut off a policy's why).
        """
        if self.title == title:
            return
        self.title = title
        for widget in self.query_children("CollapsibleTitle"):
            widget._box_model_cache.clear()  # no public way to drop it
            widget.refresh(layout=True)
