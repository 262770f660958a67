"""Charsets in bodies and headers: every codec Python knows, the labels mail programs use,
missing and wrong declarations, and RFC 2047 encoded words (broken ones included)."""

# Sample texts in many scripts, which look like ASCII to the linter.
# ruff: noqa: RUF001

from __future__ import annotations

import base64
import encodings
import pkgutil

import pytest

from ticketry.mail.parsing import ParsedMessage, parse_message
from ticketry.mail.parsing import defects as notes
from ticketry.mail.parsing.charsets import codec_for

SAMPLES = [
    "Grüße aus Köln – 5 €",
    "Grüße aus Köln",
    "Zażółć gęślą jaźń",
    "Привет, как дела?",
    "Γειά σου κόσμε",
    "שלום עולם",
    "مرحبا بالعالم",
    "สวัสดีชาวโลก",
    "こんにちは世界",
    "你好，世界",
    "안녕하세요 세계",
    "Xin chào thế giới",
    "Merhaba dünya ığ",
    "Halló heimur þð",
    "Hello world",
]
CODECS = sorted(
    name
    for name in {module.name for module in pkgutil.iter_modules(encodings.__path__)}
    if codec_for(name)
)


def mail(body: bytes, content_type: str = "text/plain", encoding: str = "8bit") -> bytes:
    return (
        b"From: a@example.com\nSubject: charsets\nMIME-Version: 1.0\n"
        + f"Content-Type: {content_type}\nContent-Transfer-Encoding: {encoding}\n\n".encode()
        + body
    )


def sample_for(codec: str) -> str:
    for text in SAMPLES:
        try:
            if text.encode(codec).decode(codec) == text:
                return text
        except UnicodeError:
            continue
    raise AssertionError(f"no sample text for {codec}")


def defect(message, **params) -> str:
    return str(message) % params if params else str(message)


@pytest.mark.parametrize("codec", CODECS)
def test_every_charset_python_knows(codec: str):
    text = sample_for(codec)
    raw = mail(base64.encodebytes(text.encode(codec)), f"text/plain; charset={codec}", "base64")

    parsed = parse_message(raw)

    assert parsed.body_text == text
    assert parsed.charset == codec
    assert parsed.defects == ()


@pytest.mark.parametrize(
    ("label", "text", "codec"),
    [
        ("UTF8", "Grüße", "utf-8"),
        ("windows-1252", "Preis: 5 € – „gut“", "cp1252"),
        ("cp-1251", "Привет", "cp1251"),
        ("win-1251", "Привет", "cp1251"),
        ("x-mac-roman", "Grüße", "mac-roman"),
        ("x-sjis", "こんにちは", "shift_jis"),
        ("iso-8859-8-i", "שלום", "iso8859-8"),
        ("unicode-1-1-utf-7", "Grüße", "utf-7"),
        ("ISO_8859-1:1987", "Grüße", "latin-1"),
        # Mail programs mean the Windows supersets by these labels.
        ("iso-8859-1", "Preis: 5 €", "cp1252"),
        ("shift_jis", "①番", "cp932"),
        ("ks_c_5601-1987", "똠방각하", "cp949"),
        ("gb2312", "你好 €", "gb18030"),
        ('"utf-8"', "Grüße", "utf-8"),
        ("'utf-8'", "Grüße", "utf-8"),
    ],
)
def test_charset_labels_as_mail_programs_write_them(label: str, text: str, codec: str):
    parsed = parse_message(mail(text.encode(codec), f"text/plain; charset={label}"))

    assert parsed.body_text == text
    assert parsed.defects == ()


def body_of(data: bytes, content_type: str = "text/plain") -> ParsedMessage:
    return parse_message(mail(data, content_type))


def test_missing_charset_with_western_text():
    parsed = body_of("Grüße aus Köln, schöne Größe".encode("latin-1"))

    assert parsed.body_text == "Grüße aus Köln, schöne Größe"
    assert parsed.charset == "iso-8859-1"
    assert parsed.defects == (defect(notes.CHARSET_MISSING, detected="iso-8859-1"),)


def test_missing_charset_with_windows_quotes():
    parsed = body_of("„Angebot“ für 5 €".encode("cp1252"))

    assert (parsed.body_text, parsed.charset) == ("„Angebot“ für 5 €", "windows-1252")


def test_missing_charset_with_utf8():
    parsed = body_of("Grüße – 日本".encode())

    assert (parsed.body_text, parsed.charset) == ("Grüße – 日本", "utf-8")
    assert parsed.defects == (defect(notes.CHARSET_MISSING, detected="utf-8"),)


def test_missing_charset_with_ascii_text():
    parsed = body_of(b"Just ASCII.")

    assert (parsed.body_text, parsed.charset, parsed.defects) == ("Just ASCII.", "us-ascii", ())


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        (
            "Добрый день! Пишу вам по поводу заказа, который я сделал на прошлой неделе. "
            "Посылка до сих пор не пришла, а статус заказа не меняется уже пять дней.",
            "koi8-r",
        ),
        (
            "お世話になっております。先日注文した商品がまだ届いておりません。"
            "配送状況を確認していただけますでしょうか。よろしくお願いいたします。",
            "shift_jis",
        ),
    ],
)
def test_missing_charset_of_other_scripts_is_detected(text: str, codec: str):
    parsed = body_of(text.encode(codec))

    assert parsed.body_text == text
    assert len(parsed.defects) == 1


