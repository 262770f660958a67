"""Broken, empty, hostile and huge input: parse_message always gives a result, in bounded
time and memory, and says what it repaired."""

from __future__ import annotations

import base64
import binascii
import random
import time
import tracemalloc
from pathlib import Path

import pytest

from ticketry.mail.parsing import ParseError, parse_message
from ticketry.mail.parsing import defects as notes
from ticketry.mail.parsing.defects import MAX_NOTES
from ticketry.mail.parsing.mime import MAX_DEPTH, MAX_PARTS

FIXTURES = Path(__file__).parent / "fixtures"
MB = 1024 * 1024


def test_empty_input():
    for raw in (b"", b"\r\n \n"):
        parsed = parse_message(raw)

        assert (parsed.subject, parsed.body_text, parsed.attachments) == ("", "", ())
        assert parsed.defects == (str(notes.EMPTY_MESSAGE),)


def test_only_byte_strings_are_mail():
    with pytest.raises(ParseError):
        parse_message("Subject: text, not bytes\n\nbody\n")  # type: ignore[arg-type]
    assert isinstance(ParseError("x"), ValueError)
    assert parse_message(bytearray(b"Subject: x\n\ny")).subject == "x"
    assert parse_message(memoryview(b"Subject: x\n\ny")).body_text == "y"


def test_binary_junk_is_kept_as_an_attachment():
    junk = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00" + random.Random(7).randbytes(4000)

    parsed = parse_message(junk)

    assert parsed.body_text == ""
    (kept,) = parsed.attachments
    assert (kept.filename, kept.content_type, kept.content) == (
        "file-1.bin",
        "application/octet-stream",
        junk,
    )
    assert parsed.defects == (str(notes.NO_HEADERS), str(notes.BINARY_BODY))


def test_a_stray_nul_byte_leaves_text_as_text():
    parsed = parse_message(b"From: a@example.com\r\nSubject: zero\x00byte\r\n\r\nbo\x00dy\r\n")

    assert (parsed.subject, parsed.body_text, parsed.attachments) == (
        "zero\x00byte",
        "bo\x00dy\n",
        (),
    )


@pytest.mark.parametrize("seed", range(20))
def test_random_bytes_never_raise(seed: int):
    chance = random.Random(seed)
    pieces = [
        b"Content-Type: multipart/mixed; boundary=b\n",
        b"Subject: =?utf-8?B?w",
        b"--b\n",
        b"--b--\n",
        b"\n",
        b"Content-Transfer-Encoding: base64\n",
        b"Content-Type: text/html; charset=x\n",
        b"<div><a href='x'>",
        b"=?iso-8859-1?Q?=E4?=",
        chance.randbytes(50),
    ]
    raw = b"".join(chance.choice(pieces) for _ in range(200))

    parse_message(raw)


def test_no_header_body_separator():
    parsed = parse_message((FIXTURES / "no_separator.eml").read_bytes())

    assert (parsed.from_, parsed.subject) == ("sender@example.com", "No separator")
    assert parsed.body_text == "This line starts the body.\nSo does this one.\n"
    assert parsed.defects == (str(notes.HEADER_BODY_SEPARATOR),)


def test_header_repairs():
    parsed = parse_message((FIXTURES / "header_repairs.eml").read_bytes())

    # The mbox line is no header; the unindented second line of Received belongs to it.
    assert parsed.header_names[:2] == ["Received", "From"]
    assert parsed.header("Received").endswith(
        "id AB35D32CDC7; Fri,  6 Jul 2007 12:17:33 +0200 (CEST)"
    )
    assert parsed.from_ == "Müller ® <mueller@example.com>"
    assert parsed.subject == "Header  repairs"
    assert parsed.date is None
    # Like the Windows Snipping Tool, the boundary parameter sits on a line of its own.
    assert parsed.body_text == "The boundary was on a line of its own."
    assert parsed.defects == (
        str(notes.HEADER_LINE_JOINED),
        str(notes.HEADER_8BIT) % {"header": "From", "charset": "iso-8859-1"},
        str(notes.BAD_DATE),
    )


