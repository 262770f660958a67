"""The MIME tree of a message, found by offsets into the raw bytes.

Bodies are never copied while the tree is built: a part is a range of the original buffer,
so a 50 MB attachment costs its decoded size once, not the many copies a line-based parser
makes. Header blocks are small and go through `email.message.Message` (compat32) for its
parameter handling, RFC 2231 included."""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field
from email.message import Message

from ..addresses import content_type_charset
from . import defects
from .charsets import decode_bytes
from .defects import Defects

MAX_DEPTH = 30
MAX_PARTS = 5000

_FIELD = re.compile(rb"[!-9;-~]+[ \t]*:")
_PARAMETER_LINE = re.compile(rb"[ \t]*[\w.*-]+[ \t]*=")
_GUESSED_BOUNDARY = re.compile(rb"^--([^\s]*[0-9A-Za-z][^\s]*?)(?:--)?[ \t]*\r?$", re.MULTILINE)
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
# A longer delimiter line is text that happens to start like one.
_DELIMITER_SLACK = 1024
_LOOKAHEAD_LINES = 20
_PLAIN_ENCODINGS = {"", "7bit", "8bit", "binary"}
_UUENCODE = {"x-uuencode", "uuencode", "x-uue", "uue"}


@dataclass(slots=True, eq=False)
class Part:
    """One MIME entity: its headers, its content as data[start:end], its children."""

    headers: Message
    data: bytes
    start: int
    end: int
    content_type: str
    children: list[Part] = field(default_factory=list)

    @property
    def charset(self) -> str:
        return content_type_charset(self.headers.get("content-type", ""))

    @property
    def disposition(self) -> str:
        return self.headers.get("content-disposition", "").split(";", 1)[0].strip().lower()

    def content(self, notes: Defects) -> bytes:
        """The content with its transfer encoding undone."""
        encoding = self.headers.get("content-transfer-encoding", "").strip(' \t"').lower()
        view = memoryview(self.data)[self.start : self.end]
        if encoding == "base64":
            try:
                return binascii.a2b_base64(view)
            except binascii.Error:
                notes.add(defects.BAD_BASE64)
                cleaned = _NOT_BASE64.sub(b"", view)
                if len(cleaned) % 4 == 1:
                    cleaned = cleaned[:-1]
                return binascii.a2b_base64(cleaned + b"=" * (-len(cleaned) % 4))
        if encoding == "quoted-printable":
            # Quoted-printable keeps line breaks as CRLF on the wire; they mean a line break,
            # data that really holds CR or LF has them encoded.
            return binascii.a2b_qp(bytes(view).replace(b"\r\n", b"\n"))
        if encoding in _UUENCODE:
            return _uudecode(view)
        if encoding not in _PLAIN_ENCODINGS:
            notes.add(defects.UNKNOWN_ENCODING, encoding=encoding)
        return bytes(view)


@dataclass(slots=True)
class _Budget:
    parts_left: int = MAX_PARTS


def parse_tree(data: bytes, notes: Defects) -> Part:
    """The MIME tree of a whole message."""
    headers, body_start = read_headers(data, 0, len(data), notes, top=True)
    root = Part(headers, data, body_start, len(data), headers.get_content_type().lower())
    return _grow(root, notes, _Budget(), 0)


def tree_size(root: Part) -> tuple[int, int]:
    """The number of parts in the tree and how deep it is nested (0: a single part)."""
    parts, deepest = 0, 0
    waiting = [(root, 0)]
    while waiting:
        part, depth = waiting.pop()
        parts += 1
        deepest = max(deepest, depth)
        waiting.extend((child, depth + 1) for child in part.children)
    return parts, deepest


def read_headers(
    data: bytes, start: int, end: int, notes: Defects, *, top: bool = False
) -> tuple[Message, int]:
    """The header block at data[start:end] and the offset where the body begins."""
    headers = Message()
    position = start
    if top and data.startswith(b"From ", position):
        # An mbox envelope line, not a header.
        position = _line_end(data, position, end)
    fields: list[tuple[bytes, list[bytes]]] = []
    while position < end:
        next_line = _line_end(data, position, end)
        line = data[position:next_line].rstrip(b"\r\n")
        if not line:
            position = next_line
            break
        if line[0] in b" \t" and fields:
            fields[-1][1].append(line)
        elif _FIELD.match(line):
            name, _colon, value = line.partition(b":")
            fields.append((name.strip(), [value]))
        elif fields and (
            (fields[-1][1][-1].rstrip().endswith(b";") and _PARAMETER_LINE.match(line))
            or _field_follows(data, next_line, end)
        ):
            # The indentation of a folded line was lost on the way.
            notes.add(defects.HEADER_LINE_JOINED)
            fields[-1][1].append(b" " + line)
        else:
            if fields:
                notes.add(defects.HEADER_BODY_SEPARATOR)
            break
        position = next_line
    for name, lines in fields:
        text_name = name.decode("ascii", "replace")
        headers.set_raw(text_name, _header_text(b"".join(lines).strip(), text_name, notes))
    return headers, position


