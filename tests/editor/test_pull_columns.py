"""Columns through the embedded workspace: publish sends a column_list it accepts, pull writes the
same `<div class="columns">` back, preview shows them side by side, and a rerun writes nothing."""

from __future__ import annotations

import json

COLUMNS = """<div class="columns">
<div class="column">

**Left** side

- one
- two

</div>
<div class="column">

Right side

</div>
</div>
"""


def test_columns_publish_pull_and_publish_again_writes_nothing(cli, env):
    week = env / "content" / "rec-weekly" / "2026-W22"
    en = week / "en.md"
    en.write_text(
        en.read_text(encoding="utf-8").replace("## Weekly Overview\n", "## Weekly Overview\n\n" + COLUMNS, 1),
        encoding="utf-8",
    )
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0, err
    assert [v["action"] for v in json.loads(out)["variants"]] == ["created", "created"]

    en.unlink()
    code, _, err = cli("pull", "rec-weekly-en-2026-W22")
    assert code == 0, err
    pulled = en.read_text(encoding="utf-8")
    assert COLUMNS in pulled
    assert pulled.index("## Weekly Overview\n\n" + COLUMNS) > 0  # where it was written

    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0, err
    assert json.loads(out)["requests"]["writes"] == 0

    target = env / "preview.html"
    code, _, err = cli("preview", "--week", "W22", "--out", str(target))
    assert code == 0, err
    shown = target.read_text(encoding="utf-8")
    assert '<div class="block column-list" style="display:flex;gap:24px"><div class="column"' in shown
