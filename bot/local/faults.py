"""Deterministic fault injection and a simulated per-connection rate limit."""

from __future__ import annotations

import json
import math
import random
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable

FAULT_KINDS = ("rate_limited", "status", "after_write", "timeout")
PRE_STATUSES = (500, 502, 503, 504, 529)
REFUSED_STATUSES = (400,)  # a request Notion refuses (nothing applied, not retried): e.g. an append mid-build
AFTER_WRITE_STATUSES = (500, 503, 504)

# code and message Notion uses for each status (Status codes page / Request limits page).
STATUS_CODES: dict[int, tuple[str, str]] = {
    500: ("internal_server_error", "Unexpected error occurred."),
    502: ("bad_gateway", "Notion encountered an issue while attempting to complete this request. Please try again."),
    503: (
        "service_unavailable",
        "Notion is unavailable. This can occur when the time to respond to a request takes longer than 60 seconds, the maximum request timeout. Please try again later.",
    ),
    504: ("gateway_timeout", "Notion timed out while attempting to complete this request. Please try again later."),
    529: ("service_overload", "Notion is temporarily overloaded. Please try again later."),
    400: ("validation_error", "body failed validation: the request was refused (an injected fault)."),
}


@dataclass
class FaultRule:
    """One rule. A request matches when every given selector matches.

    Selectors: ``at`` (request index or list of indexes, 0-based since the plan was set),
    ``every``/``offset`` (index % every == offset), ``method`` (regex, case-insensitive),
    ``path`` (regex searched in the path), ``rate`` (probability, drawn from a
    ``random.Random(seed)`` owned by the rule, so the sequence is reproducible), and
    ``times`` (stop after firing this many times).
    """

    kind: str
    at: int | list[int] | None = None
    every: int | None = None
    offset: int = 0
    method: str | None = None
    path: str | None = None
    rate: float | None = None
    seed: int | None = None
    times: int | None = None
    status: int | None = None
    retry_after: int = 1
    apply: bool = False  # timeout: apply the request before timing out
    delay_s: float = 65.0  # timeout over HTTP: how long the server stalls
    fired: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")
        if self.kind == "status":
            self.status = self.status or 503
            if self.status not in PRE_STATUSES + REFUSED_STATUSES:
                raise ValueError(f"status fault must be one of {PRE_STATUSES + REFUSED_STATUSES}")
        if self.kind == "after_write":
            self.status = self.status or 503
            if self.status not in AFTER_WRITE_STATUSES:
                raise ValueError(f"after_write fault must be one of {AFTER_WRITE_STATUSES}")
        if self.rate is not None and not 0 <= self.rate <= 1:
            raise ValueError("rate must be within [0, 1]")
        self._rng = random.Random(self.seed if self.seed is not None else 0)
        self._method = re.compile(self.method, re.I) if self.method else None
        self._path = re.compile(self.path) if self.path else None

    def matches(self, index: int, method: str, path: str) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if self.at is not None:
            ats = self.at if isinstance(self.at, list) else [self.at]
            if index not in ats:
                return False
        if self.every is not None and (index % self.every) != self.offset:
            return False
        if self._method is not None and not self._method.fullmatch(method):
            return False
        if self._path is not None and not self._path.search(path):
            return False
        if self.rate is not None:
            # Drawn only for requests that passed the other selectors, so the
            # outcome depends on the seed and the request sequence alone.
            if self._rng.random() >= self.rate:
                return False
        return True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for k in ("at", "every", "method", "path", "rate", "seed", "times", "status"):
            v = getattr(self, k)
            if v is not None:
                out[k] = v
        if self.every is not None and self.offset:
            out["offset"] = self.offset
        if self.kind == "rate_limited":
            out["retry_after"] = self.retry_after
        if self.kind == "timeout":
            out["apply"] = self.apply
            out["delay_s"] = self.delay_s
        return out


