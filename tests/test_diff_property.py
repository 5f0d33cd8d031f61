"""Property test of the block diff: for any edit of a document, publishing the new version
leaves exactly the new blocks in Notion (order, nesting, content), and a rerun writes nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from bot.clock import VirtualClock
from bot.convert import convert_markdown, normalize_block
from bot.local import LocalTransport, LocalWorkspace
from bot.notion import NotionAPI
from bot.engine.fingerprints import children_of
from bot.engine.plan import diff_blocks
from bot.engine.apply import Writer

WORDS = st.sampled_from(["alpha", "beta", "gamma", "delta", "**bold**", "*it*", "`code`", "注意", "emoji 🎉"])
TEXT = st.lists(WORDS, min_size=1, max_size=4).map(" ".join)


def block_md(kind: str, text: str, items: list[list[str]]) -> str:
    if kind == "h2":
        return f"## {text}"
    if kind == "quote":
        return f"> {text}"
    if kind == "list":
        lines = []
        for item in items:
            lines.append(f"- {item[0]}")
            lines.extend(f"  - {sub}" for sub in item[1:])
        return "\n".join(lines)
    return text


BLOCK = st.tuples(
    st.sampled_from(["p", "p", "p", "h2", "quote", "list"]),
    TEXT,
    st.lists(st.lists(TEXT, min_size=1, max_size=3), min_size=1, max_size=3),
)
DOC = st.lists(BLOCK, min_size=0, max_size=8)


def render(doc) -> str:
    # separate lists with a paragraph so that Markdown does not merge neighbours
    return "\n\n".join(block_md(*b) + ("\n\nsep" if b[0] == "list" else "") for b in doc) + "\n"


def tree(blocks):
    return [[normalize_block(b), tree(children_of(b))] for b in blocks]


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(DOC, DOC)
def test_applying_the_diff_yields_exactly_the_new_document(before, after):
    ws = LocalWorkspace(":memory:")
    _, ds = ws.ensure_database("T", {"Name": {"title": {}}})
    api = NotionAPI(
        auth=ws.bot_token, base_url="http://local", transport=LocalTransport(ws), rate=1e9, clock=VirtualClock()
    )
    page = api.create_page(
        {"type": "data_source_id", "data_source_id": ds}, {"Name": {"title": [{"text": {"content": "p"}}]}}
    )
    writer = Writer(api)
    old = convert_markdown(render(before)).blocks
    if old:
        writer.append_tree(page["id"], old, None, at_end=True)
    new = convert_markdown(render(after)).blocks

    live = api.read_tree(page["id"])
    ops = diff_blocks(page["id"], live, new)
    page_plan = type(
        "P", (), {"page_id": page["id"], "properties": {}, "icon": None, "reveal": None, "block_ops": ops}
    )()
    writes_before = api.stats.writes
    writer.update_page(page_plan)
    # small documents: every operation is exactly one request (no chunking needed)
    assert api.stats.writes - writes_before == len(ops)

    assert tree(api.read_tree(page["id"])) == tree(new)
    assert diff_blocks(page["id"], api.read_tree(page["id"]), new) == []
    if before == after:
        assert ops == []