def test_declared_ascii_but_utf8():
    parsed = body_of("Grüße".encode(), "text/plain; charset=us-ascii")

    assert (parsed.body_text, parsed.charset) == ("Grüße", "utf-8")
    assert parsed.defects == (defect(notes.CHARSET_MISMATCH, charset="us-ascii", detected="utf-8"),)


def test_declared_latin1_but_utf8():
    parsed = body_of("Grüße".encode(), "text/plain; charset=iso-8859-1")

    assert (parsed.body_text, parsed.charset) == ("Grüße", "utf-8")


def test_declared_utf8_but_latin1():
    parsed = body_of("Grüße aus Köln".encode("latin-1"), "text/plain; charset=utf-8")

    assert (parsed.body_text, parsed.charset) == ("Grüße aus Köln", "iso-8859-1")
    assert parsed.defects == (
        defect(notes.CHARSET_MISMATCH, charset="utf-8", detected="iso-8859-1"),
    )


def test_utf8_with_a_stray_byte_keeps_utf8():
    data = ("Grüße aus Köln, schöne Größe. " * 10).encode() + b"\xff end"

    parsed = body_of(data, "text/plain; charset=utf-8")

    assert parsed.body_text.endswith("Größe. \ufffd end")
    assert parsed.charset == "utf-8"
    assert parsed.defects == (defect(notes.CHARSET_REPLACED, charset="utf-8"),)


def test_unknown_charset_is_detected():
    parsed = body_of("Grüße aus Köln".encode("latin-1"), "text/plain; charset=x-foobar")

    assert (parsed.body_text, parsed.charset) == ("Grüße aus Köln", "iso-8859-1")
    assert parsed.defects == (
        defect(notes.CHARSET_UNKNOWN, charset="x-foobar", detected="iso-8859-1"),
    )


def test_seven_bit_charset_with_an_invalid_character_is_kept():
    data = b"\x1b$BF|K\\\x1b(B \x1b$B-!\x1b(B"

    parsed = body_of(data, "text/plain; charset=iso-2022-jp")

    assert parsed.body_text == "日本 \ufffd"
    assert parsed.defects == (defect(notes.CHARSET_REPLACED, charset="iso-2022-jp"),)


def test_html_without_charset_uses_its_meta_declaration():
    html = '<html><head><meta charset="windows-1250"></head><body>Łódź</body></html>'

    parsed = body_of(html.encode("cp1250"), "text/html")

    assert parsed.body_text == "Łódź\n"
    assert "Łódź" in parsed.body_html


def subject_of(header: str) -> ParsedMessage:
    return parse_message(f"From: a@example.com\nSubject: {header}\n\nbody\n".encode())


@pytest.mark.parametrize(
    ("header", "subject"),
    [
        ("=?utf-8?q?Gr=C3=BC=C3=9Fe?=", "Grüße"),
        ("=?UTF-8?B?R3LDvMOfZQ==?=", "Grüße"),
        ("=?UTF-8?B?R3LDvMOfZQ?=", "Grüße"),
        ("=?utf-8*de?Q?Gr=C3=BC=C3=9Fe?=", "Grüße"),
        ("Re: =?iso-8859-1?Q?Gr=FC=DFe?= aus K=F6ln", "Re: Grüße aus K=F6ln"),
        ("=?utf-8?Q?a?= =?utf-8?Q?b?=\n =?utf-8?Q?c?=", "abc"),
        ("=?utf-8?Q?a?=  plain  =?utf-8?Q?b?=", "a  plain  b"),
        # One character split over two words, and over a Q and a B word.
        ("=?utf-8?Q?=C3?= =?utf-8?Q?=BC?=", "ü"),
        ("=?utf-8?Q?=D0=92=D0?= =?utf-8?B?sA==?=", "Ва"),
        # Spaces inside an encoded word, written by some programs.
        ("=?utf-8?Q?not encoded spaces?=", "not encoded spaces"),
        ("a =? b ?= c", "a =? b ?= c"),
        ("Grüße roh", "Grüße roh"),
    ],
)
def test_encoded_words(header: str, subject: str):
    parsed = subject_of(header)

    assert parsed.subject == subject
    assert parsed.defects == ()


def test_encoded_word_in_an_unknown_charset():
    parsed = subject_of("=?x-unknown?Q?Gr=FC=DFe_aus_K=F6ln?=")

    assert parsed.subject == "Grüße aus Köln"
    assert parsed.defects == (
        defect(
            notes.ENCODED_WORD_CHARSET,
            header="Subject",
            charset="x-unknown",
            detected="iso-8859-1",
        ),
    )


def test_encoded_word_that_does_not_match_its_charset():
    parsed = subject_of("=?utf-8?Q?Gr=FC=DFe_aus_K=F6ln?=")

    assert parsed.subject == "Grüße aus Köln"
    assert parsed.defects == (
        defect(notes.ENCODED_WORD_BROKEN, header="Subject", charset="utf-8", detected="iso-8859-1"),
    )


def test_raw_8bit_header_that_is_not_utf8():
    parsed = parse_message(b"From: M\xfcller <m@example.com>\n\nbody\n")

    assert parsed.from_ == "Müller <m@example.com>"
    assert parsed.defects == (defect(notes.HEADER_8BIT, header="From", charset="iso-8859-1"),)
