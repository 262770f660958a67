"""Pure text handling for search: the searchable text of tickets and articles, and query parsing.

Indexed text and query words are folded the same way (case, diacritics, punctuation), so every
database compares plain space-separated words and behaves alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

# MariaDB indexes words up to 84 characters (innodb_ft_max_token_size); longer words
# (base64, hashes) are cut on both sides so that a search for them still finds them by prefix.
MAX_WORD_LENGTH = 80
# Keeps the PostgreSQL tsvector well below its 1 MB limit even for text of unique short words.
MAX_CONTENT_LENGTH = 250_000
MAX_QUERY_TERMS = 32

_WORD = re.compile(r"[^\W_]+")
# Letters without a Unicode decomposition that users type without their stroke or ligature.
_FOLD = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "\u0131": "i", "æ": "ae", "œ": "oe"})


@dataclass(frozen=True)
class Term:
    """One thing a document must contain: a word, or words that follow each other (a phrase).

    With `prefix`, the last word may be the beginning of a longer word."""

    words: tuple[str, ...]
    prefix: bool


def parse_words(text: str) -> list[str]:
    """Split text into folded words: lower case, without diacritics and punctuation."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
        text = "".join(ch for ch in text if ch.isascii() or not _is_invisible(ch))
        text = unicodedata.normalize("NFC", text)
    return [word[:MAX_WORD_LENGTH] for word in _WORD.findall(text.lower())]


def _is_invisible(char: str) -> bool:
    """Combining marks and format characters (soft hyphen, joiners) are not word boundaries."""
    category = unicodedata.category(char)
    return category[0] == "M" or (category == "Cf" and char != "\u200b")


def document_content(parts: Iterable[str]) -> str:
    """The `content` of a search document: the folded words of all parts, space-separated."""
    words: list[str] = []
    length = 0
    for part in parts:
        for word in parse_words(part or ""):
            length += len(word) + 1
            if length > MAX_CONTENT_LENGTH:
                return " ".join(words)
            words.append(word)
    return " ".join(words)


def ticket_content(*, tn: str, title: str) -> str:
    return document_content([tn, title])


def article_content(
    *,
    subject: str,
    from_address: str,
    to_address: str,
    cc: str,
    body: str,
    body_html: str,
    attachment_names: Sequence[str] = (),
) -> str:
    if not body.strip() and body_html:
        body = html_to_text(body_html)
    return document_content([subject, from_address, to_address, cc, body, *attachment_names])


def parse_query(text: str) -> list[Term]:
    """The terms of a user's search text; "quoted words" form an exact phrase.

    Any other character only separates words, so no input can form database query syntax.
    A word that punctuation splits (`max@example.com`, `INC-42`) becomes a phrase whose last
    word is a prefix."""
    terms: list[Term] = []
    parts = text.split('"')
    for index, part in enumerate(parts):
        is_phrase = index % 2 == 1 and index < len(parts) - 1
        if is_phrase:
            words = parse_words(part)
            if words:
                terms.append(Term(tuple(words), prefix=False))
            continue
        for chunk in part.split():
            words = parse_words(chunk)
            if words:
                terms.append(Term(tuple(words), prefix=True))
    unique = list(dict.fromkeys(terms))
    return unique[:MAX_QUERY_TERMS]


_INLINE_TAGS = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
        "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt",
        "u", "var", "wbr",
    }
)  # fmt: skip
_HIDDEN_TAGS = frozenset({"head", "script", "style", "template", "title"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag not in _INLINE_TAGS:
            self.chunks.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag not in _INLINE_TAGS:
            self.chunks.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    """The visible text of an HTML body, block elements separated by spaces."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return "".join(parser.chunks)
