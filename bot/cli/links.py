"""Page links printed for the embedded workspace.

Its pages carry URLs on `bot local serve`'s default address (bot.state.LOCAL_PUBLIC_BASE_URL),
whatever port a server uses, so what the bot writes into pages (language links) stays the same.
What is *printed* points where the pages can be opened: while `bot local serve` runs (it
records its address in the state dir), links are rewritten to that server; with no server,
a note says how to open them.
"""

from __future__ import annotations

import json
import os

from ..state import LOCAL_PUBLIC_BASE_URL, state_dir


def record_serving(root, url: str) -> None:
    """Called by `bot local serve` once it listens (removed by `forget_serving` when it stops)."""
    path = state_dir(root).local_serve
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"url": url, "pid": os.getpid()}), encoding="utf-8")
    except OSError:
        pass  # a read-only state dir: links are printed on the default address, with the note


def forget_serving(root) -> None:
    path = state_dir(root).local_serve
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def serving_url(root) -> str | None:
    """The address of a running `bot local serve` for this state dir, if any."""
    try:
        record = json.loads(state_dir(root).local_serve.read_text(encoding="utf-8"))
        url, pid = str(record["url"]).rstrip("/"), int(record["pid"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # the server is gone (killed without cleaning up)
    except PermissionError:
        pass  # alive, another user's
    return url


class PageLinks:
    """Fixes the links in text about to be printed (no-op for real Notion)."""

    def __init__(self, settings, *, quiet: bool = False):
        self.embedded = bool(settings.uses_local_workspace)
        self.served = serving_url(settings.state_dir) if self.embedded else None
        self.quiet = quiet
        self._noted = False

    def print(self, text: str) -> None:
        """Print data on stdout with its links fixed; the first time a link cannot be opened
        yet, say on stderr how to open it."""
        from .common import stderr

        print(self.fix(text))
        note = self.note(text)
        if note and not self._noted and not self.quiet:
            stderr(note)
            self._noted = True

    def fix(self, text: str) -> str:
        if self.served and self.served != LOCAL_PUBLIC_BASE_URL:
            return text.replace(LOCAL_PUBLIC_BASE_URL + "/", self.served + "/")
        return text

    def note(self, text: str) -> str | None:
        """How to open the printed links when no server serves them."""
        if not self.embedded or self.served or f"{LOCAL_PUBLIC_BASE_URL}/p/" not in text:
            return None
        port = LOCAL_PUBLIC_BASE_URL.rsplit(":", 1)[1]
        return (
            f"note: the page links open in a browser while `bot local serve --port {port}` runs (no server is running now); "
            "or read a page here: bot local show SLUG"
        )
