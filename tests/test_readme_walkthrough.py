"""The walk-through (docs/walkthrough.md, linked from the README) is real output: scripts/readme_walkthrough.py regenerates it from runs
against a copy of the content, and this test fails when it is not current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("readme_walkthrough", ROOT / "scripts" / "readme_walkthrough.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_walkthrough_is_current(env):
    script = _script()
    readme = (ROOT / "docs" / "walkthrough.md").read_text(encoding="utf-8")
    fresh = script.walkthrough()
    assert script.current_section(readme) == fresh, (
        "docs/walkthrough.md is out of date: run scripts/readme_walkthrough.py to update it"
    )
