"""The app's thread and user actions: new thread, switch or delete one, reset the demo, set the
user id.

A mixin of `DoubletextApp` (Textual looks an action up on the app by name, so they must be the
app's methods); apart from it so that the app module keeps to wiring and composing. Opening a
thread itself stays the app's (`open_thread`): it owns the session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

from tui.client import Backend, friendly_error
from tui.prefs import LastThreads
from tui.widgets.dialogs import ConfirmDialog, ThreadPicker, UserIdDialog

if TYPE_CHECKING:
    from textual.screen import Screen

    from tui.session import ThreadSession


class ThreadActions:
    """Mixed into `DoubletextApp`; the annotations and stubs name what it takes from there."""

    backend: Backend
    user_id: str
    engine_key: str
    last_threads: LastThreads
    session: ThreadSession | None

    if TYPE_CHECKING:  # the app's (and Textual's): no stubs at run time, they would shadow them
        thread_id: str | None

        def open_thread(self, thread_id: str | None) -> None: ...
        def _header(self) -> None: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...
        async def push_screen_wait(self, screen: Screen[Any]) -> Any: ...

    def action_new_thread(self) -> None:
        self.open_thread(None)
        self.notify("Started a new thread.", timeout=2)

    @work(group="threads", exclusive=True, exit_on_error=False)
    async def action_switch_thread(self) -> None:
        try:
            threads = await self.backend.thread_summaries()
        except Exception as exc:
            self.notify(friendly_error(exc, self.backend.url), severity="error")
            return
        choice = await self.push_screen_wait(ThreadPicker(threads, self.thread_id))
        if choice is None:
            return
        what, thread_id = choice
        if what == "new":
            self.action_new_thread()
        elif what == "open" and thread_id != self.thread_id:
            self.open_thread(thread_id)
        elif what == "delete" and thread_id:
            await self._delete_thread(thread_id)

    async def _delete_thread(self, thread_id: str) -> None:
        question = f"Delete thread {thread_id[:8]} with all its runs and checkpoints?"
        if not await self.push_screen_wait(ConfirmDialog(question)):
            return
        try:
            await self.backend.delete_thread(thread_id)
        except Exception as exc:
            self.notify(friendly_error(exc, self.backend.url), severity="error")
            return
        self.notify(f"Deleted thread {thread_id[:8]}.", timeout=3)
        if thread_id == self.thread_id:
            self.open_thread(None)

    @work(group="threads", exclusive=True, exit_on_error=False)
    async def action_reset_demo(self) -> None:
        question = (
            f"Reset for a demo: start a new thread and delete every todo of user {self.user_id}?"
        )
        if not await self.push_screen_wait(ConfirmDialog(question)):
            return
        try:
            removed = await self.backend.clear_todos(self.user_id)
        except Exception as exc:
            self.notify(friendly_error(exc, self.backend.url), severity="error")
            return
        self.open_thread(None)
        self.notify(f"New thread; {removed} todo(s) of {self.user_id} deleted.", timeout=4)

    @work(group="user", exclusive=True, exit_on_error=False)
    async def action_set_user(self) -> None:
        user = await self.push_screen_wait(UserIdDialog(self.user_id))
        if user and "." in user:
            self.notify("User ids cannot contain '.' (store namespace rule).", severity="error")
        elif user and user != self.user_id:
            self.user_id = user
            self.last_threads.put(self.engine_key, user, self.thread_id)
            if self.session is not None:
                self.session.set_user(user)
            self._header()
