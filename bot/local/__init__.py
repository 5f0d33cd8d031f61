"""Embedded local Notion workspace (Notion-API-compatible, SQLite-backed).

Reach it through the official SDK with an in-process transport::

    ws = LocalWorkspace(":memory:")
    db_id, ds_id = ws.ensure_database("Newsletter", {"title": {"title": {}}})
    notion = notion_client.Client(auth=ws.bot_token, base_url="http://local",
                                  client=httpx.Client(transport=LocalTransport(ws)))

or over HTTP with ``serve(ws, port=0)``.
"""

from .errors import LocalAPIError
from .faults import FaultPlan, FaultRule, RateLimit, RequestRecord, SimulatedTimeout
from .server import ServerHandle, serve
from .transport import LocalTransport
from .workspace import LocalWorkspace

__all__ = [
    "FaultPlan",
    "FaultRule",
    "LocalTransport",
    "LocalWorkspace",
    "LocalAPIError",
    "RateLimit",
    "RequestRecord",
    "ServerHandle",
    "SimulatedTimeout",
    "serve",
]
