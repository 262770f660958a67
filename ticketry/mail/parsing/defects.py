"""Notes on what was broken in a message and how the parser repaired it, shown to admins."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Pathological mails can repeat one fault thousands of times; the first notes tell the story.
MAX_NOTES = 50

EMPTY_MESSAGE = _("The message is empty.")
NO_HEADERS = _("The message has no headers.")
BINARY_BODY = _("The message is not text; it was kept as an attachment.")
HEADER_BODY_SEPARATOR = _("A header line was malformed; the body was taken to start there.")
HEADER_LINE_JOINED = _("A header line was not indented; it was read as part of the line above.")
HEADER_8BIT = _(
    "The %(header)s header has unencoded 8-bit characters; they were read as %(charset)s."
)
ENCODED_WORD_CHARSET = _(
    "An encoded word in the %(header)s header names the unknown charset %(charset)s; "
    "it was read as %(detected)s."
)
ENCODED_WORD_BROKEN = _(
    "An encoded word in the %(header)s header does not match its charset %(charset)s; "
    "it was read as %(detected)s."
)
ENCODED_WORD_REPLACED = _(
    "Some characters of an encoded word in the %(header)s header do not exist in its "
    "charset %(charset)s; they were replaced."
)
CHARSET_UNKNOWN = _(
    "The unknown charset %(charset)s was declared; the text was read as %(detected)s."
)
CHARSET_MISMATCH = _(
    "The text does not match its declared charset %(charset)s; it was read as %(detected)s."
)
CHARSET_REPLACED = _(
    "Some characters do not exist in the declared charset %(charset)s; they were replaced."
)
CHARSET_MISSING = _("No charset was declared for 8-bit text; it was read as %(detected)s.")
NO_BOUNDARY = _("A multipart part has no usable boundary; its content was kept as text.")
BOUNDARY_GUESSED = _(
    "The boundary of a multipart part is missing or wrong; the one in its content was used."
)
CLOSING_BOUNDARY = _("The closing boundary of a multipart part is missing.")
TOO_DEEP = _("The MIME structure is nested too deeply; the deepest parts were kept as attachments.")
TOO_MANY_PARTS = _("The message has too many parts; the rest was kept as one attachment.")
HTML_TOO_COMPLEX = _("The HTML is too complex to display safely; it is shown as plain text.")
BAD_BASE64 = _("Broken base64 content was decoded as far as possible.")
UNKNOWN_ENCODING = _("The unknown transfer encoding %(encoding)s was kept as it is.")
BAD_DATE = _("The Date header could not be read.")


class Defects:
    """Collects notes in the order they arise, each note once."""

    __slots__ = ("_notes",)

    def __init__(self) -> None:
        self._notes: dict[str, None] = {}

    def add(self, message: str, **params: str) -> None:
        if len(self._notes) < MAX_NOTES:
            text = str(message) % params if params else str(message)
            self._notes[text] = None

    def as_tuple(self) -> tuple[str, ...]:
        return tuple(self._notes)
