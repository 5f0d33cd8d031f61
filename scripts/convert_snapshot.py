"""Snapshot of the converter's output, to check that a refactoring changes nothing.

Usage: .venv/bin/python scripts/convert_snapshot.py write DIR   (before the change)
       .venv/bin/python scripts/convert_snapshot.py check DIR   (after: exit 1 on any difference)

For each document (content/**/*.md and benchmarks/corpus/*.md, the latter behind a front matter)
it records `bot convert --json` as printed, and for its blocks the way back: pulled Markdown
(blocks_to_markdown), the preview's HTML (render_blocks), normalize_tree, plain_text and
check_limits, so that moving a block kind's functions between modules is seen in every direction.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FRONT_MATTER = (
    "---\ntitle: Snapshot\nlang: en\nweek: 2026-W22\nseries: bench\nslug: bench-en-2026-W22\n"
    "type: Post\nstatus: Draft\ndate: 2026-05-30 07:01\n---\n\n"
)


def documents() -> dict[str, str]:
    docs = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("content/**/*.md"))}
    for p in sorted((ROOT / "benchmarks" / "corpus").glob("*.md")):
        if p.name != "LICENSES.md":
            docs[str(p.relative_to(ROOT))] = FRONT_MATTER + p.read_text(encoding="utf-8")
    # generated: bench_convert's newsletter-like document and its adversarial inputs (small)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_convert

    docs["generated/newsletter.md"] = FRONT_MATTER + bench_convert.build(150_000)
    for name, make in bench_convert.ADVERSARIAL.items():
        docs[f"generated/{name}.md"] = FRONT_MATTER + make(20_000)
    return docs


def outputs(name: str, text: str, tmp: Path) -> dict[str, str]:
    from bot.cli import main
    from bot.convert import blocks_to_markdown, check_limits, normalize_tree, plain_text
    from bot.convert.blocks_to_html import render_blocks

    path = tmp / name.replace("/", "__")
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["convert", "--json", str(path)])
    printed = out.getvalue().replace(str(tmp), "TMP")
    blocks = json.loads(out.getvalue())["children"]
    return {
        "convert.json": f"exit {code}\n{printed}",
        "pull.md": blocks_to_markdown(blocks),
        "preview.html": render_blocks(blocks),
        "normalized.json": json.dumps(normalize_tree(blocks), ensure_ascii=False, indent=1, sort_keys=True),
        "plain.txt": "\n".join(plain_text(blocks)),
        "limits.txt": "\n".join(check_limits(blocks)),
    }


def main(argv: list[str]) -> int:
    mode, where = argv[0], Path(argv[1])
    os.chdir(ROOT)  # the default mapping file is relative to the repository
    differ = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in documents().items():
            for part, value in outputs(name, text, Path(tmp)).items():
                target = where / name.replace("/", "__") / part
                if mode == "write":
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(value, encoding="utf-8")
                elif not target.exists() or target.read_text(encoding="utf-8") != value:
                    differ += 1
                    print(f"DIFFERS: {name} {part}", file=sys.stderr)
    if mode == "check":
        print("identical" if not differ else f"{differ} outputs differ")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
