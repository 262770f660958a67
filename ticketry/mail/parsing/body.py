"""Which parts of a MIME tree make the body and which are attachments.

The body is every inline text part in MIME order (mail programs split the text around an
attachment); of alternatives, text/plain gives the text and the last HTML the HTML. Every
other leaf is an attachment, numbered like OTRS's `file-<n>` by its place among all leaves."""

from __future__ import annotations

from dataclasses import dataclass, replace

from . import defects
from .charsets import decode_text, looks_binary
from .defects import Defects
from .filenames import attachment_filename, declared_filename
from .html import (
    html_to_text,
    is_too_complex,
    point_to_cids,
    referenced_cids,
    sanitize_html,
    strip_tags,
    text_to_html,
)
from .mime import Part
from .result import ParsedAttachment

BODY_TYPES = {"text/plain", "text/html"}


@dataclass(slots=True)
class _Segment:
    """A piece of body: its text (None: to be made from the HTML) and HTML (None: plain)."""

    text: str | None
    html: str | None
    charset: str


@dataclass(frozen=True, slots=True)
class Body:
    text: str
    html: str
    content_type: str
    charset: str
    attachments: tuple[ParsedAttachment, ...]


def collect_body(root: Part, notes: Defects) -> Body:
    walker = _Walker(notes)
    segments = walker.walk(root, body_allowed=True, related=False)
    attachments = tuple(walker.attachments)
    if not segments:
        return Body("", "", "", "", attachments)
    texts: list[str] = []
    htmls: list[str] = []
    any_html = any(segment.html is not None for segment in segments)
    for segment in segments:
        text = segment.text
        if segment.html is None:
            html = text_to_html(text or "") if any_html else ""
        elif is_too_complex(segment.html):
            notes.add(defects.HTML_TOO_COMPLEX)
            stripped = strip_tags(segment.html)
            text = text if text is not None else stripped
            html = text_to_html(stripped)
        else:
            html = sanitize_html(point_to_cids(segment.html, walker.locations))
            text = text if text is not None else html_to_text(html)
        texts.append(text or "")
        htmls.append(html)
    charsets = {segment.charset if segment.text is not None else "utf-8" for segment in segments}
    html = "".join(htmls).strip()
    return Body(
        text=_join_text(texts),
        html=html,
        content_type="text/plain" if segments[0].text is not None else "text/html",
        # Text put together from parts in different charsets is no longer in any of them.
        charset=charsets.pop() if len(charsets) == 1 else "utf-8",
        attachments=_shown_inline(attachments, html),
    )


def _shown_inline(
    attachments: tuple[ParsedAttachment, ...], html: str
) -> tuple[ParsedAttachment, ...]:
    """A part the HTML shows by its Content-ID is an inline image, whatever disposition the
    sender's program declared (several declare `attachment` for pictures in the text)."""
    referenced = referenced_cids(html) if "cid:" in html.lower() else set()
    if not referenced:
        return attachments
    return tuple(
        replace(item, disposition="inline")
        if item.content_id in referenced and item.disposition != "inline"
        else item
        for item in attachments
    )


class _Walker:
    def __init__(self, notes: Defects) -> None:
        self.notes = notes
        self.attachments: list[ParsedAttachment] = []
        self.locations: set[str] = set()
        self._leaves = 0

    def walk(self, part: Part, *, body_allowed: bool, related: bool) -> list[_Segment]:
        if not part.children:
            return self._leaf(part, body_allowed=body_allowed, related=related)
        subtype = part.content_type.partition("/")[2]
        if subtype == "alternative":
            return self._alternative(part, body_allowed=body_allowed, related=related)
        segments: list[_Segment] = []
        for index, child in enumerate(part.children):
            # A signature, and everything encrypted, is never text to show.
            allowed = body_allowed and subtype != "encrypted" and (subtype != "signed" or not index)
            segments += self.walk(child, body_allowed=allowed, related=subtype == "related")
        return segments

    def _alternative(self, part: Part, *, body_allowed: bool, related: bool) -> list[_Segment]:
        choices = [
            self.walk(child, body_allowed=body_allowed, related=related) for child in part.children
        ]
        plain = next((choice for choice in choices if choice and not _has_html(choice)), None)
        rich = next((choice for choice in reversed(choices) if _has_html(choice)), None)
        if plain is None:
            return rich or []
        texts = [segment.text or "" for segment in plain]
        html = None
        if rich is not None:
            html = "".join(
                segment.html if segment.html is not None else text_to_html(segment.text or "")
                for segment in rich
            )
        charsets = {segment.charset for segment in plain}
        charset = charsets.pop() if len(charsets) == 1 else "utf-8"
        return [_Segment(_join_text(texts), html, charset)]

    def _leaf(self, part: Part, *, body_allowed: bool, related: bool) -> list[_Segment]:
        self._leaves += 1
        content = part.content(self.notes)
        content_type = part.content_type
        if (
            content_type == "text/plain"
            and "content-type" not in part.headers
            and looks_binary(content)
        ):
            self.notes.add(defects.BINARY_BODY)
            content_type = "application/octet-stream"
        elif body_allowed and self._is_body(part, content_type):
            is_html = content_type == "text/html"
            decoded = decode_text(content, part.charset, self.notes, html=is_html)
            text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
            if is_html:
                return [_Segment(None, text, decoded.charset)]
            return [_Segment(text, None, decoded.charset)]
        content_id = part.headers.get("content-id", "").strip().strip("<>").strip()
        if not content_id and related:
            # MHTML: the HTML may name the part by its Content-Location instead.
            content_id = part.headers.get("content-location", "").strip()
            if content_id:
                self.locations.add(content_id)
        disposition = part.disposition
        if disposition not in ("inline", "attachment"):
            disposition = "inline" if related and content_id else "attachment"
        self.attachments.append(
            ParsedAttachment(
                filename=attachment_filename(part.headers, content_type, content, self._leaves),
                content_type=content_type,
                content=content,
                content_id=content_id,
                disposition=disposition,
            )
        )
        return []

    @staticmethod
    def _is_body(part: Part, content_type: str) -> bool:
        return (
            content_type in BODY_TYPES
            and part.disposition != "attachment"
            and not declared_filename(part.headers)
        )


def _has_html(segments: list[_Segment]) -> bool:
    return any(segment.html is not None for segment in segments)


def _join_text(texts: list[str]) -> str:
    joined = ""
    for text in texts:
        if joined and text and not joined.endswith("\n"):
            joined += "\n"
        joined += text
    return joined
