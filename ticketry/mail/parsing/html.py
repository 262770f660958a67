"""HTML bodies: sanitised for display, and turned into readable plain text."""

from __future__ import annotations

import re
from functools import cache
from html import escape, unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

_TAGS = {
    "a", "abbr", "acronym", "address", "article", "aside", "b", "bdi", "bdo", "big",
    "blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup", "dd", "del",
    "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "font", "footer", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li", "mark", "nav",
    "ol", "p", "pre", "q", "s", "samp", "section", "small", "span", "strike", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
    "var", "wbr",
}  # fmt: skip
_CELL = {"align", "valign", "width", "height", "colspan", "rowspan", "bgcolor", "nowrap"}
_ATTRIBUTES = {
    "*": {"style", "dir", "lang", "title", "align"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "border"},
    "font": {"color", "face", "size"},
    "table": {"width", "border", "cellpadding", "cellspacing", "bgcolor"},
    "td": _CELL,
    "th": _CELL,
    "tr": {"valign", "bgcolor"},
    "col": {"width", "span"},
    "colgroup": {"width", "span"},
    "ol": {"start", "type"},
    "ul": {"type"},
    "li": {"value"},
    "blockquote": {"type"},
}
# Layout and typography only: nothing that loads a URL or moves content over the page.
_STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style",
    "font-weight", "text-align", "text-decoration", "text-indent", "text-transform",
    "vertical-align", "white-space", "line-height", "letter-spacing", "direction",
    "list-style-type", "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left", "border",
    "border-top", "border-right", "border-bottom", "border-left", "border-color",
    "border-style", "border-width", "border-collapse", "border-spacing", "width", "height",
}  # fmt: skip
# cid: points to an inline image of the same mail; relative URLs would point into Ticketry.
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}
_SRC = re.compile(r"""(\bsrc\s*=\s*)(["']?)([^"'\s>]+)\2""", re.IGNORECASE)
# The HTML parser behind the sanitiser slows down quadratically on very deep nesting and on
# long texts full of ampersands; past these limits HTML is only stripped of its tags.
MAX_NESTING = 256
MAX_AMPERSANDS = 50_000
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)[^<>]*>")
_NOT_NESTING = {
    "area", "base", "br", "col", "colgroup", "dd", "dt", "embed", "hr", "img", "input", "li",
    "link", "meta", "option", "p", "param", "source", "tbody", "td", "tfoot", "th", "thead",
    "tr", "track", "wbr",
}  # fmt: skip


@cache
def _cleaner() -> Any:
    # Loaded on first need: plain-text mail never pays for the sanitiser.
    import nh3

    return nh3.Cleaner(
        tags=_TAGS,
        clean_content_tags={"script", "style", "title"},
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        url_relative="deny",
        filter_style_properties=_STYLE_PROPERTIES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def sanitize_html(html: str) -> str:
    """`html` with scripts, styles, event handlers and foreign URLs removed."""
    return _cleaner().clean(html)


def is_too_complex(html: str) -> bool:
    """Whether `html` is beyond what `sanitize_html` handles in reasonable time."""
    if html.count("&") > MAX_AMPERSANDS:
        return True
    depth = 0
    for match in _TAG.finditer(html):
        if match.group(2).lower() in _NOT_NESTING:
            continue
        if match.group(1):
            depth = max(depth - 1, 0)
        elif not match.group(0).endswith("/>"):
            depth += 1
            if depth > MAX_NESTING:
                return True
    return False


def strip_tags(html: str) -> str:
    """The text of `html` without any markup, for HTML too complex to sanitise."""
    text = unescape(_TAG.sub(" ", html))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line) + "\n"


def text_to_html(text: str) -> str:
    return "<div>" + escape(text, quote=False).replace("\n", "<br>\n") + "</div>"


