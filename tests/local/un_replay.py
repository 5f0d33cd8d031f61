"""Replay ultimate-notion's recordings (Notion-Version 2026-03-11, June 2026) against the local workspace.

Same idea as ``cassette_replay.py`` (one fresh workspace per cassette, recorded ids and cursors
mapped to local ones as answers come back, status / code / shape compared), adapted to that
suite's recordings (``../shared/cassettes/ultimate-notion``, README beside it):

* cassettes live in sub-folders (``tests/cassettes/test_page/…``); fixtures are cassettes too;
* the test workspace's shared objects are placeholders ``00000000-0000-4000-8000-0000000000xx``
  (root page, static pages and databases, the bot, human members): they are **seeded** from the
  full objects found anywhere in the recordings — a page under its parent with its title, a
  database with the schema of its recorded data source (and rows it is recorded to hold),
  people as workspace members, ``…00f1`` as our bot;
* on top of shape, **request-determined values** are compared: at the same place in both
  answers, every scalar that some request of the cassette sent (a title, a number, an option
  name, ``in_trash``…) must be equal, ids already known must map to the local id (so order of
  results counts), and result lists must have the same length.

``python tests/local/un_replay.py [-v] [name-substring…]`` prints the per-endpoint table, the
difference classes and (``-v``) every miss.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import yaml

if __name__ == "__main__":  # pragma: no cover
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import cassette_replay as R  # type: ignore
    from un_requests import (  # type: ignore
        ReplayClock,
        _ambiguous_ids,
        _block_request,
        _icon_request,
        _rollups_request,
        _schema_request,
        _value_request,
    )
else:
    from . import cassette_replay as R
    from .un_requests import (
        ReplayClock,
        _ambiguous_ids,
        _block_request,
        _icon_request,
        _rollups_request,
        _schema_request,
        _value_request,
    )

UN = "ultimate-notion"
PLACEHOLDER = "00000000-0000-4000-8000-0000000000"
BOT_PLACEHOLDER = "00000000-0000-4000-8000-0000000000f1"
# answer values that never follow from a request (times, urls, request ids, cursors)
VOLATILE = {
    "request_id",
    "created_time",
    "last_edited_time",
    "url",
    "public_url",
    "next_cursor",
    "expiry_time",
    "avatar_url",
    "href",
    "download_url",
    "upload_url",
    "workspace_name",
    "email",
}


def load_un() -> dict[str, list[R.Interaction]]:
    """Every cassette of the ultimate-notion folder, named by its path under tests/cassettes."""
    root = R.cassette_root()
    out: dict[str, list[R.Interaction]] = {}
    if root is None or not (root / UN).is_dir():
        return out
    base = root / UN / "tests" / "cassettes"
    for f in sorted(base.rglob("*.yaml")):
        name = str(f.relative_to(base))[:-5]
        out[name] = list(_interactions(name, yaml.safe_load(f.read_text()) or {}))
    return out


def _interactions(name: str, data: dict) -> Iterator[R.Interaction]:
    from urllib.parse import parse_qsl, urlsplit

    for i, it in enumerate(data.get("interactions") or []):
        rq, rs = it["request"], it["response"]
        url = urlsplit(rq["uri"])
        if url.hostname != "api.notion.com":
            continue
        headers = {k.lower(): (v[0] if isinstance(v, list) else v) for k, v in (rq.get("headers") or {}).items()}
        raw = rs.get("content", "")
        try:
            resp = json.loads(raw) if raw else None
        except ValueError:
            resp = raw
        yield R.Interaction(
            name,
            i,
            rq["method"],
            url.path,
            parse_qsl(url.query),
            headers,
            rq.get("body") or "",
            rs["status_code"],
            resp,
        )


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict]:
    """Every full object of every recording, by dashed id: the first version seen (fixtures
    first, as their searches describe the static objects before tests change them)."""
    found: dict[str, dict] = {}

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            if (
                isinstance(v.get("id"), str)
                and R.ID_RE.fullmatch(v["id"])
                and v.get("object") in ("page", "block", "database", "data_source", "user")
                and len(v) > 2
            ):
                key = R.dashed(v["id"])
                if len(v) > len(found.get(key, {})):  # first seen, unless a fuller kind of object
                    found[key] = v
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    cassettes = load_un()
    for name in sorted(cassettes, key=lambda n: not n.startswith("fixtures/")):  # the fixtures describe them first
        for it in cassettes[name]:
            walk(it.response)
    return found


@lru_cache(maxsize=1)
def trashed_databases() -> frozenset[str]:
    """Databases some recording trashed as databases (a DELETE of the block, a PATCH of the database)."""
    found = set()
    for items in load_un().values():
        for it in items:
            r = it.response if isinstance(it.response, dict) else {}
            if it.method in ("DELETE", "PATCH") and r.get("in_trash") is True:
                if r.get("object") == "database" or r.get("type") == "child_database":
                    found.add(R.dashed(r["id"]))
    return frozenset(found)


class UNReplayer(R.Replayer):
    """One ultimate-notion cassette against one fresh workspace."""

    # who created a seeded static object differs (a member in Notion, our bot locally)
    strict_people = False

    def __post_init__(self) -> None:
        super().__post_init__()
        self.ids.setdefault(BOT_PLACEHOLDER, self.bot)
        self.sent: set = set()
        self.prop_ids: dict[str, str] = {}
        self.seeding: set[str] = set()
        self.to_trash: list[tuple[str, dict]] = []  # (path, recorded object) of seeds found trashed
        self.clock = ReplayClock()
        self.ws.clock = self.clock
        self.seeded: set[str] = set()  # local ids of seeds (objects older than the recording)
        self.filled: set[str] = set()  # seeds whose recorded content was appended

    def _objects(self) -> dict[str, dict]:
        return catalog()

    def _seed_people(self) -> None:
        """Also the workspace's other integrations (bots a user listing names besides ours)."""
        super()._seed_people()
        for it in self.items:
            if it.method == "GET" and it.path == "/v1/users" and isinstance(it.response, dict):
                for u in it.response.get("results") or []:
                    if u.get("type") == "bot" and not (u.get("bot") or {}).get("owner"):
                        self.ws.add_user(u.get("name") or "Bot", f"replay-bot-{u.get('name')}", kind="bot")

    # -- seeding the placeholders' objects, as the recordings describe them
    def _seed(self, rec_id: str, version: str) -> None:
        with self.clock.at(catalog().get(rec_id)):
            self._seed_at(rec_id, version)

    def _seed_at(self, rec_id: str, version: str) -> None:
        obj = catalog().get(rec_id)
        if obj is None:
            if rec_id.startswith(PLACEHOLDER):
                self._seed_database(rec_id, None, version)
            return
        kind = obj.get("object")
        if kind == "data_source":
            db = (obj.get("parent") or {}).get("database_id")
            if db and R.dashed(db) in self.seeding:
                return
            if db and R.dashed(db) not in self.ids:
                self._seed(R.dashed(db), version)
            if rec_id not in self.ids and db and R.dashed(db) not in catalog():
                self._seed_database(R.dashed(db), None, version)
            return
        if kind == "database":
            self._seed_database(rec_id, obj, version)
            return
        parent = obj.get("parent") or {}
        if kind == "page" and parent.get("type") == "data_source_id":
            self._seed_row(rec_id, obj, version)
            return
        if kind == "block" and obj.get("type") not in ("child_page", "child_database"):
            return
        if kind == "page":
            status, created = self._call(
                "POST",
                "/v1/pages",
                {
                    "parent": self._local_parent(obj, version),
                    **_icon_request(obj),
                    "properties": {"title": {"title": [{"text": {"content": t}} for t in self._title_of(obj)]}},
                },
                version="2026-03-11",
            )
            if status == 200:
                self.ids[rec_id] = created["id"]
            return
        super()._seed(rec_id, version)

    def _local_parent(self, obj: dict, version: str) -> dict:
        parent = obj.get("parent") or {}
        ptype = parent.get("type")
        if ptype in ("page_id", "block_id") and parent.get(ptype):
            pid = R.dashed(parent[ptype])
            if pid not in self.ids:
                self._seed(pid, version)
            if pid in self.ids:
                return {"page_id": self.ids[pid]}
        return {"workspace": True}

    def _seed_database(
        self, rec_id: str, obj: dict | None, version: str, relations: bool = True, source: dict | None = None
    ) -> None:
        """A database from its recorded object or, for the static ones only their data source
        describes (search answers data sources), from that data source — `source`, the version
        this cassette recorded, else the first one seen."""
        sources = (
            [source]
            if source
            else [
                s
                for s in catalog().values()
                if s.get("object") == "data_source"
                and R.dashed((s.get("parent") or {}).get("database_id") or "0" * 32) == rec_id
            ]
        )
        if obj is None and not sources:
            return
        obj = obj or {
            "title": sources[0].get("title"),
            "parent": sources[0].get("database_parent"),
            "icon": sources[0].get("icon"),
        }
        self.seeding.add(rec_id)  # a relation back to this database must not seed it twice
        props = (
            _schema_request(sources[0].get("properties") or {}, self._seeded_source if relations else lambda _: None)
            if sources
            else {}
        )
        title = [{"text": {"content": t.get("plain_text", "")}} for t in obj.get("title") or []]
        described = next((x.get("description") for x in [obj, *sources] if x.get("description")), None)
        status, created = self._call(
            "POST",
            "/v1/databases",
            {
                "parent": self._local_parent(obj, version),
                "title": title,
                **_icon_request(obj),
                **(
                    {"description": [{"text": {"content": t.get("plain_text", "")}} for t in described]}
                    if described
                    else {}
                ),
                "initial_data_source": {"properties": props},
            },
            version="2026-03-11",
        )
        if status != 200:
            return
        self.ids[rec_id] = created["id"]
        if sources and created.get("data_sources"):
            self.ids[R.dashed(sources[0]["id"])] = local_ds = created["data_sources"][0]["id"]
            if sources[0].get("title") and sources[0]["title"] != obj.get("title"):  # renamed data source
                named = [{"text": {"content": t.get("plain_text", "")}} for t in sources[0]["title"]]
                self._call("PATCH", f"/v1/data_sources/{local_ds}", {"title": named}, version="2026-03-11")
            if relations:
                # relations to itself (or to one being seeded) could not be named at create
                later = {n: p for n, p in (sources[0].get("properties") or {}).items() if n not in props}
                if any(p.get("type") == "relation" for p in later.values()):
                    self._add_relations([{**sources[0], "properties": later}])
                self._add_rollups(sources[0])

    def _seeded_source(self, rec_ds: str) -> str | None:
        if rec_ds not in self.ids:
            self._seed(rec_ds, "2026-03-11")
        return self.ids.get(rec_ds)

    def _seed_row(self, rec_id: str, obj: dict, version: str) -> None:
        ds = R.dashed(obj["parent"]["data_source_id"])
        if ds not in self.ids:
            self._seed(ds, version)
        if ds not in self.ids:
            return
        props = {n: v for n, p in (obj.get("properties") or {}).items() if (v := _value_request(p)) is not None}
        status, created = self._call(
            "POST", "/v1/pages", {"parent": {"data_source_id": self.ids[ds]}, "properties": props}, version="2026-03-11"
        )
        if status == 200:
            self.ids[rec_id] = created["id"]

    def _seed_results(self, it: R.Interaction, version: str) -> None:
        """Searches and queries answer with objects that exist already: create those listed."""
        if it.method == "POST" and it.path.endswith("/query") and isinstance(it.response, dict):
            for obj in reversed(it.response.get("results") or []):  # oldest first: newest is listed first
                rid = R.dashed(obj["id"])
                if rid not in self.ids:
                    self._seed(rid, version)
        if it.path == "/v1/search" and isinstance(it.response, dict):
            results = it.response.get("results") or []
            fresh = {R.dashed(o["id"]) for o in results} - set(self.ids)
            self._seed_sources_together([o for o in results if o.get("object") == "data_source"])
            for o in sorted(reversed(results), key=lambda o: o.get("last_edited_time") or ""):
                if R.dashed(o["id"]) not in self.ids:
                    self._seed(R.dashed(o["id"]), version)
            for o in results:  # trashed a moment before the recording (still in Notion's index)
                rid = R.dashed(o["id"])
                if rid in fresh and o.get("in_trash") and rid in self.ids:
                    db = R.dashed((o.get("parent") or {}).get("database_id") or "0" * 32)
                    if db in trashed_databases() and db in self.ids:  # trashed with its database
                        self.to_trash.append((f"/v1/databases/{self.ids[db]}", o))
                    else:
                        self.to_trash.append((f"/v1/{o['object']}s/{self.ids[rid]}", o))
            return
        super()._seed_results(it, version)

    def _seed_content(self, it: R.Interaction) -> None:
        """A seeded page or block listed with content it had before the recording: append that
        content (the recorded blocks as requests) before the listing is replayed."""
        m = re.fullmatch(r"/v1/blocks/([^/]+)/children", it.path)
        results = (it.response or {}).get("results") if isinstance(it.response, dict) else None
        if it.method != "GET" or not m or not results or it.query and dict(it.query).get("start_cursor"):
            return
        local = self.ids.get(R.dashed(m.group(1)))
        if local is None or local not in self.seeded or local in self.filled:
            return
        self.filled.add(local)
        for block in results:
            with self.clock.at(block):
                new = self._append_seed_block(local, block)
            if new:
                self.ids.setdefault(R.dashed(block["id"]), new)
                self.seeded.add(new)

    def _append_seed_block(self, parent: str, block: dict) -> str | None:
        kind = block.get("type")
        if kind in ("child_page", "child_database"):  # a page / database under the page
            title = [{"text": {"content": (block.get(kind) or {}).get("title", "")}}]
            if kind == "child_page":
                body = {"parent": {"page_id": parent}, "properties": {"title": {"title": title}}}
            else:
                body = {"parent": {"page_id": parent}, "title": title}
            st, answer = self._call("POST", f"/v1/{kind[6:]}s", body, version="2026-03-11")
            return answer["id"] if st == 200 else None
        request = _block_request(block)
        if request is None:
            return None
        text = self._map_text(json.dumps({"children": [request]}), "2026-03-11")
        st, answer = self._call(
            "PATCH",
            f"/v1/blocks/{parent}/children",
            None,
            raw=text.encode(),
            headers={"content-type": "application/json"},
            version="2026-03-11",
        )
        return answer["results"][-1]["id"] if st == 200 and answer.get("results") else None

    def _settle_seeds(self, known: set[str]) -> None:
        """Seeds are objects that existed long before the recording: in the search index at once;
        those a search answered as trashed are trashed now (so still found, as in Notion)."""
        self.seeded.update(local for local in self.ids.values() if local not in known)
        super()._settle_seeds(known)
        for path, obj in reversed(self.to_trash):  # the oldest first: listed newest first
            with self.clock.at(obj):
                self._call("PATCH", path, {"in_trash": True}, version="2026-03-11")
        self.to_trash.clear()

    def _add_rollups(self, source: dict) -> None:
        rollups = _rollups_request(source.get("properties") or {})
        local = self.ids.get(R.dashed(source["id"]))
        if rollups and local:
            self._call("PATCH", f"/v1/data_sources/{local}", {"properties": rollups}, version="2026-03-11")

    def _seed_sources_together(self, sources: list[dict]) -> None:
        """The data sources a search lists, created together: first each without its relations,
        then the relations, a two-way one once per pair (its twin renamed as recorded)."""
        fresh = [s for s in sources if R.dashed(s["id"]) not in self.ids]
        # made oldest first, as they were (a search lists the newest first)
        fresh = sorted(reversed(fresh), key=lambda s: s.get("last_edited_time") or "")
        for s in fresh:
            db = R.dashed((s.get("parent") or {}).get("database_id") or "0" * 32)
            if db not in self.ids:
                self.seeding.add(db)
                with self.clock.at(s):
                    self._seed_database(db, catalog().get(db), "2026-03-11", relations=False, source=s)
        self._add_relations(fresh)
        for s in fresh:
            with self.clock.at(s):
                self._add_rollups(s)

    def _add_relations(self, fresh: list[dict]) -> None:
        """The relations of these recorded data sources (seeded already), a two-way one once per
        pair (its twin renamed as recorded)."""
        paired: set[tuple[str, str]] = set()
        for s in fresh:
            local = self.ids.get(R.dashed(s["id"]))
            for name, p in (s.get("properties") or {}).items():
                cfg = p.get("relation") if p.get("type") == "relation" else None
                target = self.ids.get(R.dashed(cfg.get("data_source_id") or "0" * 32)) if cfg else None
                if not local or not target or (R.dashed(s["id"]), name) in paired:
                    continue
                dual = cfg.get("type") == "dual_property"
                config = {"data_source_id": target, "type": cfg.get("type"), cfg.get("type"): {}}
                with self.clock.at(s):
                    st, answer = self._call(
                        "PATCH",
                        f"/v1/data_sources/{local}",
                        {"properties": {name: {"relation": config}}},
                        version="2026-03-11",
                    )
                if st != 200 or not dual:
                    continue
                synced = cfg.get("dual_property") or {}
                twin = ((answer.get("properties") or {}).get(name) or {}).get("relation", {}).get("dual_property", {})
                if twin.get("synced_property_id") and synced.get("synced_property_name"):
                    with self.clock.at(catalog().get(R.dashed(cfg["data_source_id"]))):
                        self._call(
                            "PATCH",
                            f"/v1/data_sources/{target}",
                            {"properties": {twin["synced_property_id"]: {"name": synced["synced_property_name"]}}},
                            version="2026-03-11",
                        )
                    paired.add((R.dashed(cfg["data_source_id"]), synced["synced_property_name"]))

    def _learn(self, recorded: Any, local: Any, key: str = "") -> None:
        """Also property ids: a schema's property, by name, in both answers."""
        if key == "properties" and isinstance(recorded, dict) and isinstance(local, dict):
            for name, p in recorded.items():
                q = local.get(name)
                if (
                    isinstance(p, dict)
                    and isinstance(q, dict)
                    and isinstance(p.get("id"), str)
                    and isinstance(q.get("id"), str)
                ):
                    self.prop_ids.setdefault(p["id"], q["id"])
        super()._learn(recorded, local, key)

    def _learn_synced(self, recorded: Any, local: Any) -> None:
        if isinstance(recorded, dict) and isinstance(local, dict):
            rid, lid = recorded.get("synced_property_id"), local.get("synced_property_id")
            if isinstance(rid, str) and isinstance(lid, str):
                self.prop_ids.setdefault(rid, lid)
            for k, v in recorded.items():
                if k in local:
                    self._learn_synced(v, local[k])
        elif isinstance(recorded, list) and isinstance(local, list):
            for a, b in zip(recorded, local):
                self._learn_synced(a, b)

    def _map_props(self, text: str) -> str:
        for recorded, local in self.prop_ids.items():
            if recorded != local:
                text = text.replace(f'"{recorded}"', f'"{local}"')
        return text

    # -- replay: judge before learning, so known ids are checked against the local ones
    def replay(self, implemented) -> Iterator[R.Outcome]:
        for it in self.items:
            if not implemented(it):
                continue
            version = it.headers.get("notion-version", "2026-03-11")
            token = R.BAD_TOKEN if it.status == 401 else None
            known = set(self.ids.values())
            self.clock.follow(it.response)
            self._seed_results(it, version)
            self._map_text(it.path, version)  # seeds what the path names
            self._settle_seeds(known)
            known = set(self.ids.values())
            self._seed_content(it)
            path = self._map_text(it.path, version)
            if "/properties/" in path:
                head, _, pid = path.rpartition("/")
                path = f"{head}/{self.prop_ids.get(pid, pid)}"
            query = [
                (k, self.cursors.get(v) or self.prop_ids.get(v) or self._map_text(v, version, seed=False))
                for k, v in it.query
            ]
            body_text = it.body
            if body_text:
                for recorded, local in self.cursors.items():
                    body_text = body_text.replace(f'"{recorded}"', f'"{local}"')
                body_text = self._map_props(self._map_text(body_text, version))
                try:
                    self._remember_sent(json.loads(it.body))
                except ValueError:
                    pass
            self._settle_seeds(known)
            status, resp = self._call(
                it.method,
                path,
                None,
                version=version,
                token=token,
                query=query,
                headers={"content-type": "application/json"} if body_text else {},
                raw=body_text.encode(),
            )
            outcome = self._judge(it, status, resp)
            if outcome.ok and status == 200:
                outcome = self._judge_values(it, resp) or outcome
            if status == 200 and it.status == 200:
                self._learn(it.response, resp)
                self._learn_synced(it.response, resp)
            yield outcome

    def _send(self, method: str, path: str, query, headers: dict, payload: bytes) -> tuple[int, bytes]:
        if self.server is None:
            q: dict = {}
            for k, v in query.items() if isinstance(query, dict) else query:
                q.setdefault(k, []).append(v) if k.endswith("[]") else q.__setitem__(k, v)
            status, _, content = self.ws.dispatch(method, path, q, headers, payload)
            return status, content
        return super()._send(method, path, query, headers, payload)

    def _remember_sent(self, v: Any) -> None:
        if isinstance(v, dict):
            for x in v.values():
                self._remember_sent(x)
        elif isinstance(v, list):
            for x in v:
                self._remember_sent(x)
        elif isinstance(v, (str, int, float)) and not (isinstance(v, str) and R.ID_RE.fullmatch(v)):
            self.sent.add(json.dumps(v))

    def _judge_values(self, it: R.Interaction, resp: Any) -> R.Outcome | None:
        self.ambiguous = _ambiguous_ids(it.response)
        diff = self._value_diff(it.response, resp, "$")
        if diff:
            return R.Outcome(it, 200, resp, True, False, "value: " + diff)
        return None

    def _value_diff(self, rec: Any, loc: Any, path: str, key: str = "") -> str:
        if key in VOLATILE or key in ("created_by", "last_edited_by") and not self.strict_people:
            return ""
        if isinstance(rec, dict) and isinstance(loc, dict):
            for k, v in rec.items():
                if k in loc and (d := self._value_diff(v, loc[k], f"{path}.{k}", k)):
                    return d
            return ""
        if isinstance(rec, list) and isinstance(loc, list):
            if len(rec) != len(loc):
                return f"{path}: {len(loc)} items (Notion {len(rec)})"
            for i, (a, b) in enumerate(zip(rec, loc)):
                if d := self._value_diff(a, b, f"{path}[{i}]", key):
                    return d
            return ""
        if key == "id" and isinstance(rec, str) and not R.ID_RE.fullmatch(rec):
            return ""  # a property id: mapped, not compared
        if isinstance(rec, str) and R.ID_RE.fullmatch(rec):
            if R.dashed(rec) in getattr(self, "ambiguous", ()):
                return ""  # the anonymised recording gave two objects this id: not comparable
            mapped = self.ids.get(R.dashed(rec))
            if (
                mapped
                and isinstance(loc, str)
                and R.ID_RE.fullmatch(loc)
                and R.dashed(loc) != R.dashed(mapped)
                and key not in ("workspace_id",)
            ):
                return f"{path}: another object than Notion's"
            return ""
        if (
            isinstance(rec, (str, int, float))
            and not isinstance(rec, bool)
            and json.dumps(rec) in self.sent
            and rec != loc
        ):
            return f"{path}: {json.dumps(loc)[:60]} (Notion {json.dumps(rec)[:60]})"
        if (
            isinstance(rec, bool)
            and isinstance(loc, bool)
            and rec != loc
            and key in ("in_trash", "is_locked", "is_archived", "checkbox")
        ):
            return f"{path}: {loc} (Notion {rec})"
        return ""


