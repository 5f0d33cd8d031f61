"""Formula evaluation: the common subset of Notion's formula language (2.0).

Supported: numbers, strings, `true`/`false`, `prop("Name")` and Notion's stored reference form
`{{notion:block_property:<property id>:…}}`, arithmetic (`+ - * / % ^`, `+` joins strings),
comparison (`== != > < >= <=`), `and`/`or`/`not` (also `&& || !`), `cond ? a : b`, and the
functions below, callable as `f(x, …)` or `x.f(…)`. Anything else — an unknown function, a
syntax error, a type error — is a `FormulaError`, which the workspace answers as Notion answers
a formula it cannot compute since Aug 2026: `{"type": "unsupported"}` (changelog Aug 5, 2026;
notion-api.md §1.5). Dates are ISO strings or `date` property values (`{"start", "end"}`).
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

REF = re.compile(r"\{\{notion:block_property:([^:}]+)(?::[^}]*)?\}\}")
TOKEN = re.compile(
    r"""\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>"(?:[^"\\]|\\.)*")|(?P<ref>\{\{[^}]*\}\})|"""
    r"""(?P<op>==|!=|>=|<=|&&|\|\||[-+*/%^()<>,.?:!])|(?P<name>[A-Za-z_][A-Za-z_0-9]*))"""
)


class FormulaError(ValueError):
    """An expression outside the supported subset, or one that fails on this page."""


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, list):
        return ", ".join(_text(x) for x in v)
    if isinstance(v, dict):
        return str(v.get("start") or "")
    return str(v)


def _number(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise FormulaError(f"expected a number, got {_text(v)!r}")
    return v


def _length(v: Any) -> int:
    if isinstance(v, (list, str)):
        return len(v)
    raise FormulaError("length() of neither text nor a list")


def _includes(v: Any, part: Any) -> bool:
    if isinstance(v, list):
        return part in v
    return _text(part) in _text(v)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "format": _text,
    "length": _length,
    "includes": _includes,
    "contains": _includes,
    "concat": lambda *a: (
        [x for v in a for x in (v if isinstance(v, list) else [v])]
        if any(isinstance(v, list) for v in a)
        else "".join(_text(v) for v in a)
    ),
    "lower": lambda v: _text(v).lower(),
    "upper": lambda v: _text(v).upper(),
    "empty": lambda v: v in (None, "", [], 0, False),
    "not": lambda v: not v,
    "if": lambda c, a, b: a if c else b,
    "ifs": None,  # replaced below
    "abs": lambda v: abs(_number(v)),
    "round": lambda v, n=0: round(_number(v), int(n)),
    "floor": lambda v: math.floor(_number(v)),
    "ceil": lambda v: math.ceil(_number(v)),
    "min": lambda *a: min(_number(x) for x in a),
    "max": lambda *a: max(_number(x) for x in a),
    "toNumber": lambda v: float(_text(v)) if re.fullmatch(r"-?\d+(\.\d+)?", _text(v)) else None,
    "replace": lambda v, a, b: _text(v).replace(_text(a), _text(b), 1),
    "replaceAll": lambda v, a, b: _text(v).replace(_text(a), _text(b)),
    "join": lambda v, sep: _text(sep).join(_text(x) for x in (v or [])),
    "start": lambda v: v.get("start") if isinstance(v, dict) else v,
}
del FUNCTIONS["ifs"]