def point_to_cids(html: str, locations: set[str]) -> str:
    """Make images that name a part by its Content-Location (kept as its content id) refer
    to it by `cid:`."""

    def replace(match: re.Match[str]) -> str:
        location = match.group(3)
        return f'{match.group(1)}"cid:{location}"' if location in locations else match.group(0)

    return _SRC.sub(replace, html) if locations else html


def referenced_cids(html: str) -> set[str]:
    """The content IDs the `src` attributes of `html` name by `cid:` URLs, as written and
    percent-decoded (RFC 2392 writes the ID URL-encoded; some mail programs do not)."""
    found: set[str] = set()
    for match in _SRC.finditer(html):
        value = unescape(match.group(3)).strip()
        if value[:4].lower() == "cid:" and value[4:]:
            found.update((value[4:], unquote(value[4:])))
    return found


def html_to_text(sanitized: str) -> str:
    """Readable text of HTML that went through `sanitize_html` first (which also keeps the
    parser here linear on hostile input)."""
    writer = _TextWriter()
    writer.feed(sanitized)
    writer.close()
    return writer.text()


_LINE_BREAK = {
    "address", "article", "aside", "center", "dd", "details", "div", "dt", "figcaption",
    "figure", "footer", "header", "li", "nav", "section", "summary", "tr", "caption",
}  # fmt: skip
_PARAGRAPH = {
    "blockquote", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ol", "p", "pre", "table", "ul",
}  # fmt: skip
_SPACES = re.compile(r"[ \t\n\r\f\xa0]+")


class _TextWriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = []
        self._line: list[str] = []
        # A blank line is due before the next text; it carries the quote marks of its place.
        self._blank: str | None = None
        self._pre = 0
        self._quote = 0
        self._lists: list[list[int]] = []
        # Each open link: its href and where its text starts in the current line.
        self._links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._end_line(force=True)
        elif tag in _PARAGRAPH:
            self._end_line(blank=True)
            self._pre += tag == "pre"
            self._quote += tag == "blockquote"
            if tag in ("ol", "ul"):
                self._lists.append([1 if tag == "ol" else 0])
        elif tag in _LINE_BREAK:
            self._end_line()
            if tag == "li":
                self._write(self._bullet())
        elif tag in ("td", "th") and self._line:
            self._write(" ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self._links.append((href, len(self._line)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _PARAGRAPH:
            self._pre -= tag == "pre" and self._pre > 0
            self._quote -= tag == "blockquote" and self._quote > 0
            self._end_line(blank=True)
            if tag in ("ol", "ul") and self._lists:
                self._lists.pop()
        elif tag in _LINE_BREAK:
            self._end_line()
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            if href.startswith(("http:", "https:")) and href not in "".join(self._line[start:]):
                self._write(f" <{href}>")

    def handle_data(self, data: str) -> None:
        if self._pre:
            first, *rest = data.split("\n")
            self._write(first)
            for line in rest:
                self._end_line(force=True)
                self._write(line)
            return
        text = _SPACES.sub(" ", data)
        if not self._line:
            text = text.lstrip()
        self._write(text)

    def text(self) -> str:
        self._end_line()
        lines = [line.rstrip() for line in self._lines]
        kept: list[str] = []
        for line in lines:
            if line or (kept and kept[-1]):
                kept.append(line)
        body = "\n".join(kept).strip("\n")
        return body + "\n" if body else ""

    def _bullet(self) -> str:
        if not self._lists:
            return "- "
        counter = self._lists[-1]
        if not counter[0]:
            return "- "
        counter[0] += 1
        return f"{counter[0] - 1}. "

    def _write(self, text: str) -> None:
        if not text:
            return
        if not self._line:
            if self._blank is not None and self._lines and self._lines[-1].strip("> "):
                self._lines.append(self._blank)
            self._blank = None
            self._line.append("> " * self._quote)
        self._line.append(text)

    def _end_line(self, *, blank: bool = False, force: bool = False) -> None:
        if self._line:
            self._lines.append("".join(self._line))
            self._line = []
        elif force:
            self._lines.append("> " * self._quote)
        if blank:
            self._blank = "> " * self._quote
