"""httpx transport that answers requests from a LocalWorkspace in-process."""

from __future__ import annotations

import httpx

from .common import query_params
from .faults import SimulatedTimeout
from .workspace import LocalWorkspace


class LocalTransport(httpx.BaseTransport):
    """Route an ``httpx.Client`` (e.g. the one inside ``notion_client.Client``) to a workspace.

    Headers (Authorization, Notion-Version, Content-Type) are passed through unchanged,
    as a server would see them. A ``timeout`` fault raises ``httpx.ReadTimeout``.
    """

    def __init__(self, workspace: LocalWorkspace) -> None:
        self.workspace = workspace

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        query = query_params(request.url.params.multi_items())
        try:
            status, headers, content = self.workspace.dispatch(
                request.method, request.url.path, query, dict(request.headers), body
            )
        except SimulatedTimeout as exc:
            raise httpx.ReadTimeout(str(exc), request=request) from None
        return httpx.Response(status, headers=headers, content=content, request=request)