class _Parser:
    def __init__(self, text: str, resolve: Callable[[str], Any]):
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            m = TOKEN.match(text, pos)
            if not m or m.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise FormulaError(f"cannot read the formula at {text[pos : pos + 10]!r}")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0
        self.resolve = resolve

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.tokens):
            raise FormulaError("the formula ends too early")
        tok = self.tokens[self.i]
        if expected is not None and tok[1] != expected:
            raise FormulaError(f"expected {expected!r}, found {tok[1]!r}")
        self.i += 1
        return tok

    def parse(self) -> Any:
        value = self.ternary()
        if self.i != len(self.tokens):
            raise FormulaError(f"unexpected {self.peek()!r}")
        return value

    def ternary(self) -> Any:
        cond = self.binary(0)
        if self.peek() == "?":
            self.take()
            a = self.ternary()
            self.take(":")
            b = self.ternary()
            return a if cond else b
        return cond

    LEVELS = (("or", "||"), ("and", "&&"), ("==", "!="), (">", "<", ">=", "<="), ("+", "-"), ("*", "/", "%"), ("^",))

    def binary(self, level: int) -> Any:
        if level == len(self.LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek() in self.LEVELS[level]:
            op = self.take()[1]
            right = self.binary(level + 1)
            left = _apply(op, left, right)
        return left

    def unary(self) -> Any:
        if self.peek() in ("-", "!", "not"):
            op = self.take()[1]
            v = self.unary()
            return -_number(v) if op == "-" else not v
        return self.postfix()

    def postfix(self) -> Any:
        value = self.primary()
        while self.peek() == ".":
            self.take()
            name = self.take()[1]
            args = self.arguments() if self.peek() == "(" else []
            value = _call(name, [value, *args])
        return value

    def arguments(self) -> list[Any]:
        self.take("(")
        args = []
        while self.peek() != ")":
            args.append(self.ternary())
            if self.peek() == ",":
                self.take()
        self.take(")")
        return args

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "str":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "ref":
            m = REF.fullmatch(text)
            if not m:
                raise FormulaError(f"unknown reference {text}")
            return self.resolve(m.group(1))
        if text == "(":
            v = self.ternary()
            self.take(")")
            return v
        if text in ("true", "false"):
            return text == "true"
        if kind == "name":
            args = self.arguments() if self.peek() == "(" else []
            if text == "prop":
                if len(args) != 1 or not isinstance(args[0], str):
                    raise FormulaError("prop() takes a property name")
                return self.resolve(args[0])
            return _call(text, args)
        raise FormulaError(f"unexpected {text!r}")


def _call(name: str, args: list[Any]) -> Any:
    fn = FUNCTIONS.get(name)
    if fn is None:
        raise FormulaError(f"unsupported function {name}()")
    try:
        return fn(*args)
    except TypeError as exc:
        raise FormulaError(f"{name}(): {exc}") from None


def _apply(op: str, a: Any, b: Any) -> Any:
    if op in ("or", "||"):
        return bool(a) or bool(b)
    if op in ("and", "&&"):
        return bool(a) and bool(b)
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if op == "+" and (isinstance(a, str) or isinstance(b, str)):
        return _text(a) + _text(b)
    if op in (">", "<", ">=", "<=") and isinstance(a, str) and isinstance(b, str):
        return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]
    x, y = _number(a), _number(b)
    if op in ("/", "%") and y == 0:
        raise FormulaError("division by zero")
    return {
        "+": x + y,
        "-": x - y,
        "*": x * y,
        "/": x / y,
        "%": x % y,
        "^": x**y,
        ">": x > y,
        "<": x < y,
        ">=": x >= y,
        "<=": x <= y,
    }[op]


def evaluate(expression: str, resolve: Callable[[str], Any]) -> Any:
    """The value of `expression`; `resolve(name or property id)` gives a property's value.
    An expression that starts with `=` (a spreadsheet habit, not Notion's syntax) is empty:
    Notion stores "={{…}}* 2" and answers `{"type": "string", "string": null}` on every page,
    whatever the number (recorded, All Properties DB)."""
    if expression.lstrip().startswith("=") and not expression.lstrip().startswith("=="):
        return None
    return _Parser(expression, resolve).parse()


def result(value: Any) -> dict:
    """A formula value as Notion answers it: `{"type": string|number|boolean|date, …}`."""
    if isinstance(value, bool):
        return {"type": "boolean", "boolean": value}
    if isinstance(value, (int, float)):
        return {"type": "number", "number": int(value) if isinstance(value, float) and value.is_integer() else value}
    if isinstance(value, dict) and "start" in value:
        return {
            "type": "date",
            "date": {"start": value["start"], "end": value.get("end"), "time_zone": value.get("time_zone")},
        }
    if value is None:
        return {"type": "string", "string": None}
    return {"type": "string", "string": _text(value)}
