"""Notion API layer: the only package that speaks HTTP."""

from .api import NotionAPI, Pacer, RequestStats, RetryPolicy
from .errors import NotFoundError, NotionError, OutcomeUnknownError, RateLimitedError, RetriesExhaustedError

__all__ = [
    "NotionAPI",
    "Pacer",
    "RequestStats",
    "RetryPolicy",
    "NotionError",
    "NotFoundError",
    "OutcomeUnknownError",
    "RateLimitedError",
    "RetriesExhaustedError",
]