def test_missing_closing_boundary_and_truncated_base64():
    parsed = parse_message((FIXTURES / "missing_closing_boundary.eml").read_bytes())

    assert parsed.body_text == "The text survives."
    (truncated,) = parsed.attachments
    assert truncated.content == bytes(range(10))
    assert parsed.defects == (str(notes.CLOSING_BOUNDARY), str(notes.BAD_BASE64))


def test_boundary_is_found_in_the_content():
    parsed = parse_message((FIXTURES / "guessed_boundary.eml").read_bytes())

    assert parsed.body_text == "Found anyway."
    assert [(item.filename, item.content) for item in parsed.attachments] == [("data.csv", b"a,b")]
    assert parsed.defects == (str(notes.BOUNDARY_GUESSED),)


def test_boundary_that_never_occurs_is_replaced_by_the_one_in_the_content():
    parsed = parse_message((FIXTURES / "wrong_boundary.eml").read_bytes())

    assert parsed.body_text == "Found anyway."
    assert parsed.defects == (str(notes.BOUNDARY_GUESSED),)


def test_multipart_without_any_boundary_is_kept_as_text():
    raw = b"Subject: x\nContent-Type: multipart/alternative;\n\nJust text.\n"

    parsed = parse_message(raw)

    assert (parsed.content_type, parsed.body_text) == ("text/plain", "Just text.\n")
    assert parsed.defects == (str(notes.NO_BOUNDARY),)


def test_uuencoded_attachment():
    content = bytes(range(200))
    lines = [binascii.b2a_uu(content[index : index + 45]) for index in range(0, 200, 45)]
    # The last line padded with a character that carries no data, as some encoders do.
    lines[-1] = lines[-1].rstrip(b"\n") + b"_\n"
    raw = (
        b"Subject: uu\nContent-Type: multipart/mixed; boundary=u\n\n--u\n"
        b"Content-Type: application/octet-stream; name=data.bin\n"
        b"Content-Transfer-Encoding: x-uuencode\n\nbegin 644 data.bin\n"
        + b"".join(lines)
        + b"`\nend\n--u--\n"
    )

    (attachment,) = parse_message(raw).attachments

    assert attachment.content == content


def test_unknown_transfer_encoding_is_kept():
    raw = b"Subject: x\nContent-Transfer-Encoding: x-gzip64\n\nH4sI\n"

    parsed = parse_message(raw)

    assert parsed.body_text == "H4sI\n"
    assert parsed.defects == (str(notes.UNKNOWN_ENCODING) % {"encoding": "x-gzip64"},)


def test_digest_parts_are_messages():
    raw = (
        b"Subject: digest\nContent-Type: multipart/digest; boundary=d\n\n"
        b"--d\n\nSubject: First\n\none\n--d\n\nSubject: Second\n\ntwo\n--d--\n"
    )

    parsed = parse_message(raw)

    assert [(item.filename, item.content_type) for item in parsed.attachments] == [
        ("First.eml", "message/rfc822"),
        ("Second.eml", "message/rfc822"),
    ]


def nested(depth: int) -> bytes:
    opening = b"".join(
        f"--b{level}\nContent-Type: multipart/mixed; boundary=b{level + 1}\n\n".encode()
        for level in range(depth)
    )
    closing = b"".join(f"--b{level}--\n".encode() for level in reversed(range(depth + 1)))
    return (
        b"Subject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n"
        + opening
        + f"--b{depth}\nContent-Type: text/plain\n\ndeep text\n".encode()
        + closing
    )


def test_deep_nesting_is_cut_off():
    assert parse_message(nested(MAX_DEPTH - 1)).body_text == "deep text"

    parsed = parse_message(nested(5000))

    assert parsed.body_text == ""
    assert parsed.attachments[0].content_type == "multipart/mixed"
    assert parsed.defects == (str(notes.TOO_DEEP),)


def test_too_many_parts_end_in_one_attachment():
    parts = b"".join(b"--p\nContent-Type: text/plain; name=a.txt\n\nx\n" for _ in range(6000))
    raw = b"Subject: many\nContent-Type: multipart/mixed; boundary=p\n\n" + parts + b"--p--\n"

    parsed = parse_message(raw)

    assert len(parsed.attachments) == MAX_PARTS + 1
    rest = parsed.attachments[-1]
    assert rest.content_type == "application/octet-stream"
    assert rest.content.count(b"--p\n") == 6000 - MAX_PARTS - 1
    assert parsed.defects == (str(notes.TOO_MANY_PARTS),)


