"""What the ultimate-notion replay sends and reads besides the recorded requests: recorded objects
as create requests (schemas, values, icons, blocks), the recording's clock, ids the anonymised
recordings give to two objects. Used by ``un_replay.py``."""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

if __package__:
    from . import cassette_replay as R
else:  # pragma: no cover - run as a script from un_replay.py
    import cassette_replay as R  # type: ignore

CREATABLE_SCHEMA = {
    "button",
    "place",
    "verification",
    "relation",
    "title",
    "rich_text",
    "number",
    "select",
    "multi_select",
    "status",
    "date",
    "people",
    "files",
    "checkbox",
    "url",
    "email",
    "phone_number",
    "formula",
    "created_time",
    "created_by",
    "last_edited_time",
    "last_edited_by",
    "unique_id",
}


def _schema_request(props: dict, ids) -> dict:
    """A recorded data source's `properties` as a create request (what can be created; a relation
    as one-way, to a data source `ids(recorded id)` seeds or knows)."""
    out: dict = {}
    for name, p in props.items():
        kind = p.get("type")
        if kind not in CREATABLE_SCHEMA:
            continue
        cfg = dict(p.get(kind) or {})
        if kind == "status" and _default_status(cfg):
            cfg = {}  # made with Notion's default options (and groups), as a request without options makes it
        elif kind in ("select", "multi_select", "status"):
            cfg = {"options": [{"name": o["name"], "color": o.get("color", "default")} for o in cfg.get("options", [])]}
        elif kind == "relation":
            target = ids(R.dashed(cfg.get("data_source_id") or "0" * 32))
            if target is None:
                continue
            cfg = {"data_source_id": target, "type": "single_property", "single_property": {}}
        elif kind == "formula":
            # Notion stores prop("X") as {{notion:block_property:<id>:…}}: back to names, as a client writes it
            names = {q.get("id"): n for n, q in props.items()}
            cfg = {
                "expression": re.sub(
                    r"\{\{notion:block_property:([^:}]+)[^}]*\}\}",
                    lambda m: f'prop("{names.get(m.group(1), m.group(1))}")',
                    cfg.get("expression", ""),
                )
            }
        elif kind == "unique_id":
            cfg = {"prefix": cfg.get("prefix")}
        elif kind == "number":
            cfg = {"format": cfg.get("format", "number")}
        else:
            cfg = {}
        out[name] = {kind: cfg, **({"description": p["description"]} if p.get("description") else {})}
    return out


def _default_status(cfg: dict) -> bool:
    """A recorded status config that is Notion's default: one option per group, in order."""
    from bot.local.model.schema import STATUS_DEFAULT_OPTIONS

    names = [o.get("name") for o in cfg.get("options") or []]
    groups = [len(g.get("option_ids") or []) for g in cfg.get("groups") or []]
    return names == [n for n, _, _ in STATUS_DEFAULT_OPTIONS] and groups == [1, 1, 1]


def _rollups_request(props: dict) -> dict:
    """The rollups of a recorded schema, added once their relations exist."""
    return {
        name: {
            "rollup": {
                k: p["rollup"][k]
                for k in ("relation_property_name", "rollup_property_name", "function")
                if k in p["rollup"]
            }
        }
        for name, p in props.items()
        if p.get("type") == "rollup" and isinstance(p.get("rollup"), dict)
    }


def _icon_request(obj: dict) -> dict:
    """A recorded object's icon as a request (emoji, external, custom emoji, native icon)."""
    icon = obj.get("icon")
    if not isinstance(icon, dict) or icon.get("type") not in ("emoji", "external", "custom_emoji", "icon"):
        return {}
    return {"icon": {"type": icon["type"], icon["type"]: icon[icon["type"]]}}


def _value_request(prop: dict) -> Any:
    """A recorded page property value as a write request, for the writable simple types."""
    kind = prop.get("type")
    v = prop.get(kind)
    if kind in ("title", "rich_text"):
        return {kind: [{"type": "text", "text": {"content": t.get("plain_text", "")}} for t in v or []]}
    if kind in ("number", "checkbox", "url", "email", "phone_number"):
        return {kind: v}
    if kind in ("select", "status"):
        return {kind: {"name": v["name"]} if v else None}
    if kind == "multi_select":
        return {kind: [{"name": o["name"]} for o in v or []]}
    if kind == "date":
        return {kind: {k: v[k] for k in ("start", "end") if v.get(k)} if v else None}
    return None


def _recorded_time(v: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(v.replace("Z", "+00:00")) if isinstance(v, str) else None
    except ValueError:
        return None


def _latest_time(v: Any) -> datetime | None:
    """The latest created / last-edited time in a recorded answer: the recording's clock then."""
    found: list[datetime] = []

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            for k, y in x.items():
                if k in ("created_time", "last_edited_time") and (t := _recorded_time(y)):
                    found.append(t)
                else:
                    walk(y)
        elif isinstance(x, list):
            for y in x:
                walk(y)

    walk(v)
    return max(found) if found else None


NOT_CREATABLE = {"child_page", "child_database", "unsupported", "link_preview", "meeting_notes", "transcription"}


def _block_request(block: dict) -> dict | None:
    """A recorded block as an append request (its type and content; no ids, times or children)."""
    kind = block.get("type")
    if not kind or kind in NOT_CREATABLE or not isinstance(block.get(kind), dict):
        return None
    content = {k: v for k, v in block[kind].items() if k not in ("children",)}
    return {"object": "block", "type": kind, kind: content}


class ReplayClock:
    """The workspace's clock during a replay: the recording's time (the latest time its answers
    showed so far), or, while a seed is made, the time the recordings show that object was last
    edited — so that "most recently edited first" orders seeds and new objects as in Notion."""

    def __init__(self) -> None:
        self.recording = datetime(2026, 6, 1, tzinfo=timezone.utc)
        self.seeds: list[datetime] = []
        self._mono = 0.0

    def monotonic(self) -> float:
        return self._mono

    def sleep(self, seconds: float) -> None:
        self._mono += max(0.0, seconds)

    def now(self) -> datetime:
        return self.seeds[-1] if self.seeds else self.recording

    def follow(self, answer: Any) -> None:
        t = _latest_time(answer)
        if t is not None and t > self.recording:
            self.recording = t

    @contextmanager
    def at(self, obj: dict | None):
        t = _recorded_time((obj or {}).get("last_edited_time"))
        if t is not None:
            self.seeds.append(t)
        try:
            yield
        finally:
            if t is not None:
                self.seeds.pop()


def _ambiguous_ids(answer: Any) -> set[str]:
    """Ids the recording gives to objects of different names (its placeholders merged two users)."""
    names: dict[str, set] = {}

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            if isinstance(v.get("id"), str) and R.ID_RE.fullmatch(v["id"]) and "name" in v:
                names.setdefault(R.dashed(v["id"]), set()).add(json.dumps(v["name"]))
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(answer)
    return {i for i, n in names.items() if len(n) > 1}
