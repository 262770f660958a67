"""RFC 2047 encoded words in header values, including the broken ones mail programs write:
words split in the middle of a character, spaces inside a word, unknown charsets."""

from __future__ import annotations

import binascii
import re

from . import defects
from .charsets import codec_for, decode_bytes
from .defects import Defects

# Like most readers, accept spaces inside the encoded text: some programs never encode them.
# The text never holds "?", which also keeps the search linear on a word that never ends.
_WORD = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?]*)\?=")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
# A decoded display name with these characters must be quoted to stay one address.
_ADDRESS_SPECIALS = re.compile(r'[,;<>@:"\\]')


def decode_words(
    value: str, *, header: str = "", notes: Defects | None = None, address: bool = False
) -> str:
    """`value` with its encoded words decoded. With `address`, decoded display names that
    contain address punctuation are quoted, so splitting the list afterwards stays right."""
    if "=?" not in value:
        return value
    # (charset, bytes) for encoded words; (None, text) for the text between them.
    pieces: list[tuple[str | None, bytes | str]] = []
    position = 0
    for match in _WORD.finditer(value):
        between = value[position : match.start()]
        follows_word = bool(pieces) and pieces[-1][0] is not None
        if between and not (follows_word and between.isspace()):
            pieces.append((None, between))
            follows_word = False
        charset = match.group(1).split("*", 1)[0]
        payload = match.group(3).encode("utf-8", "surrogateescape")
        data = _base64(payload) if match.group(2) in "bB" else binascii.a2b_qp(payload, header=True)
        previous = pieces[-1][0] if follows_word else None
        if previous is not None and previous.lower() == charset.lower():
            # A character may be split across adjacent words: join the bytes, then decode.
            pieces[-1] = (previous, pieces[-1][1] + data)
        else:
            pieces.append((charset, data))
        position = match.end()
    if position < len(value):
        pieces.append((None, value[position:]))
    return _assemble(pieces, header=header, notes=notes, address=address)


def _assemble(
    pieces: list[tuple[str | None, bytes | str]],
    *,
    header: str,
    notes: Defects | None,
    address: bool,
) -> str:
    out: list[str] = []
    quoted = False
    decoded_run: list[str] = []
    for charset, payload in pieces:
        if charset is None:
            out.append(_joined_run(decoded_run, quote=address and not quoted))
            decoded_run = []
            text = str(payload)
            quoted ^= _unescaped_quotes(text) % 2 == 1
            out.append(text)
            continue
        text, used, fitted = decode_bytes(bytes(payload), charset)
        if not fitted and notes is not None:
            if not codec_for(charset):
                kind = defects.ENCODED_WORD_CHARSET
            elif used == charset.lower():
                kind = defects.ENCODED_WORD_REPLACED
            else:
                kind = defects.ENCODED_WORD_BROKEN
            notes.add(kind, header=header, charset=charset, detected=used)
        decoded_run.append(text)
    out.append(_joined_run(decoded_run, quote=address and not quoted))
    return "".join(out)


def _joined_run(run: list[str], *, quote: bool) -> str:
    text = "".join(run)
    if quote and _ADDRESS_SPECIALS.search(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _unescaped_quotes(text: str) -> int:
    return text.count('"') - text.count('\\"')


def _base64(payload: bytes) -> bytes:
    data = _NOT_BASE64.sub(b"", payload.split(b"=", 1)[0] if b"=" in payload else payload)
    if len(data) % 4 == 1:
        data = data[:-1]
    return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
