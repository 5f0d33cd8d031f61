"""What `POST /v1/search` finds: Notion's search index, which lags behind writes.

Notion documents that "Search indexing is not immediate" (Search optimizations and
limitations) without saying for how long. The June 2026 recordings (ultimate-notion,
Notion-Version 2026-03-11) show it: a client that creates a page or database and then searches
for its title again and again gets it from about the **10th** request after the create; a data
source moved to the trash stays in the results (answered with `in_trash: true`) for as long.
The 2022-06-28 recordings (notion-sdk-py, Dec 2024) show no lag (five pages found by the
search right after their creates, trashed ones gone from the next one), so that version keeps
an index that is always current. See MESSAGES.md ("Search index").

The lag is counted in requests answered by the workspace, not in seconds, so that a test is
deterministic. A workspace opened again starts with every earlier write indexed.
"""

from __future__ import annotations

from typing import Any

# requests after a create / trash / restore before search shows it (recorded: 10)
SEARCH_INDEX_LAG = 10


def lag_for(ws, ctx) -> int:
    return 0 if ctx.legacy else ws.search_index_lag


class IndexView:
    """The index as one search sees it: `entries` read once, `now` the request's number."""

    def __init__(self, ws, ctx) -> None:
        self.entries = ws.store.search_entries()
        self.now = ws.store.request_no
        self.lag = lag_for(ws, ctx)

    def indexed_trash(self, obj: dict[str, Any]) -> bool | None:
        """The object's `in_trash` as the index knows it; None: not in the index yet."""
        entry = self.entries.get(obj["id"])
        if entry is None:  # written before the index was kept: long settled
            return bool(obj.get("in_trash"))
        since, trashed, before, _ = entry
        return trashed if self.now - since >= self.lag else before

    def finds(self, obj: dict[str, Any], trash: bool, *, kept_when_trashed: bool = False) -> bool:
        """Whether a search finds it: the trash (`filter.in_trash`) is read as it is now (no
        recording shows otherwise); other searches read the index. `kept_when_trashed`: a data
        source trashed on its own (its database is not) stays listed, answered `in_trash: true`
        (recorded: listed three days after its trash)."""
        if trash:
            return bool(obj.get("in_trash"))
        indexed = self.indexed_trash(obj)
        return indexed is False or (indexed is True and kept_when_trashed)

    def edit_order(self, obj: dict[str, Any]) -> int:
        entry = self.entries.get(obj["id"])
        return entry[3] if entry else 0
