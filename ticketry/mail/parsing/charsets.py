"""Turning the bytes of a text part or header into text: declared charsets, the labels mail
programs really use, and detection where the declaration is missing or wrong."""

from __future__ import annotations

import codecs
import encodings
import pkgutil
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, lru_cache

from . import defects
from .defects import Defects

# Codecs that are no character sets: they would interpret backslashes or never decode.
_REFUSED = {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"}
# What mail programs mean by these labels (as web browsers read them): the superset, whose
# extra characters are exactly the ones the stricter decoder would reject.
_SUPERSETS = {
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "euc_kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
}
# Labels whose text is commonly UTF-8 sent by a program that declares a default charset.
_LATIN = {"ascii", "iso8859-1", "iso8859-15", "cp1252"}
# ASCII bytes that stateful encodings read as something else: shifts of ISO-2022 and HZ,
# a UTF-7 run.
_ASCII_PROBES = (bytes(range(128)), b"\x1b$B!!\x1b(B", b"\x1b$)C\x0e!!\x0f", b"~{!!~}", b"+AOQ-")
_WINDOWS = re.compile(r"(?:windows|win|cp|ms)[-_ ]?(\d{3,4})")
# Bytes that are control characters in ISO-8859-1 but printable in windows-1252.
_C1 = re.compile(rb"[\x80-\x9f]")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
# Replacement characters above this share of the non-ASCII text mean "not this charset".
_REPLACED_SHARE = 0.05
# Detection looks at this much; the rest of a large text rarely changes the verdict.
_DETECTION_SAMPLE = 64 * 1024
# Detection is the slow step (tens of microseconds even for a word); a mail crafted to need
# it for thousands of header words gets it this often, then plain UTF-8 with replacements.
MAX_DETECTIONS = 200
_detections_left: ContextVar[int | None] = ContextVar("detections_left", default=None)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    charset: str


@lru_cache(maxsize=256)
def codec_for(label: str) -> str | None:
    """The Python codec for a charset label as found in mail, or None if there is none."""
    name = label.strip().strip("\"'").strip().lower()
    if not name:
        return None
    candidates = [name]
    if name.startswith("x-"):
        candidates.append(name[2:])
    windows = _WINDOWS.fullmatch(name)
    if windows:
        candidates.append("cp" + windows.group(1))
    if name.endswith(("-i", "-e")):
        candidates.append(name[:-2])
    for candidate in candidates:
        if not _may_be_codec(candidate):
            continue
        try:
            codec = codecs.lookup(candidate).name
            b"\x00".decode(codec)
        except LookupError:
            # Unknown, or a bytes-to-bytes codec such as base64.
            continue
        except UnicodeError:
            pass
        if codec not in _REFUSED:
            return codec
    return None


def _may_be_codec(name: str) -> bool:
    # Looking up an unknown name tries to import a module of that name, which is slow enough
    # to matter for a mail with thousands of made-up charset labels.
    normalized = encodings.normalize_encoding(name)
    return normalized in _codec_names() or normalized.replace(".", "_") in _codec_names()


@cache
def _codec_names() -> frozenset[str]:
    modules = {module.name for module in pkgutil.iter_modules(encodings.__path__)}
    return frozenset(modules | set(encodings.aliases.aliases))


@lru_cache(maxsize=256)
def _ascii_compatible(codec: str) -> bool:
    """Whether ASCII bytes mean ASCII in `codec`; not so for UTF-7, UTF-16, ISO-2022 or EBCDIC,
    whose text can be all ASCII bytes and still need decoding."""
    try:
        return all(probe.decode(codec) == probe.decode("ascii") for probe in _ASCII_PROBES)
    except UnicodeDecodeError:
        return False


def label_of(codec: str) -> str:
    """A charset name as mail declares it (IANA style) for a Python codec name."""
    windows = re.fullmatch(r"cp(125\d)", codec)
    if windows:
        return "windows-" + windows.group(1)
    if codec.startswith("iso8859-"):
        return "iso-" + codec[3:]
    if codec == "ascii":
        return "us-ascii"
    return codec.replace("_", "-")


def decode_text(data: bytes, declared: str, notes: Defects, *, html: bool = False) -> Decoded:
    """Decode a text part. `declared` is the charset label from the headers ("" if none)."""
    label = declared.strip().strip("\"'").strip().lower()
    codec = codec_for(label) if label else None
    if data.isascii() and (codec is None or _ascii_compatible(codec)):
        return Decoded(data.decode("ascii"), label if codec else "us-ascii")
    if codec:
        if codec in _LATIN and _is_utf8(data):
            notes.add(defects.CHARSET_MISMATCH, charset=label, detected="utf-8")
            return Decoded(_without_bom(data.decode("utf-8")), "utf-8")
        declared_text = _declared(data, codec)
        if declared_text is not None:
            text, replaced = declared_text
            if replaced:
                notes.add(defects.CHARSET_REPLACED, charset=label)
            return Decoded(text, label)
    guessed = _guess(data, html=html)
    if codec:
        notes.add(defects.CHARSET_MISMATCH, charset=label, detected=guessed.charset)
    elif label:
        notes.add(defects.CHARSET_UNKNOWN, charset=label, detected=guessed.charset)
    else:
        notes.add(defects.CHARSET_MISSING, detected=guessed.charset)
    return guessed


def decode_bytes(data: bytes, declared: str) -> tuple[str, str, bool]:
    """Decode a short piece of a header: (text, charset used, whether `declared` fitted)."""
    codec = codec_for(declared) if declared else None
    declared_text = _declared(data, codec) if codec else None
    if declared_text is not None:
        text, replaced = declared_text
        return text, declared.lower(), not replaced
    guessed = _guess(data, html=False)
    return guessed.text, guessed.charset, False


def looks_binary(data: bytes) -> bool:
    """Whether undeclared content is binary data rather than text: it has NUL bytes and is
    not UTF-8 (a stray NUL in otherwise good text does not count)."""
    return b"\x00" in data and not _is_utf8(data)


def _guess(data: bytes, *, html: bool) -> Decoded:
    if html:
        meta = _META_CHARSET.search(data, 0, 4096)
        codec = codec_for(meta.group(1).decode("ascii")) if meta else None
        text = _strict(data, codec) if codec else None
        if text is not None:
            return Decoded(text, label_of(codec))
    if _is_utf8(data):
        return Decoded(_without_bom(data.decode("utf-8")), "utf-8")
    codec = _detect(data)
    if codec:
        return Decoded(data.decode(codec, "replace"), label_of(codec))
    return Decoded(data.decode("utf-8", "replace"), "utf-8")


@contextmanager
def detection_budget() -> Iterator[None]:
    """Limit charset detection to MAX_DETECTIONS within the block (one message)."""
    token = _detections_left.set(MAX_DETECTIONS)
    try:
        yield
    finally:
        _detections_left.reset(token)


def _detect(data: bytes) -> str | None:
    left = _detections_left.get()
    if left is not None:
        if left <= 0:
            return None
        _detections_left.set(left - 1)
    # Loaded on first need: a well-declared mail never pays for the detector.
    from charset_normalizer import from_bytes

    sample = data[:_DETECTION_SAMPLE]
    # Undeclared 8-bit mail is mostly Western; the detector alone often calls short Western
    # text Baltic or Icelandic, but reliably rejects the Western reading of other scripts.
    western = from_bytes(sample, cp_isolation=["cp1252"]).best()
    if western is not None:
        return "cp1252" if _has_c1(data) else "iso8859-1"
    best = from_bytes(sample).best()
    return codec_for(best.encoding) if best is not None else None


def _declared(data: bytes, codec: str) -> tuple[str, bool] | None:
    """The text in the declared codec, and whether characters had to be replaced; None if
    the declaration is wrong."""
    text = _strict(data, _SUPERSETS.get(codec, codec))
    if text is None:
        text = _strict(data, codec)
    if text is not None:
        return text, False
    # Guessing cannot do better for ASCII bytes in an encoding that is not ASCII, or for
    # UTF-8 that is mostly right: keep what the declaration gives.
    if (data.isascii() and not _ascii_compatible(codec)) or codec == "utf-8":
        replaced = _without_bom(data.decode(codec, "replace"))
        if codec != "utf-8" or _mostly_valid(replaced):
            return replaced, True
    return None


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return _without_bom(data.decode(codec))
    except (UnicodeDecodeError, LookupError):
        return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _mostly_valid(text: str) -> bool:
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return text.count("\ufffd") <= non_ascii * _REPLACED_SHARE


def _has_c1(data: bytes) -> bool:
    return _C1.search(data) is not None


def _without_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text
