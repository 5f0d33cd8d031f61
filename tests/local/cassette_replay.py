"""Replay real Notion traffic (the official Python SDK's VCR cassettes) against the local workspace.

Each cassette is replayed into a fresh workspace: objects the recording refers to but does
not create (the SDK's fixture parent page, pages made by fixtures) are created first, every
recorded id and cursor is mapped to the workspace's own as answers come back, and each
request on an endpoint the workspace implements is sent and compared with Notion's answer:

* status code,
* error ``code`` (for errors),
* **shape**: the set of ``(path, type)`` pairs of the JSON body, where a path is the chain
  of object keys with ``[]`` for array elements (so elements of one array merge), and type
  is one of object/array/string/number/boolean/null. Values are ignored, so ids,
  timestamps, urls, titles and cursors never count — but ``null`` vs a string does.

Run ``python tests/local/cassette_replay.py [--http] [folder…]`` for the per-endpoint table and
the misses (``--http``: through ``serve`` on 127.0.0.1, as ``bot local serve`` runs it).
The cassettes live in ``../shared/cassettes`` beside the repository (CI) or /work/shared.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlsplit

import yaml

REPO = Path(__file__).resolve().parents[2]
CANDIDATES = (REPO.parent / "shared" / "cassettes", Path("/work/shared/cassettes"))
SDK_2025 = "notion-sdk-py"
SDK_2022 = "notion-sdk-py-2022-06-28"

ID_RE = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
BAD_TOKEN = "replay-invalid-token"

# Fields Notion added to every version after the 2022-06-28 folder was recorded (2024-12-30):
# the 2025-09-03 recordings (2025-10 … 2026-07) carry them. Against the old folder, an *extra*
# one of these in our answer is not a difference in the 2022-06-28 version, so it is tolerated.
ADDED_SINCE_2024 = (
    ".is_archived",
    ".is_locked",
    ".paragraph.icon",
    ".in_trash",
    ".bot.workspace_id",
    ".bot.workspace_limits",
    ".person.email_verified",
    ".request_id",
)


def cassette_root() -> Path | None:
    return next((p for p in CANDIDATES if p.is_dir()), None)


def dashed(raw: str) -> str:
    h = raw.replace("-", "").lower()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# ---------------------------------------------------------------- shape


def _type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    return "array" if isinstance(v, list) else "object"


def shape(v: Any, path: str = "") -> frozenset[tuple[str, str]]:
    """The set of (path, type) pairs of a JSON value (see module docstring)."""
    out = {(path or "$", _type(v))}
    if isinstance(v, dict):
        for k, x in v.items():
            out |= shape(x, f"{path}.{k}")
    elif isinstance(v, list):
        for x in v:
            out |= shape(x, f"{path}[]")
    return frozenset(out)


def shape_diff(recorded: Any, local: Any, limit: int = 4) -> str:
    a, b = shape(recorded), shape(local)
    missing = sorted(a - b)[:limit]
    extra = sorted(b - a)[:limit]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(f"{p}:{t}" for p, t in missing))
    if extra:
        parts.append("extra " + ", ".join(f"{p}:{t}" for p, t in extra))
    return "; ".join(parts)


# ---------------------------------------------------------------- cassettes


@dataclass
class Interaction:
    cassette: str
    index: int
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: str
    status: int
    response: Any

    @property
    def endpoint(self) -> str:
        return f"{self.method} {ID_RE.sub('{id}', self.path)}"


def load(folder: str) -> dict[str, list[Interaction]]:
    root = cassette_root()
    out: dict[str, list[Interaction]] = {}
    if root is None:
        return out
    for f in sorted((root / folder).glob("*.yaml")):
        data = yaml.safe_load(f.read_text())
        items = []
        for i, it in enumerate(data.get("interactions") or []):
            rq, rs = it["request"], it["response"]
            url = urlsplit(rq["uri"])
            if url.hostname != "api.notion.com":
                continue
            headers = {k.lower(): (v[0] if isinstance(v, list) else v) for k, v in (rq.get("headers") or {}).items()}
            raw = rs["body"]["string"] if "body" in rs else rs.get("content", "")  # vcrpy / httpx recordings
            try:
                resp = json.loads(raw) if raw else None
            except ValueError:
                resp = raw
            items.append(
                Interaction(
                    f.stem,
                    i,
                    rq["method"],
                    url.path,
                    parse_qsl(url.query),
                    headers,
                    rq.get("body") or "",
                    rs["status"]["code"] if "status" in rs else rs["status_code"],
                    resp,
                )
            )
        out[f.stem] = items
    return out


# ---------------------------------------------------------------- replay


@dataclass
class Outcome:
    interaction: Interaction
    status: int
    response: Any
    counted: bool
    ok: bool
    reason: str = ""


@dataclass
class Replayer:
    """One cassette against one fresh workspace."""

    items: list[Interaction]
    ws: Any = None
    ids: dict[str, str] = field(default_factory=dict)  # recorded id (dashed) -> local id
    cursors: dict[str, str] = field(default_factory=dict)  # recorded next_cursor -> local one

    http: bool = False  # over 127.0.0.1 through `serve` (what `bot local serve` runs) instead of in-process

    def __post_init__(self) -> None:
        from bot.local import LocalWorkspace, serve

        self.ws = LocalWorkspace(":memory:")
        self.server = serve(self.ws, port=0) if self.http else None
        self.bot = self.ws.bot_user_id
        self._seed_people()

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
        self.ws.close()

    def _send(self, method: str, path: str, query: dict, headers: dict, payload: bytes) -> tuple[int, bytes]:
        if self.server is None:
            status, _, content = self.ws.dispatch(method, path, query, headers, payload)
            return status, content
        import httpx

        r = httpx.request(method, self.server.url + path, params=query, headers=headers, content=payload, timeout=30)
        return r.status_code, r.content

    # -- what the recordings refer to
    def _objects(self) -> dict[str, dict]:
        """Every full object (with ``object`` and ``id``) in the recorded answers, first seen wins."""
        found: dict[str, dict] = {}

        def walk(v: Any) -> None:
            if isinstance(v, dict):
                if (
                    isinstance(v.get("id"), str)
                    and v.get("object") in ("page", "block", "database", "data_source", "user")
                    and len(v) > 2
                ):
                    found.setdefault(dashed(v["id"]) if ID_RE.fullmatch(v["id"]) else v["id"], v)
                for x in v.values():
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)

        for it in self.items:
            walk(it.response)
        return found

    def _seed_people(self) -> None:
        for obj in self._objects().values():
            if obj.get("object") == "user" and obj.get("type") == "person":
                person = obj.get("person") or {}
                uid = self.ws.add_user(
                    obj.get("name") or "Person",
                    f"replay-person-{obj['id']}",
                    email=person.get("email"),
                    avatar_url=obj.get("avatar_url"),
                )
                self.ids[dashed(obj["id"])] = uid

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        version: str = "2025-09-03",
        token: str | None = None,
        query: dict | None = None,
        headers: dict | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        h = {"authorization": f"Bearer {token or self.ws.bot_token}", "notion-version": version}
        if body is not None:
            h["content-type"] = "application/json"
        h.update(headers or {})
        payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        status, content = self._send(method, path, query or {}, h, payload)
        try:
            return status, json.loads(content)
        except ValueError:
            return status, content

    def _seed(self, rec_id: str, version: str) -> None:
        """Create the object a recorded id names, as the recordings describe it."""
        obj = self._objects().get(rec_id)
        parent = (obj or {}).get("parent") or {}
        ptype = parent.get("type")
        local_parent: dict = {"workspace": True}
        if ptype in ("page_id", "database_id", "data_source_id") and parent.get(ptype):
            pid = dashed(parent[ptype])
            if pid not in self.ids:
                self._seed(pid, version)
            local_parent = {ptype: self.ids.get(pid)}
        kind = (obj or {}).get("type") if (obj or {}).get("object") == "block" else (obj or {}).get("object", "page")
        if kind in ("page", "child_page"):
            status, created = self._call(
                "POST",
                "/v1/pages",
                {
                    "parent": local_parent,
                    "properties": {"title": {"title": [{"text": {"content": t}} for t in self._title_of(obj)]}},
                },
                version=version,
            )
        elif kind in ("database", "child_database"):
            status, created = self._call(
                "POST",
                "/v1/databases",
                {"parent": local_parent, "title": [{"text": {"content": "Seeded database"}}]},
                version=version,
            )
        else:
            return
        if status == 200:
            self.ids[rec_id] = created["id"]

    @staticmethod
    def _title_of(obj: dict | None) -> list[str]:
        """The recorded title of a page object (empty for an untitled page)."""
        if obj is None:
            return ["Seeded page"]
        if obj.get("object") == "block":
            return [obj["child_page"]["title"]] if obj.get("child_page", {}).get("title") else []
        for prop in (obj.get("properties") or {}).values():
            if isinstance(prop, dict) and prop.get("type") == "title":
                return [t.get("plain_text", "") for t in prop.get("title") or []]
        return []

    def _seed_results(self, it: Interaction, version: str) -> None:
        """A search answers with objects that exist already: create those the recording lists."""
        if it.endpoint == "POST /v1/search" and isinstance(it.response, dict):
            for obj in it.response.get("results") or []:
                rid = dashed(obj["id"])
                if rid not in self.ids:
                    self._seed(rid, version)

    def _settle_seeds(self, known: set[str]) -> None:
        """Seeds existed long before the recording: search finds them at once (the index lags
        only behind what the recording itself writes)."""
        seeded = [local for local in self.ids.values() if local not in known]
        if seeded:
            self.ws.settle_search_index(seeded)

    # -- request rewriting
    def _map_text(self, text: str, version: str, seed: bool = True) -> str:
        def sub(m: re.Match) -> str:
            rid = dashed(m.group(0))
            if rid not in self.ids and seed and set(rid) - {"0", "-"}:
                self._seed(rid, version)
            return self.ids.get(rid, m.group(0))

        return ID_RE.sub(sub, text)

    def _learn(self, recorded: Any, local: Any, key: str = "") -> None:
        """Map recorded ids/cursors to local ones at the same place in both answers."""
        if isinstance(recorded, dict) and isinstance(local, dict):
            for k, v in recorded.items():
                if k in local:
                    self._learn(v, local[k], k)
        elif isinstance(recorded, list) and isinstance(local, list):
            for a, b in zip(recorded, local):
                self._learn(a, b, key)
        elif isinstance(recorded, str) and isinstance(local, str):
            if key in ("next_cursor", "start_cursor"):
                self.cursors[recorded] = local
            elif ID_RE.fullmatch(recorded) and key != "request_id":
                self.ids.setdefault(dashed(recorded), local)

    tolerated: tuple[str, ...] = ()

    def replay(self, implemented) -> Iterator[Outcome]:
        for it in self.items:
            counted = implemented(it)
            if not counted:
                continue
            version = it.headers.get("notion-version", "2025-09-03")
            token = BAD_TOKEN if it.status == 401 else None
            known = set(self.ids.values())
            self._seed_results(it, version)
            path = self._map_text(it.path, version)
            query = {k: self.cursors.get(v) or self._map_text(v, version, seed=False) for k, v in it.query}
            is_json = "json" in it.headers.get("content-type", "json")
            # ids only in JSON bodies: a multipart boundary is 32 hex digits too
            body_text = it.body
            if is_json and body_text:
                for recorded, local in self.cursors.items():  # a cursor may look like an id: map it first
                    body_text = body_text.replace(f'"{recorded}"', f'"{local}"')
                body_text = self._map_text(body_text, version)
            extra = {} if is_json else {"content-type": it.headers.get("content-type", "")}
            self._settle_seeds(known)
            status, resp = self._call(
                it.method,
                path,
                None,
                version=version,
                token=token,
                query=query,
                headers={**extra, **({"content-type": "application/json"} if is_json and body_text else {})},
                raw=body_text.encode(),
            )
            if status == 200 and it.status == 200:
                self._learn(it.response, resp)
            yield self._judge(it, status, resp)

    def _judge(self, it: Interaction, status: int, resp: Any) -> Outcome:
        if status != it.status:
            msg = resp.get("message", "") if isinstance(resp, dict) else ""
            return Outcome(it, status, resp, True, False, f"status {status} (Notion {it.status}) {msg[:120]}")
        rec_code = it.response.get("code") if isinstance(it.response, dict) else None
        loc_code = resp.get("code") if isinstance(resp, dict) else None
        if rec_code != loc_code:
            return Outcome(it, status, resp, True, False, f"code {loc_code} (Notion {rec_code})")
        recorded, local = shape(it.response), shape(resp)
        extra = {(p, t) for p, t in local - recorded if self._tolerated(p, it)}
        if recorded != local - extra:
            return Outcome(it, status, resp, True, False, "shape: " + shape_diff(it.response, resp))
        return Outcome(it, status, resp, True, True)

    def _tolerated(self, path: str, it: Interaction) -> bool:
        if it.endpoint.endswith("/v1/invalid") is False and path.endswith(".request_id"):
            return False  # only error bodies lacked request_id then
        if path.endswith(".in_trash") and not it.endpoint.split()[1].startswith("/v1/file_uploads"):
            return False  # in_trash was new on file uploads only
        return any(path.endswith(t) or f"{t}." in path or f"{t}[" in path for t in self.tolerated)


def implemented_by(routes) -> Any:
    """An interaction counts when a route answers its method and path, or Notion refused the URL."""

    def check(it: Interaction) -> bool:
        if isinstance(it.response, dict) and it.response.get("code") == "invalid_request_url":
            return True
        return any(r.method == it.method and r.match(it.path.rstrip("/")) is not None for r in routes)

    return check


def run(folder: str = SDK_2025, *, http: bool = False, only: tuple[str, ...] = ()) -> list[Outcome]:
    from bot.local.routes import ROUTES

    check = implemented_by(ROUTES)
    outcomes: list[Outcome] = []
    for name, items in load(folder).items():
        if only and name not in only:
            continue
        r = Replayer(items, http=http)
        r.tolerated = ADDED_SINCE_2024 if folder == SDK_2022 else ()
        try:
            outcomes.extend(r.replay(check))
        finally:
            r.close()
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    per: dict[str, Counter] = defaultdict(Counter)
    for o in outcomes:
        per[o.interaction.endpoint]["total"] += 1
        per[o.interaction.endpoint]["ok"] += o.ok
    lines = [f"{'endpoint':<48} {'match':>5} {'total':>5}"]
    for ep in sorted(per):
        lines.append(f"{ep:<48} {per[ep]['ok']:>5} {per[ep]['total']:>5}")
    ok = sum(o.ok for o in outcomes)
    lines.append(f"{'all':<48} {ok:>5} {len(outcomes):>5}  ({ok / max(1, len(outcomes)):.1%})")
    return "\n".join(lines)


def misses(outcomes: list[Outcome]) -> list[str]:
    return [
        f"{o.interaction.cassette}#{o.interaction.index} {o.interaction.endpoint}: {o.reason}"
        for o in outcomes
        if not o.ok
    ]


if __name__ == "__main__":  # pragma: no cover - a report, not a test
    sys.path.insert(0, str(REPO))
    if cassette_root() is None:
        sys.exit("no cassettes: expected ../shared/cassettes beside the repository")
    over_http = "--http" in sys.argv
    for folder in [a for a in sys.argv[1:] if a != "--http"] or [SDK_2025, SDK_2022]:
        result = run(folder, http=over_http)
        print(f"# {folder}\n{table(result)}\n")
        for line in misses(result):
            print("  miss:", line)
        print()
