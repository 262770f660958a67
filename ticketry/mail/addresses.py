"""Reading address lists and Content-Type values the way OTRS does, forgiving of what real
mail programs write."""

from __future__ import annotations

import re
from collections.abc import Iterator

_QUOTE, _COMMENT, _BRACKET = "quote", "comment", "bracket"
_OPENERS = {'"': _QUOTE, "(": _COMMENT, "<": _BRACKET}
_CLOSERS = {_QUOTE: '"', _BRACKET: ">"}
_CHARSET = re.compile(r"""charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;"']+))""", re.IGNORECASE)


def split_addresses(value: str) -> list[str]:
    """The addresses of a header value, each as written (`Name <addr>`, `addr (Comment)`).
    Commas and semicolons separate, except inside quotes, angle brackets and comments; a
    group's name (`Team: a@x, b@y;`) is dropped."""
    items: list[str] = []
    current: list[str] = []
    has_at = False
    for char, where, _edge in _scan(value):
        if not where and char in ",;":
            items.append("".join(current))
            current, has_at = [], False
        elif not where and char == ":" and not has_at:
            current = []
        else:
            current.append(char)
            has_at = has_at or char == "@"
    items.append("".join(current))
    return [" ".join(item.split()) for item in items if item.strip()]


def address_of(value: str) -> str:
    """The bare address in `value` (`juergen+qeber@air.com`), "" if there is none."""
    bracketed: list[str] = []
    outside: list[str] = []
    commented: list[str] = []
    for char, where, edge in _scan(value):
        if where == _BRACKET:
            if edge and char == "<":
                bracketed = []
            elif not edge:
                bracketed.append(char)
        elif not where:
            outside.append(char)
        elif where == _COMMENT and not edge:
            commented.append(char)
    address = "".join(bracketed).strip()
    if address:
        return address
    words = "".join(outside).split()
    # `Name (addr@example.com)` is written by some programs: the address hides in the comment.
    for candidate in (words, "".join(commented).split()):
        with_at = [word for word in candidate if "@" in word]
        if with_at:
            return with_at[0]
    return words[0] if len(words) == 1 else ""


def content_type_charset(value: str) -> str:
    """The charset parameter of a Content-Type value (with or without the `Content-Type:`
    prefix), unquoted; the first one wins. "" if there is none."""
    found = _CHARSET.search(value)
    if not found:
        return ""
    return next(group for group in found.groups() if group is not None).strip()


def _scan(value: str) -> Iterator[tuple[str, str, bool]]:
    """Each character with where it stands: "" at the top level, else inside a quoted
    string, a comment or angle brackets; `edge` marks the characters that open and close."""
    where = ""
    comment_depth = 0
    escaped = False
    for char in value:
        if escaped:
            escaped = False
            yield char, where, False
        elif char == "\\" and where in (_QUOTE, _COMMENT):
            escaped = True
            yield char, where, False
        elif not where:
            opened = _OPENERS.get(char, "")
            if opened == _COMMENT:
                comment_depth = 1
            where = opened
            yield char, where, bool(opened)
        elif where == _COMMENT and char in "()":
            comment_depth += 1 if char == "(" else -1
            yield char, where, not comment_depth
            if not comment_depth:
                where = ""
        elif char == _CLOSERS.get(where):
            yield char, where, True
            where = ""
        else:
            yield char, where, False