def _grow(part: Part, notes: Defects, budget: _Budget, depth: int) -> Part:
    if not part.content_type.startswith("multipart/"):
        return part
    if depth >= MAX_DEPTH:
        notes.add(defects.TOO_DEEP)
        return part
    ranges = _children(part, notes)
    if ranges is None:
        part.content_type = "text/plain"
        return part
    digest = part.content_type == "multipart/digest"
    for start, end in ranges:
        if budget.parts_left <= 0:
            notes.add(defects.TOO_MANY_PARTS)
            rest = Message()
            rest.set_default_type("application/octet-stream")
            part.children.append(
                Part(rest, part.data, start, ranges[-1][1], "application/octet-stream")
            )
            break
        budget.parts_left -= 1
        child_headers, body_start = read_headers(part.data, start, end, notes)
        if digest:
            child_headers.set_default_type("message/rfc822")
        child = Part(
            child_headers, part.data, body_start, end, child_headers.get_content_type().lower()
        )
        part.children.append(_grow(child, notes, budget, depth + 1))
    return part


def _children(part: Part, notes: Defects) -> list[tuple[int, int]] | None:
    boundary = part.headers.get_param("boundary")
    text = boundary[2] if isinstance(boundary, tuple) else boundary
    if text and text.strip():
        found = _split(part.data, part.start, part.end, text.strip().encode("utf-8"))
        if found is not None:
            return _checked(found, notes)
    guessed = _GUESSED_BOUNDARY.search(part.data, part.start, part.end)
    found = _split(part.data, part.start, part.end, guessed.group(1)) if guessed else None
    notes.add(defects.BOUNDARY_GUESSED if found else defects.NO_BOUNDARY)
    return _checked(found, notes)


def _checked(
    found: tuple[list[tuple[int, int]], bool] | None, notes: Defects
) -> list[tuple[int, int]] | None:
    if found is None:
        return None
    ranges, closed = found
    if not closed:
        notes.add(defects.CLOSING_BOUNDARY)
    return ranges


def _split(
    data: bytes, start: int, end: int, boundary: bytes
) -> tuple[list[tuple[int, int]], bool] | None:
    """The content ranges between delimiter lines of `boundary`, and whether the closing
    delimiter was seen; None if no delimiter occurs."""
    delimiter = b"--" + boundary
    ranges: list[tuple[int, int]] = []
    part_start = -1
    position = start
    while True:
        found = data.find(delimiter, position, end)
        if found < 0:
            break
        after = found + len(delimiter)
        next_line = _line_end(data, after, end)
        rest = data[after : min(next_line, after + _DELIMITER_SLACK)]
        closing = rest.startswith(b"--")
        at_line_start = found == start or data[found - 1] == 0x0A
        if (
            not at_line_start
            or next_line - after > _DELIMITER_SLACK
            or (rest[2:] if closing else rest).strip(b" \t\r\n")
        ):
            position = after
            continue
        if part_start >= 0:
            # The line break before a delimiter belongs to the delimiter (RFC 2046).
            content_end = found
            if content_end > part_start and data[content_end - 1] == 0x0A:
                content_end -= 1
                if content_end > part_start and data[content_end - 1] == 0x0D:
                    content_end -= 1
            ranges.append((part_start, content_end))
        if closing:
            return ranges, True
        part_start = next_line
        position = next_line
    if part_start < 0:
        return None
    ranges.append((part_start, end))
    return ranges, False


def _field_follows(data: bytes, position: int, end: int) -> bool:
    """Whether a header field comes before the next empty line (within a few lines)."""
    for _line in range(_LOOKAHEAD_LINES):
        if position >= end:
            return False
        next_line = _line_end(data, position, end)
        line = data[position:next_line].rstrip(b"\r\n")
        if not line:
            return False
        if _FIELD.match(line):
            return True
        position = next_line
    return False


def _uudecode(data: memoryview) -> bytes:
    lines = bytes(data).splitlines()
    start = next((index + 1 for index, line in enumerate(lines) if line.startswith(b"begin ")), 0)
    decoded = []
    for line in lines[start:]:
        if line.strip() in (b"end", b"`"):
            break
        if line.strip():
            decoded.append(_uudecode_line(line))
    return b"".join(decoded)


def _uudecode_line(line: bytes) -> bytes:
    try:
        return binascii.a2b_uu(line)
    except binascii.Error:
        pass
    # Some encoders fill the last group with more characters than the bytes need: the
    # length character says how many bytes there are, each three take four characters.
    length = (line[0] - 32) & 63
    try:
        return binascii.a2b_uu(line[: 1 + -(-length * 4 // 3)])
    except binascii.Error:
        return b""


def _line_end(data: bytes, position: int, end: int) -> int:
    newline = data.find(b"\n", position, end)
    return end if newline < 0 else newline + 1


def _header_text(value: bytes, name: str, notes: Defects) -> str:
    if value.isascii():
        return value.decode("ascii")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        text, charset, _fitted = decode_bytes(value, "")
        notes.add(defects.HEADER_8BIT, header=name, charset=charset)
        return text
