"""SQLite persistence for the local workspace (one JSON document per object)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Iterator

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, token TEXT UNIQUE, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS databases (id TEXT PRIMARY KEY, title TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS data_sources (id TEXT PRIMARY KEY, database_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pages (
    id TEXT PRIMARY KEY, data_source_id TEXT NOT NULL, seq INTEGER NOT NULL,
    in_trash INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS pages_by_source ON pages (data_source_id, seq);
CREATE TABLE IF NOT EXISTS blocks (
    id TEXT PRIMARY KEY, parent_id TEXT NOT NULL, page_id TEXT NOT NULL, pos INTEGER NOT NULL,
    in_trash INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS blocks_by_parent ON blocks (parent_id, in_trash, pos);
CREATE TABLE IF NOT EXISTS file_uploads (id TEXT PRIMARY KEY, data TEXT NOT NULL, content BLOB);
CREATE TABLE IF NOT EXISTS file_upload_parts (upload_id TEXT NOT NULL, number INTEGER NOT NULL, content BLOB,
    PRIMARY KEY (upload_id, number));
CREATE TABLE IF NOT EXISTS search_index (
    id TEXT PRIMARY KEY, since INTEGER NOT NULL, in_trash INTEGER NOT NULL, was_in_trash INTEGER,
    edited INTEGER NOT NULL);
"""
# what search finds (pages, data sources, databases): their writes are noted in `search_index`
SEARCHABLE = ("pages", "data_sources", "databases")

TABLES = (
    "users",
    "databases",
    "data_sources",
    "pages",
    "blocks",
    "file_uploads",
    "file_upload_parts",
    "meta",
    "search_index",
)