def test_thousands_of_made_up_charsets_stay_fast():
    words = " ".join(f"=?x-made-up-{index}?Q?Gr=FC=DFe?=" for index in range(20_000))
    raw = f"Subject: {words}\n".encode() + b"".join(
        b"X-Broken-%d: =?utf-8?Q?K=F6ln_=E4?=\n" % index for index in range(2_000)
    )

    started = time.perf_counter()
    parsed = parse_message(raw + b"\nbody\n")

    assert time.perf_counter() - started < 5
    assert parsed.subject.startswith("GrüßeGrüße")
    # Past its budget, detection stops: what is left becomes UTF-8 with replacements.
    assert parsed.header("X-Broken-1999") == "K\ufffdln \ufffd"


def test_defect_notes_are_bounded():
    words = " ".join(f"=?x-unknown-{index}?Q?=E4?=" for index in range(200))

    parsed = parse_message(f"Subject: {words}\n\nbody\n".encode())

    assert len(parsed.defects) == MAX_NOTES


@pytest.mark.parametrize(
    "html",
    [
        "<div>" * 20_000 + "deep",
        "a&b\n" * 60_000,
        "</" * 200_000 + "x",
        '<a href="https://example.com/">link</a>' * 20_000,
    ],
)
def test_hostile_html_is_handled_quickly(html: str):
    raw = b"Subject: html\nContent-Type: text/html; charset=utf-8\n\n" + html.encode()

    started = time.perf_counter()
    parsed = parse_message(raw)

    assert time.perf_counter() - started < 5
    assert "<script" not in parsed.body_html


def test_too_complex_html_is_shown_as_text():
    raw = b"Subject: html\nContent-Type: text/html\n\n" + b"<div>" * 1000 + b"a &amp; b<script>"

    parsed = parse_message(raw)

    assert parsed.body_text == "a & b\n"
    assert parsed.body_html == "<div>a &amp; b<br>\n</div>"
    assert parsed.defects == (str(notes.HTML_TOO_COMPLEX),)


def test_50_mb_attachment_costs_its_size_once():
    content = bytes(range(256)) * (50 * MB // 256)
    raw = (
        b"From: big@example.com\nSubject: big\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/mixed; boundary=big\n\n"
        b"--big\nContent-Type: text/plain\n\nSee attachment.\n"
        b"--big\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
        b'Content-Disposition: attachment; filename="big.bin"\n\n'
        + base64.encodebytes(content)
        + b"--big--\n"
    )

    tracemalloc.start()
    try:
        started = time.perf_counter()
        parsed = parse_message(raw)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert parsed.body_text == "See attachment."
    assert parsed.attachments[0].content == content
    # The decoded attachment, and not the many copies a line-based parser would make.
    assert peak < 1.2 * len(content)
    assert elapsed < 5


def test_one_megabyte_header_line():
    subject = "x" * MB
    recipients = ", ".join(f"user{index}@example.com" for index in range(50_000))
    raw = f"Subject: {subject}\nTo: {recipients}\nFrom: a@example.com\n\nbody\n".encode()

    tracemalloc.start()
    try:
        started = time.perf_counter()
        parsed = parse_message(raw)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert (parsed.subject, parsed.to, parsed.body_text) == (subject, recipients, "body\n")
    assert peak < 20 * MB
    assert elapsed < 2


def test_a_huge_subject_gives_a_bounded_file_name():
    subject = "Very long subject " * 1000
    raw = (
        b"Subject: outer\nContent-Type: multipart/mixed; boundary=m\n\n--m\n"
        b"Content-Type: message/rfc822\n\nSubject: " + subject.encode() + b"\n\nx\n--m--\n"
    )

    (attached,) = parse_message(raw).attachments

    assert len(attached.filename) == 200
    assert attached.filename.startswith("Very_long_subject_Very")
    assert attached.filename.endswith(".eml")
