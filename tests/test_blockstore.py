"""Issue 24, memory per MB of input: the planner keeps a page's blocks packed (bot/engine/blockstore.py)
and the writer builds one request at a time from them — the same blocks, fingerprints and requests
as when every block was a dict held at once, for a fraction of the memory."""

from __future__ import annotations

import re
import tracemalloc

import pytest

import bot.engine.blockstore as blockstore
from bot.convert import convert_markdown
from bot.engine.blockstore import BlockStore, block_types, prepended, with_first
from bot.engine.fingerprints import content_fingerprint, content_fingerprints, fingerprint, tree_fingerprint, walk
from bot.engine.publish import Publisher, PublishOptions
from bot.source import read_all, select_week
from helpers import session

MIXED = """# Title

Some *text* with a [link](https://example.org) and `code`.

- item **one**
  - nested a
  - nested b
- item two

1. first
2. second

| a | b |
|---|---|
| **1** | 2 |
| 3 | 4 |

> quote
> more

```python
print("hi")
```

<details><summary>more</summary>

Hidden *text*.

</details>

---

Last paragraph.
"""


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(blockstore, "CHUNK_BYTES", 600)  # a few blocks per chunk: every access crosses chunks


def test_a_packed_body_reads_back_as_the_blocks_it_was_made_of(small_chunks):
    blocks = convert_markdown(MIXED * 3).blocks
    store = BlockStore.pack(iter(blocks))
    assert len(store._packed.chunks) > 5
    assert list(store) == blocks and len(store) == len(blocks)
    assert [store[i] for i in range(-len(blocks), len(blocks))] == blocks + blocks
    with pytest.raises(IndexError):
        store[len(blocks)]
    link = {"object": "block", "type": "callout", "callout": {"rich_text": [], "icon": {"emoji": "🌐"}}}
    whole = prepended([link], store)
    expected = [link, *blocks]
    n = len(expected)
    for start in range(-2, n + 2, 3):
        for stop in range(start, n + 3, 4):
            assert list(whole[start:stop]) == expected[start:stop], (start, stop)
            assert list(whole[start:stop][1:-1]) == expected[start:stop][1:-1]
    assert list(with_first(whole, blocks[0])) == [blocks[0], *blocks]
    assert list(with_first(store, link)) == [link, *blocks[1:]]
    assert block_types(whole) == [b["type"] for b in expected]


def test_a_packed_body_knows_the_fingerprints_of_its_blocks(small_chunks):
    blocks = convert_markdown(MIXED * 2).blocks
    assert any(b[b["type"]].get("children") for b in blocks)  # nested trees are fingerprinted too
    link = {"object": "block", "type": "paragraph", "paragraph": {"rich_text": []}}
    store = prepended([link], BlockStore.pack(blocks))
    expected = [link, *blocks]
    assert store.fingerprints() == [fingerprint(b) for b in expected]
    assert tree_fingerprint(store) == tree_fingerprint(expected)
    assert content_fingerprints(store) == sorted({content_fingerprint(b) for b in walk(expected)})
    assert content_fingerprints(store[3:9]) == sorted({content_fingerprint(b) for b in walk(expected[3:9])})


def _publish_requests(workspace, monkeypatch, *, packed: bool):
    if not packed:  # every block a dict, as before the store
        monkeypatch.setattr(blockstore.BlockStore, "pack", classmethod(lambda cls, blocks: list(blocks)))
    s, transport = session(workspace)
    variants = read_all(s.settings.bot_content_dir)
    results = Publisher(s, variants, PublishOptions()).publish_group(select_week(variants, "W22"))
    return results, list(transport.requests), s


