"""Attachment file names: read from the headers (RFC 2231 and RFC 2047 alike), cleaned the
way OTRS cleans them, and made up from the content type where a part has none."""

from __future__ import annotations

import mimetypes
import re
from email.message import Message

from .charsets import decode_bytes
from .defects import Defects
from .encoded_words import decode_words
from .mime import read_headers

MAX_LENGTH = 200
MESSAGE_TYPES = {"message/rfc822", "message/global"}

# Whitespace, the characters OTRS replaces, those no file system accepts, and the
# replacement character left by undecodable bytes.
_UNSAFE = re.compile(r'[\s()\[\]:;,"/\\<>?*|\x00-\x1f\x7f\ufffd]')
_EXTENSIONS = {
    "application/octet-stream": ".bin",
    "application/pdf": ".pdf",
    "application/pgp-encrypted": ".asc",
    "application/pgp-keys": ".asc",
    "application/pgp-signature": ".asc",
    "application/pkcs7-mime": ".p7m",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-mime": ".p7m",
    "application/x-pkcs7-signature": ".p7s",
    "application/ms-tnef": ".dat",
    "application/zip": ".zip",
    "image/gif": ".gif",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "message/global": ".eml",
    "message/rfc822": ".eml",
    "text/calendar": ".ics",
    "text/html": ".html",
    "text/plain": ".txt",
    "text/rfc822-headers": ".txt",
}


def declared_filename(headers: Message) -> str:
    """The file name a part's headers give, decoded; "" if none."""
    for parameter, header in (("filename", "content-disposition"), ("name", "content-type")):
        value = headers.get_param(parameter, None, header)
        if isinstance(value, tuple):
            charset, _language, text = value
            try:
                data = text.encode("latin-1")
            except UnicodeEncodeError:
                name = text
            else:
                name = decode_bytes(data, charset or "")[0]
        else:
            name = decode_words(value or "")
        if name.strip():
            return name
    return ""


def attachment_filename(headers: Message, content_type: str, content: bytes, number: int) -> str:
    """The cleaned file name of the attachment that is leaf `number` (1-based) of its mail."""
    name = declared_filename(headers)
    if not name and content_type in MESSAGE_TYPES:
        subject = embedded_subject(content)
        name = subject + ".eml" if subject.strip() else ""
    return clean_filename(name) or fallback_filename(number, content_type)


def embedded_subject(content: bytes) -> str:
    """The decoded Subject of an attached message, as written (line breaks kept)."""
    # Faults of the attached message are not faults of the one received.
    headers, _body = read_headers(content, 0, len(content), Defects())
    return decode_words(headers.get("subject", ""))


def clean_filename(name: str) -> str:
    """`name` made safe to store: line breaks dropped, risky characters turned into `_`,
    the length limited (keeping the extension); "" if nothing useful is left."""
    cleaned = _UNSAFE.sub("_", name.replace("\r", "").replace("\n", ""))
    if not cleaned.strip("._"):
        return ""
    if len(cleaned) > MAX_LENGTH:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and stem and len(extension) < 16:
            return stem[: MAX_LENGTH - len(extension) - 1] + "." + extension
        return cleaned[:MAX_LENGTH]
    return cleaned


def fallback_filename(number: int, content_type: str) -> str:
    """`file-<n>` like OTRS, with an extension guessed from the content type."""
    extension = _EXTENSIONS.get(content_type) or mimetypes.guess_extension(content_type) or ""
    return f"file-{number}{extension}"