class Store:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL" if self.path != ":memory:" else "PRAGMA journal_mode=MEMORY")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)
        self._depth = 0
        # the workspace's request number (set per request): when a write reached the store, for
        # the search index's lag (bot/local/search_index.py); `edited` orders writes within one
        self.request_no = 0
        self._edits = self.conn.execute("SELECT COALESCE(MAX(edited), 0) FROM search_index").fetchone()[0]

    # -- transactions (callers hold the workspace lock)
    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def wipe(self) -> None:
        for t in TABLES:
            self.conn.execute(f"DELETE FROM {t}")

    def close(self) -> None:
        self.conn.close()

    # -- generic documents
    def get(self, table: str, id_: str) -> dict[str, Any] | None:
        row = self.conn.execute(f"SELECT data FROM {table} WHERE id = ?", (id_,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, table: str, id_: str, data: dict[str, Any], **cols: Any) -> None:
        names = ["id", "data", *cols]
        values = [id_, json.dumps(data, ensure_ascii=False), *cols.values()]
        placeholders = ",".join("?" * len(names))
        updates = ",".join(f"{n}=excluded.{n}" for n in names[1:])
        self.conn.execute(
            f"INSERT INTO {table} ({','.join(names)}) VALUES ({placeholders}) ON CONFLICT(id) DO UPDATE SET {updates}",
            values,
        )
        if table in SEARCHABLE:
            self._note_for_search(id_, data)

    def update_data(self, table: str, id_: str, data: dict[str, Any]) -> None:
        self.conn.execute(f"UPDATE {table} SET data = ? WHERE id = ?", (json.dumps(data, ensure_ascii=False), id_))
        if table in SEARCHABLE:
            self._note_for_search(id_, data)

    # -- the search index: when each searchable object came, or went to / from the trash
    def _note_for_search(self, id_: str, data: dict[str, Any]) -> None:
        self._edits += 1
        trashed = int(bool(data.get("in_trash")))
        row = self.conn.execute("SELECT in_trash FROM search_index WHERE id = ?", (id_,)).fetchone()
        if row is None:
            self.conn.execute(
                "INSERT INTO search_index (id, since, in_trash, was_in_trash, edited) VALUES (?, ?, ?, NULL, ?)",
                (id_, self.request_no, trashed, self._edits),
            )
        elif row[0] != trashed:
            self.conn.execute(
                "UPDATE search_index SET since = ?, in_trash = ?, was_in_trash = ?, edited = ? WHERE id = ?",
                (self.request_no, trashed, row[0], self._edits, id_),
            )
        else:
            self.conn.execute("UPDATE search_index SET edited = ? WHERE id = ?", (self._edits, id_))

    def search_entries(self) -> dict[str, tuple[int, bool, bool | None, int]]:
        """id -> (since, in_trash, in_trash before `since` or None when it did not exist, edit order)."""
        return {
            r[0]: (r[1], bool(r[2]), None if r[3] is None else bool(r[3]), r[4])
            for r in self.conn.execute("SELECT id, since, in_trash, was_in_trash, edited FROM search_index")
        }

    def last_request_noted(self) -> int:
        return self.conn.execute("SELECT COALESCE(MAX(since), 0) FROM search_index").fetchone()[0]

    def settle_search(self, ids: list[str] | None = None) -> None:
        """The current state of these objects (all: None) is in the search index at once."""
        if ids is None:
            self.conn.execute("UPDATE search_index SET since = -1000000000, was_in_trash = in_trash")
            return
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            self.conn.execute(
                f"UPDATE search_index SET since = -1000000000, was_in_trash = in_trash "
                f"WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )

    def meta_get(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def meta_set(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    def next_seq(self, name: str) -> int:
        cur = int(self.meta_get(f"seq:{name}") or 0) + 1
        self.meta_set(f"seq:{name}", str(cur))
        return cur

    # -- users
    def user_by_token(self, token: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT data FROM users WHERE token = ?", (token,)).fetchone()
        return json.loads(row[0]) if row else None

    def users(self) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in self.conn.execute("SELECT data FROM users ORDER BY rowid")]

    # -- databases
    def database_by_title(self, title: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT data FROM databases WHERE title = ? ORDER BY rowid LIMIT 1", (title,)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def databases(self) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in self.conn.execute("SELECT data FROM databases ORDER BY rowid")]

    def data_sources_of(self, database_id: str) -> list[dict[str, Any]]:
        return [
            json.loads(r[0])
            for r in self.conn.execute(
                "SELECT data FROM data_sources WHERE database_id = ? ORDER BY rowid", (database_id,)
            )
        ]

    # -- pages
    def pages_of(self, data_source_id: str) -> list[dict[str, Any]]:
        return [
            json.loads(r[0])
            for r in self.conn.execute(
                "SELECT data FROM pages WHERE data_source_id = ? ORDER BY seq", (data_source_id,)
            )
        ]

    def all_pages(self) -> Iterator[dict[str, Any]]:
        for r in self.conn.execute("SELECT data FROM pages ORDER BY seq"):
            yield json.loads(r[0])

    # -- blocks
    def block_row(self, id_: str) -> tuple[dict[str, Any], str, str, int, bool] | None:
        row = self.conn.execute(
            "SELECT data, parent_id, page_id, pos, in_trash FROM blocks WHERE id = ?", (id_,)
        ).fetchone()
        if not row:
            return None
        return json.loads(row[0]), row[1], row[2], row[3], bool(row[4])

    def put_block(self, data: dict[str, Any], parent_id: str, page_id: str, pos: int, in_trash: bool = False) -> None:
        self.conn.execute(
            "INSERT INTO blocks (id, parent_id, page_id, pos, in_trash, data) VALUES (?, ?, ?, ?, ?, ?)",
            (data["id"], parent_id, page_id, pos, int(in_trash), json.dumps(data, ensure_ascii=False)),
        )

    def set_block_trash(self, id_: str, in_trash: bool) -> None:
        self.conn.execute("UPDATE blocks SET in_trash = ? WHERE id = ?", (int(in_trash), id_))

    def children(
        self, parent_id: str, *, after_pos: int | None = None, limit: int | None = None
    ) -> list[tuple[dict[str, Any], int]]:
        sql = "SELECT data, pos FROM blocks WHERE parent_id = ? AND in_trash = 0"
        args: list[Any] = [parent_id]
        if after_pos is not None:
            sql += " AND pos >= ?"
            args.append(after_pos)
        sql += " ORDER BY pos"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [(json.loads(r[0]), r[1]) for r in self.conn.execute(sql, args)]

    def has_children(self, parent_id: str) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM blocks WHERE parent_id = ? AND in_trash = 0 LIMIT 1", (parent_id,)
            ).fetchone()
            is not None
        )

    def children_flags(self, parent_ids: list[str]) -> set[str]:
        if not parent_ids:
            return set()
        out: set[str] = set()
        for i in range(0, len(parent_ids), 500):
            chunk = parent_ids[i : i + 500]
            q = ",".join("?" * len(chunk))
            out.update(
                r[0]
                for r in self.conn.execute(
                    f"SELECT DISTINCT parent_id FROM blocks WHERE in_trash = 0 AND parent_id IN ({q})", chunk
                )
            )
        return out

    def pos_bounds(self, parent_id: str) -> tuple[int | None, int | None]:
        row = self.conn.execute("SELECT MIN(pos), MAX(pos) FROM blocks WHERE parent_id = ?", (parent_id,)).fetchone()
        return row[0], row[1]

    def shift_after(self, parent_id: str, pos: int, by: int) -> None:
        self.conn.execute("UPDATE blocks SET pos = pos + ? WHERE parent_id = ? AND pos > ?", (by, parent_id, pos))

    # -- files
    def file_content(self, id_: str) -> bytes | None:
        row = self.conn.execute("SELECT content FROM file_uploads WHERE id = ?", (id_,)).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def set_part(self, upload_id: str, number: int, content: bytes) -> None:
        self.conn.execute(
            "INSERT INTO file_upload_parts (upload_id, number, content) VALUES (?, ?, ?) "
            "ON CONFLICT(upload_id, number) DO UPDATE SET content = excluded.content",
            (upload_id, number, content),
        )

    def take_parts(self, upload_id: str, total: int) -> bytes:
        """The parts 1…total joined, and forgotten."""
        rows = self.conn.execute(
            "SELECT content FROM file_upload_parts WHERE upload_id = ? AND number <= ? ORDER BY number",
            (upload_id, total),
        ).fetchall()
        self.conn.execute("DELETE FROM file_upload_parts WHERE upload_id = ?", (upload_id,))
        return b"".join(bytes(r[0]) for r in rows)

    def set_file_content(self, id_: str, content: bytes) -> None:
        self.conn.execute("UPDATE file_uploads SET content = ? WHERE id = ?", (content, id_))
