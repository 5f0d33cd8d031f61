"""The state directory (BOT_STATE_DIR, `.bot/` by default): one place that names its files.

publish.lock            the publish lock (one publisher at a time on this host)
runs.sqlite3            the run ledger (`bot runs`, `bot status`, the scheduler's catch-up)
published/<slug>.md     what the bot last published per page (detail for drift reports)
published/<slug>.json   the page record: what the bot last wrote, to skip unchanged trees
local-notion.sqlite3    the embedded local workspace (when NOTION_TOKEN is unset)
local-serve.json        where `bot local serve` serves that workspace, while it runs
preview/<week>.html     `bot preview` output
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

LOCK_FILE = "publish.lock"
LEDGER_FILE = "runs.sqlite3"
LOCAL_WORKSPACE_FILE = "local-notion.sqlite3"
SNAPSHOT_DIR = "published"
PREVIEW_DIR = "preview"
LOCAL_SERVE_FILE = "local-serve.json"
# The base of the embedded workspace's page URLs (`…/p/<id>`): `bot local serve`'s default
# address. Pages keep it whatever port a server uses, so the content written is stable.
LOCAL_PUBLIC_BASE_URL = "http://127.0.0.1:8765"


@dataclass(frozen=True)
class StateDir:
    root: Path

    @property
    def lock(self) -> Path:
        return self.root / LOCK_FILE

    @property
    def ledger(self) -> Path:
        return self.root / LEDGER_FILE

    @property
    def local_workspace(self) -> Path:
        return self.root / LOCAL_WORKSPACE_FILE

    @property
    def local_serve(self) -> Path:
        return self.root / LOCAL_SERVE_FILE

    def snapshot(self, slug: str) -> Path:
        return self.root / SNAPSHOT_DIR / f"{slug}.md"

    def page_record(self, slug: str) -> Path:
        return self.root / SNAPSHOT_DIR / f"{slug}.json"

    def preview(self, week: str) -> Path:
        return self.root / PREVIEW_DIR / f"{week}.html"

    def ensure(self) -> "StateDir":
        """Create the folder when missing; a file (or anything but a folder) where it belongs
        is a clear StateShapeError, not the FileExistsError mkdir would raise."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise not_a_folder(self.root) from None
        return self

    def check(self) -> "StateDir":
        """The folder is a folder or absent (commands that only read it, e.g. `local reset`)."""
        if os.path.lexists(self.root) and not self.root.is_dir():
            raise not_a_folder(self.root)
        return self


def state_dir(path: Path | str) -> StateDir:
    return StateDir(Path(path))


def not_a_folder(root: Path):
    """The StateShapeError for a state folder path of which some part is not a folder: it
    names that part (the state dir itself, or a file on its way) and the fix. Never removes
    it: a file there may be the user's."""
    import stat

    from .errors import StateShapeError

    culprit = next((p for p in (root, *root.parents) if os.path.lexists(p) and not p.is_dir()), root)
    try:
        mode = os.stat(culprit).st_mode
        shape = "a file" if stat.S_ISREG(mode) else "not a folder"
    except OSError:
        shape = "a dangling symlink"
    error = StateShapeError(
        f"{culprit} is {shape}, where the bot keeps its state folder (BOT_STATE_DIR: the publish lock, "
        "the run ledger, the local workspace)"
    )
    error.hint = f"move it away (`mv {culprit} {culprit}.old`) or set BOT_STATE_DIR to a folder: the bot creates it"
    return error


def expect_file(path: Path, what: str, fix: str | None = None) -> Path:
    """`path` (a file of the state dir) is a regular file or absent; anything else — a
    directory, a FIFO, a dangling symlink — is a clear error naming it and its fix, rather
    than whatever the library opening it would raise."""
    import stat

    from .errors import StateShapeError

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if not os.path.lexists(path):
            return path
        mode = None  # a symlink to nothing
    except NotADirectoryError:
        raise not_a_folder(path.parent) from None
    except OSError as exc:
        raise StateShapeError(f"{path} ({what}) cannot be checked: {exc.strerror or exc}") from None
    if mode is None or not stat.S_ISREG(mode):
        shape = "a dangling symlink" if mode is None else "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        error = StateShapeError(f"{path} is {shape}, where the bot keeps {what} (a file)")
        error.hint = fix or f"remove it (`rm -r {path}`): the bot creates a new one"
        raise error
    return path