class FaultPlan:
    """Ordered fault rules; the first matching rule fires."""

    def __init__(self, rules: Iterable[FaultRule | dict[str, Any]] = ()) -> None:
        self.rules: list[FaultRule] = [r if isinstance(r, FaultRule) else FaultRule(**r) for r in rules]
        self._lock = threading.Lock()

    @classmethod
    def from_spec(cls, spec: str | None) -> "FaultPlan":
        """Parse the CLI/env form.

        JSON: ``'[{"at": 3, "kind": "status", "status": 503}, {"rate": 0.1, "kind": "rate_limited", "retry_after": 1, "seed": 7}]'``
        (a single object is accepted too). Compact: ``'status:503@3; rate_limited@rate=0.1,seed=7,retry_after=1'``
        i.e. ``kind[:status]@selector[,key=value...]`` separated by ``;``.
        """
        if spec is None or not spec.strip():
            return cls()
        text = spec.strip()
        if text[0] in "[{":
            data = json.loads(text)
            if isinstance(data, dict):
                data = [data]
            return cls(data)
        rules = []
        for part in text.split(";"):
            part = part.strip()
            if not part:
                continue
            head, _, sel = part.partition("@")
            kind, _, status = head.partition(":")
            rule: dict[str, Any] = {"kind": kind.strip()}
            if status:
                rule["status"] = int(status)
            for item in filter(None, (s.strip() for s in sel.split(","))):
                if "=" not in item:
                    rule["at"] = int(item)
                    continue
                k, v = (x.strip() for x in item.split("=", 1))
                if k in ("at", "every", "offset", "seed", "times", "status", "retry_after"):
                    rule[k] = int(v)
                elif k in ("rate", "delay_s"):
                    rule[k] = float(v)
                elif k == "apply":
                    rule[k] = v.lower() in ("1", "true", "yes")
                else:
                    rule[k] = v
            rules.append(rule)
        return cls(rules)

    def to_spec(self) -> str:
        return json.dumps([r.to_dict() for r in self.rules])

    def match(self, index: int, method: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(index, method, path):
                    rule.fired += 1
                    return rule
        return None

    def __bool__(self) -> bool:
        return bool(self.rules)

    def __repr__(self) -> str:
        return f"FaultPlan({self.to_spec()})"


class RateLimit:
    """Notion's per-connection limit: ``requests`` per ``window_s`` seconds.

    Sliding window by default (``sliding=False`` for fixed windows), measured on the
    workspace clock. Limited requests are not counted. Retry-After is the whole number
    of seconds until a slot frees up, at least 1 and at most 60 (Notion documents that
    the per-connection Retry-After is at most 60 seconds).
    """

    def __init__(
        self, requests: int = 180, window_s: float = 60.0, *, sliding: bool = True, retry_after: int | None = None
    ) -> None:
        if requests < 1 or window_s <= 0:
            raise ValueError("requests must be >= 1 and window_s > 0")
        self.requests = requests
        self.window_s = window_s
        self.sliding = sliding
        # Fixed Retry-After (e.g. 1) instead of the time until a slot frees: Notion does not
        # promise an accurate one, and a client must not give up on a short one.
        self.retry_after = retry_after
        self._hits: dict[str, deque[float]] = {}
        self._fixed: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    @classmethod
    def of(cls, budget: tuple[int, float] | None) -> "RateLimit | None":
        """A limit from a (requests, window seconds) budget; None (no limit) for None."""
        return cls(*budget) if budget is not None else None

    def check(self, key: str, now: float) -> int | None:
        """Count a request; return None if allowed, else the Retry-After seconds."""
        with self._lock:
            if self.sliding:
                hits = self._hits.setdefault(key, deque())
                while hits and hits[0] <= now - self.window_s:
                    hits.popleft()
                if len(hits) >= self.requests:
                    wait = hits[0] + self.window_s - now
                    return self.retry_after or max(1, min(60, math.ceil(wait - 1e-9)))
                hits.append(now)
                return None
            start, count = self._fixed.get(key, (now, 0))
            if now >= start + self.window_s:
                start, count = now - ((now - start) % self.window_s), 0
            if count >= self.requests:
                return self.retry_after or max(1, min(60, math.ceil(start + self.window_s - now - 1e-9)))
            self._fixed[key] = (start, count + 1)
            return None

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
            self._fixed.clear()

    def __repr__(self) -> str:
        return f"RateLimit(requests={self.requests}, window_s={self.window_s}, sliding={self.sliding})"


@dataclass
class RequestRecord:
    index: int
    method: str
    path: str
    status: int
    fault: str | None = None  # e.g. "status:503", "after_write:503", "rate_limited", "timeout"
    user_id: str | None = None
    at: str | None = None  # workspace clock ISO timestamp
    request_id: str | None = None


class SimulatedTimeout(Exception):
    """Raised by ``LocalWorkspace.dispatch`` for a ``timeout`` fault.

    ``LocalTransport`` turns it into ``httpx.ReadTimeout``; the HTTP server stalls for
    ``delay_s`` and then drops the connection.
    """

    def __init__(self, applied: bool, delay_s: float) -> None:
        super().__init__("simulated timeout" + (" (request applied)" if applied else ""))
        self.applied = applied
        self.delay_s = delay_s
