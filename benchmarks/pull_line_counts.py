"""How many lines `bot pull --force` changes in a week's own source files.

For W14 and W22 (en and zh), against the embedded local workspace:
1. unedited: publish, then pull into the same files;
2. canonical: the pulled Markdown (`--out -`) against the file, i.e. what a whole-file rewrite changes;
3. one word: publish, change one word of one paragraph in Notion (as another user), pull --force.
Counts are unified-diff lines added/removed.

    python benchmarks/pull_line_counts.py [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.cli import main  # noqa: E402
from bot.clock import VirtualClock  # noqa: E402
from bot.local import LocalTransport, LocalWorkspace  # noqa: E402
from bot.notion import NotionAPI  # noqa: E402

WEEKS = ("W14", "W22")
LANGS = ("en", "zh")


def counts(before: str, after: str) -> tuple[int, int]:
    added = removed = 0
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


def run(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(args))
    if code != 0:
        raise SystemExit(f"bot {' '.join(args)} exited {code}")
    return out.getvalue()


def fresh(tmp: Path) -> Path:
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    shutil.copytree(ROOT / "content", tmp / "content")
    os.environ.update(
        {
            "NOTION_TOKEN": "",
            "BOT_STATE_DIR": str(tmp / "state"),
            "BOT_CONTENT_DIR": str(tmp / "content"),
            "BOT_MAPPING": str(ROOT / "mappings" / "rec-weekly.yaml"),
            "BOT_RATE_LIMIT": "100000",
        }
    )
    return tmp / "content" / "rec-weekly"


def edit_one_word(state: Path, page_id: str) -> None:
    """Replace the first word of the first plain paragraph with 'Edited' as a person would in Notion."""
    ws = LocalWorkspace(state / "local-notion.sqlite3")
    ws.add_user("Ada Editor", "editor-token")
    api = NotionAPI(
        auth="editor-token", base_url="http://local", transport=LocalTransport(ws), rate=1e6, clock=VirtualClock()
    )
    for block in api.list_children(page_id):
        items = block.get("paragraph", {}).get("rich_text") or []
        if len(items) == 1 and " " in items[0]["plain_text"]:
            text = items[0]["plain_text"]
            new = "Edited " + text.split(" ", 1)[1]
            api.update_block(
                block["id"],
                {"type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": new}}]}},
            )
            return
    raise SystemExit(f"page {page_id}: no plain paragraph to edit")


def measure(tmp: Path) -> list[dict]:
    rows = []
    for week in WEEKS:
        for lang in LANGS:
            slug = f"rec-weekly-{lang}-2026-{week}"
            content = fresh(tmp)
            path = content / f"2026-{week}" / f"{lang}.md"
            original = path.read_text(encoding="utf-8")
            run("publish", "--week", week, "--lang", lang)
            canonical = run("pull", slug, "--out", "-")
            page_id = json.loads(run("pull", slug, "--force", "--json"))["pulled"][0]["page_id"]
            unedited = counts(original, path.read_text(encoding="utf-8"))
            edit_one_word(tmp / "state", page_id)
            run("pull", slug, "--force")
            one_word = counts(original, path.read_text(encoding="utf-8"))
            rows.append(
                {
                    "week": week,
                    "lang": lang,
                    "unedited": unedited,
                    "canonical": counts(original, canonical),
                    "one_word": one_word,
                }
            )
    return rows


def main_cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    try:
        rows = measure(tmp / "run")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'week':<5} {'lang':<4} {'unedited +/-':>13} {'canonical +/-':>14} {'one word +/-':>13}")
    for r in rows:
        cell = lambda pair: f"+{pair[0]}/-{pair[1]}"  # noqa: E731
        print(
            f"{r['week']:<5} {r['lang']:<4} {cell(r['unedited']):>13} {cell(r['canonical']):>14} {cell(r['one_word']):>13}"
        )


if __name__ == "__main__":
    main_cli()
