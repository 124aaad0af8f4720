"""JMESPath for mapping profiles: compiled expressions with a few string functions, and text templates.

Compiling is strict (a bad expression or an unknown function raises :class:`BadExpression` while the
profile is loaded); evaluating on one record raises :class:`BadRecord`, which reports that record and
lets the run go on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import jmespath
from jmespath import exceptions as jp_errors
from jmespath import functions as jp_functions

from catalog.errors import CatalogError


class BadRecord(CatalogError):
    """One record a profile cannot map (no id, wrong type): reported, the run goes on."""

    status = 422
    title = "Bad record"


class BadExpression(ValueError):
    """An expression or template that cannot be compiled; ``where`` names a placeholder in a template."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where


# -- JMESPath with a few string helpers APIs need (ids hidden in URLs, odd casing) -------------


class _Functions(jp_functions.Functions):
    @jp_functions.signature({"types": ["string"]}, {"types": ["string"]})  # type: ignore[misc]
    def _func_split(self, text: str, sep: str) -> list[str]:
        return text.split(sep)

    @jp_functions.signature({"types": ["string"]})  # type: ignore[misc]
    def _func_lower(self, text: str) -> str:
        return text.lower()

    @jp_functions.signature({"types": ["string"]})  # type: ignore[misc]
    def _func_upper(self, text: str) -> str:
        return text.upper()

    @jp_functions.signature({"types": ["string"]})  # type: ignore[misc]
    def _func_trim(self, text: str) -> str:
        return text.strip()


_OPTIONS = jmespath.Options(custom_functions=_Functions())
FUNCTION_NAMES = frozenset(name[len("_func_"):] for name in dir(_Functions) if name.startswith("_func_"))


class Expr:
    """A compiled JMESPath expression that remembers its text."""

    __slots__ = ("text", "_parsed")

    def __init__(self, text: Any) -> None:
        if not isinstance(text, str) or not text.strip():
            raise BadExpression("a JMESPath expression (a non-empty string) is needed")
        try:
            self._parsed = jmespath.compile(text)
        except jp_errors.JMESPathError as exc:
            raise BadExpression(f"bad JMESPath expression {text!r}: {_first_line(exc)}") from exc
        for name in _function_calls(self._parsed.parsed):
            if name not in FUNCTION_NAMES:
                raise BadExpression(f"unknown JMESPath function {name}() in {text!r}")
        self.text = text

    def search(self, data: Any) -> Any:
        try:
            return self._parsed.search(data, options=_OPTIONS)
        except jp_errors.JMESPathError as exc:
            raise BadRecord(f"{self.text!r}: {_first_line(exc)}") from exc

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _function_calls(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "function_expression":
            yield str(node.get("value"))
        for child in node.get("children") or []:
            yield from _function_calls(child)
    elif isinstance(node, list):
        for child in node:
            yield from _function_calls(child)


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")


class Template:
    """``"{name} – {operator.name}"``: each placeholder is a variable (``id``) or a JMESPath expression."""

    __slots__ = ("text", "parts")

    def __init__(self, text: Any) -> None:
        if not isinstance(text, str):
            raise BadExpression("a template is a string")
        self.text = text
        self.parts: list[str | Expr] = []
        pos = 0
        for m in _PLACEHOLDER.finditer(text):
            self.parts.append(text[pos:m.start()])
            if m.group(1) is None:
                self.parts.append(m.group(0)[0])
            else:
                try:
                    self.parts.append(Expr(m.group(1).strip()))
                except BadExpression as exc:
                    raise BadExpression(exc.message, f" (placeholder {{{m.group(1)}}})") from exc
            pos = m.end()
        rest = text[pos:]
        if "{" in rest or "}" in rest:
            raise BadExpression(f"unbalanced braces in template {text!r}")
        self.parts.append(rest)

    def render(self, data: Any, variables: dict[str, Any]) -> str | None:
        """The text, or None when a placeholder has no value."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = variables[part.text] if part.text in variables else part.search(data)
            if value is None or value == "" or value == []:
                return None
            out.append(", ".join(scalar_text(v) for v in value) if isinstance(value, list) else scalar_text(value))
        return "".join(out)

    def __repr__(self) -> str:
        return f"Template({self.text!r})"


def scalar_text(value: Any) -> str:
    """A JSON scalar as text (booleans as JSON spells them); BadRecord for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise BadRecord(f"expected text, a number or a boolean, got {json_type(value)}")


def json_type(value: Any) -> str:
    """How an error names the JSON type of a value ("an object", "an array", "null", "str")."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "null" if value is None else type(value).__name__
