"""Map fenced-code info strings onto Notion's code-language enum."""

from __future__ import annotations

# Exact enum (shared/reference/notion-api.md §4.1, SDK-JS LanguageRequest).
NOTION_LANGUAGES = frozenset(
    """abap|abc|agda|arduino|ascii art|assembly|bash|basic|bnf|c|c#|c++|clojure|coffeescript|coq|css|
    dart|dhall|diff|docker|ebnf|elixir|elm|erlang|f#|flow|fortran|gherkin|glsl|go|graphql|groovy|
    haskell|hcl|html|idris|java|javascript|json|julia|kotlin|latex|less|lisp|livescript|llvm ir|lua|
    makefile|markdown|markup|matlab|mathematica|mermaid|nix|notion formula|objective-c|ocaml|pascal|
    perl|php|plain text|powershell|prolog|protobuf|purescript|python|r|racket|reason|ruby|rust|sass|
    scala|scheme|scss|shell|smalltalk|solidity|sql|swift|toml|typescript|vb.net|verilog|vhdl|
    visual basic|webassembly|xml|yaml|java/c/c++/c#""".replace("\n", "")
    .replace("    ", "")
    .split("|")
)

ALIASES = {
    "": "plain text",
    "text": "plain text",
    "txt": "plain text",
    "plain": "plain text",
    "plaintext": "plain text",
    "none": "plain text",
    "nohighlight": "plain text",
    "py": "python",
    "python3": "python",
    "py3": "python",
    "pycon": "python",
    "ipython": "python",
    "sh": "shell",
    "zsh": "shell",
    "console": "shell",
    "shell-session": "shell",
    "shellsession": "shell",
    "fish": "shell",
    "ksh": "shell",
    "bash": "bash",
    "ps": "powershell",
    "ps1": "powershell",
    "pwsh": "powershell",
    "yml": "yaml",
    "ts": "typescript",
    "tsx": "typescript",
    "mts": "typescript",
    "js": "javascript",
    "jsx": "javascript",
    "mjs": "javascript",
    "cjs": "javascript",
    "node": "javascript",
    "cpp": "c++",
    "cxx": "c++",
    "cc": "c++",
    "hpp": "c++",
    "h": "c",
    "cs": "c#",
    "csharp": "c#",
    "fs": "f#",
    "fsharp": "f#",
    "rs": "rust",
    "golang": "go",
    "md": "markdown",
    "dockerfile": "docker",
    "containerfile": "docker",
    "tex": "latex",
    "kt": "kotlin",
    "kts": "kotlin",
    "rb": "ruby",
    "pl": "perl",
    "hs": "haskell",
    "objc": "objective-c",
    "objectivec": "objective-c",
    "ml": "ocaml",
    "ex": "elixir",
    "exs": "elixir",
    "erl": "erlang",
    "clj": "clojure",
    "coffee": "coffeescript",
    "make": "makefile",
    "mk": "makefile",
    "proto": "protobuf",
    "jsonc": "json",
    "json5": "json",
    "geojson": "json",
    "htm": "html",
    "xhtml": "html",
    "svg": "xml",
    "vb": "visual basic",
    "vbnet": "vb.net",
    "asm": "assembly",
    "nasm": "assembly",
    "wasm": "webassembly",
    "wat": "webassembly",
    "tf": "hcl",
    "terraform": "hcl",
    "gql": "graphql",
    "sv": "verilog",
    "patch": "diff",
    "udiff": "diff",
    "jl": "julia",
    "sol": "solidity",
    "scm": "scheme",
    "rkt": "racket",
    "re": "reason",
    "purs": "purescript",
    "mmd": "mermaid",
    "ino": "arduino",
    "cmake": "makefile",
    "postgres": "sql",
    "postgresql": "sql",
    "mysql": "sql",
    "sqlite": "sql",
    "plsql": "sql",
    "tsql": "sql",
    "m": "matlab",
    "wl": "mathematica",
    "r": "r",
    "ini": "toml",
    "ascii": "ascii art",
    "llvm": "llvm ir",
}


def map_language(info: str) -> tuple[str, bool]:
    """Return (notion_language, exact). `exact` is False for unknown languages."""
    word = info.strip().split(maxsplit=1)[0].lower() if info.strip() else ""
    word = word.strip("{}.")  # ```{python} / ```.py variants
    full = info.strip().lower()
    if full in NOTION_LANGUAGES:
        return full, True
    if word in NOTION_LANGUAGES:
        return word, True
    if word in ALIASES:
        return ALIASES[word], True
    return "plain text", False