def comparable(it: R.Interaction) -> bool:
    from bot.local.routes import ROUTES

    return R.implemented_by(ROUTES)(it)


def run(*, only: tuple[str, ...] = (), http: bool = False) -> list[R.Outcome]:
    outcomes: list[R.Outcome] = []
    for name, items in load_un().items():
        if only and not any(o in name for o in only):
            continue
        r = UNReplayer(items, http=http)
        try:
            outcomes.extend(r.replay(comparable))
        finally:
            r.close()
    return outcomes


def classes(outcomes: list[R.Outcome]) -> list[tuple[int, str]]:
    """Misses grouped by endpoint and the first words of their reason."""
    c: Counter = Counter()
    for o in outcomes:
        if not o.ok:
            reason = re.sub(r"[0-9a-f-]{32,36}", "{id}", o.reason)
            reason = re.sub(r"\[\d+\]", "[]", reason)
            c[f"{o.interaction.endpoint}: {reason[:110]}"] += 1
    return [(n, k) for k, n in c.most_common()]


if __name__ == "__main__":  # pragma: no cover - a report
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    result = run(only=tuple(args), http="--http" in sys.argv)
    print(R.table(result))
    print()
    for n, k in classes(result):
        print(f"{n:4} {k}")
    if "-v" in sys.argv:
        for line in R.misses(result):
            print("  miss:", line)