def _by_order(requests: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The requests with each id replaced by the order it first appeared in (ids differ between workspaces)."""
    ids: dict[str, str] = {}
    uuid = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
    return [(method, uuid.sub(lambda m: ids.setdefault(m.group(), f"#{len(ids)}"), path)) for method, path in requests]


def test_a_page_over_several_requests_is_written_alike_from_packed_blocks(env, workspace, monkeypatch):
    week = env / "content" / "rec-weekly" / "2026-W22"
    body = "".join(f"Paragraph {i} with **bold** text.\n\n" for i in range(250))
    text = (week / "en.md").read_text(encoding="utf-8")
    (week / "en.md").write_text(text[: text.index("\n---", 3) + 5] + "\n" + body, encoding="utf-8")
    monkeypatch.setattr(blockstore, "CHUNK_BYTES", 2000)  # chunk ends fall inside requests
    packed_results, packed_requests, s = _publish_requests(workspace, monkeypatch, packed=True)
    page_id = next(r.plan.page_id for r in packed_results if r.variant.lang == "en")
    in_notion = s.api.read_tree(page_id)

    from bot.local import LocalWorkspace

    (env / "state-lists").mkdir()
    monkeypatch.setenv("BOT_STATE_DIR", str(env / "state-lists"))
    other = LocalWorkspace(env / "state-lists" / "local-notion.sqlite3")
    _, list_requests, _ = _publish_requests(other, monkeypatch, packed=False)
    assert _by_order(packed_requests) == _by_order(list_requests)
    # 250 paragraphs: the create carries 100, two appends the rest; a third puts the language
    # link first once the zh page exists
    appends = [r for r in packed_requests if r[0] == "PATCH" and r[1].endswith(f"{page_id}/children")]
    assert len(appends) == 3
    texts = [b["paragraph"]["rich_text"][0]["plain_text"] for b in in_notion if b["type"] == "paragraph"]
    assert texts == [f"Paragraph {i} with " for i in range(250)]


def _write_body(env, paragraphs: list[str]) -> None:
    path = env / "content" / "rec-weekly" / "2026-W22" / "en.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\n---", 3) + 5] + "\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")


def _texts(s, page_id: str) -> list[str]:
    tree = s.api.read_tree(page_id)
    return [
        "".join(item["plain_text"] for item in b["paragraph"]["rich_text"]) for b in tree if b["type"] == "paragraph"
    ]


def test_an_edited_page_is_updated_alike_from_packed_blocks(env, workspace, monkeypatch):
    """The block diff reads the packed body's fingerprints, slices and blocks across chunk ends."""
    from bot.local import LocalWorkspace

    paragraphs = [f"Paragraph {i} with **bold** text." for i in range(250)]
    edited = paragraphs[:5] + paragraphs[6:]
    edited[10], edited[200] = "Changed ten.", "Changed two hundred."
    edited[120:120] = ["New A.", "New B."]
    monkeypatch.setattr(blockstore, "CHUNK_BYTES", 2000)
    runs = {}
    for packed in (True, False):
        state = env / f"state-{packed}"
        state.mkdir()
        monkeypatch.setenv("BOT_STATE_DIR", str(state))
        space = LocalWorkspace(state / "local-notion.sqlite3")
        _write_body(env, paragraphs)
        _publish_requests(space, monkeypatch, packed=packed)
        _write_body(env, edited)
        results, requests, s = _publish_requests(space, monkeypatch, packed=packed)
        (en,) = [r for r in results if r.variant.lang == "en"]
        assert en.action == "updated" and _texts(s, en.plan.page_id) == [p.replace("**", "") for p in edited]
        runs[packed] = (_by_order(requests), en.plan.to_dict()["block_operations"])
        monkeypatch.setattr(blockstore.BlockStore, "pack", BlockStore.pack)
    assert runs[True][0] == runs[False][0]
    ops = runs[True][1]
    assert sorted(op["op"] for op in ops) == ["delete_block", "insert_blocks", "update_block", "update_block"]
    assert [op["types"] for op in ops if op["op"] == "insert_blocks"] == [["paragraph", "paragraph"]]


def test_a_dry_run_holds_a_dense_page_packed(env, workspace):
    """~20 MiB of dicts for these 150 KB of `**a**` runs; packed, a small fraction of it."""
    week = env / "content" / "rec-weekly" / "2026-W22"
    body = ("**a** " * 100 + "\n\n") * 250
    text = (week / "en.md").read_text(encoding="utf-8")
    (week / "en.md").write_text(text[: text.index("\n---", 3) + 5] + "\n" + body, encoding="utf-8")
    s, _ = session(workspace)
    variants = read_all(s.settings.bot_content_dir)
    Publisher(s, variants, PublishOptions(dry_run=True)).publish_group(select_week(variants, "W22"))  # warm up
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        results = Publisher(s, variants, PublishOptions(dry_run=True)).publish_group(select_week(variants, "W22"))
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    plan = next(r.plan for r in results if r.variant.lang == "en")
    assert plan.action == "create" and len(plan.children) == 1 + 500  # 200 items a paragraph: 2 blocks of 100
    assert isinstance(plan.children, BlockStore)
    assert held - before < 2_000_000, held - before  # the plans, as the dry run prints them
    assert peak - before < 8_000_000, peak - before  # one top-level block's dicts at a time, not the page's
