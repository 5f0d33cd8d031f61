"""The package's layers (README → Layout): no module imports from a layer above its own, and
there is no import cycle between modules. Every import counts, including the ones inside
functions (they are how commands import what they use only when they run)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bot"
README = PACKAGE.parent / "README.md"

# Lowest first. A module may import modules of its own layer or of layers below it. Every
# module is named here, itself or by its package (the longest name wins: bot.engine.plan is in
# "plan", the rest of bot.engine in "engine"); "bot" is the package's __init__ alone. The
# README's Layout table lists exactly these, layer by layer (test_readme_layout_lists_the_layers).
LAYERS: list[tuple[str, list[str]]] = [
    (
        "foundation",
        [
            "bot",
            "bot.__main__",
            "bot.errors",
            "bot.clock",
            "bot.budget",
            "bot.state",
            "bot.bilingual",
            "bot.settings",
            "bot.mapping_files",
            "bot.plain_text",
            "bot.rules",
            "bot.emoji",
        ],
    ),
    ("converter", ["bot.convert"]),
    ("notion double", ["bot.local"]),
    ("notion client", ["bot.notion"]),
    (
        "content",
        [
            "bot.source",
            "bot.front_fields",
            "bot.front_matter",
            "bot.front_matter_messages",
            "bot.plain_front",
            "bot.plain_inputs",
            "bot.due_rule",
            "bot.mapping",
            "bot.properties",
            "bot.progress",
        ],
    ),
    (
        "plan",
        [
            "bot.engine.plan",
            "bot.engine.fingerprints",
            "bot.engine.duplicates",
            "bot.engine.drift",
            "bot.engine.hidden",
            "bot.engine.blockstore",
        ],
    ),
    ("connection", ["bot.session", "bot.series", "bot.series_registry", "bot.ledger"]),
    ("engine", ["bot.engine"]),
    ("runs", ["bot.engine.run"]),
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
            covers = name == prefix or (prefix != "bot" and name.startswith(prefix + "."))
            if covers and len(prefix) > best:
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


@pytest.mark.parametrize("name", ["bot.cli", "bot.engine.plan", "bot.bilingual"])
def test_layers_name_real_modules(name):
    assert _exists(name)


# ---------------------------------------------------------------------------- README → Layout
def readme_layers(text: str) -> list[tuple[str, set[str]]]:
    """The Layout table of a README: (layer, the modules its row names). A module is a name in
    backticks outside parentheses (those explain it): `source` is bot.source, `convert/` the
    package bot.convert, `engine/plan` bot.engine.plan."""
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in ("layer", "") or set(cells[0]) <= set("-: "):
            continue
        names = re.findall(r"`([^`]+)`", _outside_parentheses(cells[1]))
        rows.append((cells[0].lower(), {"bot." + n.strip("/").replace("/", ".") for n in names}))
    return rows


def _outside_parentheses(text: str) -> str:
    out, depth = [], 0
    for char in text:
        depth += char == "("
        if depth == 0:
            out.append(char)
        depth -= char == ")" and depth > 0
    return "".join(out)


def layout_problems(documented: list[tuple[str, set[str]]], layers: list[tuple[str, list[str]]]) -> list[str]:
    known = [(layer, set(names) - {"bot"}) for layer, names in layers]
    if [layer for layer, _ in documented] != [layer for layer, _ in known]:
        return [f"README's layers {[n for n, _ in documented]} are not LAYERS' {[n for n, _ in known]}"]
    problems = []
    for (layer, listed), (_, names) in zip(documented, known):
        problems += [f"{layer}: README lists {n}, LAYERS does not" for n in sorted(listed - names)]
        problems += [f"{layer}: README does not list {n}" for n in sorted(names - listed)]
    return problems


def test_readme_layout_lists_the_layers():
    """The README's Layout table and LAYERS agree: the same layers in the same order, and in
    each exactly the same modules and packages (the package's own __init__, "bot", aside)."""
    problems = layout_problems(readme_layers(README.read_text(encoding="utf-8")), LAYERS)
    assert not problems, "\n".join(problems)


def test_the_layout_check_sees_a_missing_and_an_extra_module():
    table = (
        "intro\n## Layout\n\n| layer | modules |\n|---|---|\n"
        "| foundation | `errors` (error types, `ExitStatus`), `clock` |\n"
        "| converter | `convert/`, `engine/plan` (the plan) |\n\n## Next\n| a | `b` |\n"
    )
    documented = readme_layers(table)
    assert documented == [
        ("foundation", {"bot.errors", "bot.clock"}),
        ("converter", {"bot.convert", "bot.engine.plan"}),
    ]
    layers = [("foundation", ["bot", "bot.errors", "bot.clock", "bot.state"]), ("converter", ["bot.convert"])]
    assert layout_problems(documented, layers) == [
        "foundation: README does not list bot.state",
        "converter: README lists bot.engine.plan, LAYERS does not",
    ]
    assert layout_problems(documented[:1], layers) != []  # a layer missing


def test_every_module_is_in_a_layer_by_name():
    """A new top-level module is not in "foundation" by default: it must be placed (and documented)."""
    with pytest.raises(AssertionError, match="in no layer"):
        layer_of("bot.some_new_module")
    assert layer_of("bot.engine.plan") < layer_of("bot.engine.publish") < layer_of("bot.engine.run")
