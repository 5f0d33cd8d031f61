"""The package's layers (README → Layout): no module imports from a layer above its own, and
there is no import cycle between modules. Every import counts, including the ones inside
functions (they are how commands import what they use only when they run)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bot"

# Lowest first. A module may import modules of its own layer or of layers below it.
LAYERS: list[tuple[str, list[str]]] = [
    (
        "foundation",
        [
            "bot",
            "bot.__main__",
            "bot.errors",
            "bot.clock",
            "bot.state",
            "bot.bilingual",
            "bot.settings",
            "bot.rules",
            "bot.emoji",
        ],
    ),
    ("converter", ["bot.convert"]),
    ("notion double", ["bot.local"]),
    ("notion client", ["bot.notion"]),
    (
        "content",
        ["bot.source", "bot.front_matter_messages", "bot.due", "bot.mapping", "bot.properties", "bot.progress"],
    ),
    ("plan", ["bot.plan", "bot.duplicates", "bot.drift", "bot.hidden"]),
    (
        "connection",
        [
            "bot.session",
            "bot.lock",
            "bot.runs",
            "bot.runs_pg",
            "bot.backend",
            "bot.records",
            "bot.series",
            "bot.series_registry",
        ],
    ),
    ("engine", ["bot.apply", "bot.publish", "bot.write_order", "bot.twinlinks"]),
    ("runs", ["bot.runner"]),
    ("tools", ["bot.editor", "bot.schedule"]),
    ("command line", ["bot.cli"]),
]
EXCEPTIONS = {
    # bot/__main__.py is `python -m bot`: it runs the command line.
    ("bot.__main__", "bot.cli"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(name: str) -> int:
    best, index = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, index = len(prefix), i
    assert index is not None, f"{name} is in no layer: add it to LAYERS (and to the README's layout)"
    return index


def imports_of(path: Path) -> set[str]:
    """Absolute names of the bot modules a file imports (resolving relative imports)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "bot")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "bot":
                continue
            # `from . import x` / `from .pkg import mod` may name submodules
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if _exists(candidate) else target)
    return {_existing(n) for n in found}


def _exists(name: str) -> bool:
    rel = Path(*name.split("."))
    return (PACKAGE.parent / rel).with_suffix(".py").is_file() or (PACKAGE.parent / rel / "__init__.py").is_file()


def _existing(name: str) -> str:
    while not _exists(name):
        name = name.rsplit(".", 1)[0]
    return name


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) - {module_name(p)} for p in sorted(PACKAGE.rglob("*.py"))}


def test_no_module_imports_from_a_layer_above_its_own():
    wrong = []
    for name, targets in graph().items():
        for target in targets:
            if (name, target) in EXCEPTIONS or target == "bot":
                continue
            if layer_of(target) > layer_of(name):
                wrong.append(f"{name} ({LAYERS[layer_of(name)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_cycles():
    edges = graph()
    # A submodule importing its own package's __init__ (to reach a sibling re-exported there)
    # is skipped: Python runs the package's __init__ first anyway. Any other loop is a cycle.
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if _is_parent_package(nxt, node):
                continue  # a submodule importing its package's __init__ (re-exports) is not a cycle of modules
            if state.get(nxt) == 1:
                cycles.append(" → ".join(stack[stack.index(nxt) :] + [nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(cycles)


def _is_parent_package(candidate: str, module: str) -> bool:
    return module.startswith(candidate + ".")


@pytest.mark.parametrize("name", ["bot.cli", "bot.plan", "bot.bilingual"])
def test_layers_name_real_modules(name):
    assert _exists(name)
